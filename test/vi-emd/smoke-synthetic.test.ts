// Runs the VI-EMD synthetic Gaussian-pulse notebooks (Fig. 9; Fig. 2 top and Fig. 10) at smoke through the
// headless runner (real tslab kernel) in one sandbox, and checks each exported record: plots, claims with the
// right holds type, finite numbers, and that the recorded optimum of every test condition is the argmin of the
// recorded per-model distortions (and the gaps / differences follow from the recorded numbers).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { claimOf, finite, smokeSandbox } from "../notebook/smoke-harness";
import { PULSE_CONDITIONS } from "../../lib/data/gaussian-pulses";

const sandbox = smokeSandbox("vi-emd", "vi-emd-synthetic");
after(() => sandbox.cleanup());
const run = (name: string) => sandbox.run(name);
const CONDS = Object.keys(PULSE_CONDITIONS);

test(
  "Fig. 9 notebook: a Gaussian-pulse example, its spectrograms, and the test conditions' mixtures",
  { timeout: 300_000 },
  async () => {
    const rec = await run("fig09-pulse-spectrograms");
    assert.equal(rec.figure, "Fig. 9");
    assert.equal(rec.plots?.length, 2);
    const d = rec.data as {
      exampleIndex: number;
      conditions: string[];
      nChecked: number;
      pulses: { f0: number }[][];
      pulsesInRange: number;
      nPulses: number;
      harmonicContrastDb: number[];
      sharedBinFraction: number[];
      conditionNoise: { cond: string; noiseSd: number; expectedSd: number; inBandShare: number }[];
    };
    assert.equal(d.exampleIndex, 102176, "the first test example of replicate 1 (100000 + 2048 + 128)");
    assert.deepEqual(d.conditions, CONDS);
    assert.equal(d.nChecked, 8);
    assert.equal(d.pulses.length, 2);
    for (const ps of d.pulses) assert.equal(ps.length, 3, "three pulses per source");
    for (const p of d.pulses[0]) assert.ok(p.f0 >= 300 && p.f0 <= 400);
    for (const p of d.pulses[1]) assert.ok(p.f0 >= 100 && p.f0 <= 200);
    assert.equal(d.nPulses, 8 * 2 * 3);
    for (const v of [...d.harmonicContrastDb, ...d.sharedBinFraction]) finite(v, "check value");
    for (const v of d.sharedBinFraction) assert.ok(v >= 0 && v <= 1);
    assert.equal(d.conditionNoise.length, CONDS.length);
    for (const c of d.conditionNoise) {
      finite(c.noiseSd, `${c.cond} noise sd`);
      assert.ok(c.inBandShare >= 0 && c.inBandShare <= 1);
    }
    // Fig. 9 has 3 spectrograms; the conditions figure one per condition
    assert.equal((rec.plots![0] as { data: { type: string }[] }).data.filter((t) => t.type === "heatmap").length, 3);
    assert.equal(
      (rec.plots![1] as { data: { type: string }[] }).data.filter((t) => t.type === "heatmap").length,
      CONDS.length,
    );
    const texts = [
      "Each source is three Gaussian-envelope pulses with fundamentals in the speaker's range and four overtones",
      "The overtones make the two sources share time–frequency regions although the fundamental ranges do not overlap",
      "The test conditions change the noise as described (NA = noise sd, AMN = 2 Hz modulation, BPFN = noise only in the speakers' bands)",
    ];
    assert.equal(rec.claims.length, texts.length);
    for (const t of texts) {
      assert.equal(typeof claimOf(rec, t).holds, "boolean", t);
      assert.equal(claimOf(rec, t).kind, "check", t);
    }
    assert.equal(d.pulsesInRange, d.nPulses);
    const bpfn = d.conditionNoise.find((c) => c.cond === "BPFN")!;
    assert.ok(Math.abs(bpfn.expectedSd - 0.5 * Math.sqrt(0.05)) < 1e-9, "BPFN: white noise filtered, sd NA·√0.05");
    assert.ok(Math.abs(bpfn.noiseSd - bpfn.expectedSd) < 0.02, `BPFN sd ${bpfn.noiseSd}`);
  },
);

