// The convolutional VAE of Burgess et al. (2018, "Understanding disentangling in β-VAE", App. A.1), as
// used across the disentanglement literature for dSprites-like images:
//   encoder  n× [conv 4×4, stride 2, 32 ch, ReLU] (S → S/2 → … → 4), FC 256, FC 256 (ReLU), FC 2K (μ, log σ²)
//   decoder  FC 256, FC 256, FC 32·4·4 (ReLU), n× [transposed conv 4×4, stride 2] back to S×S×C
//            (ReLU between, the last one linear: Bernoulli logits or the Gaussian mean)
// with n = log2(S/4): three conv layers for 32×32 images (pdSprites, PDisVAE), four for 64×64.
// Images are channels-last [B, S, S, C] (a flat [B, S·S·C] is accepted too). The record and the
// interface follow MlpVae: record(x, ε) → RateDistortion, step(batch, ctx), evaluate(data).
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import {
  Conv2dParams,
  ConvTranspose2dParams,
  conv2d,
  convTranspose2d,
  createConv2d,
  createConvTranspose2d,
} from "../nets/conv";
import { Activation, Mlp, createMlp, mlpForward } from "../nets/mlp";
import { ParamStore, constant } from "../nets/params";
import { RateDistortion, rateDistortion } from "../objectives/rate-distortion";
import { Bernoulli } from "../prob/bernoulli";
import { kl } from "../prob/kl";
import { Normal } from "../prob/normal";
import type { TensorOrArray } from "../data/dataset";
import { EvaluateOptions, VaeEvaluation, evaluateRecords } from "../eval/records";
import { Batch, toTensorDataset } from "../train/batches";
import type { StepContext, TrainableModel } from "../train/loop";
import type { Likelihood } from "./mlp-vae";

export type { Likelihood } from "./mlp-vae";

/** Everything that defines a conv VAE's architecture (plain JSON: it goes into a run's config hash). */
export interface ConvVaeConfig {
  kind: "conv-vae";
  /** Image side S (square images): 4·2^n with n ≥ 1 (32 → three conv layers, 64 → four). */
  imageSize: number;
  /** Image channels C. */
  channels: number;
  /** Latent dimension K. */
  zDim: number;
  /** Channels of every conv layer (Burgess: 32). */
  convChannels: number;
  /** Conv kernel size (Burgess: 4; stride is always 2). */
  kernel: number;
  /** Width of the two hidden FC layers each way (Burgess: 256). */
  hidden: number;
  /** Hidden activation (Burgess: ReLU). */
  activation: Activation;
  likelihood: Likelihood;
}

/** Burgess et al. (2018) for 32×32×1 images with K = 10 latents and Bernoulli logits. */
export const CONV_VAE_BURGESS_32: ConvVaeConfig = Object.freeze({
  kind: "conv-vae",
  imageSize: 32,
  channels: 1,
  zDim: 10,
  convChannels: 32,
  kernel: 4,
  hidden: 256,
  activation: "relu",
  likelihood: { kind: "bernoulli" },
}) as ConvVaeConfig;

/** Named architectures. */
export const CONV_VAE_PRESETS: Readonly<Record<string, ConvVaeConfig>> = Object.freeze({
  "burgess-32": CONV_VAE_BURGESS_32,
});

/** A preset by name (a fresh copy), or an error listing the names. */
export function convVaePreset(name: string): ConvVaeConfig {
  const c = CONV_VAE_PRESETS[name];
  if (!c)
    throw new Error(`lib/models/conv-vae: no preset "${name}" (have: ${Object.keys(CONV_VAE_PRESETS).join(", ")})`);
  return JSON.parse(JSON.stringify(c)) as ConvVaeConfig;
}

/** Burgess defaults (32×32×1, K=10, 32 channels, kernel 4, 256 hidden, ReLU, Bernoulli) overridden by `c`. */
export function convVaeConfig(c: Partial<ConvVaeConfig> = {}): ConvVaeConfig {
  return { ...convVaePreset("burgess-32"), ...c, kind: "conv-vae" };
}

/** Number of stride-2 conv layers: log2(S / 4). */
export function convLayers(imageSize: number): number {
  return Math.round(Math.log2(imageSize / 4));
}

