// The MLP VAE against an independent float64 implementation in plain numbers: rate (closed-form
// Gaussian KL), distortion (Gaussian / Bernoulli NLL), gradients against central finite differences;
// plus tensor bookkeeping, determinism, evaluate(), the benchmark preset and a short training run.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { Activation } from "../../lib/nets";
import { fixedBeta, adaptiveRate } from "../../lib/objectives";
import { train } from "../../lib/train";
import {
  MLP_VAE_BENCHMARK,
  MlpVae,
  MlpVaeConfig,
  createMlpVae,
  mlpVaeConfig,
  mlpVaePreset,
} from "../../lib/models/mlp-vae";
import { manifoldPoints } from "../../lib/data/manifold-points";

before(async () => {
  await initEngine({ quiet: true });
});

// ---- reference implementation (float64, plain arrays) --------------------------------------------

type Params = Record<string, number[]>; // flat row-major values by parameter name

function act(v: number, a: Activation): number {
  switch (a) {
    case "relu":
      return Math.max(0, v);
    case "tanh":
      return Math.tanh(v);
    case "linear":
      return v;
    default:
      throw new Error(`reference: activation ${a} not implemented`);
  }
}

/** x·W (+ b), W [in, out] row-major. */
function denseRef(x: number[], w: number[], b: number[] | undefined, inDim: number, outDim: number): number[] {
  const y = new Array<number>(outDim).fill(0);
  for (let j = 0; j < outDim; j++) {
    let s = b ? b[j] : 0;
    for (let i = 0; i < inDim; i++) s += x[i] * w[i * outDim + j];
    y[j] = s;
  }
  return y;
}

function mlpRef(p: Params, name: string, sizes: number[], a: Activation, x: number[]): number[] {
  let h = x;
  for (let l = 0; l < sizes.length - 1; l++) {
    h = denseRef(h, p[`${name}/${l}/w`], p[`${name}/${l}/b`], sizes[l], sizes[l + 1]);
    if (l < sizes.length - 2) h = h.map((v) => act(v, a));
  }
  return h;
}

const softplus = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

/** Per-example distortion, rate and per-dimension rate, written out from the formulas. */
function recordRef(c: MlpVaeConfig, p: Params, x: number[][], eps: number[][]) {
  const K = c.zDim,
    D = c.xDim;
  return x.map((xi, b) => {
    const h = mlpRef(p, "enc", [D, ...c.encoderHidden, 2 * K], c.activation, xi);
    const mu = h.slice(0, K),
      lv = h.slice(K);
    // KL(N(μ, e^lv) ‖ N(0, 1)) = ½(μ² + e^lv − 1 − lv)
    const perDim = mu.map((m, k) => 0.5 * (m * m + Math.exp(lv[k]) - 1 - lv[k]));
    const z = mu.map((m, k) => m + Math.exp(0.5 * lv[k]) * eps[b][k]);
    const out = mlpRef(p, "dec", [K, ...c.decoderHidden, D], c.activation, z);
    let nll = 0;
    const lk = c.likelihood;
    for (let d = 0; d < D; d++) {
      if (lk.kind === "bernoulli")
        nll += softplus(out[d]) - xi[d] * out[d]; // −[x l − softplus(l)]
      else {
        const logSd = lk.variance === "learned" ? p["dec/logstd"][d] : Math.log(lk.std ?? 1);
        const r = (xi[d] - out[d]) / Math.exp(logSd);
        nll += 0.5 * r * r + logSd + 0.5 * Math.log(2 * Math.PI);
      }
    }
    return { distortion: nll, rate: perDim.reduce((s, v) => s + v, 0), perDim };
  });
}

async function paramsOf(m: MlpVae): Promise<Params> {
  const out: Params = {};
  for (const [k, v] of Object.entries(m.variables)) out[k] = Array.from(await v.data());
  return out;
}

function randomMatrix(rng: Rng, rows: number, cols: number, f: () => number = () => rng.normal()): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, f));
}

/** Move every parameter away from its init (and biases away from zero) so every term is exercised. */
function perturb(m: MlpVae, rng: Rng, sd = 0.3): void {
  for (const v of Object.values(m.variables)) {
    tf.tidy(() =>
      v.assign(
        tf.add(
          v,
          tf.tensor(
            Array.from({ length: v.size }, () => sd * rng.normal()),
            v.shape,
          ),
        ),
      ),
    );
  }
}

