// The PDisVAE family (seed 002): one VAE with the five methods compared in Sec. 4, chosen by
// `config.method`, on a linear encoder/decoder (the synthetic sets, Sec. 4.1 / A.4.2) or the Burgess
// et al. (2018) conv encoder/decoder (pdSprites 32×32, Sec. 4.2).
//
//   method        prior p(z)                    rate R_b (nats)                         penalty
//   "vae"         N(0, I)                       KL(q(z|x_b) ‖ p), closed form           —
//   "ica"         Π_k logcosh(z_k) (unit var.)  E_q[log q(z|x_b) − log p(z)], 1 sample  —
//   "isa-vae"     Lp-nested ISA (G groups × H)  E_q[log q(z|x_b) − log p(z)], 1 sample  —
//   "beta-tcvae"  N(0, I)                       closed form                             β·TC
//   "pdisvae"     N(0, I)                       closed form                             β·PC
//
// Objective (Eq. 1 and 3, exactly as the paper writes them): L = mean_n ELBO(x_n) − β·KL(q(z) ‖ Π q(·)),
// so the loss is  mean_b [D_b + R_b] + β·PĈ  with PC = KL(q(z) ‖ Π_g q(z_g)) (TC: every dimension its own
// group). Note that this puts weight 1 + β on TC in total, since the KL term of the ELBO already contains
// one TC (Chen et al. 2018's decomposition KL = MI + TC + dimension-wise KL); Chen et al.'s β-TCVAE
// weight β_Chen on TC is our 1 + β (the paper's β = 4 is β_Chen = 5).
//
// Estimators. TC/PC per sample i: log q̂(z_i) − Σ_g log q̂(z_{i,g}), each q̂ the minibatch estimate of the
// aggregate posterior q(z) = (1/N) Σ_n q(z|x_n) (lib/prob/aggregate: IS by default, MSS or MWS; N is
// `config.datasetSize`, the size of the training set), evaluated at z_i ~ q(z|x_i), the same
// reparameterised sample as the distortion; gradients flow through z, μ and log σ². The batch mean of
// the [B] term is the estimate. The ICA and ISA-VAE rates have no closed form; `rateEstimator` picks
//   "sample":  log q(z|x) − log p(z) at the one reparameterised z (= −½ε² − ½ log σ² − ½ log 2π − log p(z)),
//   "entropy": −H[q(z|x)] − log p(z) (the Gaussian entropy in closed form, only the cross term sampled);
// both are unbiased for the KL.
//
// The record. distortion D_b = −log p(x_b|z) summed over data dims; rate R_b = the KL to the prior (or
// its estimate), ratePerDim [B, K] where the prior factorises (not for ISA-VAE); elbo = −(D + R); terms
// {pc, tc}: the batch PC with the model's grouping and the batch TC, both reported for every method
// (`monitor`, default true), only the method's own one weighted. The weight enters through the rate
// controller of `model.controller()` (lib/objectives/penalties): TRAIN WITH
//   train(model, { ..., controller: model.controller() })
// — the default controller of train() alone would optimise the plain negative ELBO for every method.
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import { RateController, fixedBeta } from "../objectives/controllers";
import { withTermPenalties } from "../objectives/penalties";
import { RateDistortion, rateDistortion } from "../objectives/rate-distortion";
import { BatchEstimator, BATCH_ESTIMATORS, pairwiseLogNormal } from "../prob/aggregate";
import { Bernoulli } from "../prob/bernoulli";
import { contiguousGroups, partialCorrelation, totalCorrelation, validateGroups } from "../prob/correlation";
import { kl } from "../prob/kl";
import { Logcosh } from "../prob/logcosh";
import { LpNestedIsa } from "../prob/lp-nested";
import { HALF_LOG_2PI, Normal } from "../prob/normal";
import type { ArrayN, Matrix, TensorOrArray } from "../data/dataset";
import { EvaluateOptions, evaluateBatches } from "../eval/records";
import { Batch, toTensorDataset } from "../train/batches";
import type { StepContext, TrainableModel } from "../train/loop";
import { ConvVae, ConvVaeConfig, convVaeConfig } from "./conv-vae";
import { Likelihood, MlpVae, MlpVaeConfig } from "./mlp-vae";

export type PdisVaeMethod = "vae" | "ica" | "isa-vae" | "beta-tcvae" | "pdisvae";
export const PDISVAE_METHODS: readonly PdisVaeMethod[] = ["vae", "ica", "isa-vae", "beta-tcvae", "pdisvae"];

