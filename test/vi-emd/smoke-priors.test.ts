// Runs the VI-EMD clean-condition notebooks (Table 3 priors, Fig. 3 multitask uncertainty) at smoke through the
// headless runner (real tslab kernel) in one sandbox: the espeak-ng stand-in is built once in VAELAB_GENERATED_DIR
// and both notebooks share the runs directory, so Table 3 trains the seven models and Fig. 3 must reload its
// multitask model. Checks each record: names, plot counts, claims with boolean/null holds that agree with the
// recorded numbers, finite numbers, and the Fig. 3 correlations against an independent recomputation from the
// recorded per-mixture values. Skipped (with the reason) when espeak-ng is not installed.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "path";
import { claimOf, finite, smokeSandbox } from "../notebook/smoke-harness";
import { studentTTwoSided, welchTTest } from "../../lib/eval/stat-tests";
import { espeakAvailable } from "../../lib/data/speech-standin";

const esp = espeakAvailable();
const skip = esp.ok ? false : `espeak-ng unavailable: ${esp.reason}`;
const sandbox = smokeSandbox("vi-emd", "vi-emd-priors", (d) => ({ VAELAB_GENERATED_DIR: join(d, "generated") }));
after(() => sandbox.cleanup());

const KEYS = ["TasNet (SI-SDR)", "TasNet (BLR)", "VI N/N", "VI Γ/Γ", "VI N/flow", "VI Γ/adaptive MT", "VI Γ/Γ MVC"];
let mtHash = "";

