// CD-VAE runs and presets: the paper preset carries A.1's settings, padding keeps MNIST pixels in place,
// a run trains once and reloads (same weights, same evaluation), bad images are named.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { takeRows } from "../../lib/data/dataset";
import { poissonDataset } from "../../lib/data/poisson";
import { mnistCdVaePreset, padImages, poissonCdVaePreset, trainCdVaeRun } from "../../lib/cd-vae/runs";

let tmp = "";
before(async () => {
  await initEngine();
  tmp = mkdtempSync(join(tmpdir(), "vaelab-cdvae-runs-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test("presets: the paper's settings (A.1) and what demo/smoke shrink", () => {
  const p = poissonCdVaePreset("paper");
  assert.deepEqual(
    [p.config.buChannels, p.config.driftChannels, p.config.decoderChannels, p.config.latentChannels, p.config.levels],
    [128, 128, 128, 4, 3],
  );
  assert.deepEqual(p.schedule, { steps: 4000, batchSize: 128, learningRate: 3e-4 });
  assert.deepEqual(
    [p.config.trainStep, p.config.method, p.config.freeNats, p.config.warmupSteps],
    [0.1, "euler-heun", 1, 1000],
  );
  assert.equal(poissonCdVaePreset("demo", "ode-like").config.variant, "ode-like");
  const m = mnistCdVaePreset("paper");
  assert.deepEqual(
    [m.config.buChannels, m.config.latentChannels, m.config.likelihood, m.config.imageSize, m.config.likelihoodCrop],
    [256, 16, "bernoulli", 32, 2],
  );
  assert.deepEqual(m.schedule, { steps: 50000, batchSize: 32, learningRate: 1e-3 });
});

test("padImages: zero border, content shifted by the pad", () => {
  const x = { values: Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i + 1), shape: [2, 3, 3, 1] };
  const p = padImages(x, 1);
  assert.deepEqual(p.shape, [2, 5, 5, 1]);
  assert.equal(p.values[0], 0);
  assert.equal(p.values[1 * 5 + 1], 1);
  assert.equal(p.values[25 + 3 * 5 + 3], 18);
  assert.equal(
    p.values.reduce((s, v) => s + v, 0),
    (18 * 19) / 2,
  );
});

test("trainCdVaeRun: trains, then reloads the same model; bad shapes are named", { timeout: 120_000 }, async () => {
  const d = poissonDataset({ seed: "runs-test", n: 96 });
  const { config, schedule } = poissonCdVaePreset("smoke");
  const input = {
    config,
    data: { key: d.key, train: takeRows(d.x, d.split.train) },
    schedule: { ...schedule, steps: 6 },
    seed: 1,
    preset: "smoke" as const,
    runsDir: tmp,
    progress: "none" as const,
  };
  const a = await trainCdVaeRun(input);
  assert.equal(a.reloaded, false);
  assert.equal(a.history.length, 6);
  const test = takeRows(d.x, d.split.test);
  const ea = await a.model.evaluate(test, { rng: new Rng("e") });
  const b = await trainCdVaeRun(input);
  assert.equal(b.reloaded, true);
  assert.equal(b.hash, a.hash);
  const eb = await b.model.evaluate(test, { rng: new Rng("e") });
  assert.ok(Math.abs(ea.elbo - eb.elbo) < 1e-4, `${ea.elbo} vs ${eb.elbo}`);
  await assert.rejects(
    trainCdVaeRun({ ...input, data: { key: "x", train: padImages(takeRows(d.x, d.split.train), 2) } }),
    /training images have shape \[76,20,20,1\], the model needs \[n, 16, 16, 1\]/,
  );
});
