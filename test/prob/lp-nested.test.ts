// The Lp-nested ISA prior: the Sinz & Bethge surface formula against known spheres, the group-wise
// factorised normaliser against the tree formula, numerical normalisation in 2-D, the Gaussian special
// case p₀ = p = 2, tensor vs float64 log-densities, sampling moments, and the custom-gradient logSumExp.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import {
  LpNestedIsa,
  isaTree,
  isaCoordinateVariance,
  isaUnitVarianceScale,
  logUnitSphereSurface,
  lpNestedLeaves,
  lpNestedValue,
} from "../../lib/prob/lp-nested";
import { lgammaScalar, logSumExp } from "../../lib/prob/special";
import { assertClose } from "./helpers";

before(async () => {
  await initEngine({ quiet: true });
});

test("unit-sphere surface: 2π^{n/2}/Γ(n/2) for p = 2, 2^n Γ(1/p)^n/(p^{n−1}Γ(n/p)) for one Lp node", () => {
  for (let n = 1; n <= 6; n++) {
    const leaves = new Array(n).fill("leaf") as "leaf"[];
    assertClose(
      logUnitSphereSurface({ p: 2, children: leaves }),
      Math.log(2) + (n / 2) * Math.log(Math.PI) - lgammaScalar(n / 2),
      `L2 sphere n=${n}`,
      { abs: 1e-12 },
    );
    for (const p of [0.5, 1, 1.3, 3]) {
      const want = n * Math.LN2 + n * lgammaScalar(1 / p) - (n - 1) * Math.log(p) - lgammaScalar(n / p);
      assertClose(logUnitSphereSurface({ p, children: leaves }), want, `Lp sphere n=${n} p=${p}`, { abs: 1e-12 });
    }
  }
  // the circle has circumference 2π, the L1 "circle" (a diamond) has S = 4 in Sinz & Bethge's measure
  assertClose(Math.exp(logUnitSphereSurface({ p: 2, children: ["leaf", "leaf"] })), 2 * Math.PI, "circle", {
    rel: 1e-12,
  });
  assertClose(Math.exp(logUnitSphereSurface({ p: 1, children: ["leaf", "leaf"] })), 4, "L1 diamond", { rel: 1e-12 });
  const t = isaTree([2, 3, 1], 1.5, 0.8);
  assert.equal(lpNestedLeaves(t), 6);
  // f(z) of the ISA tree written out
  const z = [0.3, -1.2, 0.5, 2, -0.1, 0.7];
  const g = (v: number[]) =>
    Math.pow(
      v.reduce((s, a) => s + Math.pow(Math.abs(a), 1.5), 0),
      1 / 1.5,
    );
  const want = Math.pow(
    Math.pow(g(z.slice(0, 2)), 0.8) + Math.pow(g(z.slice(2, 5)), 0.8) + Math.pow(g(z.slice(5)), 0.8),
    1 / 0.8,
  );
  assertClose(lpNestedValue(t, z), want, "f(z)", { rel: 1e-14 });
});

test("the group-factorised density equals the Lp-nested form exp(−f^p/(ps)) / [S_f(1)(ps)^{n/p}Γ(n/p)/p]", () => {
  const rng = new Rng("lp/factorised");
  for (const [sizes, p0, p, s] of [
    [[2, 2, 2], 2, 1, 1],
    [[3, 3], 1.5, 0.8, 0.7],
    [[1, 1, 1, 1], 2, 1.3, 2],
    [[4], 0.7, 2.5, 1.1],
    [[2, 2], 2, 2, 1],
  ] as [number[], number, number, number][]) {
    const prior = new LpNestedIsa({ groupSizes: sizes, innerP: p0, outerP: p, scale: s });
    const n = prior.dim;
    const logZ = logUnitSphereSurface(prior.tree()) + (n / p) * Math.log(p * s) + lgammaScalar(n / p) - Math.log(p);
    assertClose(prior.logNormalizer, logZ, `log Z for ${JSON.stringify([sizes, p0, p, s])}`, { abs: 1e-10 });
    for (let i = 0; i < 5; i++) {
      const z = Array.from({ length: n }, () => 1.5 * rng.normal());
      const f = lpNestedValue(prior.tree(), z);
      assertClose(
        prior.logProbValue(z),
        -Math.pow(f, p) / (p * s) - logZ,
        `log p(z) ${JSON.stringify([sizes, p0, p])}`,
        { abs: 1e-10 },
      );
    }
  }
});

/** ∫ exp(logp) over [−L, L]² by the midpoint rule with n cells per axis. */
function integrate2d(logp: (z: number[]) => number, L: number, n: number): number {
  const h = (2 * L) / n;
  let s = 0;
  const z = [0, 0];
  for (let i = 0; i < n; i++) {
    z[0] = -L + (i + 0.5) * h;
    for (let j = 0; j < n; j++) {
      z[1] = -L + (j + 0.5) * h;
      s += Math.exp(logp(z));
    }
  }
  return s * h * h;
}

