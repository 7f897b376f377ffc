// Runs the VI-EMD stand-in premise notebook at smoke through the headless runner (real tslab kernel) with
// temporary figures, runs and generated-data directories: builds the smoke-size stand-in (espeak-ng, flite, sox),
// trains the deterministic TasNet and scores seen vs unseen. Checks the record: the premise per condition agrees
// with its recorded numbers (Welch, unpaired), the matched-prosody check is a boolean with its numbers, the claims
// carry kinds. Skipped (with the reason, naming the Debian packages) when a program of the stand-in is missing.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "path";
import { claimOf, finite, smokeSandbox } from "../notebook/smoke-harness";
import { standInAvailable } from "../../lib/data/speech-standin";
import { welchTTest } from "../../lib/eval/stat-tests";

const avail = standInAvailable();
const skip = avail.ok ? false : `speech stand-in unavailable: ${avail.reason}`;
const sandbox = smokeSandbox("vi-emd", "vi-emd-premise", (d) => ({ VAELAB_GENERATED_DIR: join(d, "generated") }));
after(() => sandbox.cleanup());

test(
  "stand-in premise notebook: TasNet seen vs unseen, Welch per condition, matched prosody",
  { timeout: 300_000, skip },
  async () => {
    const rec = await sandbox.run("standin-premise");
    assert.equal(rec.figure, "Stand-in premise (Table 1)");
    assert.equal(rec.plots?.length, 2);
    const d = rec.data as {
      dataSource: string;
      standInVersion: number;
      testSets: string[];
      run: { reloaded: boolean; params: number };
      perMixture: Record<string, number[]>;
      premise: Record<string, { seen: number; unseen: number; diff: number; p: number; harder: boolean }>;
      prosody: {
        seen: { pairSemitones: number[]; wpm: number[] };
        unseen: { pairSemitones: number[]; wpm: number[] };
        pitchGapSemitones: number;
        rateGapRel: number;
      };
    };
    assert.equal(d.dataSource, "stand-in");
    assert.equal(d.standInVersion, 2);
    assert.equal(d.run.reloaded, false, "fresh runs dir");
    assert.ok(d.run.params > 1000);
    assert.deepEqual(d.testSets, ["seen-noisy", "unseen-noisy", "seen-clean", "unseen-clean"]);
    for (const c of ["noisy", "clean"]) {
      const a = d.perMixture[`seen-${c}`],
        b = d.perMixture[`unseen-${c}`];
      assert.equal(a.length, 6);
      a.concat(b).forEach((v) => finite(v, `${c} SI-SDRi`));
      const w = welchTTest(a, b);
      const p = d.premise[c];
      assert.ok(
        Math.abs(p.diff - w.meanDiff) < 1e-9 && Math.abs(p.p - w.pValue) < 1e-9,
        "recorded test = Welch recomputed",
      );
      assert.equal(p.harder, w.meanDiff > 0 && w.pValue < 0.05);
      const cl = claimOf(rec, `The unseen domain is harder for the deterministic TasNet (${c} condition)`);
      assert.equal(cl.holds, p.harder);
      assert.equal(cl.kind, "result");
    }
    assert.equal(d.prosody.seen.pairSemitones.length, 6);
    assert.equal(d.prosody.unseen.wpm.length, 12);
    finite(d.prosody.pitchGapSemitones, "pitch gap");
    const pc = claimOf(
      rec,
      "The two domains share their pitch and speaking-rate distributions (the unseen talkers are not further apart)",
    );
    assert.equal(pc.kind, "check");
    assert.equal(pc.holds, Math.abs(d.prosody.pitchGapSemitones) < 1 && Math.abs(d.prosody.rateGapRel) < 0.1);
    assert.equal(rec.claims.length, 3);
  },
);
