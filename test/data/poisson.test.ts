// The Poisson data set: the closed-form solution satisfies −Δh = f (five-point finite differences) and the
// zero boundary condition; the data set has the paper's size, classes, noise scale and split.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  poissonDataset,
  poissonImage,
  poissonSolution,
  poissonTrueNll,
  standardizePoisson,
  trainingScaling,
} from "../../lib/data/poisson";

test("poissonSolution solves −Δh = sin(aπx) sin(bπy) with h = 0 on the boundary", () => {
  const e = 1e-3;
  for (const [a, b] of [
    [1, 1],
    [3, 3],
    [1, 2],
  ]) {
    for (const [x, y] of [
      [0.3, 0.6],
      [0.5, 0.5],
      [0.11, 0.87],
    ]) {
      const h = (u: number, v: number) => poissonSolution(a, b, u, v);
      const lap = (h(x + e, y) + h(x - e, y) + h(x, y + e) + h(x, y - e) - 4 * h(x, y)) / (e * e);
      const f = Math.sin(a * Math.PI * x) * Math.sin(b * Math.PI * y);
      assert.ok(Math.abs(-lap - f) < 1e-4, `a=${a} b=${b} at (${x}, ${y}): −Δh = ${-lap}, f = ${f}`);
    }
    for (const t of [0, 0.25, 0.7, 1])
      for (const [x, y] of [
        [0, t],
        [1, t],
        [t, 0],
        [t, 1],
      ])
        assert.ok(Math.abs(poissonSolution(a, b, x, y)) < 1e-15);
  }
  // peak of the a = b = 1 image at the centre cells: 1/(2π²) · sin²(π·7.5/16)
  const img = poissonImage(1, 16);
  assert.ok(Math.abs(img[7 * 16 + 7] - Math.sin((Math.PI * 7.5) / 16) ** 2 / (2 * Math.PI ** 2)) < 1e-7);
});

test("poissonDataset: 1024 observations, two balanced ground truths, noise 5e-3, 80/10/10", () => {
  const d = poissonDataset({ seed: "poisson-test" });
  assert.deepEqual(d.x.shape, [1024, 16, 16, 1]);
  assert.deepEqual(d.truths.shape, [2, 16, 16, 1]);
  assert.equal(d.label.filter((k) => k === 0).length, 512);
  let s = 0,
    s2 = 0;
  for (let i = 0; i < d.x.values.length; i++) {
    const r = d.x.values[i] - d.clean.values[i];
    s += r;
    s2 += r * r;
  }
  const n = d.x.values.length,
    sd = Math.sqrt(s2 / n - (s / n) ** 2);
  assert.ok(Math.abs(sd - 5e-3) < 5e-5, `noise sd ${sd}`);
  assert.equal(d.split.train.length, 820);
  assert.equal(d.split.validation.length, 102);
  assert.equal(d.split.test.length, 102);
  // clean rows are exactly the ground truth of their label
  for (const i of [0, 1, 500])
    assert.deepEqual(
      Array.from(d.clean.values.subarray(i * 256, (i + 1) * 256)),
      Array.from(d.truths.values.subarray(d.label[i] * 256, (d.label[i] + 1) * 256)),
    );
  assert.deepEqual(poissonDataset({ seed: "poisson-test" }).x.values.slice(0, 50), d.x.values.slice(0, 50));
  assert.notDeepEqual(poissonDataset({ seed: "other" }).x.values.slice(0, 50), d.x.values.slice(0, 50));
  assert.throws(() => poissonDataset({ seed: 1, modes: [0] }), /modes must be positive integers/);
  assert.throws(() => poissonDataset({ seed: 1, noiseSd: -1 }), /noiseSd/);
});

test("standardizePoisson: the training split's global mean and sd; every value and the noise sd mapped", () => {
  const d = poissonDataset({ seed: "poisson-test" });
  const s = standardizePoisson(d);
  // mean and population sd of the training pixels, computed directly
  const v = d.split.train.flatMap((i) => Array.from(d.x.values.subarray(i * 256, (i + 1) * 256)));
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  assert.ok(Math.abs(s.scaling.mean - m) < 1e-12 && Math.abs(s.scaling.sd - sd) < 1e-12);
  assert.deepEqual(trainingScaling(d), s.scaling);
  for (const k of [0, 77, 1024 * 256 - 1]) assert.ok(Math.abs(s.x.values[k] - (d.x.values[k] - m) / sd) < 1e-5);
  assert.ok(Math.abs(s.truths.values[40] - (d.truths.values[40] - m) / sd) < 1e-5);
  assert.ok(Math.abs(s.clean.values[300] - (d.clean.values[300] - m) / sd) < 1e-5);
  assert.equal(s.noiseSd, 5e-3 / s.scaling.sd);
  assert.deepEqual(d.scaling, { mean: 0, sd: 1 });
  // the training split of the standardised data has mean 0 and sd 1
  const t = d.split.train.flatMap((i) => Array.from(s.x.values.subarray(i * 256, (i + 1) * 256)));
  assert.ok(Math.abs(t.reduce((a, b) => a + b, 0) / t.length) < 1e-5);
  assert.notEqual(JSON.stringify(s.key), JSON.stringify(d.key), "a different run key");
  assert.deepEqual(s.split, d.split);
  assert.throws(() => standardizePoisson(s), /already scaled/);
});

test("poissonTrueNll: the Gaussian NLL given the truth, shifted by P·log sd under standardisation; mixture ≤ + log 2", () => {
  const d = poissonDataset({ seed: "poisson-test" });
  const s = standardizePoisson(d);
  const rows = d.split.test.slice(0, 20);
  const raw = poissonTrueNll(d, rows),
    std = poissonTrueNll(s, rows);
  const i = rows[0];
  let q = 0;
  for (let p = 0; p < 256; p++) q += (d.x.values[i * 256 + p] - d.truths.values[d.label[i] * 256 + p]) ** 2;
  const want = 256 * (0.5 * Math.log(2 * Math.PI) + Math.log(5e-3)) + q / (2 * 25e-6);
  assert.ok(Math.abs(raw.conditional[0] - want) < 1e-6 * Math.abs(want));
  for (let r = 0; r < rows.length; r++) {
    // a global affine map moves every log-density by P·log sd
    assert.ok(Math.abs(raw.conditional[r] - std.conditional[r] - 256 * Math.log(s.scaling.sd)) < 1e-2);
    assert.ok(std.mixture[r] <= std.conditional[r] + Math.log(2) + 1e-9);
    assert.ok(
      std.mixture[r] >= std.conditional[r] - 1e-6,
      "the other truth is far: the mixture is ≈ conditional + log 2",
    );
  }
  // the floor of standardised data is ≈ 73 nats per image (the paper's scale), of raw data ≈ −993
  const m = (x: Float64Array) => x.reduce((a, b) => a + b, 0) / x.length;
  assert.ok(m(std.conditional) > 65 && m(std.conditional) < 80, `${m(std.conditional)}`);
  assert.ok(m(raw.conditional) < -950);
});
