// Uncertainty quantification and the stopping criterion (VAEquisition, seed 001 App. A, Sec. 3.3, 4.4):
//
//  - a ridge regression of the current e_RMSE on features of the current state that need no ground truth:
//    the measurement number m, the acquisition function summary (mean of R(u) over the candidates) and
//    the partial ELBO (UQ_FEATURES); the baseline uses m alone (BASELINE_FEATURES), i.e. one stopping
//    index for every sequence. Each (sequence, step) of the validation traces is one training point;
//  - the ridge strength is chosen by leave-one-out cross-validation over a grid. Features are
//    standardised with the validation data's means and sds (fixed constants), the intercept is not
//    penalised: β = (ZᵀZ + λP)⁻¹Zᵀy with Z = [1, X_std], P = diag(0, 1, …, 1). For such a penalised least
//    squares fit the LOO residual has the closed form e_i/(1 − H_ii), H = Z(ZᵀZ + λP)⁻¹Zᵀ (Sherman–
//    Morrison), equal to refitting without row i (same constants, same P) — the tests check this;
//  - stopping index for a threshold τ: s = the first m with e^m < τ (the truth), ŝ = the first m with
//    ê^m < τ (the prediction); a sequence whose error never falls below τ stops at its last step M.
//    m counts acquisitions after the always-observed age, 0 … M;
//  - the absolute offset O = |s − ŝ| (Eq. 7), averaged over test sequences, and its split into the part
//    from too-late stops (mean of max(ŝ − s, 0)) and from too-early ones (mean of max(s − ŝ, 0)); the RMSE at the stopping
//    index e^ŝ; and the outcome classes over every (sequence, step) point, with "done" meaning m ≥ the
//    stopping index: TP (predicted and truly done), TN (neither), FP (predicted done too early: ŝ ≤ m < s),
//    FN (truly done but not yet stopped: s ≤ m < ŝ). The oracle uses the true errors (O = 0).
import type { AcquisitionTrace } from "./acquisition";

// ---- ridge with closed-form leave-one-out --------------------------------------------------------

/** Solve A x = b for a small dense system (Gaussian elimination, partial pivoting). */
function solve(A: number[][], b: number[]): number[] {
  const n = A.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-300)
      throw new Error("ridge: the normal equations are singular (use λ > 0 or drop a constant feature)");
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}

function inverse(A: number[][]): number[][] {
  const n = A.length;
  const cols = Array.from({ length: n }, (_, j) =>
    solve(
      A,
      Array.from({ length: n }, (_, i) => (i === j ? 1 : 0)),
    ),
  );
  return Array.from({ length: n }, (_, i) => cols.map((c) => c[i]));
}

export interface Standardization {
  mean: number[];
  sd: number[];
}

/** Column means and sds (population; sd 1 for a constant column) of X. */
export function featureStandardization(X: number[][]): Standardization {
  const n = X.length;
  if (n === 0) throw new Error("ridge: no rows");
  const p = X[0].length;
  const mean = Array.from({ length: p }, (_, j) => X.reduce((s, r) => s + r[j], 0) / n);
  const sd = mean.map((m, j) => {
    const v = Math.sqrt(X.reduce((s, r) => s + (r[j] - m) ** 2, 0) / n);
    return v > 0 ? v : 1;
  });
  return { mean, sd };
}

export interface RidgeFit {
  lambda: number;
  /** Coefficients on the raw features and the intercept: ŷ = intercept + Σ coef_j x_j. */
  coef: number[];
  intercept: number;
  /** The standardisation used (fixed constants). */
  standardization: Standardization;
  predict(X: number[][]): number[];
}

function design(X: number[][], st: Standardization): number[][] {
  return X.map((r) => [1, ...r.map((v, j) => (v - st.mean[j]) / st.sd[j])]);
}

/** Ridge fit with an unpenalised intercept on features standardised by `st` (default: X's own). */
export function ridgeFit(
  X: number[][],
  y: number[],
  lambda: number,
  st: Standardization = featureStandardization(X),
): RidgeFit & { hatDiagonal: number[] } {
  if (X.length !== y.length) throw new Error(`ridge: ${X.length} rows of X, ${y.length} targets`);
  if (!(lambda >= 0)) throw new Error(`ridge: λ must be ≥ 0, got ${lambda}`);
  const Z = design(X, st);
  const q = Z[0].length;
  const A = Array.from({ length: q }, (_, i) =>
    Array.from({ length: q }, (_, j) => Z.reduce((s, z) => s + z[i] * z[j], 0) + (i === j && i > 0 ? lambda : 0)),
  );
  const Zy = Array.from({ length: q }, (_, i) => Z.reduce((s, z, r) => s + z[i] * y[r], 0));
  const beta = solve(A, Zy);
  const Ainv = inverse(A);
  const hatDiagonal = Z.map((z) => z.reduce((s, zi, i) => s + zi * z.reduce((t, zj, j) => t + Ainv[i][j] * zj, 0), 0));
  const coef = beta.slice(1).map((b, j) => b / st.sd[j]);
  const intercept = beta[0] - coef.reduce((s, c, j) => s + c * st.mean[j], 0);
  return {
    lambda,
    coef,
    intercept,
    standardization: st,
    hatDiagonal,
    predict: (Xn: number[][]) => Xn.map((r) => intercept + r.reduce((s, v, j) => s + coef[j] * v, 0)),
  };
}

