// Runs the VAEquisition Fig. 7 (RD curves, real setting) and Fig. 8 (A_RMSE vs rate) notebooks at smoke through
// the headless runner (real tslab kernel), sharing one temporary runs directory so that the "real" sweep trains
// once in Fig. 7 and is reloaded (models and cached metrics) by Fig. 8c; checks the exported records, claims
// and the numbers behind them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runNotebook } from "../../lib/notebook/runner";
import type { FigureRecord } from "../../lib/notebook/figure-record";

const root = join(__dirname, "..", "..");
const nbDir = join(root, "notebooks", "vaequisition");
let tmp = "";

before(() => {
  tmp = mkdtempSync(join(tmpdir(), "vaelab-vaeq78-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

async function run(name: string): Promise<FigureRecord> {
  const res = await runNotebook(join(nbDir, `${name}.ipynb`), {
    outPath: join(tmp, `${name}.out.ipynb`),
    env: { VAELAB_PRESET: "smoke", VAELAB_FIGURES_DIR: join(tmp, "figures"), VAELAB_PNG: "0", VAELAB_RUNS_DIR: join(tmp, "runs") },
  });
  assert.equal(res.ok, true, `${name} failed`);
  const rec = JSON.parse(readFileSync(join(tmp, "figures", "vaequisition", `${name}.json`), "utf8")) as FigureRecord;
  assert.equal(rec.work, "vaequisition");
  assert.equal(rec.name, name);
  assert.equal(rec.preset, "smoke");
  assert.ok(rec.seconds > 0);
  return rec;
}

const claimOf = (rec: FigureRecord, text: string) => {
  const c = rec.claims.find((k) => k.text === text);
  assert.ok(c, `claim "${text}" missing (have: ${rec.claims.map((k) => k.text).join(" | ")})`);
  assert.ok(c!.holds === null || typeof c!.holds === "boolean", `claim "${text}": holds ${c!.holds}`);
  assert.ok(c!.ours.length > 20, `claim "${text}": numbers missing`);
  return c!;
};
const finite = (v: unknown, what: string) => assert.ok(typeof v === "number" && Number.isFinite(v), `${what} = ${v}`);

const SMOKE_TARGETS = [0.5, 2, 8];
let realHashes: string[] = [];

test("VAEquisition Fig. 7 notebook: RD and partial −ELBO vs rate on NHANES and HÖRSTAT (stand-in)", { timeout: 300_000 }, async () => {
  const rec = await run("fig07-rd-real");
  assert.equal(rec.figure, "Fig. 7");
  assert.equal(rec.plots?.length, 1);
  const traces = rec.plots![0].data as { type: string; mode?: string; x: number[]; y: number[]; meta?: Record<string, number> }[];
  // per panel and domain: dots, running mean, star
  assert.equal(traces.length, 2 * 2 * 3);
  type Dom = { rate: number; distortion: number; negElbo: number };
  const d = rec.data as {
    dataNote: string; standIn: boolean; seen: string; unseen: string; window: number;
    plan: { targets: number[]; seeds: number[] };
    models: { target: number; seed: number; hash: string; beta: number; reloaded: boolean; seenDomain: Dom; unseenDomain: Dom }[];
    spearman: { seen: number; unseen: number };
    higherDistortion: { models: number; of: number; aboveCurve: number; inRange: number; meanDifference: number };
    optimum: Record<"seen" | "unseen", { index: number; rate: number; negElbo: number; target: number; seed: number }>;
    runningOptimum: Record<"seen" | "unseen", { rate: number; value: number }>;
    generalisation: { rhoTargetGap: number; notLowerTarget: boolean };
  };
  // the loader's note is shown and recorded: stand-in data are labelled
  assert.equal(d.standIn, /STAND-IN/.test(d.dataNote));
  assert.ok(rec.differences[0].startsWith("DATA: ") && rec.differences[0].includes(d.dataNote), "the data note leads the differences");
  if (d.standIn) assert.deepEqual([d.seen, d.unseen], ["NHANES stand-in", "HÖRSTAT stand-in"]);
  assert.deepEqual(d.plan.targets, SMOKE_TARGETS);
  assert.equal(d.models.length, 3);
  assert.deepEqual(d.models.map((m) => m.target), SMOKE_TARGETS);
  assert.ok(d.models.every((m) => !m.reloaded), "a fresh runs dir trains the sweep");
  realHashes = d.models.map((m) => m.hash);
  assert.equal(new Set(realHashes).size, 3);
  for (const m of d.models) {
    finite(m.beta, "β");
    for (const dom of [m.seenDomain, m.unseenDomain]) {
      finite(dom.rate, "rate"); finite(dom.distortion, "distortion"); finite(dom.negElbo, "−ELBO");
      assert.ok(dom.rate >= 0);
      assert.ok(Math.abs(dom.negElbo - dom.distortion - dom.rate) < 1e-6, "−ELBO = D_p + R");
    }
  }
  for (const k of ["seen", "unseen"] as const) {
    const o = d.optimum[k];
    const dom = (m: (typeof d.models)[number]) => (k === "seen" ? m.seenDomain : m.unseenDomain);
    assert.ok(d.models.some((m) => dom(m).rate === o.rate), `${k} optimum rate ${o.rate} is one model's rate`);
    assert.equal(dom(d.models[o.index]).rate, o.rate);
    assert.equal(o.negElbo, Math.min(...d.models.map((m) => dom(m).negElbo)), `${k} optimum is the min −ELBO`);
    assert.equal(o.target, d.models[o.index].target);
    assert.ok(d.models.some((m) => dom(m).rate === d.runningOptimum[k].rate));
  }
  // the stars of the right panel sit at the optima
  const stars = traces.filter((t) => t.meta && t.meta.negElbo !== undefined);
  assert.equal(stars.length, 4);
  assert.deepEqual(stars.slice(2).map((t) => t.x[0]), [d.optimum.seen.rate, d.optimum.unseen.rate]);
  for (const v of [d.spearman.seen, d.spearman.unseen]) assert.ok(v >= -1 && v <= 1);
  assert.ok(d.higherDistortion.of === 3 && d.higherDistortion.models >= 0 && d.higherDistortion.models <= 3);
  finite(d.higherDistortion.meanDifference, "mean D_p difference");

  const cRd = claimOf(rec, "Partial distortion falls as the rate rises in both domains (Spearman ρ(R, D_p) < −0.5 in each)");
  assert.equal(cRd.holds, d.spearman.seen < -0.5 && d.spearman.unseen < -0.5);
  const cHigh = claimOf(rec, "The unseen domain (HÖRSTAT) has higher partial distortion than the training domain at all rates (every model)");
  assert.equal(cHigh.holds, d.higherDistortion.models === 3);
  const cOpt = claimOf(rec, "The optimal rate (min partial −ELBO) is higher on the unseen domain than on the training domain, not lower as anticipated");
  assert.equal(cOpt.holds, d.optimum.unseen.rate > d.optimum.seen.rate);
  const cKl = claimOf(rec, "Penalising the KL term more harshly does not induce better generalisation (unseen optimum not at a lower target rate; −ELBO gap does not shrink toward low rates: ρ(target, gap) ≤ 0.3)");
  assert.equal(typeof cKl.holds, "boolean");
  assert.equal(rec.claims.length, 4);
});

test("VAEquisition Fig. 8 notebook: A_RMSE vs rate, small/large corruption and real data (reloads the Fig. 7 sweep)", { timeout: 300_000 }, async () => {
  const rec = await run("fig08-area-vs-rate");
  assert.equal(rec.figure, "Fig. 8");
  assert.equal(rec.plots?.length, 1);
  const traces = rec.plots![0].data as { type: string; mode?: string; x: number[]; y: number[]; meta?: Record<string, number> }[];
  assert.equal(traces.length, 3 * 2 * 3, "3 panels × 2 domains × (dots, running mean, optimum)");
  const circles = traces.filter((t) => t.meta && t.meta.aRmse !== undefined);
  assert.equal(circles.length, 6);
  type M = { target: number; seed: number; hash: string; reloaded: boolean; domains: Record<string, { rate: number; aRmse: number; distortion: number }> };
  type Cmp = { seenRate: number; unseenRate: number; tol: number; verdict: string; sameOrSlightlyHigher: boolean; lower: boolean };
  type Panel = {
    panel: string; seen: string; unseen: string; comparison: Cmp; runningComparison: Cmp;
    optimum: Record<"seen" | "unseen", { index: number; rate: number; value: number }>;
    meanRelIncrease: number; worseModels: number; models: number; meanSeen: number; meanUnseen: number; rhoTargetGap: number;
  };
  const d = rec.data as { realDataNote: string; standIn: boolean; domains: { synthetic: string[]; real: string[] }; synthetic: M[]; real: M[]; panels: Panel[] };
  assert.ok(rec.differences[0].startsWith("DATA (panel c): ") && rec.differences[0].includes(d.realDataNote));
  assert.equal(d.standIn, /STAND-IN/.test(d.realDataNote));
  assert.deepEqual(d.domains.synthetic, ["test", "small corruption", "large corruption"]);
  if (d.standIn) assert.deepEqual(d.domains.real, ["NHANES stand-in", "HÖRSTAT stand-in"]);
  assert.deepEqual(d.synthetic.map((m) => m.target), SMOKE_TARGETS);
  assert.deepEqual(d.real.map((m) => m.target), SMOKE_TARGETS);
  assert.ok(d.synthetic.every((m) => !m.reloaded), "the synthetic-dynamic sweep trains in the fresh runs dir");
  if (realHashes.length) {
    assert.deepEqual(d.real.map((m) => m.hash), realHashes, "same real-setting models as Fig. 7");
    assert.ok(d.real.every((m) => m.reloaded), "Fig. 8c reloads the Fig. 7 models");
  }
  for (const m of [...d.synthetic, ...d.real]) {
    for (const [k, v] of Object.entries(m.domains)) {
      finite(v.rate, `${k} rate`); finite(v.aRmse, `${k} A_RMSE`); finite(v.distortion, `${k} D_p`);
      assert.ok(v.aRmse > 15 && v.aRmse < 15 * 60, `${k} A_RMSE ${v.aRmse} (15 points of a few to tens of dB)`);
    }
  }
  assert.deepEqual(d.panels.map((p) => [p.panel, p.seen, p.unseen]), [
    ["a", "test", "small corruption"], ["b", "test", "large corruption"], ["c", d.domains.real[0], d.domains.real[1]]]);
  for (const p of d.panels) {
    const ms = p.panel === "c" ? d.real : d.synthetic;
    for (const k of ["seen", "unseen"] as const) {
      const dom = k === "seen" ? p.seen : p.unseen;
      const o = p.optimum[k];
      assert.ok(ms.some((m) => m.domains[dom].rate === o.rate), `panel ${p.panel}: ${k} optimum rate is one model's rate`);
      assert.equal(o.value, Math.min(...ms.map((m) => m.domains[dom].aRmse)), `panel ${p.panel}: ${k} optimum is the min A_RMSE`);
      assert.ok(circles.some((c) => c.x[0] === o.rate && c.y[0] === o.value), `panel ${p.panel}: circle at the ${k} optimum`);
    }
    assert.equal(p.comparison.seenRate, p.optimum.seen.rate);
    assert.equal(p.comparison.tol, Math.max(0.5, 0.25 * p.comparison.seenRate));
    assert.ok(["about the same", "slightly higher", "much higher", "lower"].includes(p.comparison.verdict));
    assert.ok(!(p.comparison.lower && p.comparison.sameOrSlightlyHigher));
    const rel = ms.map((m) => m.domains[p.unseen].aRmse / m.domains[p.seen].aRmse - 1);
    assert.ok(Math.abs(p.meanRelIncrease - rel.reduce((a, b) => a + b, 0) / rel.length) < 1e-12);
    assert.equal(p.models, 3);
    assert.ok(p.rhoTargetGap >= -1 && p.rhoTargetGap <= 1);
  }
  const [a, b, c] = d.panels;
  assert.equal(claimOf(rec, "Small corruption: the area under the RMSE information curve is only slightly worse than on the training domain (0 < mean A_u/A_s − 1 ≤ 10 %)").holds,
    a.meanRelIncrease > 0 && a.meanRelIncrease <= 0.1);
  assert.equal(claimOf(rec, "Small corruption: the loss is larger for higher rates (Spearman ρ(target rate, A_u − A_s) ≥ 0.3)").holds, a.rhoTargetGap >= 0.3);
  assert.equal(claimOf(rec, "Small corruption: the optimal rate remains about the same or slightly higher (R*_s − tol ≤ R*_u ≤ max(2·R*_s, R*_s + tol), tol = max(0.5 nats, 0.25·R*_s))").holds,
    a.comparison.sameOrSlightlyHigher);
  assert.equal(claimOf(rec, "Large corruption: the area under the RMSE information curve is much worse (mean A_u/A_s − 1 ≥ 20 %)").holds, b.meanRelIncrease >= 0.2);
  assert.equal(claimOf(rec, "Large corruption: the optimal rate is lower than on the training domain (R*_u < R*_s − tol)").holds, b.comparison.lower);
  assert.equal(claimOf(rec, "Real data: the optimal rate on the unseen domain (HÖRSTAT) is similar to or slightly higher than on the training domain (same rule as for the small corruption)").holds,
    c.comparison.sameOrSlightlyHigher);
  assert.equal(rec.claims.length, 6);
});
