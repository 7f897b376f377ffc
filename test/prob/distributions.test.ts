// Checks the distributions of lib/prob against hand formulas in plain numbers, sample moments
// against mean()/variance(), entropies against Monte-Carlo −E[log p], numerical integration,
// reparameterisation gradients, seeding and memory ownership.
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import {
  Bernoulli,
  Beta,
  Distribution,
  Gamma,
  Logcosh,
  LogNormal,
  Normal,
  lgammaScalar,
  normalLogProbFromLogScale,
} from "../../lib/prob";
import { assertClose, column, momentsWithErrors, values } from "./helpers";

before(async () => {
  await initEngine({ quiet: true });
});

const LOG_2PI = Math.log(2 * Math.PI);

// Plain-number reference densities, written from the textbook formulas.
const ref = {
  normal: (x: number, m: number, s: number) => -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * LOG_2PI,
  lognormal: (x: number, m: number, s: number) =>
    -Math.log(x) - Math.log(s) - 0.5 * LOG_2PI - (Math.log(x) - m) ** 2 / (2 * s * s),
  gamma: (x: number, a: number, b: number) => a * Math.log(b) + (a - 1) * Math.log(x) - b * x - lgammaScalar(a),
  beta: (x: number, a: number, b: number) =>
    (a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) - (lgammaScalar(a) + lgammaScalar(b) - lgammaScalar(a + b)),
  // The paper's density, seed 002 Sec. 2.2: π sech²(π z / (2√3)) / (4√3), shifted and scaled.
  logcosh: (x: number, loc: number, scale: number) => {
    const z = (x - loc) / scale;
    const sech = 1 / Math.cosh((Math.PI * z) / (2 * Math.sqrt(3)));
    return Math.log((Math.PI * sech * sech) / (4 * Math.sqrt(3))) - Math.log(scale);
  },
};

describe("log-densities against hand formulas (with broadcasting)", () => {
  test("Normal, LogNormal, Gamma, Beta, Logcosh", async () => {
    // Parameters of shape [2, 1] and [3] broadcast to a batch of [2, 3]; x is [2, 3].
    const p1 = [[0.5], [2.0]];
    const p2 = [0.3, 1.0, 2.5];
    const xs = [
      [0.1, 0.4, 0.9],
      [0.25, 0.6, 0.75],
    ];
    const cases: [string, Distribution, (x: number, a: number, b: number) => number][] = [
      ["Normal", new Normal(p1, p2), ref.normal],
      ["LogNormal", new LogNormal(p1, p2), ref.lognormal],
      ["Gamma", new Gamma(p1, p2), ref.gamma],
      ["Beta", new Beta(p1, p2), ref.beta],
      ["Logcosh", new Logcosh(p1, p2), ref.logcosh],
    ];
    for (const [name, d, f] of cases) {
      assert.deepEqual(d.batchShape, [2, 3], `${name} batch shape`);
      const lp = d.logProb(tf.tensor2d(xs));
      assert.deepEqual(lp.shape, [2, 3]);
      const v = await values(lp);
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          const expected = f(Math.fround(xs[i][j]), Math.fround(p1[i][0]), Math.fround(p2[j]));
          assertClose(v[i * 3 + j], expected, `${name}.logProb at (${i},${j})`, { abs: 2e-6, rel: 2e-6 });
        }
      }
      d.dispose();
    }
  });

  test("logProb broadcasts sample axes: x of shape [S, ...batch]", () => {
    const d = new Normal(tf.tensor1d([0, 1, 2]), 1);
    assert.deepEqual(d.logProb(tf.zeros([5, 3])).shape, [5, 3]);
    d.dispose();
  });

  test("normalLogProbFromLogScale: the Normal density with scale exp(logScale), broadcasting", async () => {
    const xs = [
      [0.1, -0.4, 0.9],
      [0.25, 0.6, -0.75],
    ];
    const locs = [[0.5], [-2.0]];
    const logScales = [-1.2, 0, 0.7];
    const v = await values(normalLogProbFromLogScale(tf.tensor2d(xs), tf.tensor2d(locs), tf.tensor1d(logScales)));
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const expected = ref.normal(
          Math.fround(xs[i][j]),
          Math.fround(locs[i][0]),
          Math.exp(Math.fround(logScales[j])),
        );
        assertClose(v[i * 3 + j], expected, `at (${i},${j})`, { abs: 2e-6, rel: 2e-6 });
      }
    }
  });

  test("unit Logcosh is the paper's density: integrates to 1 with unit variance", async () => {
    const d = new Logcosh();
    const h = 0.01;
    const grid = Array.from({ length: 8001 }, (_, i) => -40 + i * h);
    const p = await values(tf.exp(d.logProb(tf.tensor1d(grid))));
    let mass = 0;
    let second = 0;
    for (let i = 0; i < grid.length; i++) {
      const w = i === 0 || i === grid.length - 1 ? h / 2 : h;
      mass += w * p[i];
      second += w * p[i] * grid[i] * grid[i];
      assertClose(Math.log(p[i]), ref.logcosh(grid[i], 0, 1), `log p(${grid[i]})`, { abs: 2e-5, rel: 2e-6 });
    }
    assertClose(mass, 1, "∫ p", { abs: 1e-5 });
    assertClose(second, 1, "∫ z² p", { abs: 1e-4 });
    // CDF at 0 is ½ and matches the integral up to 1.
    const cdf = await values(d.cdf(tf.tensor1d([0, 1])));
    assertClose(cdf[0], 0.5, "cdf(0)", { abs: 1e-7 });
    let upTo1 = 0;
    for (let i = 0; i < grid.length && grid[i] <= 1 + 1e-9; i++) upTo1 += (grid[i] + h <= 1 + 1e-9 ? h : h / 2) * p[i];
    assertClose(cdf[1], upTo1, "cdf(1) vs quadrature", { abs: 1e-3 });
  });

  test("Bernoulli logProb is stable from logits and handles x in [0, 1]", async () => {
    const logits = [-100, -20, -2, 0, 3, 20, 100];
    const d = new Bernoulli(tf.tensor1d(logits));
    const at1 = await values(d.logProb(tf.ones([7])));
    const at0 = await values(d.logProb(tf.zeros([7])));
    const atFrac = await values(d.logProb(tf.fill([7], 0.3)));
    logits.forEach((l, i) => {
      // log σ(l) = −log(1 + e^−l), log(1 − σ(l)) = −log(1 + e^l), in float64.
      const logP = -Math.log1p(Math.exp(-l));
      const log1mP = -Math.log1p(Math.exp(l));
      assertClose(at1[i], logP, `log p(1 | ${l})`, { abs: 1e-6, rel: 1e-6 });
      assertClose(at0[i], log1mP, `log p(0 | ${l})`, { abs: 1e-6, rel: 1e-6 });
      assertClose(atFrac[i], 0.3 * logP + 0.7 * log1mP, `x = 0.3 at ${l}`, { abs: 1e-5, rel: 1e-6 });
    });
    const fromProbs = Bernoulli.fromProbs(tf.tensor1d([0.2, 0.9]));
    assertClose((await values(fromProbs.logProb(tf.ones([2]))))[0], Math.log(0.2), "fromProbs", { abs: 1e-6 });
    fromProbs.dispose();
    d.dispose();
  });
});

