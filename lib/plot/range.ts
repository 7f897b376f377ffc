// Axis ranges of the figure builders: the span of the finite values, padded.

/** [min, max] of the finite values, or null if there are none. */
export function finiteRange(values: Iterable<number>): [number, number] | null {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** [lo, hi] widened by `frac` of its width on each side (a fixed pad if the range is a point). */
export function padRange([lo, hi]: [number, number], frac = 0.05): [number, number] {
  const w = hi - lo || Math.abs(hi) || 1;
  return [lo - frac * w, hi + frac * w];
}
