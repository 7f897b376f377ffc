// The manifold data generator: shapes, determinism by seed, the stated noise level, standardised
// clean coordinates, a train/test split that shares the manifold, and that the points really lie
// near a 2-D surface (local PCA).
import { test } from "node:test";
import assert from "node:assert/strict";
import { manifoldPoints, manifoldPointsConfig } from "../../lib/data/manifold-points";

function column(values: Float32Array, D: number, d: number): number[] {
  const out: number[] = [];
  for (let i = d; i < values.length; i += D) out.push(values[i]);
  return out;
}
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const variance = (v: number[]) => {
  const m = mean(v);
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length;
};

test("shapes and resolved config (defaults: 16-D ambient, 2-D manifold, noise 0.1)", () => {
  const d = manifoldPoints({ nTrain: 50, nTest: 20, seed: 1 });
  assert.deepEqual(d.train.x.shape, [50, 16]);
  assert.deepEqual(d.train.clean.shape, [50, 16]);
  assert.deepEqual(d.train.latents.shape, [50, 2]);
  assert.deepEqual(d.test.x.shape, [20, 16]);
  assert.equal(d.train.x.values.length, 50 * 16);
  assert.equal(d.test.latents.values.length, 40);
  assert.deepEqual(d.key, {
    kind: "manifold-points",
    nTrain: 50,
    nTest: 20,
    dim: 16,
    latentDim: 2,
    hidden: 32,
    noise: 0.1,
    seed: 1,
    mapSeed: "vaelab-manifold",
  });
  assert.equal(JSON.stringify(JSON.parse(JSON.stringify(d.key))), JSON.stringify(d.key), "the key is plain JSON");
  const e = manifoldPoints({ nTrain: 3, nTest: 0, dim: 5, latentDim: 3 });
  assert.deepEqual(
    [e.train.x.shape, e.test.x.shape, e.train.latents.shape],
    [
      [3, 5],
      [0, 5],
      [3, 3],
    ],
  );
  assert.throws(() => manifoldPointsConfig({ nTrain: 0, nTest: 1 }), /nTrain must be an integer ≥ 1, got 0/);
  assert.throws(() => manifoldPointsConfig({ nTrain: 1, nTest: 1, noise: -1 }), /noise must be a finite number ≥ 0/);
});

test("deterministic by seed; the sample seed and the map seed act separately; nTest does not change the training set", () => {
  const a = manifoldPoints({ nTrain: 40, nTest: 10, seed: 3 });
  const b = manifoldPoints({ nTrain: 40, nTest: 10, seed: 3 });
  assert.deepEqual(a.train.x.values, b.train.x.values);
  assert.deepEqual(a.test.x.values, b.test.x.values);
  const c = manifoldPoints({ nTrain: 40, nTest: 10, seed: 4 });
  assert.notDeepEqual(a.train.x.values, c.train.x.values);
  // same map: the clean point of a latent is the same function under either sample seed
  const u = [0.3, -1.2];
  assert.deepEqual(a.map(u), c.map(u));
  const m = manifoldPoints({ nTrain: 40, nTest: 10, seed: 3, mapSeed: "other" });
  assert.deepEqual(m.train.latents.values, a.train.latents.values, "latents depend on the sample seed only");
  assert.notDeepEqual(m.train.clean.values, a.train.clean.values, "the map depends on mapSeed");
  const more = manifoldPoints({ nTrain: 40, nTest: 99, seed: 3 });
  assert.deepEqual(more.train.x.values, a.train.x.values);
  // clean = map(latents), also on the test split (same manifold)
  for (const split of [a.train, a.test]) {
    for (let i = 0; i < 3; i++) {
      const y = a.map(Array.from(split.latents.values.slice(2 * i, 2 * i + 2)));
      y.forEach((v, d) => assert.ok(Math.abs(v - split.clean.values[16 * i + d]) < 1e-5));
    }
  }
});

