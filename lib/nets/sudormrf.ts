// The improved SuDoRM-RF separation module (Tzinis et al. 2020, "Sudo rm -rf: efficient networks for
// universal audio source separation"; the "improved" variant with global layer norms), which VI-EMD
// (thesis App. B, Sec. 3 and J) swaps in for the TCN masker to compare VI-SuDoRMRF with SuDoRMRF:
//   gLN(w) → 1×1 N→B → U-ConvBlocks → PReLU → 1×1 head (the caller applies the mask nonlinearity).
// A U-ConvBlock on x [T, B]: 1×1 B→C + gLN + PReLU; a depthwise k = 5 conv + gLN (resolution 0); then
// depth − 1 successive depthwise k = 5 stride-2 convs + gLN (resolutions 1 … depth − 1); from the coarsest
// up, each is upsampled ×2 (nearest) and added to the next finer one; gLN + PReLU; 1×1 C→B; + x.
import * as tf from "@tensorflow/tfjs";
import type { DenseParams } from "./mlp";
import { ParamStore } from "./params";
import {
  DepthwiseConv1dParams,
  GlnParams,
  createDepthwiseConv1d,
  createGln,
  createPointwise,
  createPrelu,
  globalLayerNorm,
  pointwise,
  prelu,
  stridedDepthwiseConv1d,
} from "./tcn";

export interface SudormrfSpec {
  /** Encoding channels N (input). */
  inChannels: number;
  /** Bottleneck channels B (between blocks). */
  bottleneck: number;
  /** Channels C inside a U-ConvBlock. */
  hidden: number;
  /** Number of U-ConvBlocks. */
  blocks: number;
  /** Resolutions per block (upsampling depth, 4 in the paper). */
  depth: number;
  /** Channels of the output head. */
  outChannels: number;
}

interface UBlockParams {
  proj: DenseParams;
  projNorm: GlnParams;
  projAct: tf.Variable;
  dw: DepthwiseConv1dParams[];
  dwNorm: GlnParams[];
  finalNorm: GlnParams;
  finalAct: tf.Variable;
  res: DenseParams;
}

export interface SudormrfParams {
  inNorm: GlnParams;
  bottleneck: DenseParams;
  blocks: UBlockParams[];
  outPrelu: tf.Variable;
  head: DenseParams;
  depth: number;
}

export function createSudormrf(store: ParamStore, name: string, s: SudormrfSpec): SudormrfParams {
  for (const f of ["inChannels", "bottleneck", "hidden", "blocks", "depth", "outChannels"] as const) {
    if (!(Number.isInteger(s[f]) && s[f] >= 1))
      throw new Error(`createSudormrf(${name}): ${f} must be a positive integer, got ${s[f]}`);
  }
  const blocks: UBlockParams[] = Array.from({ length: s.blocks }, (_, i) => {
    const b = `${name}/u${i}`;
    return {
      proj: createPointwise(store, `${b}/proj`, s.bottleneck, s.hidden),
      projNorm: createGln(store, `${b}/proj_gln`, s.hidden),
      projAct: createPrelu(store, `${b}/proj_prelu`),
      dw: Array.from({ length: s.depth }, (_, k) => createDepthwiseConv1d(store, `${b}/dw${k}`, s.hidden, 5, 1)),
      dwNorm: Array.from({ length: s.depth }, (_, k) => createGln(store, `${b}/dw${k}_gln`, s.hidden)),
      finalNorm: createGln(store, `${b}/final_gln`, s.hidden),
      finalAct: createPrelu(store, `${b}/final_prelu`),
      res: createPointwise(store, `${b}/res`, s.hidden, s.bottleneck),
    };
  });
  return {
    inNorm: createGln(store, `${name}/gln`, s.inChannels),
    bottleneck: createPointwise(store, `${name}/bottleneck`, s.inChannels, s.bottleneck),
    blocks,
    outPrelu: createPrelu(store, `${name}/prelu`),
    head: createPointwise(store, `${name}/mask`, s.bottleneck, s.outChannels),
    depth: s.depth,
  };
}

/** Scalar parameters of the module. */
export function sudormrfParameterCount(s: SudormrfSpec): number {
  const gln = (c: number) => 2 * c;
  const block =
    s.bottleneck * s.hidden +
    s.hidden +
    gln(s.hidden) +
    1 +
    s.depth * (5 * s.hidden + s.hidden + gln(s.hidden)) +
    gln(s.hidden) +
    1 +
    s.hidden * s.bottleneck +
    s.bottleneck;
  return (
    gln(s.inChannels) +
    s.inChannels * s.bottleneck +
    s.bottleneck +
    s.blocks * block +
    1 +
    s.bottleneck * s.outChannels +
    s.outChannels
  );
}

/** Nearest-neighbour ×2 along time, cropped to `T`: [B, t, C] → [B, T, C]. */
function upsampleTime(x: tf.Tensor, T: number): tf.Tensor {
  const [B, t, C] = x.shape as [number, number, number];
  const up = tf.reshape(tf.tile(tf.reshape(x, [B, t, 1, C]), [1, 1, 2, 1]), [B, 2 * t, C]);
  return 2 * t > T ? tf.slice(up, [0, 0, 0], [B, T, C]) : up;
}

function uBlock(x: tf.Tensor, p: UBlockParams, depth: number): tf.Tensor {
  const h = prelu(globalLayerNorm(pointwise(x, p.proj), p.projNorm), p.projAct);
  const levels: tf.Tensor[] = [globalLayerNorm(stridedDepthwiseConv1d(h, p.dw[0], 1), p.dwNorm[0])];
  for (let k = 1; k < depth; k++)
    levels.push(globalLayerNorm(stridedDepthwiseConv1d(levels[k - 1], p.dw[k], 2), p.dwNorm[k]));
  let merged = levels[depth - 1];
  for (let k = depth - 2; k >= 0; k--) merged = tf.add(levels[k], upsampleTime(merged, levels[k].shape[1] as number));
  return tf.add(x, pointwise(prelu(globalLayerNorm(merged, p.finalNorm), p.finalAct), p.res));
}

/** The module's raw head outputs [B, F, outChannels] for encodings w [B, F, N]. */
export function sudormrf(w: tf.Tensor, p: SudormrfParams): tf.Tensor3D {
  return tf.tidy(() => {
    let h: tf.Tensor = pointwise(globalLayerNorm(w, p.inNorm), p.bottleneck);
    for (const b of p.blocks) h = uBlock(h, b, p.depth);
    return pointwise(prelu(h, p.outPrelu), p.head);
  });
}
