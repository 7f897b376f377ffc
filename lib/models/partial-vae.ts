// The partial VAE (P-VAE, Ma et al. 2018) with the PointNet-plus encoder of EDDI (Ma et al. 2019), as
// used by VAEquisition (seed 001, App. A) for audiograms:
//   each observed dimension d contributes  f_d = h([x_d, e_d])  (e_d a learned embedding of the
//   dimension's identity, size 16; h a small MLP to 16 features), unobserved dimensions contribute 0;
//   c = Σ_{d∈O} f_d (invariant to the number and order of observed dims) → MLP → μ, log σ² (K each);
//   decoder  z → MLP → means m_d(z), with a learned log-variance per dimension: p(x_d|z) = N(m_d, e^{v_d})
//   (decoderVariance "per-dimension", the default), or, with decoderVariance "amortised", a second
//   decoder head so that the variance depends on z: log σ²_d(z) = v_d + g_d(z) (g's weights start at 0,
//   so the model starts homoscedastic). VAEquisition's decoder "also parametrizes the variances of the
//   observation distribution" and notes they can be lower for unobserved than observed dimensions,
//   which a z-dependent variance allows.
// The partial ELBO counts only observed dimensions in the distortion:
//   distortion = −Σ_d mask_d log p(x_d|z),  rate = KL(q(z|x_O) ‖ N(0, I)).
// Masks are 1 for observed, 0 for unobserved; values at unobserved positions (even NaN) are ignored.
// Issue 5 extends this model (acquisition, information curves); keep the record interface stable.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import { Activation, Mlp, activate, createMlp, dense, mlpForward } from "../nets/mlp";
import { ParamStore, constant, normalInit } from "../nets/params";
import { RateDistortion, rateDistortion } from "../objectives/rate-distortion";
import { kl } from "../prob/kl";
import { Normal } from "../prob/normal";
import type { TensorOrArray } from "../data/dataset";
import { EvaluateOptions, VaeEvaluation, evaluateRecords } from "../eval/records";
import { Batch, toTensorDataset } from "../train/batches";
import type { StepContext, TrainableModel } from "../train/loop";

export interface PartialVaeConfig {
  kind: "partial-vae";
  /** Data dimension D. */
  xDim: number;
  /** Latent dimension K. */
  zDim: number;
  /** Size of the learned per-dimension embedding e_d (EDDI / seed 001: 16). */
  embedDim: number;
  /** Features per observed dimension, the output of h (16). */
  featureDim: number;
  /** Hidden widths of h: [1 + embedDim] → … → featureDim. */
  featureHidden: number[];
  /** Hidden widths of the encoder MLP featureDim → … → 2K. */
  encoderHidden: number[];
  /** Hidden widths of the decoder MLP K → … → D. */
  decoderHidden: number[];
  activation: Activation;
  /** Initial per-dimension log-variance of the Gaussian likelihood (default 0). */
  initLogVar?: number;
  /**
   * "per-dimension" (default; absent means this): one learned log-variance per dimension;
   * "amortised": log σ²_d(z) = v_d + g_d(z) from a second output head of the decoder MLP.
   */
  decoderVariance?: "per-dimension" | "amortised";
}

/** The `pvae` benchmark model: 15-D audiogram-sized data, K = 8 (the largest of VAEquisition's sweep). */
export const PARTIAL_VAE_BENCHMARK: PartialVaeConfig = Object.freeze({
  kind: "partial-vae",
  xDim: 15,
  zDim: 8,
  embedDim: 16,
  featureDim: 16,
  featureHidden: [32],
  encoderHidden: [64],
  decoderHidden: [64],
  activation: "relu",
}) as PartialVaeConfig;

/** Fill defaults: embeddings and features of 16, one hidden layer of 32 in h and 64 in the encoder and decoder, ReLU. */
export function partialVaeConfig(c: Partial<PartialVaeConfig> & { xDim: number; zDim: number }): PartialVaeConfig {
  return {
    kind: "partial-vae",
    xDim: c.xDim,
    zDim: c.zDim,
    embedDim: c.embedDim ?? 16,
    featureDim: c.featureDim ?? 16,
    featureHidden: c.featureHidden ?? [32],
    encoderHidden: c.encoderHidden ?? [64],
    decoderHidden: c.decoderHidden ?? c.encoderHidden?.slice().reverse() ?? [64],
    activation: c.activation ?? "relu",
    ...(c.initLogVar !== undefined ? { initLogVar: c.initLogVar } : {}),
    ...(c.decoderVariance !== undefined && c.decoderVariance !== "per-dimension"
      ? { decoderVariance: c.decoderVariance }
      : {}),
  };
}

