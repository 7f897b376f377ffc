// Summary statistics of plain numbers (lib/eval/summary) against numpy / scipy values (computed with numpy 2.4,
// scipy 1.17; the expressions are in the comments) and by hand: mean, variance, sd, standard error, median,
// quantiles, extremes, percentile of a score, Pearson (plain and within-group), ranks and Spearman with ties,
// least-squares slope, running mean, column mean ± std and the trapezoid rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { correlationMatrix } from "../../lib/eval/dependence";
import {
  mean,
  variance,
  sd,
  standardError,
  median,
  quantile,
  minOf,
  maxOf,
  percentileOfScore,
  pearson,
  withinGroupPearson,
  ranks,
  spearman,
  leastSquaresSlope,
  runningMean,
  columnMeanStd,
  trapezoid,
} from "../../lib/eval/summary";
import { near } from "./eval-helpers";

const close = (a: number[], b: number[], tol = 1e-12, what = "") => {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `${what}[${i}]: ${v} vs ${b[i]}`));
};

const V = [2.5, -1.0, 4.0, 7.25, 0.5, 3.0];

test("mean, variance, sd and standard error match numpy/scipy; ddof 0 and 1; the notebooks' op order exactly", () => {
  near(mean(V), 2.7083333333333335, "np.mean", 1e-15);
  near(variance(V), 8.210416666666665, "np.var(ddof=1)", 1e-14);
  near(sd(V), 2.8653824642910526, "np.std(ddof=1)", 1e-15);
  near(sd(V, 0), 2.615724352619918, "np.std", 1e-15);
  near(standardError(V), 1.1697874925719534, "scipy.stats.sem", 1e-15);
  // bit-identical to the inline forms it replaces
  assert.equal(mean(V), V.reduce((a, b) => a + b, 0) / V.length);
  const m = mean(V),
    ss = V.reduce((a, b) => a + (b - m) ** 2, 0);
  assert.equal(sd(V), Math.sqrt(ss / (V.length - 1)));
  assert.equal(sd(V, 0), Math.sqrt(ss / V.length));
  assert.equal(standardError(V), Math.sqrt(ss / (V.length - 1) / V.length));
  assert.equal(mean(Float32Array.from([1, 2, 4])), 7 / 3, "typed arrays");
  assert.ok(Number.isNaN(mean([1, NaN])), "NaN propagates");
  assert.equal(sd([5], 0), 0);
  assert.throws(() => mean([]), /eval\/summary\.mean: no values/);
  assert.throws(() => sd([]), /eval\/summary\.sd: no values/);
  assert.throws(() => sd([5]), /eval\/summary\.sd: 1 value\(s\) is too few for ddof=1/);
  assert.throws(() => standardError([5]), /eval\/summary\.standardError: 1 value/);
  assert.throws(() => variance([1, 2], 0.5), /ddof must be a non-negative integer/);
});

test("median and quantile match numpy (np.median, np.quantile with method=linear/lower/higher/nearest)", () => {
  assert.equal(median(V), 2.75);
  assert.equal(median(V.slice(0, 5)), 2.5);
  assert.equal(median([3]), 3);
  const expected: [number, number[]][] = [
    [0, [-1, -1, -1, -1]],
    [0.1, [-0.25, -1, 0.5, 0.5]], // h = 0.5: "nearest" rounds up (numpy rounds to even: -1)
    [0.25, [1, 0.5, 2.5, 0.5]],
    [0.73, [3.65, 3, 4, 4]],
    [1, [7.25, 7.25, 7.25, 7.25]],
  ];
  for (const [q, vals] of expected) {
    (["linear", "lower", "higher", "nearest"] as const).forEach((method, k) =>
      near(quantile(V, q, method), vals[k], `q=${q} ${method}`, 1e-12),
    );
  }
  assert.equal(quantile(V, 0.5), median(V));
  // at q = 0.5, "higher" is the upper middle value sorted[floor(n/2)]; "nearest" rounds the half index up
  // (numpy rounds h = 2.5 to even and gives 2.5 here)
  assert.equal(quantile(V, 0.5, "higher"), 3);
  assert.equal(quantile(V.slice(0, 5), 0.5, "higher"), 2.5);
  assert.equal(quantile(V, 0.5, "nearest"), 3);
  assert.deepEqual(V, [2.5, -1.0, 4.0, 7.25, 0.5, 3.0], "input left unsorted");
  assert.throws(() => median([]), /eval\/summary\.median: no values/);
  assert.throws(() => median([1, NaN]), /eval\/summary\.median: value 1 is NaN/);
  assert.throws(() => quantile(V, 1.5), /eval\/summary\.quantile: q must be in \[0, 1\]/);
});

