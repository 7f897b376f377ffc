// Runs the VI-EMD Table 2 / Fig. 2 bottom / Fig. 7–8 notebook (free bits and per-term β) at smoke through the
// headless runner (real tslab kernel) with temporary figures, runs and generated-data directories (the
// espeak-ng stand-in corpus is built in VAELAB_GENERATED_DIR). Checks the exported record: names, plot count,
// the smoke grid's rows and objectives (Eq. 37 with λ/512 per element), finite numbers in their units, every
// claim with the right holds type (null exactly when its rows are not trained at smoke) and that the holds
// agree with the recorded numbers. Skipped (with the reason) when espeak-ng is not installed.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "path";
import { claimOf, finite, smokeSandbox } from "../notebook/smoke-harness";
import { studentTTwoSided, welchTTest } from "../../lib/eval/stat-tests";
import { espeakAvailable } from "../../lib/data/speech-standin";

const esp = espeakAvailable();
const skip = esp.ok ? false : `espeak-ng unavailable: ${esp.reason}`;
const sandbox = smokeSandbox("vi-emd", "vi-emd-free-bits", (d) => ({ VAELAB_GENERATED_DIR: join(d, "generated") }));
after(() => sandbox.cleanup());

type Row = {
  siSdri: number;
  siSdr: number;
  D: number;
  Rz: number;
  Rm: number;
  rzNorm: number;
  rmNorm: number;
  totalNorm: number;
};

