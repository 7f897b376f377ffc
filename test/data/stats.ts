// Small statistics shared by the lib/data tests: correlation, correlation of transformed values, and a
// rank-binned mutual information (a dependence measure that catches non-linear dependence).

export const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
export const variance = (v: readonly number[]): number => {
  const m = mean(v);
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length;
};

/** Pearson correlation. */
export function corr(a: readonly number[], b: readonly number[]): number {
  const ma = mean(a),
    mb = mean(b);
  let s = 0,
    sa = 0,
    sb = 0;
  for (let i = 0; i < a.length; i++) {
    s += (a[i] - ma) * (b[i] - mb);
    sa += (a[i] - ma) ** 2;
    sb += (b[i] - mb) ** 2;
  }
  return s / Math.sqrt(sa * sb);
}

/** Correlation of squares: zero for independent variables, clearly non-zero for rings, moons, spirals. */
export const corrSquares = (a: readonly number[], b: readonly number[]): number =>
  corr(
    a.map((x) => x * x),
    b.map((x) => x * x),
  );

/** Mutual information (nats) of the B × B table of rank bins (equal-count bins per variable). */
export function binnedMI(a: readonly number[], b: readonly number[], B = 6): number {
  const bins = (v: readonly number[]) => {
    const order = v.map((_, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Array<number>(v.length);
    order.forEach((i, p) => (r[i] = Math.floor((p * B) / v.length)));
    return r;
  };
  const ra = bins(a),
    rb = bins(b),
    n = a.length;
  const table = Array.from({ length: B }, () => new Array<number>(B).fill(0));
  for (let i = 0; i < n; i++) table[ra[i]][rb[i]]++;
  let mi = 0;
  for (const row of table) for (const c of row) if (c > 0) mi += (c / n) * Math.log((c * B * B) / n);
  return mi;
}
