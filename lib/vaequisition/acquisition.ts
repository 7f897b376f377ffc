// Sequential acquisition with a partial VAE (VAEquisition, seed 001 App. A, Sec. 3.2–3.3):
//
//  - the predictive distribution of every dimension given the observed set O,
//      p(x_u | x_O) ≈ ∫ p(x_u | z) q(z | x_O) dz,
//    estimated with S draws z_s ~ q(z|x_O): its mean (1/S) Σ_s m_u(z_s), and its variance, either the
//    sample variance of x_u^(s) ~ p(x_u | z_s) (Eq. 3 as the paper approximates it, estimator "sampled",
//    default) or the Rao–Blackwellised (1/S) Σ_s σ²_u(z_s) + Var_s m_u(z_s) (estimator "analytic");
//    an empty O is allowed (the prior predictive: the encoder sees the zero code);
//  - the estimate x̂^m: observed dimensions keep their measured values, unobserved ones take the
//    predictive mean;
//  - acquisition policies: max-variance (Eq. 3, argmax over the unobserved candidates of the predictive
//    variance; ties to the lowest column), random (a seeded permutation per sequence), and a fixed order
//    (the greedy "single best" order fitted on validation data by `singleBestOrder`). The `first`
//    columns (age) are always observed before any acquisition;
//  - per step m (m = 0 after `first`, up to M acquisitions): e_RMSE (Eq. 4, over all D columns, against
//    `truth`: the clean audiogram for synthetic data, else the measured one), e_NLL (Eq. 5, the expected
//    negative log-likelihood of the full truth under p(x|z), z ~ q(z|x_O)), the partial ELBO (Eq. 1 on the
//    observed set), and the acquisition function summary (mean over the candidate columns of R(u), with
//    observed columns counted as `observedVariance`, default 0);
//  - information curves over m and their areas A = Σ_m e^m (Eq. 6, a sum over the M + 1 points).
// Units: the model may work on standardised data (a Scaler); everything returned is in data units (dB,
// years), and densities are on the data scale (NLL and ELBO include Σ log sd_d of the columns they count).
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import type { Matrix } from "../data/dataset";
import { rowsOf } from "../eval/linear-fit";
import type { PartialVae } from "../models/partial-vae";
import { HALF_LOG_2PI } from "../prob/normal";
import { Scaler, identityScaler } from "./scaling";

export interface AcquisitionModel {
  model: PartialVae;
  /** Data → model units (default identity). */
  scaler?: Scaler;
  /** Posterior draws S per step (default 64). */
  samples?: number;
  /** Predictive variance estimator for the acquisition function (default "sampled", the paper's). */
  estimator?: "sampled" | "analytic";
  /** Value of R(u) shown/counted for observed columns (the paper plots the 5 dB measurement noise there): a number or one per column, in data units² (default 0). */
  observedVariance?: number | number[];
}

/** The predictive state of one datum given its observed set. */
export interface PredictiveRow {
  /** q(z | x_O): mean and log-variance [K]. */
  zMean: number[];
  zLogVar: number[];
  /** Predictive mean [D], data units. */
  mean: number[];
  /** Predictive variance [D] by the chosen estimator, data units². */
  variance: number[];
  /** Both estimators [D] (for checks and plots). */
  varianceSampled: number[];
  varianceAnalytic: number[];
  /** x̂: measured values where observed, the predictive mean elsewhere [D]. */
  estimate: number[];
  /** R(u) [D]: the predictive variance where unobserved, `observedVariance` where observed. */
  acquisition: number[];
  /** Partial ELBO (Eq. 1) of the observed set, its distortion and rate, nats (data scale). */
  partialElbo: number;
  partialDistortion: number;
  rate: number;
  /** With a truth: e_RMSE (Eq. 4) and e_NLL (Eq. 5). */
  rmse: number;
  nll: number;
}

function scalerOf(m: AcquisitionModel): Scaler {
  return m.scaler ?? identityScaler(m.model.xDim);
}

