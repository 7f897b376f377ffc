// The run cache under faults (issue 19): weights or a checkpoint copied from another run are refused,
// stale temporaries of a crashed save are cleaned, a second process finds the run locked, and write
// failures (no space, read-only folders) name the file, the run and the step.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { RunConfig, RunOptions, configHash, trainOrReload } from "../../lib/train";
import { buildToyVae, snapshot, toyData, ToyVae } from "./toy-vae";
import { errnoError, withFsFault } from "./fs-fault";

before(async () => {
  await initEngine({ quiet: true });
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-runfaults-"));

const configA: RunConfig = {
  model: { kind: "toy-vae", xDim: 4, zDim: 2, hidden: 16 },
  data: { gen: "toy", n: 64, seed: 3 },
  preset: "smoke",
  seed: 7,
};
/** Same architecture, another seed: another run whose files fit the same model. */
const configB: RunConfig = { ...configA, seed: 8 };
const hashA = configHash(configA);
const hashB = configHash(configB);
/** A pid that cannot be alive (Linux pids stay below pid_max ≤ 2^22). */
const DEAD_PID = 4194311;

function opts(
  data: tf.Tensor2D,
  runsDir: string,
  counter = { steps: 0 },
  crashAt = -1,
  onStep?: (s: number) => void,
): RunOptions<ToyVae> {
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
        onStep?.(row.step);
        if (row.step === crashAt) throw new Error("simulated crash");
      },
    }),
  };
}

const run = (config: RunConfig, o: RunOptions<ToyVae>) => trainOrReload(config, (_c, rng) => buildToyVae(rng), o);
const dispose = (...models: ToyVae[]) => models.forEach((m) => m.store.dispose());

test("weights copied from another run of the same architecture are refused with the delete hint", async () => {
  const data = toyData(64, 3);
  const root = tmp();
  const a = await run(configA, opts(data, root));
  const b = await run(configB, opts(data, root));
  for (const f of ["weights.json", "weights.bin"]) fs.copyFileSync(path.join(a.dir, f), path.join(b.dir, f));
  await assert.rejects(run(configB, opts(data, root)), (e: Error) => {
    assert.ok(e.message.includes(path.join(b.dir, "weights.json")), e.message);
    assert.match(e.message, new RegExp(`belongs to run ${hashA}, not ${hashB}; delete ${b.dir} to retrain`));
    return true;
  });
  // a done.json from another run is refused too
  const c = await run(configB, { ...opts(data, root), retrain: true });
  fs.copyFileSync(path.join(a.dir, "done.json"), path.join(c.dir, "done.json"));
  await assert.rejects(run(configB, opts(data, root)), new RegExp(`done\\.json belongs to run ${hashA}, not ${hashB}`));
  dispose(a.model, b.model, c.model);
  data.dispose();
});

test("a weights manifest without a run hash (older runs) is accepted only when done.json names this run", async () => {
  const data = toyData(64, 3);
  const root = tmp();
  const a = await run(configA, opts(data, root));
  const want = await snapshot(a.model.variables);
  const manifest = path.join(a.dir, "weights.json");
  const m = JSON.parse(fs.readFileSync(manifest, "utf8"));
  delete m.meta.hash;
  fs.writeFileSync(manifest, JSON.stringify(m));
  const again = await run(configA, opts(data, root));
  assert.equal(again.reloaded, true);
  assert.deepEqual(await snapshot(again.model.variables), want);
  const done = path.join(a.dir, "done.json");
  const d = JSON.parse(fs.readFileSync(done, "utf8"));
  delete d.hash;
  fs.writeFileSync(done, JSON.stringify(d));
  await assert.rejects(run(configA, opts(data, root)), /records no run hash.*delete .* to retrain/);
  dispose(a.model, again.model);
  data.dispose();
});

test("a checkpoint copied from another run is refused instead of resumed", async () => {
  const data = toyData(64, 3);
  const root = tmp();
  await assert.rejects(run(configA, opts(data, root, { steps: 0 }, 12)), /simulated crash/);
  await assert.rejects(run(configB, opts(data, root, { steps: 0 }, 7)), /simulated crash/);
  const dirA = path.join(root, hashA),
    dirB = path.join(root, hashB);
  fs.rmSync(path.join(dirB, "checkpoint"), { recursive: true });
  fs.cpSync(path.join(dirA, "checkpoint"), path.join(dirB, "checkpoint"), { recursive: true });
  const counter = { steps: 0 };
  await assert.rejects(run(configB, opts(data, root, counter)), (e: Error) => {
    assert.ok(e.message.includes(path.join(dirB, "checkpoint")), e.message);
    assert.match(e.message, new RegExp(`belongs to run ${hashA}, not ${hashB}; delete ${dirB} to retrain`));
    return true;
  });
  assert.equal(counter.steps, 0, "no step ran");
  // its own checkpoint still resumes
  const resumed = await run(configA, opts(data, root));
  assert.equal(resumed.resumedFrom, 10);
  dispose(resumed.model);
  data.dispose();
});

