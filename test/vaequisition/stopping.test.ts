// Ridge regression and the stopping criterion: λ = 0 is OLS (lib/eval/linear-fit), the fit satisfies the
// penalised normal equations, the closed-form LOO residuals equal brute-force refits without each row,
// the CV picks the λ with the least LOO error; stopping indices, outcome classes, offsets (Eq. 7), the
// oracle, and a constructed case where the UQ features beat the measurement-number baseline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { fitLinear } from "../../lib/eval/linear-fit";
import type { AcquisitionTrace } from "../../lib/vaequisition/acquisition";
import {
  BASELINE_FEATURES,
  UQ_FEATURES,
  evaluateStopping,
  featureStandardization,
  fitErrorModel,
  outcomes,
  ridgeFit,
  ridgeLooCV,
  ridgeLooResiduals,
  stoppingData,
  stoppingIndex,
  trueErrors,
} from "../../lib/vaequisition/stopping";

function data(n: number, seed: number) {
  const rng = new Rng(seed);
  const X = Array.from({ length: n }, () => [rng.normal() * 3 + 1, rng.normal(), rng.uniform() * 10]);
  const y = X.map((r) => 2 + 0.5 * r[0] - 1.5 * r[1] + 0.2 * r[2] + 0.7 * rng.normal());
  return { X, y };
}

test("ridge: λ = 0 is OLS; any λ solves the penalised normal equations with an unpenalised intercept", () => {
  const { X, y } = data(60, 1);
  const ols = fitLinear(
    X,
    y.map((v) => [v]),
  );
  const r0 = ridgeFit(X, y, 0);
  r0.coef.forEach((c, j) => assert.ok(Math.abs(c - ols.coef[j][0]) < 1e-9, `coef ${j}`));
  assert.ok(Math.abs(r0.intercept - ols.intercept[0]) < 1e-9);
  for (const lambda of [0.3, 5, 200]) {
    const f = ridgeFit(X, y, lambda);
    const st = featureStandardization(X);
    const res = y.map((v, i) => v - f.predict([X[i]])[0]);
    assert.ok(Math.abs(res.reduce((s, r) => s + r, 0)) < 1e-8, "intercept: residuals sum to 0");
    for (let j = 0; j < 3; j++) {
      const g = res.reduce((s, r, i) => s + (r * (X[i][j] - st.mean[j])) / st.sd[j], 0);
      assert.ok(
        Math.abs(g - lambda * f.coef[j] * st.sd[j]) < 1e-8,
        `λ=${lambda}: normal equation ${j}: ${g} vs ${lambda * f.coef[j] * st.sd[j]}`,
      );
    }
  }
  const big = ridgeFit(X, y, 1e12);
  assert.ok(big.coef.every((c) => Math.abs(c) < 1e-8));
  assert.ok(Math.abs(big.intercept - y.reduce((s, v) => s + v, 0) / y.length) < 1e-6);
});

test("closed-form LOO residuals equal brute-force refits without each row (same standardisation)", () => {
  const { X, y } = data(25, 2);
  const st = featureStandardization(X);
  for (const lambda of [0, 0.1, 3, 50]) {
    const closed = ridgeLooResiduals(X, y, lambda, st);
    for (let i = 0; i < X.length; i++) {
      const Xi = X.filter((_, k) => k !== i),
        yi = y.filter((_, k) => k !== i);
      const refit = ridgeFit(Xi, yi, lambda, st);
      const e = y[i] - refit.predict([X[i]])[0];
      assert.ok(
        Math.abs(e - closed[i]) < 1e-9 * Math.max(1, Math.abs(e)),
        `λ=${lambda} row ${i}: ${closed[i]} vs refit ${e}`,
      );
    }
  }
});

test("ridgeLooCV: picks the grid λ with the least LOO error (checked by refitting); a useless noisy feature pushes λ up", () => {
  const { X, y } = data(40, 3);
  const grid = [0, 0.01, 0.1, 1, 10, 100, 1000];
  const cv = ridgeLooCV(X, y, grid);
  const st = featureStandardization(X);
  const brute = grid.map((l) => {
    let s = 0;
    for (let i = 0; i < X.length; i++) {
      const f = ridgeFit(
        X.filter((_, k) => k !== i),
        y.filter((_, k) => k !== i),
        l,
        st,
      );
      s += (y[i] - f.predict([X[i]])[0]) ** 2;
    }
    return s / X.length;
  });
  cv.looMse.forEach((c, k) => assert.ok(Math.abs(c.mse - brute[k]) < 1e-9));
  assert.equal(cv.lambda, grid[brute.indexOf(Math.min(...brute))]);
  // pure-noise target on many noise features: heavy shrinkage wins
  const rng = new Rng(4);
  const Xn = Array.from({ length: 30 }, () => Array.from({ length: 8 }, () => rng.normal()));
  const yn = Xn.map(() => rng.normal());
  assert.ok(ridgeLooCV(Xn, yn, grid).lambda >= 10);
});

