// The one run helper (lib/train/run) keeps every work's run key, and controllerFor keeps every work's
// controllers: for one representative input per work (and the warm start), the hash of the run trained
// through the work's run function equals the hash of the literal key object the code before the helper
// passed to trainOrReload; and controllerFor with each work's defaults behaves as the mapping it replaced.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { takeRows } from "../../lib/data/dataset";
import { groupwiseSynthetic } from "../../lib/data/pdisvae-synthetic";
import { poissonDataset } from "../../lib/data/poisson";
import { pulseBatch, pulseConfig } from "../../lib/data/gaussian-pulses";
import { THRESHOLD_INDICES, archetypalAudiograms, audiogramPart } from "../../lib/data/audiograms";
import { createPdisVae, pdisVaePreset } from "../../lib/models/pdisvae";
import { cdVaeConfig } from "../../lib/models/cd-vae";
import { CONV_TASNET_SYNTHETIC } from "../../lib/models/conv-tasnet";
import { viTasNetConfig } from "../../lib/models/vi-tasnet";
import { partialVaeConfig } from "../../lib/models/partial-vae";
import {
  Objective,
  RateController,
  adaptiveRate,
  controllerFor,
  fixedBeta,
  perTermRates,
} from "../../lib/objectives/controllers";
import { configHash, stableStringify } from "../../lib/train/run-cache";
import { runKey } from "../../lib/train/run";
import { trainPdisVaeRun, trainWarmStarted } from "../../lib/pdisvae/runs";
import { trainCdVaeRun } from "../../lib/cd-vae/runs";
import { SEPARATION_TARGET_RATE, SeparationObjective, trainSeparationRun } from "../../lib/vi-emd/runs";
import { PARTIAL_VAE_TARGET_RATE, PartialVaeObjective, trainPartialVaeRun } from "../../lib/vaequisition/runs";
import { fitScaler } from "../../lib/vaequisition/scaling";

let runsDir = "";
before(async () => {
  await initEngine({ quiet: true });
  runsDir = mkdtempSync(join(tmpdir(), "vaelab-run-keys-"));
});
after(() => rmSync(runsDir, { recursive: true, force: true }));

/** The run's stored config.json is the old key, and its hash the old key's hash. */
function assertOldKey(run: { hash: string; dir: string }, oldKey: unknown): void {
  const saved = JSON.parse(readFileSync(join(run.dir, "config.json"), "utf8"));
  assert.equal(stableStringify(saved), stableStringify(oldKey));
  assert.equal(run.hash, configHash(oldKey));
}

test("PDisVAE: trainPdisVaeRun and trainWarmStarted keep their run keys", { timeout: 120_000 }, async () => {
  const data = groupwiseSynthetic({ n: 100 });
  const train = takeRows(data.x, data.split.train);
  const config = pdisVaePreset("groupwise-linear", "pdisvae", train.shape[0]);
  const input = {
    config,
    data: { key: data.key, train },
    seed: 3,
    schedule: { epochs: 1, learningRate: 5e-3, batchSize: 16 },
    preset: "smoke",
    runsDir,
    progress: "none" as const,
  };
  const run = await trainPdisVaeRun(input);
  // lib/pdisvae/runs.ts trainPdisVaeRun before lib/train/run:
  assertOldKey(run, {
    model: config,
    data: input.data.key,
    preset: input.preset,
    seed: input.seed,
    schedule: { ...input.schedule },
  });
  assert.equal(run.history.length, 5, "80 rows in full batches of 16: 5 steps");

  const source = { model: createPdisVae(config, new Rng(0)), hash: "0123456789abcdef" },
    perm = [1, 0, 3, 2, 5, 4];
  const warm = await trainWarmStarted({ ...input, source, perm });
  // lib/pdisvae/runs.ts trainWarmStarted before lib/train/run:
  assertOldKey(warm, {
    model: config,
    data: input.data.key,
    preset: input.preset,
    seed: input.seed,
    schedule: { ...input.schedule },
    warmStart: { from: source.hash, perm },
  });
  for (const m of [run.model, warm.model, source.model]) m.dispose();
});