/** The Lp-nested ISA prior of "isa-vae" (lib/prob/lp-nested): p(z) ∝ Π_g exp(−‖z_g‖_{innerP}^{outerP} / (outerP·s_g)). */
export interface IsaPriorConfig {
  /** p₀, the Lp exponent within a group (2 = spherical groups). */
  innerP: number;
  /** p, the exponent across groups and the power of the Lp-nested function in the density. */
  outerP: number;
  /** s shared by all groups, or "unit-variance": s_g so that every coordinate has variance 1. */
  scale: number | "unit-variance";
}

/** Everything that defines a PDisVAE-family model (plain JSON: it goes into a run's config hash). */
export interface PdisVaeConfig {
  kind: "pdisvae";
  method: PdisVaeMethod;
  /** Encoder/decoder: an MLP VAE config (no hidden layers = the linear model) or a conv VAE config. Its zDim is K. */
  net: MlpVaeConfig | ConvVaeConfig;
  /** Sizes H_g of the contiguous latent groups (Σ = K); G = groupSizes.length. Used by PC, by the ISA prior and by the evaluation. */
  groupSizes: number[];
  /** Weight of the TC ("beta-tcvae") or PC ("pdisvae") term; ignored by the other methods. */
  beta: number;
  /** Minibatch estimator of log q(z) for TC / PC. */
  estimator: BatchEstimator;
  /** N: the number of training examples the batches are drawn from (the estimators need it). */
  datasetSize: number;
  /** Estimator of the ICA / ISA-VAE rate (see the header). */
  rateEstimator: "sample" | "entropy";
  /** Parameters of the ISA-VAE prior (used by "isa-vae" only). */
  isa: IsaPriorConfig;
  /** Report batch TC and PC as record terms for every method (default true); false computes only the penalised one. */
  monitor: boolean;
}

/** What pdisVaeConfig() needs; everything else has the paper's defaults. */
export interface PdisVaeConfigInput {
  method: PdisVaeMethod;
  net: MlpVaeConfig | ConvVaeConfig;
  datasetSize: number;
  /** G equal groups (K divisible by G), or give groupSizes. Default: G = K for "beta-tcvae" and "ica", else required. */
  groups?: number;
  groupSizes?: number[];
  /** Default 4 (Sec. 4.1 / 4.2). */
  beta?: number;
  /** Default "IS" (Sec. 3.3). */
  estimator?: BatchEstimator | Lowercase<BatchEstimator>;
  /** Default "sample". */
  rateEstimator?: "sample" | "entropy";
  /** Default {innerP: 2, outerP: 1, scale: "unit-variance"} (our choice; see the README of the model). */
  isa?: Partial<IsaPriorConfig>;
  monitor?: boolean;
}

/** Default ISA prior: spherical groups (p₀ = 2), Laplace-like group norms (p = 1), unit coordinate variance. */
export const DEFAULT_ISA_PRIOR: Readonly<IsaPriorConfig> = Object.freeze({
  innerP: 2,
  outerP: 1,
  scale: "unit-variance",
});

/** The latent dimension K of a net config. */
export function netZDim(net: MlpVaeConfig | ConvVaeConfig): number {
  return net.zDim;
}

/** Fill a config: equal groups from `groups`, β = 4, IS, one-sample MC rates, the default ISA prior. */
export function pdisVaeConfig(c: PdisVaeConfigInput): PdisVaeConfig {
  const K = netZDim(c.net);
  let groupSizes = c.groupSizes;
  if (!groupSizes) {
    const G = c.groups ?? (c.method === "beta-tcvae" || c.method === "ica" ? K : undefined);
    if (G === undefined) throw new Error(`pdisVaeConfig: give groups (G) or groupSizes for method "${c.method}"`);
    if (!(Number.isInteger(G) && G >= 1 && K % G === 0))
      throw new Error(`pdisVaeConfig: G = ${G} groups must divide K = ${K}`);
    groupSizes = new Array<number>(G).fill(K / G);
  }
  const out: PdisVaeConfig = {
    kind: "pdisvae",
    method: c.method,
    net: JSON.parse(JSON.stringify(c.net)),
    groupSizes: groupSizes.slice(),
    beta: c.beta ?? 4,
    estimator: (c.estimator ?? "IS").toUpperCase() as BatchEstimator,
    datasetSize: c.datasetSize,
    rateEstimator: c.rateEstimator ?? "sample",
    isa: { ...DEFAULT_ISA_PRIOR, ...(c.isa ?? {}) },
    monitor: c.monitor ?? true,
  };
  checkConfig(out);
  return out;
}