test("the ISA density integrates to 1 in 2-D (one group of 2, and two groups of 1), shared and unit-variance scales", () => {
  const cases: [number[], number, number, number | "unit-variance"][] = [
    [[2], 2, 1, 1],
    [[2], 1.5, 0.8, 1],
    [[2], 3, 2, 0.5],
    [[2], 0.7, 1.3, 1],
    [[1, 1], 2, 1.5, 1],
    [[1, 1], 1, 0.9, "unit-variance"],
    [[2], 2, 1, "unit-variance"],
    [[2], 1.2, 3, "unit-variance"],
  ];
  for (const [sizes, p0, p, scale] of cases) {
    const prior = new LpNestedIsa({ groupSizes: sizes, innerP: p0, outerP: p, scale });
    // range: far enough that the tail is below 1e-9 (radial tail e^{−r^p/(ps)})
    const s = Math.max(...prior.scales);
    const L = Math.pow(30 * p * s, 1 / p) + 2;
    const mass = integrate2d((z) => prior.logProbValue(z), L, 1600);
    assertClose(mass, 1, `∫p for sizes ${JSON.stringify(sizes)} p0=${p0} p=${p} scale=${scale} (L=${L.toFixed(1)})`, {
      abs: 1e-3,
    });
  }
});

test("p₀ = p = 2 is the Gaussian N(0, s·I); unit variance gives s = 1 exactly", () => {
  const rng = new Rng("lp/gauss");
  for (const [sizes, s] of [
    [[2, 2, 2], 1],
    [[3, 1], 0.4],
    [[5], 2.5],
  ] as [number[], number][]) {
    const prior = new LpNestedIsa({ groupSizes: sizes, innerP: 2, outerP: 2, scale: s });
    for (let i = 0; i < 4; i++) {
      const z = Array.from({ length: prior.dim }, () => 2 * rng.normal());
      const gauss = z.reduce((acc, v) => acc - (v * v) / (2 * s) - 0.5 * Math.log(2 * Math.PI * s), 0);
      assertClose(prior.logProbValue(z), gauss, `log N(z; 0, ${s}I) for ${JSON.stringify(sizes)}`, { abs: 1e-10 });
    }
    prior.coordinateVariances().forEach((v) => assertClose(v, s, "Var z_k = s", { rel: 1e-12 }));
  }
  for (const H of [1, 2, 3, 6])
    assertClose(isaUnitVarianceScale(H, 2, 2), 1, `unit-variance scale for H=${H}`, { rel: 1e-12 });
  for (const [H, p0, p] of [
    [2, 2, 1],
    [3, 1.5, 0.8],
    [1, 0.9, 1.7],
  ]) {
    assertClose(
      isaCoordinateVariance(H, p0, p, isaUnitVarianceScale(H, p0, p)),
      1,
      `unit variance H=${H} p0=${p0} p=${p}`,
      { rel: 1e-10 },
    );
  }
});

test("tensor logProb matches the float64 density on [..., K] inputs, is finite with finite gradients at 0, and leaks nothing", async () => {
  const rng = new Rng("lp/tensor");
  const prior = new LpNestedIsa({ groupSizes: [2, 2, 2], innerP: 2, outerP: 1 });
  const before = tf.memory().numTensors;
  const pts = Array.from({ length: 12 }, () => Array.from({ length: 6 }, () => 1.3 * rng.normal()));
  pts[0] = [0, 0, 0.5, -0.2, 0, 0];
  const x3 = tf.tensor3d([pts.slice(0, 6), pts.slice(6)]),
    x1 = tf.tensor1d(pts[3]),
    x0 = tf.zeros([2, 6]);
  const lp3 = prior.logProb(x3);
  assert.deepEqual(lp3.shape, [2, 6]);
  const v = await lp3.data();
  pts.forEach((z, i) => assertClose(v[i], prior.logProbValue(z), `logProb row ${i}`, { abs: 1e-5, rel: 1e-5 }));
  const lp1 = prior.logProb(x1);
  assert.deepEqual(lp1.shape, []);
  assertClose((await lp1.data())[0], prior.logProbValue(pts[3]), "rank-1 input", { abs: 1e-5, rel: 1e-5 });
  const g = tf.grad((z: tf.Tensor) => tf.sum(prior.logProb(z)))(x0);
  const gv = await g.data();
  assert.ok(
    gv.every((x) => Number.isFinite(x)),
    "gradient at z = 0 is finite",
  );
  tf.dispose([lp3, lp1, g, x3, x1, x0]);
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
  assert.throws(() => tf.tidy(() => prior.logProb(tf.zeros([3, 5]))), /shape \[\.\.\., 6\]/);
  assert.throws(() => new LpNestedIsa({ groupSizes: [2, 0], innerP: 2, outerP: 1 }), /groupSizes\[1\]/);
  assert.throws(() => new LpNestedIsa({ groupSizes: [2], innerP: -1, outerP: 1 }), /innerP/);
});

