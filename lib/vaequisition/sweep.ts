// Rate sweeps of VAEquisition (seed 001 App. A, Sec. 4.6, Fig. 7–10): partial VAEs trained toward a
// range of target rates (× seeds) in one setting (data, static or dynamic missingness, dequantisation),
// each evaluated on the quantities the figures plot against rate:
//  - partial distortion, rate and partial ELBO (Eq. 1) on the training rows and on each test domain,
//    under a fixed evaluation mask drawn by the setting's missingness process (for static missingness the
//    training rows keep their training mask), so that train and test numbers are comparable;
//  - the RMSE information curve of max-variance acquisition on the domain's test sequences and its area
//    A_RMSE (Eq. 6), errors against the domain's truth (the clean audiogram for synthetic data);
//  - stopping at threshold τ: the UQ ridge model and the baseline (m alone), both fitted on the
//    TRAINING domain's validation sequences and applied to every domain's test sequences: mean absolute
//    offset O (Eq. 7), mean estimated stop Ŝ, mean RMSE at the stop.
// Each model's metrics are cached as JSON beside its run (keyed by a hash of everything that enters the
// evaluation), so the notebooks that share a sweep (Fig. 7–10) evaluate each model once.
import * as fs from "fs";
import * as path from "path";
import type { Matrix } from "../data/dataset";
import { THRESHOLD_INDICES } from "../data/audiograms";
import { Rng } from "../engine/rng";
import { partialVaeConfig } from "../models/partial-vae";
import type { Preset } from "../notebook/preset";
import { configHash } from "../train/run-cache";
import type { ProgressMode } from "../train/progress";
import type { Schedule } from "../train/run";
import {
  AcquisitionModel,
  AcquisitionTrace,
  completeRows,
  curveSummary,
  informationCurves,
  runAcquisition,
} from "./acquisition";
import { staticMask } from "./missingness";
import { evaluatePartialRd, trainPartialVaeRun } from "./runs";
import { fitScaler } from "./scaling";
import { BASELINE_FEATURES, ErrorModel, UQ_FEATURES, evaluateStopping, fitErrorModel } from "./stopping";

/** A set of audiograms in data units (NaN = not measured) and what acquisition errors are measured against. */
export interface SweepDomain {
  name: string;
  /** Plain-JSON description (part of the metrics cache key). */
  key: unknown;
  x: Matrix;
  /** Ground truth for e_RMSE (synthetic: the clean audiograms; real data: x itself). */
  truth: Matrix;
}

export interface SweepSetting {
  /** Short name, e.g. "synthetic, static missingness". */
  name: string;
  dataKey: unknown;
  /** Training rows, data units, NaN where not measured. */
  train: Matrix;
  /** Training-domain validation rows: the stopping models are fitted on their acquisition sequences. */
  validation: SweepDomain;
  /** Training-domain test rows first, then any unseen domains. */
  domains: SweepDomain[];
  missingness: "static" | "dynamic";
  /** Dequantise the 14 thresholds (5 dB steps) with noise redrawn every batch. */
  dequantize: boolean;
  /** Stopping threshold τ on e_RMSE, dB (paper: 5 synthetic, 7 real). */
  tau: number;
  /** Further thresholds at which stopping is also evaluated (same traces and stopping models). */
  extraTaus?: number[];
}

export interface SweepPlan {
  targets: number[];
  seeds: number[];
  zDim: number;
  schedule: Schedule;
  /** Acquisition sequences per domain (and validation); the first complete rows. */
  sequences: number;
  /** Posterior draws per predictive step. */
  samples: number;
  preset: Preset;
}

export interface StopSummary {
  /** Mean |s − ŝ| (Eq. 7). */
  offset: number;
  /** Mean estimated stopping index Ŝ. */
  stop: number;
  /** Mean e_RMSE at Ŝ (dB). */
  rmseAtStop: number;
  /** Mean true stopping index. */
  trueStop: number;
}