/**
 * The linear encoder/decoder of Sec. 4.1: x → (μ, log σ²) and z → x affine maps (an MlpVae config without
 * hidden layers), Gaussian likelihood with a learned per-dimension noise σ_d (initial σ = 1 unless given).
 */
export function linearNet(
  xDim: number,
  zDim: number,
  likelihood: Likelihood = { kind: "gaussian", variance: "learned", std: 1 },
): MlpVaeConfig {
  return {
    kind: "mlp-vae",
    xDim,
    zDim,
    encoderHidden: [],
    decoderHidden: [],
    activation: "linear",
    bias: true,
    likelihood,
  };
}

/** The Burgess et al. conv encoder/decoder for S×S×C images with K latents (default: pdSprites, 32×32×1, Bernoulli). */
export function convNet(c: Partial<ConvVaeConfig> & { zDim: number }): ConvVaeConfig {
  return convVaeConfig({ imageSize: 32, channels: 1, likelihood: { kind: "bernoulli" }, ...c });
}

/**
 * Named set-ups of the paper (method and N still to choose):
 *  "groupwise-linear": Sec. 4.1, D = 20, K = 6, G = 3 groups of H = 2, β = 4, linear net;
 *  "independent-linear": A.4.2, D = 20, K = 6 learned for 3 true latents, G = 3 × H = 2 for PDisVAE;
 *  "pdsprites-conv": Sec. 4.2, 32×32×1 images, K = 4 = 2 groups × 2, β = 4, Burgess conv net, Bernoulli.
 */
export function pdisVaePreset(
  name: "groupwise-linear" | "independent-linear" | "pdsprites-conv",
  method: PdisVaeMethod,
  datasetSize: number,
): PdisVaeConfig {
  switch (name) {
    case "groupwise-linear":
    case "independent-linear":
      return pdisVaeConfig({ method, net: linearNet(20, 6), datasetSize, groupSizes: [2, 2, 2] });
    case "pdsprites-conv":
      return pdisVaeConfig({ method, net: convNet({ zDim: 4 }), datasetSize, groupSizes: [2, 2] });
    default:
      throw new Error(
        `pdisVaePreset: unknown preset "${name as string}" (have groupwise-linear, independent-linear, pdsprites-conv)`,
      );
  }
}

function checkConfig(c: PdisVaeConfig): void {
  const where = "lib/models/pdisvae config";
  if (c.kind !== "pdisvae") throw new Error(`${where}: kind must be "pdisvae", got ${JSON.stringify(c.kind)}`);
  if (!PDISVAE_METHODS.includes(c.method))
    throw new Error(`${where}: method must be one of ${PDISVAE_METHODS.join(", ")}, got ${JSON.stringify(c.method)}`);
  const netKind = (c.net as { kind?: unknown } | undefined)?.kind;
  if (netKind !== "mlp-vae" && netKind !== "conv-vae")
    throw new Error(`${where}: net.kind must be "mlp-vae" or "conv-vae", got ${JSON.stringify(netKind)}`);
  const K = netZDim(c.net);
  if (!Array.isArray(c.groupSizes) || c.groupSizes.length === 0)
    throw new Error(`${where}: groupSizes must be a non-empty array`);
  c.groupSizes.forEach((h, g) => {
    if (!(Number.isInteger(h) && h >= 1))
      throw new Error(`${where}: groupSizes[${g}] must be a positive integer, got ${h}`);
  });
  const sum = c.groupSizes.reduce((a, b) => a + b, 0);
  if (sum !== K)
    throw new Error(`${where}: groupSizes [${c.groupSizes}] sum to ${sum}, but the net has K = ${K} latents`);
  if (!(typeof c.beta === "number" && Number.isFinite(c.beta) && c.beta >= 0))
    throw new Error(`${where}: beta must be a finite number ≥ 0, got ${c.beta}`);
  if (!BATCH_ESTIMATORS.includes(c.estimator))
    throw new Error(`${where}: estimator must be MWS, MSS or IS, got ${JSON.stringify(c.estimator)}`);
  if (!(Number.isInteger(c.datasetSize) && c.datasetSize >= 2))
    throw new Error(`${where}: datasetSize (N) must be an integer ≥ 2, got ${c.datasetSize}`);
  if (c.rateEstimator !== "sample" && c.rateEstimator !== "entropy")
    throw new Error(`${where}: rateEstimator must be "sample" or "entropy", got ${JSON.stringify(c.rateEstimator)}`);
  const isa = c.isa;
  for (const f of ["innerP", "outerP"] as const) {
    if (!(typeof isa?.[f] === "number" && isa[f] > 0 && Number.isFinite(isa[f])))
      throw new Error(`${where}: isa.${f} must be a finite number > 0, got ${isa?.[f]}`);
  }
  if (isa.scale !== "unit-variance" && !(typeof isa.scale === "number" && isa.scale > 0 && Number.isFinite(isa.scale)))
    throw new Error(`${where}: isa.scale must be "unit-variance" or a number > 0, got ${JSON.stringify(isa.scale)}`);
  if (typeof c.monitor !== "boolean")
    throw new Error(`${where}: monitor must be true or false, got ${JSON.stringify(c.monitor)}`);
}

