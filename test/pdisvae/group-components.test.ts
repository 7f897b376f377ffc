// Effective components of latent groups (lib/pdisvae/group-components): the Jacobi eigen-solver against
// closed forms and random reconstructions, and dummy-direction detection on a linear model whose dummy
// direction is rotated inside its group.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import {
  contributionCoverage,
  contributionR2,
  groupComponents,
  partOf,
  pcaReconstructionRmse,
  symmetricEigen,
} from "../../lib/pdisvae/group-components";
import { matMul, near, normalRows } from "../eval/eval-helpers";

test("symmetricEigen: closed forms, orthonormal vectors, A = V Λ Vᵀ", () => {
  const e2 = symmetricEigen([
    [2, 1],
    [1, 2],
  ]);
  near(e2.values[0], 3, "λ₁ of [[2,1],[1,2]]");
  near(e2.values[1], 1, "λ₂");
  near(Math.abs(e2.vectors[0][0]), Math.SQRT1_2, "v₁", 1e-12);
  near(e2.vectors[0][0] * e2.vectors[0][1], 0.5, "v₁ = ±(1,1)/√2", 1e-12);
  const diag = symmetricEigen([
    [1, 0, 0],
    [0, 5, 0],
    [0, 0, 3],
  ]);
  assert.deepEqual(diag.values, [5, 3, 1]);
  assert.deepEqual(
    diag.vectors.map((v) => v.map(Math.abs)),
    [
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ],
  );
  const rng = new Rng("group-components/eig");
  for (const n of [1, 4, 12]) {
    const B = normalRows(rng, n, n);
    const S = matMul(
      B,
      B.map((_, i) => B.map((r) => r[i])),
    ); // B Bᵀ
    const { values, vectors } = symmetricEigen(S);
    for (let i = 1; i < n; i++) assert.ok(values[i] <= values[i - 1]);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        near(
          vectors[i].reduce((s, v, k) => s + v * vectors[j][k], 0),
          i === j ? 1 : 0,
          `vᵢ·vⱼ (n=${n})`,
          1e-10,
        );
        near(
          values.reduce((s, l, k) => s + l * vectors[k][i] * vectors[k][j], 0),
          S[i][j],
          `(VΛVᵀ)[${i}][${j}]`,
          1e-9,
          1e-9,
        );
      }
  }
  assert.throws(
    () =>
      symmetricEigen([
        [1, 2],
        [0, 1],
      ]),
    /not symmetric/,
  );
  assert.throws(() => symmetricEigen([[1, 2]]), /row 0 has 2 entries/);
});