test("the noise x − clean has the stated standard deviation, mean 0, and is independent across coordinates", () => {
  for (const noise of [0.1, 0.5]) {
    const d = manifoldPoints({ nTrain: 3000, nTest: 0, noise, seed: 5 });
    const r = Array.from(d.train.x.values, (v, i) => v - d.train.clean.values[i]);
    const n = r.length; // 48 000 residuals: sd estimate has relative SE 1/sqrt(2n) ≈ 0.3%
    const sd = Math.sqrt(variance(r));
    assert.ok(Math.abs(sd / noise - 1) < 0.015, `noise sd ${sd} vs ${noise}`);
    assert.ok(Math.abs(mean(r)) < (5 * noise) / Math.sqrt(n), `noise mean ${mean(r)}`);
    // correlation of neighbouring coordinates' noise ≈ 0
    const a = column(Float32Array.from(r), 16, 0),
      b = column(Float32Array.from(r), 16, 1);
    const corr = a.reduce((s, v, i) => s + v * b[i], 0) / a.length / (noise * noise);
    assert.ok(Math.abs(corr) < 5 / Math.sqrt(a.length), `noise correlation ${corr}`);
  }
  const z = manifoldPoints({ nTrain: 10, nTest: 0, noise: 0 });
  assert.deepEqual(z.train.x.values, z.train.clean.values);
});

test("clean coordinates are standardised (mean 0, variance 1) and the data are locally 2-D", () => {
  const d = manifoldPoints({ nTrain: 4000, nTest: 0, noise: 0, seed: 6 });
  for (let k = 0; k < 16; k++) {
    const c = column(d.train.clean.values, 16, k);
    assert.ok(Math.abs(mean(c)) < 0.1, `coordinate ${k} mean ${mean(c)}`);
    assert.ok(Math.abs(variance(c) - 1) < 0.1, `coordinate ${k} variance ${variance(c)}`);
  }
  // Local PCA around a point: a small latent disc maps to a nearly flat 2-D patch, so the third
  // eigenvalue of the local covariance is tiny against the second (tangent plane).
  const u0 = [0.2, -0.4];
  const pts: number[][] = [];
  for (let i = 0; i < 200; i++) {
    const a = (2 * Math.PI * i) / 200,
      r = (0.02 * ((i % 10) + 1)) / 10;
    pts.push(d.map([u0[0] + r * Math.cos(a), u0[1] + r * Math.sin(a)]));
  }
  const eig = topEigenvalues(covariance(pts), 3);
  assert.ok(eig[1] > 0, "two tangent directions");
  assert.ok(eig[2] < 1e-3 * eig[1], `third local eigenvalue ${eig[2]} vs second ${eig[1]}`);
  // and it is curved: over the whole manifold a plane does not explain the data
  const global = topEigenvalues(
    covariance(Array.from({ length: 1000 }, (_, i) => Array.from(d.train.clean.values.slice(16 * i, 16 * i + 16)))),
    3,
  );
  assert.ok(
    global[2] > 0.05 * global[0],
    `global third eigenvalue ${global[2]} vs first ${global[0]}: the manifold is not a plane`,
  );
});

function covariance(rows: number[][]): number[][] {
  const D = rows[0].length;
  const m = Array.from({ length: D }, (_, d) => mean(rows.map((r) => r[d])));
  return Array.from({ length: D }, (_, i) =>
    Array.from({ length: D }, (_, j) => rows.reduce((s, r) => s + (r[i] - m[i]) * (r[j] - m[j]), 0) / rows.length),
  );
}

/** Largest k eigenvalues of a symmetric PSD matrix by power iteration with deflation. */
function topEigenvalues(A: number[][], k: number): number[] {
  const D = A.length;
  const M = A.map((r) => r.slice());
  const out: number[] = [];
  for (let e = 0; e < k; e++) {
    let v = Array.from({ length: D }, (_, i) => 1 + 0.1 * i);
    let lambda = 0;
    for (let it = 0; it < 2000; it++) {
      const w = M.map((r) => r.reduce((s, x, j) => s + x * v[j], 0));
      const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
      if (norm === 0) break;
      v = w.map((x) => x / norm);
      lambda = norm;
    }
    out.push(lambda);
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) M[i][j] -= lambda * v[i] * v[j];
  }
  return out;
}