/** Closed-form leave-one-out residuals y_i − ŷ_{−i} = (y_i − ŷ_i)/(1 − H_ii) of ridgeFit(X, y, λ, st). */
export function ridgeLooResiduals(
  X: number[][],
  y: number[],
  lambda: number,
  st: Standardization = featureStandardization(X),
): number[] {
  const fit = ridgeFit(X, y, lambda, st);
  const yh = fit.predict(X);
  return y.map((v, i) => (v - yh[i]) / (1 - fit.hatDiagonal[i]));
}

/** The default λ grid: 10^−4 … 10^4 in 33 log-spaced steps, and 0. */
export const DEFAULT_LAMBDAS: readonly number[] = Object.freeze([
  0,
  ...Array.from({ length: 33 }, (_, i) => 10 ** (-4 + i / 4)),
]);

/** Ridge with λ chosen by the closed-form LOO mean squared error over `lambdas` (ties: the larger λ). */
export function ridgeLooCV(
  X: number[][],
  y: number[],
  lambdas: readonly number[] = DEFAULT_LAMBDAS,
): RidgeFit & { looMse: { lambda: number; mse: number }[] } {
  const st = featureStandardization(X);
  const looMse: { lambda: number; mse: number }[] = [];
  for (const l of lambdas) {
    try {
      const r = ridgeLooResiduals(X, y, l, st);
      looMse.push({ lambda: l, mse: r.reduce((s, e) => s + e * e, 0) / r.length });
    } catch {
      looMse.push({ lambda: l, mse: Infinity });
    }
  }
  let best = looMse[0];
  for (const c of looMse) if (c.mse < best.mse || (c.mse === best.mse && c.lambda > best.lambda)) best = c;
  if (!Number.isFinite(best.mse)) throw new Error("ridgeLooCV: no λ gave a finite LOO error");
  const { hatDiagonal: _h, ...fit } = ridgeFit(X, y, best.lambda, st);
  void _h;
  return { ...fit, looMse };
}

// ---- the error model ------------------------------------------------------------------------------

export type StoppingFeature = "m" | "acquisition" | "elbo";
/** The UQ model's features (Sec. 3.3): measurement number, acquisition function summary, partial ELBO. */
export const UQ_FEATURES: readonly StoppingFeature[] = Object.freeze(["m", "acquisition", "elbo"] as StoppingFeature[]);
/** The baseline: the measurement number alone (a single stopping index for all sequences). */
export const BASELINE_FEATURES: readonly StoppingFeature[] = Object.freeze(["m"] as StoppingFeature[]);

function featureOf(s: AcquisitionTrace["steps"][number], f: StoppingFeature): number {
  return f === "m" ? s.m : f === "acquisition" ? s.acquisitionSummary : s.partialElbo;
}

/** One row per (sequence, step): the features, the true e_RMSE, and where it came from. */
export function stoppingData(
  traces: AcquisitionTrace[],
  features: readonly StoppingFeature[],
): { X: number[][]; y: number[]; sequence: number[]; m: number[] } {
  const X: number[][] = [],
    y: number[] = [],
    sequence: number[] = [],
    m: number[] = [];
  traces.forEach((t, i) =>
    t.steps.forEach((s) => {
      X.push(features.map((f) => featureOf(s, f)));
      y.push(s.rmse);
      sequence.push(i);
      m.push(s.m);
    }),
  );
  if (!y.every(Number.isFinite) || !X.every((r) => r.every(Number.isFinite)))
    throw new Error("stoppingData: a feature or an error is not finite");
  return { X, y, sequence, m };
}

export interface ErrorModel {
  features: StoppingFeature[];
  ridge: RidgeFit & { looMse: { lambda: number; mse: number }[] };
  /** ê^m for every step of every trace [sequences × (M + 1)]. */
  predict(traces: AcquisitionTrace[]): number[][];
}

/** Fit ê_RMSE = ridge(features) on the validation traces, λ by LOO CV. */
export function fitErrorModel(
  validation: AcquisitionTrace[],
  features: readonly StoppingFeature[] = UQ_FEATURES,
  lambdas: readonly number[] = DEFAULT_LAMBDAS,
): ErrorModel {
  const { X, y } = stoppingData(validation, features);
  const ridge = ridgeLooCV(X, y, lambdas);
  const fs = features.slice();
  return {
    features: fs,
    ridge,
    predict: (traces) => traces.map((t) => ridge.predict(t.steps.map((s) => fs.map((f) => featureOf(s, f))))),
  };
}

