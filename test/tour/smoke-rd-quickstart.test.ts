// Runs the RD quickstart notebook at the smoke preset through the headless runner (real tslab kernel),
// twice on the same runs folder: the first run trains every model, the second must reload every one
// (no training step, run folders untouched) and export the same numbers.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, statSync } from "fs";
import { join } from "path";
import { smokeSandbox } from "../notebook/smoke-harness";

const name = "rd-quickstart";
const sandbox = smokeSandbox("tour", "rdq");
after(() => sandbox.cleanup());

interface ModelRow {
  target: number;
  hash: string;
  reloaded: boolean;
  trainedSteps: number;
  trainSeconds: number;
  beta: number;
  test: { distortion: number; rate: number; elbo: number; ratePerDim: number[]; n: number };
}
interface QuickstartData {
  targets: number[];
  training: { steps: number };
  models: ModelRow[];
  summary: { relErrors: number[]; maxRelError: number; spearman: number; monotone: boolean; best: number };
  rerun: { target: number; reloaded: boolean; identical: boolean }[];
}

const CLAIMS = [
  "the adaptive controller reaches each target rate within 10% (test set)",
  "distortion decreases as rate increases (Spearman ρ < 0)",
  "a re-run reloads every model without training, with identical results",
];

/** Files of every run folder with their modification times (a reload must not rewrite any). */
function runFiles(runs: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const h of readdirSync(runs))
    for (const f of readdirSync(join(runs, h))) out.set(`${h}/${f}`, statSync(join(runs, h, f)).mtimeMs);
  return out;
}

test(
  "rd-quickstart runs at smoke, its claims hold, and a second run reloads every model with identical numbers",
  { timeout: 240_000 },
  async () => {
    const runs = sandbox.runsDir();
    const rec1 = await sandbox.run(name);
    assert.equal(rec1.figure, "Quickstart");
    assert.ok(rec1.plots && rec1.plots.length === 3, "data scatter, RD curve, controller trace");
    const d1 = rec1.data as QuickstartData;
    assert.deepEqual(d1.targets, [2, 3, 4, 6]);
    assert.equal(d1.models.length, 4);
    for (const m of d1.models) {
      assert.equal(m.reloaded, false, `target ${m.target} was trained on the first run`);
      assert.equal(m.trainedSteps, d1.training.steps);
      assert.ok(Number.isFinite(m.test.rate) && Number.isFinite(m.test.distortion));
      assert.ok(Math.abs(m.test.elbo + m.test.rate + m.test.distortion) < 1e-9);
      assert.ok(existsSync(join(runs, m.hash, "done.json")), `run folder of target ${m.target}`);
    }
    assert.equal(readdirSync(runs).length, 4, "one run folder per target");
    // the claims hold, and say what the numbers say
    const byText = new Map(rec1.claims.map((c) => [c.text, c]));
    for (const t of CLAIMS) assert.equal(byText.get(t)?.holds, true, `claim "${t}": ${byText.get(t)?.ours}`);
    d1.models.forEach((m) =>
      assert.ok(Math.abs(m.test.rate - m.target) <= 0.1 * m.target, `target ${m.target}: test rate ${m.test.rate}`),
    );
    const byRate = [...d1.models].sort((a, b) => a.test.rate - b.test.rate);
    assert.ok(byRate[0].test.distortion > byRate[byRate.length - 1].test.distortion, "more rate, less distortion");
    assert.ok(d1.summary.spearman < 0);
    assert.ok(d1.rerun.every((r) => r.reloaded && r.identical));
    // the RD plot marks the min −ELBO model
    const rd = rec1.plots![1] as { data: { meta?: { index?: number } }[] };
    const star = rd.data.find((t) => t.meta && typeof t.meta.index === "number");
    assert.equal(star?.meta?.index, d1.summary.best);

    const before = runFiles(runs);
    const rec2 = await sandbox.run(name);
    const d2 = rec2.data as QuickstartData;
    for (const m of d2.models) {
      assert.equal(m.reloaded, true, `target ${m.target} reloaded on the second run`);
      assert.equal(m.trainedSteps, 0);
      assert.equal(m.trainSeconds, 0);
    }
    assert.deepEqual(
      d2.models.map((m) => [m.hash, m.test, m.beta]),
      d1.models.map((m) => [m.hash, m.test, m.beta]),
      "identical numbers after reload",
    );
    assert.deepEqual(d2.summary, d1.summary);
    assert.deepEqual(runFiles(runs), before, "the reload wrote nothing into the run folders");
    const claim = rec2.claims.find((c) => c.text === CLAIMS[2]);
    assert.match(claim!.ours, /trained 0 and reloaded 4/);
  },
);
