// The Burgess et al. conv VAE: architecture of the preset, record against a hand computation at zero
// weights, determinism, a finite-difference gradient check, a short training run and the tensor count.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng";
import { train } from "../../lib/train";
import { fixedBeta } from "../../lib/objectives";
import {
  CONV_VAE_BURGESS_32,
  ConvVaeConfig,
  convLayers,
  convVaeConfig,
  convVaePreset,
  createConvVae,
} from "../../lib/models/conv-vae";
import { checkDirectionalGradient, engineWithConvGradients, variableValues } from "./model-helpers";

before(async () => {
  await engineWithConvGradients();
});

/** 8×8 images: one conv layer each way; small enough for the cpu backend. */
const TINY: ConvVaeConfig = convVaeConfig({
  imageSize: 8,
  channels: 2,
  zDim: 2,
  convChannels: 3,
  hidden: 5,
  activation: "tanh",
  likelihood: { kind: "gaussian", variance: "learned", std: 0.8 },
});

/** Bars: each 16×16 image is one horizontal or vertical bar at a random position (binary). */
function bars(rng: Rng, n: number, S = 16): tf.Tensor4D {
  const v = new Float32Array(n * S * S);
  for (let i = 0; i < n; i++) {
    const pos = rng.int(S - 2),
      vertical = rng.uniform() < 0.5;
    for (let a = 0; a < S; a++)
      for (let w = 0; w < 3; w++) v[i * S * S + (vertical ? a * S + pos + w : (pos + w) * S + a)] = 1;
  }
  return tf.tensor4d(v, [n, S, S, 1]);
}

test("the burgess-32 preset: 3 conv layers 32→16→8→4, FC 512-256-256-20, decoder mirrored to 32×32×1", async () => {
  const c = convVaePreset("burgess-32");
  assert.deepEqual(c, CONV_VAE_BURGESS_32);
  assert.equal(convLayers(32), 3);
  assert.equal(convLayers(64), 4);
  const m = createConvVae(c, new Rng(0));
  const shapes = Object.fromEntries(Object.entries(m.variables).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, {
    "enc/conv0/w": [4, 4, 1, 32],
    "enc/conv0/b": [32],
    "enc/conv1/w": [4, 4, 32, 32],
    "enc/conv1/b": [32],
    "enc/conv2/w": [4, 4, 32, 32],
    "enc/conv2/b": [32],
    "enc/fc/0/w": [512, 256],
    "enc/fc/0/b": [256],
    "enc/fc/1/w": [256, 256],
    "enc/fc/1/b": [256],
    "enc/fc/2/w": [256, 20],
    "enc/fc/2/b": [20],
    "dec/fc/0/w": [10, 256],
    "dec/fc/0/b": [256],
    "dec/fc/1/w": [256, 256],
    "dec/fc/1/b": [256],
    "dec/fc/2/w": [256, 512],
    "dec/fc/2/b": [512],
    "dec/deconv0/w": [4, 4, 32, 32],
    "dec/deconv0/b": [32],
    "dec/deconv1/w": [4, 4, 32, 32],
    "dec/deconv1/b": [32],
    "dec/deconv2/w": [4, 4, 1, 32],
    "dec/deconv2/b": [1],
  });
  const x = tf.zeros([3, 32, 32, 1]);
  const { mean, logVar } = m.encode(x);
  assert.deepEqual(mean.shape, [3, 10]);
  assert.deepEqual(logVar.shape, [3, 10]);
  const out = m.decoderOutput(mean);
  assert.deepEqual(out.shape, [3, 32, 32, 1]);
  const dec = m.decode(mean);
  const [o, d] = [await out.data(), await dec.data()];
  for (let i = 0; i < o.length; i += 97)
    assert.ok(Math.abs(d[i] - 1 / (1 + Math.exp(-o[i]))) < 1e-6, "decode = sigmoid(logits)");
  tf.dispose([x, mean, logVar, out, dec]);
  m.dispose();
});

