// Rate controllers: the one place where a RateDistortion record becomes a scalar training loss,
//   loss = mean_b D_b + w_t · P(record),
// where P is the rate penalty (the batch-mean rate, optionally with free bits) and w_t the rate
// weight at step t (fixed β, an adaptive β driven toward a target rate, times an optional warm-up).
// Every controller has the same interface, so the training loop never does ad-hoc loss arithmetic.
import * as tf from "@tensorflow/tfjs";
import { RateDistortion } from "./rate-distortion";

/** Batch means after a step, in nats per example (what `update` sees). */
export interface StepStats {
  loss: number;
  distortion: number;
  rate: number;
  elbo: number;
  terms: Record<string, number>;
}

/** JSON-serialisable controller state: logged each step and stored in checkpoints. */
export type ControllerState = Record<string, number | string>;

export interface RateController {
  /** Short description, e.g. "beta=1" or "adaptive(target=2)". */
  readonly name: string;
  /** Scalar loss mean(D) + w_step·P. Call inside tf.tidy / a gradient function. */
  loss(record: RateDistortion, step: number): tf.Scalar;
  /** The weighted rate part w_step·P alone. */
  penalty(record: RateDistortion, step: number): tf.Scalar;
  /** Called once after each optimisation step with that step's batch means. */
  update(stats: StepStats, step: number): void;
  /** Current state (weights, targets) for logging and checkpoints. */
  state(): ControllerState;
  /** Restore a state produced by state() (resuming from a checkpoint). */
  load(state: ControllerState): void;
}

// ---- rate penalties (free bits) -----------------------------------------------------------------

/**
 * Free bits (Kingma et al. 2016, App. C.8 "free bits"; the thesis' VI-EMD supplement Eq. 37 writes it as
 * −β Σ_k maximum(λ, r_k)): the rate is penalised as max(λ, r) so that below λ nats it gives no gradient.
 * - `over: "dims"`: Σ_k max(λ, mean_b r_{b,k}) over the record's ratePerDim [B, K] (per dimension,
 *   averaged over the batch as in Kingma et al.);
 * - `over: "total"`: max(λ, mean_b R_b) on the total rate (e.g. "1 free nat across all dimensions");
 * - `over: {terms: {name: λ, …}}`: Σ_t max(λ_t, mean_b T_{t,b}) over named rate terms (Eq. 37's λ_z, λ_m),
 *   plus the unthresholded remainder mean_b(R_b − Σ_t T_{t,b}).
 */
export interface FreeBitsSpec {
  lambda?: number;
  over: "dims" | "total" | { terms: Record<string, number> };
}

/** The rate penalty P: mean_b R_b, or its free-bits version. A scalar tensor. */
export function ratePenalty(record: RateDistortion, freeBits?: FreeBitsSpec): tf.Scalar {
  return tf.tidy(() => {
    if (!freeBits) return tf.mean(record.rate) as tf.Scalar;
    const { over } = freeBits;
    if (over === "dims") {
      if (!record.ratePerDim) throw new Error("freeBits over dims needs the record's ratePerDim [B, K]");
      const lam = requireLambda(freeBits);
      return tf.sum(tf.maximum(tf.mean(record.ratePerDim, 0), lam)) as tf.Scalar;
    }
    if (over === "total") return tf.maximum(tf.mean(record.rate), requireLambda(freeBits)) as tf.Scalar;
    const names = Object.keys(over.terms);
    if (names.length === 0) throw new Error("freeBits over terms needs at least one term");
    const parts: tf.Tensor[] = [];
    let covered: tf.Tensor = tf.zerosLike(record.rate);
    for (const k of names) {
      const t = record.terms[k];
      if (!t)
        throw new Error(
          `freeBits: the record has no rate term "${k}" (has: ${Object.keys(record.terms).join(", ") || "none"})`,
        );
      parts.push(tf.maximum(tf.mean(t), over.terms[k]));
      covered = tf.add(covered, t);
    }
    parts.push(tf.mean(tf.sub(record.rate, covered)));
    return tf.addN(parts) as tf.Scalar;
  });
}

