// Least squares with intercept (pivoted QR) and R², against numpy.linalg.lstsq and by construction.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { fitLinear, linearR2, r2Score, rawR2, rowsOf } from "../../lib/eval/linear-fit";
import { matMul, near, normalRows } from "./eval-helpers";

const X6 = [
  [1, 2],
  [2, 1],
  [3, 5],
  [4, 3],
  [5, 8],
  [6, 5],
];
const Y6 = [
  [1.5, 10],
  [2.0, 9],
  [4.1, 15],
  [3.9, 11],
  [6.2, 21],
  [6.0, 14],
];

test("matches numpy.linalg.lstsq with an intercept column, and sklearn's three R² averages", () => {
  // numpy 2.4: lstsq([1 X], Y) = [[0.26439114391143625, 6.980934809348095], [0.6804428044280444, -0.38007380073800734],
  // [0.32601476014760145, 1.9206642066420663]]; per-output R² [0.997436588662823, 0.9837802658848506],
  // variance-weighted 0.9860199911817747, uniform 0.9906084272738368.
  const fit = fitLinear(X6, Y6);
  near(fit.intercept[0], 0.26439114391143625, "b0[0]", 1e-12);
  near(fit.intercept[1], 6.980934809348095, "b0[1]", 1e-12);
  near(fit.coef[0][0], 0.6804428044280444, "B[0][0]", 1e-12);
  near(fit.coef[0][1], -0.38007380073800734, "B[0][1]", 1e-12);
  near(fit.coef[1][0], 0.32601476014760145, "B[1][0]", 1e-12);
  near(fit.coef[1][1], 1.9206642066420663, "B[1][1]", 1e-12);
  assert.equal(fit.rank, 2);
  const pred = fit.predict(X6);
  const raw = rawR2(Y6, pred);
  near(raw[0], 0.997436588662823, "R² output 0");
  near(raw[1], 0.9837802658848506, "R² output 1");
  near(r2Score(Y6, pred), 0.9860199911817747, "variance_weighted (default)");
  near(r2Score(Y6, pred, "variance_weighted"), 0.9860199911817747, "variance_weighted");
  near(r2Score(Y6, pred, "uniform_average"), 0.9906084272738368, "uniform_average");
  near(linearR2(X6, Y6), 0.9860199911817747, "linearR2");
});

test("recovers exact coefficients of noise-free data, also with badly scaled columns", () => {
  const rng = new Rng("linear-fit/exact");
  const N = 60,
    P = 4,
    Q = 3;
  const X = normalRows(rng, N, P).map((r) => [r[0] * 1e-6, r[1] * 1e5, r[2] + 1000, r[3] + 0.5 * r[0]]);
  // Coefficients scaled so every column contributes O(1) to Y (then each is determined to ~1e-12 relative).
  const B = normalRows(rng, P, Q).map((r, j) => r.map((v) => v * [1e6, 1e-5, 1, 1][j]));
  const b0 = [3, -2, 0.5];
  const Y = matMul(X, B).map((r) => r.map((v, q) => v + b0[q]));
  const fit = fitLinear(X, Y);
  for (let j = 0; j < P; j++) for (let q = 0; q < Q; q++) near(fit.coef[j][q], B[j][q], `B[${j}][${q}]`, 0, 1e-8);
  for (let q = 0; q < Q; q++) near(fit.intercept[q], b0[q], `b0[${q}]`, 1e-7);
  near(linearR2(X, Y), 1, "R² of an exact fit", 1e-12);
  // Without intercept the fit through the origin of data with an offset is worse.
  const Xo = X.map((r) => [r[0], r[1], r[3]]);
  const Yo = matMul(Xo, [[1], [2], [3]]);
  const f0 = fitLinear(Xo, Yo, { intercept: false });
  assert.deepEqual(f0.intercept, [0]);
  near(f0.coef[2][0], 3, "no-intercept coefficient", 1e-9);
});

test("rank-deficient X: a clear error naming the shape, or dropped columns on request", () => {
  const rng = new Rng("linear-fit/rank");
  const base = normalRows(rng, 50, 2);
  const dup = base.map((r) => [r[0], r[1], 2 * r[0] - r[1]]);
  const y = base.map((r) => [r[0] + 3 * r[1] + 0.1 * rng.normal()]);
  assert.throws(() => fitLinear(dup, y), /X \(N×P = 50×3\) is rank-deficient: rank 2 < 3 columns after centring/);
  const constant = base.map((r) => [r[0], 7.25, r[1]]);
  assert.throws(() => fitLinear(constant, y), /50×3.*rank 2 < 3.*constant columns: 1/);
  assert.throws(
    () =>
      fitLinear(
        [
          [1, 2],
          [3, 4],
        ],
        [[1], [2]],
      ),
    /2×2.*rank 1 < 2.*need N ≥ P \+ 1 rows/,
  );
  // "drop": the same fitted values and R² as the fit on the independent columns.
  const fd = fitLinear(constant, y, { rankDeficient: "drop" });
  assert.equal(fd.rank, 2);
  assert.deepEqual(fd.usedColumns, [0, 2]);
  assert.equal(fd.coef[1][0], 0);
  const ref = fitLinear(base, y);
  near(fd.coef[0][0], ref.coef[0][0], "coef 0", 1e-12);
  near(fd.coef[2][0], ref.coef[1][0], "coef 2", 1e-12);
  near(r2Score(y, fd.predict(constant)), r2Score(y, ref.predict(base)), "R² after dropping", 1e-12);
  const fdup = fitLinear(dup, y, { rankDeficient: "drop" });
  near(r2Score(y, fdup.predict(dup)), r2Score(y, ref.predict(base)), "R² with a dependent column dropped", 1e-10);
});

