// The empirical study of PDisVAE Appendix A.3.3 (Fig. 6 right, Table 3): how the MWS, MSS and IS
// minibatch estimators of the aggregate posterior q(z) behave at one fixed z ~ q(z|n*), over random
// batches of M points drawn without replacement that contain n*.
// Three independent views of the same quantity: Monte-Carlo repeats, exact enumeration of every
// batch, and closed-form finite-population moments.
import { Rng } from "../engine/rng";
import { estimateQ, estimatorWeights } from "../prob/aggregate";

/** The three estimators, lower-case as used for record keys. */
export type StudyMethod = "mws" | "mss" | "is";

export const ESTIMATORS: readonly StudyMethod[] = ["mws", "mss", "is"];

/** The exact aggregate posterior q(z) = (1/N) Σ_n q(z|n). */
export function trueAggregate(qAll: number[]): number {
  return qAll.reduce((a, b) => a + b, 0) / qAll.length;
}

/** One batch in estimator order: n* first, then the M−1 others in draw order (MSS weights the last one differently). */
export function drawBatch(anchor: number, n: number, m: number, rng: Rng): number[] {
  const others = rng.sampleWithoutReplacement(n - 1, m - 1).map((i) => (i >= anchor ? i + 1 : i));
  return [anchor, ...others];
}

export interface MethodSummary {
  mean: number;
  /** Sample variance (n−1 denominator) of the estimates. */
  variance: number;
  /** Standard error of the mean. */
  standardError: number;
}

export interface SimulationResult {
  truth: number;
  estimates: Record<StudyMethod, number[]>;
  summary: Record<StudyMethod, MethodSummary>;
}

function summarise(xs: number[]): MethodSummary {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = xs.reduce((a, x) => a + (x - mean) * (x - mean), 0) / (n - 1);
  return { mean, variance, standardError: Math.sqrt(variance / n) };
}

/** Monte-Carlo repeats: each draws a batch containing the anchor and evaluates every estimator on it. */
export function simulateEstimators(
  qAll: number[],
  anchor: number,
  m: number,
  repeats: number,
  rng: Rng,
): SimulationResult {
  const n = qAll.length;
  checkSizes(n, m, anchor);
  const estimates = { mws: [] as number[], mss: [] as number[], is: [] as number[] };
  for (let r = 0; r < repeats; r++) {
    const batch = drawBatch(anchor, n, m, rng);
    const q = batch.map((i) => qAll[i]);
    for (const method of ESTIMATORS) estimates[method].push(estimateQ(method, q, n));
  }
  return {
    truth: trueAggregate(qAll),
    estimates,
    summary: { mws: summarise(estimates.mws), mss: summarise(estimates.mss), is: summarise(estimates.is) },
  };
}

export interface ExactMoments {
  mean: number;
  /** Population variance over all equally likely ordered batches. */
  variance: number;
  batches: number;
}

/**
 * Exact mean and variance over every equally likely batch. Only the set of M−1 other points and which of
 * them comes last matter (MSS weights the last one differently; the others are symmetric), so we
 * enumerate C(N−1, M−1) subsets × (M−1) choices of the last one.
 */
export function enumerateEstimator(method: StudyMethod, qAll: number[], anchor: number, m: number): ExactMoments {
  const n = qAll.length;
  checkSizes(n, m, anchor);
  const others = qAll.filter((_, i) => i !== anchor);
  let count = 0,
    s = 0,
    s2 = 0;
  const subset: number[] = [];
  const visit = (from: number) => {
    if (subset.length === m - 1) {
      for (let last = 0; last < subset.length; last++) {
        const ordered = subset
          .filter((_, k) => k !== last)
          .concat(subset[last])
          .map((i) => others[i]);
        const v = estimateQ(method, [qAll[anchor], ...ordered], n);
        count++;
        s += v;
        s2 += v * v;
      }
      return;
    }
    for (let i = from; i < others.length; i++) {
      subset.push(i);
      visit(i + 1);
      subset.pop();
    }
  };
  visit(0);
  const mean = s / count;
  return { mean, variance: Math.max(0, s2 / count - mean * mean), batches: count };
}

/**
 * Population variance of the inverse importance weights N·w_j that the estimator actually uses for one
 * sample (row 0 of estimatorWeights): the quantity of the paper's Eq. 14–15, computed from our weights.
 */
export function weightDatasetVariance(method: "mss" | "is", m: number, n: number): number {
  const inv = estimatorWeights(method, m, n)[0].map((w) => n * w);
  const mean = inv.reduce((a, b) => a + b, 0) / m;
  return inv.reduce((a, x) => a + (x - mean) * (x - mean), 0) / m;
}

/**
 * Closed-form variance of the MSS and IS estimators over random batches.
 * Both are c*·(1/N) + Σ_k a_k X_k where X_1…X_{M−1} are drawn without replacement from the P = N−1 values
 * q(z|n), n ≠ n*. For such draws Var(Σ a_k X_k) = S² (Σa_k² − (Σa_k)²/P), with S² the variance of those
 * P values with a (P−1) denominator. IS has equal a_k = (N−1)/(N(M−1)); MSS has M−2 weights 1/(M−1) and
 * one (N−M+1)/(N(M−1)); both sum to (N−1)/N, so
 *   Var[MSS] − Var[IS] = S² (Σa²_MSS − Σa²_IS) = S² (M−2) / (N² (M−1)).
 * (Derived here; the paper's Eq. 16 states the analogous difference for the inverse-weight datasets.)
 */
export function estimatorVarianceClosedForm(method: "mss" | "is", qAll: number[], anchor: number, m: number): number {
  const n = qAll.length;
  checkSizes(n, m, anchor);
  const others = qAll.filter((_, i) => i !== anchor);
  const p = others.length;
  const mean = others.reduce((a, b) => a + b, 0) / p;
  const s2 = others.reduce((a, x) => a + (x - mean) * (x - mean), 0) / (p - 1);
  const a =
    method === "is"
      ? new Array(m - 1).fill((n - 1) / (n * (m - 1)))
      : [...new Array(m - 2).fill(1 / (m - 1)), (n - m + 1) / (n * (m - 1))];
  const sumA = a.reduce((x, y) => x + y, 0);
  const sumA2 = a.reduce((x, y) => x + y * y, 0);
  return s2 * (sumA2 - (sumA * sumA) / p);
}

/** The closed-form estimator-variance difference Var[MSS] − Var[IS] (see estimatorVarianceClosedForm). */
export function estimatorVarianceGap(qAll: number[], anchor: number, m: number): number {
  return estimatorVarianceClosedForm("mss", qAll, anchor, m) - estimatorVarianceClosedForm("is", qAll, anchor, m);
}

function checkSizes(n: number, m: number, anchor: number): void {
  if (!(Number.isInteger(m) && m >= 2 && m <= n))
    throw new Error(`batch size M=${m} must be an integer in [2, N=${n}]`);
  if (!(Number.isInteger(anchor) && anchor >= 0 && anchor < n))
    throw new Error(`anchor n*=${anchor} must index one of the N=${n} points`);
}
