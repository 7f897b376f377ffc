// Missingness and dequantisation: exact 10 %/10 % fully missing/observed rows, round(ρD) missing dims
// with ρ ~ U[0,1], uniform over dimensions; static masks respect the data's own NaNs; dequantisation noise
// is U(−step/2, step/2)/scale; the training wrapper feeds the model exactly the transformed batch, draws
// new masks each step (dynamic) and trains with a flat tensor count. Also the scaler.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { createPartialVae, partialVaeConfig } from "../../lib/models/partial-vae";
import { train } from "../../lib/train";
import {
  AugmentedPartialVae,
  dequantizationNoise,
  drawMask,
  presenceMask,
  staticMask,
} from "../../lib/vaequisition/missingness";
import { fitScaler, standardize, unstandardize } from "../../lib/vaequisition/scaling";

before(async () => {
  await initEngine({ quiet: true });
});

const rowSums = (m: Float32Array, n: number, D: number) =>
  Array.from({ length: n }, (_, i) => m.subarray(i * D, (i + 1) * D).reduce((s, v) => s + v, 0));

test("drawMask: exactly 10 % fully missing and 10 % fully observed rows; the rest miss round(ρ·D) dims, ρ ~ U[0,1]", () => {
  const n = 4000,
    D = 15;
  const { mask, rho, kind } = drawMask(n, D, new Rng("mask"));
  const sums = rowSums(mask, n, D);
  assert.equal(kind.filter((k) => k === "missing").length, 400);
  assert.equal(kind.filter((k) => k === "observed").length, 400);
  sums.forEach((s, i) => {
    if (kind[i] === "missing") assert.equal(s, 0);
    else if (kind[i] === "observed") assert.equal(s, D);
    else assert.equal(s, D - Math.round(rho[i] * D), `row ${i}`);
  });
  const r = rho.filter((v) => !Number.isNaN(v));
  assert.equal(r.length, 3200);
  const mean = r.reduce((s, v) => s + v, 0) / r.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ρ ${mean}`);
  // uniform: each decile holds ~10 %
  for (let q = 0; q < 10; q++) {
    const share = r.filter((v) => v >= q / 10 && v < (q + 1) / 10).length / r.length;
    assert.ok(Math.abs(share - 0.1) < 0.025, `decile ${q}: ${share}`);
  }
  // missing dims chosen uniformly: every column is missing about equally often among partial rows
  for (let d = 0; d < D; d++) {
    let miss = 0;
    for (let i = 0; i < n; i++) if (kind[i] === "partial" && mask[i * D + d] === 0) miss++;
    assert.ok(Math.abs(miss / 3200 - 0.5) < 0.04, `column ${d} missing share ${miss / 3200}`);
  }
  // batch-sized: 13 and 13 of 128; deterministic given the stream
  const b = drawMask(128, D, new Rng(1));
  assert.equal(b.kind.filter((k) => k === "missing").length, 13);
  assert.equal(b.kind.filter((k) => k === "observed").length, 13);
  assert.deepEqual(drawMask(128, D, new Rng(1)).mask, b.mask);
  assert.notDeepEqual(drawMask(128, D, new Rng(2)).mask, b.mask);
  assert.throws(() => drawMask(10, D, new Rng(1), { fullyMissing: 0.7, fullyObserved: 0.5 }), /sum ≤ 1/);
});

test("drawMask bernoulli mode: each dim missing with probability ρ", () => {
  const n = 3000,
    D = 15;
  const { mask, rho, kind } = drawMask(n, D, new Rng("bern"), { mode: "bernoulli" });
  const sums = rowSums(mask, n, D);
  // E[missing | ρ] = ρ·D: regress the missing count on ρ over partial rows
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0,
    c = 0;
  sums.forEach((s, i) => {
    if (kind[i] !== "partial") return;
    const y = D - s,
      x = rho[i];
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    c++;
  });
  const slope = (sxy - (sx * sy) / c) / (sxx - (sx * sx) / c);
  assert.ok(Math.abs(slope - D) < 0.6, `slope ${slope} vs ${D}`);
  assert.ok(
    sums.some((s, i) => kind[i] === "partial" && s !== D - Math.round(rho[i] * D)),
    "not the count rule",
  );
});

test("staticMask: fixed by the seed; the data's own NaNs stay missing", () => {
  const x = {
    values: Float32Array.from({ length: 200 * 15 }, (_, i) => (i % 7 === 0 ? NaN : i)),
    shape: [200, 15] as [number, number],
  };
  const a = staticMask(x, 3),
    b = staticMask(x, 3);
  assert.deepEqual(a.values, b.values);
  for (let i = 0; i < x.values.length; i++) if (Number.isNaN(x.values[i])) assert.equal(a.values[i], 0);
  assert.deepEqual(
    presenceMask(x).values,
    Float32Array.from(x.values, (v) => (Number.isNaN(v) ? 0 : 1)),
  );
});

test("dequantization noise: U(−step/2, step/2)/scale in the given columns, 0 elsewhere", () => {
  const n = 20000,
    D = 4;
  const e = dequantizationNoise(n, D, new Rng("dq"), { step: 5, dims: [1, 3], scale: [1, 10, 1, 2] });
  let s = 0,
    s2 = 0;
  for (let i = 0; i < n; i++) {
    assert.equal(e[i * D], 0);
    assert.equal(e[i * D + 2], 0);
    assert.ok(Math.abs(e[i * D + 1]) <= 0.25 && Math.abs(e[i * D + 3]) <= 1.25);
    s += e[i * D + 3] * 2;
    s2 += (e[i * D + 3] * 2) ** 2;
  }
  assert.ok(Math.abs(s / n) < 0.05);
  assert.ok(Math.abs(s2 / n - 25 / 12) < 0.06, `variance ${s2 / n} vs ${25 / 12}`);
  assert.throws(() => dequantizationNoise(2, 3, new Rng(1), { step: 5, dims: [3] }), /outside 0…2/);
});

test("AugmentedPartialVae: the model sees x + noise under a fresh mask (exactly), static needs a mask, training runs flat", async () => {
  const D = 6;
  const m = createPartialVae(
    partialVaeConfig({ xDim: D, zDim: 2, encoderHidden: [16], decoderHidden: [16] }),
    new Rng(1),
  );
  const aug = new AugmentedPartialVae(m, {
    missingness: "dynamic",
    dequantize: { step: 5, dims: [1, 2, 3], scale: [1, 5, 5, 5, 1, 1] },
  });
  assert.equal(aug.variables, m.variables);
  const x = new Rng(2).normalTensor([32, D]);
  const ctx = (step: number) => ({ step, epoch: 0, rng: new Rng("run").fork(`step/${step}`) });
  const t0 = aug.transform({ x }, ctx(0)),
    t0b = aug.transform({ x }, ctx(0)),
    t1 = aug.transform({ x }, ctx(1));
  assert.deepEqual(await t0.mask.data(), await t0b.mask.data());
  assert.notDeepEqual(await t0.mask.data(), await t1.mask.data());
  const want = drawMask(32, D, ctx(0).rng.fork("missingness")).mask;
  assert.deepEqual(await t0.mask.data(), want);
  const noise = dequantizationNoise(32, D, ctx(0).rng.fork("dequantize"), {
    step: 5,
    dims: [1, 2, 3],
    scale: [1, 5, 5, 5, 1, 1],
  });
  const diff = await tf.sub(t0.x, x).data();
  diff.forEach((v, i) => assert.ok(Math.abs(v - noise[i]) < 1e-5));
  // the record is the model's step on the transformed batch with the step's "model" stream
  const rec = aug.step({ x }, ctx(0));
  const direct = m.step({ x: t0.x, mask: t0.mask }, { ...ctx(0), rng: ctx(0).rng.fork("model") });
  assert.deepEqual(await rec.elbo.data(), await direct.elbo.data());
  // a data mask is multiplied in: masked-out data entries are never observed
  const dataMask = tf.concat([tf.zeros([32, 1]), tf.ones([32, D - 1])], 1);
  const tm = aug.transform({ x, mask: dataMask }, ctx(3));
  assert.equal((await tf.sum(tf.slice(tm.mask, [0, 0], [-1, 1])).data())[0], 0);
  assert.throws(
    () => new AugmentedPartialVae(m, { missingness: "static" }).transform({ x }, ctx(0)),
    /static missingness needs the data's mask/,
  );
  // training through the wrapper
  const counts: number[] = [];
  const res = await train(aug, {
    data: { x: { values: Float32Array.from(await x.data()), shape: [32, D] } },
    batchSize: 16,
    steps: 20,
    rng: 4,
    progress: "none",
    onStep: () => void counts.push(tf.memory().numTensors),
  });
  res.optimizer.dispose();
  assert.equal(counts[1], counts[counts.length - 1]);
  assert.ok(res.history.every((h) => Number.isFinite(h.loss as number)));
  m.dispose();
});

test("scaler: fit ignores NaN, standardize/unstandardize round trip", () => {
  const x = { values: Float32Array.from([1, 10, 3, NaN, 5, 30]), shape: [3, 2] as [number, number] };
  const s = fitScaler(x);
  assert.deepEqual(s.mean, [3, 20]);
  assert.ok(Math.abs(s.sd[0] - Math.sqrt(8 / 3)) < 1e-12 && Math.abs(s.sd[1] - 10) < 1e-12);
  const z = standardize(x, s);
  assert.ok(Number.isNaN(z.values[3]));
  const back = unstandardize(z, s);
  [0, 1, 2, 4, 5].forEach((i) => assert.ok(Math.abs(back.values[i] - x.values[i]) < 1e-5));
  assert.deepEqual(fitScaler(x, [0, 2]).mean, [3, 20]);
  assert.throws(() => standardize(x, { mean: [0], sd: [1] }), /scaler has 1 columns, the data 2/);
});
