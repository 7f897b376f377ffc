// Runs the CD-VAE Poisson notebooks (Fig. 3, 4, 6, 7) at smoke through the headless runner (real tslab kernel) in
// one sandbox: Fig. 4 trains the CD-VAE and the ODE-like CD-VAE, the others must reload the CD-VAE. Checks each
// record: plots, claims (with the numbers behind the verdicts recomputed from the recorded data), finite numbers.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { claimOf, finite, smokeSandbox } from "../notebook/smoke-harness";

const sandbox = smokeSandbox("cd-vae", "cdvae-poisson");
after(() => sandbox.cleanup());
let cdHash = "";

type Row = {
  step: number;
  negElbo: number;
  se: number;
  distortion: number;
  pathRate: number;
  initialRate: number;
  change: number;
  changeSe: number;
};

test("Fig. 4 notebook: loss components against the step size for both variants", { timeout: 400_000 }, async () => {
  const rec = await sandbox.run("fig04-poisson-step-size");
  assert.equal(rec.figure, "Fig. 4");
  assert.equal(rec.plots?.length, 2);
  const d = rec.data as {
    runs: Record<string, { hash: string; reloaded: boolean }>;
    steps: number[];
    trainStep: number;
    summary: Record<"cd-vae" | "ode-like", Row[]>;
    scaling: { mean: number; sd: number };
    noiseSd: number;
    floor: { conditional: number; mixture: number };
    paired: { worseBound: { m: number; se: number } };
  };
  assert.deepEqual(Object.keys(d.runs).sort(), ["cd-vae", "ode-like"]);
  assert.ok(!d.runs["cd-vae"].reloaded && !d.runs["ode-like"].reloaded, "a fresh sandbox trains both");
  assert.notEqual(d.runs["cd-vae"].hash, d.runs["ode-like"].hash);
  cdHash = d.runs["cd-vae"].hash;
  assert.equal(d.trainStep, 0.1);
  for (const v of ["cd-vae", "ode-like"] as const) {
    const rows = d.summary[v];
    assert.deepEqual(
      rows.map((r) => r.step),
      d.steps,
    );
    for (const r of rows)
      for (const k of ["negElbo", "se", "distortion", "pathRate", "initialRate", "change", "changeSe"] as const)
        finite(r[k], `${v} ${k} at ${r.step}`);
    const ref = rows.find((r) => r.step === 0.1)!;
    assert.equal(ref.change, 0);
    for (const r of rows) {
      // −ELBO = D + initial (+ path for the CD-VAE): means are linear
      const want = r.distortion + r.initialRate + (v === "cd-vae" ? r.pathRate : 0);
      assert.ok(
        Math.abs(r.negElbo - want) < 1e-6 * Math.max(1, Math.abs(want)),
        `${v} at ${r.step}: ${r.negElbo} vs ${want}`,
      );
      assert.ok(
        Math.abs(r.change - (r.negElbo - ref.negElbo)) < 1e-6 * Math.max(1, Math.abs(r.negElbo)),
        "paired mean change = difference of means",
      );
      assert.ok(r.pathRate >= 0 && r.initialRate >= 0);
    }
  }
  const C = d.summary["cd-vae"],
    O = d.summary["ode-like"];
  const small = (rows: Row[]) => rows.reduce((a, b) => (b.step < a.step ? b : a));
  assert.equal(
    claimOf(rec, "CD-VAE: the ELBO improves when the step size shrinks below the training step").holds,
    small(C).change < -2 * small(C).changeSe,
  );
  assert.equal(
    claimOf(rec, "ODE-like: it does not improve when the step shrinks (paired change at the smallest step > −2 se)")
      .holds,
    small(O).change > -2 * small(O).changeSe,
  );
  assert.equal(
    claimOf(rec, "ODE-like: a worse bound than the CD-VAE (best −ELBO of each)").holds,
    d.paired.worseBound.m > 2 * d.paired.worseBound.se,
  );
  // standardised data: the noise sd on that scale is 5e-3 / sd; the floor is ≈ 72 nats (raw: ≈ −993)
  assert.ok(Math.abs(d.noiseSd - 5e-3 / d.scaling.sd) < 1e-12 && d.scaling.sd > 0.01 && d.scaling.sd < 0.02);
  assert.ok(d.floor.conditional > 65 && d.floor.conditional < 80, `floor ${d.floor.conditional}`);
  // −log(½ p_own + ½ p_other) ≤ −log(½ p_own)
  assert.ok(
    d.floor.mixture <= d.floor.conditional + Math.log(2) + 1e-9,
    `floor ${d.floor.mixture} vs ${d.floor.conditional}`,
  );
  assert.deepEqual(
    rec.claims.map((c) => c.kind),
    ["result", "result", "result", "check", "result", "result", "result", "result", "result"],
  );
  assert.equal(rec.claims.length, 9);
  assert.ok(rec.claims.every((c) => typeof c.holds === "boolean"));
});

