import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { initEngine } from "../../lib/engine/backend";

test("same seed gives the same stream; different seeds and forks differ", () => {
  const a = new Rng(42),
    b = new Rng(42),
    c = new Rng(43);
  const xa = [a.uniform(), a.normal(), a.int(1000)];
  const xb = [b.uniform(), b.normal(), b.int(1000)];
  assert.deepEqual(xa, xb);
  assert.notEqual(c.uniform(), xa[0]);
  const f1 = new Rng(42).fork("data"),
    f2 = new Rng(42).fork("init");
  assert.notEqual(f1.uniform(), f2.uniform());
});

test("normal() has mean 0 and variance 1 (within sampling error)", () => {
  const r = new Rng(1);
  const n = 200000;
  let s = 0,
    s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  const mean = s / n,
    v = s2 / n - mean * mean;
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(v - 1) < 5 * Math.sqrt(2 / n), `var ${v}`);
});

test("sampleWithoutReplacement draws distinct indices, uniformly", () => {
  const r = new Rng(7);
  const counts = new Array(10).fill(0);
  const reps = 20000;
  for (let t = 0; t < reps; t++) {
    const s = r.sampleWithoutReplacement(10, 3);
    assert.equal(new Set(s).size, 3);
    for (const i of s) counts[i]++;
  }
  // each index appears with probability 3/10; binomial sd = sqrt(reps*0.3*0.7)
  const sd = Math.sqrt(reps * 0.3 * 0.7);
  for (const c of counts) assert.ok(Math.abs(c - reps * 0.3) < 5 * sd, `count ${c}`);
  assert.throws(() => r.sampleWithoutReplacement(3, 4), /cannot draw 4 of 3/);
});

test("seeded tensors are reproducible", async () => {
  await initEngine({ quiet: true });
  const a = await new Rng(5).normalTensor([4]).data();
  const b = await new Rng(5).normalTensor([4]).data();
  assert.deepEqual(Array.from(a), Array.from(b));
});