test(
  "CD-VAE: trainCdVaeRun keeps its run key (with gradient clipping in the schedule)",
  { timeout: 120_000 },
  async () => {
    const d = poissonDataset({ seed: "run-keys", n: 40 });
    const config = cdVaeConfig({
      imageSize: 16,
      likelihood: "gaussian",
      topResolution: 1,
      levels: 3,
      latentChannels: 2,
      buChannels: 4,
      driftChannels: 4,
      decoderChannels: 4,
      decoderBlocks: 1,
      buBlocks: 1,
      trainStep: 0.1,
      method: "euler-heun",
      variant: "cd-vae",
      freeNats: 1,
      warmupSteps: 10,
    });
    const input = {
      config,
      data: { key: { ...d.key, part: "train" }, train: takeRows(d.x, d.split.train) },
      schedule: { steps: 1, batchSize: 8, learningRate: 1e-3, clipNorm: 2000 },
      seed: "cd",
      preset: "demo",
      runsDir,
      progress: "none" as const,
    };
    const run = await trainCdVaeRun(input);
    // lib/cd-vae/runs.ts trainCdVaeRun before lib/train/run:
    assertOldKey(run, {
      model: config,
      data: input.data.key,
      preset: input.preset,
      seed: input.seed,
      schedule: { ...input.schedule },
    });
    assert.ok(run.history[0].grad_norm !== undefined, "clipNorm reaches train()");
  },
);

test(
  "VI-EMD: trainSeparationRun keeps its run key (the objective as given, no defaults filled in)",
  { timeout: 120_000 },
  async () => {
    const cfg = pulseConfig({ duration: 0.05 });
    const b = pulseBatch(cfg, [100000, 100008]);
    const config = viTasNetConfig({ tasnet: { ...CONV_TASNET_SYNTHETIC, X: 2 }, maskPrior: [0, 1] });
    const objective: SeparationObjective = { kind: "target-rate", target: 20 };
    const input = {
      config,
      data: { key: { cfg, range: [100000, 100008] }, train: { mix: b.mixture, sources: b.sources } },
      objective,
      schedule: { steps: 1, batchSize: 8, learningRate: 1e-3 },
      seed: 1,
      preset: "smoke",
      runsDir,
      progress: "none" as const,
    };
    const run = await trainSeparationRun(input);
    // lib/vi-emd/runs.ts trainSeparationRun before lib/train/run:
    assertOldKey(run, {
      model: config,
      data: input.data.key,
      preset: input.preset,
      seed: input.seed,
      objective,
      schedule: { ...input.schedule },
    });
    assert.deepEqual(objective, { kind: "target-rate", target: 20 });
  },
);

test(
  "VAEquisition: trainPartialVaeRun keeps its run key, with and without dequantisation",
  { timeout: 120_000 },
  async () => {
    const d = archetypalAudiograms({ seed: 1, n: 120, quantize: 5 });
    const train = audiogramPart(d, "train");
    const scaler = fitScaler(train.x);
    const config = partialVaeConfig({ xDim: 15, zDim: 2, encoderHidden: [8], decoderHidden: [8] });
    const base = {
      config,
      data: { key: d.key, train: train.x },
      scaler,
      schedule: { epochs: 1, learningRate: 1e-3, batchSize: 32 },
      seed: 2,
      preset: "smoke",
      runsDir,
      progress: "none" as const,
    };
    const inputs: Parameters<typeof trainPartialVaeRun>[0][] = [
      {
        ...base,
        missingness: { kind: "dynamic" },
        dequantize: { step: 5, dims: THRESHOLD_INDICES.slice() },
        objective: { kind: "target-rate", target: 0.5, delta: 0.03 },
      },
      {
        ...base,
        missingness: { kind: "static", seed: 7, options: { mode: "bernoulli" } },
        objective: { kind: "beta", beta: 2 },
      },
    ];
    for (const input of inputs) {
      const pv = await trainPartialVaeRun(input);
      // lib/vaequisition/runs.ts trainPartialVaeRun before lib/train/run:
      assertOldKey(pv.run, {
        model: config,
        data: input.data.key,
        preset: input.preset,
        seed: input.seed,
        scaler,
        missingness: input.missingness,
        ...(input.dequantize ? { dequantize: input.dequantize } : {}),
        objective: input.objective,
        schedule: { ...input.schedule },
      });
    }
  },
);

