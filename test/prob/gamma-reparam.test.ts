// Implicit reparameterisation of Gamma and Beta samples: the incomplete gamma function against closed
// forms; dz/dα against a finite difference of the inverse CDF at a fixed CDF level; Monte-Carlo means of
// the sample gradients against the derivatives of known moments (E z = α, E z² = α(α+1), E log z = ψ(α),
// the Beta mean a/(a+b)), through tf.grad of Gamma(α, β).sample and Beta(a, b).sample.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scalarsOf } from "../helpers/read";
import { gammaDrawRef } from "../helpers/philox-gamma";
import { initEngine } from "../../lib/engine/backend";
import { SPECIAL_KERNELS } from "../../lib/engine/special-kernels";
import { Rng } from "../../lib/engine/rng";
import { Gamma, gammaSampleShapeGradient, regularizedGammaP } from "../../lib/prob/gamma";
import { Beta } from "../../lib/prob/beta";

const ready = initEngine();

/** erf by Abramowitz–Stegun 7.1.26 is too coarse; use the series for small x and the complement otherwise. */
function erf(x: number): number {
  let sum = x,
    term = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

test("regularizedGammaP: closed forms for a = 1, 1/2, 3 on both branches", () => {
  for (const x of [0.01, 0.5, 2, 7, 30])
    assert.ok(Math.abs(regularizedGammaP(1, x) - (1 - Math.exp(-x))) < 1e-13, `P(1, ${x})`);
  for (const x of [0.01, 0.3, 1.2, 2.5])
    assert.ok(Math.abs(regularizedGammaP(0.5, x) - erf(Math.sqrt(x))) < 1e-12, `P(1/2, ${x})`);
  for (const x of [0.5, 2, 5, 12])
    assert.ok(Math.abs(regularizedGammaP(3, x) - (1 - Math.exp(-x) * (1 + x + (x * x) / 2))) < 1e-13, `P(3, ${x})`);
  assert.equal(regularizedGammaP(2, 0), 0);
  assert.throws(() => regularizedGammaP(0, 1), /a must be > 0/);
});

/** Inverse of P(α, ·) at level u by bisection then Newton (float64). */
function inverseP(alpha: number, u: number): number {
  let lo = 0,
    hi = Math.max(1, alpha) * 50;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedGammaP(alpha, mid) < u) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

test("dz/dα equals the finite difference of the inverse CDF at a fixed level", () => {
  for (const alpha of [0.3, 1, 2.5, 9])
    for (const u of [0.1, 0.5, 0.9]) {
      const z = inverseP(alpha, u),
        h = 1e-4 * alpha;
      const fd = (inverseP(alpha + h, u) - inverseP(alpha - h, u)) / (2 * h);
      const g = gammaSampleShapeGradient(alpha, z);
      assert.ok(Math.abs(g - fd) < 1e-4 * Math.max(1, Math.abs(fd)), `α=${alpha} u=${u}: ${g} vs ${fd}`);
    }
});

test("Gamma(α, β).sample: Monte-Carlo gradients match ∂E z/∂α = 1/β, ∂E z²/∂α = (2α+1)/β², ∂E log z/∂α = ψ'(α)", async () => {
  await ready;
  const N = 40000;
  for (const [a0, b0] of [
    [0.4, 1],
    [2, 3],
    [6, 0.5],
  ]) {
    const grads = (f: (z: tf.Tensor) => tf.Tensor) =>
      scalarsOf(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mean(f(new Gamma(a, b).sample(new Rng(`g/${a0}`), [N]))))([
          tf.scalar(a0),
          tf.scalar(b0),
        ]),
      );
    const [dMeanA, dMeanB] = await grads((z) => z);
    assert.ok(Math.abs(dMeanA - 1 / b0) < 0.03 / b0, `α=${a0}: ∂E z/∂α ${dMeanA} vs ${1 / b0}`);
    assert.ok(Math.abs(dMeanB + a0 / (b0 * b0)) < (0.03 * a0) / (b0 * b0), `∂E z/∂β ${dMeanB} vs ${-a0 / (b0 * b0)}`);
    const [dSqA] = await grads((z) => tf.square(z));
    const want = (2 * a0 + 1) / (b0 * b0);
    assert.ok(Math.abs(dSqA - want) < 0.05 * want, `α=${a0}: ∂E z²/∂α ${dSqA} vs ${want}`);
    // trigamma by its series Σ 1/(α + k)²
    let tri = 0;
    for (let k = 0; k < 200000; k++) tri += 1 / (a0 + k) ** 2;
    const [dLogA] = await grads((z) => tf.log(z));
    assert.ok(Math.abs(dLogA - tri) < 0.05 * tri, `α=${a0}: ∂E log z/∂α ${dLogA} vs ψ' ${tri}`);
  }
});