test("stopping index: first m with e < τ, else the last; outcomes: FP = max(0, s − ŝ), FN = max(0, ŝ − s)", () => {
  assert.equal(stoppingIndex([9, 7, 4.9, 6, 3], 5), 2);
  assert.equal(stoppingIndex([4, 7], 5), 0);
  assert.equal(stoppingIndex([9, 8, 7], 5), 2, "never below τ: stop at the end");
  assert.equal(stoppingIndex([9, 5, 4], 5), 2, "strictly below");
  assert.deepEqual(outcomes(6, 2, 4), ["TN", "TN", "FN", "FN", "TP", "TP"]);
  assert.deepEqual(outcomes(6, 4, 1), ["TN", "FP", "FP", "FP", "TP", "TP"]);
  for (let s = 0; s < 6; s++)
    for (let sh = 0; sh < 6; sh++) {
      const o = outcomes(6, s, sh);
      assert.equal(o.filter((v) => v === "FP").length, Math.max(0, s - sh));
      assert.equal(o.filter((v) => v === "FN").length, Math.max(0, sh - s));
    }
});

/** Fake traces: error e^m = base_i − slope·m + noise, acquisition summary tracking each sequence's own level. */
function fakeTraces(n: number, seed: number): AcquisitionTrace[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const level = 2 + 6 * rng.uniform(); // how hard this sequence is
    const steps = Array.from({ length: 15 }, (_, m) => {
      const e = 3 + level * Math.exp(-m / 4) + 0.2 * rng.normal();
      const acq = 4 * level * Math.exp(-m / 4) + 0.3 * rng.normal();
      return {
        m,
        rmse: e,
        acquisitionSummary: acq,
        partialElbo: -10 - m + rng.normal(),
      } as unknown as AcquisitionTrace["steps"][number];
    });
    return { row: i, order: [], steps } as AcquisitionTrace;
  });
}

test("evaluateStopping: the oracle has O = 0; the UQ model adapts per sequence and beats the one-index baseline", () => {
  const val = fakeTraces(200, 5),
    testT = fakeTraces(128, 6);
  const oracle = evaluateStopping(testT, trueErrors(testT), 5);
  assert.equal(oracle.meanAbsOffset, 0);
  assert.equal(oracle.outcomeShares.FP + oracle.outcomeShares.FN, 0);
  assert.equal(oracle.meanStop, oracle.meanTrueStop);
  const base = fitErrorModel(val, BASELINE_FEATURES);
  const uq = fitErrorModel(val, UQ_FEATURES);
  const eb = evaluateStopping(testT, base.predict(testT), 5);
  const eu = evaluateStopping(testT, uq.predict(testT), 5);
  assert.equal(new Set(eb.sequences.map((q) => q.sHat)).size, 1, "the baseline stops every sequence at one index");
  assert.ok(new Set(eu.sequences.map((q) => q.sHat)).size > 1);
  assert.ok(eu.meanAbsOffset < eb.meanAbsOffset, `UQ O ${eu.meanAbsOffset} vs baseline ${eb.meanAbsOffset}`);
  // bookkeeping
  for (const ev of [eb, eu]) {
    const shares = ev.outcomeShares;
    assert.ok(Math.abs(shares.TP + shares.TN + shares.FP + shares.FN - 1) < 1e-12);
    const fp = ev.sequences.reduce((s, q) => s + Math.max(0, q.s - q.sHat), 0) / (128 * 15);
    assert.ok(Math.abs(shares.FP - fp) < 1e-12);
    ev.sequences.forEach((q, i) => assert.equal(q.rmseAtStop, testT[i].steps[q.sHat].rmse));
    assert.ok(Math.abs(ev.offsetShares.early + ev.offsetShares.exact + ev.offsetShares.late - 1) < 1e-12);
    assert.ok(Math.abs(ev.meanLateOffset + ev.meanEarlyOffset - ev.meanAbsOffset) < 1e-12);
    const late = ev.sequences.reduce((s, q) => s + (q.sHat > q.s ? q.sHat - q.s : 0), 0) / 128;
    assert.ok(Math.abs(ev.meanLateOffset - late) < 1e-12, `late part ${ev.meanLateOffset} vs ${late}`);
  }
  assert.equal(oracle.meanLateOffset + oracle.meanEarlyOffset, 0);
  const d = stoppingData(val, UQ_FEATURES);
  assert.equal(d.X.length, 200 * 15);
  assert.deepEqual(d.X[16], [1, val[1].steps[1].acquisitionSummary, val[1].steps[1].partialElbo]);
  assert.throws(() => evaluateStopping(testT, trueErrors(testT).slice(1), 5), /127 predicted curves for 128 sequences/);
});
