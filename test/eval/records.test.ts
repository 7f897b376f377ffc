// lib/eval/records, the models' one evaluation loop: the means-only sums (per batch in float32, draws
// averaged or taken from the first, batch sums added in float64) against the same sums written out; the
// per-example values (draws averaged in float64) and their means; the draws come in order from one stream
// and cover every example once; the VAE record means (rate = Σ ratePerDim, elbo = −(D + R)); named errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { BatchLoop, evaluateBatches, evaluateRecords } from "../../lib/eval/records";
import { rateDistortion } from "../../lib/objectives/rate-distortion";

const ready = initEngine();
const f32 = Math.fround;

/** Example i's value in draw s: a [size] quantity "a" and a [size, 2] quantity "b" (exact in float32). */
const a = (i: number, s: number) => f32(0.1 * i + 0.37 * s);
const b = (i: number, s: number, k: number) => f32(1 / (1 + i + k) - s);
const loop = (n: number, o: Partial<BatchLoop<"a" | "b">> = {}): BatchLoop<"a" | "b"> => ({
  n,
  where: "test",
  defaultSeed: "records-test",
  defaultBatchSize: 4,
  draw: (start, size, s) => ({
    a: tf.tensor1d(Array.from({ length: size }, (_, j) => a(start + j, s))),
    b: tf.tensor2d(
      Array.from({ length: size }, (_, j) => [b(start + j, s, 0), b(start + j, s, 1)]),
      [size, 2],
    ),
  }),
  ...o,
});

test("means only: float32 batch sums (draws added, then / samples; first-draw quantities as drawn), added in float64, / n", async () => {
  await ready;
  const n = 11,
    bs = 4,
    S = 3;
  const r = await evaluateBatches(loop(n, { firstDraw: ["b"] }), { batchSize: bs, samples: S });
  let sumA = 0;
  const sumB = [0, 0];
  for (let start = 0; start < n; start += bs) {
    const size = Math.min(bs, n - start);
    let acc = 0;
    for (let s = 0; s < S; s++) {
      let batch = 0;
      for (let j = 0; j < size; j++) batch = f32(batch + a(start + j, s));
      acc = f32(acc + batch);
    }
    sumA += f32(acc / S);
    for (let k = 0; k < 2; k++) {
      let batch = 0;
      for (let j = 0; j < size; j++) batch = f32(batch + b(start + j, 0, k));
      sumB[k] += batch;
    }
  }
  assert.equal(r.perExample, undefined);
  assert.equal(r.n, n);
  assert.equal(r.samples, S);
  assert.ok(Math.abs(r.means.a[0] - sumA / n) < 1e-6, `${r.means.a[0]} vs ${sumA / n}`);
  assert.deepEqual(
    r.means.b.map((v, k) => Math.abs(v - sumB[k] / n) < 1e-6),
    [true, true],
    `${r.means.b} vs ${sumB.map((v) => v / n)}`,
  );
  // every draw averaged: the mean of a over draws s = 0…S−1 is 0.1·mean(i) + 0.37·(S−1)/2
  const avg = await evaluateBatches(loop(n), { batchSize: bs, samples: S });
  assert.ok(Math.abs(avg.means.a[0] - ((0.1 * (n - 1)) / 2 + (0.37 * (S - 1)) / 2)) < 1e-5);
  assert.ok(
    Math.abs(avg.means.b[0] - (r.means.b[0] - (S - 1) / 2)) < 1e-5,
    "b averaged over draws is b of draw 0 − mean(s)",
  );
  assert.deepEqual(
    await evaluateBatches(loop(n, { firstDraw: ["b"] }), { batchSize: bs, samples: S }),
    r,
    "deterministic",
  );
});