/** Stopping at a further threshold, with the share of sequences whose estimated stop is the last measurement. */
export interface ThresholdStops {
  tau: number;
  uq: StopSummary;
  baseline: StopSummary;
  uqAtLast: number;
  baselineAtLast: number;
}

export interface DomainMetrics {
  distortion: number;
  rate: number;
  elbo: number;
  /** Mean A_RMSE over the sequences (measurement·dB) and the mean RMSE curve (m = 0 … M). */
  aRmse: number;
  rmseCurve: number[];
  uq: StopSummary;
  baseline: StopSummary;
  /** Stopping at the setting's extraTaus (absent when it has none). */
  extraStops?: ThresholdStops[];
  sequences: number;
}

export interface SweepModel {
  target: number;
  seed: number;
  hash: string;
  /** Rate and β of the last training batch. */
  trainBatchRate: number;
  beta: number;
  /** Partial RD on the training rows (training mask for static missingness). */
  train: { distortion: number; rate: number; elbo: number };
  /** Metrics per domain name. */
  domains: Record<string, DomainMetrics>;
  /** Ridge λ and coefficients of the UQ model (fitted on the validation sequences). */
  uqModel: { lambda: number; coef: number[]; intercept: number };
  reloaded: boolean;
}

/** Bump when the evaluation below changes meaning (invalidates cached metrics, not the models). */
const EVALUATION_VERSION = 1;

const summarizeStop = (ev: ReturnType<typeof evaluateStopping>): StopSummary => ({
  offset: ev.meanAbsOffset,
  stop: ev.meanStop,
  rmseAtStop: ev.meanRmseAtStop,
  trueStop: ev.meanTrueStop,
});
const shareAtLast = (ev: ReturnType<typeof evaluateStopping>, traces: AcquisitionTrace[]): number =>
  ev.sequences.filter((q, i) => q.sHat === traces[i].steps.length - 1).length / ev.sequences.length;

/** The first `k` complete rows of a domain (acquisition needs every column). */
function sequenceRows(d: SweepDomain, k: number): { x: Matrix; truth: Matrix } {
  const truthComplete = new Set(completeRows(d.truth));
  const rows = completeRows(d.x)
    .filter((i) => truthComplete.has(i))
    .slice(0, k);
  if (rows.length === 0) throw new Error(`rateSweep: domain "${d.name}" has no complete rows to acquire`);
  const D = d.x.shape[1];
  const take = (m: Matrix) => {
    const out = new Float32Array(rows.length * D);
    rows.forEach((r, i) => out.set(m.values.subarray(r * D, (r + 1) * D), i * D));
    return { values: out, shape: [rows.length, D] as [number, number] };
  };
  return { x: take(d.x), truth: take(d.truth) };
}

function checkMatrix(m: Matrix, D: number, where: string): void {
  if (m.shape.length !== 2 || m.shape[1] !== D)
    throw new Error(`rateSweep: ${where} has shape [${m.shape}], expected [n, ${D}]`);
  if (m.shape[0] === 0) throw new Error(`rateSweep: ${where} has no rows`);
}

/**
 * Train (or reload) every target × seed model of `plan` in `setting` and evaluate it (or reload its
 * cached metrics). Models are returned in plan order (targets outer, seeds inner).
 */