/** Pearson r computed here (two-pass, float64), independent of lib/eval/dependence. */
function pearsonHere(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n,
    my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman ρ here: Pearson of average ranks. */
function spearmanHere(x: number[], y: number[]): number {
  const rank = (v: number[]) => {
    const idx = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
      for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  return pearsonHere(rank(x), rank(y));
}

test(
  "Table 3 notebook: seven clean-condition models on the seen and unseen domains",
  { timeout: 300_000, skip },
  async () => {
    const rec = await sandbox.run("table03-priors");
    assert.equal(rec.figure, "Table 3");
    assert.equal(rec.plots?.length, 1);
    type Row = {
      seen: number;
      unseen: number;
      difference: number;
      seenSe: number;
      unseenSe: number;
      perMixture: { seen: number[]; unseen: number[] };
    };
    const d = rec.data as {
      dataSource: string;
      trainCondition: string;
      models: string[];
      testSets: string[];
      evalSamples: number;
      table: Record<string, Row>;
      runs: {
        key: string;
        hash: string;
        reloaded: boolean;
        params: number;
        target: number | null;
        finalRate: number;
        finalBeta: number;
      }[];
    };
    assert.equal(d.dataSource, "stand-in");
    assert.equal(d.trainCondition, "clean", "Table 3 trains on the clean condition");
    assert.deepEqual(d.models, KEYS);
    assert.deepEqual(d.testSets, ["seen-clean", "unseen-clean"]);
    assert.equal(d.evalSamples, 2000, "smoke scores 0.25 s segments");
    assert.equal(new Set(d.runs.map((r) => r.hash)).size, 7, "one run per model");
    for (const r of d.runs) {
      assert.equal(r.reloaded, false, "fresh runs dir");
      assert.ok(r.params > 1000);
      if (r.key.startsWith("VI")) {
        assert.ok(r.target !== null && r.target > 0);
        finite(r.finalRate, `${r.key} final rate`);
      } else assert.equal(r.target, null);
    }
    const params = Object.fromEntries(d.runs.map((r) => [r.key, r.params]));
    assert.equal(params["TasNet (BLR)"], params["TasNet (SI-SDR)"], "the BLR TasNet is the same network");
    assert.ok(params["VI N/flow"] > params["VI N/N"], "the flow prior adds parameters");
    assert.ok(params["VI Γ/Γ MVC"] > params["VI Γ/Γ"], "the MVC scale decoder adds parameters");
    assert.ok(params["VI N/N"] > params["VI Γ/Γ"], "gamma encodings need one channel per latent, Gaussian two");
    for (const k of KEYS) {
      const row = d.table[k];
      for (const f of ["seen", "unseen", "difference", "seenSe", "unseenSe"] as const) finite(row[f], `${k} ${f}`);
      assert.ok(Math.abs(row.difference - (row.seen - row.unseen)) < 1e-9, "difference = seen − unseen");
      assert.equal(row.perMixture.seen.length, 4);
      const m = row.perMixture.seen.reduce((a, b) => a + b, 0) / 4;
      assert.ok(Math.abs(m - row.seen) < 1e-6, `${k}: mean of per-mixture SI-SDRi ${m} vs ${row.seen}`);
      assert.ok(row.seen > -80 && row.seen < 60);
    }
    const texts = [
      "Training the TasNet with the BLR reduces SI-SDRi compared to training on SI-SDR",
      "The VI-TasNets do not reach the deterministic TasNets' performance (this earlier version)",
      "The best performing VI-TasNet uses the flow-based prior",
      "The multitasking adaptive-prior model and the MVC model perform the poorest of the VI-TasNets",
      "The TasNets display the largest seen − unseen difference (generalization gap)",
      "The flow-prior VI-TasNet is closer to the BLR TasNet on the unseen domain than on the seen one",
      "Differences in model performance are smaller on the unseen domain",
      "Every model scores lower on the unseen domain than on the seen one",
    ];
    assert.equal(rec.claims.length, texts.length);
    for (const t of texts) assert.equal(typeof claimOf(rec, t).holds, "boolean", t);
    // holds agrees with the recorded numbers
    const T = d.table;
    // an ordering needs the paired per-mixture difference significant (two-sided p < 0.05)
    const above = (a: number[], b: number[]) => {
      const dd = a.map((v, i) => v - b[i]);
      const m = dd.reduce((x, y) => x + y, 0) / dd.length;
      const se = Math.sqrt(dd.reduce((x, y) => x + (y - m) ** 2, 0) / (dd.length - 1) / dd.length);
      return m > 0 && se > 0 && studentTTwoSided(m / se, dd.length - 1) < 0.05;
    };
    const pmx = (k: string) => T[k].perMixture;
    assert.equal(
      claimOf(rec, texts[0]).holds,
      above(pmx("TasNet (SI-SDR)").seen, pmx("TasNet (BLR)").seen) &&
        above(pmx("TasNet (SI-SDR)").unseen, pmx("TasNet (BLR)").unseen),
    );
    const vi = KEYS.filter((k) => k.startsWith("VI")),
      tas = KEYS.filter((k) => k.startsWith("TasNet"));
    if (claimOf(rec, texts[4]).holds)
      assert.ok(Math.min(...tas.map((k) => T[k].difference)) > Math.max(...vi.map((k) => T[k].difference)));
    assert.equal(
      claimOf(rec, texts[7]).holds,
      KEYS.every((k) => {
        const t = welchTTest(pmx(k).seen, pmx(k).unseen);
        return t.meanDiff > 0 && t.pValue < 0.05;
      }),
    );
    for (const c of rec.claims) {
      assert.equal(c.kind, "result", c.text);
      if (c.holds !== true) assert.ok(c.cause, `${c.text}: a claim that does not hold has a cause`);
    }
    mtHash = d.runs.find((r) => r.key === "VI Γ/adaptive MT")!.hash;
  },
);

test(
  "Fig. 3 notebook: reloads the multitask model; −mixture ELBO vs separation distortion with correlations",
  { timeout: 300_000, skip },
  async () => {
    const rec = await sandbox.run("fig03-multitask-uq");
    assert.equal(rec.figure, "Fig. 3");
    assert.equal(rec.plots?.length, 1);
    type PerMix = { negElbo: number[]; distortion: number[]; siSdr: number[] };
    type Corr = { n: number; pearson: number; p: number; spearman: number };
    const d = rec.data as {
      trainCondition: string;
      model: string;
      runHash: string;
      reloaded: boolean;
      evalSamples: number;
      perMixture: Record<string, PerMix>;
      perMixtureSampled: Record<string, PerMix>;
      correlations: {
        seen: Corr;
        unseen: Corr;
        pooled: Corr;
        pooledWithin: number;
        pooledNegSiSdr: Corr;
        sampled: { seen: Corr; unseen: Corr; pooled: Corr };
      };
      means: Record<string, { negElbo: number; distortion: number; siSdr: number }>;
      domainTests: Record<"negElbo" | "distortion", { meanDiff: number; pValue: number }>;
      logPower: number[];
      loudness: { partial: number; partialP: number };
    };
    assert.equal(d.trainCondition, "clean");
    assert.equal(d.model, "VI Γ/adaptive MT");
    if (mtHash) {
      assert.equal(d.runHash, mtHash, "the same run as the Table 3 notebook");
      assert.equal(d.reloaded, true, "reloaded, not retrained");
    }
    const seen = d.perMixture["seen-clean"],
      unseen = d.perMixture["unseen-clean"];
    for (const p of [seen, unseen, d.perMixtureSampled["seen-clean"], d.perMixtureSampled["unseen-clean"]]) {
      assert.equal(p.negElbo.length, 4);
      assert.equal(p.distortion.length, 4);
      for (const v of [...p.negElbo, ...p.distortion, ...p.siSdr]) finite(v, "per-mixture value");
    }
    // the correlations equal an independent recomputation from the recorded per-mixture numbers
    const near = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) < 1e-9, `${what}: recorded ${a}, recomputed ${b}`);
    near(d.correlations.seen.pearson, pearsonHere(seen.negElbo, seen.distortion), "seen Pearson");
    near(d.correlations.unseen.pearson, pearsonHere(unseen.negElbo, unseen.distortion), "unseen Pearson");
    const px = [...seen.negElbo, ...unseen.negElbo],
      py = [...seen.distortion, ...unseen.distortion];
    near(d.correlations.pooled.pearson, pearsonHere(px, py), "pooled Pearson");
    near(d.correlations.pooled.spearman, spearmanHere(px, py), "pooled Spearman");
    near(d.correlations.seen.spearman, spearmanHere(seen.negElbo, seen.distortion), "seen Spearman");
    assert.equal(d.correlations.pooled.n, 8);
    for (const c of [d.correlations.seen, d.correlations.unseen, d.correlations.pooled])
      assert.ok(c.p >= 0 && c.p <= 1, `p ${c.p}`);
    // the pooled p-value from r: t = r √(n−2)/√(1−r²); for n = 8 a two-sided p < 0.01 needs |r| > 0.834 (t₆ critical 3.707)
    assert.equal(
      d.correlations.pooled.p < 0.01,
      Math.abs(d.correlations.pooled.pearson) > 0.8343,
      `pooled r ${d.correlations.pooled.pearson}, p ${d.correlations.pooled.p}`,
    );
    near(d.means["seen-clean"].negElbo, seen.negElbo.reduce((a, b) => a + b, 0) / 4, "mean −ELBO seen");
    assert.equal(d.logPower.length, 8);
    finite(d.loudness.partial, "partial correlation");
    const c1 = claimOf(rec, "The mixture ELBO is informative of the separation distortion (pooled over both domains)");
    assert.equal(c1.holds, d.correlations.pooled.pearson > 0 && d.correlations.pooled.p < 0.01);
    const c2 = claimOf(rec, "The mixture ELBO is informative of the separation distortion within each domain");
    assert.equal(
      c2.holds,
      [d.correlations.seen, d.correlations.unseen].every((c) => c.pearson > 0 && c.p < 0.05),
    );
    const c3 = claimOf(rec, "The unseen domain sits at worse mixture ELBO and worse separation distortion");
    const worse = (t: { meanDiff: number; pValue: number }) => t.meanDiff > 0 && t.pValue < 0.05;
    assert.equal(c3.holds, worse(d.domainTests.negElbo) && worse(d.domainTests.distortion));
    near(
      d.domainTests.negElbo.meanDiff,
      d.means["unseen-clean"].negElbo - d.means["seen-clean"].negElbo,
      "Welch mean difference of −ELBO",
    );
    // charged to the stand-in only when the model separates (mean seen SI-SDR > 0 dB), else to the demo scale
    if (!c3.holds) assert.equal(c3.cause?.class, d.means["seen-clean"].siSdr > 0 ? "stand-in" : "scale");
    for (const c of rec.claims) assert.equal(c.kind, "result", c.text);
    assert.equal(rec.claims.length, 3);
    // Fig. 3 has density contours
    const types = (rec.plots![0] as { data: { type: string }[] }).data.map((t) => t.type);
    assert.ok(types.filter((t) => t === "histogram2dcontour").length >= 3, `trace types ${types.join(", ")}`);
  },
);