/** The record term each method penalises with weight β, or null. */
export function penaltyTerm(method: PdisVaeMethod): "tc" | "pc" | null {
  return method === "pdisvae" ? "pc" : method === "beta-tcvae" ? "tc" : null;
}

/**
 * The one-sample Monte-Carlo KL(q(z|x) ‖ p) per dimension for a diagonal Gaussian q = N(μ, e^{log σ²}) at
 * z = μ + σ·ε: "sample" gives log q(z) − [per-dim log p], "entropy" −H[q] − [per-dim log p]. `logPrior`
 * maps z [B, K] to log p(z) per dimension [B, K] (or to [B] for a non-factorised prior, then the result is [B]).
 * Both are unbiased for the KL; their mean over ε is checked against closed forms in the tests.
 */
export function monteCarloRate(
  mean: tf.Tensor,
  logVar: tf.Tensor,
  eps: tf.Tensor,
  logPrior: (z: tf.Tensor) => tf.Tensor,
  mode: "sample" | "entropy" = "sample",
): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
    // log q(z|x) at z = μ + σε is −½ε² − ½ log σ² − ½ log 2π (exactly, with ε held fixed); its mean over ε gives −H.
    const quad = mode === "sample" ? tf.mul(tf.square(eps), -0.5) : tf.fill(eps.shape, -0.5);
    const logQ = tf.sub(tf.sub(quad, tf.mul(logVar, 0.5)), HALF_LOG_2PI);
    const lp = logPrior(z);
    return lp.rank === logQ.rank ? tf.sub(logQ, lp) : tf.sub(tf.sum(logQ, -1), lp);
  });
}

export interface PdisVaeEvaluation {
  /** Mean −log p(x|z), z ~ q(z|x). */
  distortion: number;
  /** Mean KL(q(z|x) ‖ p(z)) (closed form, or its one-sample estimate averaged over `samples` draws). */
  rate: number;
  /** −(distortion + rate). */
  elbo: number;
  n: number;
}

export interface CorrelationOptions {
  /** z_i ~ q(z|x_i) (default true), or z_i = μ_i. */
  sample?: boolean;
  /** Stream of the z draws (default a fixed stream). */
  rng?: Rng | Seed;
  /** Grouping for PC (default the model's groups). */
  groups?: number[][];
  /** Rows per chunk of the N×N pairwise densities (default 256). */
  chunk?: number;
  /**
   * Estimate with the minibatch IS estimator instead of the whole-set aggregate: rows shuffled by `rng`
   * and cut into batches of this size M (rows after the last full batch unused, their pcPerExample NaN),
   * N = the number of rows — as lib/eval/dependence's isPartialCorrelation does for true latents.
   */
  batch?: number;
  /** Examples per encoder pass (default 512). */
  batchSize?: number;
}

export interface DatasetCorrelation {
  /** PC = KL(q(z) ‖ Π_g q(z_g)) estimated as mean_i [log q(z_i) − Σ_g log q(z_ig)], nats. */
  pc: number;
  /** TC, the same with every dimension its own group. */
  tc: number;
  /** Per-example PC terms [N] (NaN for rows a batched estimate left out). */
  pcPerExample: Float32Array;
  /** Rows the estimate averages over. */
  n: number;
}

export interface TraversalOptions {
  /** Vary this latent dimension … */
  dim?: number;
  /** … or every dimension of this group (a grid over the group's H dims, first dim slowest). */
  group?: number;
  /** Values each varied dimension takes. */
  values: number[];
  /** The other dimensions (default all 0). */
  base?: number[];
}

export interface Traversal {
  /** The latent points [P, K]. */
  z: Matrix;
  /** Decoded means of p(x|z) for each point, [P, …] (the data shape). */
  x: ArrayN;
}

function checkEstimatorBatch(M: number, c: PdisVaeConfig, where: string): void {
  if (M > c.datasetSize)
    throw new Error(
      `${where}: batch of ${M} examples exceeds datasetSize N = ${c.datasetSize}; set the config's datasetSize to the training-set size`,
    );
  if (M < 2 && c.estimator !== "MWS")
    throw new Error(
      `${where}: the ${c.estimator} estimator needs batches of ≥ 2 examples, got ${M} (train with dropRemainder: true or a batch size that does not leave a last batch of 1)`,
    );
}