export async function rateSweep(
  setting: SweepSetting,
  plan: SweepPlan,
  opts: { runsDir?: string; progress?: ProgressMode; log?: (line: string) => void } = {},
): Promise<SweepModel[]> {
  const D = setting.train.shape[1];
  checkMatrix(setting.train, D, `setting "${setting.name}" train`);
  for (const d of [setting.validation, ...setting.domains]) {
    checkMatrix(d.x, D, `domain "${d.name}" x`);
    checkMatrix(d.truth, D, `domain "${d.name}" truth`);
    if (d.truth.shape[0] !== d.x.shape[0])
      throw new Error(`rateSweep: domain "${d.name}" has ${d.x.shape[0]} rows but ${d.truth.shape[0]} truth rows`);
  }
  if (setting.domains.length === 0) throw new Error(`rateSweep: setting "${setting.name}" has no test domain`);
  if (new Set(setting.domains.map((d) => d.name)).size !== setting.domains.length)
    throw new Error(`rateSweep: domain names repeat in "${setting.name}"`);
  for (const t of [setting.tau, ...(setting.extraTaus ?? [])]) {
    if (!(t > 0)) throw new Error(`rateSweep: setting "${setting.name}": stopping thresholds must be > 0 dB, got ${t}`);
  }
  if (plan.targets.length === 0 || plan.seeds.length === 0)
    throw new Error("rateSweep: the plan needs at least one target and one seed");
  plan.targets.forEach((t) => {
    if (!(t > 0)) throw new Error(`rateSweep: target rates must be > 0, got ${t}`);
  });
  const log = opts.log ?? ((s: string) => console.log(s));

  const scaler = fitScaler(setting.train);
  const trainMaskSeed = `${setting.name}/train-mask`;
  const missingness =
    setting.missingness === "static" ? { kind: "static" as const, seed: trainMaskSeed } : { kind: "dynamic" as const };
  // the fixed evaluation masks: the static training mask itself, or one draw of the dynamic process
  const trainEvalMask = staticMask(
    setting.train,
    setting.missingness === "static" ? trainMaskSeed : `${setting.name}/eval-train-mask`,
  );
  const domainMasks = setting.domains.map((d) => staticMask(d.x, `eval-mask/${d.name}`));
  const validationSeq = sequenceRows(setting.validation, plan.sequences);
  const domainSeq = setting.domains.map((d) => sequenceRows(d, plan.sequences));
  const evalKey = {
    version: EVALUATION_VERSION,
    validation: setting.validation.key,
    domains: setting.domains.map((d) => ({ name: d.name, key: d.key })),
    tau: setting.tau,
    // only present when set, so that settings without further thresholds keep their cached metrics
    ...(setting.extraTaus?.length ? { extraTaus: setting.extraTaus } : {}),
    sequences: plan.sequences,
    samples: plan.samples,
  };
  const evalHash = configHash(evalKey);

  const out: SweepModel[] = [];
  const total = plan.targets.length * plan.seeds.length;
  const t0 = Date.now();
  for (const target of plan.targets) {
    for (const seed of plan.seeds) {
      const k = out.length + 1;
      const pv = await trainPartialVaeRun({
        config: partialVaeConfig({ xDim: D, zDim: plan.zDim }),
        data: { key: setting.dataKey, train: setting.train },
        scaler,
        missingness,
        ...(setting.dequantize ? { dequantize: { step: 5, dims: THRESHOLD_INDICES.slice() } } : {}),
        objective: { kind: "target-rate", target },
        schedule: plan.schedule,
        seed,
        preset: plan.preset,
        label: `${setting.name}: R* = ${target}, seed ${seed} (${k}/${total})`,
        progress: opts.progress ?? "auto",
        runsDir: opts.runsDir,
      });
      const cache = path.join(pv.run.dir, `sweep-metrics-${evalHash}.json`);
      let m: SweepModel | null = null;
      if (fs.existsSync(cache)) {
        try {
          const { evalKey: _key, ...saved } = JSON.parse(fs.readFileSync(cache, "utf8")) as SweepModel & {
            evalKey: unknown;
          };
          void _key;
          m = { ...saved, reloaded: pv.run.reloaded };
        } catch {
          m = null; // unreadable cache: evaluate again
        }
      }
      if (!m) {
        const am: AcquisitionModel = { ...pv.acquisition, samples: plan.samples };
        const rng = new Rng(`sweep-eval/${pv.run.hash}`);
        const last = pv.run.history[pv.run.history.length - 1] as Record<string, unknown> | undefined;
        const trainRd = await evaluatePartialRd(am, setting.train, trainEvalMask, {
          rng: `sweep-eval/${pv.run.hash}/train-rd`,
        });
        const valTraces = await runAcquisition(am, validationSeq.x, {
          policy: { kind: "max-variance" },
          truth: validationSeq.truth,
          rng: rng.fork("validation"),
        });
        const uq: ErrorModel = fitErrorModel(valTraces, UQ_FEATURES);
        const base: ErrorModel = fitErrorModel(valTraces, BASELINE_FEATURES);
        const domains: Record<string, DomainMetrics> = {};
        for (let i = 0; i < setting.domains.length; i++) {
          const d = setting.domains[i];
          const rd = await evaluatePartialRd(am, d.x, domainMasks[i], {
            rng: `sweep-eval/${pv.run.hash}/rd/${d.name}`,
          });
          const traces: AcquisitionTrace[] = await runAcquisition(am, domainSeq[i].x, {
            policy: { kind: "max-variance" },
            truth: domainSeq[i].truth,
            rng: rng.fork(`acquire/${d.name}`),
          });
          const curves = curveSummary(informationCurves(traces, "rmse"));
          const uqPred = uq.predict(traces),
            basePred = base.predict(traces);
          const extraStops = (setting.extraTaus ?? []).map((tau): ThresholdStops => {
            const u = evaluateStopping(traces, uqPred, tau),
              b = evaluateStopping(traces, basePred, tau);
            return {
              tau,
              uq: summarizeStop(u),
              baseline: summarizeStop(b),
              uqAtLast: shareAtLast(u, traces),
              baselineAtLast: shareAtLast(b, traces),
            };
          });
          domains[d.name] = {
            distortion: rd.distortion,
            rate: rd.rate,
            elbo: rd.elbo,
            aRmse: curves.meanArea,
            rmseCurve: curves.mean,
            uq: summarizeStop(evaluateStopping(traces, uqPred, setting.tau)),
            baseline: summarizeStop(evaluateStopping(traces, basePred, setting.tau)),
            ...(extraStops.length ? { extraStops } : {}),
            sequences: traces.length,
          };
        }
        m = {
          target,
          seed,
          hash: pv.run.hash,
          trainBatchRate: Number(last?.rate ?? NaN),
          beta: Number(last?.ctl_beta ?? NaN),
          train: { distortion: trainRd.distortion, rate: trainRd.rate, elbo: trainRd.elbo },
          domains,
          uqModel: { lambda: uq.ridge.lambda, coef: uq.ridge.coef, intercept: uq.ridge.intercept },
          reloaded: pv.run.reloaded,
        };
        fs.writeFileSync(cache, JSON.stringify({ evalKey, ...m }) + "\n");
      }
      out.push(m);
      const first = m.domains[setting.domains[0].name];
      log(
        `[${k}/${total}] ${setting.name} R* = ${target} seed ${seed}: ${pv.run.reloaded ? "reloaded" : "trained"}; test rate ${first.rate.toFixed(2)}, D_p ${first.distortion.toFixed(2)}, A_RMSE ${first.aRmse.toFixed(1)}, O ${first.uq.offset.toFixed(2)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
    }
  }
  return out;
}

/** Index of the smallest value (first on ties); -1 for an empty list. */
export function argMin(values: readonly number[]): number {
  let best = -1;
  values.forEach((v, i) => {
    if (Number.isFinite(v) && (best < 0 || v < values[best])) best = i;
  });
  return best;
}

/** The model minimising f and its rate (on `domain`), or null when f is nowhere finite. */
export function optimum(
  models: readonly SweepModel[],
  domain: string,
  f: (m: SweepModel) => number,
): { index: number; rate: number; value: number } | null {
  const i = argMin(models.map(f));
  return i < 0 ? null : { index: i, rate: models[i].domains[domain].rate, value: f(models[i]) };
}