function requireLambda(fb: FreeBitsSpec): number {
  if (typeof fb.lambda !== "number" || !(fb.lambda >= 0))
    throw new Error(`freeBits: lambda must be a number ≥ 0, got ${fb.lambda}`);
  return fb.lambda;
}

function describeFreeBits(fb?: FreeBitsSpec): string {
  if (!fb) return "";
  if (fb.over === "dims" || fb.over === "total")
    return `, freeBits=${fb.lambda}/${fb.over === "dims" ? "dim" : "total"}`;
  return `, freeBits={${Object.entries(fb.over.terms)
    .map(([k, v]) => `${k}:${v}`)
    .join(",")}}`;
}

/** Shared loss assembly: mean(D) + weight·P. */
function assemble(
  record: RateDistortion,
  weight: number,
  freeBits?: FreeBitsSpec,
): { loss: tf.Scalar; penalty: tf.Scalar } {
  const penalty = tf.mul(ratePenalty(record, freeBits), weight) as tf.Scalar;
  return { loss: tf.add(tf.mean(record.distortion), penalty) as tf.Scalar, penalty };
}

abstract class WeightedRate implements RateController {
  abstract readonly name: string;
  protected constructor(protected readonly freeBits?: FreeBitsSpec) {}
  /** The rate weight at `step`. */
  abstract weight(step: number): number;
  loss(record: RateDistortion, step: number): tf.Scalar {
    return tf.tidy(() => assemble(record, this.weight(step), this.freeBits).loss);
  }
  penalty(record: RateDistortion, step: number): tf.Scalar {
    return tf.tidy(() => assemble(record, this.weight(step), this.freeBits).penalty);
  }
  update(_stats: StepStats, _step: number): void {}
  abstract state(): ControllerState;
  load(_state: ControllerState): void {}
}

// ---- fixed β ------------------------------------------------------------------------------------

class FixedBeta extends WeightedRate {
  readonly name: string;
  constructor(
    private readonly beta: number,
    freeBits?: FreeBitsSpec,
  ) {
    super(freeBits);
    if (!(beta >= 0)) throw new Error(`fixedBeta: beta must be ≥ 0, got ${beta}`);
    this.name = `beta=${beta}${describeFreeBits(freeBits)}`;
  }
  weight(): number {
    return this.beta;
  }
  state(): ControllerState {
    return { beta: this.beta };
  }
}

/** loss = mean(D) + β·mean(R) (β = 1: the negative ELBO). Optional free bits on the rate. */
export function fixedBeta(beta = 1, opts: { freeBits?: FreeBitsSpec } = {}): RateController {
  return new FixedBeta(beta, opts.freeBits);
}

/** loss = mean(D) + β·P_λ(R) with free bits (see FreeBitsSpec); β defaults to 1. */
export function freeBits(spec: FreeBitsSpec & { beta?: number }): RateController {
  return new FixedBeta(spec.beta ?? 1, { lambda: spec.lambda, over: spec.over });
}

// ---- per-term β and free bits (VI-EMD Eq. 37) -----------------------------------------------------

export interface TermRateSpec {
  /** Weight β_t of the term (default 1). */
  beta?: number;
  /** Free bits λ_t per element of the term (default 0: none). */
  freeBits?: number;
}

