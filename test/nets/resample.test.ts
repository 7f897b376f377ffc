// Nearest-neighbour upsampling and block-mean downsampling (lib/nets/conv upsampleNearest, downsampleMean): the same forward values as
// tf.image.resizeNearestNeighbor, and the correct gradient (each input pixel collects its f×f output
// block) for batch > 1 — where tfjs 4.22's resizeNearestNeighbor gradient is wrong (asserted below, so
// this test notices when an upgrade fixes it and the workaround can go).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { downsampleMean, upsampleNearest } from "../../lib/nets/conv";
import { scalarOf } from "../helpers/read";

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => scalarOf(() => tf.max(tf.abs(tf.sub(a, b))));

test("upsampleNearest: forward equals resizeNearestNeighbor; gradient is the block sum for any batch", async () => {
  await initEngine();
  for (const [shape, f] of [
    [[1, 2, 2, 1], 2],
    [[3, 2, 3, 4], 2],
    [[2, 4, 4, 3], 3],
  ] as [[number, number, number, number], number][]) {
    const [b, h, w, c] = shape;
    const x = tf.randomNormal(shape, 0, 1, "float32", 1) as tf.Tensor4D;
    const W = tf.randomNormal([b, f * h, f * w, c], 0, 1, "float32", 2);
    assert.equal(await maxAbs(upsampleNearest(x, f), tf.image.resizeNearestNeighbor(x, [f * h, f * w])), 0);
    const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(upsampleNearest(xx, f), W)))(x);
    const want = tf.tidy(() => tf.sum(tf.reshape(W, [b, h, f, w, f, c]), [2, 4]));
    assert.ok((await maxAbs(g, want)) < 1e-5, `gradient for [${shape}] ×${f}`);
  }
  assert.throws(() => upsampleNearest(tf.zeros([2, 2, 2])), /\[B, H, W, C\]/);
});

test("tfjs 4.22's resizeNearestNeighbor gradient is wrong for batch > 1 (why upsampleNearest exists)", async () => {
  await initEngine();
  const x = tf.randomNormal([2, 2, 2, 1], 0, 1, "float32", 1) as tf.Tensor4D;
  const W = tf.randomNormal([2, 4, 4, 1], 0, 1, "float32", 2);
  const g = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(xx as tf.Tensor4D, [4, 4]), W)))(x);
  const want = tf.tidy(() => tf.sum(tf.reshape(W, [2, 2, 2, 2, 2, 1]), [2, 4]));
  assert.ok(
    (await maxAbs(g, want)) > 0.1,
    "resizeNearestNeighbor's gradient is now right: switch upsampleNearest back to it and drop this test",
  );
});

test("downsampleMean equals tf.avgPool (valid, stride = size) in value and gradient", async () => {
  await initEngine();
  for (const [shape, f] of [
    [[3, 4, 4, 2], 2],
    [[2, 6, 6, 3], 3],
  ] as [[number, number, number, number], number][]) {
    const x = tf.randomNormal(shape, 0, 1, "float32", 3) as tf.Tensor4D;
    assert.ok((await maxAbs(downsampleMean(x, f), tf.avgPool(x, f, f, "valid"))) < 1e-6);
    const W = tf.randomNormal([shape[0], shape[1] / f, shape[2] / f, shape[3]], 0, 1, "float32", 4);
    const g1 = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(downsampleMean(xx, f), W)))(x);
    const g2 = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(xx as tf.Tensor4D, f, f, "valid"), W)))(x);
    assert.ok((await maxAbs(g1, g2)) < 1e-6);
  }
  assert.throws(() => downsampleMean(tf.zeros([1, 5, 4, 1]), 2), /5×4 is not divisible by 2/);
});
