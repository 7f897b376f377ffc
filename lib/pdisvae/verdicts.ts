// The decision rules of the PDisVAE claims, one standard both ways: a comparison holds when it is supported beyond
// the seeds' noise (Welch's t-test, the test of the paper's own box plots, p ≤ 0.05 in the stated direction), a
// difference inside the noise is a tie, and a claim the paper states as a tie holds on a tie.
import { welchTTest } from "../eval/stat-tests";
import { mean, standardError } from "../eval/summary";
import { studentTTwoSided } from "../eval/stat-tests";

/** The significance level of every comparative PDisVAE verdict (the paper's "*" level). */
export const ALPHA = 0.05;

export interface Comparison {
  /** The other sample's name. */
  other: string;
  /** mean(a) − mean(b). */
  meanDiff: number;
  /** Welch two-sided p; NaN when both samples are constant and equal. */
  p: number;
  /** "better", "worse" or "tie" for a (beyond the noise, in the better direction). */
  outcome: "better" | "worse" | "tie";
}

/** Welch's test of `a` against `b`: better / worse when p ≤ ALPHA in that direction, else a tie. */
export function compare(a: readonly number[], b: readonly number[], lowerBetter: boolean, other = "b"): Comparison {
  if (a.length < 2 || b.length < 2) {
    const d = mean(a) - mean(b);
    return { other, meanDiff: d, p: NaN, outcome: "tie" };
  }
  const t = welchTTest(a, b);
  const significant = t.pValue <= ALPHA;
  const aBetter = lowerBetter ? t.meanDiff < 0 : t.meanDiff > 0;
  return { other, meanDiff: t.meanDiff, p: t.pValue, outcome: significant ? (aBetter ? "better" : "worse") : "tie" };
}

/** `a` against each named sample. */
export function compareAll(
  a: readonly number[],
  others: Readonly<Record<string, readonly number[]>>,
  lowerBetter: boolean,
): Comparison[] {
  return Object.entries(others).map(([name, v]) => compare(a, v, lowerBetter, name));
}

/** "vs VAE better (p 0.003), vs ICA tie (p 0.41)". */
export function formatComparisons(cs: readonly Comparison[]): string {
  return cs.map((c) => `vs ${c.other} ${c.outcome} (p ${Number.isNaN(c.p) ? "–" : c.p.toPrecision(2)})`).join(", ");
}

/**
 * Whether the mean of `values` is compatible with the band [lo, hi]: its two-sided 95 % t-interval over seeds meets
 * the band (one value: the value itself must lie in it). A miss inside the seeds' noise is not a miss.
 */
export function meetsBand(
  values: readonly number[],
  lo: number,
  hi: number,
): { holds: boolean; low: number; high: number } {
  const m = mean(values);
  if (values.length < 2) return { holds: m >= lo && m <= hi, low: m, high: m };
  const se = standardError(values);
  const q = tQuantile975(values.length - 1);
  const low = m - q * se,
    high = m + q * se;
  return { holds: high >= lo && low <= hi, low, high };
}

/** The 97.5 % quantile of Student's t with df degrees of freedom (bisection on the two-sided p). */
export function tQuantile975(df: number): number {
  let lo = 0,
    hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentTTwoSided(mid, df) > 0.05) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The verdict of "`a` is better than every other" (all comparisons "better"), and a cause when it fails, built
 * from the numbers: the restart row holding points at the optimiser, ties at too few seeds, a significant reversal
 * at a result that does not reproduce.
 */
export function superiorityVerdict(
  literal: readonly Comparison[],
  restarts: { comparisons: readonly Comparison[]; R: number } | null,
  seeds: number,
  paperSeeds = 10,
): {
  holds: boolean;
  restartHolds: boolean | null;
  cause: { class: "implementation" | "scale" | "does-not-reproduce"; note: string };
} {
  const holds = literal.every((c) => c.outcome === "better");
  const restartHolds = restarts ? restarts.comparisons.every((c) => c.outcome === "better") : null;
  const worse = literal.filter((c) => c.outcome === "worse"),
    ties = literal.filter((c) => c.outcome === "tie");
  let cause: { class: "implementation" | "scale" | "does-not-reproduce"; note: string };
  if (restarts && restartHolds) {
    cause = {
      class: "implementation",
      note: `Single from-scratch runs stop in optima that split true groups (${formatComparisons(literal)}); keeping the lowest training objective of ${restarts.R} restarts per seed (no labels) the claim holds (${formatComparisons(restarts.comparisons)}).`,
    };
  } else if (worse.length === 0) {
    cause = {
      class: "scale",
      note: `With ${seeds} seeds the difference is inside the noise (${formatComparisons(ties)}, Welch p > ${ALPHA}); the paper uses ${paperSeeds} seeds and 12× more epochs.`,
    };
  } else {
    cause = {
      class: "does-not-reproduce",
      note: `Significantly reversed at ${seeds} seeds: ${formatComparisons(worse)}${restarts ? `; best of ${restarts.R} restarts: ${formatComparisons(restarts.comparisons)}` : ""}.`,
    };
  }
  return { holds, restartHolds, cause };
}

/**
 * Welch's two-sided p from summary statistics: two means with their per-seed sds over n seeds each (e.g. a paper's
 * "mean (sd)" table over its 10 seeds). 1 when the means are equal, 0 when both sds are 0 and the means differ.
 */
export function summaryWelchP(ma: number, sa: number, mb: number, sb: number, n: number): number {
  if (!(Number.isInteger(n) && n >= 2)) throw new Error(`summaryWelchP: need n ≥ 2 seeds, got ${n}`);
  const va = (sa * sa) / n,
    vb = (sb * sb) / n;
  const se2 = va + vb;
  if (se2 === 0) return ma === mb ? 1 : 0;
  const df = (se2 * se2) / ((va * va) / (n - 1) + (vb * vb) / (n - 1));
  return studentTTwoSided(Math.abs(ma - mb) / Math.sqrt(se2), df);
}