class PerTermRates implements RateController {
  readonly name: string;
  constructor(private readonly spec: Record<string, TermRateSpec>) {
    const names = Object.keys(spec);
    if (names.length === 0) throw new Error("perTermRates: give at least one term");
    for (const k of names) {
      const { beta = 1, freeBits: fb = 0 } = spec[k];
      if (!(beta >= 0)) throw new Error(`perTermRates: beta of "${k}" must be ≥ 0, got ${beta}`);
      if (!(fb >= 0)) throw new Error(`perTermRates: freeBits of "${k}" must be ≥ 0, got ${fb}`);
    }
    this.name = `perTerm(${names.map((k) => `${k}: β=${spec[k].beta ?? 1}, λ=${spec[k].freeBits ?? 0}`).join("; ")})`;
  }
  penalty(record: RateDistortion, _step: number): tf.Scalar {
    return tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      let covered: tf.Tensor = tf.zerosLike(record.rate);
      for (const [k, s] of Object.entries(this.spec)) {
        const t = record.terms[k];
        if (!t)
          throw new Error(
            `perTermRates: the record has no rate term "${k}" (has: ${Object.keys(record.terms).join(", ") || "none"})`,
          );
        const beta = s.beta ?? 1,
          lam = s.freeBits ?? 0;
        let p: tf.Tensor;
        if (lam > 0) {
          const el = record.termElements?.[k];
          if (!el)
            throw new Error(`perTermRates: free bits on "${k}" need the record's per-element rates termElements.${k}`);
          p = tf.sum(tf.maximum(tf.mean(el, 0), lam));
        } else p = tf.mean(t);
        parts.push(tf.mul(p, beta));
        covered = tf.add(covered, t);
      }
      parts.push(tf.mean(tf.sub(record.rate, covered)));
      return tf.addN(parts) as tf.Scalar;
    });
  }
  loss(record: RateDistortion, step: number): tf.Scalar {
    return tf.tidy(() => tf.add(tf.mean(record.distortion), this.penalty(record, step)) as tf.Scalar);
  }
  update(): void {}
  state(): ControllerState {
    const out: ControllerState = {};
    for (const [k, s] of Object.entries(this.spec)) {
      out[`beta_${k}`] = s.beta ?? 1;
      out[`freeBits_${k}`] = s.freeBits ?? 0;
    }
    return out;
  }
  load(): void {}
}

/**
 * VI-EMD's modified ELBO (Eq. 37): loss = mean(D) + Σ_t β_t Σ_e max(λ_t, mean_b r_{t,b,e}) over each listed
 * term's per-element rates (record.termElements[t]; without free bits, β_t·mean_b T_t); rate outside the
 * listed terms enters unweighted.
 */
export function perTermRates(spec: Record<string, TermRateSpec>): RateController {
  return new PerTermRates(spec);
}

// ---- adaptive β toward a target rate -------------------------------------------------------------

export interface AdaptiveRateOptions {
  /** Target rate in nats per example (of the total rate, or of `term`). */
  target: number;
  /** Initial weight β₀ (the thesis uses 1e-6 for the synthetic VI-EMD runs, 1e-9 for the noisy ones). */
  initial?: number;
  /** Relative step δ: β is multiplied or divided by (1 + δ) (thesis: 0.01 synthetic, 1e-4 noisy). */
  delta?: number;
  /** Dead band ε: no change while (1 − ε)·target ≤ rate ≤ (1 + ε)·target. */
  tolerance?: number;
  /** Measure this named rate term instead of the total rate (the weight still multiplies the whole penalty). */
  term?: string;
  /** Clamp β to [minBeta, maxBeta]. */
  minBeta?: number;
  maxBeta?: number;
  freeBits?: FreeBitsSpec;
}

/**
 * Adaptive rate weight (Dieleman et al. 2021, "Variable-rate discrete representation learning",
 * Sec. 3.1.3 Eq. 7, as used by VAEquisition and VI-EMD, thesis App. B E.2): after each step, with R_t
 * the step's batch-mean rate and T the target,
 *   β_{t+1} = β_t·(1 + δ)   if R_t > (1 + ε)·T   (too much information: penalise the rate more)
 *   β_{t+1} = β_t / (1 + δ) if R_t < (1 − ε)·T   (too little: relax)
 *   β_{t+1} = β_t           otherwise,
 * i.e. log β moves by ±log(1 + δ); then β is clamped to [minBeta, maxBeta]. The weight only shapes
 * the gradient; the rate itself is pushed toward T by the optimiser. (Eq. 7's form is reproduced from
 * the paper's description; the seed confirms δ, the initial value and a "minimum threshold for change".)
 */