function observedVarianceOf(m: AcquisitionModel, D: number): number[] {
  const v = m.observedVariance ?? 0;
  if (Array.isArray(v)) {
    if (v.length !== D) throw new Error(`acquisition: observedVariance needs ${D} values, got ${v.length}`);
    return v;
  }
  return new Array<number>(D).fill(v);
}

/**
 * The predictive state of B data given their masks (1 = observed). `x` and `truth` are in data units;
 * unobserved entries of x may be anything (NaN included). `truth` (default: x) must be finite where the
 * RMSE/NLL are wanted; rows with a non-finite truth get NaN for both.
 */
export async function predictive(
  am: AcquisitionModel,
  x: number[][],
  mask: number[][],
  rng: Rng,
  truth: number[][] = x,
): Promise<PredictiveRow[]> {
  const model = am.model;
  const D = model.xDim,
    K = model.zDim,
    B = x.length;
  const S = am.samples ?? 64;
  if (!(Number.isInteger(S) && S >= 2)) throw new Error(`predictive: samples must be an integer ≥ 2, got ${S}`);
  if (B === 0) return [];
  if (mask.length !== B || truth.length !== B)
    throw new Error(`predictive: ${B} rows of x but ${mask.length} masks and ${truth.length} truths`);
  const sc = scalerOf(am);
  const obsVar = observedVarianceOf(am, D);
  const xs = new Float32Array(B * D),
    ms = new Float32Array(B * D),
    ts = new Float32Array(B * D);
  for (let b = 0; b < B; b++) {
    if (x[b].length !== D || mask[b].length !== D || truth[b].length !== D)
      throw new Error(`predictive: row ${b} must have ${D} values, mask and truth`);
    for (let d = 0; d < D; d++) {
      const o = mask[b][d] > 0.5;
      if (o && !Number.isFinite(x[b][d]))
        throw new Error(`predictive: row ${b} column ${d} is observed but ${x[b][d]}`);
      ms[b * D + d] = o ? 1 : 0;
      xs[b * D + d] = o ? (x[b][d] - sc.mean[d]) / sc.sd[d] : 0;
      ts[b * D + d] = (truth[b][d] - sc.mean[d]) / sc.sd[d];
    }
  }
  const eps = rng.fork("z").normals(S * B * K);
  const xi = rng.fork("x").normals(S * B * D);
  const [zMean, zLogVar, means, logVars] = tf.tidy(() => {
    const xt = tf.tensor2d(xs, [B, D]),
      mt = tf.tensor2d(ms, [B, D]);
    const q = model.encode(xt, mt);
    const z = tf.add(q.mean, tf.mul(tf.exp(tf.mul(q.logVar, 0.5)), tf.tensor3d(eps, [S, B, K])));
    const px = model.decodeDistribution(tf.reshape(z, [S * B, K]));
    return [q.mean, q.logVar, px.mean, px.logVar];
  });
  // async reads: a GPU backend cannot read synchronously in Node
  const [zm, zlv, mv, lvv] = await Promise.all([zMean.data(), zLogVar.data(), means.data(), logVars.data()]);
  tf.dispose([zMean, zLogVar, means, logVars]);
  const sumLogSd = (pred: (d: number) => boolean) => sc.sd.reduce((s, v, d) => (pred(d) ? s + Math.log(v) : s), 0);
  const out: PredictiveRow[] = [];
  for (let b = 0; b < B; b++) {
    const mean = new Array<number>(D),
      vS = new Array<number>(D),
      vA = new Array<number>(D);
    let nll = 0,
      dist = 0;
    const truthOk = truth[b].every(Number.isFinite);
    for (let d = 0; d < D; d++) {
      let sm = 0,
        sm2 = 0,
        sv = 0,
        sx = 0,
        sx2 = 0;
      for (let s = 0; s < S; s++) {
        const k = (s * B + b) * D + d;
        const m = mv[k],
          v = Math.exp(lvv[k]);
        sm += m;
        sm2 += m * m;
        sv += v;
        const xsmp = m + Math.sqrt(v) * xi[k];
        sx += xsmp;
        sx2 += xsmp * xsmp;
        const nl = (t: number) => (0.5 * (t - m) ** 2) / v + 0.5 * lvv[k] + HALF_LOG_2PI;
        if (truthOk) nll += nl(ts[b * D + d]) / S;
        if (ms[b * D + d]) dist += nl(xs[b * D + d]) / S;
      }
      const pm = sm / S;
      const sd2 = sc.sd[d] * sc.sd[d];
      mean[d] = sc.mean[d] + sc.sd[d] * pm;
      vA[d] = (sv / S + Math.max(0, sm2 / S - pm * pm)) * sd2;
      vS[d] = (Math.max(0, sx2 - (sx * sx) / S) / (S - 1)) * sd2;
    }
    const observed = (d: number) => ms[b * D + d] > 0;
    const variance = am.estimator === "analytic" ? vA : vS;
    const estimate = mean.map((v, d) => (observed(d) ? x[b][d] : v));
    let rate = 0;
    for (let k = 0; k < K; k++) {
      const mu = zm[b * K + k],
        lv = zlv[b * K + k];
      rate += 0.5 * (mu * mu + Math.exp(lv) - 1 - lv);
    }
    const distortion = dist + sumLogSd(observed);
    let rmse = NaN;
    if (truthOk) rmse = Math.sqrt(estimate.reduce((s, v, d) => s + (truth[b][d] - v) ** 2, 0) / D);
    out.push({
      zMean: Array.from(zm.subarray(b * K, (b + 1) * K)),
      zLogVar: Array.from(zlv.subarray(b * K, (b + 1) * K)),
      mean,
      variance,
      varianceSampled: vS,
      varianceAnalytic: vA,
      estimate,
      acquisition: variance.map((v, d) => (observed(d) ? obsVar[d] : v)),
      partialElbo: -(distortion + rate),
      partialDistortion: distortion,
      rate,
      rmse,
      nll: truthOk ? nll + sumLogSd(() => true) : NaN,
    });
  }
  return out;
}

