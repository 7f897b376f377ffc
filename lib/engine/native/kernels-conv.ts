// Native Conv2D and its two backprops (im2col + OpenBLAS sgemm), depthwise conv and its two backprops
// (direct loops), and the fused variants (conv, then bias and activation in place via fusedTail).
// tfjs's conv1d (a conv2d over a [B, 1, T, C] view) and conv2dTranspose (Conv2DBackpropInput) come
// through these kernels too. Geometry is resolved here by tfjs's computeConv2DInfo, exactly as the
// cpu kernels do, and handed to C++ as numbers (native/src/conv.cc).
//
// Native only for float32, NHWC, non-empty tensors with consistent shapes; anything else (NCHW,
// other dtypes, empty or mismatched shapes) runs the cpu kernel, which keeps its exact semantics and
// error messages. One deliberate difference: for dilations > 1 the cpu depthwise backprop kernels
// ignore the dilation (tfjs refuses such gradients at the op level anyway); ours apply it.
import * as tf from "@tensorflow/tfjs";
import { NativeAddon } from "./addon";
import { FUSED_ACTIVATIONS, FUSED_KERNELS } from "./fused-kernels";
import { fusedTail } from "./kernels-math";
import { allFloat32, Info, KernelArgs, NativeKernel, cpuKernel, size, values } from "./kernel-util";
import { takeF32 } from "./buffer-pool";

type F32 = Float32Array;

/**
 * [batch, inH, inW, inC, outH, outW, outC, filterH, filterW, strideH, strideW, dilationH, dilationW,
 * padTop, padLeft]: NHWC geometry of one convolution (depthwise: outC = inC · channel multiplier).
 */
export type ConvGeom = number[];

/** Entry points of native/src/conv.cc. Each writes into `out` (allocated by the caller, any contents). */
export interface NativeConvAddon {
  /** out y [N, outH, outW, outC] = conv(x [N, inH, inW, inC], filter [fh, fw, inC, outC]) */
  conv2d(x: F32, filter: F32, out: F32, geom: ConvGeom): void;
  /** out dx [N, inH, inW, inC] from dy [N, outH, outW, outC] and filter [fh, fw, inC, outC] */
  conv2dBackpropInput(dy: F32, filter: F32, out: F32, geom: ConvGeom): void;
  /** out dw [fh, fw, inC, outC] from x and dy */
  conv2dBackpropFilter(x: F32, dy: F32, out: F32, geom: ConvGeom): void;
  /** out y [N, outH, outW, inC·m] = depthwise conv(x, filter [fh, fw, inC, m]) */
  depthwiseConv2d(x: F32, filter: F32, out: F32, geom: ConvGeom): void;
  /** out dx [N, inH, inW, inC] from dy and filter [fh, fw, inC, m] */
  depthwiseBackpropInput(dy: F32, filter: F32, out: F32, geom: ConvGeom): void;
  /** out dw [fh, fw, inC, m] from x and dy */
  depthwiseBackpropFilter(x: F32, dy: F32, out: F32, geom: ConvGeom): void;
  /** out y = act(conv(x, filter) + bias); pre (for swish) gets conv + bias. act: FUSED_ACTIVATIONS code. */
  conv2dBiasAct(x: F32, filter: F32, bias: F32 | null, out: F32, pre: F32 | null, geom: ConvGeom, act: number): void;
  /** dz = dy·act′ (null for linear), dw and db (null: no bias) of conv2dBiasAct from dy and src (y, or pre for swish). */
  conv2dBiasActBackward(
    dy: F32,
    src: F32,
    x: F32,
    geom: ConvGeom,
    act: number,
    dz: F32 | null,
    dw: F32,
    db: F32 | null,
  ): void;
  /** Sets the im2col chunk budget in bytes (default 64 MiB; at least one row per chunk); returns the previous one. */
  setConvChunkBytes(bytes: number): number;
  /** Whether Conv2D and its backprops run on oneDNN (default) or im2col + sgemm; returns the previous setting. */
  setDnnlConv(on: boolean): boolean;
  /** The Conv2D / backprop calls oneDNN has served since the addon loaded. */
  dnnlConvCalls(): number;
  /** Whether the addon was built with oneDNN (its headers, Debian libdnnl-dev, were found at install). */
  dnnlConvAvailable(): boolean;
}

type Reg = (name: string, fn: NativeKernel) => void;
type Shape4 = [number, number, number, number];
type Pad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;
type Rounding = "floor" | "round" | "ceil" | undefined;