class AdaptiveRate extends WeightedRate {
  readonly name: string;
  private beta: number;
  private readonly target: number;
  private readonly delta: number;
  private readonly tolerance: number;
  private readonly term?: string;
  private readonly minBeta: number;
  private readonly maxBeta: number;
  private lastMeasured = NaN;

  constructor(o: AdaptiveRateOptions) {
    super(o.freeBits);
    if (!(o.target >= 0)) throw new Error(`adaptiveRate: target must be ≥ 0, got ${o.target}`);
    this.target = o.target;
    this.beta = o.initial ?? 1e-6;
    this.delta = o.delta ?? 0.01;
    this.tolerance = o.tolerance ?? 0.01;
    this.term = o.term;
    this.minBeta = o.minBeta ?? 0;
    this.maxBeta = o.maxBeta ?? Infinity;
    if (!(this.beta > 0)) throw new Error(`adaptiveRate: initial β must be > 0, got ${this.beta}`);
    if (!(this.delta > 0)) throw new Error(`adaptiveRate: delta must be > 0, got ${this.delta}`);
    if (!(this.tolerance >= 0 && this.tolerance < 1))
      throw new Error(`adaptiveRate: tolerance must be in [0, 1), got ${this.tolerance}`);
    this.name = `adaptive(target=${o.target}${o.term ? ` on ${o.term}` : ""}, delta=${this.delta})${describeFreeBits(o.freeBits)}`;
  }
  weight(): number {
    return this.beta;
  }
  update(stats: StepStats): void {
    const r = this.term === undefined ? stats.rate : stats.terms[this.term];
    if (r === undefined)
      throw new Error(
        `adaptiveRate: no rate term "${this.term}" in the step's record (has: ${Object.keys(stats.terms).join(", ") || "none"})`,
      );
    this.lastMeasured = r;
    if (!Number.isFinite(r)) return;
    if (r > (1 + this.tolerance) * this.target) this.beta *= 1 + this.delta;
    else if (r < (1 - this.tolerance) * this.target) this.beta /= 1 + this.delta;
    this.beta = Math.min(this.maxBeta, Math.max(this.minBeta, this.beta));
  }
  state(): ControllerState {
    return { beta: this.beta, target: this.target, measured: this.lastMeasured };
  }
  load(state: ControllerState): void {
    const b = Number(state.beta);
    if (!(b > 0)) throw new Error(`adaptiveRate.load: state has no valid beta (${JSON.stringify(state)})`);
    this.beta = b;
    if (state.measured !== undefined) this.lastMeasured = Number(state.measured);
  }
}

export function adaptiveRate(opts: AdaptiveRateOptions): RateController {
  return new AdaptiveRate(opts);
}

// ---- warm-up ------------------------------------------------------------------------------------

