// Missingness and dequantisation for training partial VAEs (VAEquisition, seed 001 App. A, Sec. 3.1 and
// Sec. 4.6):
//  - each datum gets a missing fraction ρ ~ U[0, 1]; then 10 % of the data are made fully missing and
//    10 % fully observed. We read "a percentage of missing dimensions ρ" as: round(ρ·D) dimensions,
//    chosen uniformly without replacement, are missing (mode "count", the default); mode "bernoulli"
//    instead drops each dimension independently with probability ρ. The 10 % / 10 % are exact counts,
//    round(0.1·n) rows each, chosen by a permutation (so a batch of 128 has 13 and 13);
//  - static missingness draws the masks once for the data set (`staticMask`); dynamic missingness draws
//    a new mask for every batch (`AugmentedPartialVae` with missingness "dynamic"), an augmentation akin
//    to input dropout;
//  - dequantisation: thresholds measured in 5 dB steps get U(−2.5, 2.5) dB noise, redrawn every batch.
// Entries missing in the data themselves (NaN, or a data mask of 0) stay missing under every mask.
// Every draw is seeded: the wrapper draws from the training step's stream (ctx.rng), so a resumed run
// sees the same masks.
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import type { Matrix } from "../data/dataset";
import type { PartialVae } from "../models/partial-vae";
import type { RateDistortion } from "../objectives/rate-distortion";
import type { Batch } from "../train/batches";
import type { StepContext, TrainableModel } from "../train/loop";

export interface MissingnessOptions {
  /** Share of rows made fully missing (paper: 0.1). */
  fullyMissing?: number;
  /** Share of rows made fully observed (paper: 0.1). */
  fullyObserved?: number;
  /** "count" (default): round(ρ·D) dims missing; "bernoulli": each dim missing with probability ρ. */
  mode?: "count" | "bernoulli";
}

function checkShares(o: MissingnessOptions): { fm: number; fo: number; mode: "count" | "bernoulli" } {
  const fm = o.fullyMissing ?? 0.1,
    fo = o.fullyObserved ?? 0.1;
  if (!(fm >= 0 && fo >= 0 && fm + fo <= 1))
    throw new Error(`missingness: fullyMissing and fullyObserved must be ≥ 0 with sum ≤ 1, got ${fm} and ${fo}`);
  const mode = o.mode ?? "count";
  if (mode !== "count" && mode !== "bernoulli")
    throw new Error(`missingness: mode must be "count" or "bernoulli", got ${JSON.stringify(mode)}`);
  return { fm, fo, mode };
}

/**
 * A 0/1 observation mask [n, D] (1 = observed), row-major: round(fullyMissing·n) rows all 0,
 * round(fullyObserved·n) rows all 1, the rest with a fraction ρ ~ U[0, 1] of their dimensions missing.
 * Also returns each row's kind and ρ (NaN for the fixed rows).
 */
export function drawMask(
  n: number,
  D: number,
  rng: Rng,
  opts: MissingnessOptions = {},
): { mask: Float32Array; rho: number[]; kind: ("missing" | "observed" | "partial")[] } {
  const { fm, fo, mode } = checkShares(opts);
  if (!(Number.isInteger(n) && n >= 0 && Number.isInteger(D) && D >= 1))
    throw new Error(`drawMask: n and D must be integers (n ≥ 0, D ≥ 1), got ${n}, ${D}`);
  const nMiss = Math.round(fm * n),
    nObs = Math.min(n - nMiss, Math.round(fo * n));
  const perm = rng.permutation(n);
  const kind = new Array<"missing" | "observed" | "partial">(n).fill("partial");
  perm.slice(0, nMiss).forEach((i) => (kind[i] = "missing"));
  perm.slice(nMiss, nMiss + nObs).forEach((i) => (kind[i] = "observed"));
  const mask = new Float32Array(n * D);
  const rho = new Array<number>(n).fill(NaN);
  for (let i = 0; i < n; i++) {
    if (kind[i] === "missing") continue;
    if (kind[i] === "observed") {
      mask.fill(1, i * D, (i + 1) * D);
      continue;
    }
    const r = rng.uniform();
    rho[i] = r;
    if (mode === "count") {
      mask.fill(1, i * D, (i + 1) * D);
      for (const d of rng.sampleWithoutReplacement(D, Math.round(r * D))) mask[i * D + d] = 0;
    } else {
      for (let d = 0; d < D; d++) mask[i * D + d] = rng.uniform() < r ? 0 : 1;
    }
  }
  return { mask, rho, kind };
}

/** 1 where x is a finite number, else 0 (the data's own missing entries). */
export function presenceMask(x: Matrix): Matrix {
  return { values: Float32Array.from(x.values, (v) => (Number.isFinite(v) ? 1 : 0)), shape: [x.shape[0], x.shape[1]] };
}