test("R² edge cases and input checks", () => {
  // constant target: 1 when predicted exactly, 0 otherwise (sklearn force_finite)
  assert.deepEqual(rawR2([[2], [2], [2]], [[2], [2], [2]]), [1]);
  assert.deepEqual(rawR2([[2], [2], [2]], [[2], [2.5], [2]]), [0]);
  // R² can be negative: worse than the mean
  near(r2Score([[0], [1], [2]], [[2], [1], [0]]), -3, "anti-correlated prediction");
  // variance_weighted = 1 − ΣSS_res/ΣSS_tot by hand
  const yt = [
    [0, 0],
    [1, 10],
    [2, 20],
  ];
  const yp = [
    [0, 1],
    [1, 10],
    [2, 19],
  ];
  near(r2Score(yt, yp), 1 - 2 / 202, "variance weighted by hand");
  near(r2Score(yt, yp, "uniform_average"), (1 + (1 - 2 / 200)) / 2, "uniform by hand");
  assert.throws(() => fitLinear([[1], [2]], [[1]]), /X has 2 rows, Y has 1/);
  assert.throws(() => fitLinear([[1], [NaN]], [[1], [2]]), /X\[1\]\[0\] is NaN/);
  assert.throws(() => fitLinear([[1, 2], [3]], [[1], [2]]), /X row 1 has 1 entries, row 0 has 2/);
  assert.throws(() => fitLinear(X6, Y6).predict([[1, 2, 3]]), /predict got 3 columns, the fit has 2/);
});

test("constant outputs (SS_tot = 0): left out of variance_weighted, as sklearn r2_score", () => {
  // scikit-learn 1.9.1 r2_score(yt, yp, multioutput=…) (force_finite=True). Before the fix the constant
  // output's SS_res was added to the numerator: 1 − (0.34 + 0.06 + 0.53)/(10 + 0 + 4.3) = 0.934965….
  const yt = [
    [1, 2, 0.5],
    [2, 2, 1.5],
    [4, 2, 1],
    [3, 2, 3],
    [5, 2, 2.5],
  ];
  const yp = [
    [1.2, 2.1, 0.4],
    [1.8, 1.9, 1.9],
    [3.7, 2, 1.2],
    [3.4, 2.2, 2.6],
    [4.9, 2, 2.1],
  ];
  near(r2Score(yt, yp), 0.9391608391608393, "one constant output, variance_weighted");
  near(r2Score(yt, yp, "uniform_average"), 0.6142480620155039, "one constant output, uniform_average");
  const raw = rawR2(yt, yp); // sklearn raw_values [0.966, 0, 0.8767441860465117]
  near(raw[0], 0.966, "raw 0");
  assert.equal(raw[1], 0, "raw 1 (constant, not predicted exactly)");
  near(raw[2], 0.8767441860465117, "raw 2");
  // The constant output predicted exactly also drops out: the same as the two varying outputs alone.
  const exact = yp.map((r) => [r[0], 2, r[2]]);
  near(r2Score(yt, exact), 0.9391608391608393, "constant output predicted exactly");
  // Every output constant: sklearn falls back to the uniform average of 1 (exact) / 0 (not exact).
  const ct = [
    [3, -1],
    [3, -1],
    [3, -1],
    [3, -1],
  ];
  const cp = [
    [3, -1],
    [3, -0.5],
    [3, -1],
    [3, -1],
  ];
  assert.equal(r2Score(ct, cp), 0.5, "all constant, one predicted exactly (sklearn 0.5)");
  assert.equal(r2Score(ct, cp, "uniform_average"), 0.5, "all constant, uniform_average");
  assert.equal(r2Score(ct, ct), 1, "all constant, all exact (sklearn 1.0)");
  assert.equal(r2Score(ct, [[2.5, -1], ...cp.slice(1)]), 0, "all constant, none exact (sklearn 0.0)");
  // An output of equal values counts as constant even where its mean rounds (0.1 × 3 / 3 ≠ 0.1):
  // 1 − 0.02/2 = 0.99 and raw [0, 0.99]. sklearn gives 0.985 and raw R² −1.7e31 here, from SS_tot ≈ 5.8e-34.
  const rt = [
    [0.1, 1],
    [0.1, 2],
    [0.1, 3],
  ];
  const rp = [
    [0.1, 1.1],
    [0.2, 2],
    [0.1, 2.9],
  ];
  near(r2Score(rt, rp), 0.99, "constant 0.1 output left out");
  near(rawR2(rt, rp)[0], 0, "constant 0.1 output, raw");
});

test("rowsOf converts a row-major {values, shape} matrix (lib/data's layout)", () => {
  assert.deepEqual(rowsOf({ values: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3, 2] }), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  assert.throws(() => rowsOf({ values: [1, 2, 3], shape: [2, 2] }), /3 values do not fill shape \[2,2\]/);
  assert.throws(() => rowsOf({ values: [1, 2], shape: [2] }), /expected a 2-D shape/);
});
