// Cached partial-VAE runs: the paper's target-rate grid, the controllers of each objective, training toward
// a low vs a high target rate orders the final rates, a second call reloads the same model, and the
// partial RD evaluation converts to the data scale by Σ_{observed} log sd.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { THRESHOLD_INDICES, archetypalAudiograms, audiogramPart } from "../../lib/data/audiograms";
import { partialVaeConfig } from "../../lib/models/partial-vae";
import {
  PARTIAL_VAE_TARGET_RATE,
  evaluatePartialRd,
  paperTargetRates,
  trainPartialVaeRun,
} from "../../lib/vaequisition/runs";
import { controllerFor } from "../../lib/objectives/controllers";
import { fitScaler, standardize } from "../../lib/vaequisition/scaling";
import { staticMask } from "../../lib/vaequisition/missingness";

before(async () => {
  await initEngine({ quiet: true });
});

test("the target rates of Sec. 4.6: 0.125 … 1.5 by 0.125, … 8 by 0.25, … 15 by 1", () => {
  const r = paperTargetRates();
  assert.equal(r[0], 0.125);
  assert.equal(r[r.length - 1], 15);
  assert.equal(new Set(r).size, r.length);
  assert.equal(r.length, 12 + 26 + 7);
  for (const v of [1.5, 1.75, 8, 9]) assert.ok(r.includes(v), `${v}`);
  assert.ok(r.every((v, i) => i === 0 || v > r[i - 1]));
});

test("controllers: ELBO is β = 1, β version fixed, target rate adaptive", () => {
  assert.equal(controllerFor({ kind: "elbo" }, PARTIAL_VAE_TARGET_RATE).name, "beta=1");
  assert.equal(controllerFor({ kind: "beta", beta: 4 }, PARTIAL_VAE_TARGET_RATE).name, "beta=4");
  const c = controllerFor({ kind: "target-rate", target: 2 }, PARTIAL_VAE_TARGET_RATE);
  assert.match(c.name, /adaptive\(target=2/);
  c.update({ loss: 0, distortion: 0, rate: 5, elbo: 0, terms: {} }, 0);
  assert.ok(Math.abs((c.state().beta as number) - 1.01) < 1e-12, "rate above target: β grows");
});

test("trainPartialVaeRun: a low target ends at a lower rate than a high one (dynamic missingness + dequantisation); reruns reload", async () => {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-pvae-runs-"));
  const d = archetypalAudiograms({ seed: 1, n: 640, quantize: 5 });
  const train = audiogramPart(d, "train");
  const scaler = fitScaler(train.x);
  const config = partialVaeConfig({ xDim: 15, zDim: 2, encoderHidden: [32], decoderHidden: [32] });
  const base = {
    config,
    data: { key: d.key, train: train.x },
    scaler,
    missingness: { kind: "dynamic" as const },
    dequantize: { step: 5, dims: THRESHOLD_INDICES.slice() },
    schedule: { epochs: 30, learningRate: 3e-3, batchSize: 64 },
    seed: 3,
    preset: "smoke" as const,
    progress: "none" as const,
    runsDir,
  };
  const lo = await trainPartialVaeRun({ ...base, objective: { kind: "target-rate", target: 0.5, delta: 0.03 } });
  const hi = await trainPartialVaeRun({ ...base, objective: { kind: "target-rate", target: 4, delta: 0.03 } });
  const tail = (h: { rate?: unknown }[]) => h.slice(-40).reduce((s, r) => s + Number(r.rate), 0) / 40;
  const rLo = tail(lo.run.history),
    rHi = tail(hi.run.history);
  assert.ok(rLo < rHi, `final rates: target 0.5 → ${rLo}, target 4 → ${rHi}`);
  assert.ok(Math.abs(rLo - 0.5) < Math.abs(rHi - 0.5));
  // reload
  const again = await trainPartialVaeRun({ ...base, objective: { kind: "target-rate", target: 0.5, delta: 0.03 } });
  assert.equal(again.run.reloaded, true);
  assert.equal(again.run.hash, lo.run.hash);
  const w1 = await lo.model.variables["dec/logvar"].data(),
    w2 = await again.model.variables["dec/logvar"].data();
  assert.deepEqual(w1, w2);
  // partial RD on test data under a fixed mask, in data units
  const te = audiogramPart(d, "test");
  const mask = staticMask(te.x, 7);
  const rd = await evaluatePartialRd(lo.acquisition, te.x, mask, { rng: 1 });
  const xs = standardize(te.x, scaler);
  const ev = await lo.model.evaluate(
    { x: tf.tensor2d(xs.values, xs.shape), mask: tf.tensor2d(mask.values, mask.shape) },
    { rng: 1 },
  );
  let jac = 0;
  for (let i = 0; i < mask.values.length; i++) if (mask.values[i]) jac += Math.log(scaler.sd[i % 15]);
  assert.ok(Math.abs(rd.distortionModelScale - ev.distortion) < 1e-9);
  assert.ok(Math.abs(rd.distortion - (ev.distortion + jac / te.x.shape[0])) < 1e-6);
  assert.ok(Math.abs(rd.elbo + rd.distortion + rd.rate) < 1e-9);
  for (const r of [lo, hi, again]) r.model.dispose();
});