function checkConfig(c: PartialVaeConfig): void {
  const where = "lib/models/partial-vae config";
  const posInt = (v: unknown, field: string) => {
    if (!(typeof v === "number" && Number.isInteger(v) && v >= 1))
      throw new Error(`${where}: ${field} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  if (c.kind !== "partial-vae") throw new Error(`${where}: kind must be "partial-vae", got ${JSON.stringify(c.kind)}`);
  for (const f of ["xDim", "zDim", "embedDim", "featureDim"] as const) posInt(c[f], f);
  for (const f of ["featureHidden", "encoderHidden", "decoderHidden"] as const) {
    if (!Array.isArray(c[f])) throw new Error(`${where}: ${f} must be an array of widths`);
    c[f].forEach((h, i) => posInt(h, `${f}[${i}]`));
  }
  if (c.initLogVar !== undefined && !Number.isFinite(c.initLogVar))
    throw new Error(`${where}: initLogVar must be finite, got ${c.initLogVar}`);
  if (c.decoderVariance !== undefined && c.decoderVariance !== "per-dimension" && c.decoderVariance !== "amortised") {
    throw new Error(
      `${where}: decoderVariance must be "per-dimension" or "amortised", got ${JSON.stringify(c.decoderVariance)}`,
    );
  }
}

/** Scale of the encoder output layer's initial weights relative to Glorot-uniform (see the constructor). */
export const ENCODER_OUTPUT_INIT_SCALE = 0.1;

/** x with its unobserved entries (mask m = 0) set to 0, so that their values (even NaN) never enter. Call inside a tidy. */
function observedValues(x: tf.Tensor, m: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(m, 0), x, tf.zerosLike(x));
}

/** Partially observed data: values [N, D] and a 0/1 observation mask [N, D] (default: all observed). */
export interface PartialData {
  x: TensorOrArray;
  mask?: TensorOrArray;
}

/**
 * A P-VAE with parameters `embed` [D, E], `h/<i>/{w,b}` (the first layer's weight is [1 + E, ·]: row 0
 * for x_d, rows 1… for e_d), `enc/<i>/{w,b}`, `dec/<i>/{w,b}`, `dec/logvar` [D]; with an amortised
 * decoder variance the decoder's last layer has 2D outputs (means, then the log-variance offsets g(z)).
 */
export class PartialVae implements TrainableModel {
  readonly store: ParamStore;
  readonly config: PartialVaeConfig;
  /** e_d, one row per dimension [D, E]. */
  readonly embedding: tf.Variable;
  readonly featureNet: Mlp;
  readonly encoder: Mlp;
  readonly decoder: Mlp;
  /** Per-dimension log-variance of p(x_d|z) [D] (with an amortised variance: its z-independent part v_d). */
  readonly logVar: tf.Variable;
  /** Whether log σ²_d depends on z (config.decoderVariance === "amortised"). */
  readonly amortisedVariance: boolean;
  readonly variables: Record<string, tf.Variable>;

  constructor(config: PartialVaeConfig, rng: Rng) {
    checkConfig(config);
    this.config = JSON.parse(JSON.stringify(config)) as PartialVaeConfig;
    const c = this.config;
    this.store = new ParamStore(rng);
    this.embedding = this.store.add("embed", [c.xDim, c.embedDim], normalInit(1));
    // h ends in the activation too (PointNet features), then the features are summed
    this.featureNet = createMlp(this.store, "h", {
      sizes: [1 + c.embedDim, ...c.featureHidden, c.featureDim],
      activation: c.activation,
      outputActivation: c.activation,
    });
    this.encoder = createMlp(this.store, "enc", {
      sizes: [c.featureDim, ...c.encoderHidden, 2 * c.zDim],
      activation: c.activation,
    });
    // The code sums features over the observed dimensions, so it grows with their number (≈ 7 per
    // feature for 15 observed dims at init); with a unit-scale output layer log σ² would start at
    // ±15 and the KL near 1e7 nats. The encoder's output layer therefore starts at 1/10 of its
    // Glorot scale, so q(z|x_O) starts close to N(0, I).
    const out = this.encoder.layers[this.encoder.layers.length - 1].w;
    tf.tidy(() => out.assign(tf.mul(out, ENCODER_OUTPUT_INIT_SCALE)));
    this.amortisedVariance = c.decoderVariance === "amortised";
    this.decoder = createMlp(this.store, "dec", {
      sizes: [c.zDim, ...c.decoderHidden, (this.amortisedVariance ? 2 : 1) * c.xDim],
      activation: c.activation,
    });
    if (this.amortisedVariance) {
      // the log-variance head g(z) starts at exactly 0: columns D…2D−1 of the last layer's weight
      const last = this.decoder.layers[this.decoder.layers.length - 1].w;
      const [hIn] = last.shape;
      tf.tidy(() => last.assign(tf.concat([tf.slice(last, [0, 0], [hIn, c.xDim]), tf.zeros([hIn, c.xDim])], 1)));
    }
    this.logVar = this.store.add("dec/logvar", [c.xDim], constant(c.initLogVar ?? 0));
    this.variables = this.store.variables();
  }

  get xDim(): number {
    return this.config.xDim;
  }

  get zDim(): number {
    return this.config.zDim;
  }

  private check(x: tf.Tensor, mask: tf.Tensor | undefined, where: string): void {
    const D = this.config.xDim;
    if (x.rank !== 2 || x.shape[1] !== D)
      throw new Error(`PartialVae.${where}: data must have shape [B, ${D}], got [${x.shape}]`);
    if (mask && (mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== D))
      throw new Error(
        `PartialVae.${where}: mask must have shape [${x.shape[0]}, ${D}] like the data, got [${mask.shape}]`,
      );
  }

  /** The mask as float 0/1 [B, D] (all ones when absent). Call inside a tidy. */
  private maskOf(x: tf.Tensor, mask?: tf.Tensor): tf.Tensor {
    return mask ? tf.cast(tf.greater(mask, 0.5), "float32") : tf.onesLike(x);
  }

  /**
   * The aggregated PointNet-plus code c = Σ_d mask_d h([x_d, e_d]) [B, featureDim]. The first layer
   * of h on [x_d, e_d] is computed as x_d·W_x + e_d·W_e + b (no [B, D, 1+E] concatenation).
   */
  aggregate(x: tf.Tensor, mask?: tf.Tensor): tf.Tensor2D {
    this.check(x, mask, "aggregate");
    return tf.tidy(() => {
      const m = this.maskOf(x, mask);
      return this.aggregateObserved(observedValues(x, m), m);
    });
  }

  /** aggregate() from the float 0/1 mask m and the values with unobserved entries zeroed. Call inside a tidy. */
  private aggregateObserved(xObs: tf.Tensor, m: tf.Tensor): tf.Tensor2D {
    const [B, D] = xObs.shape;
    const [first, ...rest] = this.featureNet.layers;
    const wx = tf.slice(first.w, [0, 0], [1, -1]); // [1, H1]
    const we = tf.slice(first.w, [1, 0], [-1, -1]); // [E, H1]
    let pre: tf.Tensor = tf.add(tf.mul(tf.reshape(xObs, [B, D, 1]), wx), tf.matMul(this.embedding, we)); // [B, D, H1]
    if (first.b) pre = tf.add(pre, first.b);
    let h: tf.Tensor = activate(pre, first.activation);
    for (const layer of rest) h = dense(h, layer);
    return tf.sum(tf.mul(h, tf.reshape(m, [B, D, 1])), 1) as tf.Tensor2D; // [B, featureDim]
  }

  /** Posterior parameters μ [B, K] and log σ² [B, K] of q(z | x_O). */
  encode(x: tf.Tensor, mask?: tf.Tensor): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    return this.posterior(() => this.aggregate(x, mask));
  }

  /** μ and log σ² from the aggregated code made by `code` (called inside the tidy). */
  private posterior(code: () => tf.Tensor2D): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    const K = this.config.zDim;
    const [mean, logVar] = tf.tidy(() => {
      const out = mlpForward(this.encoder, code());
      return [tf.slice(out, [0, 0], [-1, K]), tf.slice(out, [0, K], [-1, K])];
    });
    return { mean: mean as tf.Tensor2D, logVar: logVar as tf.Tensor2D };
  }

  /** The decoder means m(z) [B, D] (the mean of p(x|z)). */
  decode(z: tf.Tensor): tf.Tensor2D {
    if (this.amortisedVariance) {
      const px = this.decodeDistribution(z);
      px.logVar.dispose();
      return px.mean;
    }
    if (z.rank !== 2 || z.shape[1] !== this.config.zDim)
      throw new Error(`PartialVae.decode: z must have shape [B, ${this.config.zDim}], got [${z.shape}]`);
    return mlpForward(this.decoder, z) as tf.Tensor2D;
  }

  /**
   * p(x|z) = N(mean, e^{logVar}) elementwise: mean [B, D] and logVar [B, D] (the per-dimension
   * log-variance broadcast over B unless the variance is amortised).
   */
  decodeDistribution(z: tf.Tensor): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    if (z.rank !== 2 || z.shape[1] !== this.config.zDim)
      throw new Error(`PartialVae.decode: z must have shape [B, ${this.config.zDim}], got [${z.shape}]`);
    const D = this.config.xDim;
    const [mean, logVar] = tf.tidy(() => {
      const out = mlpForward(this.decoder, z);
      if (!this.amortisedVariance) return [out, tf.mul(tf.onesLike(out), this.logVar)];
      return [tf.slice(out, [0, 0], [-1, D]), tf.add(tf.slice(out, [0, D], [-1, D]), this.logVar)];
    });
    return { mean: mean as tf.Tensor2D, logVar: logVar as tf.Tensor2D };
  }

  /**
   * −log p(x_d|z) per element [B, D] (all dimensions; the record masks it), for decoder means [B, D]
   * and log-variances [B, D] (default: the per-dimension ones). Call inside a tidy.
   */
  negLogLik(x: tf.Tensor, means: tf.Tensor, logVar: tf.Tensor = this.logVar): tf.Tensor {
    const scale = tf.exp(tf.mul(logVar, 0.5));
    return tf.neg(new Normal(means, scale).logProb(x));
  }

  /**
   * The partial-ELBO record for x [B, D] with mask [B, D] (1 = observed) and noise ε [B, K]:
   * distortion = −Σ_{d observed} log p(x_d|z), rate = KL(q(z|x_O) ‖ N(0, I)) with ratePerDim. Call inside tf.tidy.
   */
  record(x: tf.Tensor, mask: tf.Tensor | undefined, eps: tf.Tensor): RateDistortion {
    this.check(x, mask, "record");
    const B = x.shape[0],
      K = this.config.zDim;
    if (eps.rank !== 2 || eps.shape[0] !== B || eps.shape[1] !== K)
      throw new Error(`PartialVae.record: eps must have shape [${B}, ${K}], got [${eps.shape}]`);
    return tf.tidy(() => {
      // the mask and the zeroed values once, for the encoder and the distortion
      const m = this.maskOf(x, mask);
      const xObs = observedValues(x, m);
      const { mean, logVar } = this.posterior(() => this.aggregateObserved(xObs, m));
      const q = Normal.fromLogVar(mean, logVar);
      const z = tf.add(q.loc, tf.mul(q.scale, eps));
      // per-dimension variance: broadcast the [D] log-variance (no [B, D] copy); amortised: the [B, D] head
      const nll = this.amortisedVariance
        ? (() => {
            const px = this.decodeDistribution(z);
            return this.negLogLik(xObs, px.mean, px.logVar);
          })()
        : this.negLogLik(xObs, mlpForward(this.decoder, z));
      const distortion = tf.sum(tf.mul(nll, m), 1);
      const ratePerDim = kl(q, new Normal(0, 1));
      return rateDistortion({ distortion, ratePerDim }) as unknown as tf.TensorContainer;
    }) as unknown as RateDistortion;
  }

  /** Training step on a batch {x, mask} (or x alone: fully observed); ε from ctx.rng. */
  step(batch: Batch, ctx: StepContext): RateDistortion {
    const x = batch instanceof tf.Tensor ? batch : batch.x;
    if (!x)
      throw new Error(
        `PartialVae.step: a named batch needs an "x" tensor (has: ${Object.keys(batch).join(", ") || "none"})`,
      );
    const mask = batch instanceof tf.Tensor ? undefined : batch.mask;
    return tf.tidy(
      () => this.record(x, mask, ctx.rng.normalTensor([x.shape[0], this.config.zDim])) as unknown as tf.TensorContainer,
    ) as unknown as RateDistortion;
  }

  /** Means of the partial-ELBO record over a data set (distortion over observed dims only). */
  async evaluate(data: PartialData | tf.Tensor, opts: EvaluateOptions = {}): Promise<VaeEvaluation> {
    const d = data instanceof tf.Tensor ? { x: data } : data;
    const x = toTensorDataset(d.x),
      mask = d.mask ? toTensorDataset(d.mask) : undefined;
    try {
      this.check(x.data, mask?.data, "evaluate");
      const K = this.config.zDim;
      const rows = (t: tf.Tensor, start: number, size: number) => tf.slice(t, [start, 0], [size, -1]);
      return await evaluateRecords(
        x.data.shape[0],
        (start, size, rng) =>
          this.record(
            rows(x.data, start, size),
            mask ? rows(mask.data, start, size) : undefined,
            rng.normalTensor([size, K]),
          ),
        opts,
        "PartialVae.evaluate",
        "partial-vae/evaluate",
      );
    } finally {
      x.dispose();
      mask?.dispose();
    }
  }

  parameterCount(): number {
    return this.store.count();
  }

  dispose(): void {
    this.store.dispose();
  }
}

export function createPartialVae(config: PartialVaeConfig, rng: Rng): PartialVae {
  return new PartialVae(config, rng);
}
