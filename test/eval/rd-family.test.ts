// RD-family summaries by hand (ranks and Spearman are tested in test/eval/summary.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { summarizeRdFamily } from "../../lib/eval/rd-family";

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
  assert.throws(
    () =>
      summarizeRdFamily([
        { target: 0, rate: 1, distortion: 1 },
        { target: 1, rate: 1, distortion: 1 },
      ]),
    /models\[0\]\.target must be > 0/,
  );
});
