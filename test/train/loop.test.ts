import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { scalarOf } from "../helpers/read";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { loadTensors } from "../../lib/engine/weights";
import { adaptiveRate, fixedBeta, rateDistortion } from "../../lib/objectives";
import { NonFiniteError, TrainableModel, readCsv, train } from "../../lib/train";
import { buildToyVae, snapshot, toyData } from "./toy-vae";

before(async () => {
  await initEngine({ quiet: true });
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-train-"));

test("tensor count is flat across training steps (after step 2 = after step 50)", async () => {
  const data = toyData(128, 1);
  const model = buildToyVae(new Rng(2));
  const counts: number[] = [];
  const res = await train(model, {
    data,
    batchSize: 16,
    steps: 50,
    rng: 3,
    progress: "none",
    controller: adaptiveRate({ target: 1, initial: 0.1 }),
    validate: { every: 10, fn: async () => ({ negElbo: await model.negElbo(data, 0) }) },
    onStep: () => {
      counts.push(tf.memory().numTensors);
    },
  });
  assert.equal(counts.length, 50);
  assert.equal(counts[1], counts[49], `numTensors after step 2: ${counts[1]}, after step 50: ${counts[49]}`);
  assert.equal(res.history.length, 50);
  assert.ok(
    res.history[9].val_negElbo !== undefined && res.history[8].val_negElbo === undefined,
    "validation every 10 steps",
  );
  res.optimizer.dispose();
  model.store.dispose();
  data.dispose();
});

test("a small Gaussian-MLP VAE reduces its loss (negative ELBO) on a toy dataset", async () => {
  const data = toyData(256, 4);
  const model = buildToyVae(new Rng(5));
  const before = await model.negElbo(data, 99);
  const res = await train(model, { data, batchSize: 32, epochs: 40, rng: 6, learningRate: 1e-2, progress: "none" });
  const after = await model.negElbo(data, 99);
  const first = res.history.slice(0, 20).reduce((s, r) => s + r.loss, 0) / 20;
  const last = res.history.slice(-20).reduce((s, r) => s + r.loss, 0) / 20;
  assert.equal(res.steps, 40 * 8);
  assert.equal(res.epochs.length, 40);
  assert.ok(last < first - 2, `training loss ${first} → ${last}`);
  assert.ok(after < before - 2, `full-data −ELBO ${before} → ${after}`);
  // 4-D data from a 2-D linear latent plus noise of sd 0.1: a good model is far below the initial ~10 nats
  assert.ok(after < 6, `final −ELBO ${after}`);
  res.optimizer.dispose();
  model.store.dispose();
  data.dispose();
});

test("checkpoint/resume: 20 steps straight equals 12 steps, crash, resume from step 10 to 20 (bit-identical)", async () => {
  const data = toyData(64, 7);
  const opts = (dir?: string) => ({
    data,
    batchSize: 12,
    steps: 20,
    rng: 8,
    learningRate: 5e-3,
    progress: "none" as const,
    controller: adaptiveRate({ target: 0.5, initial: 0.5, delta: 0.05 }),
    ...(dir ? { checkpoint: { dir, every: 10 } } : {}),
  });
  const straight = buildToyVae(new Rng(9));
  const r1 = await train(straight, opts());
  const want = await snapshot(straight.variables);

  const dir = path.join(tmp(), "ckpt");
  const crashed = buildToyVae(new Rng(9));
  await assert.rejects(
    train(crashed, {
      ...opts(dir),
      onStep: (row) => {
        if (row.step === 11) throw new Error("simulated crash");
      },
    }),
    /simulated crash/,
  );
  const { meta } = loadTensors(dir);
  assert.equal((meta as { step: number }).step, 10);

  const resumed = buildToyVae(new Rng(9)); // fresh process state: new variables and optimizer
  const r2 = await train(resumed, opts(dir));
  assert.equal(r2.startStep, 10);
  assert.equal(r2.steps, 20);
  assert.deepEqual(await snapshot(resumed.variables), want);
  assert.deepEqual(r2.controller.beta, r1.controller.beta);
  assert.equal(r2.history.length, 20);
  assert.deepEqual(
    r2.history.map((r) => r.loss),
    r1.history.map((r) => r.loss),
  );
  for (const m of [straight, crashed, resumed]) m.store.dispose();
  r1.optimizer.dispose();
  r2.optimizer.dispose();
  data.dispose();
});

/** Wrap a model so that its distortion is NaN at one step. */
function nanAt(model: TrainableModel, bad: number): TrainableModel {
  return {
    variables: model.variables,
    step(batch, ctx) {
      const r = model.step(batch, ctx);
      if (ctx.step !== bad) return r;
      return rateDistortion({ distortion: tf.mul(r.distortion, NaN) as tf.Tensor1D, rate: r.rate });
    },
  };
}

test("NaN guard: a NaN loss at step 13 stops with the step named, restores the last good checkpoint and never saves the NaN state", async () => {
  const data = toyData(64, 10);
  const dir = path.join(tmp(), "ckpt");
  const csv = path.join(path.dirname(dir), "metrics.csv");
  const model = buildToyVae(new Rng(11));
  let err: unknown;
  try {
    await train(nanAt(model, 13), {
      data,
      batchSize: 16,
      steps: 30,
      rng: 12,
      progress: "none",
      checkpoint: { dir, every: 5 },
      metricsCsv: csv,
    });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof NonFiniteError, String(err));
  assert.equal(err.step, 13);
  assert.equal(err.quantity, "loss");
  assert.equal(err.restoredStep, 10);
  assert.match(err.message, /non-finite loss at step 13/);
  assert.match(err.message, /distortion/);
  assert.ok(err.message.includes(dir));
  // the checkpoint on disk is the one after step 10, loadable and finite
  const { tensors, meta } = loadTensors(dir);
  assert.equal((meta as { step: number }).step, 10);
  for (const [k, t] of Object.entries(tensors)) {
    if (t.dtype === "float32") assert.ok((await scalarOf(() => tf.all(tf.isFinite(t)))) === 1, `${k} finite`);
  }
  // and the model holds those values again
  for (const k of Object.keys(model.variables)) {
    assert.deepEqual(Array.from(await model.variables[k].data()), Array.from(await tensors[`var/${k}`].data()), k);
  }
  tf.dispose(Object.values(tensors));
  assert.equal(readCsv(csv).length, 10, "metrics written at the last checkpoint");
  model.store.dispose();
  data.dispose();
});

test("NaN guard names a non-finite gradient (finite loss) and a parameter blown up by the update", async () => {
  const data = toyData(32, 13);
  const m1 = buildToyVae(new Rng(14));
  const w = m1.variables["enc/0/w"];
  const gradNaN: TrainableModel = {
    variables: m1.variables,
    step(batch, ctx) {
      const r = m1.step(batch, ctx);
      // sqrt(Σ(w − w)²) is 0, but its gradient is ∞·0 = NaN at step 4
      const extra = ctx.step === 4 ? tf.sqrt(tf.sum(tf.square(tf.sub(w, w)))) : tf.scalar(0);
      return rateDistortion({ distortion: tf.add(r.distortion, extra) as tf.Tensor1D, rate: r.rate });
    },
  };
  const before = await snapshot(m1.variables);
  await assert.rejects(
    train(gradNaN, { data, batchSize: 8, steps: 10, rng: 1, progress: "none", optimizer: tf.train.sgd(0) }),
    (e: unknown) =>
      e instanceof NonFiniteError &&
      e.step === 4 &&
      e.quantity === "gradient of enc/0/w" &&
      /no checkpointing configured/.test(e.message),
  );
  assert.deepEqual(
    await snapshot(m1.variables),
    before,
    "the bad update was not applied (lr 0 leaves the rest unchanged)",
  );

  const m2 = buildToyVae(new Rng(15));
  await assert.rejects(
    train(m2, { data, batchSize: 8, steps: 10, rng: 1, progress: "none", optimizer: tf.train.sgd(Infinity) }),
    (e: unknown) =>
      e instanceof NonFiniteError &&
      e.step === 0 &&
      /^parameter /.test(e.quantity) &&
      /after the update/.test(e.message),
  );
  m1.store.dispose();
  m2.store.dispose();
  data.dispose();
});

test("options are validated with clear messages", async () => {
  const data = toyData(8, 1);
  const m = buildToyVae(new Rng(1));
  await assert.rejects(train(m, { data, batchSize: 4, progress: "none" }), /give steps or epochs/);
  await assert.rejects(
    train(m, { data, batchSize: 0, steps: 1, progress: "none" }),
    /batchSize must be a positive integer/,
  );
  await assert.rejects(
    train(m, { data: { x: data, y: tf.zeros([3]) }, batchSize: 2, steps: 1, progress: "none" }),
    /"y" has 3 examples but "x" has 8/,
  );
  m.store.dispose();
  data.dispose();
});

test("fixed-β controller and named datasets reach the model's step", async () => {
  const x = toyData(20, 2);
  const mask = tf.ones([20, 4]);
  const m = buildToyVae(new Rng(3));
  const seen: number[][] = [];
  const res = await train(
    {
      variables: m.variables,
      step(batch, ctx) {
        const b = batch as Record<string, tf.Tensor>;
        seen.push([b.x.shape[0], b.mask.shape[0]]);
        return m.step(tf.mul(b.x, b.mask), ctx);
      },
    },
    { data: { x, mask }, batchSize: 8, epochs: 1, progress: "none", controller: fixedBeta(0.5) },
  );
  assert.deepEqual(
    seen,
    [
      [8, 8],
      [8, 8],
      [4, 4],
    ],
    "last partial batch kept by default",
  );
  assert.equal(res.history[0].ctl_beta, 0.5);
  res.optimizer.dispose();
  m.store.dispose();
  tf.dispose([x, mask]);
});

test("typed-array data ({values: Float32Array, shape}) trains like the same tensor and leaves no tensors behind", async () => {
  const t = toyData(24, 21);
  const values = (await t.data()) as Float32Array;
  const before = tf.memory().numTensors;
  const m1 = buildToyVae(new Rng(22));
  const r1 = await train(m1, { data: { values, shape: [24, 4] }, batchSize: 8, steps: 6, rng: 1, progress: "none" });
  r1.optimizer.dispose();
  const w1 = await snapshot(m1.variables);
  m1.store.dispose();
  assert.equal(tf.memory().numTensors, before, "the tensor made from the typed array was disposed");
  const m2 = buildToyVae(new Rng(22));
  const r2 = await train(m2, { data: t, batchSize: 8, steps: 6, rng: 1, progress: "none" });
  r2.optimizer.dispose();
  assert.deepEqual(await snapshot(m2.variables), w1);
  await assert.rejects(
    train(m2, { data: { values, shape: [24, 5] }, batchSize: 8, steps: 1, progress: "none" }),
    /96 values but shape \[24,5\] needs 120/,
  );
  m2.store.dispose();
  t.dispose();
});

test("a long run returns to the event loop (timers and I/O callbacks fire during training, not only after it)", async () => {
  const data = toyData(128, 7);
  const model = buildToyVae(new Rng(8));
  const firedAtStep: number[] = [];
  let step = 0;
  const timer = setInterval(() => firedAtStep.push(step), 20);
  try {
    const res = await train(model, {
      data,
      batchSize: 16,
      steps: 300,
      rng: 9,
      progress: "none",
      onStep: () => {
        step++;
      },
    });
    res.optimizer.dispose();
    assert.ok(res.elapsedMs > 100, `the run must outlast several 50 ms slices (took ${res.elapsedMs} ms)`);
  } finally {
    clearInterval(timer);
  }
  const total = step;
  // without yielding, an interval never fires while steps run back to back; with it, it fires mid-run
  assert.ok(
    firedAtStep.some((s) => s > 0 && s < total),
    `interval fired at steps [${firedAtStep.slice(0, 10)}…] of ${total}`,
  );
  model.store.dispose();
  data.dispose();
});

test("clipNorm scales the step's gradients to the given global norm (and records the norm); smaller norms pass unchanged", async () => {
  // loss = mean over the batch of a·w, so ∇w = a = [3, 4] with ‖∇‖ = 5
  const run = async (clipNorm: number | undefined) => {
    const w = tf.variable(tf.tensor1d([1, 1]), true, "clip/w");
    const a = tf.tensor1d([3, 4]);
    const model: TrainableModel = {
      variables: { "clip/w": w },
      step(batch) {
        const x = batch as tf.Tensor2D;
        const d = tf.add(
          tf.mul(tf.sum(tf.mul(w, a)), tf.onesLike(tf.slice(x, [0, 0], [-1, 1]).squeeze([1]))),
          0,
        ) as tf.Tensor1D;
        return rateDistortion({ distortion: d, rate: tf.zerosLike(d) as tf.Tensor1D });
      },
    };
    const data = tf.ones([4, 2]);
    const res = await train(model, {
      data,
      batchSize: 4,
      steps: 1,
      rng: 1,
      progress: "none",
      optimizer: tf.train.sgd(1),
      ...(clipNorm !== undefined ? { clipNorm } : {}),
    });
    const out = { w: Array.from(await w.data()), row: res.history[0] };
    w.dispose();
    a.dispose();
    data.dispose();
    res.optimizer.dispose();
    return out;
  };
  const clipped = await run(1);
  assert.ok(
    Math.abs(clipped.w[0] - (1 - 0.6)) < 1e-6 && Math.abs(clipped.w[1] - (1 - 0.8)) < 1e-6,
    `clipped update ${clipped.w}`,
  );
  assert.ok(Math.abs(Number(clipped.row.grad_norm) - 5) < 1e-5);
  const loose = await run(10);
  assert.ok(
    Math.abs(loose.w[0] - (1 - 3)) < 1e-6 && Math.abs(loose.w[1] - (1 - 4)) < 1e-6,
    `unclipped update ${loose.w}`,
  );
  const none = await run(undefined);
  assert.deepEqual(none.w, loose.w);
  assert.equal(none.row.grad_norm, undefined);
  const m = buildToyVae(new Rng(1));
  await assert.rejects(
    train(m, { data: toyData(8, 1), batchSize: 4, steps: 1, progress: "none", clipNorm: 0 }),
    /clipNorm must be > 0, got 0/,
  );
});

test("NaN/Inf in the training data is refused before the first step, naming the field, row and column", async () => {
  const x = toyData(20, 2);
  const values = Float32Array.from(await x.data());
  values[5 * 4 + 2] = NaN;
  const m = buildToyVae(new Rng(3));
  let steps = 0;
  const before = tf.memory().numTensors;
  await assert.rejects(
    train(m, {
      data: { values, shape: [20, 4] },
      batchSize: 8,
      steps: 4,
      progress: "none",
      onStep: () => void steps++,
    }),
    /train: the training data has a non-finite value \(NaN\) at row 5, column 2/,
  );
  const inf = tf.tensor2d(
    Float32Array.from(values, (v) => (Number.isNaN(v) ? 1 : v)),
    [20, 4],
  );
  const bad = tf.tensor2d(
    Float32Array.from(values, (v, i) => (i === 17 * 4 ? -Infinity : Number.isNaN(v) ? 1 : v)),
    [20, 4],
  );
  await assert.rejects(
    train(
      { variables: m.variables, step: (b, ctx) => m.step((b as Record<string, tf.Tensor>).x, ctx) },
      { data: { x: inf, y: bad }, batchSize: 8, steps: 4, progress: "none" },
    ),
    /the training data "y" has a non-finite value \(-Infinity\) at row 17, column 0/,
  );
  assert.equal(steps, 0);
  tf.dispose([inf, bad]);
  assert.equal(tf.memory().numTensors, before, "the check leaves no tensors");
  // opting out lets a model that masks such entries train
  const r = await train(
    { variables: m.variables, step: (b, ctx) => m.step(tf.where(tf.isNaN(b as tf.Tensor), 0, b as tf.Tensor), ctx) },
    { data: { values, shape: [20, 4] }, batchSize: 8, steps: 2, progress: "none", allowNonFiniteData: true },
  );
  r.optimizer.dispose();
  m.store.dispose();
  x.dispose();
});

test("a NaN while the last checkpoint is corrupt reports both the NaN and the failed restore", async () => {
  const data = toyData(64, 10);
  const dir = path.join(tmp(), "ckpt");
  const model = buildToyVae(new Rng(11));
  let err: unknown;
  try {
    await train(nanAt(model, 13), {
      data,
      batchSize: 16,
      steps: 30,
      rng: 12,
      progress: "none",
      checkpoint: { dir, every: 5 },
      onStep: (row) => {
        if (row.step !== 11) return;
        const bin = path.join(dir, "weights.bin");
        const bytes = fs.readFileSync(bin);
        bytes[0] ^= 0xff;
        fs.writeFileSync(bin, bytes);
      },
    });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof NonFiniteError, String(err));
  assert.equal(err.step, 13);
  assert.equal(err.restoredStep, null);
  assert.match(err.message, /non-finite loss at step 13/);
  assert.match(err.message, /could not restore the last checkpoint/);
  assert.match(err.message, /checksum/);
  assert.ok(err.message.includes(path.join(dir, "weights.bin")), err.message);
  model.store.dispose();
  data.dispose();
});

test("a model step that throws leaks no tensors", async () => {
  const data = toyData(32, 1);
  const m = buildToyVae(new Rng(2));
  const throwing: TrainableModel = {
    variables: m.variables,
    step(b, ctx) {
      const r = m.step(b, ctx);
      if (ctx.step === 3) throw new Error("model failure");
      return r;
    },
  };
  for (let k = 0; k < 2; k++) {
    const before = tf.memory().numTensors;
    await assert.rejects(train(throwing, { data, batchSize: 8, steps: 10, rng: 1, progress: "none" }), /model failure/);
    assert.equal(tf.memory().numTensors, before, `tensors leaked: ${tf.memory().numTensors - before}`);
  }
  // training still works afterwards (the gradient tape was reset)
  const r = await train(m, { data, batchSize: 8, steps: 3, rng: 1, progress: "none" });
  r.optimizer.dispose();
  m.store.dispose();
  data.dispose();
});
