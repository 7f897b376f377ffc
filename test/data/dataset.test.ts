// The shared pieces of lib/data/dataset: seeded splits, row subsets, reference moments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { column, referenceMoments, splitIndices, takeRows } from "../../lib/data/dataset";
import { Rng } from "../../lib/engine/rng";

test("splitIndices: sizes, disjoint ascending cover, determined by (n, fraction, seed)", () => {
  const s = splitIndices(10, 0.3, 5);
  assert.equal(s.test.length, 3);
  assert.equal(s.train.length, 7);
  assert.deepEqual(
    [...s.train, ...s.test].sort((a, b) => a - b),
    Array.from({ length: 10 }, (_, i) => i),
  );
  assert.deepEqual(
    s.train,
    [...s.train].sort((a, b) => a - b),
  );
  assert.deepEqual(splitIndices(10, 0.3, 5), s);
  assert.notDeepEqual(splitIndices(100, 0.3, 6).test, splitIndices(100, 0.3, 5).test);
  assert.deepEqual(splitIndices(4, 0, 1), { seed: 1, train: [0, 1, 2, 3], test: [] });
  assert.throws(() => splitIndices(4, 1, 1), /testFraction must be in \[0, 1\)/);
});

test("takeRows keeps trailing shapes; column reads a matrix column", () => {
  const a = { values: Float32Array.from({ length: 12 }, (_, i) => i), shape: [3, 2, 2] };
  const t = takeRows(a, [2, 0]);
  assert.deepEqual(t.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(t.values), [8, 9, 10, 11, 0, 1, 2, 3]);
  assert.throws(() => takeRows(a, [3]), /row 3 outside 0…2/);
  assert.deepEqual(column({ values: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2] }, 1), [2, 4, 6]);
});

test("referenceMoments of a known law", () => {
  const m = referenceMoments((r) => [r.uniform(), 2 + 3 * r.normal()], new Rng(1), 50_000);
  assert.ok(Math.abs(m.mean[0] - 0.5) < 0.01 && Math.abs(m.sd[0] - Math.sqrt(1 / 12)) < 0.01);
  assert.ok(Math.abs(m.mean[1] - 2) < 0.05 && Math.abs(m.sd[1] - 3) < 0.05);
});