const SMALL: Record<string, MlpVaeConfig> = {
  "gaussian, learned σ, biases, tanh": mlpVaeConfig({
    xDim: 5,
    zDim: 3,
    encoderHidden: [6],
    decoderHidden: [4],
    activation: "tanh",
    bias: true,
    likelihood: { kind: "gaussian", variance: "learned", std: 0.7 },
  }),
  "gaussian, fixed σ=0.5, relu, two hidden layers": mlpVaeConfig({
    xDim: 4,
    zDim: 2,
    encoderHidden: [5, 4],
    decoderHidden: [3, 5],
    activation: "relu",
    bias: true,
    likelihood: { kind: "gaussian", variance: "fixed", std: 0.5 },
  }),
  "bernoulli logits, no biases, relu": mlpVaeConfig({
    xDim: 6,
    zDim: 2,
    encoderHidden: [7],
    decoderHidden: [7],
    activation: "relu",
    bias: false,
    likelihood: { kind: "bernoulli" },
  }),
};

function dataFor(c: MlpVaeConfig, rng: Rng, n: number): number[][] {
  return c.likelihood.kind === "bernoulli"
    ? randomMatrix(rng, n, c.xDim, () => (rng.uniform() < 0.4 ? 1 : 0))
    : randomMatrix(rng, n, c.xDim);
}

for (const [label, config] of Object.entries(SMALL)) {
  test(`record matches the hand-written KL and NLL (${label})`, async () => {
    const rng = new Rng(`rec/${label}`);
    const m = createMlpVae(config, rng.fork("init"));
    perturb(m, rng.fork("perturb"));
    const x = dataFor(config, rng, 7);
    const eps = randomMatrix(rng, 7, config.zDim);
    const want = recordRef(config, await paramsOf(m), x, eps);
    const rec = m.record(tf.tensor2d(x), tf.tensor2d(eps));
    const [D, R, E, P] = await Promise.all([
      rec.distortion.array(),
      rec.rate.array(),
      rec.elbo.array(),
      rec.ratePerDim!.array(),
    ]);
    want.forEach((w, b) => {
      const tol = (v: number) => 1e-4 * Math.max(1, Math.abs(v));
      assert.ok(Math.abs(D[b] - w.distortion) < tol(w.distortion), `distortion[${b}] ${D[b]} vs ${w.distortion}`);
      assert.ok(Math.abs(R[b] - w.rate) < tol(w.rate), `rate[${b}] ${R[b]} vs ${w.rate}`);
      assert.ok(Math.abs(E[b] + w.distortion + w.rate) < tol(w.distortion + w.rate), `elbo[${b}]`);
      w.perDim.forEach((r, k) =>
        assert.ok(Math.abs(P[b][k] - r) < tol(r), `ratePerDim[${b}][${k}] ${P[b][k]} vs ${r}`),
      );
    });
    assert.ok(want.filter((w) => w.rate > 0.01).length >= 5, "the test exercises non-trivial rates");
    tf.dispose([rec.distortion, rec.rate, rec.elbo, rec.ratePerDim!]);
    m.dispose();
  });

  test(`gradient of mean(D) + β·mean(R) matches central finite differences of the float64 reference (${label})`, async () => {
    const rng = new Rng(`grad/${label}`);
    const m = createMlpVae(config, rng.fork("init"));
    perturb(m, rng.fork("perturb"));
    const x = dataFor(config, rng, 5);
    const eps = randomMatrix(rng, 5, config.zDim);
    const beta = 0.7;
    const ctl = fixedBeta(beta);
    const xT = tf.tensor2d(x),
      epsT = tf.tensor2d(eps);
    const names = Object.keys(m.variables);
    const { grads, value } = tf.variableGrads(
      () => ctl.loss(m.record(xT, epsT), 0),
      names.map((k) => m.variables[k]),
    );
    const p = await paramsOf(m);
    const lossRef = (q: Params) => {
      const r = recordRef(config, q, x, eps);
      return r.reduce((s, e) => s + e.distortion + beta * e.rate, 0) / r.length;
    };
    assert.ok(Math.abs((await value.data())[0] - lossRef(p)) < 1e-4 * Math.max(1, Math.abs(lossRef(p))), "loss value");
    const h = 1e-6;
    let checked = 0;
    for (const k of names) {
      const g = await grads[m.variables[k].name].data();
      for (let i = 0; i < p[k].length; i++) {
        const plus = { ...p, [k]: p[k].slice() },
          minus = { ...p, [k]: p[k].slice() };
        plus[k][i] += h;
        minus[k][i] -= h;
        const fd = (lossRef(plus) - lossRef(minus)) / (2 * h);
        assert.ok(
          Math.abs(g[i] - fd) < 2e-3 * Math.max(1, Math.abs(fd)),
          `∂loss/∂${k}[${i}]: autodiff ${g[i]}, finite differences ${fd}`,
        );
        checked++;
      }
    }
    assert.equal(checked, m.parameterCount());
    tf.dispose([xT, epsT, value, ...Object.values(grads)]);
    m.dispose();
  });
}