test("minOf, maxOf and percentileOfScore (scipy.stats.percentileofscore, kind='strict')", () => {
  assert.equal(minOf(V), -1);
  assert.equal(maxOf(V), 7.25);
  assert.ok(Number.isNaN(maxOf([1, NaN, 2])));
  assert.equal(maxOf(new Array(300000).fill(1)), 1, "no argument-spread limit");
  assert.throws(() => minOf([]), /eval\/summary\.minOf: no values/);
  assert.throws(() => maxOf([]), /eval\/summary\.maxOf: no values/);
  assert.equal(percentileOfScore(V, 3.0), 50);
  near(percentileOfScore(V, 2.5), 33.333333333333336, "percentileofscore(V, 2.5)", 1e-12);
  assert.throws(() => percentileOfScore([], 1), /eval\/summary\.percentileOfScore: no values/);
});

test("pearson: scipy values, equals correlationMatrix, ±1 for linear relations, affine invariant, NaN when constant, rejects bad input", () => {
  near(
    pearson([1, 2, 3, 4, 5, 6, 7], [2.1, 3.9, 6.2, 7.8, 10.1, 12.2, 13.8]),
    0.999172912755884,
    "scipy.stats.pearsonr",
    1e-14,
  );
  near(
    pearson([0.3, -1.2, 2.2, 0.9, 1.7], [1.1, 0.4, -0.6, 2.5, 0.8]),
    -0.18989706719809366,
    "scipy.stats.pearsonr",
    1e-14,
  );
  const rng = new Rng("pearson");
  const x = Array.from({ length: 200 }, () => rng.normal());
  const y = x.map((v) => 0.6 * v + 0.8 * rng.normal());
  near(pearson(x, y), correlationMatrix(x.map((v, i) => [v, y[i]]))[0][1], "vs correlationMatrix", 1e-12);
  near(
    pearson(
      x,
      x.map((v) => 3 - 2 * v),
    ),
    -1,
    "anti-linear",
    1e-12,
  );
  near(
    pearson(
      x.map((v) => 5 * v + 7),
      y.map((v) => 0.1 * v - 3),
    ),
    pearson(x, y),
    "affine invariance",
    1e-12,
  );
  near(pearson([1, 2, 3], [1, 3, 2]), 0.5, "hand value", 1e-12);
  assert.ok(Number.isNaN(pearson([1, 2, 3], [4, 4, 4])));
  assert.throws(() => pearson([1, 2], [1, 2, 3]), /eval\/summary\.pearson: 2 x values but 3 y values/);
  assert.throws(() => pearson([1], [1]), /at least 2/);
  assert.throws(() => pearson([1, NaN], [1, 2]), /not finite/);
});

test("withinGroupPearson: removes correlation driven by group means, keeps within-group correlation", () => {
  const rng = new Rng("within-group");
  const g = Array.from({ length: 600 }, (_, i) => i % 6);
  // both follow the group index, independent noise inside groups: pooled r ≈ 1, within-group r ≈ 0
  const x1 = g.map((k) => 10 * k + rng.normal()),
    y1 = g.map((k) => 10 * k + rng.normal());
  assert.ok(pearson(x1, y1) > 0.99);
  assert.ok(Math.abs(withinGroupPearson(x1, y1, g)) < 0.15, `within ${withinGroupPearson(x1, y1, g)}`);
  // related inside groups, opposite group offsets: pooled r < 0, within-group r ≈ 0.8
  const e = g.map(() => rng.normal());
  const x2 = g.map((k, i) => 10 * k + e[i]),
    y2 = g.map((k, i) => -10 * k + 0.8 * e[i] + 0.6 * rng.normal());
  assert.ok(pearson(x2, y2) < -0.9);
  near(withinGroupPearson(x2, y2, g), 0.8, "within-group r", 0.08);
  // by hand: centre by group means, then Pearson
  const xs = [1, 2, 4, 10, 13, 11],
    ys = [2, 1, 5, 0, 4, 3],
    gs = ["a", "a", "a", "b", "b", "b"];
  const cx = [1 - 7 / 3, 2 - 7 / 3, 4 - 7 / 3, 10 - 34 / 3, 13 - 34 / 3, 11 - 34 / 3];
  const cy = [2 - 8 / 3, 1 - 8 / 3, 5 - 8 / 3, 0 - 7 / 3, 4 - 7 / 3, 3 - 7 / 3];
  const r =
    cx.reduce((s, v, i) => s + v * cy[i], 0) /
    Math.sqrt(cx.reduce((s, v) => s + v * v, 0) * cy.reduce((s, v) => s + v * v, 0));
  near(withinGroupPearson(xs, ys, gs), r, "hand value", 1e-12);
  near(
    withinGroupPearson(
      xs,
      ys,
      gs.map(() => 0),
    ),
    pearson(xs, ys),
    "one group = pearson",
    1e-12,
  );
  assert.ok(Number.isNaN(withinGroupPearson([1, 2, 3, 4], [1, 2, 3, 4], [0, 1, 2, 3])), "constant inside every group");
  assert.throws(() => withinGroupPearson([1, 2], [1, 2], [0]), /1 group labels for 2 pairs/);
});

