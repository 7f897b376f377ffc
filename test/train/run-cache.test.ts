import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { RunConfig, configHash, runsRoot, stableStringify, trainOrReload } from "../../lib/train";
import { buildToyVae, snapshot, toyData, ToyVae } from "./toy-vae";

before(async () => {
  await initEngine({ quiet: true });
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-runs-"));

test("config hash is stable under key reordering (at every level) and changes with the seed", () => {
  const a = {
    model: { kind: "vae", sizes: [4, 16, 2], act: "tanh" },
    data: { n: 64, gen: "toy" },
    preset: "smoke",
    seed: 1,
  };
  const b = {
    seed: 1,
    preset: "smoke",
    data: { gen: "toy", n: 64 },
    model: { act: "tanh", sizes: [4, 16, 2], kind: "vae" },
  };
  assert.equal(configHash(a), configHash(b));
  assert.equal(stableStringify(a), stableStringify(b));
  assert.match(configHash(a), /^[0-9a-f]{16}$/);
  assert.notEqual(configHash({ ...a, seed: 2 }), configHash(a));
  assert.notEqual(configHash({ ...a, model: { ...a.model, sizes: [4, 2, 16] } }), configHash(a), "array order matters");
  assert.equal(configHash({ ...a, extra: undefined }), configHash(a), "undefined fields are dropped as in JSON");
  assert.throws(() => stableStringify({ model: { f: () => 1 } }), /config\.model\.f is a function/);
  assert.throws(() => stableStringify({ data: { lr: NaN } }), /config\.data\.lr is NaN/);
  assert.throws(() => stableStringify({ data: tf.scalar(1) }), /config\.data is a Tensor/);
});

test("runs root: option, then VAELAB_RUNS_DIR, then <repo>/data/runs", () => {
  const saved = process.env.VAELAB_RUNS_DIR;
  try {
    process.env.VAELAB_RUNS_DIR = "/tmp/x-runs";
    assert.equal(runsRoot(), "/tmp/x-runs");
    assert.equal(runsRoot("/tmp/y"), "/tmp/y");
    delete process.env.VAELAB_RUNS_DIR;
    assert.equal(runsRoot(), path.resolve(__dirname, "..", "..", "data", "runs"));
  } finally {
    if (saved === undefined) delete process.env.VAELAB_RUNS_DIR;
    else process.env.VAELAB_RUNS_DIR = saved;
  }
});

const config: RunConfig = {
  model: { kind: "toy-vae", xDim: 4, zDim: 2, hidden: 16 },
  data: { gen: "toy", n: 64, seed: 3 },
  preset: "smoke",
  seed: 7,
};

function runOpts(data: tf.Tensor2D, runsDir: string, counter: { steps: number }, crashAt = -1) {
  return {
    runsDir,
    checkpointEvery: 5,
    train: () => ({
      data,
      batchSize: 16,
      steps: 24,
      learningRate: 5e-3,
      progress: "none" as const,
      onStep: (row: Record<string, number>) => {
        counter.steps++;
        if (row.step === crashAt) throw new Error("simulated crash");
      },
    }),
  };
}

test("trainOrReload: first call trains and stores the run; the second reloads it without a step and gives identical weights", async () => {
  const data = toyData(64, 3);
  const root = tmp();
  const c1 = { steps: 0 };
  const run1 = await trainOrReload(config, (_c, rng) => buildToyVae(rng), runOpts(data, root, c1));
  assert.equal(c1.steps, 24);
  assert.equal(run1.reloaded, false);
  assert.equal(run1.dir, path.join(root, configHash(config)));
  assert.deepEqual(fs.readdirSync(run1.dir).sort(), [
    "config.json",
    "done.json",
    "metrics.csv",
    "weights.bin",
    "weights.json",
  ]);
  assert.deepEqual(
    JSON.parse(fs.readFileSync(path.join(run1.dir, "config.json"), "utf8")),
    JSON.parse(stableStringify(config)),
  );
  const w1 = await snapshot(run1.model.variables);

  const c2 = { steps: 0 };
  const reordered: RunConfig = {
    seed: 7,
    preset: "smoke",
    data: { seed: 3, n: 64, gen: "toy" },
    model: { hidden: 16, zDim: 2, xDim: 4, kind: "toy-vae" },
  };
  const run2 = await trainOrReload(reordered, (_c, rng) => buildToyVae(rng), runOpts(data, root, c2));
  assert.equal(c2.steps, 0, "no training step ran");
  assert.equal(run2.reloaded, true);
  assert.deepEqual(await snapshot(run2.model.variables), w1);
  assert.equal(run2.history.length, 24);
  assert.deepEqual(
    run2.history.map((r) => r.loss),
    run1.history.map((r) => r.loss),
  );

  // a freshly built model differs, so the reload really restored the weights
  const fresh = buildToyVae(new Rng(7).fork("init"));
  assert.notDeepEqual(await snapshot(fresh.variables), w1);
  for (const m of [run1.model, run2.model, fresh] as ToyVae[]) m.store.dispose();
  data.dispose();
});

test("trainOrReload: an interrupted run resumes from its checkpoint and ends where an uninterrupted run does", async () => {
  const data = toyData(64, 3);
  const straight = await trainOrReload(config, (_c, rng) => buildToyVae(rng), runOpts(data, tmp(), { steps: 0 }));
  const want = await snapshot(straight.model.variables);

  const root = tmp();
  const c1 = { steps: 0 };
  await assert.rejects(
    trainOrReload(config, (_c, rng) => buildToyVae(rng), runOpts(data, root, c1, 12)),
    /simulated crash/,
  );
  const dir = path.join(root, configHash(config));
  assert.ok(!fs.existsSync(path.join(dir, "done.json")));
  assert.ok(fs.existsSync(path.join(dir, "checkpoint", "weights.json")));

  const c2 = { steps: 0 };
  const resumed = await trainOrReload(config, (_c, rng) => buildToyVae(rng), runOpts(data, root, c2));
  assert.equal(resumed.resumedFrom, 10);
  assert.equal(c2.steps, 14);
  assert.deepEqual(await snapshot(resumed.model.variables), want);
  assert.ok(!fs.existsSync(path.join(dir, "checkpoint")), "checkpoint removed once the run is done");
  // a different seed is a different run
  assert.notEqual(configHash({ ...config, seed: 8 }), resumed.hash);
  for (const m of [straight.model, resumed.model] as ToyVae[]) m.store.dispose();
  data.dispose();
});

test("trainOrReload refuses a run directory whose config.json disagrees with the hash", async () => {
  const root = tmp();
  const dir = path.join(root, configHash(config));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ ...config, seed: 99 }));
  const data = toyData(8, 1);
  await assert.rejects(
    trainOrReload(config, (_c, rng) => buildToyVae(rng), runOpts(data, root, { steps: 0 })),
    (e: Error) => e.message.includes(path.join(dir, "config.json")),
  );
  data.dispose();
});
