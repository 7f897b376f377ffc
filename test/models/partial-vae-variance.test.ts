// The partial VAE's amortised (z-dependent) decoder variance: starts equal to the per-dimension model,
// the partial distortion uses σ²_d(z) = exp(v_d + g_d(z)) exactly, gradients match finite differences,
// the default config is unchanged (same shapes, no new field in the config, so old run hashes hold).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { fixedBeta } from "../../lib/objectives";
import { PartialVae, createPartialVae, partialVaeConfig } from "../../lib/models/partial-vae";
import { checkDirectionalGradient } from "./model-helpers";

before(async () => {
  await initEngine({ quiet: true });
});

const BASE = {
  xDim: 5,
  zDim: 2,
  embedDim: 3,
  featureDim: 4,
  featureHidden: [6],
  encoderHidden: [7],
  decoderHidden: [7],
  activation: "tanh" as const,
  initLogVar: -0.5,
};

function perturb(m: PartialVae, rng: Rng, sd = 0.3): void {
  for (const v of Object.values(m.variables)) tf.tidy(() => v.assign(tf.add(v, tf.mul(rng.normalTensor(v.shape), sd))));
}

test("config: the default has no decoderVariance field; 'amortised' doubles the decoder output; bad values are named", () => {
  assert.equal("decoderVariance" in partialVaeConfig(BASE), false);
  assert.equal("decoderVariance" in partialVaeConfig({ ...BASE, decoderVariance: "per-dimension" }), false);
  const m = createPartialVae(partialVaeConfig({ ...BASE, decoderVariance: "amortised" }), new Rng(1));
  assert.deepEqual(m.variables["dec/1/w"].shape, [7, 10]);
  assert.deepEqual(m.variables["dec/logvar"].shape, [5]);
  m.dispose();
  assert.throws(
    () => createPartialVae({ ...partialVaeConfig(BASE), decoderVariance: "diag" as never }, new Rng(1)),
    /decoderVariance must be/,
  );
});

test("amortised variance starts homoscedastic: log σ²(z) = v for every z, means equal the mean head", async () => {
  const m = createPartialVae(partialVaeConfig({ ...BASE, decoderVariance: "amortised" }), new Rng(2));
  const z = new Rng(3).normalTensor([4, 2]);
  const { mean, logVar } = m.decodeDistribution(z);
  const lv = (await logVar.array()) as number[][];
  for (const row of lv) row.forEach((v) => assert.ok(Math.abs(v + 0.5) < 1e-6, `log-variance ${v}, want -0.5`));
  assert.deepEqual(await m.decode(z).array(), await mean.array());
  m.dispose();
});

test("the partial distortion with an amortised variance is −Σ_{observed} log N(x_d; m_d(z), exp(v_d + g_d(z))) and varies with z", async () => {
  const m = createPartialVae(partialVaeConfig({ ...BASE, decoderVariance: "amortised" }), new Rng(4));
  perturb(m, new Rng(5));
  const rng = new Rng(6);
  const x = rng.normalTensor([3, 5]);
  const mask = tf.tensor2d([
    [1, 0, 1, 1, 0],
    [0, 0, 0, 0, 1],
    [1, 1, 1, 1, 1],
  ]);
  const eps = rng.normalTensor([3, 2]);
  const rec = m.record(x, mask, eps);
  const { mean, logVar } = m.encode(x, mask);
  const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
  const px = m.decodeDistribution(z);
  const [mu, lv, xv, mv] = [
    await px.mean.array(),
    await px.logVar.array(),
    (await x.array()) as number[][],
    await mask.array(),
  ];
  const D = await rec.distortion.data();
  for (let b = 0; b < 3; b++) {
    let want = 0;
    for (let d = 0; d < 5; d++)
      if (mv[b][d])
        want += (0.5 * (xv[b][d] - mu[b][d]) ** 2) / Math.exp(lv[b][d]) + 0.5 * lv[b][d] + 0.5 * Math.log(2 * Math.PI);
    assert.ok(Math.abs(D[b] - want) < 1e-4 * Math.max(1, Math.abs(want)), `distortion[${b}] ${D[b]} vs ${want}`);
  }
  // after the perturbation the variance depends on z: rows differ in a column
  const spread = lv[0].map((_, d) => Math.max(...lv.map((r) => r[d])) - Math.min(...lv.map((r) => r[d])));
  assert.ok(Math.max(...spread) > 1e-3, `log-variances do not vary with z: spread ${spread}`);
  m.dispose();
});

test("gradient of the negative partial ELBO with an amortised variance matches finite differences", async () => {
  const m = createPartialVae(partialVaeConfig({ ...BASE, decoderVariance: "amortised" }), new Rng(7));
  perturb(m, new Rng(8));
  const rng = new Rng(9);
  const x = rng.normalTensor([6, 5]);
  const mask = tf.cast(tf.less(rng.uniformTensor([6, 5]), 0.6), "float32");
  const eps = rng.normalTensor([6, 2]);
  const ctl = fixedBeta(0.7);
  await checkDirectionalGradient(m.store.trainable(), () => ctl.loss(m.record(x, mask, eps), 0), {
    seed: "pvae-amortised",
    directions: 4,
  });
  m.dispose();
});