test("Beta(a, b).sample: gradient of the Monte-Carlo mean matches ∂(a/(a+b))", async () => {
  await ready;
  const N = 40000;
  for (const [a0, b0] of [
    [0.5, 0.8],
    [2, 5],
  ]) {
    const [ga, gb] = await scalarsOf(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mean(new Beta(a, b).sample(new Rng(`b/${a0}`), [N])))([
        tf.scalar(a0),
        tf.scalar(b0),
      ]),
    );
    const s = a0 + b0;
    assert.ok(Math.abs(ga - b0 / (s * s)) < (0.05 * b0) / (s * s), `∂/∂a ${ga} vs ${b0 / (s * s)}`);
    assert.ok(Math.abs(gb + a0 / (s * s)) < (0.05 * a0) / (s * s), `∂/∂b ${gb} vs ${-a0 / (s * s)}`);
  }
});

test("the native dz/dα kernel matches gammaSampleShapeGradient (float64 in both, rounded to float32)", async (t) => {
  if (!tf.findBackendFactory("native")) return t.skip("no native backend");
  const initial = tf.getBackend();
  await tf.setBackend("native");
  try {
    const alphas: number[] = [],
      zs: number[] = [];
    for (const a of [0.05, 0.3, 1, 2.5, 10, 100, 1000])
      for (const q of [1e-40, 1e-6, 0.01, 0.3, 0.7, 0.99]) {
        alphas.push(Math.fround(a));
        // a spread of z from tiny (floored at the smallest normal float32) to the upper tail
        zs.push(Math.fround(q < 1e-30 ? q : a * (q / (1 - q)) ** (1 / Math.max(1, Math.sqrt(a)))));
      }
    const got = await (
      tf.engine().runKernel(SPECIAL_KERNELS.gammaShapeGrad, { a: tf.tensor1d(alphas), b: tf.tensor1d(zs) }) as tf.Tensor
    ).data();
    alphas.forEach((a, i) => {
      const want = Math.fround(gammaSampleShapeGradient(a, Math.max(zs[i], 1.1754943508222875e-38)));
      const tol = 1e-6 * Math.abs(want) + 1e-30;
      assert.ok(Math.abs(got[i] - want) <= tol, `α ${a}, z ${zs[i]}: kernel ${got[i]}, JS ${want}`);
    });
  } finally {
    await tf.setBackend(initial);
  }
});

test("the native dz/dα kernel's four-lane path gives its one-by-one path's float32 bit for bit", async (t) => {
  // Equal shapes take the four-lane series / continued fraction (native/src/special.cc); a broadcast takes the
  // scalar loop. Both branches, lanes converging at different terms, invalid inputs, and a length that is not a
  // multiple of four.
  if (!tf.findBackendFactory("native")) return t.skip("no native backend");
  const initial = tf.getBackend();
  await tf.setBackend("native");
  try {
    const rng = new Rng("dz/dα lanes");
    const n = 20003,
      alphas = new Float32Array(n),
      zs = new Float32Array(n);
    const specials = [0, -0, -1, NaN, Infinity, 1e-45, 1e-38, 1e30, 1];
    for (let i = 0; i < n; i++) {
      alphas[i] = 10 ** (rng.uniform() * 5 - 2.5);
      zs[i] = alphas[i] * 10 ** (rng.uniform() * 4 - 2);
      if (i % 97 === 0) alphas[i] = specials[i % specials.length];
      if (i % 89 === 0) zs[i] = specials[(i * 7) % specials.length];
    }
    const fourLane = tf.engine().runKernel(SPECIAL_KERNELS.gammaShapeGrad, {
      a: tf.tensor1d(alphas),
      b: tf.tensor1d(zs),
    }) as tf.Tensor;
    const oneByOne = tf.engine().runKernel(SPECIAL_KERNELS.gammaShapeGrad, {
      a: tf.tensor1d(alphas),
      b: tf.tensor2d(zs, [1, n]),
    }) as tf.Tensor;
    assert.deepEqual(oneByOne.shape, [1, n], "the broadcast call takes the one-by-one path");
    const [got, want] = [await fourLane.data(), await oneByOne.data()];
    let differ = 0;
    for (let i = 0; i < n; i++) if (!Object.is(got[i], want[i])) differ++;
    assert.equal(differ, 0, `${differ} of ${n} values differ between the two paths`);
    const series = Array.from(alphas).filter((a, i) => a > 0 && zs[i] < a + 1).length;
    assert.ok(series > 5000 && n - series > 5000, `both branches exercised (${series} series)`);
    tf.dispose([fourLane, oneByOne]);
  } finally {
    await tf.setBackend(initial);
  }
});

