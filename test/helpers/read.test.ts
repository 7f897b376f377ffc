// The async read helpers of the tests: values as dataSync() gave them, and no tensor left behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scalarOf, scalarsOf, scoped, valuesOf } from "./read";

test("scalarOf / valuesOf / scalarsOf read a tidy's tensors and dispose them; a tensor passed in stays", async () => {
  await tf.setBackend("cpu");
  const x = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const before = tf.memory().numTensors;
  assert.equal(await scalarOf(() => tf.sum(tf.mul(x, 2))), 20);
  assert.deepEqual(await valuesOf(() => tf.add(x, 1)), [2, 3, 4, 5]);
  assert.deepEqual(await scalarsOf(() => [tf.max(x), tf.min(x)]), [4, 1]);
  assert.equal(tf.memory().numTensors, before, "the tidy's tensors are disposed");
  assert.deepEqual(await valuesOf(x), [1, 2, 3, 4]);
  assert.equal(await scalarOf(x), 1);
  assert.equal(x.isDisposed, false, "a tensor passed in is the caller's");
  x.dispose();
});

test("scoped disposes the tensors its async body made, also when the body throws", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const v = await scoped(async () => {
    const a = tf.ones([3]);
    return Array.from(await tf.mul(a, 2).data());
  });
  assert.deepEqual(v, [2, 2, 2]);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(
    scoped(async () => {
      tf.ones([2]);
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(tf.memory().numTensors, before);
});
