// Blocks of 2-D convolutions (channels-last) as the CD-VAE (thesis App. C) composes them: a residual block
// of two 3×3 convolutions, and Fig. 2's "conv block" of four convolutions with kernels 1, 3, 3, 1.
import * as tf from "@tensorflow/tfjs";
import { Conv2dParams, conv2d, createConv2d } from "./conv";
import { ParamStore, zeros } from "./params";

export interface ResBlockParams {
  a: Conv2dParams;
  b: Conv2dParams;
}

/**
 * Parameters `<name>/a` (3×3, SiLU) and `<name>/b` (3×3, linear, zero-initialised so that the block starts as
 * the identity), `channels` in and out.
 */
export function createResBlock(store: ParamStore, name: string, channels: number): ResBlockParams {
  return {
    a: createConv2d(store, `${name}/a`, {
      inChannels: channels,
      outChannels: channels,
      kernel: 3,
      activation: "swish",
    }),
    b: createConv2d(store, `${name}/b`, { inChannels: channels, outChannels: channels, kernel: 3, init: zeros }),
  };
}

/** x + b(a(x)), x [B, H, W, channels]. */
export function resBlock(x: tf.Tensor, p: ResBlockParams): tf.Tensor {
  return tf.tidy(() => tf.add(x, conv2d(conv2d(x, p.a), p.b)));
}

export interface ConvBlockSpec {
  inChannels: number;
  hiddenChannels: number;
  outChannels: number;
  /** Zero-initialise the last convolution (the block then starts as the zero function). */
  zeroOutput: boolean;
}

/** Four successive convolutions `<name>/0` … `<name>/3` with kernels 1, 3, 3, 1, SiLU between, linear out. */
export interface ConvBlockParams {
  convs: Conv2dParams[];
}

export function createConvBlock(store: ParamStore, name: string, s: ConvBlockSpec): ConvBlockParams {
  const kernels = [1, 3, 3, 1];
  const convs = kernels.map((k, i) =>
    createConv2d(store, `${name}/${i}`, {
      inChannels: i === 0 ? s.inChannels : s.hiddenChannels,
      outChannels: i === 3 ? s.outChannels : s.hiddenChannels,
      kernel: k,
      activation: i === 3 ? "linear" : "swish",
      ...(i === 3 && s.zeroOutput ? { init: zeros } : {}),
    }),
  );
  return { convs };
}

/** The four convolutions in turn, x [B, H, W, inChannels] → [B, H, W, outChannels]. */
export function convBlock(x: tf.Tensor, p: ConvBlockParams): tf.Tensor {
  return tf.tidy(() => p.convs.reduce((h, c) => conv2d(h, c), x));
}
