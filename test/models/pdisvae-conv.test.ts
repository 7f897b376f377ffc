// The PDisVAE family on the Burgess et al. conv encoder/decoder (lib/models/conv-vae): the pdSprites
// preset reuses ConvVae's parameters and record exactly, a directional finite-difference check of the
// PDisVAE loss on a tiny conv net, traversals in image shape, and a few training steps on pdSprites.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { disposeRecord } from "../../lib/objectives/rate-distortion";
import { train } from "../../lib/train";
import { pdSprites } from "../../lib/data/pdsprites";
import { createConvVae } from "../../lib/models/conv-vae";
import { PdisVae, convNet, createPdisVae, pdisVaeConfig, pdisVaePreset } from "../../lib/models/pdisvae";

before(async () => {
  await initEngine({ quiet: true });
  // tfjs's wasm backend cannot differentiate convolutions (no Conv2DBackpropFilter): use cpu there
  if (!tf.getKernel("Conv2DBackpropFilter", tf.getBackend())) {
    await tf.setBackend("cpu");
    await tf.ready();
  }
});

function pdSpritesBatch(n: number, offset = 0): tf.Tensor4D {
  const d = pdSprites();
  const P = 32 * 32;
  const idx = Array.from({ length: n }, (_, i) => (offset + i * 13) % d.x.shape[0]);
  const v = new Float32Array(n * P);
  idx.forEach((j, i) => v.set(d.x.values.subarray(j * P, (j + 1) * P), i * P));
  return tf.tensor4d(v, [n, 32, 32, 1]);
}

test("pdSprites preset: ConvVae's parameters, and with method 'vae' exactly ConvVae's record", async () => {
  const c = pdisVaePreset("pdsprites-conv", "vae", 805);
  const m = createPdisVae(c, new Rng("same"));
  const ref = createConvVae(c.net as Parameters<typeof createConvVae>[0], new Rng("same"));
  assert.deepEqual(Object.keys(m.variables), Object.keys(ref.variables));
  assert.equal(m.parameterCount(), ref.parameterCount());
  const x = pdSpritesBatch(8),
    eps = new Rng(3).normalTensor([8, 4]);
  const a = m.record(x, eps),
    b = ref.record(x, eps);
  assert.deepEqual(Array.from(await a.distortion.data()), Array.from(await b.distortion.data()), "distortion");
  assert.deepEqual(Array.from(await a.rate.data()), Array.from(await b.rate.data()), "rate");
  assert.deepEqual(Object.keys(a.terms).sort(), ["pc", "tc"]);
  disposeRecord(a);
  disposeRecord(b);
  tf.dispose([x, eps]);
  m.dispose();
  ref.dispose();
});

/** ⟨∇L, v⟩ against (L(θ + hv) − L(θ − hv))/2h along the normalised gradient and two random directions. */
async function directionalCheck(m: PdisVae, loss: () => tf.Scalar, h = 1e-2): Promise<void> {
  const vars = Object.values(m.variables);
  const { grads, value } = tf.variableGrads(loss, vars);
  const L0 = (await value.data())[0];
  value.dispose();
  const saved = vars.map((v) => v.clone());
  const rng = new Rng("dir");
  for (let k = 0; k < 3; k++) {
    const dirs =
      k === 0
        ? await Promise.all(vars.map(async (v) => Float32Array.from(await grads[v.name].data())))
        : vars.map((v) => Float32Array.from({ length: v.size }, () => rng.normal()));
    const norm = Math.sqrt(dirs.reduce((s, d) => s + d.reduce((a, b) => a + b * b, 0), 0));
    dirs.forEach((d) => d.forEach((_, i) => (d[i] /= norm)));
    let analytic = 0;
    for (let i = 0; i < vars.length; i++) {
      const gv = await grads[vars[i].name].data();
      for (let j = 0; j < gv.length; j++) analytic += gv[j] * dirs[i][j];
    }
    const at = async (sign: number) => {
      vars.forEach((v, i) => tf.tidy(() => v.assign(tf.add(saved[i], tf.mul(tf.tensor(dirs[i], v.shape), sign * h)))));
      const l = tf.tidy(loss);
      const r = (await l.data())[0];
      l.dispose();
      return r;
    };
    const numeric = ((await at(1)) - (await at(-1))) / (2 * h);
    const tol = 0.01 * Math.abs(numeric) + (1e-6 * Math.max(1, Math.abs(L0))) / h;
    assert.ok(
      Math.abs(analytic - numeric) <= tol,
      `direction ${k}: autodiff ${analytic}, finite differences ${numeric}`,
    );
  }
  vars.forEach((v, i) => v.assign(saved[i]));
  tf.dispose([...saved, ...Object.values(grads)]);
}