test("groupComponents finds a dummy direction rotated inside a group and keeps the reconstruction", () => {
  const rng = new Rng("group-components/model");
  const N = 400,
    D = 30;
  // true components: group 0 has one effective (u) and one dummy direction, rotated by 30°; group 1 two effective.
  const s = normalRows(rng, N, 3); // [u, v, w]
  const th = Math.PI / 6,
    c = Math.cos(th),
    sn = Math.sin(th);
  // latent coordinates of group 0: (z0, z1) = u·(c, s) + tiny noise·(−s, c) → the effective direction is (c, s)
  const mu = s.map((r) => [c * r[0] - sn * 1e-3 * r[2], sn * r[0] + c * 1e-3 * r[2], r[1], 0.5 * r[2]]);
  const logVar = mu.map((r) => [Math.log(0.01), Math.log(0.01), Math.log(0.04), Math.log(0.04)]);
  const a = normalRows(rng, D, 3); // series of u, v, w
  // decoder columns: group 0's dims carry a_u along (c, s) and nothing along the dummy (−s, c)
  const decoder = a.map((r) => [c * r[0], sn * r[0], r[1], r[2]]);
  const res = groupComponents(
    mu,
    logVar,
    decoder,
    [
      [0, 1],
      [2, 3],
    ],
    { minShare: 0.01 },
  );
  assert.deepEqual(res.effectiveRank, [1, 2]);
  const [eff, dummy] = res.groups[0];
  assert.equal(eff.effective, true);
  assert.equal(dummy.effective, false);
  near(Math.abs(eff.direction[0]), c, "effective direction (cos 30°)", 1e-5);
  near(Math.abs(eff.direction[1]), sn, "effective direction (sin 30°)", 1e-5);
  assert.ok(dummy.share < 1e-5, `dummy share ${dummy.share}`);
  // map · series of the effective component = u a_uᵀ (up to a common sign, fixed by the map's peak)
  const peak = s.reduce((m, r) => (Math.abs(r[0]) > Math.abs(m) ? r[0] : m), 0);
  const sign = Math.sign(peak);
  for (let n = 0; n < N; n += 97) near(eff.map[n], sign * s[n][0], `map[${n}]`, 1e-3, 1e-3);
  for (let dd = 0; dd < D; dd += 7) near(eff.series[dd], sign * a[dd][0], `series[${dd}]`, 1e-12, 1e-9);
  assert.ok(
    eff.map.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0) > 0,
    "largest-magnitude map entry is positive",
  );
  // the components of a group add up to its contribution μ_g A_gᵀ (orthogonal rotation)
  for (const g of [0, 1]) {
    const dims = g === 0 ? [0, 1] : [2, 3];
    for (const [n, dd] of [
      [0, 0],
      [13, 5],
      [399, 29],
    ]) {
      const direct = dims.reduce((acc, k) => acc + mu[n][k] * decoder[dd][k], 0);
      const summed = res.groups[g].reduce((acc, comp) => acc + comp.map[n] * comp.series[dd], 0);
      near(summed, direct, `group ${g} contribution at (${n}, ${dd})`, 1e-10, 1e-10);
    }
  }
  near(
    res.groups.flat().reduce((t, comp) => t + comp.share, 0),
    1,
    "shares sum to 1",
    1e-12,
  );
  // KL of the dummy: posterior N(≈0, 0.01) against N(0, 1) → ½(0.01 − 1 − log 0.01) ≈ 1.81, mean ≈ same; of w (var 0.25 + 0.04)
  near(dummy.meanKL, 0.5 * (0.01 - 1 - Math.log(0.01)), "dummy KL", 1e-3);
  assert.ok(
    Number.isNaN(
      groupComponents(mu, null, decoder, [
        [0, 1],
        [2, 3],
      ]).groups[0][0].meanKL,
    ),
  );
  // posterior ≈ prior: the same model with σ² = 1 along w (dim 3) carries little information → not effective by minKL
  const wide = logVar.map((r) => [r[0], r[1], r[2], 0]);
  const w = groupComponents(mu, wide, decoder, [
    [0, 1],
    [2, 3],
  ]);
  const wComp = w.groups[1].find((comp) => Math.abs(comp.direction[1]) > 0.99)!;
  near(wComp.meanKL, 0.5 * 0.25, "KL of N(m, 1) with E[m²] ≈ 0.25", 0.03);
  assert.equal(wComp.effective, false);
  assert.ok(wComp.share > 0.01, "large enough by share alone");
  assert.deepEqual(w.effectiveRank, [1, 1]);
  assert.equal(
    groupComponents(
      mu,
      wide,
      decoder,
      [
        [0, 1],
        [2, 3],
      ],
      { minKL: 0.05 },
    ).effectiveRank[1],
    2,
  );
  assert.throws(
    () =>
      groupComponents(
        mu,
        logVar,
        decoder.map((r) => r.slice(0, 3)),
        [
          [0, 1],
          [2, 3],
        ],
      ),
    /decoder has 3 columns/,
  );
  assert.throws(
    () =>
      groupComponents(mu, logVar, decoder, [
        [0, 1],
        [1, 3],
      ]),
    /not disjoint/,
  );
});

