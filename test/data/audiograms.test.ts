// Synthetic archetypal audiograms: the covariance has the structure Sec. 3.1 names and is a valid
// covariance; archetype draws match it; the data are Dir(1) convex combinations (recomputed exactly)
// plus 5 dB / 5 year noise; the three-way split; quantisation; the corrupted variants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { splitThreeWay } from "../../lib/data/dataset";
import {
  AUDIOGRAM_COLUMNS,
  AGE_INDEX,
  FREQUENCIES_HZ,
  THRESHOLD_INDICES,
  archetypalAudiograms,
  archetypeDistribution,
  audiogramPart,
  cholesky,
  corruptedAudiograms,
  dirichletOnes,
  matrixRows,
  overallSd,
  sampleArchetypes,
  thresholdIndex,
} from "../../lib/data/audiograms";

test("columns: age then seven frequencies per ear (left, right)", () => {
  assert.equal(AUDIOGRAM_COLUMNS.length, 15);
  assert.equal(AUDIOGRAM_COLUMNS[AGE_INDEX], "age");
  assert.equal(AUDIOGRAM_COLUMNS[thresholdIndex("L", 500)], "L500");
  assert.equal(AUDIOGRAM_COLUMNS[thresholdIndex("R", 8000)], "R8000");
  assert.deepEqual(
    THRESHOLD_INDICES,
    Array.from({ length: 14 }, (_, i) => i + 1),
  );
  assert.throws(() => thresholdIndex("L", 250), /no column for 250 Hz/);
});

test("the archetype covariance has the named structure and is a covariance (L Lᵀ reproduces it)", () => {
  const { mean, cov, corr } = archetypeDistribution();
  const D = 15;
  for (let i = 0; i < D; i++) {
    assert.ok(Math.abs(corr[i][i] - 1) < 1e-12, `unit diagonal at ${i}`);
    for (let j = 0; j < D; j++) {
      assert.ok(Math.abs(corr[i][j] - corr[j][i]) < 1e-12, "symmetric");
      assert.ok(corr[i][j] > 0, `all correlations positive (${AUDIOGRAM_COLUMNS[i]}, ${AUDIOGRAM_COLUMNS[j]})`);
    }
  }
  const L = cholesky(cov);
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) {
      const v = L[i].reduce((s, l, k) => s + l * L[j][k], 0);
      assert.ok(Math.abs(v - cov[i][j]) < 1e-8 * Math.max(1, Math.abs(cov[i][j])), `LLᵀ[${i}][${j}]`);
    }
  // sloping loss: the mean rises with frequency on both ears
  for (const e of ["L", "R"] as const)
    for (let f = 1; f < 7; f++)
      assert.ok(mean[thresholdIndex(e, FREQUENCIES_HZ[f])] > mean[thresholdIndex(e, FREQUENCIES_HZ[f - 1])]);
  // age: older → worse, more so at high frequencies
  for (const e of ["L", "R"] as const)
    for (let f = 1; f < 7; f++)
      assert.ok(corr[0][thresholdIndex(e, FREQUENCIES_HZ[f])] > corr[0][thresholdIndex(e, FREQUENCIES_HZ[f - 1])]);
  // neighbouring frequencies co-vary more than distant ones on the same ear
  const L1k = thresholdIndex("L", 1000);
  assert.ok(corr[L1k][thresholdIndex("L", 2000)] > corr[L1k][thresholdIndex("L", 8000)]);
  // across ears: same frequency more than another frequency
  assert.ok(corr[L1k][thresholdIndex("R", 1000)] > corr[L1k][thresholdIndex("R", 8000)]);
  // same ear more than other ear at the same frequency distance
  assert.ok(corr[L1k][thresholdIndex("L", 2000)] > corr[L1k][thresholdIndex("R", 2000)]);
  assert.throws(() => archetypeDistribution({ personShare: 0.9 }), /a_f² \+ p \+ q must be ≤ 1/);
});

