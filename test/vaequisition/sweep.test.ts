// Rate sweeps (lib/vaequisition/sweep) and their named settings (sweep-settings): a tiny sweep trains
// and evaluates every target × seed, a second call reloads the models and the cached metrics unchanged,
// a changed evaluation (τ) recomputes the stopping numbers but not the models; the evaluation agrees
// with an independent call of evaluatePartialRd and with Eq. 6; bad settings name what is wrong; the
// settings build the data the paper describes (splits, corruptions, labelled stand-ins).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { initEngine } from "../../lib/engine/backend";
import { archetypalAudiograms, audiogramPart } from "../../lib/data/audiograms";
import { paperTargetRates, evaluatePartialRd, trainPartialVaeRun } from "../../lib/vaequisition/runs";
import { SweepPlan, SweepSetting, argMin, optimum, rateSweep } from "../../lib/vaequisition/sweep";
import { STOP_TAU_DB, SWEEP_SETTING_NAMES, sweepPlan, sweepSetting } from "../../lib/vaequisition/sweep-settings";
import { staticMask } from "../../lib/vaequisition/missingness";
import { fitScaler } from "../../lib/vaequisition/scaling";
import { partialVaeConfig } from "../../lib/models/partial-vae";

let tmp = "";
before(async () => {
  await initEngine();
  tmp = mkdtempSync(join(tmpdir(), "vaelab-sweep-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function tinySetting(tau = 5): SweepSetting {
  const data = archetypalAudiograms({ seed: "sweep-test", n: 400, quantize: 5 });
  const tr = audiogramPart(data, "train"),
    va = audiogramPart(data, "validation"),
    te = audiogramPart(data, "test");
  return {
    name: "tiny",
    dataKey: data.key,
    train: tr.x,
    validation: { name: "validation", key: "val", x: va.x, truth: va.clean },
    domains: [
      { name: "test", key: "test", x: te.x, truth: te.clean },
      { name: "train rows", key: "train", x: tr.x, truth: tr.clean },
    ],
    missingness: "static",
    dequantize: true,
    tau,
  };
}
const plan: SweepPlan = {
  targets: [1, 4],
  seeds: [3],
  zDim: 2,
  schedule: { epochs: 3, learningRate: 1e-3, batchSize: 64 },
  sequences: 12,
  samples: 8,
  preset: "smoke",
};

test(
  "rateSweep: trains every target × seed, evaluates each domain, reloads models and cached metrics",
  { timeout: 120_000 },
  async () => {
    const logs: string[] = [];
    const first = await rateSweep(tinySetting(), plan, { runsDir: tmp, progress: "none", log: (s) => logs.push(s) });
    assert.equal(first.length, 2);
    assert.deepEqual(
      first.map((m) => m.target),
      [1, 4],
    );
    assert.equal(logs.length, 2);
    assert.match(logs[1], /\[2\/2\] tiny R\* = 4 seed 3: trained/);
    for (const m of first) {
      assert.equal(m.reloaded, false);
      assert.ok(Number.isFinite(m.beta) && m.beta > 0, `β ${m.beta}`);
      assert.ok(Number.isFinite(m.trainBatchRate));
      for (const name of ["test", "train rows"]) {
        const d = m.domains[name];
        assert.ok(d, `domain ${name}`);
        assert.equal(d.sequences, 12);
        assert.equal(d.rmseCurve.length, 15);
        // Eq. 6: the area is the sum of the (mean) curve
        assert.ok(Math.abs(d.aRmse - d.rmseCurve.reduce((a, b) => a + b, 0)) < 1e-6);
        assert.ok(Math.abs(d.elbo + d.distortion + d.rate) < 1e-9);
        for (const s of [d.uq, d.baseline]) {
          assert.ok(s.offset >= 0 && s.stop >= 0 && s.stop <= 14 && s.trueStop >= 0 && s.trueStop <= 14);
          assert.ok(s.rmseAtStop > 0);
        }
      }
      assert.equal(m.uqModel.coef.length, 3);
    }
    // the training-domain RD equals an independent evaluation with the same fixed evaluation mask
    const s = tinySetting();
    const pv = await trainPartialVaeRun({
      config: partialVaeConfig({ xDim: 15, zDim: 2 }),
      data: { key: s.dataKey, train: s.train },
      scaler: fitScaler(s.train),
      missingness: { kind: "static", seed: "tiny/train-mask" },
      dequantize: { step: 5, dims: Array.from({ length: 14 }, (_, i) => i + 1) },
      objective: { kind: "target-rate", target: 1 },
      schedule: plan.schedule,
      seed: 3,
      preset: "smoke",
      runsDir: tmp,
      progress: "none",
    });
    assert.equal(pv.run.reloaded, true, "same run key as the sweep's first model");
    assert.equal(pv.run.hash, first[0].hash);
    const rd = await evaluatePartialRd(
      { ...pv.acquisition, samples: 8 },
      s.domains[0].x,
      staticMask(s.domains[0].x, "eval-mask/test"),
      { rng: `sweep-eval/${pv.run.hash}/rd/test` },
    );
    assert.ok(
      Math.abs(rd.distortion - first[0].domains.test.distortion) < 1e-9 &&
        Math.abs(rd.rate - first[0].domains.test.rate) < 1e-9,
    );
    // static missingness: the training RD uses the training mask itself
    const trd = await evaluatePartialRd(
      { ...pv.acquisition, samples: 8 },
      s.train,
      staticMask(s.train, "tiny/train-mask"),
      { rng: `sweep-eval/${pv.run.hash}/train-rd` },
    );
    assert.ok(Math.abs(trd.distortion - first[0].train.distortion) < 1e-9);

    const again = await rateSweep(tinySetting(), plan, { runsDir: tmp, progress: "none", log: () => undefined });
    again.forEach((m, i) => {
      assert.equal(m.reloaded, true);
      assert.deepEqual({ ...m, reloaded: false }, first[i]);
    });
    // a different τ is a different evaluation: same models, same RD, new stopping numbers (τ = 1 dB is never reached)
    const strict = await rateSweep(tinySetting(1), plan, { runsDir: tmp, progress: "none", log: () => undefined });
    strict.forEach((m, i) => {
      assert.equal(m.hash, first[i].hash);
      assert.equal(m.domains.test.distortion, first[i].domains.test.distortion);
      assert.equal(m.domains.test.uq.trueStop, 14, "no sequence falls below 1 dB, so every true stop is the last step");
    });
    assert.equal(first[0].domains.test.extraStops, undefined, "no further thresholds unless the setting asks");
    // further thresholds: evaluated from the same traces, so the main stopping numbers are unchanged, and the
    // summary at τ' equals a sweep whose main threshold is τ' (here τ' = 1 dB: every estimated stop is the last)
    const extra = await rateSweep({ ...tinySetting(), extraTaus: [1] }, plan, {
      runsDir: tmp,
      progress: "none",
      log: () => undefined,
    });
    extra.forEach((m, i) => {
      assert.equal(m.hash, first[i].hash);
      assert.deepEqual(m.domains.test.uq, first[i].domains.test.uq);
      const [e] = m.domains.test.extraStops!;
      assert.equal(e.tau, 1);
      assert.deepEqual(e.uq, strict[i].domains.test.uq);
      assert.deepEqual(e.baseline, strict[i].domains.test.baseline);
      // the mean stop is 14 exactly when every stop is the last measurement
      assert.equal(e.uq.stop === 14, e.uqAtLast === 1);
      assert.equal(e.baseline.stop === 14, e.baselineAtLast === 1);
      assert.ok(e.uqAtLast >= 0 && e.uqAtLast <= 1 && e.baselineAtLast >= 0 && e.baselineAtLast <= 1);
      if (e.uq.stop < 14) assert.ok(e.uqAtLast < 1, "some stop before the last measurement");
    });
  },
);

test("rateSweep: bad settings and plans are named", async () => {
  const s = tinySetting();
  const bad = {
    ...s,
    domains: [{ ...s.domains[0], x: { values: new Float32Array(10 * 14), shape: [10, 14] as [number, number] } }],
  };
  await assert.rejects(
    rateSweep(bad, plan, { runsDir: tmp }),
    /domain "test" x has shape \[10,14\], expected \[n, 15\]/,
  );
  await assert.rejects(
    rateSweep({ ...s, domains: [s.domains[0], s.domains[0]] }, plan, { runsDir: tmp }),
    /domain names repeat/,
  );
  await assert.rejects(rateSweep({ ...s, domains: [] }, plan, { runsDir: tmp }), /no test domain/);
  await assert.rejects(rateSweep({ ...s, tau: 0 }, plan, { runsDir: tmp }), /thresholds must be > 0 dB, got 0/);
  await assert.rejects(
    rateSweep({ ...s, extraTaus: [5, -1] }, plan, { runsDir: tmp }),
    /setting "tiny": stopping thresholds must be > 0 dB, got -1/,
  );
  await assert.rejects(rateSweep(s, { ...plan, targets: [] }, { runsDir: tmp }), /at least one target/);
  await assert.rejects(rateSweep(s, { ...plan, targets: [-1] }, { runsDir: tmp }), /target rates must be > 0/);
});

test("argMin and optimum pick the smallest finite value", () => {
  assert.equal(argMin([3, NaN, 1, 1, 2]), 2);
  assert.equal(argMin([NaN]), -1);
  assert.equal(argMin([]), -1);
  const mk = (rate: number, a: number) => ({
    target: rate,
    seed: 1,
    hash: "",
    trainBatchRate: rate,
    beta: 1,
    train: { distortion: 0, rate, elbo: 0 },
    uqModel: { lambda: 0, coef: [], intercept: 0 },
    reloaded: false,
    domains: {
      t: {
        distortion: 1,
        rate,
        elbo: 0,
        aRmse: a,
        rmseCurve: [],
        uq: { offset: 0, stop: 0, rmseAtStop: 0, trueStop: 0 },
        baseline: { offset: 0, stop: 0, rmseAtStop: 0, trueStop: 0 },
        sequences: 1,
      },
    },
  });
  const o = optimum([mk(1, 50), mk(2, 40), mk(5, 45)], "t", (m) => m.domains.t.aRmse);
  assert.deepEqual(o, { index: 1, rate: 2, value: 40 });
  assert.equal(
    optimum([], "t", () => 1),
    null,
  );
});

test("sweep settings: data, splits, corruptions, labelled stand-ins; plans per preset", async () => {
  const st = await sweepSetting("synthetic-static", "smoke");
  assert.equal(st.setting.missingness, "static");
  assert.equal(st.setting.dequantize, false);
  assert.equal(st.setting.train.shape[0] + st.setting.validation.x.shape[0] + st.setting.domains[0].x.shape[0], 1024);
  assert.deepEqual(
    st.setting.domains.map((d) => d.name),
    ["test"],
  );
  // thresholds are on the 5 dB grid (what dequantisation undoes)
  for (let i = 0; i < 50; i++) for (let d = 1; d < 15; d++) assert.ok(st.setting.train.values[i * 15 + d] % 5 === 0);
  const dy = await sweepSetting("synthetic-dynamic", "smoke");
  assert.deepEqual(
    dy.setting.domains.map((d) => d.name),
    ["test", "small corruption", "large corruption"],
  );
  assert.equal(dy.setting.dequantize, true);
  assert.deepEqual(dy.setting.dataKey, st.setting.dataKey, "both synthetic settings train on the same data");
  // the corruption moves the clean audiograms by about scale × overall sd (large ≫ small)
  const shift = (k: number) => {
    const a = dy.setting.domains[0].truth.values,
      b = dy.setting.domains[k].truth.values;
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
    return Math.sqrt(s / a.length);
  };
  assert.ok(shift(1) > 0 && shift(2) > 5 * shift(1), `corruption shifts ${shift(1)} vs ${shift(2)}`);
  const real = await sweepSetting("real", "smoke");
  assert.match(real.note, /STAND-IN/);
  assert.deepEqual(
    real.setting.domains.map((d) => d.name),
    ["NHANES stand-in", "HÖRSTAT stand-in"],
  );
  assert.equal(real.setting.tau, STOP_TAU_DB.real);
  assert.equal(real.setting.domains[1].x.shape[0], 256);
  assert.equal(
    real.setting.train.shape[0] + real.setting.validation.x.shape[0] + real.setting.domains[0].x.shape[0],
    1024,
  );
  // demo: 0.25-nat steps from 1.5 to 3 nats where the optima lie, then a few high rates; 5 seeds on the synthetic
  // settings and 3 (the paper's count) on the real one (issue 20)
  assert.deepEqual(sweepPlan("real", "demo").targets, [0.5, 1, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.5, 4, 5, 8, 15]);
  for (const name of SWEEP_SETTING_NAMES)
    assert.deepEqual(sweepPlan(name, "demo").seeds, name === "real" ? [1, 2, 3] : [1, 2, 3, 4, 5]);
  assert.deepEqual(sweepPlan("real", "paper").targets, paperTargetRates());
  assert.equal(sweepPlan("real", "paper").seeds.length, 3);
  assert.equal(sweepPlan("synthetic-dynamic", "paper").seeds.length, 10);
  await assert.rejects(sweepSetting("bogus" as never, "smoke"), /unknown setting "bogus"/);
});