export interface WarmupOptions {
  /** Steps until the weight reaches 1 (CD-VAE, thesis App. C: "sigmoidal warm-up over 1000 steps"). */
  steps: number;
  /** "sigmoid" (default) or "linear". */
  shape?: "sigmoid" | "linear";
  /** Steepness s of the sigmoid (default 10). */
  sharpness?: number;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * Warm-up weight at `step` (0-based). Sigmoid: a logistic curve in u = step/steps, rescaled to be exactly
 * 0 at u = 0 and 1 at u = 1:  w(u) = (σ(s(u − ½)) − σ(−s/2)) / (σ(s/2) − σ(−s/2)), w = 1 for u ≥ 1.
 * (The thesis names a sigmoidal warm-up but not its formula; this is the symmetric logistic ramp.)
 * Linear: w = min(1, u).
 */
export function warmupWeight(step: number, opts: WarmupOptions): number {
  if (!(opts.steps > 0)) return 1;
  const u = Math.max(0, step) / opts.steps;
  if (u >= 1) return 1;
  if ((opts.shape ?? "sigmoid") === "linear") return u;
  const s = opts.sharpness ?? 10;
  const lo = sigmoid(-s / 2),
    hi = sigmoid(s / 2);
  return (sigmoid(s * (u - 0.5)) - lo) / (hi - lo);
}

class Warmup implements RateController {
  readonly name: string;
  private lastStep = 0;
  constructor(
    private readonly inner: RateController,
    private readonly opts: WarmupOptions,
  ) {
    this.name = `${inner.name} + ${opts.shape ?? "sigmoid"} warm-up(${opts.steps})`;
  }
  penalty(record: RateDistortion, step: number): tf.Scalar {
    return tf.tidy(() => tf.mul(this.inner.penalty(record, step), warmupWeight(step, this.opts)) as tf.Scalar);
  }
  loss(record: RateDistortion, step: number): tf.Scalar {
    return tf.tidy(() => tf.add(tf.mean(record.distortion), this.penalty(record, step)) as tf.Scalar);
  }
  update(stats: StepStats, step: number): void {
    this.lastStep = step;
    this.inner.update(stats, step);
  }
  state(): ControllerState {
    return { ...this.inner.state(), warmup: warmupWeight(this.lastStep, this.opts), warmupStep: this.lastStep };
  }
  load(state: ControllerState): void {
    this.inner.load(state);
    if (state.warmupStep !== undefined) this.lastStep = Number(state.warmupStep);
  }
}

/** Multiply another controller's rate penalty by a warm-up weight that ramps from 0 to 1 over `steps`. */
export function withWarmup(inner: RateController, opts: WarmupOptions): RateController {
  return new Warmup(inner, opts);
}

// ---- training objectives → controllers -----------------------------------------------------------

/**
 * What a run trains on, as plain JSON (it is part of the run key, so it holds only what the caller gave:
 * defaults are filled in by controllerFor, never written into the object).
 * - elbo: β = 1; beta: a fixed β (VAEquisition Eq. 2);
 * - target-rate: the adaptive β toward `target` nats (adaptiveRate; initialBeta, delta and tolerance
 *   default to the work's TargetRateDefaults);
 * - per-term: VI-EMD's Eq. 37, β and free bits of its rate terms z and mask;
 * - si-sdr / blr: a deterministic TasNet's loss (its own objective; the controller is the plain β = 1).
 */
export type Objective =
  | { kind: "elbo" }
  | { kind: "beta"; beta: number }
  | { kind: "target-rate"; target: number; initialBeta?: number; delta?: number; tolerance?: number }
  | { kind: "per-term"; z: TermRateSpec; mask: TermRateSpec }
  | { kind: "si-sdr" }
  | { kind: "blr" };

/** A work's defaults for a target-rate objective's unset fields (unset here: adaptiveRate's own defaults). */
export type TargetRateDefaults = Pick<AdaptiveRateOptions, "initial" | "delta" | "tolerance">;

/** The rate controller of `objective`. */
export function controllerFor(objective: Objective, defaults: TargetRateDefaults = {}): RateController {
  switch (objective.kind) {
    case "elbo":
    case "si-sdr":
    case "blr":
      return fixedBeta(1);
    case "beta":
      return fixedBeta(objective.beta);
    case "target-rate":
      return adaptiveRate({
        target: objective.target,
        initial: objective.initialBeta ?? defaults.initial,
        delta: objective.delta ?? defaults.delta,
        tolerance: objective.tolerance ?? defaults.tolerance,
      });
    case "per-term":
      return perTermRates({ z: objective.z, mask: objective.mask });
    default:
      throw new Error(`controllerFor: unknown objective ${JSON.stringify(objective)}`);
  }
}
