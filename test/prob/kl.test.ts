// Checks closed-form KL divergences against Monte-Carlo estimates (within a few standard errors),
// KL(p, p) = 0, nonnegativity, a hand-computed value, and quadrature for a pair without closed form.
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { Bernoulli, Beta, Distribution, Gamma, kl, klMonteCarlo, Logcosh, LogNormal, Normal } from "../../lib/prob";
import { assertClose, values } from "./helpers";

before(async () => {
  await initEngine({ quiet: true });
});

type Pair = [string, () => [Distribution, Distribution]];

// Batched parameter sets (one batch element per pair) chosen to cover small, unit and large parameters.
const PAIRS: Pair[] = [
  ["Normal", () => [new Normal([0, 1, -2, 0.3], [1, 0.5, 2, 0.1]), new Normal([1, 1, 0, 0], [2, 1, 0.7, 0.3])]],
  ["LogNormal", () => [new LogNormal([0, 0.5, -1], [0.5, 1, 0.2]), new LogNormal([0.3, 0, -1.2], [0.4, 1.5, 0.3])]],
  ["Gamma", () => [new Gamma([0.5, 2, 10, 3], [1, 0.5, 4, 3]), new Gamma([1, 3, 8, 0.7], [2, 1, 3, 1])]],
  ["Beta", () => [new Beta([0.7, 2, 5, 30], [0.8, 3, 1, 20]), new Beta([1, 1, 4, 25], [1, 5, 2, 25])]],
  ["Bernoulli", () => [new Bernoulli([-2, 0, 1.5, 4]), new Bernoulli([1, 0.5, -1, 3])]],
];

describe("closed-form KL", () => {
  for (const [name, make] of PAIRS) {
    test(`${name}: closed form within 4 standard errors of Monte Carlo`, async () => {
      const [p, q] = make();
      const exact = await values(kl(p, q));
      const { estimate, stdErr } = klMonteCarlo(p, q, new Rng(`kl-${name}`), 40000);
      const est = await values(estimate);
      const se = await values(stdErr);
      exact.forEach((k, i) => {
        assert.ok(se[i] > 0 && se[i] < 0.05, `${name}[${i}] standard error ${se[i]} is not small and positive`);
        assertClose(est[i], k, `${name}[${i}] KL closed form ${k} vs MC ${est[i]} ± ${se[i]}`, {
          abs: 4 * se[i] + 1e-4,
        });
      });
      p.dispose();
      q.dispose();
    });

    test(`${name}: KL(p, p) = 0`, async () => {
      const [p] = make();
      (await values(kl(p, p))).forEach((v, i) => assertClose(v, 0, `${name}[${i}] KL(p, p)`, { abs: 2e-6 }));
      p.dispose();
    });
  }

  test("nonnegative over random parameter pairs", async () => {
    const rng = new Rng("kl-nonneg");
    const n = 300;
    const pos = () => Array.from({ length: n }, () => Math.exp(rng.uniformIn(-3, 3)));
    const real = () => Array.from({ length: n }, () => rng.uniformIn(-5, 5));
    const pairs: [string, Distribution, Distribution][] = [
      ["Normal", new Normal(real(), pos()), new Normal(real(), pos())],
      ["LogNormal", new LogNormal(real(), pos()), new LogNormal(real(), pos())],
      ["Gamma", new Gamma(pos(), pos()), new Gamma(pos(), pos())],
      ["Beta", new Beta(pos(), pos()), new Beta(pos(), pos())],
      ["Bernoulli", new Bernoulli(real()), new Bernoulli(real())],
    ];
    for (const [name, p, q] of pairs) {
      const v = await values(kl(p, q));
      v.forEach((k, i) => assert.ok(Number.isFinite(k) && k >= -1e-5 * (1 + Math.abs(k)), `${name}[${i}] KL = ${k}`));
      p.dispose();
      q.dispose();
    }
  });

  test("hand-computed values", async () => {
    // KL(N(0,1) ‖ N(1, 2²)) = log 2 + (1 + 1)/8 − ½.
    assertClose((await values(kl(new Normal(0, 1), new Normal(1, 2))))[0], Math.log(2) + 0.25 - 0.5, "Normal", {
      abs: 1e-6,
    });
    // KL(Γ(1, 1) ‖ Γ(1, 2)) between exponentials = log(1/2) + 2 − 1.
    assertClose((await values(kl(new Gamma(1, 1), new Gamma(1, 2))))[0], Math.log(0.5) + 1, "Exponential", {
      abs: 1e-6,
    });
    // KL(Beta(1,1) ‖ Beta(2,1)): density 2x, so −E[log 2x] = −log 2 + 1 under U(0,1).
    assertClose((await values(kl(new Beta(1, 1), new Beta(2, 1))))[0], 1 - Math.log(2), "Beta", { abs: 1e-6 });
    // Bernoulli(½) ‖ Bernoulli(σ(1)).
    const q1 = 1 / (1 + Math.exp(-1));
    assertClose(
      (await values(kl(new Bernoulli(0), new Bernoulli(1))))[0],
      0.5 * Math.log(0.5 / q1) + 0.5 * Math.log(0.5 / (1 - q1)),
      "Bernoulli",
      { abs: 1e-6 },
    );
  });

  test("gradients of closed forms are finite", async () => {
    const a = tf.tensor1d([0.5, 3]);
    const b = tf.tensor1d([2, 0.7]);
    for (const f of [
      (x: tf.Tensor, y: tf.Tensor) => kl(new Gamma(x, y), new Gamma(1, 1)),
      (x: tf.Tensor, y: tf.Tensor) => kl(new Beta(x, y), new Beta(2, 2)),
      (x: tf.Tensor, y: tf.Tensor) => kl(new Normal(x, y), new Normal(0, 1)),
    ]) {
      const gs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(f(x, y)))([a, b]);
      for (const g of gs) assert.ok((await values(g)).every(Number.isFinite));
    }
  });
});