test(
  "Fig. 3 notebook: prior and posterior processes of the trained model (reloads it)",
  { timeout: 300_000 },
  async () => {
    const rec = await sandbox.run("fig03-poisson-processes");
    const d = rec.data as {
      runHash: string;
      maxInitialDifference: number;
      maxUpsampleDifference: number;
      incrementCorrelation: number;
      meanTerminalDifference: number;
      levels: { resolution: number; steps: number }[];
    };
    if (cdHash) assert.equal(d.runHash, cdHash, "the same CD-VAE as Fig. 4");
    assert.deepEqual(d.levels, [
      { resolution: 1, steps: 10 },
      { resolution: 2, steps: 10 },
      { resolution: 4, steps: 10 },
    ]);
    // 2 examples × 4 channels; each panel 2 × (1 + 4 + 16) lines
    const traces = rec.plots![0].data as { xaxis?: string }[];
    assert.equal(traces.length, 8 * 2 * 21);
    assert.ok(d.maxInitialDifference < 1e-5 && d.maxUpsampleDifference < 1e-5, "construction checks");
    assert.ok(d.incrementCorrelation >= -1 && d.incrementCorrelation <= 1);
    assert.equal(
      claimOf(
        rec,
        "The two processes are similar (shared Brownian path and diffusion) but differ through their drifts (increment r ≥ 0.5; mean |terminal difference| > 1e-3; our thresholds)",
      ).holds,
      d.incrementCorrelation >= 0.5 && d.meanTerminalDifference > 1e-3,
    );
    assert.equal(rec.claims.length, 3);
    assert.deepEqual(
      rec.claims.map((c) => c.kind),
      ["check", "check", "result"],
    );
  },
);

test("Fig. 6 notebook: ground truths, data, reconstructions, prior samples", { timeout: 300_000 }, async () => {
  const rec = await sandbox.run("fig06-poisson-overview");
  assert.deepEqual(
    rec.plots?.map((p) => p.title),
    [
      "Fig. 6a: ground truths",
      "Fig. 6c: training images",
      "Fig. 6b: reconstructions with samples",
      "Fig. 6d: prior samples",
    ],
  );
  const d = rec.data as {
    runHash: string;
    nTest: number;
    recToTruth: number;
    inputToTruth: number;
    correct: number;
    noiseSd: number;
    recMinusInput: { m: number; se: number };
    perClass: number[];
    perClassN: number[];
    prior: { n: number; goodShare: number; classShare: number[]; correlations: number[] };
  };
  if (cdHash) assert.equal(d.runHash, cdHash);
  assert.equal(d.nTest, 102);
  assert.deepEqual([d.perClassN[0] + d.perClassN[1], d.perClass[0] + d.perClass[1]], [d.nTest, d.correct]);
  // standardised scale: the noisy inputs sit one noise sd (5e-3 raw, 5e-3 / sd standardised) from their truth
  assert.ok(
    Math.abs(d.inputToTruth - d.noiseSd) < 0.1 * d.noiseSd,
    `input RMSE to truth ${d.inputToTruth} vs ${d.noiseSd}`,
  );
  assert.equal(d.prior.correlations.length, d.prior.n);
  assert.ok(Math.abs(d.prior.goodShare - d.prior.correlations.filter((r) => r >= 0.9).length / d.prior.n) < 1e-12);
  assert.equal(
    claimOf(rec, "Reconstructions recover the noise-free ground truth (RMSE to the truth below the input's)").holds,
    d.recMinusInput.m < -2 * d.recMinusInput.se,
  );
  assert.ok(Math.abs(d.recMinusInput.m - (d.recToTruth - d.inputToTruth)) < 1e-9);
  assert.equal(
    claimOf(
      rec,
      "Reconstructions identify their ground truth (nearest truth correct for ≥ 95 % of test images; our threshold)",
    ).holds,
    d.correct / d.nTest >= 0.95,
  );
  assert.equal(rec.claims.length, 3);
});

test("Fig. 7 notebook: states, drifts, diffusion and path rates of one example", { timeout: 300_000 }, async () => {
  const rec = await sandbox.run("fig07-poisson-latent-example");
  const d = rec.data as {
    runHash: string;
    diffusions: number[];
    levels: { resolution: number; steps: number; pathRate: number; integral: number; driftLinearR2: number }[];
  };
  if (cdHash) assert.equal(d.runHash, cdHash);
  assert.equal(d.levels.length, 3);
  for (const l of d.levels) {
    finite(l.pathRate, "path rate");
    assert.ok(
      Math.abs(l.integral - l.pathRate) <= 1e-4 * Math.max(1e-12, Math.abs(l.pathRate)) + 1e-9,
      `∫ ${l.integral} vs ${l.pathRate}`,
    );
    assert.ok(l.driftLinearR2 <= 1);
  }
  d.diffusions.forEach((s) => assert.ok(s > 0));
  // 5 rows × 3 levels of panels
  const axes = new Set((rec.plots![0].data as { xaxis?: string }[]).map((t) => t.xaxis ?? "x"));
  assert.equal(axes.size, 15);
  assert.equal(
    claimOf(
      rec,
      "The learned dynamics are simple: a straight line in depth per coordinate explains ≥ 90 % of the posterior drift's variation in every level (our reading and threshold)",
    ).holds,
    d.levels.every((l) => l.driftLinearR2 >= 0.9),
  );
  assert.equal(rec.claims.length, 2);
});
