// Native data-movement and remaining kernels: Slice, SplitV, Unpack, PadV2, Concat, Pack, Tile,
// GatherV2 and its gradient UnsortedSegmentSum, Select, AddN, IsFinite, All, Step and the float32
// comparisons (native/src/misc.cc). Movers handle float32 and int32 (they only copy 4-byte words);
// arithmetic is float32 only. Every other dtype (bool, string, complex64), empty tensors and the
// shapes a kernel does not cover run the cpu kernel, and contiguous slices stay zero-copy views of
// their input, exactly as the cpu kernel makes them.
import * as tf from "@tensorflow/tfjs";
import { NativeAddon } from "./addon";
import { Backend, Info, KernelArgs, NativeKernel, size, values, withFallback } from "./kernel-util";
import { takeF32 } from "./buffer-pool";

type Reg = (name: string, fn: NativeKernel) => void;
type Word = Float32Array | Int32Array;

/** Comparison codes shared with native/src/misc.cc (keep in sync). */
export const COMPARE = { greater: 0, greaterEqual: 1, less: 2, lessEqual: 3, equal: 4, notEqual: 5 } as const;

/** The entry points of native/src/misc.cc. All write into `out` arrays the caller allocated. */
export interface MiscAddon {
  slice(x: Word, shape: number[], begin: number[], size: number[], out: Word): void;
  pad(x: Word, shape: number[], before: number[], out: Word, outShape: number[]): void;
  concat(inputs: Word[], widths: number[], rows: number, out: Word): void;
  gather(x: Word, indices: Int32Array, batch: number, outer: number, dim: number, inner: number, out: Word): void;
  unsortedSegmentSum(
    x: Float32Array,
    ids: Int32Array,
    n: number,
    inner: number,
    numSegments: number,
    out: Float32Array,
  ): void;
  tile(x: Word, shape: number[], reps: number[], out: Word): void;
  select(condition: Uint8Array, t: Word, e: Word, out: Word): void;
  addN(inputs: Word[], out: Word): void;
  isFinite(x: Float32Array, out: Uint8Array): void;
  all(x: Uint8Array, outer: number, inner: number, out: Uint8Array): void;
  step(x: Float32Array, out: Float32Array, alpha: number): void;
  compare(op: number, a: Float32Array, b: Float32Array, out: Uint8Array): void;
  adamUpdate(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    outParam: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    oneMinusAccBeta1: number,
    oneMinusAccBeta2: number,
    epsilon: number,
    negLr: number,
  ): void;
}

const MISC_FUNCTIONS: (keyof MiscAddon)[] = [
  "slice",
  "pad",
  "concat",
  "gather",
  "unsortedSegmentSum",
  "tile",
  "select",
  "addN",
  "isFinite",
  "all",
  "step",
  "compare",
  "adamUpdate",
];

/** The misc entry points, or null for an addon built before native/src/misc.cc had them. */
export function miscAddon(native: NativeAddon): MiscAddon | null {
  const n = native as unknown as Record<string, unknown>;
  return MISC_FUNCTIONS.every((k) => typeof n[k] === "function") ? (native as unknown as MiscAddon) : null;
}

const isWord = (t: Info) => t.dtype === "float32" || t.dtype === "int32";
const nonEmpty = (t: Info) => size(t.shape) > 0;

/**
 * The 4-byte words behind a float32 or int32 tensor, as the array type of its dtype: a float32
 * tensor can be backed by an Int32Array or Uint8Array (the cpu Cast shares buffers when it widens),
 * and moving those bits into a Float32Array would change the values, so they are converted.
 */
export function wordsOf(backend: Backend, t: Info): Word {
  if (t.dtype === "float32") return values(backend, t);
  const data = backend.data.get(t.dataId);
  if (data.values instanceof Int32Array) return data.values;
  const converted = Int32Array.from(data.values as ArrayLike<number>);
  data.values = converted;
  return converted;
}

/** An output of n words with garbage contents (the kernel writes every element); float32 ones come from the pool. */
function newWords(dtype: tf.DataType, n: number): Word {
  return dtype === "int32" ? new Int32Array(n) : takeF32(n);
}

/** The bool (Uint8Array) values of a tensor, or null when it is not stored that way. */
function boolValues(backend: Backend, t: Info): Uint8Array | null {
  const v = backend.data.get(t.dataId).values;
  return t.dtype === "bool" && v instanceof Uint8Array ? v : null;
}