describe("dispatch and Monte-Carlo KL", () => {
  test("kl throws for pairs without a closed form", () => {
    assert.throws(() => kl(new Normal(), new Logcosh()), /no closed-form KL\(Normal ‖ Logcosh\).*klMonteCarlo/);
  });

  test("KL(N(0,1) ‖ unit Logcosh) by Monte Carlo matches quadrature", async () => {
    // Independent reference: trapezoid on [−12, 12] of φ(z)(log φ(z) − log p_logcosh(z)) in float64.
    const h = 1e-3;
    let ref = 0;
    for (let z = -12; z <= 12 + 1e-9; z += h) {
      const logPhi = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
      const sech = 1 / Math.cosh((Math.PI * z) / (2 * Math.sqrt(3)));
      const logL = Math.log((Math.PI * sech * sech) / (4 * Math.sqrt(3)));
      ref += h * Math.exp(logPhi) * (logPhi - logL);
    }
    const { estimate, stdErr } = klMonteCarlo(new Normal(0, 1), new Logcosh(), new Rng("n-vs-logcosh"), 100000);
    const est = (await values(estimate))[0];
    const se = (await values(stdErr))[0];
    assert.ok(ref > 0.005 && ref < 0.05, `reference ${ref} should be small but positive`);
    assertClose(est, ref, `MC ${est} ± ${se} vs quadrature ${ref}`, { abs: 4 * se });
  });

  test("Monte-Carlo KL is differentiable through reparameterised samples and rejects n < 2", async () => {
    const loc = tf.scalar(0.7);
    const g = tf.grad(
      (l: tf.Tensor) => klMonteCarlo(new Normal(l, 1), new Normal(0, 1), new Rng("mc-grad"), 5000).estimate,
    )(loc);
    // d/dμ KL(N(μ,1) ‖ N(0,1)) = μ; the MC gradient is exact in expectation.
    assertClose((await values(g))[0], 0.7, "MC gradient", { abs: 0.05 });
    assert.throws(() => klMonteCarlo(new Normal(), new Normal(), new Rng(0), 1), /nSamples/);
  });

  test("no tensor leaks", () => {
    const p = new Gamma([1, 2], [3, 4]);
    const q = new Gamma(1, 1);
    const before = tf.memory().numTensors;
    const mc = klMonteCarlo(p, q, new Rng(1), 100);
    tf.dispose([kl(p, q), mc.estimate, mc.stdErr]);
    assert.equal(tf.memory().numTensors, before);
  });
});
