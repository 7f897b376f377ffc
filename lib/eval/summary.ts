// Summary statistics of plain numbers: mean, standard deviation and error, median and quantiles, extremes,
// correlations (Pearson, pooled within-group Pearson, Spearman), a least-squares slope, running means, column
// mean ± std bands and areas under curves. The figure builders (lib/plot) and the notebooks use these instead of
// writing their own. Sums run left to right, so a mean here is bit-identical to `v.reduce((a, b) => a + b, 0) / n`.

type Values = ArrayLike<number>;

function nonEmpty(v: Values, where: string): number {
  if (v.length === 0) throw new Error(`eval/summary.${where}: no values`);
  return v.length;
}

function checkDdof(n: number, ddof: number, where: string): void {
  if (!Number.isInteger(ddof) || ddof < 0)
    throw new Error(`eval/summary.${where}: ddof must be a non-negative integer, got ${ddof}`);
  if (n - ddof <= 0) throw new Error(`eval/summary.${where}: ${n} value(s) is too few for ddof=${ddof}`);
}

/** Arithmetic mean. Non-finite values propagate as in plain arithmetic; empty input is an error. */
export function mean(v: Values): number {
  const n = nonEmpty(v, "mean");
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i];
  return s / n;
}

/** Σ(v − mean)² / (n − ddof): ddof=1 (default) is the unbiased sample variance, ddof=0 divides by n (numpy's default). */
export function variance(v: Values, ddof = 1, where = "variance"): number {
  const n = nonEmpty(v, where);
  checkDdof(n, ddof, where);
  const m = mean(v);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (v[i] - m) ** 2;
  return ss / (n - ddof);
}

/** Standard deviation √variance(v, ddof); ddof=1 (default) divides by n − 1, ddof=0 by n. n ≤ ddof is an error. */
export function sd(v: Values, ddof = 1): number {
  return Math.sqrt(variance(v, ddof, "sd"));
}

/** Standard error of the mean √(variance(v, ddof) / n), computed in that order (ddof=1 by default). */
export function standardError(v: Values, ddof = 1): number {
  return Math.sqrt(variance(v, ddof, "standardError") / v.length);
}

function sortedFinite(v: Values, where: string): number[] {
  nonEmpty(v, where);
  const s = Array.from(v);
  s.forEach((x, i) => {
    if (Number.isNaN(x)) throw new Error(`eval/summary.${where}: value ${i} is NaN`);
  });
  return s.sort((a, b) => a - b);
}

/** Median: the middle value, or the mean (a + b) / 2 of the two middle values for an even count. NaN is an error. */
export function median(v: Values): number {
  const s = sortedFinite(v, "median");
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * How quantile picks between the sorted values s at the virtual index h = q·(n − 1), as numpy's methods:
 * "linear" interpolates (numpy's default), "lower" takes s[floor h], "higher" s[ceil h] (at q = 0.5 the upper
 * of the two middle values), "nearest" s[round h] with halves rounded up (numpy rounds them to even).
 */
export type QuantileMethod = "linear" | "lower" | "higher" | "nearest";

/** q-quantile (0 ≤ q ≤ 1) of the values; NaN is an error. */
export function quantile(v: Values, q: number, method: QuantileMethod = "linear"): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`eval/summary.quantile: q must be in [0, 1], got ${q}`);
  const s = sortedFinite(v, "quantile");
  const h = q * (s.length - 1);
  switch (method) {
    case "lower":
      return s[Math.floor(h)];
    case "higher":
      return s[Math.ceil(h)];
    case "nearest":
      return s[Math.round(h)];
    case "linear": {
      const lo = Math.floor(h),
        t = h - lo;
      if (t === 0) return s[lo];
      const a = s[lo],
        b = s[lo + 1];
      return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t); // numpy's _lerp, exact at both ends
    }
    default:
      throw new Error(`eval/summary.quantile: unknown method ${String(method)}`);
  }
}

/** Smallest value (NaN if any value is NaN, as Math.min); empty input is an error. */
export function minOf(v: Values): number {
  const n = nonEmpty(v, "minOf");
  let m = v[0];
  for (let i = 1; i < n; i++) m = Math.min(m, v[i]);
  return m;
}

/** Largest value (NaN if any value is NaN, as Math.max); empty input is an error. */
export function maxOf(v: Values): number {
  const n = nonEmpty(v, "maxOf");
  let m = v[0];
  for (let i = 1; i < n; i++) m = Math.max(m, v[i]);
  return m;
}

/** Percentage of the values strictly below x, 100·#{v < x} / n (scipy's percentileofscore, kind="strict"). */
export function percentileOfScore(v: Values, x: number): number {
  const n = nonEmpty(v, "percentileOfScore");
  let c = 0;
  for (let i = 0; i < n; i++) if (v[i] < x) c++;
  return (100 * c) / n;
}

