// The VAEquisition settings table: the sweep plans hash as before the table (a changed number would retrain a run),
// the data sizes are the sweep's, and the scale lines of the notebooks' differences state the table's numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  VAEQUISITION_SETTINGS,
  acquisitionFunctionScale,
  archetypeCurvesScale,
  archetypeModelScale,
  realSweepScale,
  stoppingScale,
  sweepScale,
} from "../../lib/vaequisition/settings";
import { SWEEP_SETTING_NAMES, sweepPlan } from "../../lib/vaequisition/sweep-settings";
import { formatNumber as n } from "../../lib/notebook/differences";
import { PRESETS } from "../../lib/notebook/preset";
import { configHash } from "../../lib/train/run-cache";

test("sweep plans and the archetype schedule hash as before the settings table; data sizes", () => {
  const want = {
    smoke: { synthetic: "277801bbb7756985", real: "277801bbb7756985", archetypes: "3c737df4401cbca7" },
    // demo: 14 targets × 3 seeds since session 10 (0754e8e1fa17ea2d for 10 targets × 3 seeds, e16bbd1235cad4a5 for 12
    // × 2; a plan's hash is not a run key: each model's run key holds its own target and seed, so models are reused);
    // synthetic 5 seeds since session 11 (a86722f282e114a6 for 3)
    demo: { synthetic: "7bb654195ebd33b2", real: "a86722f282e114a6", archetypes: "9f052befada015d7" },
    paper: { synthetic: "fc55cd70779c2cb1", real: "ce57e7905d1be2d8", archetypes: "32575057c83f4b01" },
  };
  for (const p of PRESETS) {
    for (const name of SWEEP_SETTING_NAMES)
      assert.equal(configHash(sweepPlan(name, p)), want[p][name === "real" ? "real" : "synthetic"], `${name} at ${p}`);
    // the archetype notebooks' schedule: { epochs, learningRate: 1e-3, batchSize: 128 }
    assert.equal(
      configHash({ epochs: VAEQUISITION_SETTINGS[p].archetypes.epochs, learningRate: 1e-3, batchSize: 128 }),
      want[p].archetypes,
    );
  }
  assert.deepEqual(
    PRESETS.map((p) => VAEQUISITION_SETTINGS[p].sweep.syntheticRows),
    [1024, 4096, 4096],
  );
  assert.deepEqual(
    PRESETS.map((p) => VAEQUISITION_SETTINGS[p].sweep.realRows),
    [
      { nhanes: 1024, horstat: 256 },
      { nhanes: 4096, horstat: 1024 },
      { nhanes: 12813, horstat: 2986 },
    ],
  );
  // plans are copies: a notebook that changes its plan does not change the table
  sweepPlan("real", "demo").targets.push(99);
  assert.equal(sweepPlan("real", "demo").targets.length, 14);
});

test("every scale line contains the numbers of its preset's entry and the paper preset's", () => {
  for (const p of PRESETS) {
    const has = (line: string, xs: (number | string)[]) => {
      for (const x of xs) assert.ok(line.includes(typeof x === "string" ? x : n(x)), `${line} lacks ${x}`);
    };
    for (const q of [p, "paper" as const]) {
      const a = VAEQUISITION_SETTINGS[q].archetypes,
        w = VAEQUISITION_SETTINGS[q].sweep;
      has(archetypeModelScale(p), [a.epochs, a.samples]);
      has(archetypeCurvesScale(p), [a.epochs, a.samples, a.sequences]);
      has(stoppingScale(p), [a.epochs, a.samples, a.sequences, a.validation]);
      has(acquisitionFunctionScale(p), [
        a.seeds,
        a.epochs,
        a.samples,
        a.orderValidation === Infinity ? "all" : a.orderValidation,
        a.policySamples,
        a.policySequences === Number.MAX_SAFE_INTEGER ? "all" : a.policySequences,
      ]);
      const sweep = [
        `${w.targets.length} target rates`,
        w.targets[0],
        w.targets[w.targets.length - 1],
        w.epochs,
        w.samples,
        w.sequences === Number.MAX_SAFE_INTEGER ? "all" : w.sequences,
      ];
      has(sweepScale(p), [...sweep, `${w.seeds.synthetic.length} seeds (synthetic) / ${w.seeds.real.length} (real)`]);
      has(realSweepScale(p), [...sweep, `${w.seeds.real.length} seeds`]);
    }
  }
});