function geomOf(info: tf.backend_util.Conv2DInfo): ConvGeom {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
const nhwc = (attrs?: tf.NamedAttrMap) => ((attrs?.dataFormat as string | undefined) ?? "NHWC") === "NHWC";
const usable = (g: ConvGeom) => g.every((v) => Number.isInteger(v) && v >= 0) && size(g.slice(0, 7)) > 0;

/**
 * A kernel that resolves the geometry and runs natively, or hands the call to the cpu kernel when
 * `plan` returns null (or the inputs are not float32 NHWC).
 */
function convKernel(
  name: string,
  plan: (a: KernelArgs) => { geom: ConvGeom; run: (g: ConvGeom) => Info } | null,
): NativeKernel {
  const cpu = cpuKernel(name);
  return (args) => {
    if (!allFloat32(...Object.values(args.inputs)) || !nhwc(args.attrs)) return cpu(args);
    const p = plan(args);
    return p && usable(p.geom) ? p.run(p.geom) : cpu(args);
  };
}

function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
  dilations: number | [number, number],
  depthwise: boolean,
) {
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4,
    filterShape as Shape4,
    attrs.strides as number | [number, number],
    dilations,
    attrs.pad as Pad,
    attrs.dimRoundingMode as Rounding,
    depthwise,
    "channelsLast",
  );
}

const dilationsOf = (attrs: tf.NamedAttrMap) => (attrs.dilations as number | [number, number] | undefined) ?? 1;

export function registerConvKernels(addon: NativeAddon, reg: Reg): void {
  const native = addon as unknown as NativeConvAddon & NativeAddon;
  if (typeof native.conv2d !== "function") return; // an addon built before conv.cc existed

  // ---- Conv2D family ----
  const forward =
    (depthwise: boolean) =>
    ({ inputs, backend, attrs = {} }: KernelArgs) => {
      const { x, filter } = inputs;
      if (x.shape.length !== 4 || filter.shape.length !== 4 || filter.shape[2] !== x.shape[3]) return null;
      const dil = dilationsOf(attrs);
      if (depthwise && !tf.backend_util.eitherStridesOrDilationsAreOne(attrs.strides as number | number[], dil))
        return null;
      const info = convInfo(x.shape, filter.shape, attrs, dil, depthwise);
      return {
        geom: geomOf(info),
        run: (g: ConvGeom) => {
          const out = takeF32(size(info.outShape)); // the kernel zeroes or writes every element
          (depthwise ? native.depthwiseConv2d : native.conv2d)(values(backend, x), values(backend, filter), out, g);
          fusedTail(native, backend, out, info.outShape, attrs, inputs.bias, inputs.preluActivationWeights);
          return backend.makeTensorInfo(info.outShape, "float32", out);
        },
      };
    };

  const backpropInput =
    (depthwise: boolean) =>
    ({ inputs, backend, attrs = {} }: KernelArgs) => {
      const { dy, filter } = inputs;
      const inputShape = attrs.inputShape as number[];
      if (
        dy.shape.length !== 4 ||
        filter.shape.length !== 4 ||
        inputShape?.length !== 4 ||
        filter.shape[2] !== inputShape[3]
      )
        return null;
      const info = convInfo(inputShape, filter.shape, attrs, depthwise ? dilationsOf(attrs) : 1, depthwise);
      if (!sameShape(info.outShape, dy.shape)) return null;
      return {
        geom: geomOf(info),
        run: (g: ConvGeom) => {
          const out = takeF32(size(info.inShape)); // the kernel zeroes or writes every element
          (depthwise ? native.depthwiseBackpropInput : native.conv2dBackpropInput)(
            values(backend, dy),
            values(backend, filter),
            out,
            g,
          );
          return backend.makeTensorInfo(info.inShape.slice(), "float32", out);
        },
      };
    };

  const backpropFilter =
    (depthwise: boolean) =>
    ({ inputs, backend, attrs = {} }: KernelArgs) => {
      const { x, dy } = inputs;
      const filterShape = attrs.filterShape as number[];
      if (x.shape.length !== 4 || dy.shape.length !== 4 || filterShape?.length !== 4 || filterShape[2] !== x.shape[3])
        return null;
      const info = convInfo(x.shape, filterShape, attrs, depthwise ? dilationsOf(attrs) : 1, depthwise);
      if (!sameShape(info.outShape, dy.shape)) return null;
      return {
        geom: geomOf(info),
        run: (g: ConvGeom) => {
          const out = takeF32(size(filterShape)); // the kernel zeroes or writes every element
          (depthwise ? native.depthwiseBackpropFilter : native.conv2dBackpropFilter)(
            values(backend, x),
            values(backend, dy),
            out,
            g,
          );
          return backend.makeTensorInfo(filterShape.slice(), "float32", out);
        },
      };
    };

  reg("Conv2D", convKernel("Conv2D", forward(false)));
  reg("FusedConv2D", convKernel("FusedConv2D", forward(false)));
  reg("Conv2DBackpropInput", convKernel("Conv2DBackpropInput", backpropInput(false)));
  reg("Conv2DBackpropFilter", convKernel("Conv2DBackpropFilter", backpropFilter(false)));
  reg("DepthwiseConv2dNative", convKernel("DepthwiseConv2dNative", forward(true)));
  reg("FusedDepthwiseConv2D", convKernel("FusedDepthwiseConv2D", forward(true)));
  reg("DepthwiseConv2dNativeBackpropInput", convKernel("DepthwiseConv2dNativeBackpropInput", backpropInput(true)));
  reg("DepthwiseConv2dNativeBackpropFilter", convKernel("DepthwiseConv2dNativeBackpropFilter", backpropFilter(true)));
  registerFusedConv(native, reg);
}