test("archetype draws have the closed-form mean and covariance (20 000 draws)", () => {
  const { mean, cov } = archetypeDistribution();
  const n = 20000;
  const X = sampleArchetypes(n, new Rng("arch-moments"));
  const D = 15;
  const m = new Array(D).fill(0);
  for (const x of X) x.forEach((v, d) => (m[d] += v / n));
  m.forEach((v, d) => assert.ok(Math.abs(v - mean[d]) < 4 * Math.sqrt(cov[d][d] / n), `mean[${d}] ${v} vs ${mean[d]}`));
  for (let i = 0; i < D; i++)
    for (let j = 0; j <= i; j++) {
      let c = 0;
      for (const x of X) c += (x[i] - m[i]) * (x[j] - m[j]);
      c /= n - 1;
      const tol = 5 * Math.sqrt((cov[i][i] * cov[j][j] + cov[i][j] ** 2) / n);
      assert.ok(Math.abs(c - cov[i][j]) < tol, `cov[${i}][${j}] ${c} vs ${cov[i][j]} (tol ${tol})`);
    }
});

test("Dir(1) weights: on the simplex, mean 1/k, variance (k−1)/(k²(k+1))", () => {
  const rng = new Rng("dir");
  const k = 5,
    n = 40000;
  let s = 0,
    s2 = 0;
  for (let i = 0; i < n; i++) {
    const w = dirichletOnes(k, rng);
    assert.ok(Math.abs(w.reduce((p, q) => p + q, 0) - 1) < 1e-12 && w.every((v) => v > 0));
    s += w[2];
    s2 += w[2] * w[2];
  }
  const mean = s / n,
    v = s2 / n - mean * mean;
  assert.ok(Math.abs(mean - 0.2) < 0.003, `mean ${mean}`);
  assert.ok(Math.abs(v - 4 / 150) < 0.0015, `variance ${v} vs ${4 / 150}`);
});

test("the data set: N = 4096 convex combinations of 5 archetypes plus 5 dB / 5 year noise; 80/10/10 split", () => {
  const d = archetypalAudiograms({ seed: 1 });
  assert.deepEqual(d.x.shape, [4096, 15]);
  assert.deepEqual(d.archetypes.shape, [5, 15]);
  assert.deepEqual(d.weights.shape, [4096, 5]);
  const A = matrixRows(d.archetypes),
    W = matrixRows(d.weights),
    C = matrixRows(d.clean),
    X = matrixRows(d.x);
  let r2 = 0,
    a2 = 0;
  for (let i = 0; i < 4096; i++) {
    for (let j = 0; j < 15; j++) {
      const want = W[i].reduce((s, w, k) => s + w * A[k][j], 0);
      assert.ok(Math.abs(C[i][j] - want) < 1e-3, `clean[${i}][${j}] ${C[i][j]} vs ${want}`);
      const lo = Math.min(...A.map((a) => a[j])),
        hi = Math.max(...A.map((a) => a[j]));
      assert.ok(C[i][j] >= lo - 1e-3 && C[i][j] <= hi + 1e-3, "inside the archetypes' hull");
      if (j === 0) a2 += (X[i][j] - C[i][j]) ** 2;
      else r2 += (X[i][j] - C[i][j]) ** 2;
    }
  }
  const thrSd = Math.sqrt(r2 / (4096 * 14)),
    ageSd = Math.sqrt(a2 / 4096);
  // the clean data spread well above the 5 dB noise (the archetype sds are chosen for that)
  const spread = overallSd(d.clean, undefined, "per-dimension").slice(1);
  const meanSpread = spread.reduce((s, v) => s + v, 0) / 14;
  assert.ok(meanSpread > 10 && meanSpread < 30, `mean threshold spread of the clean data ${meanSpread} dB`);
  assert.ok(Math.abs(thrSd - 5) < 0.1, `threshold noise sd ${thrSd}`);
  assert.ok(Math.abs(ageSd - 5) < 0.25, `age noise sd ${ageSd}`);
  assert.deepEqual([d.split.train.length, d.split.validation.length, d.split.test.length], [3276, 410, 410]);
  const all = [...d.split.train, ...d.split.validation, ...d.split.test].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 4096 }, (_, i) => i),
  );
  const te = audiogramPart(d, "test");
  assert.deepEqual(
    Array.from(te.x.values.subarray(0, 15)),
    X[d.split.test[0]].map((v) => Math.fround(v)),
  );
  // deterministic; another seed differs
  assert.deepEqual(
    archetypalAudiograms({ seed: 1, n: 50 }).x.values,
    archetypalAudiograms({ seed: 1, n: 50 }).x.values,
  );
  assert.notDeepEqual(
    archetypalAudiograms({ seed: 2, n: 50 }).x.values,
    archetypalAudiograms({ seed: 1, n: 50 }).x.values,
  );
  assert.deepEqual(splitThreeWay(10, 0.2, 0.3, "s"), splitThreeWay(10, 0.2, 0.3, "s"));
  assert.throws(() => splitThreeWay(10, 0.5, 0.5, "s"), /must be < 1/);
});