test("record at zero weights: μ = 0, log σ² = 0 ⇒ rate 0; logits 0 ⇒ distortion = S·S·C·log 2; flat input accepted", async () => {
  const m = createConvVae(convVaePreset("burgess-32"), new Rng(1));
  for (const v of Object.values(m.variables)) v.assign(tf.zerosLike(v));
  const rng = new Rng(2);
  const x = tf.tidy(() => tf.cast(tf.less(rng.uniformTensor([4, 32 * 32]), 0.3), "float32"));
  const rec = m.record(x, rng.normalTensor([4, 10]));
  for (const d of await rec.distortion.data()) assert.ok(Math.abs(d - 1024 * Math.log(2)) < 1e-2, `distortion ${d}`);
  for (const r of await rec.rate.data()) assert.equal(r, 0);
  assert.deepEqual(rec.ratePerDim!.shape, [4, 10]);
  tf.dispose([x, rec.distortion, rec.rate, rec.elbo, rec.ratePerDim!]);
  assert.throws(
    () => m.encode(tf.zeros([2, 16, 16, 1])),
    /images must have shape \[B, 32, 32, 1\] \(or \[B, 1024\]\), got \[2,16,16,1\]/,
  );
  assert.throws(() => createConvVae(convVaeConfig({ imageSize: 24 }), new Rng(0)), /imageSize must be 4·2\^n/);
  assert.throws(() => convVaePreset("nope"), /no preset "nope" \(have: burgess-32\)/);
  m.dispose();
});

test("deterministic given the seed; a different seed gives different weights", async () => {
  const a = createConvVae(TINY, new Rng(5)),
    b = createConvVae(TINY, new Rng(5)),
    c = createConvVae(TINY, new Rng(6));
  assert.deepEqual(await variableValues(a.variables), await variableValues(b.variables));
  assert.notDeepEqual(await variableValues(a.variables), await variableValues(c.variables));
  const x = tf.randomNormal([3, 8, 8, 2], 0, 1, "float32", 7),
    eps = tf.randomNormal([3, 2], 0, 1, "float32", 8);
  const [ra, rb] = [a.record(x, eps), b.record(x, eps)];
  assert.deepEqual(Array.from(await ra.elbo.data()), Array.from(await rb.elbo.data()));
  [a, b, c].forEach((m) => m.dispose());
  tf.dispose([
    x,
    eps,
    ra.distortion,
    ra.rate,
    ra.elbo,
    ra.ratePerDim!,
    rb.distortion,
    rb.rate,
    rb.elbo,
    rb.ratePerDim!,
  ]);
});

test("gradient of the negative ELBO matches finite differences along random directions (tiny config, learned σ)", async () => {
  const m = createConvVae(TINY, new Rng(9));
  const rng = new Rng(10);
  for (const v of Object.values(m.variables))
    tf.tidy(() => v.assign(tf.add(v, tf.mul(rng.normalTensor(v.shape), 0.2))));
  const x = rng.normalTensor([4, 8, 8, 2]),
    eps = rng.normalTensor([4, 2]);
  const ctl = fixedBeta(1);
  await checkDirectionalGradient(m.store.trainable(), () => ctl.loss(m.record(x, eps), 0), {
    seed: "conv-vae",
    directions: 4,
  });
  tf.dispose([x, eps]);
  m.dispose();
});

test("a short training run on bar images lowers the test −ELBO, with a flat tensor count", async () => {
  const rng = new Rng(11);
  const xTrain = bars(rng, 256),
    xTest = bars(rng, 64);
  const m = createConvVae(convVaeConfig({ imageSize: 16, convChannels: 8, hidden: 32, zDim: 4 }), new Rng(12));
  const before = await m.evaluate(xTest);
  const counts: number[] = [];
  const res = await train(m, {
    data: xTrain,
    batchSize: 32,
    steps: 40,
    rng: 13,
    learningRate: 3e-3,
    progress: "none",
    onStep: () => void counts.push(tf.memory().numTensors),
  });
  const after = await m.evaluate(xTest);
  res.optimizer.dispose();
  assert.equal(
    counts[1],
    counts[counts.length - 1],
    `numTensors after step 2: ${counts[1]}, after step ${counts.length}: ${counts[counts.length - 1]}`,
  );
  assert.ok(-after.elbo < -before.elbo - 30, `test −ELBO ${-before.elbo} → ${-after.elbo}`);
  assert.ok(Math.abs(after.elbo + after.distortion + after.rate) < 1e-6);
  assert.equal(after.ratePerDim.length, 4);
  const again = await m.evaluate(xTest);
  assert.deepEqual(again, after, "evaluate is deterministic");
  tf.dispose([xTrain, xTest]);
  m.dispose();
});