/**
 * The fused conv + bias + activation (native/src/conv.cc), forward and backward one kernel each. Only
 * lib/nets/conv.ts calls them, with float32 NHWC inputs; anything else is an error, not a fallback.
 */
function registerFusedConv(native: NativeConvAddon, reg: Reg): void {
  if (typeof native.conv2dBiasAct !== "function") return; // an addon built before the fused conv existed
  const plan = (name: string, x: Info, filter: Info, attrs: tf.NamedAttrMap, ...rest: Info[]) => {
    if (
      x.shape.length !== 4 ||
      filter.shape.length !== 4 ||
      filter.shape[2] !== x.shape[3] ||
      !allFloat32(x, filter, ...rest)
    )
      throw new Error(
        `${name}: expected float32 x [B, H, W, C] and filter [kh, kw, C, out], got ${x.dtype} [${x.shape}] and ${filter.dtype} [${filter.shape}]`,
      );
    const act = FUSED_ACTIVATIONS[String(attrs.activation)];
    if (act === undefined)
      throw new Error(
        `${name}: activation must be one of ${Object.keys(FUSED_ACTIVATIONS).join(", ")}, got ${attrs.activation}`,
      );
    const info = convInfo(x.shape, filter.shape, attrs, 1, false);
    const geom = geomOf(info);
    if (!usable(geom)) throw new Error(`${name}: empty or invalid geometry [${geom}] for x [${x.shape}]`);
    return { info, geom, act, swish: act === FUSED_ACTIVATIONS.swish };
  };
  reg(FUSED_KERNELS.conv2dBiasAct, ({ inputs, backend, attrs = {} }) => {
    const { x, filter, bias } = inputs;
    const { info, geom, act, swish } = plan(FUSED_KERNELS.conv2dBiasAct, x, filter, attrs, ...(bias ? [bias] : []));
    if (bias && (bias.shape.length !== 1 || bias.shape[0] !== info.outChannels))
      throw new Error(
        `${FUSED_KERNELS.conv2dBiasAct}: bias must have shape [${info.outChannels}], got [${bias.shape}]`,
      );
    const n = size(info.outShape);
    const y = takeF32(n);
    const pre = swish ? takeF32(n) : null;
    native.conv2dBiasAct(
      values(backend, x),
      values(backend, filter),
      bias ? values(backend, bias) : null,
      y,
      pre,
      geom,
      act,
    );
    return [
      backend.makeTensorInfo(info.outShape.slice(), "float32", y),
      pre
        ? backend.makeTensorInfo(info.outShape.slice(), "float32", pre)
        : backend.makeTensorInfo([0], "float32", new Float32Array(0)),
    ];
  });
  reg(FUSED_KERNELS.conv2dBiasActGrad, ({ inputs, backend, attrs = {} }) => {
    const { dy, src, x, filter } = inputs;
    const name = FUSED_KERNELS.conv2dBiasActGrad;
    const { info, geom, act } = plan(name, x, filter, attrs, dy, src);
    if (
      !sameShape(dy.shape, info.outShape) ||
      (act !== FUSED_ACTIVATIONS.linear && !sameShape(src.shape, info.outShape))
    )
      throw new Error(`${name}: dy and src must have shape [${info.outShape}], got [${dy.shape}] and [${src.shape}]`);
    const linear = act === FUSED_ACTIVATIONS.linear;
    const dz = linear ? null : takeF32(size(info.outShape));
    const dw = takeF32(size(filter.shape));
    const db = attrs.hasBias ? new Float32Array(info.outChannels) : null;
    native.conv2dBiasActBackward(values(backend, dy), values(backend, src), values(backend, x), geom, act, dz, dw, db);
    const empty = () => backend.makeTensorInfo([0], "float32", new Float32Array(0));
    return [
      dz ? backend.makeTensorInfo(info.outShape.slice(), "float32", dz) : empty(),
      backend.makeTensorInfo(filter.shape.slice(), "float32", dw),
      db ? backend.makeTensorInfo([info.outChannels], "float32", db) : empty(),
    ];
  });
}

/** The addon's conv entry points, typed (for tests and benchmarks). */
export function convAddon(addon: NativeAddon): NativeConvAddon {
  return addon as unknown as NativeConvAddon;
}
