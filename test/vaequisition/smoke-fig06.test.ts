// Runs the VAEquisition Fig. 6 notebook (acquisition functions, 4-D partial VAEs over model seeds) at smoke
// through the headless runner (real tslab kernel) in its own temporary runs and figures directories, and
// checks the exported record: figure name, plots, claims with boolean holds, the areas and the curves.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { claimOf, smokeSandbox } from "../notebook/smoke-harness";

const sandbox = smokeSandbox("vaequisition", "vaeq6");
after(() => sandbox.cleanup());

type Curve = { mean: number[]; sd: number[] };
type Policy = "maxVariance" | "singleBest" | "random";

test("VAEquisition Fig. 6 notebook: acquisition functions over model seeds", { timeout: 300_000 }, async () => {
  const rec = await sandbox.run("fig06-acquisition-functions");
  assert.equal(rec.figure, "Fig. 6");
  assert.equal(rec.plots?.length, 2);

  const d = rec.data as {
    seeds: number[];
    zDim: number;
    nSequences: number;
    runHashes: string[];
    perSeed: { seed: number; order: number[]; area: Record<Policy, number>; mean: Record<Policy, number[]> }[];
    raw: Record<Policy, Curve>;
    normalised: Record<Policy, Curve>;
    areas: Record<Policy, { mean: number; sd: number }>;
    paired: Record<string, { n: number; wins: number; meanDiff: number }>;
    spread: number[];
  };
  assert.deepEqual(d.seeds, [1, 2]);
  assert.equal(d.zDim, 4);
  assert.equal(d.nSequences, 16);
  assert.equal(new Set(d.runHashes).size, 2, "one model per seed");
  assert.equal(d.perSeed.length, 2);
  const policies: Policy[] = ["maxVariance", "singleBest", "random"];
  for (const s of d.perSeed) {
    assert.deepEqual(
      [...s.order].sort((a, b) => a - b),
      Array.from({ length: 14 }, (_, i) => i + 1),
      "single-best order is a permutation of the 14 thresholds",
    );
    for (const p of policies) {
      const a = s.area[p];
      assert.ok(Number.isFinite(a) && a > 0, `area ${p} seed ${s.seed}: ${a}`);
      assert.equal(s.mean[p].length, 15);
      assert.ok(Math.abs(a - s.mean[p].reduce((x, y) => x + y, 0)) < 1e-6 * a, "Eq. 6: area = sum of the mean curve");
      for (const v of s.mean[p]) assert.ok(v > 0.5 && v < 60, `mean RMSE ${v} dB`);
    }
    // same posterior draws for every policy: identical at m = 0 (age only) and m = 14 (all observed)
    for (const m of [0, 14]) {
      assert.ok(Math.abs(s.mean.maxVariance[m] - s.mean.singleBest[m]) < 1e-9, `policies coincide at m = ${m}`);
      assert.ok(Math.abs(s.mean.random[m] - s.mean.singleBest[m]) < 1e-9, `policies coincide at m = ${m}`);
    }
  }
  for (const p of policies) {
    assert.ok(Number.isFinite(d.areas[p].mean) && d.areas[p].mean > 0, `mean area ${p}`);
    assert.ok(Number.isFinite(d.areas[p].sd) && d.areas[p].sd >= 0, `sd area ${p}`);
    assert.equal(d.raw[p].mean.length, 15);
    assert.equal(d.normalised[p].mean.length, 15);
  }
  for (let m = 0; m < 15; m++) {
    assert.equal(d.normalised.singleBest.mean[m], 1, `normalised single-best curve ≡ 1 at m = ${m}`);
    assert.equal(d.normalised.singleBest.sd[m], 0);
    const seedMean = (d.perSeed[0].mean.maxVariance[m] + d.perSeed[1].mean.maxVariance[m]) / 2;
    assert.ok(Math.abs(d.raw.maxVariance.mean[m] - seedMean) < 1e-9, "raw curve = mean over seeds");
  }
  assert.ok(Math.abs(d.spread[14]) < 1e-9, "no spread with everything observed");
  for (const k of ["mvVsSb", "mvVsRnd", "sbVsRnd"]) {
    assert.equal(d.paired[k].n, 2);
    assert.ok(d.paired[k].wins >= 0 && d.paired[k].wins <= 2);
  }
  const diff =
    (d.perSeed[0].area.maxVariance -
      d.perSeed[0].area.singleBest +
      d.perSeed[1].area.maxVariance -
      d.perSeed[1].area.singleBest) /
    2;
  assert.ok(Math.abs(d.paired.mvVsSb.meanDiff - diff) < 1e-9);

  const claims = [
    "Max variance acquisition is an improvement over the single best order",
    "Single best and max variance both outperform random acquisition",
    "Except for the first measurement, max variance has the lower error at every number of measurements",
    "Max variance has a lower variance over the sequences than the single best order",
    "The differences between the acquisition functions disappear as more dimensions are observed (late spread < 1/3 of the early spread, our threshold)",
    "With every dimension observed the estimate can be poorer than with fewer measurements",
  ];
  assert.equal(rec.claims.length, claims.length);
  for (const t of claims) assert.equal(typeof claimOf(rec, t).holds, "boolean", `claim "${t}" holds`);
});
