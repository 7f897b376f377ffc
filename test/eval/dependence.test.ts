// Dependence measures on samples (lib/eval/dependence): correlation matrix, KSG MI per pair and per group,
// chain-rule PC against the Gaussian closed form, permutation nulls, the linear-Gaussian posterior and
// projection, the IS partial correlation against a direct computation, plug-in MI of discrete samples,
// and the push-forward used for Theorem A.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { initEngine } from "../../lib/engine/backend";
import {
  correlationMatrix,
  pairwiseMutualInformation,
  groupMutualInformation,
  knnPartialCorrelation,
  permutationNull,
  summarizeNull,
  linearGaussianPosterior,
  projectOntoColumns,
  isPartialCorrelation,
  plugInMutualInformation,
  millerMadowBias,
  pushForward,
  conditionalTable,
  mapRows,
  conditionalMutualInformation,
} from "../../lib/eval/dependence";
import { ksgMutualInformation } from "../../lib/eval/knn-mi";
import { gaussianPartialCorrelation } from "../../lib/prob/correlation";
import { mutualInformation, xorTable } from "../../lib/eval/discrete-independence";
import { sampleXor } from "../../lib/data/xor-table";
import { near, normalRows, matMul } from "./eval-helpers";

/** n rows of a zero-mean Gaussian with covariance L Lᵀ. */
function gaussianRows(rng: Rng, n: number, L: number[][]): number[][] {
  return normalRows(rng, n, L.length).map((e) => L.map((row) => row.reduce((s, v, k) => s + v * e[k], 0)));
}

test("correlationMatrix: ±1 for linear relations, hand value for a small set, symmetric", () => {
  const rows = [
    [1, 2, 5, 1],
    [2, 4, 3, 0],
    [3, 6, 1, 2],
    [4, 8, -1, 1],
  ];
  const c = correlationMatrix(rows);
  near(c[0][1], 1, "linear", 1e-12);
  near(c[0][2], -1, "anti-linear", 1e-12);
  // columns 0 and 3: x = 1..4, y = 1,0,2,1 → cov 0.5·(…)
  const x = [1, 2, 3, 4],
    y = [1, 0, 2, 1];
  const mx = 2.5,
    my = 1;
  const r =
    x.reduce((s, v, i) => s + (v - mx) * (y[i] - my), 0) /
    Math.sqrt(x.reduce((s, v) => s + (v - mx) ** 2, 0) * y.reduce((s, v) => s + (v - my) ** 2, 0));
  near(c[0][3], r, "hand value", 1e-12);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) near(c[i][j], c[j][i], `symmetry ${i},${j}`, 1e-15);
  assert.throws(() => correlationMatrix([[1, 2], [3]]), /row 1 has 1/);
});

test("pairwise and group KSG MI: Gaussian closed form −½ log(1−ρ²), ≈ 0 across independent blocks, NaN diagonal", () => {
  const rng = new Rng("dep/gauss");
  const rho = 0.8;
  // (z0, z1) correlated ρ; z2 independent
  const L = [
    [1, 0, 0],
    [rho, Math.sqrt(1 - rho * rho), 0],
    [0, 0, 1],
  ];
  const rows = gaussianRows(rng, 3000, L);
  const mi = pairwiseMutualInformation(rows);
  // KSG's spread at N = 3000 is ≈ 0.02 nats
  near(mi[0][1], -0.5 * Math.log(1 - rho * rho), "I(z0; z1)", 0.07);
  near(mi[0][1], mi[1][0], "symmetric", 0);
  assert.ok(Math.abs(mi[0][2]) < 0.07 && Math.abs(mi[1][2]) < 0.07, `independent pairs ${mi[0][2]}, ${mi[1][2]}`);
  assert.ok(mi.every((r, i) => Number.isNaN(r[i])));
  assert.ok(Math.abs(groupMutualInformation(rows, [0, 1], [2])) < 0.07);
  near(
    groupMutualInformation(rows, [0], [1]),
    ksgMutualInformation(
      rows.map((r) => [r[0]]),
      rows.map((r) => [r[1]]),
    ),
    "same as KSG",
    1e-12,
  );
  assert.throws(() => groupMutualInformation(rows, [0, 1], [1]), /overlap/);
  assert.throws(() => groupMutualInformation(rows, [0], [5]), /column 5 outside 0…2/);
});

