// Temporal convolution blocks of Conv-TasNet (Luo & Mesgarani 2019, Sec. II-C / Fig. 1C) on sequences
// in channels-last layout [B, T, C]: global layer norm (gLN), PReLU, 1×1 ("pointwise") convolutions
// and the dilated depthwise convolution, assembled into the 1-D conv block
//   1×1 conv B→H, PReLU, gLN, dilated depthwise conv (kernel P, H channels), PReLU, gLN,
//   then a 1×1 residual conv H→B and a 1×1 skip conv H→Sc.
//
// Implementation notes (tfjs 4.22):
// - A 1×1 convolution over [B, T, C] is the matmul [B·T, C]·[C, C']; we compute it that way (same
//   numbers as conv1d with kernel 1, faster on every backend, and its gradients exist everywhere).
// - tfjs refuses gradients of depthwiseConv2d with dilation > 1 ("dilation rates greater than 1 are
//   not yet supported"), so the dilated depthwise conv is an undilated tf.depthwiseConv2d on a
//   space-to-batch view: with dilation d the sequence is split into its d phases (t mod d), each phase
//   is convolved with the same kernel, and the phases are interleaved back. Numerically identical to a
//   "same"-padded dilated convolution.
// - wasm lacks DepthwiseConv2dNativeBackpropFilter/Input, so TCNs train on cpu / native / tfjs-node only.
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS, fusedSwitch } from "../engine/native/fused-kernels";
import { DenseParams, dense } from "./mlp";
import { ParamStore, constant, glorotUniform, uniformInit, zeros } from "./params";

// ---- global layer norm -----------------------------------------------------------------------------

export interface GlnParams {
  /** [C] */
  gamma: tf.Variable;
  /** [C] */
  beta: tf.Variable;
  eps: number;
}

/** gLN parameters `<name>/gamma` (ones) and `<name>/beta` (zeros), [C] each. */
export function createGln(store: ParamStore, name: string, channels: number, eps = 1e-8): GlnParams {
  return {
    gamma: store.add(`${name}/gamma`, [channels], constant(1)),
    beta: store.add(`${name}/beta`, [channels], zeros),
    eps,
  };
}

/**
 * Global layer norm: each example normalised by the mean and variance over all of its time steps and
 * channels, then scaled and shifted per channel: γ ⊙ (x − E[x]) / √(Var[x] + ε) + β. x [B, T, C].
 * One fused kernel forward and one backward where the backend has them (native: float64 moments,
 * native/src/gln.cc), the composed tfjs ops elsewhere (globalLayerNormComposed).
 */
export function globalLayerNorm(x: tf.Tensor, p: GlnParams): tf.Tensor3D {
  if (x.rank !== 3 || x.shape[2] !== p.gamma.shape[0])
    throw new Error(`globalLayerNorm: input must have shape [B, T, ${p.gamma.shape[0]}], got [${x.shape}]`);
  if (fusedGln() && x.dtype === "float32" && x.size > 0 && tf.getKernel(FUSED_KERNELS.globalLayerNorm, tf.getBackend()))
    return tf
      .engine()
      .runKernel(FUSED_KERNELS.globalLayerNorm, { x, gamma: p.gamma, beta: p.beta }, { eps: p.eps }) as tf.Tensor3D;
  return globalLayerNormComposed(x, p);
}

/** globalLayerNorm from composed tfjs ops (backends without the fused kernel; the parity reference). */
export function globalLayerNormComposed(x: tf.Tensor, p: GlnParams): tf.Tensor3D {
  return tf.tidy(() => {
    const mean = tf.mean(x, [1, 2], true);
    const centred = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centred), [1, 2], true);
    return tf.add(tf.mul(p.gamma, tf.mul(centred, tf.rsqrt(tf.add(variance, p.eps)))), p.beta) as tf.Tensor3D;
  });
}

// Whether globalLayerNorm uses the fused kernel where one exists; VAELAB_FUSED_GLN=0 keeps the composed ops on every
// backend (for before/after timings).
export const fusedGln = fusedSwitch("VAELAB_FUSED_GLN");