test("stale temporaries of a crashed save are removed when the run is opened (only dead or own pids)", async () => {
  const data = toyData(64, 3);
  const root = tmp();
  await assert.rejects(run(configA, opts(data, root, { steps: 0 }, 12)), /simulated crash/);
  const dir = path.join(root, hashA);
  const stale = [
    `.weights.bin.tmp-${DEAD_PID}-0a1b2c3d`,
    `.weights.json.tmp-${process.pid}-deadbeef`,
    path.join("checkpoint", `.state.json.tmp-${DEAD_PID}-00000000`),
  ];
  const kept = [`.weights.bin.tmp-${process.ppid}-0a1b2c3d`, "notes.tmp", ".weights.bin.tmp-x-1"];
  for (const f of [...stale, ...kept]) fs.writeFileSync(path.join(dir, f), "partial");
  const done = await run(configA, { ...opts(data, root), keepCheckpoint: true });
  assert.equal(done.resumedFrom, 10);
  for (const f of stale) assert.ok(!fs.existsSync(path.join(dir, f)), `${f} removed`);
  for (const f of kept) assert.ok(fs.existsSync(path.join(dir, f)), `${f} kept`);
  dispose(done.model);
  data.dispose();
});

test("a run directory locked by another live process is refused, naming the holder; a dead holder's lock is taken over", async () => {
  const data = toyData(64, 3);
  const root = tmp();
  const dir = path.join(root, hashA);
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, "run.lock");
  const since = "2026-01-02T03:04:05.000Z";
  fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: os.hostname(), startedAt: since }));
  const counter = { steps: 0 };
  await assert.rejects(run(configA, opts(data, root, counter)), (e: Error) => {
    assert.ok(e.message.includes(dir), e.message);
    assert.ok(e.message.includes(`process ${process.ppid}`), e.message);
    assert.ok(e.message.includes(since), e.message);
    assert.ok(e.message.includes(lock), e.message);
    return true;
  });
  assert.equal(counter.steps, 0);
  // another host: its pid cannot be checked, so the lock holds
  fs.writeFileSync(lock, JSON.stringify({ pid: DEAD_PID, host: "elsewhere.example", startedAt: since }));
  await assert.rejects(run(configA, opts(data, root)), /process 4194311 on host elsewhere\.example/);
  // a dead process on this host: the lock is stale and taken over; released when the run ends
  fs.writeFileSync(lock, JSON.stringify({ pid: DEAD_PID, host: os.hostname(), startedAt: since }));
  let heldDuring: { pid: number } | null = null;
  const r = await run(
    configA,
    opts(data, root, counter, -1, () => (heldDuring ??= JSON.parse(fs.readFileSync(lock, "utf8")))),
  );
  assert.equal(r.reloaded, false);
  assert.equal(heldDuring!.pid, process.pid, "the lock holds this process while it trains");
  assert.ok(!fs.existsSync(lock), "lock released");
  // a completed run reloads even while another process holds the lock (reloading writes nothing)
  fs.writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: os.hostname(), startedAt: since }));
  const again = await run(configA, opts(data, root));
  assert.equal(again.reloaded, true);
  dispose(r.model, again.model);
  data.dispose();
});

test("no space left while checkpointing names the file, the run directory and the step", async () => {
  const data = toyData(64, 3);
  const root = tmp();
  const dir = path.join(root, hashA);
  let full = false;
  await withFsFault(
    "writeSync",
    () => (full ? errnoError("ENOSPC", "write", "no space left on device") : null),
    async () => {
      await assert.rejects(
        run(
          configA,
          opts(data, root, { steps: 0 }, -1, (s) => {
            if (s === 13) full = true;
          }),
        ),
        (e: Error) => {
          assert.ok(e.message.includes(path.join(dir, "checkpoint.new", "weights.bin")), e.message);
          assert.match(e.message, /ENOSPC/);
          assert.match(e.message, /after step 15/);
          assert.ok(e.message.includes(`run ${hashA} (${dir})`), e.message);
          return true;
        },
      );
    },
  );
  full = false;
  const resumed = await run(configA, opts(data, root));
  assert.equal(resumed.resumedFrom, 10, "the last complete checkpoint is intact");
  dispose(resumed.model);
  data.dispose();
});

test("a runs folder that cannot be created is named with what to do", async () => {
  const data = toyData(64, 3);
  const root = path.join(tmp(), "ro", "runs");
  await withFsFault(
    "mkdirSync",
    (p) => (String(p).startsWith(root) ? errnoError("ENOENT", "mkdir", "no such file or directory") : null),
    async () => {
      await assert.rejects(run(configA, opts(data, root)), (e: Error) => {
        assert.ok(e.message.includes(path.join(root, hashA)), e.message);
        assert.match(e.message, /cannot create the run directory/);
        assert.match(e.message, /VAELAB_RUNS_DIR/);
        return true;
      });
    },
  );
  data.dispose();
});

test("an interrupted run in a read-only directory fails before training; a completed one still reloads", async () => {
  const data = toyData(64, 3);
  const root = tmp();
  const dir = path.join(root, hashA);
  await assert.rejects(run(configA, opts(data, root, { steps: 0 }, 12)), /simulated crash/);
  const readOnly = (p: unknown, flags?: unknown) =>
    String(p).startsWith(dir) && flags !== undefined && flags !== "r"
      ? errnoError("EROFS", "open", "read-only file system")
      : null;
  const counter = { steps: 0 };
  await withFsFault("openSync", readOnly, async () => {
    await assert.rejects(run(configA, opts(data, root, counter)), (e: Error) => {
      assert.ok(e.message.includes(dir), e.message);
      assert.match(e.message, /not writable/);
      assert.match(e.message, /EROFS/);
      return true;
    });
  });
  assert.equal(counter.steps, 0, "no step trained before the failure");
  const done = await run(configA, opts(data, root));
  await withFsFault("openSync", readOnly, async () => {
    const again = await run(configA, opts(data, root));
    assert.equal(again.reloaded, true);
    dispose(again.model);
  });
  dispose(done.model);
  data.dispose();
});
