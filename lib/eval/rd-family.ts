// Checks on a family of models trained to different target rates (one point each on a
// rate–distortion curve): how close each model's rate is to its target, and whether distortion falls
// as rate rises (Spearman rank correlation). Plain numbers only.

/** Ranks 1…n of `x` (ties get the mean of the ranks they span). */
export function ranks(x: readonly number[]): number[] {
  const order = x.map((v, i) => i).sort((a, b) => x[a] - x[b]);
  const out = new Array<number>(x.length);
  for (let i = 0; i < order.length; ) {
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
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`lib/eval/rd-family spearman: x has ${x.length} values, y has ${y.length}`);
  if (x.length < 2) throw new Error(`lib/eval/rd-family spearman: need at least 2 points, got ${x.length}`);
  [x, y].forEach((v, k) => v.forEach((e, i) => {
    if (!Number.isFinite(e)) throw new Error(`lib/eval/rd-family spearman: ${k ? "y" : "x"}[${i}] is ${e}`);
  }));
  const rx = ranks(x), ry = ranks(y);
  const n = x.length;
  const mean = (n + 1) / 2; // mean rank, ties or not
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const a = rx[i] - mean, b = ry[i] - mean;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** One model of the family: its target rate and its measured (e.g. test-set) rate and distortion. */
export interface RdFamilyMember {
  target: number;
  rate: number;
  distortion: number;
}

export interface RdFamilySummary {
  /** (rate − target) / target per model. */
  relErrors: number[];
  /** max |relErrors|. */
  maxRelError: number;
  /** Spearman ρ between rate and distortion (negative: distortion falls as rate rises). */
  spearman: number;
  /** Distortion strictly decreases along the models sorted by rate. */
  monotone: boolean;
  /** Index of the model with the smallest −ELBO = distortion + rate. */
  best: number;
}

/** Target errors, rank correlation and optimum of a family of models along an RD curve. */
export function summarizeRdFamily(models: readonly RdFamilyMember[]): RdFamilySummary {
  if (models.length < 2) throw new Error(`lib/eval/rd-family summarizeRdFamily: need at least 2 models, got ${models.length}`);
  models.forEach((m, i) => {
    if (!(m.target > 0)) throw new Error(`lib/eval/rd-family summarizeRdFamily: models[${i}].target must be > 0, got ${m.target}`);
  });
  const relErrors = models.map((m) => (m.rate - m.target) / m.target);
  const byRate = [...models].sort((a, b) => a.rate - b.rate);
  let best = 0;
  models.forEach((m, i) => {
    if (m.distortion + m.rate < models[best].distortion + models[best].rate) best = i;
  });
  return {
    relErrors,
    maxRelError: Math.max(...relErrors.map(Math.abs)),
    spearman: spearman(models.map((m) => m.rate), models.map((m) => m.distortion)),
    monotone: byRate.every((m, i) => i === 0 || m.distortion < byRate[i - 1].distortion),
    best,
  };
}