test("a named batch {x} works and wrong shapes are reported with the expected shape", () => {
  const m = createMlpVae(SMALL["bernoulli logits, no biases, relu"], new Rng(1));
  const ctx = { step: 0, epoch: 0, rng: new Rng(2) };
  tf.tidy(() => {
    const rec = m.step({ x: tf.zeros([3, 6]) }, ctx);
    assert.deepEqual(rec.distortion.shape, [3]);
    assert.deepEqual(rec.ratePerDim!.shape, [3, 2]);
  });
  assert.throws(() => m.step(tf.zeros([3, 5]), ctx), /shape \[B, 6\], got \[3,5\]/);
  assert.throws(() => m.step({ y: tf.zeros([3, 6]) }, ctx), /needs an "x" tensor \(has: y\)/);
  assert.throws(() => m.record(tf.zeros([3, 6]), tf.zeros([3, 3])), /eps must have shape \[3, 2\]/);
  assert.throws(
    () => createMlpVae({ ...SMALL["bernoulli logits, no biases, relu"], zDim: 0 }, new Rng(1)),
    /zDim must be a positive integer/,
  );
  assert.throws(
    () =>
      createMlpVae(
        { ...SMALL["bernoulli logits, no biases, relu"], likelihood: { kind: "poisson" } as never },
        new Rng(1),
      ),
    /likelihood.kind/,
  );
  assert.throws(() => mlpVaePreset("nope"), /no preset "nope" \(have: mlp-vae\)/);
  m.dispose();
});

test("encode/decode: shapes, decode = sigmoid(logits) for Bernoulli, the Gaussian mean otherwise", async () => {
  for (const c of [SMALL["bernoulli logits, no biases, relu"], SMALL["gaussian, learned σ, biases, tanh"]]) {
    const m = createMlpVae(c, new Rng(3));
    const before = tf.memory().numTensors;
    const x = tf.ones([4, c.xDim]);
    const { mean, logVar } = m.encode(x);
    assert.deepEqual(mean.shape, [4, c.zDim]);
    assert.deepEqual(logVar.shape, [4, c.zDim]);
    const dec = m.decode(mean),
      raw = m.decoderOutput(mean);
    assert.deepEqual(dec.shape, [4, c.xDim]);
    const want = c.likelihood.kind === "bernoulli" ? tf.sigmoid(raw) : raw.clone();
    const [a, b] = [await dec.data(), await want.data()];
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-6));
    tf.dispose([x, mean, logVar, dec, raw, want]);
    assert.equal(tf.memory().numTensors, before, "encode/decode leave no tensors behind");
    m.dispose();
  }
});

test("the mlp-vae benchmark preset: 784-512-2×32 / 32-512-784, no biases, ReLU, Bernoulli; exact values at zero weights", async () => {
  const c = mlpVaePreset("mlp-vae");
  assert.deepEqual(c, MLP_VAE_BENCHMARK);
  const m = createMlpVae(c, new Rng(0));
  const shapes = Object.fromEntries(Object.entries(m.variables).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, {
    "enc/0/w": [784, 512],
    "enc/1/w": [512, 64],
    "dec/0/w": [32, 512],
    "dec/1/w": [512, 784],
  });
  assert.equal(m.parameterCount(), 784 * 512 + 512 * 64 + 32 * 512 + 512 * 784);
  // all-zero weights: μ = 0, log σ² = 0 ⇒ rate 0; logits 0 ⇒ −log p(x|z) = 784·log 2 for binary x
  for (const v of Object.values(m.variables)) v.assign(tf.zerosLike(v));
  const rng = new Rng(1);
  const x = tf.tensor2d(randomMatrix(rng, 4, 784, () => (rng.uniform() < 0.3 ? 1 : 0)));
  const rec = m.step(x, { step: 0, epoch: 0, rng: new Rng(2) });
  for (const d of await rec.distortion.data()) assert.ok(Math.abs(d - 784 * Math.log(2)) < 1e-3, `distortion ${d}`);
  for (const r of await rec.rate.data()) assert.equal(r, 0);
  tf.dispose([x, rec.distortion, rec.rate, rec.elbo, rec.ratePerDim!]);
  m.dispose();
});

