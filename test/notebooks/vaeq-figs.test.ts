// Runs the VAEquisition Fig. 1, 2 and 3 notebooks at smoke through the headless runner (real tslab kernel),
// sharing one temporary runs directory (the three notebooks use the same 2-D partial VAE: Fig. 1 trains it,
// Fig. 2 and 3 must reload it), and checks each exported figure record, its claims and the numbers behind them.
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
  tmp = mkdtempSync(join(tmpdir(), "vaelab-vaeq-"));
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

const holdsType = (rec: FigureRecord, text: string) => {
  const c = rec.claims.find((k) => k.text === text);
  assert.ok(c, `claim "${text}" missing (have: ${rec.claims.map((k) => k.text).join(" | ")})`);
  return c!;
};

let hash1 = "";

test("Fig. 1 notebook: archetypes, 2-D latent, decoded grid", { timeout: 240_000 }, async () => {
  const rec = await run("fig01-archetypes");
  assert.equal(rec.figure, "Fig. 1");
  assert.equal(rec.plots?.length, 3);
  const d = rec.data as { reloaded: boolean; runHash: string; archetypes: number[][]; archetypeStats: { percentile: number; radius: number }[]; angleGaps: number[]; gridDecoded: number[][]; archetypeFitRmse: number[] };
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
  for (const t of ["The archetypes' encodings reside in the extreme parts of the representation",
    "The least extreme archetype sits in the highest-density region under the prior (near the origin)",
    "The other archetypes each occupy a quadrant of latent space"]) assert.equal(typeof holdsType(rec, t).holds, "boolean");
  assert.equal(holdsType(rec, "The decoded latent grid is a continuum between the archetypes").holds, null);
});

test("Fig. 2 notebook: one acquisition sequence (reloads the Fig. 1 model)", { timeout: 240_000 }, async () => {
  const rec = await run("fig02-acquisition-sequence");
  assert.equal(rec.figure, "Fig. 2");
  assert.equal(rec.plots?.length, 2);
  const panels = rec.plots![0].data as { type: string }[];
  assert.ok(panels.filter((t) => t.type === "bar").length === 4, "one acquisition-function bar chart per row");
  const d = rec.data as { runHash: string; nSequences: number; exampleOrder: number[]; w2Example: number[]; w2Mean: number[]; shown: { observed: number[]; rmse: number }[]; argmaxOk: boolean };
  if (hash1) assert.equal(d.runHash, hash1, "same model as Fig. 1");
  assert.equal(d.nSequences, 16);
  assert.deepEqual([...d.exampleOrder].sort((a, b) => a - b), Array.from({ length: 14 }, (_, i) => i + 1));
  assert.equal(d.w2Example.length, 16);
  assert.ok(Math.abs(d.w2Example[15]) < 1e-5, "all observed: the partial posterior is the full posterior");
  assert.equal(d.shown.length, 4);
  assert.deepEqual(d.shown.map((s) => s.observed.length), [0, 1, 2, 5]);
  assert.equal(d.argmaxOk, true);
  assert.equal(holdsType(rec, "The next measurement is the dimension with the highest predictive variance").holds, true);
  for (const t of ["Knowing the age shrinks the partial posterior toward the full posterior",
    "Observing one threshold also improves the estimate of the other ear",
    "The partial posterior contracts toward the full posterior as measurements arrive"]) assert.equal(typeof holdsType(rec, t).holds, "boolean");
});

test("Fig. 3 notebook: information curves and areas", { timeout: 240_000 }, async () => {
  const rec = await run("fig03-information-curves");
  assert.equal(rec.figure, "Fig. 3");
  assert.equal(rec.plots?.length, 2);
  const d = rec.data as {
    runHash: string; nSequences: number; example: { rmse: number[]; nll: number[]; areaRmse: number; areaNll: number };
    maxVariance: { rmseMean: number[]; meanAreaRmse: number; areasRmse: number[] }; random: { meanAreaRmse: number };
  };
  if (hash1) assert.equal(d.runHash, hash1, "same model as Fig. 1");
  assert.equal(d.example.rmse.length, 15);
  assert.ok(Math.abs(d.example.areaRmse - d.example.rmse.reduce((a, b) => a + b, 0)) < 1e-9, "Eq. 6 area = sum over the curve");
  assert.equal(d.maxVariance.areasRmse.length, 16);
  for (const v of d.maxVariance.rmseMean) assert.ok(v > 1 && v < 40, `mean RMSE ${v} dB`);
  const last = d.maxVariance.rmseMean[14];
  assert.ok(last > 3 && last < 8, `final RMSE ${last} dB should be near the 5 dB noise`);
  assert.equal(typeof holdsType(rec, "RMSE decreases with the number of measurements").holds, "boolean");
  assert.equal(typeof holdsType(rec, "Max-variance ordering acquires more information per measurement than a random order").holds, "boolean");
  assert.equal(holdsType(rec, "The example sequence has A_RMSE = 267 measurement·dB").holds, null);
});
