// Rate-sweep plot pieces (lib/vaequisition/sweep-plots): the best point and the running-mean minimum are
// found independently of input order, the running mean is over the RATE-sorted values, per-target means
// average seeds, and bad input names the series and point at fault.
import { test } from "node:test";
import assert from "node:assert/strict";
import { metricCurve, perTargetMeans, rateLine } from "../../lib/vaequisition/sweep-plots";

const pts = [
  { rate: 5, value: 3, label: "c" },
  { rate: 1, value: 9, label: "a" },
  { rate: 9, value: 8, label: "e" },
  { rate: 3, value: 4, label: "b" },
  { rate: 7, value: 2.5, label: "d" },
];

test("metricCurve marks the smallest value and the running-mean minimum over rate-sorted points", () => {
  const c = metricCurve(pts, { name: "O", color: "#E69F00", window: 3, optimum: { symbol: "star", name: "O*" } });
  assert.deepEqual(c.best, { index: 4, rate: 7, value: 2.5 });
  // sorted by rate: 9, 4, 3, 2.5, 8 → running means (window 3, truncated ends): 6.5, 5.333, 3.167, 4.5, 5.25
  const line = c.traces[1];
  assert.deepEqual(line.x, [1, 3, 5, 7, 9]);
  const expect = [6.5, 16 / 3, 9.5 / 3, 13.5 / 3, 5.25];
  (line.y as number[]).forEach((v, i) =>
    assert.ok(Math.abs(v - expect[i]) < 1e-12, `running mean ${i}: ${v} vs ${expect[i]}`),
  );
  assert.deepEqual(c.runningBest.rate, 5);
  assert.ok(Math.abs(c.runningBest.value - 9.5 / 3) < 1e-12);
  assert.equal(c.traces.length, 3);
  assert.deepEqual([c.traces[2].x, c.traces[2].y], [[7], [2.5]]);
  assert.equal((c.traces[2].marker as { symbol: string }).symbol, "star");
  // without an optimum: dots and line only; the default window is odd and ≥ 3
  const plain = metricCurve(pts, { name: "D", color: "#0072B2" });
  assert.equal(plain.traces.length, 2);
  assert.equal(plain.window % 2, 1);
});

test("metricCurve and perTargetMeans reject empty or non-finite input, naming what is wrong", () => {
  assert.throws(() => metricCurve([], { name: "A_RMSE", color: "#000000" }), /A_RMSE.*no points/);
  assert.throws(
    () => metricCurve([{ rate: 1, value: NaN, label: "R* = 2, seed 1" }], { name: "O", color: "#000000" }),
    /"O" point 0 \(R\* = 2, seed 1\)/,
  );
  assert.throws(() => perTargetMeans([{ target: 2, v: Infinity }], (m) => m.v), /target 2/);
});

test("perTargetMeans averages the seeds of each target, targets ascending", () => {
  const ms = [
    { target: 4, v: 1 },
    { target: 0.5, v: 2 },
    { target: 4, v: 3 },
    { target: 0.5, v: 6 },
    { target: 2, v: 5 },
  ];
  assert.deepEqual(
    perTargetMeans(ms, (m) => m.v),
    [
      { target: 0.5, mean: 4, n: 2 },
      { target: 2, mean: 5, n: 1 },
      { target: 4, mean: 2, n: 2 },
    ],
  );
});

test("rateLine spans the panel height at the given rate", () => {
  const s = rateLine(3.5, "#D55E00");
  assert.deepEqual([s.x0, s.x1, s.y0, s.y1, s.xref, s.yref], [3.5, 3.5, 0, 1, "x", "y domain"]);
});