// dx, dγ, dβ from one backward kernel call. It runs here, not inside the per-input thunks: tfjs calls
// each thunk in its own tidy, which would dispose the other two outputs; created here, they live in
// the backward pass's scope, which frees the ones not asked for.
tf.registerGradient({
  kernelName: FUSED_KERNELS.globalLayerNorm,
  inputsToSave: ["x", "gamma"],
  gradFunc: (dy, saved, attrs) => {
    const [x, gamma] = saved;
    const [dx, dgamma, dbeta] = tf
      .engine()
      .runKernel(
        FUSED_KERNELS.globalLayerNormGrad,
        { dy: dy as tf.Tensor, x, gamma },
        { eps: attrs.eps },
      ) as tf.Tensor[];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
});

// ---- PReLU -------------------------------------------------------------------------------------------

/** A PReLU slope `<name>/alpha`: one shared value (PyTorch's nn.PReLU() default) or one per channel; initial 0.25. */
export function createPrelu(store: ParamStore, name: string, channels = 1, init = 0.25): tf.Variable {
  return store.add(`${name}/alpha`, [channels], constant(init));
}

/**
 * max(0, x) + α·min(0, x), α broadcast over the last axis. Where the backend has the fused kernels
 * (native), the backward is one kernel (native/src/prelu.cc) instead of tfjs's composed Prelu gradient.
 */
export function prelu(x: tf.Tensor, alpha: tf.Variable): tf.Tensor {
  if (
    fusedPrelu() &&
    x.dtype === "float32" &&
    x.size > 0 &&
    alpha.rank === 1 &&
    (alpha.shape[0] === 1 || alpha.shape[0] === x.shape[x.rank - 1]) &&
    tf.getKernel(FUSED_KERNELS.prelu, tf.getBackend())
  )
    return tf.engine().runKernel(FUSED_KERNELS.prelu, { x, alpha }) as tf.Tensor;
  return tf.prelu(x, alpha);
}

// Whether prelu uses the fused kernel where one exists; VAELAB_FUSED_PRELU=0 keeps tfjs's Prelu and its composed
// gradient on every backend (before/after timings).
export const fusedPrelu = fusedSwitch("VAELAB_FUSED_PRELU");

// dx and dα from one backward kernel call, made here (see the gLN's gradient above for why).
tf.registerGradient({
  kernelName: FUSED_KERNELS.prelu,
  inputsToSave: ["x", "alpha"],
  gradFunc: (dy, saved) => {
    const [x, alpha] = saved;
    const [dx, dalpha] = tf
      .engine()
      .runKernel(FUSED_KERNELS.preluGrad, { dy: dy as tf.Tensor, x, alpha }) as tf.Tensor[];
    return { x: () => dx, alpha: () => dalpha };
  },
});

// ---- 1×1 convolution -----------------------------------------------------------------------------

/** A 1×1 convolution C→C' (`<name>/w` [C, C'], `<name>/b` [C']); Glorot-uniform, zero bias. */
export function createPointwise(
  store: ParamStore,
  name: string,
  inChannels: number,
  outChannels: number,
  bias = true,
): DenseParams {
  const w = store.add(`${name}/w`, [inChannels, outChannels], glorotUniform);
  const b = bias ? store.add(`${name}/b`, [outChannels], zeros) : null;
  return { w, b, activation: "linear" };
}

/** x [B, T, C] → [B, T, C'] (a matmul over the flattened time steps). */
export function pointwise(x: tf.Tensor, p: DenseParams): tf.Tensor3D {
  if (x.rank !== 3 || x.shape[2] !== p.w.shape[0])
    throw new Error(`pointwise: input must have shape [B, T, ${p.w.shape[0]}], got [${x.shape}]`);
  return dense(x, p) as tf.Tensor3D;
}

// ---- dilated depthwise convolution ---------------------------------------------------------------

export interface DepthwiseConv1dParams {
  /** [1, k, C, 1] (a depthwiseConv2d kernel over the [B, 1, T, C] view) */
  w: tf.Variable;
  b: tf.Variable | null;
  dilation: number;
}

/**
 * A depthwise (one filter per channel) 1-D convolution, odd kernel k, "same" padding, dilation d.
 * Kernel `<name>/w` [1, k, C, 1] ~ U(±1/√k) (PyTorch's default for a depthwise Conv1d), bias `<name>/b` [C] zero.
 */
export function createDepthwiseConv1d(
  store: ParamStore,
  name: string,
  channels: number,
  kernel: number,
  dilation: number,
  bias = true,
): DepthwiseConv1dParams {
  if (!(Number.isInteger(kernel) && kernel >= 1 && kernel % 2 === 1))
    throw new Error(`createDepthwiseConv1d(${name}): kernel must be an odd positive integer, got ${kernel}`);
  if (!(Number.isInteger(dilation) && dilation >= 1))
    throw new Error(`createDepthwiseConv1d(${name}): dilation must be a positive integer, got ${dilation}`);
  const w = store.add(`${name}/w`, [1, kernel, channels, 1], uniformInit(1 / Math.sqrt(kernel)));
  const b = bias ? store.add(`${name}/b`, [channels], zeros) : null;
  return { w, b, dilation };
}

/**
 * y[t, c] = b_c + Σ_j w[j, c] · x[t + (j − (k−1)/2)·d, c] with zeros outside [0, T). x [B, T, C] → [B, T, C].
 * Dilation by space-to-batch (see the file header): pad T up to a multiple of d, view as
 * [B, T/d, d, C], move the phase axis next to the batch, convolve undilated, and undo the view.
 */
export function depthwiseConv1d(x: tf.Tensor, p: DepthwiseConv1dParams): tf.Tensor3D {
  const C = p.w.shape[2] as number;
  if (x.rank !== 3 || x.shape[2] !== C)
    throw new Error(`depthwiseConv1d: input must have shape [B, T, ${C}], got [${x.shape}]`);
  const [B, T] = x.shape;
  const d = p.dilation;
  return tf.tidy(() => {
    let y: tf.Tensor;
    if (d === 1) {
      y = tf.reshape(tf.depthwiseConv2d(tf.reshape(x, [B, 1, T, C]) as tf.Tensor4D, p.w as tf.Tensor4D, 1, "same"), [
        B,
        T,
        C,
      ]);
    } else {
      const Tp = Math.ceil(T / d) * d;
      const n = Tp / d;
      const xp =
        Tp > T
          ? tf.pad(x, [
              [0, 0],
              [0, Tp - T],
              [0, 0],
            ])
          : x;
      // [B, n, d, C] → [B, d, n, C] → [B·d, 1, n, C]: row (b, φ) holds x[φ], x[φ + d], x[φ + 2d], …
      const phases = tf.reshape(tf.transpose(tf.reshape(xp, [B, n, d, C]), [0, 2, 1, 3]), [
        B * d,
        1,
        n,
        C,
      ]) as tf.Tensor4D;
      const conv = tf.depthwiseConv2d(phases, p.w as tf.Tensor4D, 1, "same");
      y = tf.reshape(tf.transpose(tf.reshape(conv, [B, d, n, C]), [0, 2, 1, 3]), [B, Tp, C]);
      if (Tp > T) y = tf.slice(y, [0, 0, 0], [B, T, C]);
    }
    if (p.b) y = tf.add(y, p.b);
    return y as tf.Tensor3D;
  });
}

// ---- the Conv-TasNet 1-D conv block ---------------------------------------------------------------

export interface TcnBlockSpec {
  /** Bottleneck channels B (block input and residual output). */
  channels: number;
  /** Hidden channels H of the depthwise stage. */
  hidden: number;
  /** Skip-connection channels Sc. */
  skip: number;
  /** Depthwise kernel P (odd; Conv-TasNet uses 3). */
  kernel: number;
  dilation: number;
}

export interface TcnBlockParams {
  inConv: DenseParams;
  prelu1: tf.Variable;
  norm1: GlnParams;
  depthwise: DepthwiseConv1dParams;
  prelu2: tf.Variable;
  norm2: GlnParams;
  resConv: DenseParams;
  skipConv: DenseParams;
}

/** Parameters of one block under `<name>/…` (in, prelu1, gln1, dw, prelu2, gln2, res, skip). */
export function createTcnBlock(store: ParamStore, name: string, s: TcnBlockSpec): TcnBlockParams {
  return {
    inConv: createPointwise(store, `${name}/in`, s.channels, s.hidden),
    prelu1: createPrelu(store, `${name}/prelu1`),
    norm1: createGln(store, `${name}/gln1`, s.hidden),
    depthwise: createDepthwiseConv1d(store, `${name}/dw`, s.hidden, s.kernel, s.dilation),
    prelu2: createPrelu(store, `${name}/prelu2`),
    norm2: createGln(store, `${name}/gln2`, s.hidden),
    resConv: createPointwise(store, `${name}/res`, s.hidden, s.channels),
    skipConv: createPointwise(store, `${name}/skip`, s.hidden, s.skip),
  };
}

/** Scalar parameters of one block (for parameter-count formulas). */
export function tcnBlockParameterCount(s: Omit<TcnBlockSpec, "dilation">): number {
  const { channels: B, hidden: H, skip: Sc, kernel: P } = s;
  return B * H + H + 1 + 2 * H + P * H + H + 1 + 2 * H + H * B + B + H * Sc + Sc;
}

/** x [B, T, channels] → {residual: x + res(…) [B, T, channels], skip [B, T, skip]}. */
export function tcnBlock(x: tf.Tensor, p: TcnBlockParams): { residual: tf.Tensor3D; skip: tf.Tensor3D } {
  const [residual, skip] = tf.tidy(() => {
    let h: tf.Tensor = pointwise(x, p.inConv);
    h = globalLayerNorm(prelu(h, p.prelu1), p.norm1);
    h = depthwiseConv1d(h, p.depthwise);
    h = globalLayerNorm(prelu(h, p.prelu2), p.norm2);
    return [tf.add(x, pointwise(h, p.resConv)), pointwise(h, p.skipConv)];
  });
  return { residual: residual as tf.Tensor3D, skip: skip as tf.Tensor3D };
}

// ---- the Conv-TasNet masker (TCN) -----------------------------------------------------------------

export interface TcnMaskerSpec {
  /** Encoding channels N (input). */
  inChannels: number;
  /** Bottleneck B, hidden H, skip Sc, depthwise kernel P. */
  bottleneck: number;
  hidden: number;
  skip: number;
  kernel: number;
  /** Blocks per repeat X (dilations 1 … 2^(X−1)) and repeats R. */
  blocks: number;
  repeats: number;
  /** Channels of the output head (S·N masks, or more for distribution parameters). */
  outChannels: number;
}

export interface TcnMaskerParams {
  inNorm: GlnParams;
  bottleneck: DenseParams;
  blocks: TcnBlockParams[];
  outPrelu: tf.Variable;
  head: DenseParams;
}

/** Parameters under `<name>/gln`, `<name>/bottleneck`, `<name>/r<r>/b<x>/…`, `<name>/prelu`, `<name>/mask`. */
export function createTcnMasker(store: ParamStore, name: string, s: TcnMaskerSpec): TcnMaskerParams {
  const blocks: TcnBlockParams[] = [];
  for (let r = 0; r < s.repeats; r++) {
    for (let x = 0; x < s.blocks; x++)
      blocks.push(
        createTcnBlock(store, `${name}/r${r}/b${x}`, {
          channels: s.bottleneck,
          hidden: s.hidden,
          skip: s.skip,
          kernel: s.kernel,
          dilation: 2 ** x,
        }),
      );
  }
  return {
    inNorm: createGln(store, `${name}/gln`, s.inChannels),
    bottleneck: createPointwise(store, `${name}/bottleneck`, s.inChannels, s.bottleneck),
    blocks,
    outPrelu: createPrelu(store, `${name}/prelu`),
    head: createPointwise(store, `${name}/mask`, s.skip, s.outChannels),
  };
}

/** Scalar parameters of the masker. */
export function tcnMaskerParameterCount(s: TcnMaskerSpec): number {
  const blocks =
    s.blocks *
    s.repeats *
    tcnBlockParameterCount({ channels: s.bottleneck, hidden: s.hidden, skip: s.skip, kernel: s.kernel });
  return (
    2 * s.inChannels + s.inChannels * s.bottleneck + s.bottleneck + blocks + 1 + s.skip * s.outChannels + s.outChannels
  );
}

/**
 * gLN(w) → 1×1 bottleneck → the TCN blocks (residual chain, skips summed and divided by the number of
 * blocks, as the VI-EMD supplement does for stability) → PReLU → 1×1 head: the head's raw outputs
 * [B, F, outChannels] (the caller applies the mask nonlinearity or reads distribution parameters).
 */
export function tcnMasker(w: tf.Tensor, p: TcnMaskerParams): tf.Tensor3D {
  return tf.tidy(() => {
    let h: tf.Tensor = pointwise(globalLayerNorm(w, p.inNorm), p.bottleneck);
    let skips: tf.Tensor | null = null;
    for (const block of p.blocks) {
      const { residual, skip } = tcnBlock(h, block);
      h = residual;
      skips = skips ? tf.add(skips, skip) : skip;
    }
    return pointwise(prelu(tf.div(skips!, p.blocks.length), p.outPrelu), p.head);
  });
}

/** A depthwise 1-D convolution with stride (no dilation), "same" padding: x [B, T, C] → [B, ceil(T/stride), C]. */
export function stridedDepthwiseConv1d(x: tf.Tensor, p: DepthwiseConv1dParams, stride: number): tf.Tensor3D {
  const C = p.w.shape[2] as number;
  if (x.rank !== 3 || x.shape[2] !== C)
    throw new Error(`stridedDepthwiseConv1d: input must have shape [B, T, ${C}], got [${x.shape}]`);
  if (p.dilation !== 1) throw new Error("stridedDepthwiseConv1d: dilation must be 1");
  const [B, T] = x.shape;
  return tf.tidy(() => {
    const y = tf.depthwiseConv2d(tf.reshape(x, [B, 1, T, C]) as tf.Tensor4D, p.w as tf.Tensor4D, [1, stride], "same");
    const out = tf.reshape(y, [B, y.shape[2], C]);
    return (p.b ? tf.add(out, p.b) : out) as tf.Tensor3D;
  });
}