test(
  "Table 2 / Fig. 7–8 notebook: ELBO vs free bits and per-term β on seen and unseen test sets",
  { timeout: 300_000, skip },
  async () => {
    const rec = await sandbox.run("table02-fig07-fig08-free-bits");
    assert.equal(rec.figure, "Table 2, Fig. 2 bottom, Fig. 7, Fig. 8");
    assert.equal(rec.plots?.length, 3, "RD plane, rate vs −SI-SDR, training curves");
    const d = rec.data as {
      dataSource: string;
      testSets: string[];
      evalSamples: number;
      frames: number;
      lambdaScale: number;
      rowKeys: string[];
      table: Record<string, { lz: number; lm: number; ibz: number; ibm: number } & Record<string, Row>>;
      runs: {
        key: string;
        hash: string;
        reloaded: boolean;
        objective: { kind: string; z?: { beta: number; freeBits: number }; mask?: { beta: number; freeBits: number } };
        finalRate: number;
      }[];
    };
    assert.equal(d.dataSource, "stand-in");
    assert.deepEqual(d.testSets, ["seen-noisy", "unseen-noisy"]);
    assert.deepEqual(d.rowKeys, ["ELBO", "λ8", "λ128 β1/8"], "the smoke grid");
    assert.equal(d.evalSamples, 4000, "smoke scores 0.5 s segments");
    assert.equal(d.lambdaScale, 8 / 512, "λ per input sample over K = 512, 8 samples per frame");
    assert.equal(new Set(d.runs.map((r) => r.hash)).size, 3, "one run per row");
    for (const r of d.runs) {
      assert.equal(r.reloaded, false, "fresh runs dir");
      finite(r.finalRate, `${r.key} final training rate`);
    }
    // objectives: the first row is the plain ELBO, the others Eq. 37 with λ·8/512 per element and 1/β
    assert.equal(d.runs[0].objective.kind, "elbo");
    const o = d.runs[2].objective;
    assert.equal(o.kind, "per-term");
    assert.equal(o.z!.freeBits, 2);
    assert.equal(o.mask!.freeBits, 2);
    assert.equal(o.z!.beta, 1 / 8);
    assert.equal(o.mask!.beta, 1 / 8);
    for (const k of d.rowKeys)
      for (const s of d.testSets) {
        const c = d.table[k][s];
        for (const f of ["siSdri", "siSdr", "D", "Rz", "Rm", "rzNorm", "rmNorm", "totalNorm"] as const)
          finite(c[f], `${k} ${s} ${f}`);
        assert.ok(c.siSdri > -60 && c.siSdri < 60, `${k} ${s} SI-SDRi ${c.siSdri}`);
        assert.ok(c.Rz >= 0 && c.Rm >= 0, `${k} ${s} rates ≥ 0`);
        // per-frame vs per-element normalisations agree: R_z/frame = N · R_z/(frame·N) with N = 32 at smoke
        assert.ok(Math.abs(c.Rz - 32 * c.rzNorm) < 1e-6 * Math.max(1, c.Rz), `${k} ${s} R_z units`);
        assert.ok(
          Math.abs(c.totalNorm - (c.rzNorm + 2 * c.rmNorm)) < 1e-9 * Math.max(1, c.totalNorm),
          `${k} ${s} total = R_z + S·R_m`,
        );
      }
    const tested = [
      "The unmodified ELBO collapses to a low rate",
      "The unmodified ELBO separates worst",
      "On the unseen domain every model has a higher distortion and a higher rate (RD curve up and right)",
      "The rate change on the unseen domain is driven by the encoding rate; the mask rate is largely unchanged",
      "The lowest-distortion model on the seen domain is not the best on the unseen domain; a lower-rate model is",
      "Every free-bits/β model scores a lower SI-SDRi on the unseen domain",
    ];
    // the rows these claims need are not in the smoke grid
    const untested = [
      "More free bits (λ = 8 → 64, 128) keep the rate higher and separate better",
      "Lower β (1/β = 8 … 128 at λ = 128) raises both rates and SI-SDRi",
      "Penalising either term more (β 1/8 on z or m) lowers both rates relative to β = 1/128 on both",
      "Increasing the rate reduces the distortion (RD trade-off, Fig. 7)",
      "With −SI-SDR in place of the BLR distortion the same trade-off holds (Fig. 8)",
    ];
    assert.equal(rec.claims.length, tested.length + untested.length);
    for (const t of tested) assert.equal(typeof claimOf(rec, t).holds, "boolean", t);
    for (const t of untested) {
      const c = claimOf(rec, t);
      assert.equal(c.holds, null, t);
      assert.match(c.ours, /not tested/);
    }
    // holds agree with the recorded per-mixture numbers (paired t-test, Welch's t-test; two-sided p < 0.05)
    type Per = { siSdri: number[]; total: number[] };
    const P = (k: string, s: string) => (d.table[k][s] as unknown as { per: Per }).per;
    const T = (k: string, s: string) => d.table[k][s];
    const above = (a: number[], b: number[]) => {
      const dd = a.map((v, i) => v - b[i]);
      const m = dd.reduce((x, y) => x + y, 0) / dd.length;
      const se = Math.sqrt(dd.reduce((x, y) => x + (y - m) ** 2, 0) / (dd.length - 1) / dd.length);
      return m > 0 && (se > 0 ? studentTTwoSided(m / se, dd.length - 1) < 0.05 : true);
    };
    const others = ["λ8", "λ128 β1/8"];
    for (const k of ["ELBO", ...others])
      for (const s of ["seen-noisy", "unseen-noisy"]) {
        assert.ok(P(k, s).siSdri.length > 1, `${k} ${s}: per-mixture values`);
        assert.equal(P(k, s).total.length, P(k, s).siSdri.length);
      }
    assert.equal(
      claimOf(rec, tested[0]).holds,
      others.every(
        (k) =>
          T("ELBO", "seen-noisy").totalNorm < 0.5 * T(k, "seen-noisy").totalNorm &&
          above(P(k, "seen-noisy").total, P("ELBO", "seen-noisy").total),
      ),
    );
    assert.equal(
      claimOf(rec, tested[1]).holds,
      others.every(
        (k) =>
          above(P(k, "seen-noisy").siSdri, P("ELBO", "seen-noisy").siSdri) &&
          above(P(k, "unseen-noisy").siSdri, P("ELBO", "unseen-noisy").siSdri),
      ),
    );
    assert.equal(
      claimOf(rec, tested[5]).holds,
      others.every((k) => {
        const t = welchTTest(P(k, "seen-noisy").siSdri, P(k, "unseen-noisy").siSdri);
        return t.meanDiff > 0 && t.pValue < 0.05;
      }),
    );
    for (const c of rec.claims) {
      assert.equal(c.kind, "result", c.text);
      if (c.holds !== true) assert.ok(c.cause, `${c.text}: a claim that does not hold has a cause`);
    }
  },
);