/** A distribution with batch [B], sampled n times; checks every batch element's moments and entropy. */
async function checkMoments(name: string, d: Distribution, rng: Rng, n: number, sds = 5): Promise<void> {
  const B = d.batchShape.reduce((a, b) => a * b, 1);
  const x = d.sample(rng, [n]);
  assert.deepEqual(x.shape, [n, ...d.batchShape], `${name} sample shape`);
  const xs = await x.data();
  const lp = await d.logProb(x).data();
  const mean = await values(d.mean());
  const variance = await values(d.variance());
  const entropy = d.entropy ? await values(d.entropy()) : null;
  for (let b = 0; b < B; b++) {
    const col = column(xs, B, b);
    const m = momentsWithErrors(col);
    assert.ok(col.every(Number.isFinite), `${name}[${b}] has non-finite samples`);
    assertClose(m.mean, mean[b], `${name}[${b}] sample mean`, { abs: sds * m.meanSe });
    assertClose(m.variance, variance[b], `${name}[${b}] sample variance`, { abs: sds * m.varianceSe });
    if (entropy) {
      const neg = momentsWithErrors(column(lp, B, b).map((v) => -v));
      assertClose(neg.mean, entropy[b], `${name}[${b}] entropy vs −E[log p]`, { abs: sds * neg.meanSe + 1e-5 });
    }
  }
  tf.dispose(x);
}

describe("sampling: moments and entropy", () => {
  const n = 20000;
  test("Normal", () => checkMoments("Normal", new Normal([-1, 0, 3], [0.5, 1, 2]), new Rng("normal"), n));
  test("LogNormal", () =>
    checkMoments("LogNormal", new LogNormal([-1, 0, 0.5], [0.3, 0.5, 0.25]), new Rng("lognormal"), n));
  test("Gamma, one concentration (tf.randomGamma path)", async () => {
    await checkMoments("Gamma", new Gamma(2.5, [0.5, 1, 4]), new Rng("gamma-uniform"), n);
    await checkMoments("Gamma", new Gamma(0.4, [1, 3]), new Rng("gamma-uniform-small"), n);
  });
  test("Gamma, per-element concentrations (Marsaglia–Tsang on the Rng)", () =>
    checkMoments("Gamma", new Gamma([0.3, 1, 2.5, 20], [1, 2, 0.5, 4]), new Rng("gamma-vector"), n));
  test("Beta", async () => {
    await checkMoments("Beta", new Beta([0.5, 2, 5, 1], [0.5, 3, 1, 1]), new Rng("beta"), n);
    await checkMoments("Beta", new Beta(2, 3), new Rng("beta-scalar"), n);
  });
  test("Bernoulli", () => checkMoments("Bernoulli", new Bernoulli([-3, 0, 1.5]), new Rng("bernoulli"), n));
  test("Logcosh", () => checkMoments("Logcosh", new Logcosh([0, 1, -2], [1, 0.5, 3]), new Rng("logcosh"), n));

  test("sample shape is [...extraShape, ...batchShape] and draws come only from the Rng", async () => {
    const d = new Normal(tf.zeros([2, 3]), 1);
    assert.deepEqual(d.sample(new Rng(1)).shape, [2, 3]);
    assert.deepEqual(d.sample(new Rng(1), [4, 5]).shape, [4, 5, 2, 3]);
    for (const make of [
      () => new Normal(0, 1),
      () => new Gamma([1, 2], 1),
      () => new Gamma(2, 1),
      () => new Beta(2, 3),
      () => new Logcosh(),
      () => new Bernoulli(0.3),
    ]) {
      const dist = make();
      const a = await values(dist.sample(new Rng("same"), [50]));
      const b = await values(dist.sample(new Rng("same"), [50]));
      const c = await values(dist.sample(new Rng("other"), [50]));
      assert.deepEqual(a, b, `${dist.name}: same seed, same draws`);
      assert.notDeepEqual(a, c, `${dist.name}: different seed, different draws`);
    }
    assert.throws(() => d.sample(new Rng(1), [-1]), /extraShape/);
  });
});