/**
 * A PDisVAE-family model. Parameters are the backbone's (`net`): MlpVae names (`enc/0/w`, `dec/0/w`,
 * `dec/logstd`, …) for the linear model, ConvVae names for the conv model.
 */
export class PdisVae implements TrainableModel {
  readonly config: PdisVaeConfig;
  readonly net: MlpVae | ConvVae;
  readonly variables: Record<string, tf.Variable>;
  /** The latent groups (contiguous, from groupSizes). */
  readonly groups: number[][];
  /** The ISA prior (method "isa-vae"), else null. */
  readonly isaPrior: LpNestedIsa | null;

  constructor(config: PdisVaeConfig, rng: Rng) {
    checkConfig(config);
    this.config = JSON.parse(JSON.stringify(config)) as PdisVaeConfig;
    const c = this.config;
    this.net = c.net.kind === "conv-vae" ? new ConvVae(c.net, rng) : new MlpVae(c.net, rng);
    this.variables = this.net.variables;
    this.groups = contiguousGroups(c.groupSizes);
    this.isaPrior =
      c.method === "isa-vae"
        ? new LpNestedIsa({ groupSizes: c.groupSizes, innerP: c.isa.innerP, outerP: c.isa.outerP, scale: c.isa.scale })
        : null;
  }

  get zDim(): number {
    return this.config.net.zDim;
  }

  get method(): PdisVaeMethod {
    return this.config.method;
  }

  /** The term this method weights by β ("pc", "tc") or null. */
  get penaltyTerm(): "tc" | "pc" | null {
    return penaltyTerm(this.config.method);
  }

  /**
   * The rate controller that makes the loss mean(D + R) + β·mean(term) (Eq. 1 / 3): `inner` (default
   * fixedBeta(1)) plus the method's weighted penalty. Pass it to train().
   */
  controller(inner: RateController = fixedBeta(1)): RateController {
    const t = this.penaltyTerm;
    return withTermPenalties(inner, t ? { [t]: this.config.beta } : {});
  }

