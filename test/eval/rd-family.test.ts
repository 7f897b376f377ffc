// Rank correlation and RD-family summaries against known values (scipy.stats.spearmanr) and by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ranks, spearman, summarizeRdFamily } from "../../lib/eval/rd-family";

test("ranks average ties", () => {
  assert.deepEqual(ranks([10, 30, 20]), [1, 3, 2]);
  assert.deepEqual(ranks([3, 1, 4, 1, 5]), [3, 1.5, 4, 1.5, 5]);
  assert.deepEqual(ranks([2, 2, 2]), [2, 2, 2]);
});

test("spearman matches scipy.stats.spearmanr, including ties; ±1 for monotone data; NaN for a constant", () => {
  // scipy.stats.spearmanr([1,2,3,4,5],[5,6,7,8,7]).statistic = 0.8207826816681233
  assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) - 0.8207826816681233) < 1e-12);
  // scipy.stats.spearmanr([3,1,4,1,5,9,2,6],[2,7,1,8,2,8,1,8]).statistic = 0.19885368120992467
  assert.ok(Math.abs(spearman([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]) - 0.19885368120992467) < 1e-12);
  assert.equal(spearman([1, 2, 3, 10], [0, 1, 8, 9]), 1);
  assert.equal(spearman([1, 2, 3, 10], [9, 1, 0, -5]), -1);
  assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])));
  assert.throws(() => spearman([1, 2], [1]), /x has 2 values, y has 1/);
  assert.throws(() => spearman([1, NaN], [1, 2]), /x\[1\] is NaN/);
});

test("summarizeRdFamily: relative target errors, monotonicity, Spearman and the min −ELBO model", () => {
  const s = summarizeRdFamily([
    { target: 1, rate: 1.05, distortion: 10 },
    { target: 2, rate: 1.9, distortion: 7 },
    { target: 4, rate: 4.2, distortion: 2 },
    { target: 8, rate: 8.0, distortion: 1 },
  ]);
  s.relErrors.forEach((e, i) => assert.ok(Math.abs(e - [0.05, -0.05, 0.05, 0][i]) < 1e-12));
  assert.ok(Math.abs(s.maxRelError - 0.05) < 1e-12);
  assert.equal(s.spearman, -1);
  assert.equal(s.monotone, true);
  assert.equal(s.best, 2); // D + R: 11.05, 8.9, 6.2, 9
  const t = summarizeRdFamily([
    { target: 1, rate: 1, distortion: 5 },
    { target: 2, rate: 2, distortion: 6 },
    { target: 3, rate: 3, distortion: 1 },
  ]);
  assert.equal(t.monotone, false);
  assert.ok(Math.abs(t.spearman - -0.5) < 1e-12);
  assert.throws(() => summarizeRdFamily([{ target: 0, rate: 1, distortion: 1 }, { target: 1, rate: 1, distortion: 1 }]), /models\[0\]\.target must be > 0/);
});