describe("reparameterisation gradients", () => {
  test("flags", () => {
    assert.equal(new Normal().reparameterized, true);
    assert.equal(new LogNormal().reparameterized, true);
    assert.equal(new Logcosh().reparameterized, true);
    assert.equal(new Gamma().reparameterized, true);
    assert.equal(new Beta().reparameterized, true);
    assert.equal(new Bernoulli(0).reparameterized, false);
  });

  test("d sample / d parameters match the sampling maps", async () => {
    const loc = tf.tensor1d([0.5, -1]);
    const scale = tf.tensor1d([2, 0.5]);
    const check = async (
      name: string,
      make: (l: tf.Tensor, s: tf.Tensor) => Distribution,
      dLoc: (x: number, l: number, s: number) => number,
      dScale: (x: number, l: number, s: number) => number,
    ) => {
      const seed = `grad-${name}`;
      const x = await values(make(loc, scale).sample(new Rng(seed), [3]));
      const [gl, gs] = await Promise.all(
        tf
          .grads((l: tf.Tensor, s: tf.Tensor) => tf.sum(make(l, s).sample(new Rng(seed), [3])))([loc, scale])
          .map(values),
      );
      const L = await values(loc);
      const S = await values(scale);
      for (let k = 0; k < 2; k++) {
        let el = 0;
        let es = 0;
        for (let r = 0; r < 3; r++) {
          el += dLoc(x[r * 2 + k], L[k], S[k]);
          es += dScale(x[r * 2 + k], L[k], S[k]);
        }
        assertClose(gl[k], el, `${name} d/dloc[${k}]`, { abs: 1e-5, rel: 1e-5 });
        assertClose(gs[k], es, `${name} d/dscale[${k}]`, { abs: 1e-5, rel: 1e-5 });
      }
    };
    // x = loc + scale·ε: dx/dloc = 1, dx/dscale = ε = (x − loc)/scale.
    await check(
      "Normal",
      (l, s) => new Normal(l, s),
      () => 1,
      (x, l, s) => (x - l) / s,
    );
    await check(
      "Logcosh",
      (l, s) => new Logcosh(l, s),
      () => 1,
      (x, l, s) => (x - l) / s,
    );
    // x = exp(μ + σε): dx/dμ = x, dx/dσ = x (log x − μ)/σ.
    await check(
      "LogNormal",
      (l, s) => new LogNormal(l, s),
      (x) => x,
      (x, l, s) => (x * (Math.log(x) - l)) / s,
    );
  });
});

describe("ownership and errors", () => {
  test("dispose frees only tensors the distribution created", () => {
    const before = tf.memory().numTensors;
    const mine = tf.tensor1d([1, 2]);
    const ds = [
      new Normal(0, mine),
      new Gamma([1, 2], 3),
      new Beta(mine, 2),
      new Logcosh(1, 2),
      new LogNormal(mine, 1),
      new Bernoulli([0.1, -1]),
    ];
    ds.push(Normal.fromLogVar(mine, mine), Bernoulli.fromProbs(tf.scalar(0.5)));
    for (const d of ds) d.dispose();
    assert.equal(mine.isDisposed, false);
    // The scalar given to fromProbs is the caller's.
    assert.equal(tf.memory().numTensors, before + 2);
  });

  test("methods leak no tensors", () => {
    const d = new Beta([1, 2], [3, 4]);
    const x = tf.tensor1d([0.2, 0.7]);
    const before = tf.memory().numTensors;
    tf.dispose([d.logProb(x), d.sample(new Rng(0), [2]), d.mean(), d.variance(), d.entropy()]);
    assert.equal(tf.memory().numTensors, before);
    d.dispose();
  });

  test("incompatible parameter shapes and dtypes are named in the error", () => {
    assert.throws(() => new Normal([1, 2], [1, 2, 3]), /Normal\(loc, scale\).*do not broadcast/);
    assert.throws(() => new Gamma(tf.tensor1d([1], "int32"), 1), /Gamma: parameter 'concentration' must be float32/);
  });
});
