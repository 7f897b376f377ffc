// A plain MLP VAE: encoder MLP → diagonal Gaussian posterior q(z|x) = N(μ, diag(exp(log σ²))),
// standard-normal prior, decoder MLP → a factorised likelihood p(x|z) (Gaussian with a learned or
// fixed per-dimension standard deviation, or Bernoulli logits). Its training step returns the
// RateDistortion record (distortion = −log p(x|z) summed over data dims with one reparameterised z,
// rate = closed-form KL(q‖p) summed over latents, ratePerDim [B, K]); a rate controller in the
// training loop turns it into the loss. The config is plain JSON so it can be part of a run's hash.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
// explicit files, not the folder index: tslab cannot import a folder implicitly
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

/** p(x|z) = Π_d N(x_d; m_d(z), σ_d²); σ is one learned variable per data dim, or fixed. */
export interface GaussianLikelihood {
  kind: "gaussian";
  /** "learned": σ_d are trained (parameter `dec/logstd`); "fixed": σ_d = std for every d. */
  variance: "learned" | "fixed";
  /** The fixed σ, or the initial σ when learned (default 1). */
  std?: number;
}

/** p(x|z) = Π_d Bernoulli(x_d; sigmoid(l_d(z))); x may be binary or in [0, 1] (then it is the cross-entropy). */
export interface BernoulliLikelihood {
  kind: "bernoulli";
}

export type Likelihood = GaussianLikelihood | BernoulliLikelihood;

/** Everything that defines an MLP VAE's architecture (plain JSON: it goes into a run's config hash). */
export interface MlpVaeConfig {
  kind: "mlp-vae";
  /** Data dimension D (inputs are [B, D]). */
  xDim: number;
  /** Latent dimension K. */
  zDim: number;
  /** Hidden widths of the encoder D → … → 2K (the last layer outputs μ and log σ², K each). */
  encoderHidden: number[];
  /** Hidden widths of the decoder K → … → D. */
  decoderHidden: number[];
  /** Activation of every hidden layer (outputs are linear). */
  activation: Activation;
  /** Dense layers have biases. */
  bias: boolean;
  likelihood: Likelihood;
}

/**
 * The `mlp-vae` benchmark model: 784-512-2×32 encoder, 32-512-784 decoder, no biases, ReLU,
 * Bernoulli logits (binarised-MNIST sized; also the engine benchmark of DESIGN.md).
 */
export const MLP_VAE_BENCHMARK: MlpVaeConfig = Object.freeze({
  kind: "mlp-vae",
  xDim: 784,
  zDim: 32,
  encoderHidden: [512],
  decoderHidden: [512],
  activation: "relu",
  bias: false,
  likelihood: { kind: "bernoulli" },
}) as MlpVaeConfig;

/** Named architectures, so benchmarks and notebooks can ask for one by name. */
export const MLP_VAE_PRESETS: Readonly<Record<string, MlpVaeConfig>> = Object.freeze({ "mlp-vae": MLP_VAE_BENCHMARK });

/** A preset by name (a fresh copy), or an error listing the names. */
export function mlpVaePreset(name: string): MlpVaeConfig {
  const c = MLP_VAE_PRESETS[name];
  if (!c) throw new Error(`lib/models/mlp-vae: no preset "${name}" (have: ${Object.keys(MLP_VAE_PRESETS).join(", ")})`);
  return JSON.parse(JSON.stringify(c)) as MlpVaeConfig;
}

/** Fill defaults: ReLU, biases, one hidden layer of 64 each way, learned-σ Gaussian likelihood. */
export function mlpVaeConfig(c: Partial<MlpVaeConfig> & { xDim: number; zDim: number }): MlpVaeConfig {
  return {
    kind: "mlp-vae",
    xDim: c.xDim,
    zDim: c.zDim,
    encoderHidden: c.encoderHidden ?? [64],
    decoderHidden: c.decoderHidden ?? c.encoderHidden?.slice().reverse() ?? [64],
    activation: c.activation ?? "relu",
    bias: c.bias ?? true,
    likelihood: c.likelihood ?? { kind: "gaussian", variance: "learned", std: 1 },
  };
}

