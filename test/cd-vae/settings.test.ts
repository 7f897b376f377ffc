// The CD-VAE settings table: the run keys built from it hash as they did before the table (a changed number would
// retrain a run), and the scale lines of the notebooks' differences state the table's numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CD_VAE_SETTINGS,
  mnistEvaluationScale,
  mnistSamplesScale,
  mnistScale,
  poissonEvaluationScale,
  poissonScale,
} from "../../lib/cd-vae/settings";
import { mnistCdVaePreset, poissonCdVaePreset } from "../../lib/cd-vae/runs";
import { formatNumber as n } from "../../lib/notebook/differences";
import { PRESETS } from "../../lib/notebook/preset";
import { configHash } from "../../lib/train/run-cache";

// demo Poisson: issue 20 dropped the gradient clipping the raw data needed (the models now learn standardised data)
test("run keys of the Poisson and MNIST presets hash as before the settings table", () => {
  const want = {
    smoke: {
      cd: "0783dae9febfc87c",
      ode: "e27254772d14715d",
      mnist: "f01d67e8847c14f7",
      mnistData: "cb8bb8cc639396d1",
    },
    // 2026-12-07: the Poisson demo trains 2400 updates (1200 before: cd 484814a564004765, ode 1958113b750bdaf1) and
    // the MNIST demo 2800 steps (1500 before: mnist d479f4502e197f79)
    demo: { cd: "0877749e38ad276f", ode: "9107cfa48d76363a", mnist: "3fbffd7ce798ff40", mnistData: "44136fa355b3678a" },
    paper: {
      cd: "2caf86369d307182",
      ode: "3ecf9d243a1d6aa6",
      mnist: "d52c713e6d420051",
      mnistData: "44136fa355b3678a",
    },
  };
  for (const p of PRESETS) {
    assert.equal(configHash(poissonCdVaePreset(p)), want[p].cd, `Poisson CD-VAE at ${p}`);
    assert.equal(configHash(poissonCdVaePreset(p, "ode-like")), want[p].ode, `Poisson ODE-like at ${p}`);
    assert.equal(configHash(mnistCdVaePreset(p)), want[p].mnist, `MNIST at ${p}`);
    assert.equal(configHash(CD_VAE_SETTINGS[p].mnist.data), want[p].mnistData, `MNIST data options at ${p}`);
  }
});

test("the Poisson demo line states lr 1e-3 (no clipping) against the paper's 3e-4", () => {
  assert.equal(
    poissonScale("demo"),
    "demo: 32 channels, 2400 updates of batch 64 at lr 1e-3, warm-up 300 " +
      "(paper preset: 128 channels, 4000 updates of batch 128 at lr 3e-4, warm-up 1000)",
  );
  assert.equal(poissonScale("paper"), "paper preset: 128 channels, 4000 updates of batch 128 at lr 3e-4, warm-up 1000");
});

test("every scale line contains the numbers of its preset's entry and the paper preset's", () => {
  for (const p of PRESETS) {
    for (const s of [CD_VAE_SETTINGS[p], CD_VAE_SETTINGS.paper]) {
      const poisson = poissonScale(p),
        mnist = mnistScale(p);
      for (const x of [
        s.poisson.channels,
        s.poisson.warmupSteps,
        s.poisson.schedule.steps,
        s.poisson.schedule.batchSize,
        s.poisson.schedule.learningRate,
      ]) {
        assert.ok(poisson.includes(n(x)), `${poisson} lacks ${n(x)}`);
      }
      const m = s.mnist;
      for (const x of [
        m.channels,
        m.driftChannels,
        m.latentChannels,
        m.warmupSteps,
        m.schedule.steps,
        m.schedule.batchSize,
        m.schedule.learningRate,
      ]) {
        assert.ok(mnist.includes(n(x)), `${mnist} lacks ${n(x)}`);
      }
      assert.ok(poissonEvaluationScale(p).includes(`${n(s.poissonEvaluation.samples)} single-sample`));
      assert.ok(poissonEvaluationScale(p).includes(`${n(s.poissonEvaluation.pathResolution)} points`));
      assert.ok(mnistEvaluationScale(p).includes(`first ${n(s.mnistTestImages)} test images`));
      for (const x of [s.mnistSamples.images, s.mnistSamples.inputs, s.mnistSamples.samplesPerInput])
        assert.ok(mnistSamplesScale(p).includes(n(x)));
    }
    if (p !== "paper") assert.match(poissonScale(p), new RegExp(`^${p}: .* \\(paper preset: .*\\)$`));
  }
  assert.ok(mnistScale("smoke").includes("256 training images"));
});
