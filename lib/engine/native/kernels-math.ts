// Native kernels for matmul (plain and fused), elementwise unary/binary ops with broadcasting,
// reductions and transpose. Float32 only; other dtypes and empty tensors run the cpu kernels.
import * as tf from "@tensorflow/tfjs";
import { SPECIAL_KERNELS } from "../special-kernels";
import { FUSED_ACTIVATIONS, FUSED_KERNELS } from "./fused-kernels";
import { BINARY, NativeAddon, REDUCE, UNARY } from "./addon";
import { allFloat32, Backend, Info, KernelArgs, NativeKernel, size, values, withFallback, words } from "./kernel-util";
import { takeF32 } from "./buffer-pool";

type Reg = (name: string, fn: NativeKernel) => void;

const nonEmpty = (...ts: (Info | undefined)[]) => ts.every((t) => !t || size(t.shape) > 0);

/** Activation codes of the fused kernels that map onto a native unary op. */
const FUSED_UNARY: Record<string, number> = {
  linear: UNARY.identity,
  relu: UNARY.relu,
  relu6: UNARY.relu6,
  elu: UNARY.elu,
  sigmoid: UNARY.sigmoid,
  leakyrelu: UNARY.leakyRelu,
};

/**
 * Applies bias (broadcast add) and activation in place on `out` of shape `shape`: the tail of every
 * fused kernel (matmul, conv2d, depthwise), done natively.
 */
export function fusedTail(
  native: NativeAddon,
  backend: Backend,
  out: Float32Array,
  shape: number[],
  attrs: tf.NamedAttrMap,
  bias?: Info,
  prelu?: Info,
): void {
  if (bias) native.binary(BINARY.add, out, shape, values(backend, bias), bias.shape, out, shape);
  const activation = (attrs.activation as string | undefined) ?? "linear";
  if (activation === "prelu") {
    if (!prelu) throw new Error("fused kernel: activation 'prelu' needs preluActivationWeights");
    native.binary(BINARY.prelu, out, shape, values(backend, prelu), prelu.shape, out, shape);
  } else if (activation !== "linear") {
    const code = FUSED_UNARY[activation];
    if (code === undefined)
      throw new Error(`fused kernel: activation '${activation}' is not supported by the native backend`);
    native.unary(code, out, out, Number(attrs.leakyreluAlpha ?? 0.2));
  }
}