test("samples: zero mean, unit coordinate variance, E[−log p] = entropy, group norms ‖z_g‖^p/(ps) ~ Gamma(H/p) and independent groups", async () => {
  const prior = new LpNestedIsa({ groupSizes: [2, 2, 2], innerP: 2, outerP: 1 });
  const n = 40000;
  const before = tf.memory().numTensors;
  const zs = prior.sample(new Rng("lp/sample"), n);
  assert.deepEqual(zs.shape, [n, 6]);
  const z = await zs.data();
  const lp = prior.logProb(zs);
  const lpv = await lp.data();
  tf.dispose([zs, lp]);
  assert.equal(tf.memory().numTensors, before, "sampling leaks nothing");
  for (let k = 0; k < 6; k++) {
    let m = 0,
      v = 0;
    for (let i = 0; i < n; i++) m += z[i * 6 + k];
    m /= n;
    for (let i = 0; i < n; i++) v += (z[i * 6 + k] - m) ** 2;
    v /= n;
    assertClose(m, 0, `mean z${k}`, { abs: 0.03 });
    assertClose(v, 1, `variance z${k}`, { abs: 0.05 });
  }
  let negLp = 0;
  for (let i = 0; i < n; i++) negLp += -lpv[i];
  assertClose(negLp / n, prior.entropy(), "E[−log p(z)] = H", { abs: 0.03 });
  // group norms: r_g/(p s) with p = 1, H = 2 ~ Gamma(2): mean 2, variance 2; norms of different groups uncorrelated
  const norms = [0, 1, 2].map((g) =>
    Array.from({ length: n }, (_, i) => Math.hypot(z[i * 6 + 2 * g], z[i * 6 + 2 * g + 1]) / prior.scales[g]),
  );
  for (const t of norms) {
    const m = t.reduce((a, b) => a + b, 0) / n;
    const v = t.reduce((a, b) => a + (b - m) ** 2, 0) / n;
    assertClose(m, 2, "mean of ‖z_g‖/s", { abs: 0.03 });
    assertClose(v, 2, "variance of ‖z_g‖/s", { abs: 0.08 });
  }
  const corr = (a: number[], b: number[]) => {
    const ma = a.reduce((s, x) => s + x, 0) / n,
      mb = b.reduce((s, x) => s + x, 0) / n;
    let sab = 0,
      saa = 0,
      sbb = 0;
    for (let i = 0; i < n; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) ** 2;
      sbb += (b[i] - mb) ** 2;
    }
    return sab / Math.sqrt(saa * sbb);
  };
  assertClose(corr(norms[0], norms[1]), 0, "corr(‖z_1‖, ‖z_2‖)", { abs: 0.025 });
  // within a group the coordinates are uncorrelated but dependent: for this prior corr(z_1², z_2²) = 1/6
  const sq = (k: number) => Array.from({ length: n }, (_, i) => z[i * 6 + k] ** 2);
  assert.ok(
    Math.abs(corr(sq(0), sq(1))) > 0.1,
    `within-group coordinates are dependent (corr of squares ${corr(sq(0), sq(1))})`,
  );
  assertClose(corr(sq(0), sq(2)), 0, "between-group squares uncorrelated", { abs: 0.025 });
});

test("logSumExp: values of tf.logSumExp, gradient softmax(x)·dy, any axis", async () => {
  const rng = new Rng("lse");
  const x = tf.tensor3d(
    Array.from({ length: 2 }, () => Array.from({ length: 3 }, () => Array.from({ length: 4 }, () => 3 * rng.normal()))),
  );
  for (const axis of [0, 1, 2, -1]) {
    const a = logSumExp(x, axis),
      b = tf.logSumExp(x, axis);
    assert.deepEqual(Array.from(await a.data()), Array.from(await b.data()), `values, axis ${axis}`);
    const w = tf.randomNormal(a.shape, 0, 1, "float32", 7);
    const ga = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(logSumExp(t, axis), w)))(x);
    const gb = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.logSumExp(t, axis), w)))(x);
    const [va, vb] = [await ga.data(), await gb.data()];
    va.forEach((v, i) => assertClose(v, vb[i], `gradient[${i}], axis ${axis}`, { abs: 1e-6, rel: 1e-5 }));
    tf.dispose([a, b, w, ga, gb]);
  }
  x.dispose();
  assert.throws(() => logSumExp(tf.zeros([2]), 1), /axis 1/);
});
