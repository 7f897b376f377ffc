// Checks on a family of models trained to different target rates (one point each on a
// rate–distortion curve): how close each model's rate is to its target, and whether distortion falls
// as rate rises (Spearman rank correlation, lib/eval/summary). Plain numbers only.
import { spearman } from "./summary";

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
  if (models.length < 2)
    throw new Error(`lib/eval/rd-family summarizeRdFamily: need at least 2 models, got ${models.length}`);
  models.forEach((m, i) => {
    if (!(m.target > 0))
      throw new Error(`lib/eval/rd-family summarizeRdFamily: models[${i}].target must be > 0, got ${m.target}`);
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
    spearman: spearman(
      models.map((m) => m.rate),
      models.map((m) => m.distortion),
    ),
    monotone: byRate.every((m, i) => i === 0 || m.distortion < byRate[i - 1].distortion),
    best,
  };
}