test("quantize: thresholds on the 5 dB grid, age in whole years", () => {
  const d = archetypalAudiograms({ seed: 3, n: 200, quantize: 5 });
  for (const row of matrixRows(d.x)) {
    assert.ok(Number.isInteger(row[0]));
    for (let j = 1; j < 15; j++)
      assert.ok(Math.abs(row[j] / 5 - Math.round(row[j] / 5)) < 1e-9, `${row[j]} not on the 5 dB grid`);
  }
});

test("overallSd: pooled over all entries (numpy X.std()) and per dimension", () => {
  const x = { values: Float32Array.from([1, 10, 3, 14]), shape: [2, 2] as [number, number] };
  // entries 1, 10, 3, 14: mean 7, squared deviations 36, 9, 16, 49 → var 27.5
  assert.ok(Math.abs(overallSd(x, undefined)[0] - Math.sqrt(27.5)) < 1e-12);
  assert.deepEqual(overallSd(x, undefined, "per-dimension"), [1, 2]);
  assert.ok(Math.abs(overallSd(x, [1])[0] - 5.5) < 1e-12);
});

test("corrupted variants: only the archetypes change, by scale × the training data's pooled sd", () => {
  const base = archetypalAudiograms({ seed: 4, n: 600 });
  const same = corruptedAudiograms(base, { scale: 0, seed: 9 });
  for (let i = 0; i < base.x.values.length; i++) assert.ok(Math.abs(same.x.values[i] - base.x.values[i]) < 1e-3);
  assert.deepEqual(same.weights.values, base.weights.values);
  const sd = overallSd(base.x, base.split.train)[0];
  for (const scale of [0.05, 0.5]) {
    const c = corruptedAudiograms(base, { scale, seed: 9 });
    assert.deepEqual(c.split, base.split);
    assert.equal(c.corruption.sd[0], sd);
    const A0 = matrixRows(base.archetypes),
      A1 = matrixRows(c.archetypes);
    let s2 = 0;
    A1.forEach((a, k) =>
      a.forEach((v, j) => {
        assert.ok(Math.abs(v - A0[k][j] - c.corruption.delta[k][j]) < 1e-3);
        s2 += c.corruption.delta[k][j] ** 2;
      }),
    );
    const got = Math.sqrt(s2 / 75);
    assert.ok(got > 0.6 * scale * sd && got < 1.4 * scale * sd, `perturbation sd ${got} vs ${scale * sd}`);
    assert.equal((c.key as { kind: string }).kind, "corrupted-archetypal-audiograms");
  }
  // larger corruption moves the data further from the base set
  const dist = (s: number) => {
    const c = corruptedAudiograms(base, { scale: s, seed: 9 });
    let e = 0;
    for (let i = 0; i < c.x.values.length; i++) e += (c.x.values[i] - base.x.values[i]) ** 2;
    return e;
  };
  assert.ok(dist(0.5) > 50 * dist(0.05));
});