test("tensor count is flat over training steps (evaluate() in the validation hook included)", async () => {
  const data = manifoldPoints({ nTrain: 128, nTest: 32, dim: 8 });
  const m = createMlpVae(mlpVaeConfig({ xDim: 8, zDim: 2, encoderHidden: [16] }), new Rng(4));
  const counts: number[] = [];
  const res = await train(m, {
    data: data.train.x,
    batchSize: 16,
    steps: 30,
    rng: 5,
    progress: "none",
    controller: adaptiveRate({ target: 1, initial: 1, delta: 0.05 }),
    validate: { every: 5, fn: async () => ({ negElbo: -(await m.evaluate(data.test.x, { batchSize: 10 })).elbo }) },
    onStep: () => {
      counts.push(tf.memory().numTensors);
    },
  });
  assert.equal(counts[1], counts[29], `numTensors after step 2: ${counts[1]}, after step 30: ${counts[29]}`);
  res.optimizer.dispose();
  m.dispose();
});

test("evaluate(): deterministic, rate = Σ ratePerDim = the mean closed-form KL whatever the batching, elbo = −(D + R)", async () => {
  const c = SMALL["gaussian, learned σ, biases, tanh"];
  const m = createMlpVae(c, new Rng(6));
  perturb(m, new Rng(7));
  const rng = new Rng(8);
  const x = randomMatrix(rng, 23, c.xDim);
  const xT = tf.tensor2d(x);
  const a = await m.evaluate(xT, { batchSize: 5 });
  const b = await m.evaluate({ values: Float32Array.from(x.flat()), shape: [23, c.xDim] }, { batchSize: 5 });
  assert.deepEqual(a, b, "same data, same default stream: identical");
  const c2 = await m.evaluate(xT, { batchSize: 100 });
  const ref = recordRef(c, await paramsOf(m), x, randomMatrix(rng, 23, c.zDim));
  const meanRate = ref.reduce((s, r) => s + r.rate, 0) / ref.length;
  assert.ok(Math.abs(a.rate - meanRate) < 1e-4 * meanRate, `rate ${a.rate} vs ${meanRate}`);
  assert.ok(Math.abs(c2.rate - a.rate) < 1e-5 * a.rate, "rate does not depend on the batching");
  assert.ok(Math.abs(a.ratePerDim.reduce((s, v) => s + v, 0) - a.rate) < 1e-9);
  assert.ok(Math.abs(a.elbo + a.distortion + a.rate) < 1e-9);
  assert.equal(a.n, 23);
  // many z draws: the distortion converges to E_q[−log p(x|z)], estimated independently with the reference
  const many = await m.evaluate(xT, { samples: 200 });
  const p = await paramsOf(m);
  const mc = new Rng(9);
  let s = 0;
  const S = 400;
  for (let i = 0; i < S; i++)
    s += recordRef(c, p, x, randomMatrix(mc, 23, c.zDim)).reduce((t, r) => t + r.distortion, 0) / 23;
  assert.ok(
    Math.abs(many.distortion - s / S) < 0.03 * Math.abs(s / S) + 0.05,
    `MC distortion ${many.distortion} vs reference ${s / S}`,
  );
  xT.dispose();
  m.dispose();
});

test("training is deterministic given the seeds (noise comes from ctx.rng)", async () => {
  const data = manifoldPoints({ nTrain: 64, nTest: 1, dim: 6 });
  const run = async () => {
    const m = createMlpVae(mlpVaeConfig({ xDim: 6, zDim: 2, encoderHidden: [8] }), new Rng(10));
    const res = await train(m, { data: data.train.x, batchSize: 16, steps: 12, rng: 11, progress: "none" });
    res.optimizer.dispose();
    const w = await paramsOf(m);
    m.dispose();
    return { w, losses: res.history.map((r) => r.loss) };
  };
  const [a, b] = [await run(), await run()];
  assert.deepEqual(a, b);
});

test("a short training run lowers the test −ELBO on the manifold data", async () => {
  const data = manifoldPoints({ nTrain: 512, nTest: 256, dim: 8, noise: 0.1 });
  const m = createMlpVae(mlpVaeConfig({ xDim: 8, zDim: 2, encoderHidden: [32] }), new Rng(12));
  const before = await m.evaluate(data.test.x);
  const res = await train(m, {
    data: data.train.x,
    batchSize: 32,
    steps: 400,
    rng: 13,
    learningRate: 3e-3,
    progress: "none",
  });
  const after = await m.evaluate(data.test.x);
  res.optimizer.dispose();
  // unit-variance coordinates: a factorised N(0, 1) fit costs 8·½log(2πe) ≈ 11.35 nats; the 2-D structure lets a VAE do far better
  assert.ok(-after.elbo < -before.elbo - 5, `test −ELBO ${-before.elbo} → ${-after.elbo}`);
  assert.ok(
    -after.elbo < 8 * 0.5 * Math.log(2 * Math.PI * Math.E),
    `test −ELBO ${-after.elbo} beats an independent unit Gaussian`,
  );
  m.dispose();
});
