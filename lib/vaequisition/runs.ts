// Cached training of VAEquisition's partial VAEs (seed 001 App. A, Sec. 3.2 and 4.6) and their
// evaluation on partially observed data, shared by the VAEquisition notebooks.
//
// A run is (model config, data key, scaler, missingness, dequantisation, objective, schedule, seed,
// preset), trained through lib/train's trainRun: re-running a notebook reloads it, an interrupted run
// resumes. The objective is the partial ELBO (Eq. 1), its β version (Eq. 2), or training toward a target
// rate with the adaptive β controller of lib/objectives (Dieleman et al. 2021 Eq. 7, as the paper says).
// The model trains on standardised data (the scaler is part of the run); AcquisitionModel wraps the
// trained model with the scaler so that acquisition works in data units.
import * as tf from "@tensorflow/tfjs";
import { Seed } from "../engine/rng";
import type { Matrix } from "../data/dataset";
import { PartialVae, PartialVaeConfig, createPartialVae } from "../models/partial-vae";
import { Objective, TargetRateDefaults, controllerFor } from "../objectives/controllers";
import type { Run } from "../train/run-cache";
import { RunRequest, trainRun } from "../train/run";
import type { AcquisitionModel } from "./acquisition";
import { AugmentedPartialVae, MissingnessOptions, staticMask } from "./missingness";
import { Scaler, standardize } from "./scaling";

/** What the training loss is: the partial ELBO, its β version, or a target rate (adaptive β). */
export type PartialVaeObjective = Extract<Objective, { kind: "elbo" | "beta" | "target-rate" }>;

/** A target rate's adaptive β by default starts at 1 and moves by ×(1 ± 0.01) outside a ±1 % band. */
export const PARTIAL_VAE_TARGET_RATE: TargetRateDefaults = { initial: 1, delta: 0.01, tolerance: 0.01 };

/** The target rates of Sec. 4.6: 0.125 … 1.5 by 0.125, 1.75 … 8 by 0.25, 9 … 15 by 1 (nats). */
export function paperTargetRates(): number[] {
  const out: number[] = [];
  for (let k = 1; k <= 12; k++) out.push(0.125 * k);
  for (let r = 1.75; r <= 8 + 1e-9; r += 0.25) out.push(Math.round(r * 100) / 100);
  for (let r = 9; r <= 15; r++) out.push(r);
  return out;
}

/** Training rows in data units (NaN = not measured), and how they are scaled, masked and dequantised. */
export interface PartialVaeRunRequest extends RunRequest<PartialVaeConfig, Matrix> {
  scaler: Scaler;
  /** Static (one mask drawn with `seed`) or dynamic (a new mask every batch) missingness. */
  missingness:
    { kind: "static"; seed: Seed; options?: MissingnessOptions } | { kind: "dynamic"; options?: MissingnessOptions };
  /** Dequantise these columns (step in data units, e.g. 5 dB) with noise redrawn every batch. */
  dequantize?: { step: number; dims: number[] };
  objective: PartialVaeObjective;
}

export interface PartialVaeRun {
  run: Run<AugmentedPartialVae>;
  model: PartialVae;
  /** The model with its scaler, for lib/vaequisition/acquisition. */
  acquisition: AcquisitionModel;
}

/** Train the partial VAE of `input` (or reload it when this exact run completed before). */
export async function trainPartialVaeRun(input: PartialVaeRunRequest): Promise<PartialVaeRun> {
  const { scaler, missingness, dequantize, objective, ...request } = input;
  const { config, data, schedule } = request;
  const [n, D] = data.train.shape;
  if (D !== config.xDim)
    throw new Error(`trainPartialVaeRun: the data have ${D} columns, config.xDim is ${config.xDim}`);
  if (schedule.batchSize > n)
    throw new Error(`trainPartialVaeRun: batch size ${schedule.batchSize} exceeds the ${n} training rows`);
  const z = standardize(data.train, scaler);
  const mask =
    missingness.kind === "static"
      ? staticMask(data.train, missingness.seed, missingness.options)
      : {
          values: Float32Array.from(data.train.values, (v) => (Number.isFinite(v) ? 1 : 0)),
          shape: [n, D] as [number, number],
        };
  const x = { values: Float32Array.from(z.values, (v) => (Number.isFinite(v) ? v : 0)), shape: [n, D] };
  const deq = dequantize ? { step: dequantize.step, dims: dequantize.dims, scale: scaler.sd } : undefined;
  const run = await trainRun({
    ...request,
    data: { key: data.key, train: { x, mask: { values: mask.values, shape: [n, D] } } },
    key: { scaler, missingness, dequantize, objective },
    build: (c, rng) =>
      new AugmentedPartialVae(createPartialVae(c, rng), {
        missingness: missingness.kind,
        ...(missingness.options ? { missingnessOptions: missingness.options } : {}),
        ...(deq ? { dequantize: deq } : {}),
      }),
    controller: () => controllerFor(objective, PARTIAL_VAE_TARGET_RATE),
    checkpointEvery: 500,
    label:
      input.label ??
      `pvae ${objective.kind === "target-rate" ? `R*=${objective.target}` : objective.kind} seed ${String(input.seed)}`,
  });
  return { run, model: run.model.model, acquisition: { model: run.model.model, scaler } };
}

/**
 * Partial rate–distortion of a model on data (data units) under a given mask: means over rows of the
 * partial distortion (nats, on the data scale: the model-scale distortion plus Σ_{observed} log sd_d),
 * the rate, and the partial ELBO; also the model-scale distortion.
 */
export async function evaluatePartialRd(
  am: AcquisitionModel,
  x: Matrix,
  mask: Matrix,
  opts: { samples?: number; rng?: Seed } = {},
): Promise<{ distortion: number; distortionModelScale: number; rate: number; elbo: number; n: number }> {
  const [n, D] = x.shape;
  const sc = am.scaler;
  const z = sc ? standardize(x, sc) : x;
  const xv = Float32Array.from(z.values, (v, i) => (mask.values[i] > 0.5 && Number.isFinite(v) ? v : 0));
  const mv = Float32Array.from(mask.values, (v, i) => (v > 0.5 && Number.isFinite(x.values[i]) ? 1 : 0));
  const xt = tf.tensor2d(xv, [n, D]),
    mt = tf.tensor2d(mv, [n, D]);
  try {
    const ev = await am.model.evaluate(
      { x: xt, mask: mt },
      { samples: opts.samples ?? 1, ...(opts.rng !== undefined ? { rng: opts.rng } : {}) },
    );
    let jac = 0;
    if (sc) for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) if (mv[i * D + d]) jac += Math.log(sc.sd[d]);
    const distortion = ev.distortion + jac / n;
    return { distortion, distortionModelScale: ev.distortion, rate: ev.rate, elbo: -(distortion + ev.rate), n };
  } finally {
    tf.dispose([xt, mt]);
  }
}
