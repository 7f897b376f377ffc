// k-NN mutual-information estimators (KSG against closed-form Gaussian MI; Ross's discrete–continuous
// estimator against the exact MI of a binned Gaussian by quadrature) and the adapted MIG.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { discreteEntropy, discretize, ksgMutualInformation, mixedMutualInformation } from "../../lib/eval/knn-mi";
import { adaptedMIG } from "../../lib/eval/mig";
import { normalTwoSidedP } from "../../lib/eval/stat-tests";
import { gaussianPartialCorrelation } from "../../lib/prob/correlation";
import { near, normalRows } from "./eval-helpers";

/** Samples of N(0, C) by Cholesky. */
function gaussianSamples(rng: Rng, cov: number[][], n: number): number[][] {
  const d = cov.length;
  const L = cov.map(() => new Array<number>(d).fill(0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = cov[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
    }
  }
  return Array.from({ length: n }, () => {
    const e = Array.from({ length: d }, () => rng.normal());
    return L.map((row) => row.reduce((s, l, k) => s + l * e[k], 0));
  });
}

const Phi = (z: number) => (z >= 0 ? 1 - normalTwoSidedP(z) / 2 : normalTwoSidedP(z) / 2);

test("KSG matches the closed-form MI of correlated Gaussians (scalar and 2-D × 2-D)", () => {
  const rng = new Rng("mig/ksg");
  for (const rho of [0, 0.5, 0.9]) {
    const xy = gaussianSamples(
      rng,
      [
        [1, rho],
        [rho, 1],
      ],
      2000,
    );
    const mi = ksgMutualInformation(
      xy.map((r) => [r[0]]),
      xy.map((r) => [r[1]]),
    );
    near(mi, -0.5 * Math.log(1 - rho * rho), `ρ = ${rho}`, 0.03);
  }
  const cov = [
    [1, 0.3, 0.5, 0.1],
    [0.3, 1, -0.2, 0.4],
    [0.5, -0.2, 1, 0.2],
    [0.1, 0.4, 0.2, 1],
  ];
  const exact = gaussianPartialCorrelation(cov, [
    [0, 1],
    [2, 3],
  ]); // I(X; Y) = ½ log(|C_X||C_Y|/|C|)
  const s = gaussianSamples(rng, cov, 2000);
  const mi = ksgMutualInformation(
    s.map((r) => [r[0], r[1]]),
    s.map((r) => [r[2], r[3]]),
  );
  near(mi, exact, "2-D × 2-D", 0.04);
  assert.ok(exact > 0.3);
  // invariant to rescaling a coordinate (columns are standardised); deterministic given the Rng
  const scaled = ksgMutualInformation(
    s.map((r) => [1000 * r[0], r[1]]),
    s.map((r) => [r[2], 1e-3 * r[3]]),
  );
  near(scaled, mi, "scale invariance", 1e-9);
  assert.equal(
    ksgMutualInformation(
      s.map((r) => [r[0]]),
      s.map((r) => [r[1]]),
    ),
    ksgMutualInformation(
      s.map((r) => [r[0]]),
      s.map((r) => [r[1]]),
    ),
  );
  assert.throws(() => ksgMutualInformation([[1], [2]], [[1]]), /X has 2 rows, Y has 1/);
  assert.throws(() => ksgMutualInformation([[1], [2], [3]], [[1], [2], [3]], { k: 3 }), /1 ≤ k < N = 3/);
});

test("KSG on discrete-valued data (ties) stays finite thanks to the jitter; independent data → ≈ 0", () => {
  const rng = new Rng("mig/ties");
  const a = Array.from({ length: 1000 }, () => [rng.int(5)]);
  const b = Array.from({ length: 1000 }, () => [rng.normal()]);
  const mi = ksgMutualInformation(a, b);
  assert.ok(Number.isFinite(mi) && Math.abs(mi) < 0.05, `${mi}`);
});

test("Ross's discrete–continuous estimator matches the exact MI of a binned Gaussian (quadrature)", () => {
  const rng = new Rng("mig/ross");
  const cuts = [-Infinity, -0.6744897501960817, 0, 0.6744897501960817, Infinity]; // quartiles of N(0, 1)
  for (const rho of [0.3, 0.8, 0.97]) {
    const sd = Math.sqrt(1 - rho * rho);
    // exact: I(V; Y) = H(V) − E_Y H(V | Y), V | Y=y from X | Y=y ~ N(ρy, 1 − ρ²), H(V) = log 4
    let cond = 0;
    const h = 0.002;
    for (let y = -9; y <= 9; y += h) {
      const py = Math.exp(-0.5 * y * y) / Math.sqrt(2 * Math.PI);
      let hv = 0;
      for (let v = 0; v < 4; v++) {
        const p = Phi((cuts[v + 1] - rho * y) / sd) - Phi((cuts[v] - rho * y) / sd);
        if (p > 0) hv -= p * Math.log(p);
      }
      cond += py * hv * h;
    }
    const exact = Math.log(4) - cond;
    const xy = gaussianSamples(
      rng,
      [
        [1, rho],
        [rho, 1],
      ],
      3000,
    );
    const labels = xy.map((r) => cuts.findIndex((c, i) => r[0] >= c && r[0] < cuts[i + 1]));
    const est = mixedMutualInformation(
      labels,
      xy.map((r) => [r[1]]),
    );
    near(est, exact, `ρ = ${rho} (exact ${exact.toFixed(4)})`, 0.03);
  }
  // labels occurring once are dropped; all-unique labels cannot be used
  assert.throws(() => mixedMutualInformation([0, 1, 2], [[1], [2], [3]]), /no label occurs twice/);
});

test("discretize keeps few distinct values as categories and cuts the rest into equal-frequency bins; entropy", () => {
  const sizes = discretize([[0.5], [0.7], [0.5], [0.9], [0.7], [0.5]], 10);
  assert.equal(sizes.levels, 3);
  assert.deepEqual(Array.from(sizes.codes), [0, 1, 0, 2, 1, 0]);
  const cont = discretize(
    Array.from({ length: 100 }, (_, i) => [Math.sin(i) * 10]),
    4,
  );
  const counts = new Map<number, number>();
  cont.codes.forEach((c) => counts.set(c, (counts.get(c) ?? 0) + 1));
  assert.deepEqual([...counts.values()].sort(), [25, 25, 25, 25]);
  near(discreteEntropy(cont.codes), Math.log(4), "log 4", 1e-14);
  // ties share a bin
  const tied = discretize([[1], [1], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10]], 3);
  assert.equal(new Set(Array.from(tied.codes).slice(0, 3)).size, 1);
  // joint codes of two columns
  const joint = discretize(
    [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ],
    5,
  );
  assert.equal(joint.levels, 4);
  near(discreteEntropy([0, 0, 1, 1]), Math.log(2), "log 2");
  assert.throws(() => discretize([[1]], 1), /bins must be an integer ≥ 2/);
});

