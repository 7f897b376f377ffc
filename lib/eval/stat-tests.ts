// Statistical tests used by the PDisVAE evaluation (seed 002):
//  - the D'Agostino–Pearson K² normality test (scipy.stats.normaltest), used in A.4.2 to find a
//    "dummy" Gaussian direction inside a rank-2 group ("we can find a direction within each group that
//    yields p > 0.05, which accepts the null hypothesis of the normal test"), with the angle scan;
//  - two-sample t-tests (Welch's and Student's) with two-sided p-values from the Student t distribution,
//    for the pairwise comparisons drawn as brackets on the box plots of Fig. 3(a), 7 and 8(b);
//  - the significance labels of those brackets.
//
// Formulas follow scipy 1.17 (skewtest, kurtosistest, normaltest, ttest_ind) and are written out below;
// one deliberate difference: an exactly symmetric sample gets Z_skew = 0 (scipy's guard gives ≈ 1).
// The t CDF uses the regularised incomplete beta function I_x(a, b), evaluated by its continued fraction
// (modified Lentz) on the side where it converges: P(|T| ≥ t) = I_{ν/(ν+t²)}(ν/2, 1/2). Checked against
// scipy (Boost): relative error ≲ 1e-12 for ν ≤ 1e5, growing to ~1e-10 at ν = 1e7 and ~2e-9 at ν = 1e8
// (cancellation in the fraction when a = ν/2 is huge and x sits near the branch threshold) — far below
// what matters for box-plot t-tests (ν < 100). For a and b both ~1e7 the log-beta itself limits I_x to ~1e-7.
import { lbetaScalar } from "../prob/special";

// ---------------------------------------------------------------------------------------------
// Special functions

/**
 * Regularised incomplete beta I_x(a, b) for a, b > 0, 0 ≤ x ≤ 1. `xc` may pass 1 − x computed without
 * cancellation (e.g. t²/(ν+t²)); by default 1 − x.
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number, xc = 1 - x): number {
  if (!(a > 0) || !(b > 0))
    throw new Error(`lib/eval/stat-tests regularizedIncompleteBeta: need a, b > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new Error(`lib/eval/stat-tests regularizedIncompleteBeta: x=${x} outside [0, 1]`);
  if (x === 0) return 0;
  if (xc === 0 || x === 1) return 1;
  // log of the front factor x^a (1−x)^b / B(a, b); log x from log1p(−xc) near 1 (a can be ~1e6 here)
  const logX = x > 0.5 ? Math.log1p(-xc) : Math.log(x);
  const logXc = xc > 0.5 ? Math.log1p(-x) : Math.log(xc);
  const logFront = a * logX + b * logXc - lbetaScalar(a, b);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(xc, b, a)) / b;
}

/**
 * Continued fraction for I_x(a, b) (Numerical Recipes 6.4), by the modified Lentz method. It converges in
 * O(√max(a, b)) terms for x < (a+1)/(a+b+2); the cap is generous for ν up to ~1e8.
 */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const EPS = 1e-15;
  const MAX_ITER = 200000;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  throw new Error(`lib/eval/stat-tests: incomplete beta continued fraction did not converge (x=${x}, a=${a}, b=${b})`);
}

