// Summary statistics of plain numbers: running means, column mean ± std bands, areas under curves.
// The figure builders (lib/plot) and the notebooks use these instead of writing their own.

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
    const lo = Math.max(0, i - h), hi = Math.min(values.length - 1, i + h);
    return (prefix[hi + 1] - prefix[lo]) / (hi - lo + 1);
  });
}

/**
 * Column-wise mean and standard deviation of `rows` (each row one run/subject, same length).
 * ddof=0 divides by n (numpy's default), ddof=1 by n-1. Non-finite entries are an error.
 */
export function columnMeanStd(rows: readonly (readonly number[])[], ddof = 0, where = "columnMeanStd"): { mean: number[]; std: number[] } {
  if (rows.length === 0) throw new Error(`eval/summary.${where}: no rows`);
  const m = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== m) throw new Error(`eval/summary.${where}: row ${i} has length ${r.length}, row 0 has ${m}`);
  });
  const n = rows.length;
  if (n - ddof <= 0) throw new Error(`eval/summary.${where}: ${n} rows is too few for ddof=${ddof}`);
  const mean: number[] = [], std: number[] = [];
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