test("adapted MIG: identical groups (up to invertible maps and order) → high; independent noise → ≈ 0; mixed groups → in between", () => {
  const rng = new Rng("mig/mig");
  const n = 2000;
  const truth = Array.from({ length: n }, () => {
    const phi = rng.uniformIn(0, 2 * Math.PI);
    return [Math.cos(phi) * (1 + 0.1 * rng.normal()), Math.sin(phi), rng.uniform(), rng.uniform()];
  });
  const groups = [
    [0, 1],
    [2, 3],
  ];
  const same = truth.map(([a, b, c, d]) => [c + d, c - 2 * d, 2 * a + 1, b - a]); // groups swapped and mixed
  const r = adaptedMIG(same, groups, truth, groups);
  assert.deepEqual(r.top, [1, 0]);
  assert.ok(r.mig > 0.8, `MIG ${r.mig}`);
  assert.ok(r.normalizedMI.every((row) => row.every((x) => x >= 0 && x <= 1)));
  // 10×10 equal-frequency cells of two independent uniforms: log 100 less the plug-in bias ≈ 99/(2N) = 0.025
  near(r.entropy[1], Math.log(100) - 99 / (2 * n), "plug-in entropy of 100 cells", 0.01);
  const noise = normalRows(rng, n, 4);
  const z = adaptedMIG(noise, groups, truth, groups);
  assert.ok(z.mig < 0.05, `noise MIG ${z.mig}`);
  // each estimated group carries one dimension of each true group: information spread, small gap
  const spread = truth.map(([a, b, c, d]) => [a, c, b, d]);
  const m = adaptedMIG(spread, groups, truth, groups);
  assert.ok(m.mig < r.mig - 0.3, `spread ${m.mig} vs ${r.mig}`);
  // one estimated group: the gap is the normalised MI itself
  const one = adaptedMIG(same, [[2, 3]], truth, [[0, 1]]);
  near(one.mig, one.normalizedMI[0][0], "single estimated group");
  assert.throws(
    () =>
      adaptedMIG(
        same,
        groups,
        truth.map(() => [1, 2, 3, 4]),
        groups,
      ),
    /true group 0 \[0,1\] is constant/,
  );
});

test("adapted MIG with discrete factors of different group sizes (pdSprites: {x, y} and five sizes)", () => {
  const rng = new Rng("mig/pdsprites");
  const n = 805;
  const truth = Array.from({ length: n }, () => [rng.int(32) / 31, rng.int(32) / 31, 0.5 + 0.1 * rng.int(5)]);
  const est = truth.map(([x, y, s]) => [
    x + y + 0.01 * rng.normal(),
    x - y + 0.01 * rng.normal(),
    3 * s + 0.01 * rng.normal(),
    rng.normal(),
  ]);
  const r = adaptedMIG(
    est,
    [
      [0, 1],
      [2, 3],
    ],
    truth,
    [[0, 1], [2]],
  );
  near(r.entropy[1], Math.log(5), "five sizes as categories", 0.01);
  assert.deepEqual(r.top, [0, 1]);
  assert.ok(r.mig > 0.7, `${r.mig}`);
});