/** Two-sided tail P(|T| ≥ |t|) of Student's t with ν > 0 degrees of freedom. */
export function studentTTwoSided(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`lib/eval/stat-tests studentTTwoSided: df must be > 0, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  // x = ν/(ν+t²), 1 − x = t²/(ν+t²), both without cancellation.
  return regularizedIncompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

/** Student t CDF P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTTwoSided(t, df) / 2;
  return t >= 0 ? 1 - tail : tail;
}

/** Upper tail P(T ≥ t). */
export function studentTSf(t: number, df: number): number {
  return studentTCdf(-t, df);
}

/** Chi-square survival function for 2 degrees of freedom: exp(−x/2). */
export function chi2Sf2(x: number): number {
  return x <= 0 ? 1 : Math.exp(-x / 2);
}

// ---------------------------------------------------------------------------------------------
// Normality test (scipy.stats.normaltest)

function centralMoments(x: ArrayLike<number>): { n: number; m2: number; m3: number; m4: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let m2 = 0,
    m3 = 0,
    m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return { n, m2: m2 / n, m3: m3 / n, m4: m4 / n };
}

export interface ZTest {
  statistic: number;
  /** Two-sided normal p-value (not used by normaltest, reported for completeness). */
  pValue: number;
}

/** 2·Φ̄(|z|) = erfc(|z|/√2). */
function normalTwoSided(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/**
 * Complementary error function from erfc(x) = Q(1/2, x²) for x ≥ 0: the regularised lower gamma series
 * below x² = 1.5, the upper-gamma continued fraction above (relative error ~1e-15).
 */
function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x < 0) return 2 - erfc(-x);
  const y = x * x;
  if (y < 1.5) return 1 - lowerGammaSeriesHalf(y);
  return upperGammaCfHalf(y);
}

const LOG_SQRT_PI = 0.5723649429247001; // lgamma(1/2)

/** P(1/2, y) by its series. */
function lowerGammaSeriesHalf(y: number): number {
  const a = 0.5;
  let sum = 1 / a;
  let term = sum;
  for (let n = 1; n < 500; n++) {
    term *= y / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
  }
  return sum * Math.exp(-y + a * Math.log(y) - LOG_SQRT_PI);
}

/** Q(1/2, y) by its continued fraction (Lentz). */
function upperGammaCfHalf(y: number): number {
  const a = 0.5;
  const TINY = 1e-300;
  let b = y + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(-y + a * Math.log(y) - LOG_SQRT_PI) * h;
}

/** Two-sided standard normal p-value 2·Φ̄(|z|). */
export function normalTwoSidedP(z: number): number {
  return normalTwoSided(z);
}

/** D'Agostino's skewness test (scipy.stats.skewtest): Z of the sample skewness g₁ = m₃/m₂^{3/2}. Needs n ≥ 8. */
export function skewTest(x: ArrayLike<number>): ZTest {
  const { n, m2, m3 } = centralMoments(x);
  if (n < 8) throw new Error(`lib/eval/stat-tests skewTest: needs at least 8 samples, got ${n}`);
  const b2 = m2 === 0 ? NaN : m3 / Math.pow(m2, 1.5);
  const y = b2 * Math.sqrt(((n + 1) * (n + 3)) / (6 * (n - 2)));
  const beta2 = (3 * (n * n + 27 * n - 70) * (n + 1) * (n + 3)) / ((n - 2) * (n + 5) * (n + 7) * (n + 9));
  const W2 = -1 + Math.sqrt(2 * (beta2 - 1));
  const delta = 1 / Math.sqrt(0.5 * Math.log(W2));
  const alpha = Math.sqrt(2 / (W2 - 1));
  // Z = δ·asinh(y/α) (= δ log(y/α + √((y/α)² + 1)), scipy's form). scipy replaces y = 0 by 1 first, so an
  // exactly symmetric sample gets Z ≈ 1 there; we keep Z = 0, the value of the formula.
  const Z = delta * Math.asinh(y / alpha);
  return { statistic: Z, pValue: normalTwoSided(Z) };
}

/** Anscombe–Glynn kurtosis test (scipy.stats.kurtosistest): Z of the sample kurtosis b₂ = m₄/m₂². Needs n ≥ 5. */
export function kurtosisTest(x: ArrayLike<number>): ZTest {
  const { n, m2, m4 } = centralMoments(x);
  if (n < 5) throw new Error(`lib/eval/stat-tests kurtosisTest: needs at least 5 samples, got ${n}`);
  const b2 = m2 === 0 ? NaN : m4 / (m2 * m2);
  const E = (3 * (n - 1)) / (n + 1);
  const varb2 = (24 * n * (n - 2) * (n - 3)) / ((n + 1) * (n + 1) * (n + 3) * (n + 5));
  const xs = (b2 - E) / Math.sqrt(varb2);
  const sqrtbeta1 =
    ((6 * (n * n - 5 * n + 2)) / ((n + 7) * (n + 9))) * Math.sqrt((6 * (n + 3) * (n + 5)) / (n * (n - 2) * (n - 3)));
  const A = 6 + (8 / sqrtbeta1) * (2 / sqrtbeta1 + Math.sqrt(1 + 4 / (sqrtbeta1 * sqrtbeta1)));
  const term1 = 1 - 2 / (9 * A);
  const denom = 1 + xs * Math.sqrt(2 / (A - 4));
  const term2 = denom === 0 ? NaN : Math.sign(denom) * Math.cbrt((1 - 2 / A) / Math.abs(denom));
  const Z = (term1 - term2) / Math.sqrt(2 / (9 * A));
  return { statistic: Z, pValue: normalTwoSided(Z) };
}

export interface NormalTestResult {
  /** K² = Z_skew² + Z_kurt². */
  statistic: number;
  /** P(χ²₂ ≥ K²) = exp(−K²/2). */
  pValue: number;
  zSkew: number;
  zKurtosis: number;
}

/** D'Agostino–Pearson omnibus K² test of normality (scipy.stats.normaltest). Needs n ≥ 8. */
export function normalTest(x: ArrayLike<number>): NormalTestResult {
  for (let i = 0; i < x.length; i++)
    if (!Number.isFinite(x[i])) throw new Error(`lib/eval/stat-tests normalTest: x[${i}] is ${x[i]}`);
  const zs = skewTest(x).statistic;
  const zk = kurtosisTest(x).statistic;
  const k2 = zs * zs + zk * zk;
  return { statistic: k2, pValue: chi2Sf2(k2), zSkew: zs, zKurtosis: zk };
}

export interface GaussianDirection {
  /** Angle (radians, in [0, π)) of the unit direction u = (cos θ, sin θ) with the largest p-value. */
  angle: number;
  angleDeg: number;
  /** u: the projection ẑ·u looks most Gaussian (the candidate dummy dimension). */
  direction: [number, number];
  /** The orthogonal direction (−sin θ, cos θ): the candidate effective component. */
  orthogonal: [number, number];
  pValue: number;
  statistic: number;
  /** p-value of normalTest at every scanned angle. */
  curve: { angle: number; pValue: number }[];
}

/**
 * Scan projections of a rank-2 group (N×2 rows) onto unit directions at `angles` evenly spaced angles in
 * [0°, 180°) (default 180, i.e. 1° steps) and return the direction whose projection has the largest
 * normalTest p-value. A p > 0.05 there "accepts" a Gaussian (dummy) direction as in A.4.2. Two caveats:
 * the maximum over many angles is not itself a calibrated p-value, and when the Gaussian part dominates
 * every projection the accepted angles form a wide window (a small admixture of the other component is
 * not detectable), inside which the arg-max wanders; `curve` shows the window.
 */
export function mostGaussianDirection(
  samples: readonly (readonly number[])[],
  opts: { angles?: number } = {},
): GaussianDirection {
  const nAngles = opts.angles ?? 180;
  const n = samples.length;
  if (n < 8) throw new Error(`lib/eval/stat-tests mostGaussianDirection: needs at least 8 rows, got ${n}`);
  samples.forEach((r, i) => {
    if (r.length !== 2)
      throw new Error(
        `lib/eval/stat-tests mostGaussianDirection: row ${i} has ${r.length} entries, expected 2 (a rank-2 group)`,
      );
  });
  const proj = new Float64Array(n);
  const curve: { angle: number; pValue: number }[] = [];
  let best = { angle: 0, pValue: -1, statistic: NaN };
  for (let a = 0; a < nAngles; a++) {
    const th = (Math.PI * a) / nAngles;
    const c = Math.cos(th),
      s = Math.sin(th);
    for (let i = 0; i < n; i++) proj[i] = c * samples[i][0] + s * samples[i][1];
    const r = normalTest(proj);
    curve.push({ angle: th, pValue: r.pValue });
    if (r.pValue > best.pValue) best = { angle: th, pValue: r.pValue, statistic: r.statistic };
  }
  const c = Math.cos(best.angle),
    s = Math.sin(best.angle);
  return {
    angle: best.angle,
    angleDeg: (best.angle * 180) / Math.PI,
    direction: [c, s],
    orthogonal: [-s, c],
    pValue: best.pValue,
    statistic: best.statistic,
    curve,
  };
}

// ---------------------------------------------------------------------------------------------
// Two-sample t-tests

export interface TTestResult {
  t: number;
  df: number;
  /** Two-sided p-value. */
  pValue: number;
  meanDiff: number;
}

function meanVar(x: readonly number[], name: string): { n: number; mean: number; v: number } {
  const n = x.length;
  if (n < 2) throw new Error(`lib/eval/stat-tests: sample ${name} needs at least 2 values, got ${n}`);
  x.forEach((e, i) => {
    if (!Number.isFinite(e)) throw new Error(`lib/eval/stat-tests: ${name}[${i}] is ${e}`);
  });
  const mean = x.reduce((s, e) => s + e, 0) / n;
  const v = x.reduce((s, e) => s + (e - mean) ** 2, 0) / (n - 1);
  return { n, mean, v };
}

/**
 * Two-sample t-test of equal means, two-sided (scipy.stats.ttest_ind). Welch's (unequal variances,
 * Welch–Satterthwaite df) by default; `equalVariance: true` gives Student's pooled test with
 * df = n₁ + n₂ − 2. If both samples are constant the statistic is NaN (as scipy), or ±∞ with p = 0 when
 * their means differ.
 */
export function tTest(a: readonly number[], b: readonly number[], opts: { equalVariance?: boolean } = {}): TTestResult {
  const A = meanVar(a, "a");
  const B = meanVar(b, "b");
  const diff = A.mean - B.mean;
  let se2: number;
  let df: number;
  if (opts.equalVariance) {
    df = A.n + B.n - 2;
    const sp2 = ((A.n - 1) * A.v + (B.n - 1) * B.v) / df;
    se2 = sp2 * (1 / A.n + 1 / B.n);
  } else {
    const va = A.v / A.n;
    const vb = B.v / B.n;
    se2 = va + vb;
    df = se2 === 0 ? A.n + B.n - 2 : (se2 * se2) / ((va * va) / (A.n - 1) + (vb * vb) / (B.n - 1));
  }
  if (se2 === 0) {
    const t = diff === 0 ? NaN : diff > 0 ? Infinity : -Infinity;
    return { t, df, pValue: diff === 0 ? NaN : 0, meanDiff: diff };
  }
  const t = diff / Math.sqrt(se2);
  return { t, df, pValue: studentTTwoSided(t, df), meanDiff: diff };
}

/** Welch's t-test (unequal variances). */
export function welchTTest(a: readonly number[], b: readonly number[]): TTestResult {
  return tTest(a, b, { equalVariance: false });
}

/** Student's t-test (pooled variance). */
export function studentTTest(a: readonly number[], b: readonly number[]): TTestResult {
  return tTest(a, b, { equalVariance: true });
}

// ---------------------------------------------------------------------------------------------
// Significance labels

/**
 * Thresholds of the star labels, as statannotations' default "star" format (p ≤ threshold):
 * **** p ≤ 1e-4, *** p ≤ 1e-3, ** p ≤ 1e-2, * p ≤ 0.05, ns otherwise.
 * The paper's Fig. 8 caption reads "ns: p > 0.5, *: p ≤ 0.05, ***: p ≤ 0.0001", which contradicts
 * itself (0.05 < p ≤ 0.5 would have no label) and shifts *** by one level against this convention;
 * we read it as a typo and use the convention (the figures were presumably drawn with statannotations).
 */
export const SIGNIFICANCE_THRESHOLDS: readonly (readonly [number, string])[] = [
  [1e-4, "****"],
  [1e-3, "***"],
  [1e-2, "**"],
  [5e-2, "*"],
];

/** "ns", "*", "**", "***" or "****" for a p-value (see SIGNIFICANCE_THRESHOLDS). */
export function significanceLabel(p: number): string {
  if (!(p >= 0 && p <= 1)) throw new Error(`lib/eval/stat-tests significanceLabel: p=${p} is not a probability`);
  for (const [thr, label] of SIGNIFICANCE_THRESHOLDS) if (p <= thr) return label;
  return "ns";
}

export interface NamedSample {
  name: string;
  values: readonly number[];
}

/** One pairwise comparison; {a, b, text} is a lib/plot/box Bracket as is. */
export interface PairwiseComparison extends TTestResult {
  a: string;
  b: string;
  /** The significance label (also the bracket text). */
  label: string;
  text: string;
}

/**
 * t-tests between named samples, for box-plot brackets: against `reference` (every other sample vs it,
 * as Fig. 3a/8b compare PDisVAE with the others), or the explicit `pairs`, or by default all pairs.
 * Welch's test unless `equalVariance`. No multiple-comparison correction (as the paper's figures).
 */
export function pairwiseTTests(
  samples: readonly NamedSample[],
  opts: { reference?: string; pairs?: readonly (readonly [string, string])[]; equalVariance?: boolean } = {},
): PairwiseComparison[] {
  const byName = new Map(samples.map((s) => [s.name, s] as const));
  if (byName.size !== samples.length)
    throw new Error(`lib/eval/stat-tests pairwiseTTests: sample names must be unique`);
  const get = (name: string) => {
    const s = byName.get(name);
    if (!s)
      throw new Error(
        `lib/eval/stat-tests pairwiseTTests: no sample named '${name}' (have ${[...byName.keys()].join(", ")})`,
      );
    return s;
  };
  let pairs: (readonly [string, string])[];
  if (opts.pairs) pairs = opts.pairs.slice();
  else if (opts.reference !== undefined) {
    get(opts.reference);
    pairs = samples.filter((s) => s.name !== opts.reference).map((s) => [opts.reference as string, s.name] as const);
  } else {
    pairs = [];
    for (let i = 0; i < samples.length; i++)
      for (let j = i + 1; j < samples.length; j++) pairs.push([samples[i].name, samples[j].name]);
  }
  return pairs.map(([a, b]) => {
    const r = tTest(get(a).values, get(b).values, { equalVariance: opts.equalVariance });
    const label = Number.isNaN(r.pValue) ? "ns" : significanceLabel(r.pValue);
    return { a, b, ...r, label, text: label };
  });
}