test("runKey refuses work fields that would redefine a shared one", () => {
  const request = {
    config: {},
    data: { key: "d", train: null },
    schedule: { steps: 1, batchSize: 1, learningRate: 1 },
    seed: 0,
    preset: "smoke",
  };
  assert.deepEqual(runKey({ ...request, key: { objective: { kind: "elbo" } } }), {
    objective: { kind: "elbo" },
    model: {},
    data: "d",
    preset: "smoke",
    seed: 0,
    schedule: request.schedule,
  });
  assert.throws(() => runKey({ ...request, key: { seed: 1 } }), /must not redefine seed/);
});

// ---- controllers: controllerFor with a work's defaults is the mapping it replaced ------------------

// lib/vaequisition/runs.ts pvaeController before lib/objectives controllerFor:
function oldPvaeController(o: PartialVaeObjective): RateController {
  if (o.kind === "elbo") return fixedBeta(1);
  if (o.kind === "beta") return fixedBeta(o.beta);
  return adaptiveRate({
    target: o.target,
    initial: o.initialBeta ?? 1,
    delta: o.delta ?? 0.01,
    tolerance: o.tolerance ?? 0.01,
  });
}

// lib/vi-emd/runs.ts separationController before lib/objectives controllerFor:
function oldSeparationController(o: SeparationObjective): RateController {
  if (o.kind === "elbo" || o.kind === "si-sdr" || o.kind === "blr") return fixedBeta(1);
  if (o.kind === "target-rate")
    return adaptiveRate({ target: o.target, initial: o.initialBeta ?? 1e-6, delta: o.delta ?? 0.01 });
  return perTermRates({ z: o.z, mask: o.mask });
}

/** Name and state after each of a run of steps whose rates cross the band around a target of 2 (from above and below, just outside and inside ±1 %). */
function trace(c: RateController): unknown[] {
  const out: unknown[] = [c.name, c.state()];
  [5, 2.03, 2.01, 1.99, 1.97, 0.5, 2.5].forEach((rate, step) => {
    c.update({ loss: 0, distortion: 0, rate, elbo: -rate, terms: { z: rate / 2, mask: rate / 2 } }, step);
    out.push(c.state());
  });
  return out;
}

test("controllerFor with PARTIAL_VAE_TARGET_RATE is the old pvaeController; with SEPARATION_TARGET_RATE the old separationController", () => {
  const pvae: PartialVaeObjective[] = [
    { kind: "elbo" },
    { kind: "beta", beta: 4 },
    { kind: "target-rate", target: 2 },
    { kind: "target-rate", target: 2, initialBeta: 0.5, delta: 0.05, tolerance: 0.001 },
  ];
  const separation: SeparationObjective[] = [
    { kind: "elbo" },
    { kind: "si-sdr" },
    { kind: "blr" },
    { kind: "target-rate", target: 2 },
    { kind: "target-rate", target: 2, initialBeta: 1e-3, delta: 0.02 },
    { kind: "per-term", z: { beta: 0.5, freeBits: 0.1 }, mask: {} },
  ];
  const check = (
    objectives: Objective[],
    mapped: (o: Objective) => RateController,
    old: (o: Objective) => RateController,
  ) => {
    for (const o of objectives) {
      const before = JSON.stringify(o);
      assert.deepEqual(trace(mapped(o)), trace(old(o)), before);
      assert.equal(JSON.stringify(o), before, "controllerFor leaves the objective (a run-key field) as it was");
    }
  };
  check(
    pvae,
    (o) => controllerFor(o, PARTIAL_VAE_TARGET_RATE),
    (o) => oldPvaeController(o as PartialVaeObjective),
  );
  check(
    separation,
    (o) => controllerFor(o, SEPARATION_TARGET_RATE),
    (o) => oldSeparationController(o as SeparationObjective),
  );
  // the two works' target-rate defaults differ (β₀ 1 vs 10⁻⁶), so the same objective gives two controllers
  const t: Objective = { kind: "target-rate", target: 2 };
  assert.equal(controllerFor(t, PARTIAL_VAE_TARGET_RATE).state().beta, 1);
  assert.equal(controllerFor(t, SEPARATION_TARGET_RATE).state().beta, 1e-6);
});