test("knnPartialCorrelation (chain rule of KSG MIs) matches the Gaussian closed form; ≈ 0 for independent groups", () => {
  const rng = new Rng("dep/pc");
  const L = [
    [1, 0, 0, 0],
    [0.5, 0.8, 0, 0],
    [0.4, 0.3, 0.7, 0],
    [0, 0.2, 0.5, 0.8],
  ];
  const cov = matMul(
    L,
    L.map((_, i) => L.map((r) => r[i])),
  );
  const rows = gaussianRows(rng, 3000, L);
  const groups = [[0, 1], [2], [3]];
  const pc = knnPartialCorrelation(rows, groups);
  assert.equal(pc.terms.length, 2);
  near(pc.pc, pc.terms[0] + pc.terms[1], "sum of terms", 1e-12);
  near(pc.pc, gaussianPartialCorrelation(cov, groups), "Gaussian PC", 0.1);
  // a ring and an independent uniform: dependent within the ring, independent across
  const ring = Array.from({ length: 2000 }, () => {
    const t = rng.uniformIn(0, 2 * Math.PI);
    return [Math.cos(t) + 0.05 * rng.normal(), Math.sin(t) + 0.05 * rng.normal(), rng.uniform()];
  });
  const across = knnPartialCorrelation(ring, [[0, 1], [2]]).pc;
  assert.ok(Math.abs(across) < 0.07, `PC across independent groups ${across}`);
  assert.ok(knnPartialCorrelation(ring, [[0], [1], [2]]).pc > 0.3, "the ring's two coordinates are dependent");
  assert.throws(() => knnPartialCorrelation(ring, [[0, 1]]), /dimensions 2 are in no group/);
});

test("permutationNull: keeps the marginals, centres near 0 for independent data, flags dependence", () => {
  const rng = new Rng("dep/null");
  const X = Array.from({ length: 800 }, () => [rng.normal()]);
  const Yind = Array.from({ length: 800 }, () => [rng.normal()]);
  const Ydep = X.map(([x]) => [x * x + 0.1 * rng.normal()]);
  const stat = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]) => ksgMutualInformation(a, b);
  const ind = permutationNull(X, Yind, stat, 12, rng.fork("ind"));
  assert.equal(ind.values.length, 12);
  assert.ok(Math.abs(ind.mean) < 0.03 && ind.sd > 0 && ind.sd < 0.06, `null mean ${ind.mean}, sd ${ind.sd}`);
  assert.ok(Math.abs(ind.z) < 4, `independent z ${ind.z}`);
  const dep = permutationNull(X, Ydep, stat, 12, rng.fork("dep"));
  assert.ok(dep.z > 20 && dep.p === 1 / 13, `dependent z ${dep.z}, p ${dep.p}`);
  // a permutation keeps Y's values: the statistic "sum of Y" is the same in every repeat
  const sumY = permutationNull(X, Yind, (_a, b) => b.reduce((s, r) => s + r[0], 0), 5, rng.fork("sum"));
  for (const v of sumY.values) near(v, sumY.observed, "permuted sum", 1e-9);
  const s = summarizeNull(3, [1, 2, 3]);
  near(s.mean, 2, "mean", 0);
  near(s.sd, 1, "sd", 1e-15);
  near(s.z, 1, "z", 1e-15);
  near(s.p, 2 / 4, "p", 0);
  assert.throws(() => permutationNull(X, Yind.slice(1), stat, 3, rng), /X has 800 rows, Y has 799/);
});

