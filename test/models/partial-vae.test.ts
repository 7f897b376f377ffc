// The partial VAE: the PointNet-plus code against a per-dimension reference, masking (unobserved values
// never matter; an all-missing datum always gets the same encoding), the partial distortion against
// the Gaussian formula over observed dimensions, determinism, a finite-difference gradient check, a
// short training run and the tensor count.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { mlpForward } from "../../lib/nets/mlp";
import { fixedBeta } from "../../lib/objectives";
import { train } from "../../lib/train";
import { PARTIAL_VAE_BENCHMARK, PartialVae, createPartialVae, partialVaeConfig } from "../../lib/models/partial-vae";
import { checkDirectionalGradient, variableValues } from "./model-helpers";

before(async () => {
  await initEngine({ quiet: true });
});

const SMALL = partialVaeConfig({
  xDim: 6,
  zDim: 3,
  embedDim: 4,
  featureDim: 5,
  featureHidden: [7],
  encoderHidden: [8],
  decoderHidden: [8],
  activation: "tanh",
});

function perturb(m: PartialVae, rng: Rng, sd = 0.2): void {
  for (const v of Object.values(m.variables)) tf.tidy(() => v.assign(tf.add(v, tf.mul(rng.normalTensor(v.shape), sd))));
}

const arr = async (t: tf.Tensor) => Array.from(await t.data());

test("the PointNet-plus code is Σ over observed d of h([x_d, e_d]), each computed by the MLP on the concatenation", async () => {
  const m = createPartialVae(SMALL, new Rng(1));
  perturb(m, new Rng(2));
  const rng = new Rng(3);
  const x = rng.normalTensor([4, 6]);
  const mask = tf.tensor2d([
    [1, 1, 1, 1, 1, 1],
    [1, 0, 1, 0, 1, 0],
    [0, 0, 0, 0, 0, 1],
    [0, 0, 0, 0, 0, 0],
  ]);
  const got = await m.aggregate(x, mask).array();
  const xv = (await x.array()) as number[][],
    mv = await mask.array(),
    E = (await m.embedding.array()) as number[][];
  for (let b = 0; b < 4; b++) {
    const want = new Array(5).fill(0);
    for (let d = 0; d < 6; d++) {
      if (!mv[b][d]) continue;
      const f = await mlpForward(m.featureNet, tf.tensor2d([[xv[b][d], ...E[d]]])).data();
      f.forEach((v, i) => (want[i] += v));
    }
    got[b].forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `example ${b} feature ${i}: ${v} vs ${want[i]}`));
  }
  assert.deepEqual(got[3], [0, 0, 0, 0, 0], "nothing observed: the code is zero");
  m.dispose();
});

test("masking: an all-missing datum gets the same encoding whatever its values (NaN included); unobserved values never change the record", async () => {
  const m = createPartialVae(SMALL, new Rng(4));
  perturb(m, new Rng(5));
  const none = tf.zeros([3, 6]);
  const encs = [];
  for (const x of [tf.zeros([3, 6]), tf.fill([3, 6], 1e3), tf.fill([3, 6], NaN), new Rng(6).normalTensor([3, 6])]) {
    const { mean, logVar } = m.encode(x, none);
    encs.push([...(await arr(mean)), ...(await arr(logVar))]);
  }
  for (const e of encs) {
    assert.ok(e.every(Number.isFinite), "finite encoding");
    assert.deepEqual(e, encs[0]);
  }
  // rows of one all-missing batch agree with each other too
  assert.deepEqual(encs[3].slice(0, 3), encs[3].slice(3, 6));
  // partially observed: values at unobserved positions do not change distortion, rate or the encoding
  const rng = new Rng(7);
  const x = rng.normalTensor([5, 6]);
  const mask = tf.cast(tf.less(rng.uniformTensor([5, 6]), 0.5), "float32");
  const other = tf.where(tf.greater(mask, 0), x, tf.fill([5, 6], NaN));
  const eps = rng.normalTensor([5, 3]);
  const [r1, r2] = [m.record(x, mask, eps), m.record(other, mask, eps)];
  assert.deepEqual(await arr(r1.distortion), await arr(r2.distortion));
  assert.deepEqual(await arr(r1.rate), await arr(r2.rate));
  // no mask = fully observed
  const [rAll, rOnes] = [m.record(x, undefined, eps), m.record(x, tf.onesLike(x), eps)];
  assert.deepEqual(await arr(rAll.elbo), await arr(rOnes.elbo));
  assert.throws(() => m.record(x, tf.ones([5, 5]), eps), /mask must have shape \[5, 6\]/);
  m.dispose();
});