/** q(z | x) with every column observed (the "full posterior" of Fig. 2), per row. */
export async function fullPosterior(
  am: AcquisitionModel,
  x: number[][],
): Promise<{ zMean: number[]; zLogVar: number[] }[]> {
  const D = am.model.xDim;
  const sc = scalerOf(am);
  const xs = tf.tensor2d(
    x.map((r) => r.map((v, d) => (v - sc.mean[d]) / sc.sd[d])),
    [x.length, D],
  );
  const q = am.model.encode(xs, tf.onesLike(xs));
  const [m, lv] = await Promise.all([q.mean.array(), q.logVar.array()]);
  tf.dispose([xs, q.mean, q.logVar]);
  return m.map((zMean, i) => ({ zMean, zLogVar: lv[i] }));
}

// ---- sequences -----------------------------------------------------------------------------------

export type AcquisitionPolicy = { kind: "max-variance" } | { kind: "random" } | { kind: "fixed"; order: number[] };

export interface AcquisitionRunOptions {
  policy: AcquisitionPolicy;
  /** Columns observed before any acquisition (default [0]: age). */
  first?: number[];
  /** Columns that can be acquired (default every column not in `first`). */
  candidates?: number[];
  /** What the errors are measured against (default: x itself). */
  truth?: Matrix;
  rng: Rng | Seed;
  /** Also record the state with nothing observed (Fig. 2, first row); default false. */
  includePrior?: boolean;
}

/** One step of one sequence: the state after `first` plus m acquisitions. */
export interface AcquisitionStep extends PredictiveRow {
  m: number;
  /** Observed columns (in acquisition order, `first` first). */
  observed: number[];
  /** Mean of R(u) over the candidate columns (observed ones count as observedVariance). */
  acquisitionSummary: number;
  /** The column acquired next (undefined at the last step). */
  next?: number;
}