function checkConfig(c: ConvVaeConfig): void {
  const where = "lib/models/conv-vae config";
  const posInt = (v: unknown, field: string) => {
    if (!(typeof v === "number" && Number.isInteger(v) && v >= 1))
      throw new Error(`${where}: ${field} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  if (c.kind !== "conv-vae") throw new Error(`${where}: kind must be "conv-vae", got ${JSON.stringify(c.kind)}`);
  for (const f of ["imageSize", "channels", "zDim", "convChannels", "kernel", "hidden"] as const) posInt(c[f], f);
  const n = convLayers(c.imageSize);
  if (!(n >= 1 && 4 * 2 ** n === c.imageSize))
    throw new Error(`${where}: imageSize must be 4·2^n with n ≥ 1 (8, 16, 32, 64, …), got ${c.imageSize}`);
  const kind = (c.likelihood as { kind?: unknown } | undefined)?.kind;
  if (kind !== "gaussian" && kind !== "bernoulli")
    throw new Error(`${where}: likelihood.kind must be "gaussian" or "bernoulli", got ${JSON.stringify(kind)}`);
  const lk = c.likelihood;
  if (lk.kind === "gaussian") {
    if (lk.variance !== "learned" && lk.variance !== "fixed")
      throw new Error(`${where}: likelihood.variance must be "learned" or "fixed", got ${JSON.stringify(lk.variance)}`);
    if (lk.std !== undefined && !(lk.std > 0 && Number.isFinite(lk.std)))
      throw new Error(`${where}: likelihood.std must be a positive number, got ${lk.std}`);
  }
}

/**
 * A conv VAE whose parameters live in a ParamStore: `enc/conv<i>/{w,b}`, `enc/fc/<i>/{w,b}`,
 * `dec/fc/<i>/{w,b}`, `dec/deconv<i>/{w,b}`, and `dec/logstd` [S, S, C] for a learned-σ Gaussian.
 */
export class ConvVae implements TrainableModel {
  readonly store: ParamStore;
  readonly config: ConvVaeConfig;
  readonly encoderConvs: Conv2dParams[];
  readonly encoderFc: Mlp;
  readonly decoderFc: Mlp;
  readonly decoderConvs: ConvTranspose2dParams[];
  /** Learned log σ of the Gaussian likelihood [S, S, C], or null. */
  readonly logStd: tf.Variable | null;
  readonly variables: Record<string, tf.Variable>;

  /** Build the parameters from `rng` (He-uniform before ReLU-like activations, Glorot otherwise; zero biases). */
  constructor(config: ConvVaeConfig, rng: Rng) {
    checkConfig(config);
    this.config = JSON.parse(JSON.stringify(config)) as ConvVaeConfig;
    const c = this.config;
    const n = convLayers(c.imageSize);
    const cc = c.convChannels;
    const flat = cc * 4 * 4;
    this.store = new ParamStore(rng);
    this.encoderConvs = Array.from({ length: n }, (_, i) =>
      createConv2d(this.store, `enc/conv${i}`, {
        inChannels: i === 0 ? c.channels : cc,
        outChannels: cc,
        kernel: c.kernel,
        stride: 2,
        padding: "same",
        activation: c.activation,
      }),
    );
    this.encoderFc = createMlp(this.store, "enc/fc", {
      sizes: [flat, c.hidden, c.hidden, 2 * c.zDim],
      activation: c.activation,
    });
    // every decoder FC layer is followed by the activation (the last one feeds the transposed convs)
    this.decoderFc = createMlp(this.store, "dec/fc", {
      sizes: [c.zDim, c.hidden, c.hidden, flat],
      activation: c.activation,
      outputActivation: c.activation,
    });
    this.decoderConvs = Array.from({ length: n }, (_, i) =>
      createConvTranspose2d(this.store, `dec/deconv${i}`, {
        inChannels: cc,
        outChannels: i === n - 1 ? c.channels : cc,
        kernel: c.kernel,
        stride: 2,
        padding: "same",
        activation: i === n - 1 ? "linear" : c.activation,
      }),
    );
    const lk = c.likelihood;
    this.logStd =
      lk.kind === "gaussian" && lk.variance === "learned"
        ? this.store.add("dec/logstd", [c.imageSize, c.imageSize, c.channels], constant(Math.log(lk.std ?? 1)))
        : null;
    this.variables = this.store.variables();
  }

  get zDim(): number {
    return this.config.zDim;
  }

  /** The image shape [S, S, C]. */
  get imageShape(): [number, number, number] {
    return [this.config.imageSize, this.config.imageSize, this.config.channels];
  }

  /** x as [B, S, S, C] (a flat [B, S·S·C] is reshaped); throws naming the expected shape otherwise. */
  private images(x: tf.Tensor, where: string): tf.Tensor4D {
    const [S, , C] = this.imageShape;
    if (x.rank === 4 && x.shape[1] === S && x.shape[2] === S && x.shape[3] === C) return x as tf.Tensor4D;
    if (x.rank === 2 && x.shape[1] === S * S * C) return tf.reshape(x, [x.shape[0], S, S, C]) as tf.Tensor4D;
    throw new Error(
      `ConvVae.${where}: images must have shape [B, ${S}, ${S}, ${C}] (or [B, ${S * S * C}]), got [${x.shape}]`,
    );
  }

  /** Posterior parameters μ [B, K] and log σ² [B, K] (new tensors; the caller disposes them). */
  encode(x: tf.Tensor): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    const K = this.config.zDim;
    const [mean, logVar] = tf.tidy(() => {
      let h: tf.Tensor = this.images(x, "encode");
      for (const layer of this.encoderConvs) h = conv2d(h, layer);
      const out = mlpForward(this.encoderFc, tf.reshape(h, [h.shape[0], -1]));
      return [tf.slice(out, [0, 0], [-1, K]), tf.slice(out, [0, K], [-1, K])];
    });
    return { mean: mean as tf.Tensor2D, logVar: logVar as tf.Tensor2D };
  }

  /** The decoder's raw output [B, S, S, C]: the Gaussian mean, or the Bernoulli logits. */
  decoderOutput(z: tf.Tensor): tf.Tensor4D {
    if (z.rank !== 2 || z.shape[1] !== this.config.zDim)
      throw new Error(`ConvVae.decode: z must have shape [B, ${this.config.zDim}], got [${z.shape}]`);
    return tf.tidy(() => {
      const h = mlpForward(this.decoderFc, z);
      let y: tf.Tensor = tf.reshape(h, [z.shape[0], 4, 4, this.config.convChannels]);
      for (const layer of this.decoderConvs) y = convTranspose2d(y, layer);
      return y as tf.Tensor4D;
    });
  }

  /** The mean of p(x|z) [B, S, S, C]: sigmoid(logits) for Bernoulli, the Gaussian mean otherwise. */
  decode(z: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      const out = this.decoderOutput(z);
      return (this.config.likelihood.kind === "bernoulli" ? tf.sigmoid(out) : out) as tf.Tensor4D;
    });
  }

  /** −log p(x|z) per pixel [B, S, S, C]. Call inside a tidy. */
  private negLogLik(x: tf.Tensor4D, out: tf.Tensor4D): tf.Tensor {
    const lk = this.config.likelihood;
    if (lk.kind === "bernoulli") return tf.neg(new Bernoulli(out).logProb(x));
    const scale = this.logStd ? tf.exp(this.logStd) : tf.scalar(lk.std ?? 1);
    return tf.neg(new Normal(out, scale).logProb(x));
  }

  /**
   * The RateDistortion record for images x with reparameterisation noise ε [B, K]: z = μ + σ·ε,
   * distortion = −log p(x|z) summed over pixels, ratePerDim = KL(q(z_k|x) ‖ N(0, 1)). Call inside tf.tidy.
   */
  record(x: tf.Tensor, eps: tf.Tensor): RateDistortion {
    return tf.tidy(() => {
      const xi = this.images(x, "record");
      const B = xi.shape[0],
        K = this.config.zDim;
      if (eps.rank !== 2 || eps.shape[0] !== B || eps.shape[1] !== K)
        throw new Error(`ConvVae.record: eps must have shape [${B}, ${K}], got [${eps.shape}]`);
      const { mean, logVar } = this.encode(xi);
      const q = Normal.fromLogVar(mean, logVar);
      const z = tf.add(q.loc, tf.mul(q.scale, eps));
      const distortion = tf.sum(this.negLogLik(xi, this.decoderOutput(z)), [1, 2, 3]);
      const ratePerDim = kl(q, new Normal(0, 1));
      return rateDistortion({ distortion, ratePerDim }) as unknown as tf.TensorContainer;
    }) as unknown as RateDistortion;
  }

  /** Training step: the record with ε drawn from ctx.rng. The batch is the images or {x: images}. */
  step(batch: Batch, ctx: StepContext): RateDistortion {
    const x = batch instanceof tf.Tensor ? batch : batch.x;
    if (!x)
      throw new Error(
        `ConvVae.step: a named batch needs an "x" tensor (has: ${Object.keys(batch).join(", ") || "none"})`,
      );
    return tf.tidy(
      () => this.record(x, ctx.rng.normalTensor([x.shape[0], this.config.zDim])) as unknown as tf.TensorContainer,
    ) as unknown as RateDistortion;
  }

  /**
   * Means of distortion, rate and ELBO over images ([N, S, S, C] or [N, S·S·C]), without gradients;
   * deterministic for a given rng.
   */
  async evaluate(data: TensorOrArray, opts: EvaluateOptions = {}): Promise<VaeEvaluation> {
    const all = toTensorDataset(data);
    let x: tf.Tensor4D | null = null;
    try {
      const xi = (x = this.images(all.data, "evaluate"));
      const rest = xi.shape.slice(1).map(() => -1);
      const K = this.config.zDim;
      return await evaluateRecords(
        xi.shape[0],
        (start, size, rng) => this.record(tf.slice(xi, [start, 0, 0, 0], [size, ...rest]), rng.normalTensor([size, K])),
        opts,
        "ConvVae.evaluate",
        "conv-vae/evaluate",
      );
    } finally {
      if (x && x !== all.data) x.dispose();
      all.dispose();
    }
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    return this.store.count();
  }

  dispose(): void {
    this.store.dispose();
  }
}

/** Build a conv VAE (the `build` argument of trainOrReload). */
export function createConvVae(config: ConvVaeConfig, rng: Rng): ConvVae {
  return new ConvVae(config, rng);
}