  /** Posterior parameters μ [B, K], log σ² [B, K] (new tensors). */
  encode(x: tf.Tensor): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    return this.net.encode(x);
  }

  /** Raw decoder output (Gaussian mean or Bernoulli logits), [B, D] or [B, S, S, C]. */
  decoderOutput(z: tf.Tensor): tf.Tensor {
    return this.net.decoderOutput(z);
  }

  /** Mean of p(x|z) (sigmoid of the logits for Bernoulli). */
  decode(z: tf.Tensor): tf.Tensor {
    return this.net.decode(z);
  }

  /** log p(z) per example [B] under the method's prior. */
  logPrior(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.isaPrior) return this.isaPrior.logProb(z);
      const m = this.config.method;
      const perDim = m === "ica" ? new Logcosh().logProb(z) : new Normal(0, 1).logProb(z);
      return tf.sum(perDim, -1);
    });
  }

  /** −log p(x|z) per example [B] from the decoder output. Call inside a tidy. */
  private distortion(x: tf.Tensor, out: tf.Tensor): tf.Tensor {
    const B = out.shape[0];
    const xs =
      x.shape.length === out.shape.length && x.shape.every((d, i) => d === out.shape[i]) ? x : tf.reshape(x, out.shape);
    const lk = this.config.net.likelihood;
    let nll: tf.Tensor;
    if (lk.kind === "bernoulli") nll = tf.neg(new Bernoulli(out).logProb(xs));
    else {
      const scale = this.net.logStd ? tf.exp(this.net.logStd) : tf.scalar(lk.std ?? 1);
      nll = tf.neg(new Normal(out, scale).logProb(xs));
    }
    return tf.sum(tf.reshape(nll, [B, -1]), 1);
  }

  /**
   * The RateDistortion record for a batch x with reparameterisation noise ε [B, K] (z = μ + σ·ε).
   * `terms` false skips the TC/PC terms (evaluation of D and R only). Call inside tf.tidy.
   */
  record(x: tf.Tensor, eps: tf.Tensor, opts: { terms?: boolean } = {}): RateDistortion {
    const c = this.config;
    const K = this.zDim;
    return tf.tidy(() => {
      const { mean, logVar } = this.encode(x);
      const B = mean.shape[0];
      if (eps.rank !== 2 || eps.shape[0] !== B || eps.shape[1] !== K)
        throw new Error(`PdisVae.record: eps must have shape [${B}, ${K}], got [${eps.shape}]`);
      const std = tf.exp(tf.mul(logVar, 0.5));
      const z = tf.add(mean, tf.mul(std, eps));
      const distortion = this.distortion(x, this.decoderOutput(z));

      let rate: tf.Tensor | undefined;
      let ratePerDim: tf.Tensor | undefined;
      if (c.method === "ica")
        ratePerDim = monteCarloRate(mean, logVar, eps, (zz) => new Logcosh().logProb(zz), c.rateEstimator);
      else if (c.method === "isa-vae")
        rate = monteCarloRate(mean, logVar, eps, (zz) => this.isaPrior!.logProb(zz), c.rateEstimator);
      else ratePerDim = kl(new Normal(mean, std), new Normal(0, 1));

      const terms: Record<string, tf.Tensor> = {};
      const own = this.penaltyTerm;
      const wantPc = (opts.terms ?? true) && (c.monitor || own === "pc");
      const wantTc = (opts.terms ?? true) && (c.monitor || own === "tc");
      if (wantPc || wantTc) {
        checkEstimatorBatch(B, c, "PdisVae.record");
        const logQ = pairwiseLogNormal(z, mean, logVar); // [M, M, K]: log q(z_ik | n_j)
        if (wantPc) terms.pc = partialCorrelation(logQ, this.groups, c.estimator, c.datasetSize);
        if (wantTc) terms.tc = totalCorrelation(logQ, c.estimator, c.datasetSize);
      }
      return rateDistortion({
        distortion,
        ...(rate ? { rate } : {}),
        ...(ratePerDim ? { ratePerDim } : {}),
        terms,
      }) as unknown as tf.TensorContainer;
    }) as unknown as RateDistortion;
  }

  /** Training step: the record with ε drawn from ctx.rng. The batch is the data tensor or {x}. */
  step(batch: Batch, ctx: StepContext): RateDistortion {
    const x = batch instanceof tf.Tensor ? batch : batch.x;
    if (!x)
      throw new Error(
        `PdisVae.step: a named batch needs an "x" tensor (has: ${Object.keys(batch).join(", ") || "none"})`,
      );
    return tf.tidy(
      () => this.record(x, ctx.rng.normalTensor([x.shape[0], this.zDim])) as unknown as tf.TensorContainer,
    ) as unknown as RateDistortion;
  }

  /** The scalar loss of a record under this model's controller (mean(D + R) + β·mean(term)). */
  loss(record: RateDistortion, step = 0): tf.Scalar {
    return this.controller().loss(record, step);
  }

  // ---- evaluation ------------------------------------------------------------------------------

  /**
   * Means of distortion, rate and ELBO over a data set, without gradients; deterministic for a given rng.
   * The rate (closed form or one-sample Monte-Carlo) is averaged over the `samples` draws like the distortion.
   */
  async evaluate(data: TensorOrArray, opts: EvaluateOptions = {}): Promise<PdisVaeEvaluation> {
    const x = toTensorDataset(data);
    try {
      const n = x.data.shape[0];
      const draw = (start: number, size: number, _s: number, rng: Rng) => {
        const rec = this.record(sliceRows(x.data, start, size), rng.normalTensor([size, this.zDim]), { terms: false });
        return { distortion: rec.distortion, rate: rec.rate };
      };
      const { means } = await evaluateBatches(
        { n, where: "PdisVae.evaluate", defaultSeed: "pdisvae/evaluate", defaultBatchSize: 512, draw },
        opts,
      );
      const distortion = means.distortion[0],
        rate = means.rate[0];
      return { distortion, rate, elbo: -(distortion + rate), n };
    } finally {
      x.dispose();
    }
  }

  /** Posterior means and log-variances of every example, [N, K] each. */
  async encodeData(data: TensorOrArray, opts: { batchSize?: number } = {}): Promise<{ mean: Matrix; logVar: Matrix }> {
    const { data: x, dispose } = toTensorDataset(data);
    try {
      const n = x.shape[0],
        K = this.zDim;
      const bs = positiveInt(opts.batchSize ?? 512, "batchSize", "PdisVae.encodeData");
      const mean = new Float32Array(n * K),
        logVar = new Float32Array(n * K);
      for (let start = 0; start < n; start += bs) {
        const size = Math.min(bs, n - start);
        const xb = sliceRows(x, start, size);
        const e = this.encode(xb);
        mean.set(await e.mean.data(), start * K);
        logVar.set(await e.logVar.data(), start * K);
        tf.dispose([xb, e.mean, e.logVar]);
      }
      return { mean: { values: mean, shape: [n, K] }, logVar: { values: logVar, shape: [n, K] } };
    } finally {
      dispose();
    }
  }

  /** Reconstructions: the mean of p(x | z = μ(x)) for every example, in the data's shape. */
  async reconstruct(data: TensorOrArray, opts: { batchSize?: number } = {}): Promise<ArrayN> {
    const { data: x, dispose } = toTensorDataset(data);
    try {
      const n = x.shape[0];
      const bs = positiveInt(opts.batchSize ?? 512, "batchSize", "PdisVae.reconstruct");
      const out = new Float32Array(x.size);
      const per = x.size / Math.max(1, n);
      for (let start = 0; start < n; start += bs) {
        const size = Math.min(bs, n - start);
        const r = tf.tidy(() => this.decode(this.encode(sliceRows(x, start, size)).mean));
        out.set(await r.data(), start * per);
        r.dispose();
      }
      return { values: out, shape: x.shape.slice() };
    } finally {
      dispose();
    }
  }

  /**
   * PC and TC of the aggregate posterior over a whole data set (e.g. the test set, Sec. 4.1 "PC on the
   * test set"): q(z) = (1/N) Σ_n q(z|x_n) exactly (every pair, in row chunks), at one z_i per example,
   * PC = mean_i [log q(z_i) − Σ_g log q(z_ig)] with the model's groups; TC the same with singletons.
   * Equal to lib/prob/correlation's partialCorrelation on the whole set as one batch (M = N, where the IS
   * weights are all 1/N).
   */
  async datasetCorrelation(data: TensorOrArray, opts: CorrelationOptions = {}): Promise<DatasetCorrelation> {
    const { mean, logVar } = await this.encodeData(data, { batchSize: opts.batchSize });
    const n = mean.shape[0],
      K = mean.shape[1];
    const groups = opts.groups ?? this.groups;
    validateGroups(groups, K, "PdisVae.datasetCorrelation");
    const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng ?? "pdisvae/correlation");
    const chunk = positiveInt(opts.chunk ?? 256, "chunk", "PdisVae.datasetCorrelation");
    const mu = tf.tensor2d(mean.values, [n, K]);
    const lv = tf.tensor2d(logVar.values, [n, K]);
    const z =
      (opts.sample ?? true)
        ? tf.tidy(() => tf.add(mu, tf.mul(tf.exp(tf.mul(lv, 0.5)), rng.normalTensor([n, K]))))
        : mu.clone();
    if (opts.batch !== undefined) {
      try {
        return await this.batchedCorrelation(
          mu,
          lv,
          z,
          groups,
          positiveInt(opts.batch, "batch", "PdisVae.datasetCorrelation"),
          rng,
        );
      } finally {
        tf.dispose([mu, lv, z]);
      }
    }
    const G = groups.length;
    // [K, G + K + 1]: the groups' sums, each dimension alone (TC), and the joint.
    const cols = [
      ...groups.map((g) => (k: number) => (g.includes(k) ? 1 : 0)),
      ...Array.from({ length: K }, (_, j) => (k: number) => (k === j ? 1 : 0)),
      () => 1,
    ];
    const sel = tf.tensor2d(
      Array.from({ length: K }, (_, k) => cols.map((f) => f(k))),
      [K, cols.length],
    );
    const pcAll = new Float32Array(n);
    let sumPc = 0,
      sumTc = 0;
    try {
      for (let start = 0; start < n; start += chunk) {
        const size = Math.min(chunk, n - start);
        const res = tf.tidy(() => {
          const zi = tf.slice(z, [start, 0], [size, K]);
          // log N(z_ik; μ_jk, σ_jk²) for i in the chunk, all j: [size, n, K]
          const diff = tf.sub(tf.expandDims(zi, 1), tf.expandDims(mu, 0));
          const lvj = tf.expandDims(lv, 0);
          const logQ = tf.sub(tf.mul(tf.add(tf.mul(tf.square(diff), tf.exp(tf.neg(lvj))), lvj), -0.5), HALF_LOG_2PI);
          const sums = tf.reshape(tf.matMul(tf.reshape(logQ, [size * n, K]), sel), [size, n, cols.length]);
          const logAgg = tf.sub(tf.logSumExp(sums, 1), Math.log(n)); // [size, G + K + 1]
          const [grp, dims, joint] = tf.split(logAgg, [G, K, 1], 1);
          const j = tf.reshape(joint, [-1]);
          return tf.stack([tf.sub(j, tf.sum(grp, 1)), tf.sub(j, tf.sum(dims, 1))]); // [2, size]
        });
        const v = await res.data();
        res.dispose();
        for (let i = 0; i < size; i++) {
          pcAll[start + i] = v[i];
          sumPc += v[i];
          sumTc += v[size + i];
        }
      }
    } finally {
      tf.dispose([mu, lv, z, sel]);
    }
    return { pc: sumPc / n, tc: sumTc / n, pcPerExample: pcAll, n };
  }

  /** The minibatch-IS version of datasetCorrelation (opts.batch). */
  private async batchedCorrelation(
    mu: tf.Tensor2D,
    lv: tf.Tensor2D,
    z: tf.Tensor,
    groups: number[][],
    M: number,
    rng: Rng,
  ): Promise<DatasetCorrelation> {
    const n = mu.shape[0];
    if (M < 2 || M > n)
      throw new Error(`PdisVae.datasetCorrelation: batch must be in 2…${n} (the number of rows), got ${M}`);
    const order = rng.fork("batches").permutation(n);
    const pcAll = new Float32Array(n).fill(NaN);
    let sumPc = 0,
      sumTc = 0,
      used = 0;
    for (let b = 0; b + M <= n; b += M) {
      const rows = order.slice(b, b + M);
      const res = tf.tidy(() => {
        const idx = tf.tensor1d(rows, "int32");
        const logQ = pairwiseLogNormal(tf.gather(z, idx), tf.gather(mu, idx), tf.gather(lv, idx));
        return tf.stack([partialCorrelation(logQ, groups, "IS", n), totalCorrelation(logQ, "IS", n)]);
      });
      const v = await res.data();
      res.dispose();
      rows.forEach((r, i) => {
        pcAll[r] = v[i];
        sumPc += v[i];
        sumTc += v[M + i];
      });
      used += M;
    }
    return { pc: sumPc / used, tc: sumTc / used, pcPerExample: pcAll, n: used };
  }

  /** Decode a latent traversal: one dimension (or every dimension of one group, on a grid) varied, the others at `base` (0). */
  async traverse(opts: TraversalOptions): Promise<Traversal> {
    const K = this.zDim;
    if ((opts.dim === undefined) === (opts.group === undefined))
      throw new Error("PdisVae.traverse: give exactly one of dim or group");
    const dims = opts.dim !== undefined ? [opts.dim] : this.groups[opts.group as number];
    if (!dims) throw new Error(`PdisVae.traverse: group ${opts.group} does not exist (G = ${this.groups.length})`);
    for (const d of dims)
      if (!(Number.isInteger(d) && d >= 0 && d < K))
        throw new Error(`PdisVae.traverse: dimension ${d} outside 0…${K - 1}`);
    if (!Array.isArray(opts.values) || opts.values.length === 0)
      throw new Error("PdisVae.traverse: values must be a non-empty array");
    const base = opts.base ?? new Array<number>(K).fill(0);
    if (base.length !== K) throw new Error(`PdisVae.traverse: base must have ${K} values, got ${base.length}`);
    const V = opts.values.length,
      P = Math.pow(V, dims.length);
    const zv = new Float32Array(P * K);
    for (let p = 0; p < P; p++) {
      for (let k = 0; k < K; k++) zv[p * K + k] = base[k];
      let rest = p;
      for (let i = dims.length - 1; i >= 0; i--) {
        zv[p * K + dims[i]] = opts.values[rest % V];
        rest = Math.floor(rest / V);
      }
    }
    const xt = tf.tidy(() => this.decode(tf.tensor2d(zv, [P, K])));
    const values = (await xt.data()) as Float32Array;
    const shape = xt.shape.slice();
    xt.dispose();
    return { z: { values: zv, shape: [P, K] }, x: { values: Float32Array.from(values), shape } };
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    return this.net.parameterCount();
  }

  dispose(): void {
    this.net.dispose();
  }
}

function positiveInt(v: number, what: string, where: string): number {
  if (!(Number.isInteger(v) && v >= 1)) throw new Error(`${where}: ${what} must be a positive integer, got ${v}`);
  return v;
}

function sliceRows(x: tf.Tensor, start: number, size: number): tf.Tensor {
  return tf.slice(
    x,
    [start, ...new Array<number>(x.rank - 1).fill(0)],
    [size, ...new Array<number>(x.rank - 1).fill(-1)],
  );
}

/** Build a PDisVAE-family model (the `build` argument of trainOrReload: `(c, rng) => createPdisVae(c.model as PdisVaeConfig, rng)`). */
export function createPdisVae(config: PdisVaeConfig, rng: Rng): PdisVae {
  return new PdisVae(config, rng);
}