export interface AcquisitionTrace {
  /** Row of the data this sequence acquires. */
  row: number;
  /** Candidate columns in the order they were acquired. */
  order: number[];
  /** steps[m], m = 0 … M. */
  steps: AcquisitionStep[];
  /** The state with nothing observed, if asked. */
  prior?: PredictiveRow;
}

function resolveColumns(
  D: number,
  first: number[] | undefined,
  candidates: number[] | undefined,
  where: string,
): { first: number[]; candidates: number[] } {
  const f = first ?? [0];
  const c = candidates ?? Array.from({ length: D }, (_, d) => d).filter((d) => !f.includes(d));
  for (const d of [...f, ...c])
    if (!(Number.isInteger(d) && d >= 0 && d < D)) throw new Error(`${where}: column ${d} outside 0…${D - 1}`);
  if (new Set([...f, ...c]).size !== f.length + c.length)
    throw new Error(`${where}: first and candidates overlap or repeat (${f} | ${c})`);
  if (c.length === 0) throw new Error(`${where}: no candidate columns`);
  return { first: f, candidates: c };
}

function summary(acq: number[], candidates: number[]): number {
  return candidates.reduce((s, d) => s + acq[d], 0) / candidates.length;
}

/**
 * Acquire every row of `x` (data units, complete rows) column by column under `policy`, all rows in one
 * batch per step. Step m's draws come from rng.fork("step/m"), so a run is reproducible.
 */
export async function runAcquisition(
  am: AcquisitionModel,
  x: Matrix,
  opts: AcquisitionRunOptions,
): Promise<AcquisitionTrace[]> {
  const where = "runAcquisition";
  const D = am.model.xDim;
  if (x.shape[1] !== D) throw new Error(`${where}: data have ${x.shape[1]} columns, the model ${D}`);
  const X = rowsOf(x);
  X.forEach((r, i) => {
    if (!r.every(Number.isFinite))
      throw new Error(`${where}: row ${i} has missing values; acquisition needs complete rows (see completeRows)`);
  });
  const T = opts.truth ? rowsOf(opts.truth) : X;
  if (T.length !== X.length) throw new Error(`${where}: truth has ${T.length} rows, x ${X.length}`);
  const { first, candidates } = resolveColumns(D, opts.first, opts.candidates, where);
  const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng);
  const B = X.length,
    M = candidates.length;
  const pol = opts.policy;
  let randomOrders: number[][] | null = null;
  if (pol.kind === "fixed") {
    if (pol.order.length !== M || pol.order.some((d) => !candidates.includes(d)) || new Set(pol.order).size !== M)
      throw new Error(
        `${where}: a fixed order must be a permutation of the candidates ${candidates}, got ${pol.order}`,
      );
  } else if (pol.kind === "random") {
    randomOrders = X.map((_, i) =>
      rng
        .fork(`random/${i}`)
        .permutation(M)
        .map((k) => candidates[k]),
    );
  } else if (pol.kind !== "max-variance") throw new Error(`${where}: unknown policy ${JSON.stringify(pol)}`);
  const observed: number[][] = X.map(() => first.slice());
  const traces: AcquisitionTrace[] = X.map((_, i) => ({ row: i, order: [], steps: [] }));
  if (opts.includePrior) {
    const prior = await predictive(
      am,
      X,
      X.map(() => new Array<number>(D).fill(0)),
      rng.fork("prior"),
      T,
    );
    prior.forEach((p, i) => (traces[i].prior = p));
  }
  for (let m = 0; m <= M; m++) {
    const masks = observed.map((o) => {
      const r = new Array<number>(D).fill(0);
      o.forEach((d) => (r[d] = 1));
      return r;
    });
    const state = await predictive(am, X, masks, rng.fork(`step/${m}`), T);
    for (let i = 0; i < B; i++) {
      const s = state[i];
      const step: AcquisitionStep = {
        ...s,
        m,
        observed: observed[i].slice(),
        acquisitionSummary: summary(s.acquisition, candidates),
      };
      if (m < M) {
        let next: number;
        if (pol.kind === "fixed") next = pol.order[m];
        else if (pol.kind === "random") next = randomOrders![i][m];
        else {
          next = -1;
          let best = -Infinity;
          for (const d of candidates)
            if (!observed[i].includes(d) && s.variance[d] > best) {
              best = s.variance[d];
              next = d;
            }
        }
        step.next = next;
        observed[i].push(next);
        traces[i].order.push(next);
      }
      traces[i].steps.push(step);
    }
  }
  return traces;
}

