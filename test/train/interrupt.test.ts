// Interrupting training (lib/train/interrupt): a SIGINT during train() stops it at the next step boundary
// with a checkpoint and a TrainingInterruptedError naming the step; training again resumes there and
// ends exactly where an uninterrupted run ends; the SIGINT listener is removed afterwards; trainOrReload
// waits for an interrupted run of the same directory before reading it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { createMlpVae, mlpVaeConfig } from "../../lib/models/mlp-vae";
import { train } from "../../lib/train/loop";
import { TrainingInterruptedError, requestInterrupt } from "../../lib/train/interrupt";
import { trainOrReload } from "../../lib/train/run-cache";
import type { HistoryRow } from "../../lib/train/history";
import { loadTensors } from "../../lib/engine/weights";

let tmp = "";
before(async () => {
  await initEngine();
  tmp = mkdtempSync(join(tmpdir(), "vaelab-interrupt-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const X = { values: new Rng("x").normals(256 * 6), shape: [256, 6] };
const cfg = mlpVaeConfig({ xDim: 6, zDim: 2 });

test("SIGINT stops training at a step boundary with a checkpoint; a second call resumes to the same end", async () => {
  const listeners = process.listenerCount("SIGINT");
  const dir = join(tmp, "ckpt");
  const opts = (onStep?: (r: HistoryRow) => void) => ({
    data: X,
    batchSize: 32,
    steps: 120,
    rng: 3,
    progress: "none" as const,
    checkpoint: { dir, every: 50 },
    ...(onStep ? { onStep } : {}),
  });
  const m = createMlpVae(cfg, new Rng(1));
  await assert.rejects(
    train(
      m,
      opts((r) => {
        if (r.step === 69) process.emit("SIGINT");
      }),
    ),
    (e: unknown) => {
      assert.ok(e instanceof TrainingInterruptedError);
      assert.equal(e.step, 70);
      assert.equal(e.checkpointDir, dir);
      assert.match(
        e.message,
        /training interrupted after step 70 of 120; checkpoint saved to .*; run it again to resume from step 70/,
      );
      return true;
    },
  );
  assert.equal(process.listenerCount("SIGINT"), listeners, "the SIGINT listener is removed");
  const resumed = await train(m, opts());
  assert.equal(resumed.startStep, 70);
  assert.equal(resumed.steps, 120);
  resumed.optimizer.dispose();
  const straight = createMlpVae(cfg, new Rng(1));
  const full = await train(straight, { ...opts(), checkpoint: undefined });
  full.optimizer.dispose();
  assert.equal(
    resumed.history[resumed.history.length - 1].loss,
    full.history[full.history.length - 1].loss,
    "resumed run ends where the uninterrupted one does",
  );
});

test("trainOrReload: a call made while an interrupted run of the same directory stops waits for it and resumes", async () => {
  const runsDir = join(tmp, "runs");
  const call = (interruptAt: number | null) =>
    trainOrReload(
      { model: cfg, data: "interrupt-test", seed: 2, preset: "smoke" },
      (c, rng) => createMlpVae(c.model as typeof cfg, rng),
      {
        runsDir,
        checkpointEvery: 25,
        train: () => ({
          data: X,
          batchSize: 32,
          steps: 100,
          progress: "none",
          ...(interruptAt !== null
            ? {
                onStep: (r: HistoryRow) => {
                  if (r.step === interruptAt) requestInterrupt();
                },
              }
            : {}),
        }),
      },
    );
  const first = call(39);
  const second = call(null); // starts before the first has stopped
  await assert.rejects(first, TrainingInterruptedError);
  const run = await second;
  assert.equal(run.reloaded, false);
  assert.equal(run.resumedFrom, 40, "the second call resumed from the interrupted run's checkpoint");
  assert.equal(run.history.length, 100);
});

test("SIGTERM is handled like SIGINT: checkpoint at the next step boundary, then the same message", async () => {
  const dir = join(tmp, "ckpt-term");
  const listeners = process.listenerCount("SIGTERM");
  // a listener of our own, so that the loop does not pass the signal on to this test process
  const mine = () => undefined;
  process.on("SIGTERM", mine);
  try {
    const m = createMlpVae(cfg, new Rng(1));
    await assert.rejects(
      train(m, {
        data: X,
        batchSize: 32,
        steps: 120,
        rng: 3,
        progress: "none",
        checkpoint: { dir, every: 50 },
        onStep: (r) => {
          if (r.step === 69) process.emit("SIGTERM");
        },
      }),
      (e: unknown) =>
        e instanceof TrainingInterruptedError &&
        e.step === 70 &&
        /training interrupted after step 70 of 120; checkpoint saved to .*; run it again to resume from step 70/.test(
          e.message,
        ),
    );
  } finally {
    process.off("SIGTERM", mine);
  }
  assert.equal(process.listenerCount("SIGTERM"), listeners, "the SIGTERM listener is removed");
});

test("a real SIGTERM to a training process: checkpoint, the message reaches the caller, then the process ends by SIGTERM", () => {
  const dir = join(tmp, "ckpt-child");
  const child = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "sigterm-child.ts"), dir, "69"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(child.signal, "SIGTERM", `stdout: ${child.stdout}\nstderr: ${child.stderr}`);
  // a real signal is delivered when the loop next yields to the event loop (at most ~50 ms later)
  const m = /caught: training interrupted after step (\d+) of 120; checkpoint saved to/.exec(child.stdout);
  assert.ok(m, child.stdout);
  assert.doesNotMatch(child.stdout, /still alive|finished/);
  const step = Number(m[1]);
  assert.ok(step >= 70 && step < 120, `stopped after step ${step}`);
  const { meta, tensors } = loadTensors(dir);
  assert.equal((meta as { step: number }).step, step, "the checkpoint is at the step the message names");
  for (const t of Object.values(tensors)) t.dispose();
});