function checkConfig(c: MlpVaeConfig): void {
  const where = "lib/models/mlp-vae config";
  const posInt = (v: unknown, field: string) => {
    if (!(typeof v === "number" && Number.isInteger(v) && v >= 1))
      throw new Error(`${where}: ${field} must be a positive integer, got ${JSON.stringify(v)}`);
  };
  if (c.kind !== "mlp-vae") throw new Error(`${where}: kind must be "mlp-vae", got ${JSON.stringify(c.kind)}`);
  posInt(c.xDim, "xDim");
  posInt(c.zDim, "zDim");
  if (!Array.isArray(c.encoderHidden)) throw new Error(`${where}: encoderHidden must be an array of widths`);
  if (!Array.isArray(c.decoderHidden)) throw new Error(`${where}: decoderHidden must be an array of widths`);
  c.encoderHidden.forEach((h, i) => posInt(h, `encoderHidden[${i}]`));
  c.decoderHidden.forEach((h, i) => posInt(h, `decoderHidden[${i}]`));
  const lk = c.likelihood;
  const kind = (lk as { kind?: unknown } | undefined)?.kind;
  if (kind !== "gaussian" && kind !== "bernoulli")
    throw new Error(`${where}: likelihood.kind must be "gaussian" or "bernoulli", got ${JSON.stringify(kind)}`);
  if (lk.kind === "gaussian") {
    if (lk.variance !== "learned" && lk.variance !== "fixed")
      throw new Error(`${where}: likelihood.variance must be "learned" or "fixed", got ${JSON.stringify(lk.variance)}`);
    if (lk.std !== undefined && !(lk.std > 0 && Number.isFinite(lk.std)))
      throw new Error(`${where}: likelihood.std must be a positive number, got ${lk.std}`);
  }
}

/** An MLP VAE whose parameters live in a ParamStore (`enc/i/w`, `dec/i/w`, biases `…/b`, `dec/logstd`). */
export class MlpVae implements TrainableModel {
  readonly store: ParamStore;
  readonly config: MlpVaeConfig;
  readonly encoder: Mlp;
  readonly decoder: Mlp;
  /** Learned log σ of the Gaussian likelihood [D], or null. */
  readonly logStd: tf.Variable | null;
  readonly variables: Record<string, tf.Variable>;

  /** Build the parameters, initialised from `rng` (He-uniform for ReLU-like layers, Glorot otherwise; zero biases). */
  constructor(config: MlpVaeConfig, rng: Rng) {
    checkConfig(config);
    this.config = JSON.parse(JSON.stringify(config)) as MlpVaeConfig;
    const c = this.config;
    this.store = new ParamStore(rng);
    this.encoder = createMlp(this.store, "enc", {
      sizes: [c.xDim, ...c.encoderHidden, 2 * c.zDim],
      activation: c.activation,
      bias: c.bias,
    });
    this.decoder = createMlp(this.store, "dec", {
      sizes: [c.zDim, ...c.decoderHidden, c.xDim],
      activation: c.activation,
      bias: c.bias,
    });
    const lk = c.likelihood;
    this.logStd =
      lk.kind === "gaussian" && lk.variance === "learned"
        ? this.store.add("dec/logstd", [c.xDim], constant(Math.log(lk.std ?? 1)))
        : null;
    this.variables = this.store.variables();
  }

  get xDim(): number {
    return this.config.xDim;
  }

  get zDim(): number {
    return this.config.zDim;
  }