test(
  "Fig. 2 (top) / Fig. 10 notebook: VI-TasNets toward target rates, evaluated under every test condition",
  { timeout: 300_000 },
  async () => {
    const rec = await run("fig02-fig10-synthetic-rd");
    assert.equal(rec.figure, "Fig. 2 (top), Fig. 10");
    assert.equal(rec.plots?.length, 3);
    type Score = { rate: number; distortion: number; siSdri: number; perExample: number[] };
    type Paired = { mean: number; se: number; p: number; n: number };
    const d = rec.data as {
      conditions: string[];
      trainingCondition: string;
      frames: number;
      samples: number;
      latentPerFrame: number;
      models: {
        targetPerSample: number;
        target: number;
        hash: string;
        reloaded: boolean;
        finalTrainingRatePerDim: number;
        finalBeta: number;
      }[];
      results: Record<string, Score[]>;
      optimum: Record<string, number>;
      highRateModel: number;
      gaps: Record<string, number>;
      deltas: Record<string, number>;
      tests: {
        interior: { lowVsOpt: Paired; highVsOpt: Paired };
        lowGrow: Paired;
        deltas: Record<string, Paired>;
        gapChanges: Record<string, Paired>;
        alpha: number;
      };
    };
    assert.deepEqual(d.conditions, CONDS);
    assert.equal(d.trainingCondition, "NA 0.5 (training)");
    assert.equal(d.latentPerFrame, 96, "N + 2N latent elements per frame for N = 32");
    assert.equal(d.samples, 2000, "smoke examples: 0.25 s at 8 kHz (targets are per input sample)");
    assert.equal(d.models.length, 3);
    assert.equal(new Set(d.models.map((m) => m.hash)).size, 3, "one run per target");
    for (let i = 1; i < d.models.length; i++)
      assert.ok(d.models[i].targetPerSample > d.models[i - 1].targetPerSample, "targets increase");
    for (const m of d.models) {
      assert.equal(m.reloaded, false, "fresh runs dir");
      assert.ok(
        Math.abs(m.target - m.targetPerSample * d.samples) < 1e-2,
        "target per example = per input sample × samples",
      );
      finite(m.finalTrainingRatePerDim, "final training rate");
      assert.ok(m.finalBeta > 0);
    }
    for (const c of CONDS) {
      const r = d.results[c];
      assert.equal(r.length, d.models.length, c);
      for (const s of r) {
        finite(s.rate, `${c} rate`);
        finite(s.distortion, `${c} distortion`);
        finite(s.siSdri, `${c} SI-SDRi`);
        assert.ok(s.rate > 0, `${c} rate ${s.rate}`);
      }
      for (const s of r) {
        assert.equal(s.perExample.length, 4, `${c}: one distortion per test example`);
        const m = s.perExample.reduce((a, b) => a + b, 0) / s.perExample.length;
        assert.ok(
          Math.abs(m - s.distortion) < 1e-6 * Math.max(1, Math.abs(m)),
          `${c}: mean of the per-example distortions`,
        );
      }
      const ds = r.map((s) => s.distortion);
      assert.equal(
        d.optimum[c],
        ds.indexOf(Math.min(...ds)),
        `${c}: optimum is the argmin of the recorded distortions`,
      );
      const gap = ds[d.highRateModel] - ds[d.optimum[c]];
      assert.ok(Math.abs(d.gaps[c] - gap) < 1e-9 && d.gaps[c] >= 0, `${c}: gap`);
      assert.ok(Math.abs(d.deltas[c] - d.tests.deltas[c].mean) < 1e-9, `${c}: Δ is the mean of the paired differences`);
    }
    const tr = d.results[d.trainingCondition].map((s) => s.rate);
    assert.equal(
      d.highRateModel,
      tr.indexOf(Math.max(...tr)),
      "the high-rate model has the largest training-condition rate",
    );
    assert.equal(d.deltas[d.trainingCondition], 0);
    // Fig. 10: one panel per condition (a black training curve in each, a red one in all but the training panel)
    const f10 = rec.plots![1] as { data: { line?: { color?: string }; marker?: { color?: string } }[] };
    assert.equal(
      f10.data.filter(
        (t) => t.marker?.color === "#d62728" && (t as { marker: { symbol?: string } }).marker.symbol === "star",
      ).length,
      CONDS.length - 1,
    );
    const texts = [
      "An interior optimal rate exists on the training condition",
      "An optimal rate lower than the highest rates exists in the low, training and high noise settings",
      "The high-rate models generalise worse to low noise than the optimum does (the gap grows at low noise)",
      "At higher noise the high-rate models' gap does not grow",
      "Fewer overlapping sines or no overtones make separation easier; more make it harder",
      "Amplitude-modulated and band-pass filtered noise make the problem slightly easier",
      "Short pulses are harder, long pulses easier, and a wider width range changes little",
      "Changed speaker frequency ranges give poorer distortion",
      "The highest targets are not reached: achieved rates saturate below them",
      "For OS, OT and FR there is no clear difference between optimal and higher-rate models in generalisation",
    ];
    assert.equal(rec.claims.length, texts.length);
    for (const t of texts) {
      assert.equal(typeof claimOf(rec, t).holds, "boolean", t);
      assert.equal(claimOf(rec, t).kind, "result", t);
    }
    // holds follows the recorded paired tests (two-sided p < alpha with the stated sign)
    const sig = (t: Paired, sign: number) => sign * t.mean > 0 && t.p < d.tests.alpha;
    const oT = d.optimum[d.trainingCondition];
    assert.equal(
      claimOf(rec, texts[0]).holds,
      oT !== 0 && oT !== d.models.length - 1 && sig(d.tests.interior.lowVsOpt, 1) && sig(d.tests.interior.highVsOpt, 1),
    );
    assert.equal(claimOf(rec, texts[2]).holds, sig(d.tests.lowGrow, 1));
    assert.equal(
      claimOf(rec, texts[7]).holds,
      ["FR expanded", "FR nearly overlapping", "FR overlapping"].every((c) => sig(d.tests.deltas[c], 1)),
    );
    assert.equal(
      claimOf(rec, texts[9]).holds,
      Object.values(d.tests.gapChanges).every((t) => !(t.p < d.tests.alpha)),
    );
    for (const c of rec.claims)
      if (c.holds !== true) assert.ok(c.cause, `${c.text}: a claim that does not hold has a cause`);
  },
);
