// Shared harness of the notebook smoke tests: a temporary sandbox (figures, runs and generated-data
// directories) whose notebooks run at the smoke preset through the headless runner (real tslab kernel) and
// whose exported record is read back and checked for the basics; plus the claim and number checks every
// notebook test uses. Notebooks run in one sandbox share trained models (same runs directory), and a test can read
// the record an earlier notebook of the sandbox exported.
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
  /** The runs directory the sandbox's notebooks train into and reload from. */
  runsDir(): string;
  /** Run notebooks/<work>/<name>.ipynb at smoke; returns its record after the basic checks. */
  run(name: string): Promise<FigureRecord>;
  /** The record a notebook run earlier in this sandbox exported (e.g. to compare with a later notebook's). */
  record(name: string): FigureRecord;
  /** The executed copy (with outputs) of the last run of notebooks/<work>/<name>.ipynb. */
  executedPath(name: string): string;
  /** Remove the sandbox. */
  cleanup(): void;
}

/** A sandbox for the notebooks of one work; `env` adds variables (e.g. a generated-data directory). */
export function smokeSandbox(
  work: string,
  prefix: string,
  env: (dir: string) => Record<string, string> = () => ({}),
): SmokeSandbox {
  let tmp = "";
  const dir = () => (tmp ||= mkdtempSync(join(tmpdir(), `vaelab-${prefix}-`)));
  const runsDir = () => join(dir(), "runs");
  const record = (name: string) =>
    JSON.parse(readFileSync(join(dir(), "figures", work, `${name}.json`), "utf8")) as FigureRecord;
  const executedPath = (name: string) => join(dir(), `${name}.out.ipynb`);
  return {
    dir: dir,
    runsDir: runsDir,
    record: record,
    executedPath: executedPath,
    async run(name: string): Promise<FigureRecord> {
      const d = dir();
      const res = await runNotebook(join(root, "notebooks", work, `${name}.ipynb`), {
        outPath: executedPath(name),
        env: {
          VAELAB_PRESET: "smoke",
          VAELAB_FIGURES_DIR: join(d, "figures"),
          VAELAB_PNG: "0",
          VAELAB_RUNS_DIR: runsDir(),
          ...env(d),
        },
      });
      assert.equal(res.ok, true, `${work}/${name} failed`);
      const rec = record(name);
      assert.equal(rec.work, work);
      assert.equal(rec.name, name);
      assert.equal(rec.preset, "smoke");
      assert.match(rec.engine, /^vaelab engine: backend=/);
      assert.ok(rec.seconds > 0);
      for (const c of rec.claims)
        assert.ok(c.holds === true || c.holds === false || c.holds === null, `claim "${c.text}" has a verdict`);
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
