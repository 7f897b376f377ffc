// The linear PDisVAE synthetic sets (Sec. 4.1 group-wise, A.4.2 fully independent) and the Table 2 XOR
// table: shapes, standardisation, group independence and within-group dependence, the noise level and
// the mixing, the split, and reproducibility by seed.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  groupwiseSynthetic,
  independentSynthetic,
  shapeMoments,
  SHAPES,
  ShapeName,
} from "../../lib/data/pdisvae-synthetic";
import { column, trainTest } from "../../lib/data/dataset";
import { sampleXor, XOR_TABLE, xorJoint, xorMarginal, xorMutualInformation } from "../../lib/data/xor-table";
import { binnedMI, corr, corrSquares, mean, variance } from "./stats";

test("group-wise set: sizes, names, groups, split and the resolved config", () => {
  const d = groupwiseSynthetic();
  assert.deepEqual(d.x.shape, [2000, 20]);
  assert.deepEqual(d.z.shape, [2000, 6]);
  assert.deepEqual(d.clean.shape, [2000, 20]);
  assert.deepEqual(d.mixing.shape, [20, 6]);
  assert.deepEqual(d.groups, [
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  assert.equal(d.zNames.length, 6);
  assert.equal(d.split.train.length, 1600);
  assert.equal(d.split.test.length, 400);
  const all = [...d.split.train, ...d.split.test].sort((a, b) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 2000 }, (_, i) => i),
    "train and test partition the rows",
  );
  assert.deepEqual(d.key, {
    kind: "pdisvae-groupwise",
    n: 2000,
    dim: 20,
    noise: 0.5,
    testFraction: 0.2,
    seed: 0,
    mapSeed: "vaelab-pdisvae-linear",
    splitSeed: 0,
    components: ["ring", "moons", "spiral"],
  });
  const tt = trainTest(d);
  assert.deepEqual(tt.train.x.shape, [1600, 20]);
  assert.deepEqual(tt.test.z.shape, [400, 6]);
  const r = d.split.test[7];
  assert.deepEqual(
    Array.from(tt.test.x.values.slice(7 * 20, 8 * 20)),
    Array.from(d.x.values.slice(r * 20, (r + 1) * 20)),
  );
  assert.throws(() => groupwiseSynthetic({ n: 0 }), /n must be an integer ≥ 1, got 0/);
  assert.throws(() => groupwiseSynthetic({ shapes: ["ring", "square" as ShapeName] }), /unknown shape "square"/);
  assert.throws(() => groupwiseSynthetic({ testFraction: 1 }), /testFraction must be in \[0, 1\)/);
});

test("group-wise set: latents standardised; groups independent; components within a group dependent, also after whitening", () => {
  const d = groupwiseSynthetic({ seed: 1 });
  const z = Array.from({ length: 6 }, (_, k) => column(d.z, k));
  const se = 1 / Math.sqrt(2000);
  for (let k = 0; k < 6; k++) {
    assert.ok(Math.abs(mean(z[k])) < 5 * se, `z${k + 1} mean ${mean(z[k])}`);
    assert.ok(Math.abs(variance(z[k]) - 1) < 0.1, `z${k + 1} variance ${variance(z[k])}`);
  }
  const group = (k: number) => Math.floor(k / 2);
  for (let i = 0; i < 6; i++) {
    for (let j = i + 1; j < 6; j++) {
      const c = corr(z[i], z[j]),
        c2 = corrSquares(z[i], z[j]),
        mi = binnedMI(z[i], z[j]);
      if (group(i) !== group(j)) {
        assert.ok(Math.abs(c) < 4.5 * se, `cross-group corr(z${i + 1}, z${j + 1}) = ${c}`);
        assert.ok(Math.abs(c2) < 4.5 * se * 1.5, `cross-group corr of squares (z${i + 1}, z${j + 1}) = ${c2}`);
        assert.ok(mi < 0.03, `cross-group binned MI (z${i + 1}, z${j + 1}) = ${mi}`);
      } else {
        assert.ok(Math.abs(c2) > 0.3, `within-group corr of squares (z${i + 1}, z${j + 1}) = ${c2}`);
        assert.ok(mi > 0.2, `within-group binned MI (z${i + 1}, z${j + 1}) = ${mi}`);
      }
    }
  }
  // No linear map makes a group's pair independent: whiten each pair (zero correlation, unit variance) and
  // rotate it by several angles; the rank-binned MI stays far from 0.
  for (let g = 0; g < 3; g++) {
    const a = z[2 * g],
      b = z[2 * g + 1];
    const r = corr(a, b);
    const w1 = a,
      w2 = b.map((v, i) => (v - r * a[i]) / Math.sqrt(1 - r * r));
    for (const angle of [0, Math.PI / 8, Math.PI / 4, (3 * Math.PI) / 8]) {
      const c = Math.cos(angle),
        s = Math.sin(angle);
      const u = w1.map((v, i) => c * v + s * w2[i]),
        v2 = w1.map((v, i) => -s * v + c * w2[i]);
      const mi = binnedMI(u, v2);
      assert.ok(mi > 0.1, `group ${g + 1} whitened and rotated by ${angle.toFixed(2)}: binned MI ${mi}`);
    }
  }
});