/** Rows of x with no missing value (their indices). */
export function completeRows(x: Matrix): number[] {
  const [n, D] = x.shape;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (let d = 0; d < D && ok; d++) ok = Number.isFinite(x.values[i * D + d]);
    if (ok) out.push(i);
  }
  return out;
}

// ---- information curves --------------------------------------------------------------------------

/** e^m per sequence [sequences × (M + 1)] for "rmse" (Eq. 4) or "nll" (Eq. 5). */
export function informationCurves(traces: AcquisitionTrace[], metric: "rmse" | "nll"): number[][] {
  return traces.map((t) => t.steps.map((s) => s[metric]));
}

/** Eq. 6: A = Σ_m e^m over the curve's M + 1 points (units: measurement × metric). */
export function curveArea(curve: number[]): number {
  return curve.reduce((s, v) => s + v, 0);
}

/** Mean and population sd over sequences at each m, and the area of each sequence's curve. */
export function curveSummary(curves: number[][]): { mean: number[]; sd: number[]; areas: number[]; meanArea: number } {
  if (curves.length === 0) throw new Error("curveSummary: no curves");
  const L = curves[0].length;
  const mean = Array.from({ length: L }, (_, m) => curves.reduce((s, c) => s + c[m], 0) / curves.length);
  const sd = mean.map((mu, m) => Math.sqrt(curves.reduce((s, c) => s + (c[m] - mu) ** 2, 0) / curves.length));
  const areas = curves.map(curveArea);
  return { mean, sd, areas, meanArea: areas.reduce((s, a) => s + a, 0) / areas.length };
}

// ---- the greedy single best order ----------------------------------------------------------------

/**
 * The greedy "single best" fixed order (Sec. 4.5): starting from `first`, repeatedly add the candidate
 * whose observation gives the lowest mean e_RMSE over the validation rows; returns the order and the
 * mean RMSE after each addition. Each evaluation draws from rng.fork("greedy/t/u").
 */
export async function singleBestOrder(
  am: AcquisitionModel,
  x: Matrix,
  opts: { first?: number[]; candidates?: number[]; truth?: Matrix; rng: Rng | Seed },
): Promise<{ order: number[]; meanRmse: number[] }> {
  const D = am.model.xDim;
  const X = rowsOf(x);
  X.forEach((r, i) => {
    if (!r.every(Number.isFinite)) throw new Error(`singleBestOrder: validation row ${i} has missing values`);
  });
  const T = opts.truth ? rowsOf(opts.truth) : X;
  const { first, candidates } = resolveColumns(D, opts.first, opts.candidates, "singleBestOrder");
  const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng);
  const order: number[] = [],
    meanRmse: number[] = [];
  const left = candidates.slice();
  for (let t = 0; left.length > 0; t++) {
    let best = -1,
      bestErr = Infinity;
    for (const u of left) {
      const obs = [...first, ...order, u];
      const mask = X.map(() => {
        const r = new Array<number>(D).fill(0);
        obs.forEach((d) => (r[d] = 1));
        return r;
      });
      const st = await predictive(am, X, mask, rng.fork(`greedy/${t}/${u}`), T);
      const err = st.reduce((s, p) => s + p.rmse, 0) / st.length;
      if (err < bestErr) {
        bestErr = err;
        best = u;
      }
    }
    order.push(best);
    meanRmse.push(bestErr);
    left.splice(left.indexOf(best), 1);
  }
  return { order, meanRmse };
}