/** Static missingness: one mask for the data set, drawn from Rng(seed).fork("static-missingness"), times the data's presence. */
export function staticMask(x: Matrix, seed: Seed, opts: MissingnessOptions = {}): Matrix {
  const [n, D] = x.shape;
  const { mask } = drawMask(n, D, new Rng(seed).fork("static-missingness"), opts);
  for (let i = 0; i < mask.length; i++) if (!Number.isFinite(x.values[i])) mask[i] = 0;
  return { values: mask, shape: [n, D] };
}

export interface DequantizeOptions {
  /** Quantisation step in data units (paper: 5 dB). */
  step: number;
  /** Columns that are quantised (e.g. THRESHOLD_INDICES). */
  dims: readonly number[];
  /** Divide the noise by these per-column scales (when the model sees standardised data: the sds). */
  scale?: readonly number[];
}

/** Dequantisation noise [n, D]: U(−step/2, step/2)/scale_d in `dims`, 0 elsewhere. */
export function dequantizationNoise(n: number, D: number, rng: Rng, o: DequantizeOptions): Float32Array {
  if (!(o.step > 0)) throw new Error(`dequantize: step must be > 0, got ${o.step}`);
  for (const d of o.dims)
    if (!(Number.isInteger(d) && d >= 0 && d < D)) throw new Error(`dequantize: column ${d} outside 0…${D - 1}`);
  if (o.scale && o.scale.length !== D) throw new Error(`dequantize: scale needs ${D} values, got ${o.scale.length}`);
  const out = new Float32Array(n * D);
  for (let i = 0; i < n; i++)
    for (const d of o.dims) out[i * D + d] = ((rng.uniform() - 0.5) * o.step) / (o.scale ? o.scale[d] : 1);
  return out;
}

export interface AugmentationOptions {
  /** "static": use the batch's own mask (from staticMask); "dynamic": draw a new mask every batch. */
  missingness: "static" | "dynamic";
  missingnessOptions?: MissingnessOptions;
  /** Add fresh dequantisation noise every batch. */
  dequantize?: DequantizeOptions;
}

/**
 * A partial VAE trained under static or dynamic missingness and optional dequantisation: a
 * TrainableModel over the same variables whose step transforms the batch, then calls the model's step.
 * Batches are {x} or {x, mask}; under dynamic missingness a given mask (the data's presence) is
 * multiplied into each new draw, under static missingness it is required.
 */
export class AugmentedPartialVae implements TrainableModel {
  readonly variables: Record<string, tf.Variable>;
  constructor(
    readonly model: PartialVae,
    readonly options: AugmentationOptions,
  ) {
    if (options.missingness !== "static" && options.missingness !== "dynamic")
      throw new Error(
        `AugmentedPartialVae: missingness must be "static" or "dynamic", got ${JSON.stringify(options.missingness)}`,
      );
    checkShares(options.missingnessOptions ?? {});
    this.variables = model.variables;
  }

  /** The batch the model sees at this step: {x (dequantised), mask} (tensors the caller disposes). */
  transform(batch: Batch, ctx: StepContext): { x: tf.Tensor; mask: tf.Tensor } {
    const named = batch instanceof tf.Tensor ? { x: batch } : batch;
    const x = named.x;
    if (!x || x.rank !== 2)
      throw new Error(
        `AugmentedPartialVae: batches need an "x" tensor [B, D] (has: ${Object.keys(named).join(", ") || "none"})`,
      );
    const [B, D] = x.shape as [number, number];
    const given = named.mask;
    if (this.options.missingness === "static" && !given)
      throw new Error(
        `AugmentedPartialVae: static missingness needs the data's mask in the batch ({x, mask}, from staticMask)`,
      );
    return tf.tidy(() => {
      let mask: tf.Tensor = given ? tf.cast(tf.greater(given, 0.5), "float32") : tf.onesLike(x);
      if (this.options.missingness === "dynamic") {
        const { mask: m } = drawMask(B, D, ctx.rng.fork("missingness"), this.options.missingnessOptions);
        mask = tf.mul(mask, tf.tensor2d(m, [B, D]));
      }
      let xx: tf.Tensor = x;
      if (this.options.dequantize)
        xx = tf.add(
          x,
          tf.tensor2d(dequantizationNoise(B, D, ctx.rng.fork("dequantize"), this.options.dequantize), [B, D]),
        );
      return { x: xx, mask };
    });
  }

  step(batch: Batch, ctx: StepContext): RateDistortion {
    return tf.tidy(() => {
      const b = this.transform(batch, ctx);
      return this.model.step(b, { ...ctx, rng: ctx.rng.fork("model") }) as unknown as tf.TensorContainer;
    }) as unknown as RateDistortion;
  }
}