test("dz/dα against mpmath (1500 digits): the far tails, where a difference of two P evaluations gave 0", () => {
  // −∂P/∂α / p(z) by mpmath.diff of gammainc at 1500 digits (1 − P underflows double there); until 2026-12-07 the
  // reference was a central difference of P, which returned 0 (or NaN → 0) at the last five points
  const known: [number, number, number][] = [
    [0.05, 0.001, 0.128338512837],
    [2.5, 45.718348, 3.24562215007],
    [10, 42.763699, 1.92659925274],
    [1000, 646.04587, 0.797545009282],
    [1e4, 8709.636, 0.93252804853],
    [0.01, 99.99, 104.154548685],
    [0.3, 2999.7, 11.5064407524],
    [1, 9999, 9.78755603188],
    [10, 184.03369, 3.12080224221],
    [1e4, 10964.771, 1.04677544771],
  ];
  for (const [a, z, want] of known) {
    const got = gammaSampleShapeGradient(a, z);
    assert.ok(Math.abs(got - want) <= 1e-9 * want, `α ${a}, z ${z}: ${got} vs mpmath ${want}`);
  }
});

test("the native Gamma-draw kernel is the webgpu shader's generator (Philox-4x32-10 + Marsaglia–Tsang), α broadcast", async (t) => {
  if (!tf.findBackendFactory("native")) return t.skip("no native backend");
  const initial = tf.getBackend();
  await tf.setBackend("native");
  try {
    const seed = [0x12345678, 0x9abcdef0];
    for (const alpha of [0.1, 0.5, 1, 3, 30]) {
      const a = tf.scalar(alpha);
      const z = tf.engine().runKernel(SPECIAL_KERNELS.gammaSample, { alpha: a }, { seed, shape: [2000] }) as tf.Tensor;
      const got = await z.data();
      // float32 in the kernel vs float64 in the mirror: equal to ~1e-5, bar an accept/reject that rounds the other way
      let off = 0;
      got.forEach((g, i) => {
        if (!(Math.abs(g - gammaDrawRef(Math.fround(alpha), i, seed)) <= 1e-4 * g + 1e-30)) off++;
      });
      assert.ok(off <= 4, `α = ${alpha}: ${off} of 2000 draws differ from the mirror`);
      tf.dispose([a, z]);
    }
    // α [3] broadcast over [400, 3]: element i uses α of its column and counter i
    const alphas = [0.2, 2, 20].map(Math.fround);
    const a = tf.tensor1d(alphas);
    const z = tf.engine().runKernel(SPECIAL_KERNELS.gammaSample, { alpha: a }, { seed, shape: [400, 3] }) as tf.Tensor;
    assert.deepEqual(z.shape, [400, 3]);
    const got = await z.data();
    let off = 0;
    got.forEach((g, i) => {
      if (!(Math.abs(g - gammaDrawRef(alphas[i % 3], i, seed)) <= 1e-4 * g + 1e-30)) off++;
    });
    assert.ok(off <= 2, `${off} of 1200 broadcast draws differ from the mirror`);
    const bad = tf
      .engine()
      .runKernel(SPECIAL_KERNELS.gammaSample, { alpha: tf.tensor1d([-1, 0]) }, { seed, shape: [2] }) as tf.Tensor;
    assert.ok(
      (await bad.data()).every((v) => Number.isNaN(v)),
      "α ≤ 0 gives NaN",
    );
    tf.dispose([a, z, bad]);
  } finally {
    await tf.setBackend(initial);
  }
});

test("the host sampler (backends without the draw kernel, here cpu): ∂E z/∂α = 1/β", async () => {
  await ready;
  const initial = tf.getBackend();
  await tf.setBackend("cpu");
  try {
    assert.equal(tf.getKernel(SPECIAL_KERNELS.gammaSample, "cpu"), undefined, "cpu has no draw kernel");
    const [a0, b0] = [2, 3];
    const [dMeanA] = await scalarsOf(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mean(new Gamma(a, b).sample(new Rng("g/cpu"), [20000])))([
        tf.scalar(a0),
        tf.scalar(b0),
      ]),
    );
    assert.ok(Math.abs(dMeanA - 1 / b0) < 0.03 / b0, `∂E z/∂α ${dMeanA} vs ${1 / b0}`);
  } finally {
    await tf.setBackend(initial);
  }
});