test("group-wise set: x = A z + noise with A ~ N(0, 1), noise sd 0.5", () => {
  const d = groupwiseSynthetic({ seed: 2 });
  const [N, D] = d.x.shape,
    K = 6;
  for (let i = 0; i < 5; i++) {
    for (let dd = 0; dd < D; dd++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += d.mixing.values[dd * K + k] * d.z.values[i * K + k];
      assert.ok(Math.abs(s - d.clean.values[i * D + dd]) < 1e-4, "clean = A z");
    }
  }
  const resid = Array.from(d.x.values, (v, i) => v - d.clean.values[i]);
  const sd = Math.sqrt(variance(resid));
  assert.ok(Math.abs(sd / 0.5 - 1) < 0.02, `noise sd ${sd}`); // 40 000 residuals: SE ≈ 0.35 %
  assert.ok(Math.abs(mean(resid)) < (5 * 0.5) / Math.sqrt(N * D));
  const A = Array.from(d.mixing.values);
  assert.ok(
    Math.abs(mean(A)) < 0.3 && Math.abs(variance(A) - 1) < 0.4,
    `A entries mean ${mean(A)} variance ${variance(A)}`,
  );
  // reconstruction R² of a perfect model ≈ 0.96 (the paper reports ≈ 0.97 for every method)
  const r2 = 1 - variance(resid) / variance(Array.from(d.x.values));
  assert.ok(r2 > 0.94 && r2 < 0.98, `R² of the clean signal ${r2}`);
});

test("group-wise set: reproducible by seed; seed, mapSeed and splitSeed act separately", () => {
  const a = groupwiseSynthetic({ seed: 3 }),
    b = groupwiseSynthetic({ seed: 3 });
  assert.deepEqual(a.x.values, b.x.values);
  assert.deepEqual(a.z.values, b.z.values);
  assert.deepEqual(a.split, b.split);
  const c = groupwiseSynthetic({ seed: 4 });
  assert.notDeepEqual(a.z.values, c.z.values);
  assert.deepEqual(a.mixing.values, c.mixing.values, "A depends on mapSeed only");
  const m = groupwiseSynthetic({ seed: 3, mapSeed: "other" });
  assert.deepEqual(m.z.values, a.z.values);
  assert.notDeepEqual(m.mixing.values, a.mixing.values);
  const s = groupwiseSynthetic({ seed: 3, splitSeed: 99 });
  assert.deepEqual(s.x.values, a.x.values);
  assert.notDeepEqual(s.split.test, a.split.test);
  const f = groupwiseSynthetic({ seed: 3, testFraction: 0.5 });
  assert.deepEqual(f.x.values, a.x.values, "the test fraction never changes a point");
  // a group's draws do not depend on the other groups' shapes
  const other = groupwiseSynthetic({ seed: 3, shapes: ["ring", "banana", "spiral"] });
  assert.deepEqual(column(other.z, 0), column(a.z, 0));
  assert.deepEqual(column(other.z, 5), column(a.z, 5));
});

test("shape constants standardise every shape; banana and the independent laws have their stated moments", () => {
  for (const name of Object.keys(SHAPES) as ShapeName[]) {
    const { sd } = shapeMoments(name);
    assert.ok(
      sd.every((s) => s > 0.05),
      `${name} sd ${sd}`,
    );
    const d = groupwiseSynthetic({ shapes: [name], n: 4000, testFraction: 0, seed: 5 });
    for (const k of [0, 1]) {
      const v = column(d.z, k);
      assert.ok(
        Math.abs(mean(v)) < 0.08 && Math.abs(variance(v) - 1) < 0.08,
        `${name}[${k}] mean ${mean(v)} var ${variance(v)}`,
      );
    }
  }
});

