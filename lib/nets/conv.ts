// Convolution layers as plain functions of ParamStore variables (no tf.layers), channels-last (NHWC)
// as tfjs expects: 2-D convolution and its transpose for image models, and the 1-D ones on a
// [B, 1, T, C] view for audio. Weight layouts are tfjs's: conv2d [kh, kw, in, out],
// conv2dTranspose [kh, kw, out, in].
//
// Engine note: the gradient of a convolution with respect to its kernel needs the backend kernel
// Conv2DBackpropFilter, which tfjs's wasm backend lacks (4.22); models built from these layers train
// on cpu / native / tfjs-node but not on wasm.
import * as tf from "@tensorflow/tfjs";
import { FUSED_ACTIVATIONS, FUSED_KERNELS, fusedSwitch } from "../engine/native/fused-kernels";
import { Activation, activate } from "./mlp";
import { Init, ParamStore, glorotUniform, heUniform, uniformInit, zeros } from "./params";

export type Padding = "same" | "valid";

function reluLike(a: Activation): boolean {
  return a === "relu" || a === "leakyRelu" || a === "elu";
}

function posInt(v: number, what: string): void {
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${what} must be a positive integer, got ${v}`);
}

// ---- 2-D convolution -------------------------------------------------------------------------------

export interface Conv2dSpec {
  inChannels: number;
  outChannels: number;
  /** Square kernel size, or [kh, kw]. */
  kernel: number | [number, number];
  /** Stride in both directions (default 1). */
  stride?: number;
  /** tfjs padding (default "same": output = ceil(input / stride)). */
  padding?: Padding;
  /** Default true (zero-initialised). */
  bias?: boolean;
  /** Applied after the bias (default linear). */
  activation?: Activation;
  /** Default He-uniform before a ReLU-like activation, Glorot-uniform otherwise (fans from the kernel shape). */
  init?: Init;
}

export interface Conv2dParams {
  /** [kh, kw, in, out] */
  w: tf.Variable;
  b: tf.Variable | null;
  stride: number;
  padding: Padding;
  activation: Activation;
}

/** Parameters `<name>/w` [kh, kw, in, out] and `<name>/b` [out]. */
export function createConv2d(store: ParamStore, name: string, spec: Conv2dSpec): Conv2dParams {
  const [kh, kw] = typeof spec.kernel === "number" ? [spec.kernel, spec.kernel] : spec.kernel;
  const stride = spec.stride ?? 1;
  for (const [v, what] of [
    [spec.inChannels, "inChannels"],
    [spec.outChannels, "outChannels"],
    [kh, "kernel"],
    [kw, "kernel"],
    [stride, "stride"],
  ] as const)
    posInt(v, `createConv2d(${name}): ${what}`);
  const activation = spec.activation ?? "linear";
  const init = spec.init ?? (reluLike(activation) ? heUniform : glorotUniform);
  const w = store.add(`${name}/w`, [kh, kw, spec.inChannels, spec.outChannels], init);
  const b = (spec.bias ?? true) ? store.add(`${name}/b`, [spec.outChannels], zeros) : null;
  return { w, b, stride, padding: spec.padding ?? "same", activation };
}

/**
 * x [B, H, W, in] → act(conv(x) + b) [B, H', W', out]. One fused kernel forward and one backward where
 * the backend has them (native/src/conv.cc) and the activation is one they know, the composed tfjs ops
 * elsewhere (conv2dComposed).
 */
export function conv2d(x: tf.Tensor, p: Conv2dParams): tf.Tensor4D {
  if (x.rank !== 4 || x.shape[3] !== p.w.shape[2])
    throw new Error(`conv2d: input must have shape [B, H, W, ${p.w.shape[2]}], got [${x.shape}]`);
  if (
    fusedConv() &&
    (p.b || p.activation !== "linear") &&
    p.activation in FUSED_ACTIVATIONS &&
    x.dtype === "float32" &&
    x.size > 0 &&
    tf.getKernel(FUSED_KERNELS.conv2dBiasAct, tf.getBackend())
  ) {
    const inputs: tf.NamedTensorMap = p.b ? { x, filter: p.w, bias: p.b } : { x, filter: p.w };
    const [y, pre] = tf.engine().runKernel(FUSED_KERNELS.conv2dBiasAct, inputs, {
      strides: p.stride,
      pad: p.padding,
      activation: p.activation,
      hasBias: p.b !== null,
    }) as tf.Tensor[];
    pre.dispose(); // the tape keeps its own reference where a gradient needs it
    return y as tf.Tensor4D;
  }
  return conv2dComposed(x, p);
}

/** conv2d from composed tfjs ops (backends without the fused kernel; the parity reference). */
export function conv2dComposed(x: tf.Tensor, p: Conv2dParams): tf.Tensor4D {
  return tf.tidy(() => {
    let y: tf.Tensor = tf.conv2d(x as tf.Tensor4D, p.w as tf.Tensor4D, p.stride, p.padding);
    if (p.b) y = tf.add(y, p.b);
    return activate(y, p.activation) as tf.Tensor4D;
  });
}

// Whether conv2d uses the fused kernel where one exists; VAELAB_FUSED_CONV=0 keeps the composed ops on every backend
// (for before/after timings).
export const fusedConv = fusedSwitch("VAELAB_FUSED_CONV");

// dz = dy·act′, dw, db from one backward kernel call, made here rather than in the per-input thunks
// (tfjs runs each thunk in its own tidy, which would dispose the other outputs); dx only in its thunk,
// which tfjs calls only where x needs a gradient. The activation's derivative reads y, or for swish
// the pre-activation, the forward's second output.
tf.registerGradient({
  kernelName: FUSED_KERNELS.conv2dBiasAct,
  inputsToSave: ["x", "filter"],
  outputsToSave: [true, true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y, pre] = saved;
    // two outputs, so dy is [dy, d(pre)]; nothing downstream reads pre, so the second is zeros
    const dyY = (dy as tf.Tensor[])[0];
    const [dz, dw, db] = tf
      .engine()
      .runKernel(
        FUSED_KERNELS.conv2dBiasActGrad,
        { dy: dyY, src: attrs.activation === "swish" ? pre : y, x, filter },
        attrs,
      ) as tf.Tensor[];
    const dzy = attrs.activation === "linear" ? dyY : dz;
    const dx = () =>
      tf.engine().runKernel(
        "Conv2DBackpropInput",
        { dy: dzy, filter },
        {
          strides: attrs.strides,
          pad: attrs.pad,
          dataFormat: "NHWC",
          inputShape: x.shape,
        },
      ) as tf.Tensor;
    return { x: dx, filter: () => dw, bias: () => db };
  },
});

// ---- nearest-neighbour upsampling ----------------------------------------------------------------

/**
 * Nearest-neighbour upsampling by an integer factor, [B, H, W, C] → [B, fH, fW, C], as a broadcast
 * against ones of shape [1, 1, f, 1, f, 1] (tile has no gradient above rank 4 in tfjs).
 * Not tf.image.resizeNearestNeighbor: its gradient in tfjs 4.22 (cpu kernel, which the native backend
 * also uses) is wrong for batch > 1 — test/nets/resample.test.ts shows it — while a broadcast's gradient
 * (the block sums) is right.
 */
export function upsampleNearest(x: tf.Tensor, factor = 2): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`upsampleNearest: input must have shape [B, H, W, C], got [${x.shape}]`);
  posInt(factor, "upsampleNearest: factor");
  const [b, h, w, c] = x.shape as [number, number, number, number];
  return tf.tidy(
    () =>
      tf.reshape(tf.mul(tf.reshape(x, [b, h, 1, w, 1, c]), tf.ones([1, 1, factor, 1, factor, 1])), [
        b,
        h * factor,
        w * factor,
        c,
      ]) as tf.Tensor4D,
  );
}

/**
 * Average pooling over non-overlapping f×f blocks, [B, H, W, C] → [B, H/f, W/f, C], as a reshape and a
 * mean. Same values as tf.avgPool(x, f, f, "valid") for H, W divisible by f, but tfjs 4.22's AvgPool and
 * AvgPoolGrad kernels run ~30× slower than this here (they were a third of a CD-VAE training step).
 */
export function downsampleMean(x: tf.Tensor, factor = 2): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`downsampleMean: input must have shape [B, H, W, C], got [${x.shape}]`);
  posInt(factor, "downsampleMean: factor");
  const [b, h, w, c] = x.shape as [number, number, number, number];
  if (h % factor !== 0 || w % factor !== 0) throw new Error(`downsampleMean: ${h}×${w} is not divisible by ${factor}`);
  return tf.tidy(() => tf.mean(tf.reshape(x, [b, h / factor, factor, w / factor, factor, c]), [2, 4]) as tf.Tensor4D);
}

// ---- 2-D transposed convolution --------------------------------------------------------------------

export interface ConvTranspose2dParams {
  /** [kh, kw, out, in] */
  w: tf.Variable;
  b: tf.Variable | null;
  stride: number;
  padding: Padding;
  activation: Activation;
}

/** Parameters `<name>/w` [kh, kw, out, in] and `<name>/b` [out]. */
export function createConvTranspose2d(store: ParamStore, name: string, spec: Conv2dSpec): ConvTranspose2dParams {
  const [kh, kw] = typeof spec.kernel === "number" ? [spec.kernel, spec.kernel] : spec.kernel;
  const stride = spec.stride ?? 1;
  for (const [v, what] of [
    [spec.inChannels, "inChannels"],
    [spec.outChannels, "outChannels"],
    [kh, "kernel"],
    [kw, "kernel"],
    [stride, "stride"],
  ] as const)
    posInt(v, `createConvTranspose2d(${name}): ${what}`);
  const activation = spec.activation ?? "linear";
  // fans() reads [.., in, out] from the last two dims; the transpose stores [.., out, in], so the
  // default initialiser is given the limit directly: He / Glorot with fanIn = in·kh·kw.
  const fanIn = spec.inChannels * kh * kw,
    fanOut = spec.outChannels * kh * kw;
  const init = spec.init ?? uniformInit(reluLike(activation) ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut)));
  const w = store.add(`${name}/w`, [kh, kw, spec.outChannels, spec.inChannels], init);
  const b = (spec.bias ?? true) ? store.add(`${name}/b`, [spec.outChannels], zeros) : null;
  return { w, b, stride, padding: spec.padding ?? "same", activation };
}

/** The output spatial size of a transposed convolution (the input size of the matching convolution). */
export function convTransposeOutputSize(inSize: number, kernel: number, stride: number, padding: Padding): number {
  return padding === "same" ? inSize * stride : (inSize - 1) * stride + kernel;
}

/** x [B, H, W, in] → act(convT(x) + b) [B, H·s, W·s, out] ("same") or [B, (H−1)s + kh, …] ("valid"). */
export function convTranspose2d(x: tf.Tensor, p: ConvTranspose2dParams): tf.Tensor4D {
  const [kh, kw, out, inC] = p.w.shape;
  if (x.rank !== 4 || x.shape[3] !== inC)
    throw new Error(`convTranspose2d: input must have shape [B, H, W, ${inC}], got [${x.shape}]`);
  const [B, H, W] = x.shape;
  const outShape: [number, number, number, number] = [
    B,
    convTransposeOutputSize(H, kh, p.stride, p.padding),
    convTransposeOutputSize(W, kw, p.stride, p.padding),
    out,
  ];
  return tf.tidy(() => {
    let y: tf.Tensor = tf.conv2dTranspose(x as tf.Tensor4D, p.w as tf.Tensor4D, outShape, p.stride, p.padding);
    if (p.b) y = tf.add(y, p.b);
    return activate(y, p.activation) as tf.Tensor4D;
  });
}

// ---- 1-D convolutions on sequences [B, T, C] -------------------------------------------------------

export interface Conv1dParams {
  /** [k, in, out] */
  w: tf.Variable;
  b: tf.Variable | null;
  stride: number;
  padding: Padding;
  activation: Activation;
}

export interface Conv1dSpec {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  /** Default "valid". */
  padding?: Padding;
  bias?: boolean;
  activation?: Activation;
  init?: Init;
}

/** Parameters `<name>/w` [k, in, out] and `<name>/b` [out]. */
export function createConv1d(store: ParamStore, name: string, spec: Conv1dSpec): Conv1dParams {
  const stride = spec.stride ?? 1;
  for (const [v, what] of [
    [spec.inChannels, "inChannels"],
    [spec.outChannels, "outChannels"],
    [spec.kernel, "kernel"],
    [stride, "stride"],
  ] as const)
    posInt(v, `createConv1d(${name}): ${what}`);
  const activation = spec.activation ?? "linear";
  const init = spec.init ?? (reluLike(activation) ? heUniform : glorotUniform);
  const w = store.add(`${name}/w`, [spec.kernel, spec.inChannels, spec.outChannels], init);
  const b = (spec.bias ?? true) ? store.add(`${name}/b`, [spec.outChannels], zeros) : null;
  return { w, b, stride, padding: spec.padding ?? "valid", activation };
}

/** x [B, T, in] → act(conv1d(x) + b) [B, T', out] (tf.conv1d, i.e. conv2d on a [B, 1, T, in] view). */
export function conv1d(x: tf.Tensor, p: Conv1dParams): tf.Tensor3D {
  if (x.rank !== 3 || x.shape[2] !== p.w.shape[1])
    throw new Error(`conv1d: input must have shape [B, T, ${p.w.shape[1]}], got [${x.shape}]`);
  return tf.tidy(() => {
    let y: tf.Tensor = tf.conv1d(x as tf.Tensor3D, p.w as tf.Tensor3D, p.stride, p.padding);
    if (p.b) y = tf.add(y, p.b);
    return activate(y, p.activation) as tf.Tensor3D;
  });
}

export interface ConvTranspose1dParams {
  /** [1, k, out, in]: a conv2dTranspose kernel over the [B, 1, T, C] view */
  w: tf.Variable;
  b: tf.Variable | null;
  stride: number;
  activation: Activation;
}

/** Parameters `<name>/w` [1, k, out, in] and `<name>/b` [out]; "valid" padding (output (T−1)·s + k). */
export function createConvTranspose1d(
  store: ParamStore,
  name: string,
  spec: Omit<Conv1dSpec, "padding">,
): ConvTranspose1dParams {
  const stride = spec.stride ?? 1;
  for (const [v, what] of [
    [spec.inChannels, "inChannels"],
    [spec.outChannels, "outChannels"],
    [spec.kernel, "kernel"],
    [stride, "stride"],
  ] as const)
    posInt(v, `createConvTranspose1d(${name}): ${what}`);
  const activation = spec.activation ?? "linear";
  const fanIn = spec.inChannels * spec.kernel,
    fanOut = spec.outChannels * spec.kernel;
  const init = spec.init ?? uniformInit(reluLike(activation) ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut)));
  const w = store.add(`${name}/w`, [1, spec.kernel, spec.outChannels, spec.inChannels], init);
  const b = (spec.bias ?? true) ? store.add(`${name}/b`, [spec.outChannels], zeros) : null;
  return { w, b, stride, activation };
}

/** x [B, T, in] → [B, (T−1)·s + k, out]: the transpose of a "valid" strided conv1d (overlap-add of k-tap frames). */
export function convTranspose1d(x: tf.Tensor, p: ConvTranspose1dParams): tf.Tensor3D {
  const [, k, out, inC] = p.w.shape;
  if (x.rank !== 3 || x.shape[2] !== inC)
    throw new Error(`convTranspose1d: input must have shape [B, T, ${inC}], got [${x.shape}]`);
  const [B, T] = x.shape;
  const Tout = (T - 1) * p.stride + k;
  return tf.tidy(() => {
    const x4 = tf.reshape(x, [B, 1, T, inC]) as tf.Tensor4D;
    let y: tf.Tensor = tf.conv2dTranspose(x4, p.w as tf.Tensor4D, [B, 1, Tout, out], [1, p.stride], "valid");
    y = tf.reshape(y, [B, Tout, out]);
    if (p.b) y = tf.add(y, p.b);
    return activate(y, p.activation) as tf.Tensor3D;
  });
}