test("linearGaussianPosterior: A⁺A = I, σ²(AᵀA)⁻¹ for orthogonal columns; projectOntoColumns reproduces col(A) and is idempotent", () => {
  const rng = new Rng("dep/linear");
  const A = normalRows(rng, 8, 3);
  const post = linearGaussianPosterior(A, 0.5);
  const PA = matMul(post.pinv, A);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) near(PA[i][j], i === j ? 1 : 0, `A⁺A[${i}][${j}]`, 1e-10);
  // columns orthogonal with squared norms 4, 9, 16 → cov = σ² diag(1/4, 1/9, 1/16)
  const B = [
    [2, 0, 0],
    [0, 3, 0],
    [0, 0, 4],
    [0, 0, 0],
  ];
  const pb = linearGaussianPosterior(B, 0.5);
  near(pb.sd[0], 0.5 / 2, "sd 0", 1e-12);
  near(pb.sd[1], 0.5 / 3, "sd 1", 1e-12);
  near(pb.sd[2], 0.5 / 4, "sd 2", 1e-12);
  near(pb.cov[0][1], 0, "off-diagonal", 1e-12);
  const z = normalRows(rng, 5, 3);
  const x = z.map((zr) => A.map((a) => a.reduce((s, v, k) => s + v * zr[k], 0)));
  const { z: zHat, xHat } = projectOntoColumns(x, A);
  z.forEach((r, n) => r.forEach((v, k) => near(zHat[n][k], v, `z[${n}][${k}]`, 1e-9)));
  x.forEach((r, n) => r.forEach((v, d) => near(xHat[n][d], v, `x[${n}][${d}]`, 1e-9)));
  const noisy = normalRows(rng, 4, 8);
  const once = projectOntoColumns(noisy, A).xHat,
    twice = projectOntoColumns(once, A).xHat;
  once.forEach((r, n) => r.forEach((v, d) => near(twice[n][d], v, "idempotent", 1e-9)));
  // the residual is orthogonal to every column of A
  noisy.forEach((r, n) =>
    A[0].forEach((_, k) =>
      near(
        r.reduce((s, v, d) => s + (v - once[n][d]) * A[d][k], 0),
        0,
        "residual ⟂ A",
        1e-9,
      ),
    ),
  );
  assert.throws(() => linearGaussianPosterior([[1, 2, 3]], 1), /need D ≥ K/);
});

