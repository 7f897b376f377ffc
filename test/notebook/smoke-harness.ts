// Shared harness of the notebook smoke tests: a temporary sandbox (figures, runs and generated-data
// directories) whose notebooks run at the smoke preset through the headless runner (real tslab kernel) and
// whose exported record is read back and checked for the basics; plus the claim and number checks every
// notebook test uses. Notebooks run in one sandbox share trained models (same runs directory).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runNotebook } from "../../lib/runner/runner";
import type { FigureRecord } from "../../lib/notebook/figure-record";

const root = join(__dirname, "..", "..");

export interface SmokeSandbox {
  /** The sandbox directory (created on first use). */
  dir(): string;
  /** Run notebooks/<work>/<name>.ipynb at smoke; returns its record after the basic checks. */
  run(name: string): Promise<FigureRecord>;
  /** Remove the sandbox. */
  cleanup(): void;
}

/** A sandbox for the notebooks of one work; `env` adds variables (e.g. a generated-data directory). */
export function smokeSandbox(work: string, prefix: string, env: (dir: string) => Record<string, string> = () => ({})): SmokeSandbox {
  let tmp = "";
  const dir = () => (tmp ||= mkdtempSync(join(tmpdir(), `vaelab-${prefix}-`)));
  return {
    dir: dir,
    async run(name: string): Promise<FigureRecord> {
      const d = dir();
      const res = await runNotebook(join(root, "notebooks", work, `${name}.ipynb`), {
        outPath: join(d, `${name}.out.ipynb`),
        env: { VAELAB_PRESET: "smoke", VAELAB_FIGURES_DIR: join(d, "figures"), VAELAB_PNG: "0", VAELAB_RUNS_DIR: join(d, "runs"), ...env(d) },
      });
      assert.equal(res.ok, true, `${work}/${name} failed`);
      const rec = JSON.parse(readFileSync(join(d, "figures", work, `${name}.json`), "utf8")) as FigureRecord;
      assert.equal(rec.work, work);
      assert.equal(rec.name, name);
      assert.equal(rec.preset, "smoke");
      assert.ok(rec.seconds > 0);
      return rec;
    },
    cleanup() {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      tmp = "";
    },
  };
}

/** The claim with exactly this text; its holds is true, false or null and its numbers are given. */
export function claimOf(rec: FigureRecord, text: string): FigureRecord["claims"][number] {
  const c = rec.claims.find((k) => k.text === text);
  assert.ok(c, `claim "${text}" missing (have: ${rec.claims.map((k) => k.text).join(" | ")})`);
  assert.ok(c!.holds === null || typeof c!.holds === "boolean", `claim "${text}": holds ${c!.holds}`);
  assert.ok(c!.ours.length > 20, `claim "${text}" has no numbers`);
  return c!;
}

/** Assert that v is a finite number. */
export function finite(v: unknown, what: string): void {
  assert.ok(typeof v === "number" && Number.isFinite(v), `${what} = ${v} is not a finite number`);
}