/** The true errors e^m of every step [sequences × (M + 1)] (the oracle's "prediction"). */
export function trueErrors(traces: AcquisitionTrace[]): number[][] {
  return traces.map((t) => t.steps.map((s) => s.rmse));
}

// ---- stopping evaluation --------------------------------------------------------------------------

/** The first index with errors[m] < τ, else the last index. */
export function stoppingIndex(errors: readonly number[], tau: number): number {
  if (errors.length === 0) throw new Error("stoppingIndex: empty sequence");
  const i = errors.findIndex((e) => e < tau);
  return i < 0 ? errors.length - 1 : i;
}

export interface OutcomeCounts {
  TP: number;
  TN: number;
  FP: number;
  FN: number;
}

/** Outcome classes of the points 0 … L−1 of one sequence with true stop s and estimated stop ŝ. */
export function outcomes(L: number, s: number, sHat: number): ("TP" | "TN" | "FP" | "FN")[] {
  return Array.from({ length: L }, (_, m) => {
    const pred = m >= sHat,
      truth = m >= s;
    return pred && truth ? "TP" : !pred && !truth ? "TN" : pred ? "FP" : "FN";
  });
}

export interface SequenceStop {
  /** True stopping index s. */
  s: number;
  /** Estimated stopping index ŝ. */
  sHat: number;
  /** ŝ − s (negative: too early). */
  offset: number;
  /** e_RMSE at ŝ. */
  rmseAtStop: number;
  outcomes: ("TP" | "TN" | "FP" | "FN")[];
}

export interface StoppingEvaluation {
  tau: number;
  sequences: SequenceStop[];
  /** Mean |s − ŝ| (Eq. 7 averaged). */
  meanAbsOffset: number;
  /** The too-late part of meanAbsOffset: mean of max(ŝ − s, 0). */
  meanLateOffset: number;
  /** The too-early part: mean of max(s − ŝ, 0) (meanLateOffset + meanEarlyOffset = meanAbsOffset). */
  meanEarlyOffset: number;
  /** Mean ŝ. */
  meanStop: number;
  /** Mean true s. */
  meanTrueStop: number;
  /** Mean e_RMSE at ŝ. */
  meanRmseAtStop: number;
  /** Shares of the outcome classes over all (sequence, step) points. */
  outcomeShares: OutcomeCounts;
  /** Shares of sequences stopped too early, exactly, too late. */
  offsetShares: { early: number; exact: number; late: number };
}

/**
 * Stop each test sequence where the predicted error first falls below τ and compare with where the true
 * error first does. `predicted` is ê^m per sequence and step (e.g. ErrorModel.predict(traces)).
 */
export function evaluateStopping(traces: AcquisitionTrace[], predicted: number[][], tau: number): StoppingEvaluation {
  if (traces.length === 0) throw new Error("evaluateStopping: no sequences");
  if (predicted.length !== traces.length)
    throw new Error(`evaluateStopping: ${predicted.length} predicted curves for ${traces.length} sequences`);
  const seqs: SequenceStop[] = traces.map((t, i) => {
    const e = t.steps.map((s) => s.rmse);
    if (predicted[i].length !== e.length)
      throw new Error(`evaluateStopping: sequence ${i} has ${e.length} steps, ${predicted[i].length} predictions`);
    const s = stoppingIndex(e, tau),
      sHat = stoppingIndex(predicted[i], tau);
    return { s, sHat, offset: sHat - s, rmseAtStop: e[sHat], outcomes: outcomes(e.length, s, sHat) };
  });
  const n = seqs.length;
  const mean = (f: (q: SequenceStop) => number) => seqs.reduce((a, q) => a + f(q), 0) / n;
  const counts: OutcomeCounts = { TP: 0, TN: 0, FP: 0, FN: 0 };
  let total = 0;
  for (const q of seqs)
    for (const o of q.outcomes) {
      counts[o]++;
      total++;
    }
  return {
    tau,
    sequences: seqs,
    meanAbsOffset: mean((q) => Math.abs(q.offset)),
    meanLateOffset: mean((q) => Math.max(q.offset, 0)),
    meanEarlyOffset: mean((q) => Math.max(-q.offset, 0)),
    meanStop: mean((q) => q.sHat),
    meanTrueStop: mean((q) => q.s),
    meanRmseAtStop: mean((q) => q.rmseAtStop),
    outcomeShares: { TP: counts.TP / total, TN: counts.TN / total, FP: counts.FP / total, FN: counts.FN / total },
    offsetShares: {
      early: mean((q) => (q.offset < 0 ? 1 : 0)),
      exact: mean((q) => (q.offset === 0 ? 1 : 0)),
      late: mean((q) => (q.offset > 0 ? 1 : 0)),
    },
  };
}