test("ranks average ties (scipy.stats.rankdata)", () => {
  assert.deepEqual(ranks([10, 30, 20]), [1, 3, 2]);
  assert.deepEqual(ranks([3, 1, 4, 1, 5]), [3, 1.5, 4, 1.5, 5]);
  assert.deepEqual(ranks([2, 2, 2]), [2, 2, 2]);
  assert.deepEqual(ranks([3, 1, 4, 1, 5, 9, 2, 6, 5, 3]), [4.5, 1.5, 6, 1.5, 7.5, 10, 3, 9, 7.5, 4.5]);
});

test("spearman matches scipy.stats.spearmanr, including ties; ±1 for monotone data; NaN for a constant", () => {
  near(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 0.8207826816681233, "spearmanr", 1e-12);
  near(spearman([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]), 0.19885368120992467, "spearmanr, ties", 1e-12);
  near(
    spearman([3, 1, 4, 1, 5, 9, 2, 6, 5, 3], [2, 7, 1, 8, 2, 8, 1, 8, 2, 8]),
    0.13471506281091267,
    "spearmanr, ties in both",
    1e-12,
  );
  assert.equal(spearman([1, 2, 3, 10], [0, 1, 8, 9]), 1);
  assert.equal(spearman([1, 2, 3, 10], [9, 1, 0, -5]), -1);
  assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])));
  assert.throws(() => spearman([1, 2], [1]), /eval\/summary\.spearman: 2 x values but 1 y values/);
  assert.throws(() => spearman([1], [1]), /at least 2/);
  assert.throws(() => spearman([1, NaN], [1, 2]), /pair 1 is not finite/);
});

test("leastSquaresSlope matches scipy.stats.linregress; NaN for constant x", () => {
  near(
    leastSquaresSlope([1, 2, 3, 4, 5, 6, 7], [2.1, 3.9, 6.2, 7.8, 10.1, 12.2, 13.8]),
    1.9857142857142858,
    "linregress slope",
    1e-13,
  );
  assert.equal(leastSquaresSlope([0, 1, 2], [1, 3, 5]), 2);
  assert.ok(Number.isNaN(leastSquaresSlope([2, 2, 2], [1, 2, 3])));
  assert.throws(
    () => leastSquaresSlope([1, 2, 3], [1, 2]),
    /eval\/summary\.leastSquaresSlope: 3 x values but 2 y values/,
  );
});

test("runningMean equals a brute-force truncated centred window", () => {
  const v = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
  for (const w of [1, 2, 3, 4, 5, 11]) {
    const h = Math.floor(w / 2);
    const brute = v.map((_, i) => {
      const win = v.slice(Math.max(0, i - h), Math.min(v.length, i + h + 1));
      return win.reduce((a, b) => a + b, 0) / win.length;
    });
    close(runningMean(v, w), brute, 1e-12, `window ${w}`);
  }
  assert.throws(() => runningMean(v, 0), /window must be a positive integer/);
});

test("columnMeanStd matches hand values for ddof 0 and 1, and sd column by column; trapezoid integrates a line exactly", () => {
  const rows = [
    [1, 10],
    [3, 10],
    [5, 16],
  ];
  const s0 = columnMeanStd(rows, 0),
    s1 = columnMeanStd(rows, 1);
  close(s0.mean, [3, 12]);
  close(s0.std, [Math.sqrt(8 / 3), Math.sqrt(24 / 3)]);
  close(s1.std, [2, Math.sqrt(12)]);
  for (const j of [0, 1]) assert.equal(s1.std[j], sd(rows.map((r) => r[j])), `column ${j}`);
  assert.throws(() => columnMeanStd([[1, 2], [3]]), /row 1 has length 1/);
  assert.throws(() => columnMeanStd([]), /no rows/);
  // ∫_0^4 (2x+1) dx = 20, uneven spacing
  const x = [0, 0.5, 2, 4];
  assert.equal(
    trapezoid(
      x,
      x.map((t) => 2 * t + 1),
    ),
    20,
  );
  assert.throws(() => trapezoid([0, 1], [1]), /x has 2 points, y has 1/);
});
