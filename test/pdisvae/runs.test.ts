// The cached grid runner of the PDisVAE notebooks: a second call reloads the same models with the same
// numbers, evaluation follows the paper's alignment rules, and bad inputs are refused with clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { initEngine } from "../../lib/engine/backend";
import { groupwiseSynthetic } from "../../lib/data/pdisvae-synthetic";
import { takeRows } from "../../lib/data/dataset";
import { alignGroups } from "../../lib/eval/alignment";
import { pdisVaePreset } from "../../lib/models/pdisvae";
import { evaluateLatents, hasOwnGroups, trainEvaluateGrid, trainPdisVaeRun } from "../../lib/pdisvae/runs";

const schedule = { epochs: 3, learningRate: 5e-3, batchSize: 64 };

test(
  "trainEvaluateGrid: trains once, reloads identically, evaluates by the paper's rules",
  { timeout: 120_000 },
  async () => {
    await initEngine({ quiet: true });
    const runsDir = mkdtempSync(join(tmpdir(), "vaelab-runs-"));
    try {
      const data = groupwiseSynthetic({ n: 400 });
      const grid = (methods: ("vae" | "pdisvae" | "beta-tcvae")[]) =>
        trainEvaluateGrid({
          setup: "groupwise-linear",
          data,
          methods,
          seeds: [0, 1],
          betas: [1, 4],
          preset: "smoke",
          schedule,
          runsDir,
          progress: "none",
        });
      const first = await grid(["vae", "pdisvae"]);
      // VAE has no penalty: one β; PDisVAE: both β values
      assert.deepEqual(
        first.map((r) => `${r.method}/${r.beta}/${r.seed}`),
        ["vae/1/0", "vae/1/1", "pdisvae/1/0", "pdisvae/1/1", "pdisvae/4/0", "pdisvae/4/1"],
      );
      assert.ok(first.every((r) => !r.reloaded && r.trainSeconds > 0));
      assert.equal(new Set(first.map((r) => r.hash)).size, 6, "every run has its own directory");
      const again = await grid(["vae", "pdisvae"]);
      assert.ok(again.every((r) => r.reloaded && r.trainSeconds === 0));
      for (let i = 0; i < first.length; i++) {
        assert.equal(again[i].hash, first[i].hash);
        assert.equal(again[i].evaluation.latentR2, first[i].evaluation.latentR2);
        assert.equal(again[i].evaluation.pc, first[i].evaluation.pc);
      }
      for (const r of first) {
        const e = r.evaluation;
        assert.equal(e.latents.length, data.split.test.length);
        assert.ok(e.reconstructionR2 < 1 && Number.isFinite(e.pc) && Number.isFinite(e.tc));
        if (hasOwnGroups(r.method)) {
          assert.equal(e.candidates, null);
          assert.deepEqual(e.alignment.estimatedGroups, [
            [0, 1],
            [2, 3],
            [4, 5],
          ]);
        } else {
          // the post-hoc search kept the grouping with the best total R² of all 15
          assert.equal(e.candidates!.length, 15);
          assert.equal(e.latentR2, Math.max(...e.candidates!.map((c) => c.latentR2)));
        }
      }
      // the alignment maps come from the training rows, scores from the test rows: recompute one independently
      const r0 = first[2];
      const run = await trainPdisVaeRun({
        config: { ...pdisVaePreset("groupwise-linear", "pdisvae", data.split.train.length), beta: 1 },
        data: { key: data.key, train: takeRows(data.x, data.split.train) },
        seed: 0,
        schedule,
        preset: "smoke",
        runsDir,
        progress: "none",
      });
      assert.equal(run.reloaded, true);
      assert.equal(run.hash, r0.hash);
      const rows = async (idx: number[]) => {
        const m = (await run.model.encodeData(takeRows(data.x, idx))).mean;
        return Array.from({ length: m.shape[0] }, (_, i) => Array.from(m.values.subarray(i * 6, i * 6 + 6)));
      };
      const zRows = (idx: number[]) => idx.map((i) => Array.from(data.z.values.subarray(i * 6, i * 6 + 6)));
      const manual = alignGroups(
        await rows(data.split.train),
        [
          [0, 1],
          [2, 3],
          [4, 5],
        ],
        zRows(data.split.train),
        data.groups,
        { evaluateOn: { estimated: await rows(data.split.test), truth: zRows(data.split.test) } },
      );
      assert.ok(
        Math.abs(manual.latentR2 - r0.evaluation.latentR2) < 1e-12,
        `${manual.latentR2} vs ${r0.evaluation.latentR2}`,
      );
      const test2 = { x: takeRows(data.x, data.split.test), z: takeRows(data.z, data.split.test) };
      const inSample = await evaluateLatents(run.model, test2, data.groups);
      assert.ok(inSample.latentR2 >= r0.evaluation.latentR2 - 1e-9, "fitting on the scored rows cannot do worse");
      run.model.dispose();
    } finally {
      rmSync(runsDir, { recursive: true, force: true });
    }
  },
);