test("per example: each example's draws averaged in float64 (v / samples added), means = their sum in example order / n", async () => {
  await ready;
  const n = 7,
    S = 2;
  const r = await evaluateBatches(loop(n, { perExample: true }), { batchSize: 3, samples: S });
  const e = r.perExample!;
  assert.equal(e.a.length, n);
  assert.equal(e.b.length, 2 * n);
  for (let i = 0; i < n; i++) {
    assert.equal(e.a[i], a(i, 0) / S + a(i, 1) / S);
    for (let k = 0; k < 2; k++) assert.equal(e.b[2 * i + k], b(i, 0, k) / S + b(i, 1, k) / S);
  }
  assert.equal(r.means.a[0], e.a.reduce((x, y) => x + y, 0) / n);
  assert.equal(r.means.b[1], Array.from({ length: n }, (_, i) => e.b[2 * i + 1]).reduce((x, y) => x + y, 0) / n);
  // the same values whatever the batching
  const one = await evaluateBatches(loop(n, { perExample: true }), { batchSize: 100, samples: S });
  assert.deepEqual(one.perExample, r.perExample);
});

test("draws come batch by batch, samples within a batch, from one stream (default: a fixed seed); every example once", async () => {
  await ready;
  const calls: string[] = [];
  const seen: number[] = [];
  const noise: number[] = [];
  const spy: BatchLoop<"a"> = {
    n: 5,
    where: "spy",
    defaultSeed: "spy-seed",
    defaultBatchSize: 2,
    draw: (start, size, s, rng) => {
      calls.push(`${start}+${size}/${s}`);
      if (s === 0) for (let j = 0; j < size; j++) seen.push(start + j);
      noise.push(rng.normal());
      return { a: tf.zeros([size]) };
    },
  };
  await evaluateBatches(spy, { samples: 2 });
  assert.deepEqual(calls, ["0+2/0", "0+2/1", "2+2/0", "2+2/1", "4+1/0", "4+1/1"]);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  const fixed = new Rng("spy-seed");
  assert.deepEqual(
    noise,
    noise.map(() => fixed.normal()),
    "the default stream, drawn in order",
  );
  noise.length = 0;
  await evaluateBatches({ ...spy, perExample: true }, { samples: 2, rng: 9 });
  const given = new Rng(9);
  assert.deepEqual(
    noise,
    noise.map(() => given.normal()),
  );
});

test("no tensors are left behind", async () => {
  await ready;
  const before = tf.memory().numTensors;
  await evaluateBatches(loop(9), { samples: 2 });
  await evaluateBatches(loop(9, { perExample: true, firstDraw: ["b"] }), { samples: 2 });
  assert.equal(tf.memory().numTensors, before);
});

test("evaluateRecords: distortion averaged over draws, ratePerDim from the first, rate = Σ ratePerDim, elbo = −(D + R)", async () => {
  await ready;
  const n = 6;
  const recordOf = (start: number, size: number, rng: Rng) => {
    const eps = rng.normalTensor([size]);
    const perDim = tf.tensor2d(
      Array.from({ length: size }, (_, j) => [0.5 + start + j, 0.25]),
      [size, 2],
    );
    return rateDistortion({ distortion: tf.add(tf.fill([size], 2), eps), ratePerDim: perDim });
  };
  const e = await evaluateRecords(n, recordOf, { batchSize: 4, samples: 50 }, "rec", "rec-seed");
  assert.equal(e.n, n);
  assert.deepEqual(e.ratePerDim, [0.5 + (n - 1) / 2, 0.25]);
  assert.equal(e.rate, e.ratePerDim[0] + e.ratePerDim[1]);
  assert.equal(e.elbo, -(e.distortion + e.rate));
  assert.ok(Math.abs(e.distortion - 2) < 0.2, `distortion ${e.distortion} is 2 + the mean of 300 normals`);
  assert.deepEqual(
    await evaluateRecords(n, recordOf, { batchSize: 4, samples: 50 }, "rec", "rec-seed"),
    e,
    "deterministic",
  );
});

test("errors name the caller", async () => {
  await ready;
  await assert.rejects(evaluateBatches(loop(0)), /test: no examples/);
  await assert.rejects(evaluateBatches(loop(3), { batchSize: 0 }), /test: batchSize must be a positive integer, got 0/);
  await assert.rejects(evaluateBatches(loop(3), { samples: 1.5 }), /test: samples must be a positive integer, got 1.5/);
  await assert.rejects(evaluateBatches(loop(3, { defaultSeed: undefined })), /test: rng is required/);
});
