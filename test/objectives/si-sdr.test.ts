// SI-SDR against its definition (float64 reference), its invariances and a closed-form value, and
// permutation-invariant training: the right assignment is found and the gradient follows it.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { pairwiseSiSdr, permutationInvariant, permutations, pitSiSdr, siSdr } from "../../lib/objectives/si-sdr";

before(async () => {
  await initEngine({ quiet: true });
});

/** The definition, in float64: zero-mean both, α = ⟨ŝ, s⟩/|s|², 10 log10(|αs|² / |αs − ŝ|²). */
function siSdrRef(est: number[], ref: number[]): number {
  const m = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const me = m(est),
    mr = m(ref);
  const e = est.map((v) => v - me),
    s = ref.map((v) => v - mr);
  const dot = e.reduce((a, v, i) => a + v * s[i], 0);
  const ss = s.reduce((a, v) => a + v * v, 0);
  const alpha = dot / ss;
  let num = 0,
    den = 0;
  for (let i = 0; i < s.length; i++) {
    num += (alpha * s[i]) ** 2;
    den += (alpha * s[i] - e[i]) ** 2;
  }
  return 10 * Math.log10(num / den);
}

const randn = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.normal());

test("SI-SDR matches the definition on random signals", async () => {
  const rng = new Rng("sisdr");
  const T = 500;
  for (let k = 0; k < 5; k++) {
    const s = randn(rng, T);
    const noise = randn(rng, T);
    const g = [0.1, 0.5, 1, 2, 5][k];
    const est = s.map((v, i) => 0.7 * v + g * noise[i] + 0.3);
    const got = (await siSdr(tf.tensor1d(est), tf.tensor1d(s)).data())[0];
    const want = siSdrRef(est, s);
    assert.ok(Math.abs(got - want) < 1e-3 * Math.max(1, Math.abs(want)), `noise ${g}: ${got} vs ${want}`);
  }
});

test("SI-SDR is invariant to rescaling the estimate or the reference, and to offsets (zero-mean)", async () => {
  const rng = new Rng("inv");
  const s = tf.tensor1d(randn(rng, 400));
  const est = tf.add(s, tf.mul(tf.tensor1d(randn(rng, 400)), 0.3));
  const base = (await siSdr(est, s).data())[0];
  for (const [e, r, what] of [
    [tf.mul(est, 3), s, "estimate ×3"],
    [tf.mul(est, -0.01), s, "estimate ×(−0.01)"],
    [est, tf.mul(s, 0.2), "reference ×0.2"],
    [tf.add(est, 4), tf.sub(s, 2), "offsets"],
  ] as [tf.Tensor, tf.Tensor, string][]) {
    const v = (await siSdr(e, r).data())[0];
    assert.ok(Math.abs(v - base) < 1e-3, `${what}: ${v} vs ${base}`);
  }
});

test("known value: s + n with n orthogonal to s at |s|²/|n|² = 100 gives 20 dB; a perfect estimate is very large", async () => {
  const T = 800;
  // whole periods of sin and cos: both zero-mean and orthogonal
  const s = Array.from({ length: T }, (_, t) => Math.sin((2 * Math.PI * 5 * t) / T));
  const n = Array.from({ length: T }, (_, t) => 0.1 * Math.cos((2 * Math.PI * 5 * t) / T));
  const est = s.map((v, i) => v + n[i]);
  const v = (await siSdr(tf.tensor1d(est), tf.tensor1d(s)).data())[0];
  assert.ok(Math.abs(v - 20) < 1e-3, `SI-SDR ${v}, expected 20 dB`);
  // another level: |n|² = |s|² → 0 dB
  const v0 = (await siSdr(tf.tensor1d(s.map((x, i) => x + 10 * n[i])), tf.tensor1d(s)).data())[0];
  assert.ok(Math.abs(v0) < 1e-3, `SI-SDR ${v0}, expected 0 dB`);
  const perfect = (await siSdr(tf.tensor1d(s), tf.tensor1d(s)).data())[0];
  assert.ok(perfect > 60, `perfect estimate ${perfect} dB`);
});

test("SI-SDR works over leading batch axes: [B, S, T] → [B, S]; pairwise gives [B, S, S]", async () => {
  const rng = new Rng("batch");
  const est = tf.tensor3d(randn(rng, 2 * 3 * 50), [2, 3, 50]);
  const ref = tf.tensor3d(randn(rng, 2 * 3 * 50), [2, 3, 50]);
  const d = siSdr(est, ref);
  assert.deepEqual(d.shape, [2, 3]);
  const pw = pairwiseSiSdr(est, ref);
  assert.deepEqual(pw.shape, [2, 3, 3]);
  const [ev, rv, pv] = [await est.array(), await ref.array(), await pw.array()];
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(pv[b][i][j] - siSdrRef(ev[b][i], rv[b][j])) < 1e-3);
  assert.throws(() => pairwiseSiSdr(est, tf.zeros([2, 2, 50])), /\[B, S, T\]/);
});

test("permutations: all n! in lexicographic order, identity first", () => {
  assert.deepEqual(permutations(3), [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ]);
  assert.equal(permutations(4).length, 24);
});

test("PIT picks the permutation that matches estimates to their sources (2 and 3 sources)", async () => {
  const rng = new Rng("pit");
  const T = 300;
  for (const S of [2, 3]) {
    const perms = permutations(S);
    const B = perms.length;
    const src: number[][][] = [],
      est: number[][][] = [];
    for (let b = 0; b < B; b++) {
      const sources = Array.from({ length: S }, () => randn(rng, T));
      src.push(sources);
      // estimate i is a noisy copy of source perms[b][i]
      est.push(perms[b].map((j) => sources[j].map((v) => v + 0.3 * rng.normal())));
    }
    const r = pitSiSdr(tf.tensor3d(est), tf.tensor3d(src));
    assert.deepEqual(r.perms, perms);
    assert.deepEqual(
      Array.from(await r.perm.data()),
      perms.map((_, b) => b),
      `S=${S}: example b used permutation b`,
    );
    const values = await r.value.data();
    for (let b = 0; b < B; b++) {
      const want = perms[b].reduce((a, j, i) => a + siSdrRef(est[b][i], src[b][j]), 0) / S;
      assert.ok(Math.abs(values[b] - want) < 1e-3, `S=${S} b=${b}: ${values[b]} vs ${want}`);
    }
  }
});

test("PIT: min mode and the gradient flows through the chosen assignment only", async () => {
  const m = tf.tensor3d([
    [
      [1, 5],
      [7, 2],
    ],
  ]); // identity: mean(1, 2) = 1.5; swap: mean(5, 7) = 6
  const mx = permutationInvariant(m, "max");
  assert.deepEqual(Array.from(await mx.value.data()), [6]);
  assert.deepEqual(Array.from(await mx.perm.data()), [1]);
  const mn = permutationInvariant(m, "min");
  assert.deepEqual(Array.from(await mn.value.data()), [1.5]);
  assert.deepEqual(Array.from(await mn.perm.data()), [0]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(permutationInvariant(x, "max").value))(m);
  assert.deepEqual(Array.from(await g.data()), [0, 0.5, 0.5, 0]);
});