test("contributionR2 and contributionCoverage score parts of a low-rank matrix; a split part needs the union", () => {
  const rng = new Rng("group-components/contribution");
  const N = 300,
    D = 20;
  const m = normalRows(rng, 4, N),
    s = normalRows(rng, 4, D);
  const part = (idx: number[], scale = 1) => ({
    maps: idx.map((i) => m[i].map((v) => v * scale)),
    series: idx.map((i) => s[i]),
  });
  const truth = [part([0, 1]), part([2])];
  const r2 = contributionR2(truth, [
    part([0, 1]),
    part([0]),
    part([1]),
    part([2]),
    part([3]),
    { maps: [], series: [] },
    part([0, 1], 0.5),
  ]);
  near(r2[0][0], 1, "exact", 1e-12);
  assert.ok(
    r2[0][1] > 0.2 && r2[0][1] < 0.8 && r2[0][2] > 0.2 && r2[0][2] < 0.8,
    `each half alone: ${r2[0][1]}, ${r2[0][2]}`,
  );
  // the two halves are uncorrelated-ish, so their R² add up to ≈ 1
  near(r2[0][1] + r2[0][2], 1, "halves add up", 0.1);
  near(r2[1][3], 1, "rank-1 exact", 1e-12);
  assert.ok(r2[1][4] < 0, `another part scores < 0: ${r2[1][4]}`);
  near(r2[1][5], 0, "empty estimate", 1e-12);
  near(r2[0][6], 0.75, "half the size: 1 − 0.25", 1e-12);
  // against the dense computation, with map offsets (removed by centring)
  const dense = (p: { maps: number[][]; series: number[][] }) => {
    const out = Array.from({ length: N }, () => new Array<number>(D).fill(0));
    p.maps.forEach((mp, i) => {
      const mean = mp.reduce((a, b) => a + b, 0) / N;
      for (let n = 0; n < N; n++) for (let d = 0; d < D; d++) out[n][d] += (mp[n] - mean) * p.series[i][d];
    });
    return out;
  };
  const a = { maps: [m[0].map((v) => v + 3), m[2]], series: [s[0], s[2]] },
    b = { maps: [m[0], m[3]], series: [s[1], s[3]] };
  const da = dense(a),
    db = dense(b);
  let num = 0,
    den = 0;
  for (let n = 0; n < N; n++)
    for (let d = 0; d < D; d++) {
      num += (da[n][d] - db[n][d]) ** 2;
      den += da[n][d] ** 2;
    }
  near(contributionR2([a], [b])[0][0], 1 - num / den, "dense R²", 1e-10, 1e-10);
  assert.throws(() => contributionR2([part([0])], [{ maps: [m[0].slice(1)], series: [s[0]] }]), /map 0 has 299 values/);
  assert.throws(
    () => contributionR2([{ maps: [new Array<number>(N).fill(2)], series: [s[0]] }], [part([0])]),
    /zero after centring/,
  );
  // coverage: all of a part, whatever else the estimate holds; each half of a split part ≈ ½
  const cov = contributionCoverage(truth, [part([0, 1, 2]), part([0]), part([1]), part([3]), part([0, 1], 0.5)]);
  near(cov[0][0], 1, "the union of truth 0 and 1 covers truth 0 (random parts: nearly orthogonal)", 0.02);
  near(cov[1][0], 1, "… and truth 1", 0.02);
  assert.ok(
    r2[0][0] === 1 && contributionR2(truth, [part([0, 1, 2])])[0][0] < 0.9,
    "R² penalises the extra part, coverage does not",
  );
  near(cov[0][1] + cov[0][2], 1, "halves add up to 1", 1e-12);
  assert.ok(Math.abs(cov[0][3]) < 0.1, `unrelated: ${cov[0][3]}`);
  near(cov[0][4], 0.5, "half the size", 1e-12);
  // partOf: a group's components as a part
  const gc = groupComponents(
    m[0].map((v, n) => [v, m[1][n]]),
    null,
    s[0].map((v, d) => [v, s[1][d]]),
    [[0, 1]],
  );
  near(contributionR2([part([0, 1])], [partOf(gc.groups[0])])[0][0], 1, "rotated components reproduce the group", 1e-9);
});

test("pcaReconstructionRmse: exact for a rank-r signal, the noise floor above r", () => {
  const rng = new Rng("group-components/pca");
  const N = 2000,
    D = 12,
    r = 3,
    sd = 0.1;
  const z = normalRows(rng, N, r),
    A = normalRows(rng, r, D);
  const rows = z.map((zz) => A[0].map((_, d) => 5 + zz.reduce((s, v, k) => s + v * A[k][d], 0) + sd * rng.normal()));
  const res = pcaReconstructionRmse(rows, [0, 1, 3, 6, 12]);
  assert.deepEqual(
    res.map((x) => x.k),
    [0, 1, 3, 6, 12],
  );
  near(res[4].rmse, 0, "K = D", 1e-6);
  for (let i = 1; i < res.length; i++) assert.ok(res[i].rmse <= res[i - 1].rmse + 1e-12);
  near(res[2].rmse, sd * Math.sqrt((D - r) / D), "K = r: the noise outside the signal space", 0.004);
  near(res[3].rmse, sd * Math.sqrt((D - 6) / D), "K = 6", 0.004);
  // K = 0: the total variance per entry
  const total = A[0].map((_, d) => {
    const col = rows.map((row) => row[d]);
    const mu = col.reduce((a, b) => a + b, 0) / N;
    return col.reduce((a, b) => a + (b - mu) ** 2, 0) / N;
  });
  near(res[0].rmse, Math.sqrt(total.reduce((a, b) => a + b, 0) / D), "K = 0", 1e-9, 1e-9);
  assert.throws(() => pcaReconstructionRmse(rows, [1.5]), /integer/);
});
