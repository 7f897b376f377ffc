// Runs the VAEquisition Fig. 1–5 notebooks at smoke through the headless runner (real tslab kernel),
// sharing one temporary runs directory (the five notebooks use the same 2-D partial VAE: Fig. 1 trains it,
// Fig. 2–5 must reload it), and checks each exported figure record, its claims and the numbers behind them.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { claimOf, smokeSandbox } from "../notebook/smoke-harness";

const sandbox = smokeSandbox("vaequisition", "vaeq-figs");
after(() => sandbox.cleanup());
const run = (name: string) => sandbox.run(name);

let hash1 = "";

test("Fig. 1 notebook: archetypes, 2-D latent, decoded grid", { timeout: 240_000 }, async () => {
  const rec = await run("fig01-archetypes");
  assert.equal(rec.figure, "Fig. 1");
  assert.equal(rec.plots?.length, 3);
  const d = rec.data as {
    reloaded: boolean;
    runHash: string;
    archetypes: number[][];
    archetypeStats: { percentile: number; radius: number }[];
    angleGaps: number[];
    gridDecoded: number[][];
    archetypeFitRmse: number[];
  };
  assert.equal(d.reloaded, false, "Fig. 1 trains the shared model in a fresh runs dir");
  hash1 = d.runHash;
  assert.equal(d.archetypes.length, 5);
  assert.equal(d.archetypeStats.length, 5);
  for (const s of d.archetypeStats) assert.ok(s.percentile >= 0 && s.percentile <= 100 && s.radius >= 0);
  assert.equal(d.angleGaps.length, 4);
  assert.ok(Math.abs(d.angleGaps.reduce((a, b) => a + b, 0) - 360) < 1e-6);
  assert.equal(d.gridDecoded.length, 25);
  for (const r of d.gridDecoded) for (const v of r.slice(1)) assert.ok(v > -60 && v < 160, `decoded threshold ${v}`);
  for (const v of d.archetypeFitRmse) assert.ok(v > 0 && v < 40, `archetype fit ${v}`);
  for (const t of [
    "The archetypes' encodings reside in the extreme parts of the representation (ours: ≥ 4 of 5 beyond the 90th radius percentile)",
    "The least extreme archetype sits in the highest-density region under the prior (near the origin)",
    "The other archetypes each occupy a quadrant of latent space (up to a rotation: the prior is rotation-invariant)",
  ])
    assert.equal(typeof claimOf(rec, t).holds, "boolean");
  // the quadrant verdict against a brute-force scan of rotations over the directions the neighbour angles give
  const dirs = d.angleGaps.slice(0, 3).reduce((acc, g) => [...acc, acc[acc.length - 1] + g], [0]);
  let someRotation = false;
  for (let th = 0; th < 90 && !someRotation; th += 0.01)
    someRotation = new Set(dirs.map((a) => Math.floor(((((a - th) % 360) + 360) % 360) / 90))).size === 4;
  const quadrants = claimOf(
    rec,
    "The other archetypes each occupy a quadrant of latent space (up to a rotation: the prior is rotation-invariant)",
  );
  assert.equal(quadrants.holds, someRotation, `neighbour angles ${d.angleGaps.map((g) => g.toFixed(2)).join(", ")}`);
  assert.equal(claimOf(rec, "The decoded latent grid is a continuum between the archetypes").holds, null);
});

test("Fig. 2 notebook: one acquisition sequence (reloads the Fig. 1 model)", { timeout: 240_000 }, async () => {
  const rec = await run("fig02-acquisition-sequence");
  assert.equal(rec.figure, "Fig. 2");
  assert.equal(rec.plots?.length, 2);
  const panels = rec.plots![0].data as { type: string }[];
  assert.ok(panels.filter((t) => t.type === "bar").length === 4, "one acquisition-function bar chart per row");
  const d = rec.data as {
    runHash: string;
    nSequences: number;
    exampleOrder: number[];
    w2Example: number[];
    w2Mean: number[];
    shown: { observed: number[]; rmse: number }[];
    argmaxOk: boolean;
  };
  if (hash1) assert.equal(d.runHash, hash1, "same model as Fig. 1");
  assert.equal(d.nSequences, 16);
  assert.deepEqual(
    [...d.exampleOrder].sort((a, b) => a - b),
    Array.from({ length: 14 }, (_, i) => i + 1),
  );
  assert.equal(d.w2Example.length, 16);
  assert.ok(Math.abs(d.w2Example[15]) < 1e-5, "all observed: the partial posterior is the full posterior");
  assert.equal(d.shown.length, 4);
  assert.deepEqual(
    d.shown.map((s) => s.observed.length),
    [0, 1, 2, 5],
  );
  assert.equal(d.argmaxOk, true);
  assert.equal(claimOf(rec, "The next measurement is the dimension with the highest predictive variance").holds, true);
  for (const t of [
    "Knowing the age shrinks the partial posterior toward the full posterior",
    "Observing one threshold also improves the estimate of the other ear",
    "The partial posterior contracts toward the full posterior as measurements arrive",
  ])
    assert.equal(typeof claimOf(rec, t).holds, "boolean");
});