test("gradient of the PDisVAE loss on a tiny conv net matches finite differences (Gaussian and Bernoulli likelihoods)", async () => {
  for (const likelihood of [
    { kind: "gaussian" as const, variance: "learned" as const, std: 0.8 },
    { kind: "bernoulli" as const },
  ]) {
    const c = pdisVaeConfig({
      method: "pdisvae",
      net: convNet({ imageSize: 8, channels: 1, zDim: 4, convChannels: 3, hidden: 6, activation: "tanh", likelihood }),
      datasetSize: 50,
      groupSizes: [2, 2],
      beta: 3,
    });
    const m = createPdisVae(c, new Rng("tiny"));
    const rng = new Rng("tiny/data");
    const x = tf.tensor4d(
      Float32Array.from({ length: 6 * 64 }, () => rng.uniform()),
      [6, 8, 8, 1],
    );
    const eps = rng.normalTensor([6, 4]);
    const ctl = m.controller();
    await directionalCheck(m, () => ctl.loss(m.record(x, eps), 0));
    tf.dispose([x, eps]);
    m.dispose();
  }
});

test("conv traversals and reconstructions come back in image shape; a few PDisVAE steps on pdSprites lower the loss with a flat tensor count", async () => {
  const d = pdSprites();
  const m = createPdisVae(pdisVaePreset("pdsprites-conv", "pdisvae", d.x.shape[0]), new Rng(1));
  const t = await m.traverse({ group: 0, values: [-1.5, 0, 1.5] });
  assert.deepEqual(t.z.shape, [9, 4]);
  assert.deepEqual(t.x.shape, [9, 32, 32, 1]);
  assert.ok(
    t.x.values.every((v) => v >= 0 && v <= 1),
    "Bernoulli means",
  );
  const sub = { values: d.x.values.slice(0, 20 * 1024), shape: [20, 32, 32, 1] };
  const rec = await m.reconstruct(sub);
  assert.deepEqual(rec.shape, [20, 32, 32, 1]);
  const counts: number[] = [];
  const steps = 12;
  const res = await train(m, {
    data: d.x,
    batchSize: 64,
    steps,
    rng: 2,
    progress: "none",
    controller: m.controller(),
    learningRate: 1e-3,
    dropRemainder: true,
    onStep: () => {
      counts.push(tf.memory().numTensors);
    },
  });
  const first = res.history.slice(0, 3).reduce((s, r) => s + r.loss, 0) / 3,
    last = res.history.slice(-3).reduce((s, r) => s + r.loss, 0) / 3;
  console.log(
    `# conv pdisvae on pdSprites (${tf.getBackend()}): loss ${first.toFixed(1)} → ${last.toFixed(1)}, ${(res.elapsedMs / steps).toFixed(0)} ms/step`,
  );
  assert.ok(last < first, `loss ${first} → ${last}`);
  assert.equal(
    counts[1],
    counts[steps - 1],
    `numTensors after step 2: ${counts[1]}, after step ${steps}: ${counts[steps - 1]}`,
  );
  const corr = await m.datasetCorrelation(sub);
  assert.ok(Number.isFinite(corr.pc) && Number.isFinite(corr.tc));
  res.optimizer.dispose();
  m.dispose();
});