test("trainPdisVaeRun refuses a config whose datasetSize is not the training-set size, and batches larger than the set", async () => {
  const data = groupwiseSynthetic({ n: 100 });
  const train = takeRows(data.x, data.split.train);
  await assert.rejects(
    trainPdisVaeRun({
      config: pdisVaePreset("groupwise-linear", "vae", 999),
      data: { key: data.key, train },
      seed: 0,
      schedule,
      preset: "smoke",
    }),
    /datasetSize = 999 but the training set has 80 rows/,
  );
  await assert.rejects(
    trainPdisVaeRun({
      config: pdisVaePreset("groupwise-linear", "vae", 80),
      data: { key: data.key, train },
      seed: 0,
      schedule: { ...schedule, batchSize: 128 },
      preset: "smoke",
    }),
    /batch size 128 exceeds the 80 training rows/,
  );
});

test("copyPermutedLinearWeights: the target encodes to the source's latents permuted and decodes the same", async () => {
  await initEngine({ quiet: true });
  const { Rng } = await import("../../lib/engine/rng");
  const { createPdisVae } = await import("../../lib/models/pdisvae");
  const { copyPermutedLinearWeights } = await import("../../lib/pdisvae/runs");
  const tf = await import("@tensorflow/tfjs");
  const src = createPdisVae(pdisVaePreset("groupwise-linear", "beta-tcvae", 100), new Rng(1));
  const dst = createPdisVae(pdisVaePreset("groupwise-linear", "pdisvae", 100), new Rng(2));
  const perm = [3, 0, 5, 1, 4, 2];
  copyPermutedLinearWeights(src, dst, perm);
  const x = new Rng(3).normalTensor([7, 20]);
  const a = src.encode(x),
    b = dst.encode(x);
  const [am, bm, al, bl] = await Promise.all([a.mean.array(), b.mean.array(), a.logVar.array(), b.logVar.array()]);
  for (let i = 0; i < 7; i++)
    for (let j = 0; j < 6; j++) {
      assert.ok(Math.abs(bm[i][j] - am[i][perm[j]]) < 1e-5);
      assert.ok(Math.abs(bl[i][j] - al[i][perm[j]]) < 1e-5);
    }
  const da = src.decode(a.mean),
    db = dst.decode(b.mean);
  assert.ok(((await tf.max(tf.abs(tf.sub(da, db))).array()) as number) < 1e-5, "same reconstruction");
  assert.throws(() => copyPermutedLinearWeights(src, dst, [0, 1, 2, 3, 4, 4]), /must be a permutation of 0…5/);
  tf.dispose([x, a.mean, a.logVar, b.mean, b.logVar, da, db]);
  src.dispose();
  dst.dispose();
});

test("datasetObjective of a VAE is its negative ELBO (Monte-Carlo agreement with evaluate), deterministic per seed", async () => {
  await initEngine({ quiet: true });
  const { Rng } = await import("../../lib/engine/rng");
  const { createPdisVae } = await import("../../lib/models/pdisvae");
  const { datasetObjective } = await import("../../lib/pdisvae/runs");
  const data = groupwiseSynthetic({ n: 640 });
  const m = createPdisVae(pdisVaePreset("groupwise-linear", "vae", 640), new Rng(4));
  const obj = await datasetObjective(m, data.x, { batchSize: 128, passes: 40, rng: 5 });
  assert.equal(
    await datasetObjective(m, data.x, { batchSize: 128, passes: 2, rng: 5 }),
    await datasetObjective(m, data.x, { batchSize: 128, passes: 2, rng: 5 }),
  );
  const ev = await m.evaluate(data.x, { samples: 40, rng: 6 });
  assert.ok(Math.abs(obj - -ev.elbo) < 0.01 * Math.abs(ev.elbo), `objective ${obj} vs −ELBO ${-ev.elbo}`);
  await assert.rejects(datasetObjective(m, data.x, { batchSize: 1000 }), /batch size 1000 must be in 2…640/);
  m.dispose();
});