test("Fig. 3 notebook: information curves and areas", { timeout: 240_000 }, async () => {
  const rec = await run("fig03-information-curves");
  assert.equal(rec.figure, "Fig. 3");
  assert.equal(rec.plots?.length, 2);
  const d = rec.data as {
    runHash: string;
    nSequences: number;
    example: { rmse: number[]; nll: number[]; areaRmse: number; areaNll: number };
    maxVariance: { rmseMean: number[]; meanAreaRmse: number; areasRmse: number[] };
    random: { meanAreaRmse: number };
  };
  if (hash1) assert.equal(d.runHash, hash1, "same model as Fig. 1");
  assert.equal(d.example.rmse.length, 15);
  assert.ok(
    Math.abs(d.example.areaRmse - d.example.rmse.reduce((a, b) => a + b, 0)) < 1e-9,
    "Eq. 6 area = sum over the curve",
  );
  assert.equal(d.maxVariance.areasRmse.length, 16);
  for (const v of d.maxVariance.rmseMean) assert.ok(v > 1 && v < 40, `mean RMSE ${v} dB`);
  const last = d.maxVariance.rmseMean[14];
  assert.ok(last > 3 && last < 8, `final RMSE ${last} dB should be near the 5 dB noise`);
  assert.equal(typeof claimOf(rec, "RMSE decreases with the number of measurements").holds, "boolean");
  assert.equal(
    typeof claimOf(rec, "Max-variance ordering acquires more information per measurement than a random order").holds,
    "boolean",
  );
  assert.equal(claimOf(rec, "The example sequence has A_RMSE = 267 measurement·dB").holds, null);
});

test(
  "Fig. 4 notebook: e_RMSE against its predictors and the UQ estimate (reloads the Fig. 1 model)",
  { timeout: 240_000 },
  async () => {
    const rec = await run("fig04-uq-predictors");
    assert.equal(rec.figure, "Fig. 4");
    assert.equal(rec.plots?.length, 1);
    const traces = rec.plots![0].data as { type: string; x: number[]; y: number[] }[];
    assert.equal(
      traces.filter((t) => t.type === "scatter").length,
      4,
      "one scatter panel per predictor and the UQ estimate",
    );
    for (const t of traces) assert.equal(t.x.length, 16 * 15, "one dot per test (sequence, step)");
    const d = rec.data as {
      runHash: string;
      reloaded: boolean;
      nValidation: number;
      nTest: number;
      nPoints: number;
      correlations: { m: number; acquisition: number; elbo: number; uq: number; baseline: number };
      withinM: { acquisition: number; elbo: number; uq: number };
      uqModel: { lambda: number; coef: number[]; looRmse: number };
      baselineModel: { lambda: number; coef: number[]; looRmse: number };
    };
    if (hash1) assert.equal(d.runHash, hash1, "same model as Fig. 1");
    assert.equal(d.reloaded, true, "the shared model is reloaded, not retrained");
    assert.equal(d.nValidation, 32);
    assert.equal(d.nTest, 16);
    assert.equal(d.nPoints, 240);
    for (const [k, v] of Object.entries({
      ...d.correlations,
      ...Object.fromEntries(Object.entries(d.withinM).map(([a, b]) => [`within ${a}`, b])),
    })) {
      assert.ok(Number.isFinite(v) && v >= -1 && v <= 1, `correlation ${k} = ${v}`);
    }
    // the baseline estimate is affine in m, so its |r| is that of m
    assert.ok(Math.abs(Math.abs(d.correlations.baseline) - Math.abs(d.correlations.m)) < 1e-9);
    assert.equal(d.uqModel.coef.length, 3);
    assert.equal(d.baselineModel.coef.length, 1);
    for (const f of [d.uqModel, d.baselineModel])
      assert.ok(f.lambda >= 0 && f.looRmse > 0 && f.looRmse < 20, `λ ${f.lambda}, LOO RMSE ${f.looRmse}`);
    // the panel titles carry the Pearson r
    const headings = ((rec.plots![0].layout as { annotations?: { text: string }[] }).annotations ?? []).map(
      (a) => a.text,
    );
    assert.ok(
      headings.includes(`UQ estimate: r = ${d.correlations.uq.toFixed(2)}`),
      `headings: ${headings.join(" | ")}`,
    );
    assert.ok(headings.includes(`m: r = ${d.correlations.m.toFixed(2)}`));
    const c1 = claimOf(rec, "The Pearson correlation with e_RMSE is highest for the combined (UQ) model");
    assert.equal(
      c1.holds,
      Math.abs(d.correlations.uq) >
        Math.max(Math.abs(d.correlations.m), Math.abs(d.correlations.acquisition), Math.abs(d.correlations.elbo)),
    );
    assert.equal(typeof claimOf(rec, "The correlation is partly driven by the measurement number").holds, "boolean");
  },
);