  private checkX(x: tf.Tensor, where: string): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.config.xDim) {
      throw new Error(`MlpVae.${where}: data must have shape [B, ${this.config.xDim}], got [${x.shape}]`);
    }
    return x as tf.Tensor2D;
  }

  /** Posterior parameters μ [B, K] and log σ² [B, K] (new tensors; the caller disposes them). */
  encode(x: tf.Tensor): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    const x2 = this.checkX(x, "encode");
    const K = this.config.zDim;
    const [mean, logVar] = tf.tidy(() => {
      const h = mlpForward(this.encoder, x2);
      return [tf.slice(h, [0, 0], [-1, K]), tf.slice(h, [0, K], [-1, K])];
    });
    return { mean: mean as tf.Tensor2D, logVar: logVar as tf.Tensor2D };
  }

  /** The decoder's raw output [B, D]: the Gaussian mean, or the Bernoulli logits. */
  decoderOutput(z: tf.Tensor): tf.Tensor2D {
    if (z.rank !== 2 || z.shape[1] !== this.config.zDim)
      throw new Error(`MlpVae.decode: z must have shape [B, ${this.config.zDim}], got [${z.shape}]`);
    return mlpForward(this.decoder, z) as tf.Tensor2D;
  }

  /** The mean of p(x|z) [B, D]: the Gaussian mean, or sigmoid(logits) for Bernoulli (the caller disposes it). */
  decode(z: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const out = this.decoderOutput(z);
      return (this.config.likelihood.kind === "bernoulli" ? tf.sigmoid(out) : out) as tf.Tensor2D;
    });
  }

  /** −log p(x|z) per element [B, D] from the decoder output. Call inside a tidy. */
  private negLogLik(x: tf.Tensor2D, out: tf.Tensor2D): tf.Tensor {
    const lk = this.config.likelihood;
    if (lk.kind === "bernoulli") return tf.neg(new Bernoulli(out).logProb(x));
    const scale = this.logStd ? tf.exp(this.logStd) : tf.scalar(lk.std ?? 1);
    return tf.neg(new Normal(out, scale).logProb(x));
  }

  /**
   * The RateDistortion record for x [B, D] with the reparameterisation noise ε [B, K] given:
   * z = μ + exp(½ log σ²)·ε. Tensors are new; call inside tf.tidy (or dispose the record).
   */
  record(x: tf.Tensor, eps: tf.Tensor): RateDistortion {
    const x2 = this.checkX(x, "record");
    const B = x2.shape[0],
      K = this.config.zDim;
    if (eps.rank !== 2 || eps.shape[0] !== B || eps.shape[1] !== K)
      throw new Error(`MlpVae.record: eps must have shape [${B}, ${K}], got [${eps.shape}]`);
    // tidy keeps the tensors nested in the returned record
    return tf.tidy(() => {
      const { mean, logVar } = this.encode(x2);
      const q = Normal.fromLogVar(mean, logVar);
      const z = tf.add(q.loc, tf.mul(q.scale, eps));
      const distortion = tf.sum(this.negLogLik(x2, this.decoderOutput(z)), 1);
      const ratePerDim = kl(q, new Normal(0, 1));
      return rateDistortion({ distortion, ratePerDim }) as unknown as tf.TensorContainer;
    }) as unknown as RateDistortion;
  }

  /** Training step: the record with ε drawn from ctx.rng (so a resumed run repeats the same noise). */
  step(batch: Batch, ctx: StepContext): RateDistortion {
    const x = batchTensor(batch);
    const eps = ctx.rng.normalTensor([x.shape[0], this.config.zDim]);
    return this.record(x, eps);
  }

  /**
   * Means of distortion, rate and ELBO over a data set ([N, D]), without gradients. Deterministic for a given
   * rng (default: a fixed stream), so a reloaded model evaluates to exactly the same numbers.
   */
  async evaluate(data: TensorOrArray, opts: EvaluateOptions = {}): Promise<VaeEvaluation> {
    const all = toTensorDataset(data);
    try {
      const x = this.checkX(all.data, "evaluate");
      const K = this.config.zDim;
      return await evaluateRecords(
        x.shape[0],
        (start, size, rng) => this.record(tf.slice(x, [start, 0], [size, -1]), rng.normalTensor([size, K])),
        opts,
        "MlpVae.evaluate",
        "mlp-vae/evaluate",
      );
    } finally {
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

/** The data tensor of a batch: the batch itself, or its `x` field. */
function batchTensor(batch: Batch): tf.Tensor {
  if (batch instanceof tf.Tensor) return batch;
  const x = batch.x;
  if (!x)
    throw new Error(`MlpVae.step: a named batch needs an "x" tensor (has: ${Object.keys(batch).join(", ") || "none"})`);
  return x;
}

/** Build an MLP VAE (the `build` argument of trainOrReload: `(c, rng) => createMlpVae(c.model as MlpVaeConfig, rng)`). */
export function createMlpVae(config: MlpVaeConfig, rng: Rng): MlpVae {
  return new MlpVae(config, rng);
}