function matMul(native: NativeAddon, backend: Backend, a: Info, b: Info, transA: boolean, transB: boolean): Info {
  const ra = a.shape.length,
    rb = b.shape.length;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transA} and transposeB=${transB} must match.`,
    );
  }
  const outerA = a.shape.slice(0, -2),
    outerB = b.shape.slice(0, -2);
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = size(outer);
  // Batch index of each output matrix into a and b under full numpy broadcasting of the outer dims.
  let aIndex: Int32Array | null = null,
    bIndex: Int32Array | null = null;
  const aCount = size(outerA),
    bCount = size(outerB);
  if (aCount !== batch || bCount !== batch || outerA.length !== outerB.length) {
    aIndex = new Int32Array(batch);
    bIndex = new Int32Array(batch);
    const rank = outer.length;
    const pa = [...Array(rank - outerA.length).fill(1), ...outerA],
      pb = [...Array(rank - outerB.length).fill(1), ...outerB];
    for (let i = 0; i < batch; i++) {
      let rem = i,
        ia = 0,
        ib = 0,
        sa = 1,
        sb = 1;
      for (let d = rank - 1; d >= 0; d--) {
        const idx = rem % outer[d];
        rem = Math.floor(rem / outer[d]);
        if (pa[d] !== 1) ia += idx * sa;
        if (pb[d] !== 1) ib += idx * sb;
        sa *= pa[d];
        sb *= pb[d];
      }
      aIndex[i] = ia;
      bIndex[i] = ib;
    }
  }
  const out = takeF32(batch * m * n);
  native.gemm(
    values(backend, a),
    values(backend, b),
    out,
    batch,
    m,
    n,
    k,
    transA,
    transB,
    aIndex,
    bIndex,
    aCount,
    bCount,
  );
  return backend.makeTensorInfo([...outer, m, n], "float32", out);
}

export function registerMathKernels(native: NativeAddon, reg: Reg): void {
  const f32 = ({ inputs }: KernelArgs) => allFloat32(...Object.values(inputs)) && nonEmpty(...Object.values(inputs));

  reg(
    "BatchMatMul",
    withFallback("BatchMatMul", f32, ({ inputs, backend, attrs }) =>
      matMul(native, backend, inputs.a, inputs.b, Boolean(attrs?.transposeA), Boolean(attrs?.transposeB)),
    ),
  );

  reg(
    "_FusedMatMul",
    withFallback("_FusedMatMul", f32, ({ inputs, backend, attrs }) => {
      const r = matMul(native, backend, inputs.a, inputs.b, Boolean(attrs?.transposeA), Boolean(attrs?.transposeB));
      fusedTail(native, backend, values(backend, r), r.shape, attrs ?? {}, inputs.bias, inputs.preluActivationWeights);
      return r;
    }),
  );

  // Unary ops: same formulas as the cpu kernels (see native/src/elementwise.cc).
  const unary: [string, number][] = [
    ["Exp", UNARY.exp],
    ["Log", UNARY.log],
    ["Neg", UNARY.neg],
    ["Relu", UNARY.relu],
    ["Sigmoid", UNARY.sigmoid],
    ["Tanh", UNARY.tanh],
    ["Softplus", UNARY.softplus],
    ["Sqrt", UNARY.sqrt],
    ["Square", UNARY.square],
    ["Abs", UNARY.abs],
    ["Log1p", UNARY.log1p],
    ["Elu", UNARY.elu],
    ["Relu6", UNARY.relu6],
    ["LeakyRelu", UNARY.leakyRelu],
  ];
  for (const [name, code] of unary) {
    reg(
      name,
      withFallback(name, f32, ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const out = takeF32(size(x.shape));
        native.unary(code, values(backend, x), out, Number(attrs?.alpha ?? 0));
        return backend.makeTensorInfo(x.shape.slice(), "float32", out);
      }),
    );
  }

  // Special functions, float64 inside; only lib/prob/special calls them, always with float32 inputs.
  const special: [string, number][] = [
    [SPECIAL_KERNELS.lgamma, UNARY.lgamma],
    [SPECIAL_KERNELS.digamma, UNARY.digamma],
    [SPECIAL_KERNELS.trigamma, UNARY.trigamma],
  ];
  for (const [name, code] of special) {
    reg(name, ({ inputs, backend }) => {
      const x = inputs.x;
      const out = takeF32(size(x.shape));
      native.unary(code, values(backend, x), out, 0);
      return backend.makeTensorInfo(x.shape.slice(), "float32", out);
    });
  }
  const specialBinary: [string, number][] = [
    [SPECIAL_KERNELS.lbeta, BINARY.lbeta],
    [SPECIAL_KERNELS.gammaShapeGrad, BINARY.gammaShapeGrad],
  ];
  for (const [name, code] of specialBinary) {
    reg(name, ({ inputs, backend }) => {
      const { a, b } = inputs;
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = takeF32(size(shape));
      native.binary(code, values(backend, a), a.shape, values(backend, b), b.shape, out, shape);
      return backend.makeTensorInfo(shape, "float32", out);
    });
  }

  // Gamma(α, 1) draws (lib/prob/gamma's device path): Philox-keyed, the webgpu kernel's generator
  if (typeof native.gammaSample === "function") {
    const gammaSample = native.gammaSample as (
      alpha: Float32Array,
      alphaShape: number[],
      outShape: number[],
      key0: number,
      key1: number,
      out: Float32Array,
    ) => void;
    reg(SPECIAL_KERNELS.gammaSample, ({ inputs, backend, attrs }) => {
      const alpha = inputs.alpha;
      const { seed, shape } = attrs as unknown as { seed: [number, number]; shape: number[] };
      tf.backend_util.assertAndGetBroadcastShape(alpha.shape, shape);
      const out = takeF32(size(shape));
      gammaSample(values(backend, alpha), alpha.shape, shape, seed[0] >>> 0, seed[1] >>> 0, out);
      return backend.makeTensorInfo(shape.slice(), "float32", out);
    });
  }

  registerGlnKernels(native, reg);
  registerDenseKernels(native, reg);
  registerPreluKernels(native, reg);

  const binary: [string, number][] = [
    ["Add", BINARY.add],
    ["Sub", BINARY.sub],
    ["Multiply", BINARY.mul],
    ["RealDiv", BINARY.div],
    ["Maximum", BINARY.maximum],
    ["Minimum", BINARY.minimum],
    ["SquaredDifference", BINARY.squaredDifference],
    ["Pow", BINARY.pow],
    ["Prelu", BINARY.prelu],
  ];
  for (const [name, code] of binary) {
    reg(
      name,
      withFallback(name, f32, ({ inputs, backend }) => {
        const [a, b] = name === "Prelu" ? [inputs.x, inputs.alpha] : [inputs.a, inputs.b];
        const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
        const out = takeF32(size(shape));
        native.binary(code, values(backend, a), a.shape, values(backend, b), b.shape, out, shape);
        return backend.makeTensorInfo(shape, "float32", out);
      }),
    );
  }

  // Reductions; Max names its axes `reductionIndices`, the others `axis`.
  const reductions: [string, number, string][] = [
    ["Sum", REDUCE.sum, "axis"],
    ["Mean", REDUCE.mean, "axis"],
    ["Max", REDUCE.max, "reductionIndices"],
    ["Min", REDUCE.min, "axis"],
  ];
  for (const [name, code, axisAttr] of reductions) {
    reg(
      name,
      withFallback(name, f32, ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const axes = tf.util.parseAxisParam(attrs?.[axisAttr] as number | number[], x.shape);
        const reduced = new Set(axes);
        const keep = x.shape.filter((_, i) => !reduced.has(i));
        const out = takeF32(size(keep));
        native.reduce(code, values(backend, x), x.shape, [...reduced], out);
        const shape = attrs?.keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : keep;
        return backend.makeTensorInfo(shape, "float32", out);
      }),
    );
  }

  reg(
    "Transpose",
    withFallback(
      "Transpose",
      ({ inputs }) => (inputs.x.dtype === "float32" || inputs.x.dtype === "int32") && nonEmpty(inputs.x),
      ({ inputs, backend, attrs }) => {
        const x = inputs.x;
        const perm = attrs?.perm as number[];
        const shape = perm.map((p) => x.shape[p]);
        const out = x.dtype === "int32" ? new Int32Array(size(shape)) : takeF32(size(shape));
        native.transpose(words(backend, x), x.shape, perm, out);
        return backend.makeTensorInfo(shape, x.dtype, out);
      },
    ),
  );
}

interface GlnAddon {
  glnForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    batch: number,
    time: number,
    channels: number,
    eps: number,
    out: Float32Array,
  ): void;
  glnBackward(
    dy: Float32Array,
    x: Float32Array,
    gamma: Float32Array,
    batch: number,
    time: number,
    channels: number,
    eps: number,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
  ): void;
}

/**
 * The fused global layer norm (native/src/gln.cc): forward and backward one kernel each, float64
 * moments inside. Only lib/nets/tcn.ts calls them, with float32, non-empty [B, T, C] inputs.
 */
function registerGlnKernels(addon: NativeAddon, reg: Reg): void {
  const native = addon as unknown as GlnAddon & NativeAddon;
  if (typeof native.glnForward !== "function") return; // an addon built before gln.cc existed
  const dims = (name: string, x: Info, gamma: Info, ...rest: Info[]): [number, number, number] => {
    if (x.shape.length !== 3 || size(x.shape) === 0 || !allFloat32(x, gamma, ...rest))
      throw new Error(`${name}: expected a non-empty float32 [B, T, C] input, got ${x.dtype} [${x.shape}]`);
    const [b, t, c] = x.shape;
    for (const p of [gamma, ...rest])
      if (p.shape.length !== 1 || p.shape[0] !== c)
        throw new Error(`${name}: parameters must have shape [${c}], got [${p.shape}]`);
    return [b, t, c];
  };
  reg(FUSED_KERNELS.globalLayerNorm, ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs;
    const [b, t, c] = dims(FUSED_KERNELS.globalLayerNorm, x, gamma, beta);
    const out = takeF32(size(x.shape));
    native.glnForward(
      values(backend, x),
      values(backend, gamma),
      values(backend, beta),
      b,
      t,
      c,
      Number(attrs?.eps),
      out,
    );
    return backend.makeTensorInfo(x.shape.slice(), "float32", out);
  });
  reg(FUSED_KERNELS.globalLayerNormGrad, ({ inputs, backend, attrs }) => {
    const { dy, x, gamma } = inputs;
    const [b, t, c] = dims(FUSED_KERNELS.globalLayerNormGrad, x, gamma);
    if (dy.shape.join() !== x.shape.join() || dy.dtype !== "float32")
      throw new Error(
        `${FUSED_KERNELS.globalLayerNormGrad}: dy must be float32 [${x.shape}], got ${dy.dtype} [${dy.shape}]`,
      );
    const dx = takeF32(size(x.shape));
    const dgamma = new Float32Array(c),
      dbeta = new Float32Array(c);
    native.glnBackward(
      values(backend, dy),
      values(backend, x),
      values(backend, gamma),
      b,
      t,
      c,
      Number(attrs?.eps),
      dx,
      dgamma,
      dbeta,
    );
    return [
      backend.makeTensorInfo(x.shape.slice(), "float32", dx),
      backend.makeTensorInfo([c], "float32", dgamma),
      backend.makeTensorInfo([c], "float32", dbeta),
    ];
  });
}

interface DenseAddon {
  denseBiasAct(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    out: Float32Array,
    pre: Float32Array | null,
    m: number,
    k: number,
    n: number,
    act: number,
  ): void;
  denseBiasActBackward(
    dy: Float32Array,
    src: Float32Array,
    x: Float32Array,
    m: number,
    k: number,
    n: number,
    act: number,
    dz: Float32Array | null,
    dw: Float32Array,
    db: Float32Array | null,
  ): void;
}

/**
 * The fused dense layer (native/src/dense.cc): y = act(x·w + b) forward and backward one kernel each.
 * Only lib/nets/mlp.ts calls them, with float32 [M, K] and [K, N] inputs; anything else is an error.
 */
function registerDenseKernels(addon: NativeAddon, reg: Reg): void {
  const native = addon as unknown as DenseAddon & NativeAddon;
  if (typeof native.denseBiasAct !== "function") return; // an addon built before dense.cc existed
  const plan = (name: string, x: Info, w: Info, attrs: tf.NamedAttrMap | undefined, ...rest: Info[]) => {
    if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[0] || !allFloat32(x, w, ...rest))
      throw new Error(
        `${name}: expected float32 x [M, K] and w [K, N], got ${x.dtype} [${x.shape}] and ${w.dtype} [${w.shape}]`,
      );
    const act = FUSED_ACTIVATIONS[String(attrs?.activation)];
    if (act === undefined)
      throw new Error(
        `${name}: activation must be one of ${Object.keys(FUSED_ACTIVATIONS).join(", ")}, got ${attrs?.activation}`,
      );
    const [m, k] = x.shape,
      n = w.shape[1];
    return { m, k, n, act, swish: act === FUSED_ACTIVATIONS.swish };
  };
  const empty = (backend: Backend) => backend.makeTensorInfo([0], "float32", new Float32Array(0));
  reg(FUSED_KERNELS.denseBiasAct, ({ inputs, backend, attrs }) => {
    const { x, w, bias } = inputs;
    const { m, k, n, act, swish } = plan(FUSED_KERNELS.denseBiasAct, x, w, attrs, ...(bias ? [bias] : []));
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== n))
      throw new Error(`${FUSED_KERNELS.denseBiasAct}: bias must have shape [${n}], got [${bias.shape}]`);
    const y = takeF32(m * n);
    const pre = swish ? takeF32(m * n) : null;
    native.denseBiasAct(
      values(backend, x),
      values(backend, w),
      bias ? values(backend, bias) : null,
      y,
      pre,
      m,
      k,
      n,
      act,
    );
    return [
      backend.makeTensorInfo([m, n], "float32", y),
      pre ? backend.makeTensorInfo([m, n], "float32", pre) : empty(backend),
    ];
  });
  reg(FUSED_KERNELS.denseBiasActGrad, ({ inputs, backend, attrs }) => {
    const { dy, src, x, w } = inputs;
    const name = FUSED_KERNELS.denseBiasActGrad;
    const { m, k, n, act } = plan(name, x, w, attrs, dy, src);
    const want = [m, n].join();
    if (dy.shape.join() !== want || (act !== FUSED_ACTIVATIONS.linear && src.shape.join() !== want))
      throw new Error(`${name}: dy and src must have shape [${want}], got [${dy.shape}] and [${src.shape}]`);
    const dz = act === FUSED_ACTIVATIONS.linear ? null : takeF32(m * n);
    const dw = takeF32(k * n);
    const db = attrs?.hasBias ? new Float32Array(n) : null;
    native.denseBiasActBackward(
      values(backend, dy),
      values(backend, src),
      values(backend, x),
      m,
      k,
      n,
      act,
      dz,
      dw,
      db,
    );
    return [
      dz ? backend.makeTensorInfo([m, n], "float32", dz) : empty(backend),
      backend.makeTensorInfo([k, n], "float32", dw),
      db ? backend.makeTensorInfo([n], "float32", db) : empty(backend),
    ];
  });
}

interface PreluAddon {
  preluBackward(
    dy: Float32Array,
    x: Float32Array,
    alpha: Float32Array,
    rows: number,
    channels: number,
    dx: Float32Array,
    dalpha: Float32Array,
  ): void;
}

/**
 * PReLU with a one-kernel backward (native/src/prelu.cc); the forward is the Prelu kernel's broadcast.
 * Only lib/nets/tcn.ts calls them, with float32 x [..., C] and alpha [C] or [1]; anything else is an error.
 */
function registerPreluKernels(addon: NativeAddon, reg: Reg): void {
  const native = addon as unknown as PreluAddon & NativeAddon;
  if (typeof native.preluBackward !== "function") return; // an addon built before prelu.cc existed
  const check = (name: string, x: Info, alpha: Info, ...rest: Info[]): [number, number] => {
    const c = x.shape[x.shape.length - 1];
    if (x.shape.length < 1 || size(x.shape) === 0 || !allFloat32(x, alpha, ...rest))
      throw new Error(`${name}: expected a non-empty float32 x, got ${x.dtype} [${x.shape}]`);
    if (alpha.shape.length !== 1 || (alpha.shape[0] !== c && alpha.shape[0] !== 1))
      throw new Error(`${name}: alpha must have shape [${c}] or [1], got [${alpha.shape}]`);
    return [size(x.shape) / c, c];
  };
  reg(FUSED_KERNELS.prelu, ({ inputs, backend }) => {
    const { x, alpha } = inputs;
    check(FUSED_KERNELS.prelu, x, alpha);
    const out = takeF32(size(x.shape));
    native.binary(BINARY.prelu, values(backend, x), x.shape, values(backend, alpha), alpha.shape, out, x.shape);
    return backend.makeTensorInfo(x.shape.slice(), "float32", out);
  });
  reg(FUSED_KERNELS.preluGrad, ({ inputs, backend }) => {
    const { dy, x, alpha } = inputs;
    const [rows, c] = check(FUSED_KERNELS.preluGrad, x, alpha, dy);
    if (dy.shape.join() !== x.shape.join())
      throw new Error(`${FUSED_KERNELS.preluGrad}: dy must have shape [${x.shape}], got [${dy.shape}]`);
    const dx = takeF32(size(x.shape));
    const dalpha = new Float32Array(alpha.shape[0]);
    native.preluBackward(values(backend, dy), values(backend, x), values(backend, alpha), rows, c, dx, dalpha);
    return [
      backend.makeTensorInfo(x.shape.slice(), "float32", dx),
      backend.makeTensorInfo(alpha.shape.slice(), "float32", dalpha),
    ];
  });
}