test("fully independent set (A.4.2): K = 3 non-Gaussian independent latents, D = 20, noise 0.5", () => {
  const d = independentSynthetic({ seed: 6 });
  assert.deepEqual(d.x.shape, [2000, 20]);
  assert.deepEqual(d.z.shape, [2000, 3]);
  assert.deepEqual(d.groups, [[0], [1], [2]]);
  assert.equal(d.key.kind, "pdisvae-independent");
  const z = [0, 1, 2].map((k) => column(d.z, k));
  const kurt = (v: number[]) => mean(v.map((x) => x ** 4)) / variance(v) ** 2 - 3;
  for (const v of z) assert.ok(Math.abs(mean(v)) < 0.1 && Math.abs(variance(v) - 1) < 0.1);
  assert.ok(Math.abs(kurt(z[0]) + 1.2) < 0.15, `uniform excess kurtosis ${kurt(z[0])} (−1.2)`);
  assert.ok(kurt(z[1]) < -1, `bimodal excess kurtosis ${kurt(z[1])} (≈ −1.31)`);
  assert.ok(Math.abs(kurt(z[2]) - 3) < 1.2, `Laplace excess kurtosis ${kurt(z[2])} (3)`);
  assert.ok(Math.max(...z[0]) <= Math.sqrt(3) && Math.min(...z[0]) >= -Math.sqrt(3));
  // bimodal: few values near 0 compared with a Gaussian of the same variance
  assert.ok(z[1].filter((v) => Math.abs(v) < 0.2).length < 0.1 * 2000);
  for (let i = 0; i < 3; i++) {
    for (let j = i + 1; j < 3; j++) {
      assert.ok(Math.abs(corr(z[i], z[j])) < 0.1);
      assert.ok(Math.abs(corrSquares(z[i], z[j])) < 0.1);
      assert.ok(binnedMI(z[i], z[j]) < 0.03);
    }
  }
  const resid = Array.from(d.x.values, (v, i) => v - d.clean.values[i]);
  assert.ok(Math.abs(Math.sqrt(variance(resid)) / 0.5 - 1) < 0.02);
  assert.deepEqual(independentSynthetic({ seed: 6 }).x.values, d.x.values);
  assert.notDeepEqual(independentSynthetic({ seed: 7 }).x.values, d.x.values);
});

test("Table 2: the exact XOR table, pairwise independence, group dependence, and the sampler", () => {
  assert.deepEqual(
    XOR_TABLE.map((r) => [...r.z, r.p]),
    [
      [0, 0, 1, 0.25],
      [0, 1, 0, 0.25],
      [1, 0, 0, 0.25],
      [1, 1, 1, 0.25],
    ],
  );
  assert.equal(
    XOR_TABLE.reduce((s, r) => s + r.p, 0),
    1,
  );
  assert.equal(xorJoint(0, 0, 0), 0);
  assert.equal(xorJoint(1, 1, 1), 0.25);
  // pairwise: p(zi, zj) = p(zi) p(zj) exactly
  for (const [i, j] of [
    [0, 1],
    [0, 2],
    [1, 2],
  ]) {
    const pij = xorMarginal([i, j]),
      pi = xorMarginal([i]),
      pj = xorMarginal([j]);
    for (const a of [0, 1])
      for (const b of [0, 1]) assert.equal(pij.get(`${a},${b}`), (pi.get(`${a}`) ?? 0) * (pj.get(`${b}`) ?? 0));
    assert.equal(xorMutualInformation([i], [j]), 0);
  }
  // but (z1, z2) and z3 are not independent: I((z1,z2); z3) = log 2
  assert.ok(Math.abs(xorMutualInformation([0, 1], [2]) - Math.log(2)) < 1e-12);
  const s = sampleXor(4000, 8);
  assert.deepEqual(s.z.shape, [4000, 3]);
  assert.deepEqual(s.groups, [[0, 1], [2]]);
  assert.equal(s.split.test.length, 800);
  const counts = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const key = Array.from(s.z.values.slice(3 * i, 3 * i + 3)).join(",");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort(), ["0,0,1", "0,1,0", "1,0,0", "1,1,1"]);
  for (const c of counts.values()) assert.ok(Math.abs(c / 4000 - 0.25) < 0.03, `row frequency ${c / 4000}`);
  assert.deepEqual(sampleXor(50, 8).z.values, sampleXor(50, 8).z.values);
  assert.notDeepEqual(sampleXor(50, 8).z.values, sampleXor(50, 9).z.values);
});