function checkPairs(x: Values, y: Values, where: string): number {
  if (x.length !== y.length) throw new Error(`eval/summary.${where}: ${x.length} x values but ${y.length} y values`);
  if (x.length < 2) throw new Error(`eval/summary.${where}: needs at least 2 pairs, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i]))
      throw new Error(`eval/summary.${where}: pair ${i} is not finite (${x[i]}, ${y[i]})`);
  }
  return x.length;
}

/** Σxy / √(Σx² Σy²) of already centred samples, clamped to [−1, 1]; NaN when either is all zero. */
function centredPearson(dx: readonly number[], dy: readonly number[]): number {
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < dx.length; i++) {
    sxy += dx[i] * dy[i];
    sxx += dx[i] * dx[i];
    syy += dy[i] * dy[i];
  }
  return sxx > 0 && syy > 0 ? Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy))) : NaN;
}

/** Pearson correlation of two paired samples (NaN when either is constant; non-finite values are an error). */
export function pearson(x: Values, y: Values): number {
  checkPairs(x, y, "pearson");
  const mx = mean(x),
    my = mean(y);
  return centredPearson(
    Array.from(x, (v) => v - mx),
    Array.from(y, (v) => v - my),
  );
}

/**
 * Pooled within-group Pearson correlation: x and y are centred by the means of their group (e.g. the
 * measurement number of each point) and then correlated, so only the variation inside the groups counts.
 * NaN when x or y is constant inside every group.
 */
export function withinGroupPearson(x: Values, y: Values, groups: readonly (number | string)[]): number {
  const n = checkPairs(x, y, "withinGroupPearson");
  if (groups.length !== n)
    throw new Error(`eval/summary.withinGroupPearson: ${groups.length} group labels for ${n} pairs`);
  const acc = new Map<number | string, { n: number; x: number; y: number }>();
  groups.forEach((g, i) => {
    const a = acc.get(g) ?? { n: 0, x: 0, y: 0 };
    a.n++;
    a.x += x[i];
    a.y += y[i];
    acc.set(g, a);
  });
  return centredPearson(
    Array.from(x, (v, i) => {
      const a = acc.get(groups[i])!;
      return v - a.x / a.n;
    }),
    Array.from(y, (v, i) => {
      const a = acc.get(groups[i])!;
      return v - a.y / a.n;
    }),
  );
}

/** Ranks 1…n of `x` (ties get the mean of the ranks they span). */
export function ranks(x: Values): number[] {
  const order = Array.from(x, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const out = new Array<number>(x.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]] = r;
    i = j + 1;
  }
  return out;
}

/**
 * Spearman's rank correlation ρ: the Pearson correlation of the ranks (ties averaged, as scipy's
 * spearmanr). NaN when either input is constant; errors on unequal lengths, fewer than 2 points or non-finite values.
 */
export function spearman(x: Values, y: Values): number {
  checkPairs(x, y, "spearman");
  const rx = ranks(x),
    ry = ranks(y);
  const n = x.length;
  const mid = (n + 1) / 2; // mean rank, ties or not
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const a = rx[i] - mid,
      b = ry[i] - mid;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Least-squares slope of y on x, Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²; NaN when x is constant. */
export function leastSquaresSlope(x: Values, y: Values): number {
  const n = checkPairs(x, y, "leastSquaresSlope");
  const mx = mean(x),
    my = mean(y);
  let sxy = 0,
    sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : NaN;
}

/**
 * Centred running mean: out[i] is the mean of values[i-h .. i+h] with h = floor(window/2),
 * truncated at the ends (so the first value averages values[0..h]). window must be ≥ 1.
 */
export function runningMean(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new Error(`eval/summary.runningMean: window must be a positive integer, got ${window}`);
  }
  const h = Math.floor(window / 2);
  const prefix = [0];
  for (const v of values) prefix.push(prefix[prefix.length - 1] + v);
  return values.map((_, i) => {
    const lo = Math.max(0, i - h),
      hi = Math.min(values.length - 1, i + h);
    return (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1);
  });
}

/**
 * Column-wise mean and standard deviation of `rows` (each row one run/subject, same length).
 * ddof=0 (default here, as numpy) divides by n, ddof=1 by n-1. Non-finite entries propagate.
 */
export function columnMeanStd(
  rows: readonly Values[],
  ddof = 0,
  where = "columnMeanStd",
): { mean: number[]; std: number[] } {
  if (rows.length === 0) throw new Error(`eval/summary.${where}: no rows`);
  const m = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== m) throw new Error(`eval/summary.${where}: row ${i} has length ${r.length}, row 0 has ${m}`);
  });
  const n = rows.length;
  if (n - ddof <= 0) throw new Error(`eval/summary.${where}: ${n} rows is too few for ddof=${ddof}`);
  const mean: number[] = [],
    std: number[] = [];
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rows[i][j];
    const mu = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (rows[i][j] - mu) ** 2;
    mean.push(mu);
    std.push(Math.sqrt(ss / (n - ddof)));
  }
  return { mean, std };
}

/** Trapezoidal area under y(x); x need not be evenly spaced. */
export function trapezoid(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`eval/summary.trapezoid: x has ${x.length} points, y has ${y.length}`);
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return a;
}