test("the partial distortion is −Σ_{observed d} log N(x_d; m_d(z), e^{v_d}) and the rate the closed-form KL", async () => {
  const m = createPartialVae(SMALL, new Rng(8));
  perturb(m, new Rng(9));
  const rng = new Rng(10);
  const x = rng.normalTensor([4, 6]);
  const mask = tf.tensor2d([
    [1, 0, 1, 1, 0, 1],
    [0, 0, 0, 0, 0, 1],
    [1, 1, 1, 1, 1, 1],
    [0, 0, 0, 0, 0, 0],
  ]);
  const eps = rng.normalTensor([4, 3]);
  const rec = m.record(x, mask, eps);
  const { mean, logVar } = m.encode(x, mask);
  const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
  const means = await m.decode(z).array();
  const [xv, mv, lv, mu, lvq] = [
    (await x.array()) as number[][],
    await mask.array(),
    (await m.logVar.array()) as number[],
    await mean.array(),
    await logVar.array(),
  ];
  const D = await rec.distortion.data(),
    R = await rec.rate.data();
  for (let b = 0; b < 4; b++) {
    let d = 0;
    for (let j = 0; j < 6; j++)
      if (mv[b][j])
        d += (0.5 * (xv[b][j] - means[b][j]) ** 2) / Math.exp(lv[j]) + 0.5 * lv[j] + 0.5 * Math.log(2 * Math.PI);
    const r = mu[b].reduce((s, u, k) => s + 0.5 * (u * u + Math.exp(lvq[b][k]) - 1 - lvq[b][k]), 0);
    assert.ok(Math.abs(D[b] - d) < 1e-4 * Math.max(1, Math.abs(d)), `distortion[${b}] ${D[b]} vs ${d}`);
    assert.ok(Math.abs(R[b] - r) < 1e-4 * Math.max(1, r), `rate[${b}] ${R[b]} vs ${r}`);
  }
  assert.equal(D[3], 0, "nothing observed: no distortion");
  m.dispose();
});

test("the pvae benchmark preset: 15-D, K = 8, embeddings 16, h 17-32-16; q(z|x) starts near N(0, I); deterministic given the seed", async () => {
  const a = createPartialVae(PARTIAL_VAE_BENCHMARK, new Rng(11)),
    b = createPartialVae(PARTIAL_VAE_BENCHMARK, new Rng(11));
  assert.deepEqual(await variableValues(a.variables), await variableValues(b.variables));
  const shapes = Object.fromEntries(Object.entries(a.variables).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, {
    embed: [15, 16],
    "h/0/w": [17, 32],
    "h/0/b": [32],
    "h/1/w": [32, 16],
    "h/1/b": [16],
    "enc/0/w": [16, 64],
    "enc/0/b": [64],
    "enc/1/w": [64, 16],
    "enc/1/b": [16],
    "dec/0/w": [8, 64],
    "dec/0/b": [64],
    "dec/1/w": [64, 15],
    "dec/1/b": [15],
    "dec/logvar": [15],
  });
  const x = new Rng(12).normalTensor([64, 15]);
  const rec = a.record(x, undefined, tf.zeros([64, 8]));
  const meanRate = (await tf.mean(rec.rate).data())[0];
  // about 1 nat per latent (with a unit-scale output layer it would be ~1e7 nats)
  assert.ok(meanRate < 20, `initial mean KL ${meanRate} nats (the encoder output layer starts small)`);
  a.dispose();
  b.dispose();
});

test("gradient of the negative partial ELBO matches finite differences along random directions", async () => {
  const m = createPartialVae(SMALL, new Rng(13));
  perturb(m, new Rng(14));
  const rng = new Rng(15);
  const x = rng.normalTensor([6, 6]);
  const mask = tf.cast(tf.less(rng.uniformTensor([6, 6]), 0.6), "float32");
  const eps = rng.normalTensor([6, 3]);
  const ctl = fixedBeta(1);
  await checkDirectionalGradient(m.store.trainable(), () => ctl.loss(m.record(x, mask, eps), 0), {
    seed: "pvae",
    directions: 4,
  });
  m.dispose();
});

test("a short training run on masked correlated data lowers the test −ELBO, with a flat tensor count", async () => {
  // 6-D data on a 2-D linear manifold plus noise; 60% of the entries observed
  const rng = new Rng(16);
  const make = (n: number) => {
    const z = rng.normalTensor([n, 2]);
    const A = tf.tensor2d([
      [1, 0.5, -1, 0.3, 0.8, 0],
      [0, 1, 0.5, -0.7, 0.2, 1],
    ]);
    const x = tf.add(tf.matMul(z, A), tf.mul(rng.normalTensor([n, 6]), 0.1));
    const mask = tf.cast(tf.less(rng.uniformTensor([n, 6]), 0.6), "float32");
    return { x, mask };
  };
  const trainD = make(512),
    testD = make(256);
  const m = createPartialVae(
    partialVaeConfig({ xDim: 6, zDim: 2, encoderHidden: [32], decoderHidden: [32] }),
    new Rng(17),
  );
  const before = await m.evaluate(testD);
  const counts: number[] = [];
  const res = await train(m, {
    data: trainD,
    batchSize: 64,
    steps: 300,
    rng: 18,
    learningRate: 3e-3,
    progress: "none",
    onStep: () => void counts.push(tf.memory().numTensors),
  });
  res.optimizer.dispose();
  const after = await m.evaluate(testD);
  assert.equal(
    counts[1],
    counts[counts.length - 1],
    `numTensors after step 2: ${counts[1]}, after the last: ${counts[counts.length - 1]}`,
  );
  assert.ok(-after.elbo < -before.elbo - 2, `test −ELBO ${-before.elbo} → ${-after.elbo}`);
  assert.deepEqual(await m.evaluate(testD), after, "evaluate is deterministic");
  m.dispose();
});
