import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import {
  BatchPlan,
  HistoryRow,
  epochSummary,
  findCheckpoint,
  gatherBatch,
  loadCheckpoint,
  parseCsv,
  saveCheckpoint,
  toCsv,
} from "../../lib/train";

before(async () => {
  await initEngine({ quiet: true });
});

test("BatchPlan: each epoch visits every example once, orders differ between epochs, same seed same order", () => {
  const plan = new BatchPlan(10, 4, new Rng(1));
  assert.equal(plan.stepsPerEpoch, 3);
  const epoch = (e: number) => [0, 1, 2].flatMap((k) => Array.from(plan.indices(e * 3 + k)));
  const e0 = epoch(0),
    e1 = epoch(1);
  assert.deepEqual(
    [...e0].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    [...e1].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.notDeepEqual(e0, e1);
  assert.equal(plan.indices(2).length, 2, "last batch is partial");
  // random access (as on resume) gives the same batches as sequential access
  const other = new BatchPlan(10, 4, new Rng(1));
  assert.deepEqual(Array.from(other.indices(4)), Array.from(plan.indices(4)));
  const dropped = new BatchPlan(10, 4, new Rng(1), true);
  assert.equal(dropped.stepsPerEpoch, 2);
  assert.equal(dropped.epochOf(5), 2);
});

test("gatherBatch picks the rows of every named tensor", async () => {
  const x = tf.tensor2d([
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
  ]);
  const y = tf.tensor1d([10, 11, 12, 13]);
  const b = gatherBatch({ x, y }, Int32Array.from([3, 1])) as Record<string, tf.Tensor>;
  assert.deepEqual(await b.x.array(), [
    [3, 3],
    [1, 1],
  ]);
  assert.deepEqual(await b.y.array(), [13, 11]);
  tf.dispose([x, y, b.x, b.y]);
});

test("CSV round trip keeps columns (in first-appearance order), NaN and missing values", () => {
  const rows: HistoryRow[] = [
    { step: 0, loss: 1.5, rate: NaN },
    { step: 1, loss: -Infinity, val_x: 0.25 },
  ];
  const text = toCsv(rows);
  assert.equal(text.split("\n")[0], "step,loss,rate,val_x");
  const back = parseCsv(text);
  assert.equal(back.length, 2);
  assert.ok(Number.isNaN(back[0].rate));
  assert.equal(back[1].loss, -Infinity);
  assert.equal(back[1].val_x, 0.25);
  assert.ok(!("val_x" in back[0]));
  assert.throws(() => parseCsv("a,b\n1,2,3\n", "m.csv"), /m\.csv: line 2 has 3 fields/);
});

test("epochSummary averages each column per epoch", () => {
  const rows: HistoryRow[] = [
    { step: 0, epoch: 0, loss: 4 },
    { step: 1, epoch: 0, loss: 2 },
    { step: 2, epoch: 1, loss: 1, val_a: 5 },
  ];
  assert.deepEqual(epochSummary(rows), [
    { epoch: 0, step: 1, steps: 2, loss: 3 },
    { epoch: 1, step: 2, steps: 1, loss: 1, val_a: 5 },
  ]);
});

test("checkpoints: replaced as a whole, found in .old after a crash between renames, never written from NaN", async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-ckpt-")), "ckpt");
  const v = tf.variable(tf.tensor1d([1, 2]));
  const opt = tf.train.adam(0.1);
  opt.minimize(() => tf.sum(tf.square(v)) as tf.Scalar, false, [v]);
  await saveCheckpoint(
    dir,
    { variables: { v }, optimizer: opt },
    { step: 1, controller: { beta: 1 }, history: [{ step: 0, loss: 5 }] },
  );
  v.assign(tf.tensor1d([3, 4]));
  await saveCheckpoint(dir, { variables: { v }, optimizer: opt }, { step: 2, controller: { beta: 2 }, history: [] });
  assert.deepEqual(fs.readdirSync(path.dirname(dir)), ["ckpt"], "no .new/.old left behind");

  // a crash between the renames leaves only ckpt.old (and maybe a partial ckpt.new)
  fs.renameSync(dir, `${dir}.old`);
  fs.mkdirSync(`${dir}.new`);
  fs.writeFileSync(path.join(`${dir}.new`, "weights.bin"), "partial");
  assert.equal(findCheckpoint(dir), `${dir}.old`);
  const v2 = tf.variable(tf.zeros([2]));
  const opt2 = tf.train.adam(0.1);
  const state = await loadCheckpoint(dir, { variables: { v: v2 }, optimizer: opt2, optimizerVars: [v2] });
  assert.equal(state!.step, 2);
  assert.deepEqual(await v2.array(), [3, 4]);
  assert.equal(opt2.iterations, 1);

  // a NaN variable is refused, and the previous checkpoint stays
  v.assign(tf.tensor1d([NaN, 1]));
  await assert.rejects(
    saveCheckpoint(`${dir}.old`, { variables: { v }, optimizer: opt }, { step: 3, controller: {}, history: [] }),
    /parameter "v" is not finite; refusing to save/,
  );
  const again = await loadCheckpoint(dir, { variables: { v: v2 }, optimizer: opt2, optimizerVars: [v2] });
  assert.equal(again!.step, 2);
  assert.equal(
    await loadCheckpoint(path.join(dir, "nothing"), { variables: { v: v2 }, optimizer: opt2, optimizerVars: [v2] }),
    null,
  );
  tf.dispose([v, v2]);
  opt.dispose();
  opt2.dispose();
});