/**
 * The values of x[begin : begin + size] as the cpu Slice kernel makes them: a subarray view of x's
 * buffer when the box is contiguous, else a native copy. begin/size are already resolved.
 */
function sliceValues(misc: MiscAddon, backend: Backend, x: Info, begin: number[], sz: number[]): Word {
  const n = size(sz);
  if (tf.slice_util.isSliceContinous(x.shape, begin, sz)) {
    const vals = backend.data.get(x.dataId).values as Word;
    const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
    return vals.subarray(offset, offset + n);
  }
  const out = newWords(x.dtype, n);
  if (n > 0) misc.slice(wordsOf(backend, x), x.shape, begin, sz, out);
  return out;
}

export function registerMiscKernels(native: NativeAddon, reg: Reg): void {
  const misc = miscAddon(native);
  if (!misc) return; // an old build: every kernel stays the cpu backend's
  const list = (inputs: KernelArgs["inputs"]) => Object.values(inputs) as Info[];

  // ---- slicing ----

  reg(
    "Slice",
    withFallback(
      "Slice",
      ({ inputs }) => isWord(inputs.x),
      ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const [begin, sz] = tf.slice_util.parseSliceParams(
          x as tf.Tensor,
          attrs?.begin as number[],
          attrs?.size as number[],
        );
        tf.slice_util.assertParamsValid(x as tf.Tensor, begin, sz);
        return backend.makeTensorInfo(sz, x.dtype, sliceValues(misc, backend, x, begin, sz));
      },
    ),
  );

  reg(
    "SplitV",
    withFallback(
      "SplitV",
      ({ inputs }) => isWord(inputs.x),
      ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0];
        const sizes = tf.backend_util.prepareSplitSize(x, attrs?.numOrSizeSplits as number | number[], axis);
        const begin = new Array<number>(x.shape.length).fill(0);
        return sizes.map((s) => {
          const sz = x.shape.slice();
          sz[axis] = s;
          const info = backend.makeTensorInfo(sz, x.dtype, sliceValues(misc, backend, x, begin, sz));
          begin[axis] += s;
          return info;
        });
      },
    ),
  );

  reg(
    "Unpack",
    withFallback(
      "Unpack",
      ({ inputs }) => isWord(inputs.value),
      ({ inputs, backend, attrs }) => {
        const x = inputs.value;
        const rank = x.shape.length;
        let axis = attrs?.axis as number;
        if (axis < 0) axis += rank;
        const outShape = x.shape.filter((_, i) => i !== axis);
        const begin = new Array<number>(rank).fill(0);
        const sz = x.shape.slice();
        sz[axis] = 1;
        return Array.from({ length: x.shape[axis] }, (_, i) => {
          begin[axis] = i;
          return backend.makeTensorInfo(outShape.slice(), x.dtype, sliceValues(misc, backend, x, begin, sz));
        });
      },
    ),
  );

  reg(
    "PadV2",
    withFallback(
      "PadV2",
      ({ inputs }) => isWord(inputs.x) && nonEmpty(inputs.x),
      ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const paddings = attrs?.paddings as [number, number][];
        const constantValue = attrs?.constantValue as number;
        const outShape = paddings.map((p, i) => p[0] + x.shape[i] + p[1]);
        const out = newWords(x.dtype, size(outShape)).fill(constantValue);
        misc.pad(
          wordsOf(backend, x),
          x.shape,
          paddings.map((p) => p[0]),
          out,
          outShape,
        );
        return backend.makeTensorInfo(outShape, x.dtype, out);
      },
    ),
  );

  // ---- joining ----

  // The cpu kernel returns an empty result or the identity of the one non-empty input itself; only
  // joins of two or more non-empty inputs of one float32/int32 dtype go native.
  reg(
    "Concat",
    withFallback(
      "Concat",
      ({ inputs }) => {
        const ts = list(inputs);
        return ts.length > 0 && ts.every((t) => isWord(t) && t.dtype === ts[0].dtype) && ts.filter(nonEmpty).length > 1;
      },
      ({ inputs, backend, attrs }) => {
        const ts = list(inputs);
        const axis = tf.util.parseAxisParam(attrs?.axis as number, ts[0].shape)[0];
        const shapes = ts.map((t) => t.shape);
        tf.backend_util.assertParamsConsistent(shapes, axis);
        const outShape = tf.backend_util.computeOutShape(shapes, axis);
        const parts = ts.filter(nonEmpty);
        const rows = size(outShape.slice(0, axis));
        const out = newWords(ts[0].dtype, size(outShape));
        misc.concat(
          parts.map((t) => wordsOf(backend, t)),
          parts.map((t) => size(t.shape.slice(axis))),
          rows,
          out,
        );
        return backend.makeTensorInfo(outShape, ts[0].dtype, out);
      },
    ),
  );

  reg(
    "Pack",
    withFallback(
      "Pack",
      ({ inputs }) => {
        const ts = list(inputs);
        return (
          ts.length > 1 &&
          nonEmpty(ts[0]) &&
          ts.every((t) => isWord(t) && t.dtype === ts[0].dtype && tf.util.arraysEqual(t.shape, ts[0].shape))
        );
      },
      ({ inputs, backend, attrs }) => {
        const ts = list(inputs);
        const rank = ts[0].shape.length;
        let axis = attrs?.axis as number;
        if (axis < 0) axis += rank + 1;
        const outShape = [...ts[0].shape.slice(0, axis), ts.length, ...ts[0].shape.slice(axis)];
        const width = size(ts[0].shape.slice(axis));
        const out = newWords(ts[0].dtype, size(outShape));
        misc.concat(
          ts.map((t) => wordsOf(backend, t)),
          ts.map(() => width),
          size(ts[0].shape.slice(0, axis)),
          out,
        );
        return backend.makeTensorInfo(outShape, ts[0].dtype, out);
      },
    ),
  );

  reg(
    "Tile",
    withFallback(
      "Tile",
      ({ inputs }) => isWord(inputs.x) && nonEmpty(inputs.x) && inputs.x.shape.length > 0,
      ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const reps = attrs?.reps as number[];
        const outShape = x.shape.map((d, i) => d * reps[i]);
        const out = newWords(x.dtype, size(outShape));
        misc.tile(wordsOf(backend, x), x.shape, reps, out);
        return backend.makeTensorInfo(outShape, x.dtype, out);
      },
    ),
  );

  // ---- gather and its gradient ----

  reg(
    "GatherV2",
    withFallback(
      "GatherV2",
      ({ inputs }) => isWord(inputs.x) && inputs.indices.dtype === "int32",
      ({ inputs, backend, attrs }) => {
        const { x, indices } = inputs;
        const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0];
        const batchDims = (attrs?.batchDims as number | undefined) ?? 0;
        const idx = wordsOf(backend, indices) as Int32Array;
        const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
          x as tf.Tensor,
          indices as tf.Tensor,
          axis,
          batchDims,
        );
        const out = newWords(x.dtype, size(info.outputShape));
        // The addon checks every index against [0, dim - 1] first, with the cpu kernel's message.
        misc.gather(wordsOf(backend, x), idx, info.batchSize, info.outerSize, info.dimSize, info.sliceSize, out);
        return backend.makeTensorInfo(info.outputShape, x.dtype, out);
      },
    ),
  );

  reg(
    "UnsortedSegmentSum",
    withFallback(
      "UnsortedSegmentSum",
      ({ inputs, attrs }) => {
        const { x, segmentIds } = inputs;
        const k = attrs?.numSegments as number;
        return (
          x.dtype === "float32" &&
          segmentIds.dtype === "int32" &&
          segmentIds.shape.length === 1 &&
          x.shape.length >= 1 &&
          segmentIds.shape[0] === x.shape[0] &&
          nonEmpty(x) &&
          Number.isInteger(k) &&
          k > 0
        );
      },
      ({ inputs, backend, attrs }) => {
        const { x, segmentIds } = inputs;
        const k = attrs?.numSegments as number;
        const inner = size(x.shape.slice(1));
        const out = takeF32(k * inner); // the kernel writes every element
        misc.unsortedSegmentSum(
          values(backend, x),
          wordsOf(backend, segmentIds) as Int32Array,
          x.shape[0],
          inner,
          k,
          out,
        );
        return backend.makeTensorInfo([k, ...x.shape.slice(1)], "float32", out);
      },
    ),
  );

  // ---- elementwise ----

  // tf.where broadcasts condition, t and e to one shape before the kernel; other layouts fall back.
  reg(
    "Select",
    withFallback(
      "Select",
      ({ inputs, backend }) => {
        const { condition, t, e } = inputs;
        return (
          boolValues(backend, condition) !== null &&
          isWord(t) &&
          t.dtype === e.dtype &&
          nonEmpty(t) &&
          tf.util.arraysEqual(condition.shape, t.shape) &&
          tf.util.arraysEqual(t.shape, e.shape)
        );
      },
      ({ inputs, backend }) => {
        const { condition, t, e } = inputs;
        const out = newWords(t.dtype, size(t.shape));
        misc.select(boolValues(backend, condition) as Uint8Array, wordsOf(backend, t), wordsOf(backend, e), out);
        return backend.makeTensorInfo(t.shape.slice(), t.dtype, out);
      },
    ),
  );

  reg(
    "AddN",
    withFallback(
      "AddN",
      ({ inputs }) => {
        const ts = list(inputs);
        return (
          ts.length > 0 &&
          nonEmpty(ts[0]) &&
          ts.every((t) => isWord(t) && t.dtype === ts[0].dtype && size(t.shape) === size(ts[0].shape))
        );
      },
      ({ inputs, backend }) => {
        const ts = list(inputs);
        const out = newWords(ts[0].dtype, size(ts[0].shape));
        misc.addN(
          ts.map((t) => wordsOf(backend, t)),
          out,
        );
        return backend.makeTensorInfo(ts[0].shape.slice(), ts[0].dtype, out);
      },
    ),
  );

  reg(
    "IsFinite",
    withFallback(
      "IsFinite",
      ({ inputs }) => inputs.x.dtype === "float32" && nonEmpty(inputs.x),
      ({ inputs, backend }) => {
        const x = inputs.x;
        const out = new Uint8Array(size(x.shape));
        misc.isFinite(values(backend, x), out);
        return backend.makeTensorInfo(x.shape.slice(), "bool", out);
      },
    ),
  );

  // All over the innermost axes (tf.all(x) reduces every axis); other axis sets fall back.
  reg(
    "All",
    withFallback(
      "All",
      ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        if (boolValues(backend, x) === null || !nonEmpty(x)) return false;
        const axes = tf.util.parseAxisParam(attrs?.axis as number | number[], x.shape);
        return tf.backend_util.getAxesPermutation(axes, x.shape.length) === null;
      },
      ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const axes = tf.util.parseAxisParam(attrs?.axis as number | number[], x.shape);
        const [outShape, reduceShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
        const out = new Uint8Array(size(outShape));
        misc.all(boolValues(backend, x) as Uint8Array, size(outShape), size(reduceShape), out);
        const shape = attrs?.keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
        return backend.makeTensorInfo(shape, "bool", out);
      },
    ),
  );

  reg(
    "Step",
    withFallback(
      "Step",
      ({ inputs }) => inputs.x.dtype === "float32" && nonEmpty(inputs.x),
      ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const out = takeF32(size(x.shape));
        misc.step(values(backend, x), out, Number(attrs?.alpha ?? 0));
        return backend.makeTensorInfo(x.shape.slice(), "float32", out);
      },
    ),
  );

  // Comparisons of float32 operands of one shape, or with a one-element side (x > 0 in the prelu
  // and relu gradients); general broadcasting falls back.
  const comparisons: [string, number][] = [
    ["Greater", COMPARE.greater],
    ["GreaterEqual", COMPARE.greaterEqual],
    ["Less", COMPARE.less],
    ["LessEqual", COMPARE.lessEqual],
    ["Equal", COMPARE.equal],
    ["NotEqual", COMPARE.notEqual],
  ];
  for (const [name, code] of comparisons) {
    reg(
      name,
      withFallback(
        name,
        ({ inputs }) => {
          const { a, b } = inputs;
          if (a.dtype !== "float32" || b.dtype !== "float32" || !nonEmpty(a) || !nonEmpty(b)) return false;
          return (
            tf.util.arraysEqual(a.shape, b.shape) ||
            (size(b.shape) === 1 && b.shape.length <= a.shape.length) ||
            (size(a.shape) === 1 && a.shape.length <= b.shape.length)
          );
        },
        ({ inputs, backend }) => {
          const { a, b } = inputs;
          const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
          const out = new Uint8Array(size(shape));
          misc.compare(code, values(backend, a), values(backend, b), out);
          return backend.makeTensorInfo(shape, "bool", out);
        },
      ),
    );
  }
}