test("isPartialCorrelation equals a direct computation of log q̂(z) − Σ log q̂(z_g) with the IS weights; one group gives 0", async () => {
  await initEngine({ quiet: true });
  const rng = new Rng("dep/is-data");
  const z = normalRows(rng, 6, 3);
  const groups = [[0, 2], [1]];
  const sd = [0.7, 0.5, 0.9];
  const M = 3,
    N = 6;
  const res = await isPartialCorrelation(z, sd, groups, { batch: M, passes: 2, rng: new Rng("dep/is") });
  assert.equal(res.passes.length, 2);
  assert.equal(res.N, N);
  // direct: same batches and draws as the implementation (forks pass<p>/order and pass<p>/draws)
  const logN = (x: number, m: number, s: number) =>
    -0.5 * ((x - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
  const base = new Rng("dep/is");
  for (let p = 0; p < 2; p++) {
    const order = base.fork(`pass${p}/order`).permutation(N);
    const draws = base.fork(`pass${p}/draws`);
    let sum = 0;
    for (let b = 0; b < N; b += M) {
      const members = order.slice(b, b + M);
      const zs = members.map((n) => z[n].map((v, k) => v + sd[k] * draws.normal()));
      for (let i = 0; i < M; i++) {
        const qhat = (dims: number[]) =>
          members.reduce((s, n, j) => {
            const w = j === i ? 1 / N : (N - 1) / ((M - 1) * N);
            return s + w * Math.exp(dims.reduce((t, k) => t + logN(zs[i][k], z[n][k], sd[k]), 0));
          }, 0);
        sum += Math.log(qhat([0, 1, 2])) - groups.reduce((s, g) => s + Math.log(qhat(g)), 0);
      }
    }
    near(res.passes[p], sum / N, `pass ${p}`, 2e-5, 1e-4);
  }
  const one = await isPartialCorrelation(z, 0.5, [[0, 1, 2]], { batch: 3, passes: 1 });
  near(one.mean, 0, "one group", 1e-6);
  await assert.rejects(() => isPartialCorrelation(z, [1, 2], groups), /sd must be positive, one number or 3/);
  await assert.rejects(() => isPartialCorrelation(z, 1, groups, { batch: 7 }), /2 ≤ M ≤ N = 6/);
});

test("plugInMutualInformation: exact counts on a hand table, XOR samples (pairs ≈ Miller–Madow bias, group ≈ log 2)", () => {
  // (a, b) pairs: (0,0)×2, (1,1)×2 → I = log 2; (0,0),(0,1),(1,0),(1,1) → 0
  const dep = { values: Float32Array.from([0, 0, 0, 0, 1, 1, 1, 1]), shape: [4, 2] };
  near(plugInMutualInformation(dep, [0], [1]).mi, Math.log(2), "dependent", 1e-12);
  const ind = { values: Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), shape: [4, 2] };
  const r = plugInMutualInformation(ind, [0], [1]);
  near(r.mi, 0, "independent", 1e-12);
  assert.deepEqual([r.levelsA, r.levelsB, r.levelsAB], [2, 2, 4]);
  near(millerMadowBias(2, 2, 1000), 1 / 2000, "bias", 1e-15);
  near(millerMadowBias(4, 2, 100), 3 / 200, "bias", 1e-15);
  // over repeats the pairwise plug-in MI of XOR samples averages ≈ 1/(2n); the group MI ≈ log 2
  const n = 2000,
    reps = 40;
  let pair = 0,
    group = 0;
  for (let s = 0; s < reps; s++) {
    const x = sampleXor(n, `dep/xor/${s}`).z;
    pair += plugInMutualInformation(x, [0], [2]).mi / reps;
    group += plugInMutualInformation(x, [0, 1], [2]).mi / reps;
  }
  near(pair, 1 / (2 * n), "pairwise mean", 0, 0.35);
  // as z₃ is a function of (z₁, z₂), the plug-in group MI is exactly Ĥ(z₃), whose mean is log 2 − 1/(2n)
  near(group, Math.log(2) - 1 / (2 * n), "group", 1e-4);
  assert.throws(() => plugInMutualInformation({ values: [0.5, 1], shape: [1, 2] }, [0], [1]), /non-negative integers/);
  assert.throws(() => plugInMutualInformation(dep, [0], [0]), /overlap/);
  // mapRows: the sum of the first two columns next to the third
  const mapped = mapRows({ values: [0, 1, 0, 1, 1, 1], shape: [2, 3] }, (r) => [r[0] + r[1], r[2]]);
  assert.deepEqual(mapped.shape, [2, 2]);
  assert.deepEqual(Array.from(mapped.values), [1, 0, 2, 1]);
  assert.throws(
    () => mapRows({ values: [0, 1, 2, 3], shape: [2, 2] }, (r) => (r[0] === 0 ? [1] : [1, 2])),
    /f returned 2 values for row 1, 1 for row 0/,
  );
});

test("pushForward and conditionalTable: f(z₁, z₂) = z₁ + z₂ of Table 2 determines z₃ (Theorem A.1)", () => {
  const d = pushForward(xorTable(), (o) => [o[0] + o[1], o[2]]);
  const byKey = new Map(d.outcomes.map((o, i) => [o.join(","), d.probs[i]]));
  assert.deepEqual([...byKey.entries()].sort(), [
    ["0,1", 0.25],
    ["1,0", 0.5],
    ["2,1", 0.25],
  ]);
  near(mutualInformation(d, [0], [1]), Math.log(2), "I(z1+z2; z3)", 1e-12);
  assert.deepEqual(conditionalTable(d), [
    { x: 0, y: 1, p: 1 },
    { x: 1, y: 0, p: 1 },
    { x: 2, y: 1, p: 1 },
  ]);
  // a function of z₁ alone stays independent of z₃
  near(
    mutualInformation(
      pushForward(xorTable(), (o) => [o[0], o[2]]),
      [0],
      [1],
    ),
    0,
    "I(z1; z3)",
    1e-12,
  );
  assert.throws(() => pushForward(xorTable(), () => [NaN]), /not an array of finite numbers/);
  // Eq. 6: given z₂, z₁ and z₃ determine each other, so I(z₁; z₃ | z₂) = log 2 although I(z₁; z₃) = 0
  near(conditionalMutualInformation(xorTable(), [0], [2], [1]), Math.log(2), "I(z1; z3 | z2)", 1e-12);
  near(conditionalMutualInformation(xorTable(), [0], [2], []), 0, "I(z1; z3)", 1e-12);
  assert.throws(() => conditionalMutualInformation(xorTable(), [0], [2], [2]), /overlap/);
  assert.throws(() => conditionalTable(xorTable()), /has 3 values/);
});