test(
  "Fig. 5 notebook: stopping with the baseline, the UQ model and the oracle (reloads the Fig. 1 model)",
  { timeout: 240_000 },
  async () => {
    const rec = await run("fig05-stopping");
    assert.equal(rec.figure, "Fig. 5");
    type Ev = {
      meanAbsOffset: number;
      meanLateOffset: number;
      meanEarlyOffset: number;
      meanStop: number;
      meanTrueStop: number;
      meanRmseAtStop: number;
      outcomeShares: { TP: number; TN: number; FP: number; FN: number };
      offsetShares: { early: number; exact: number; late: number };
      sHat: number[];
      s: number[];
    };
    const d = rec.data as {
      runHash: string;
      reloaded: boolean;
      nValidation: number;
      nTest: number;
      tau: number;
      reachTest: number;
      secondTau: number | null;
      baselineIndices: number[];
      offsetReduction: number;
      atTau: Record<"baseline" | "uq" | "oracle", Ev>;
      atSecondTau: Record<"baseline" | "uq" | "oracle", Ev> | null;
      sweep: { tau: number; reachTest: number; reachValidation: number; offsetBaseline: number; offsetUq: number }[];
    };
    if (hash1) assert.equal(d.runHash, hash1, "same model as Fig. 1");
    assert.equal(d.reloaded, true, "the shared model is reloaded, not retrained");
    assert.equal(d.tau, 5);
    assert.equal(d.nValidation, 32);
    assert.equal(d.nTest, 16);
    assert.ok(d.reachTest >= 0 && d.reachTest <= 1);
    assert.equal(
      d.secondTau === null,
      d.reachTest >= 0.5,
      "a second τ exactly when τ = 5 dB is out of reach for most sequences",
    );
    assert.equal(d.atSecondTau === null, d.secondTau === null);
    assert.equal(rec.plots?.length, d.secondTau === null ? 1 : 2);
    const heat = (rec.plots![0].data as { type: string; z?: number[][] }[]).filter((t) => t.type === "heatmap");
    assert.equal(heat.length, 3, "one sequences × steps panel per row");
    for (const h of heat) assert.ok(h.z!.length === 16 && h.z!.every((r) => r.length === 15));
    for (const ev of [d.atTau, ...(d.atSecondTau ? [d.atSecondTau] : [])]) {
      for (const [k, e] of Object.entries(ev)) {
        const o = e.outcomeShares,
          f = e.offsetShares;
        assert.ok(Math.abs(o.TP + o.TN + o.FP + o.FN - 1) < 1e-9, `${k}: outcome shares sum to 1`);
        assert.ok(Math.abs(f.early + f.exact + f.late - 1) < 1e-9, `${k}: offset shares sum to 1`);
        assert.ok(e.meanAbsOffset >= 0 && e.meanLateOffset >= 0 && e.meanEarlyOffset >= 0);
        assert.ok(Math.abs(e.meanLateOffset + e.meanEarlyOffset - e.meanAbsOffset) < 1e-9);
        assert.equal(e.sHat.length, 16);
        for (const v of [...e.sHat, ...e.s]) assert.ok(Number.isInteger(v) && v >= 0 && v <= 14);
        assert.ok(
          Math.abs(e.sHat.reduce((a, v, i) => a + Math.abs(v - e.s[i]), 0) / 16 - e.meanAbsOffset) < 1e-9,
          `${k}: mean |ŝ − s|`,
        );
        assert.ok(e.meanRmseAtStop > 0 && e.meanRmseAtStop < 40);
      }
      assert.equal(ev.oracle.meanAbsOffset, 0, "the oracle stops exactly");
      assert.deepEqual(ev.oracle.sHat, ev.oracle.s);
      assert.equal(ev.oracle.outcomeShares.FP + ev.oracle.outcomeShares.FN, 0);
      assert.deepEqual(ev.baseline.s, ev.oracle.s, "same true stopping indices for every model");
      assert.equal(new Set(ev.baseline.sHat).size, 1, "the m-only baseline has one stopping index");
    }
    assert.deepEqual(d.baselineIndices, [d.atTau.baseline.sHat[0]]);
    assert.ok(Math.abs(d.offsetReduction - (d.atTau.baseline.meanAbsOffset - d.atTau.uq.meanAbsOffset)) < 1e-12);
    assert.equal(d.sweep.length, 7);
    for (const q of d.sweep)
      assert.ok(
        q.reachTest >= 0 &&
          q.reachTest <= 1 &&
          q.reachValidation >= 0 &&
          q.reachValidation <= 1 &&
          q.offsetBaseline >= 0 &&
          q.offsetUq >= 0,
      );
    assert.equal(claimOf(rec, "The baseline (measurement number only) stops every sequence at one index").holds, true);
    for (const t of [
      "The baseline's single stopping index is nine measurements",
      "The UQ model reduces the mean absolute offset by about two measurements (ours: a reduction of 1–3)",
      "UQ's improvement comes mainly from fewer too-late stops, at the cost of more premature (FP) stops",
    ])
      assert.equal(typeof claimOf(rec, t).holds, "boolean");
    assert.equal(
      claimOf(rec, "The UQ model reduces the mean absolute offset by about two measurements (ours: a reduction of 1–3)")
        .holds,
      d.offsetReduction >= 1 && d.offsetReduction <= 3,
    );
  },
);
