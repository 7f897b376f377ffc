// The Poisson data set: the closed-form solution satisfies −Δh = f (five-point finite differences) and the
// zero boundary condition; the data set has the paper's size, classes, noise scale and split.
import { test } from "node:test";
import assert from "node:assert/strict";
import { poissonDataset, poissonImage, poissonSolution } from "../../lib/data/poisson";

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
