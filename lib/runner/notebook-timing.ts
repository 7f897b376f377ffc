// `npm run bench -- --notebooks` (scripts/bench.ts): each notebook's first-run time, measured rather than summed. Every notebook runs
// alone on an empty run cache (a fresh VAELAB_RUNS_DIR, so it trains everything it needs, including models it
// would otherwise reload from another notebook's runs) and exports into a temporary figures folder (figures/ is
// the main job's). Generated data sets (the speech stand-in) stay cached: building them is data preparation, said
// in the conditions. With --write the times go to notebooks/timings.json, which the headers print.
import { mkdtempSync, rmSync } from "fs";
import { loadavg, tmpdir } from "os";
import { join, relative } from "path";
import { NOTEBOOKS_DIR } from "../engine/paths";
import type { Preset } from "../notebook/preset";
import { formatDuration, selectNotebooks } from "./figures";
import { runNotebook } from "./runner";
import { FirstRunTiming, recordTiming } from "../notebook/timings";

export interface NotebookTimingOptions {
  preset: Preset;
  only?: string;
  /** Write each time into notebooks/timings.json (or `timingsPath`) as it is measured. */
  write: boolean;
  timingsPath?: string;
  machine?: string;
  notebooksDir?: string;
  cellTimeoutSec?: number;
  log?: (line: string) => void;
  /** Today, YYYY-MM-DD (injectable for tests). */
  today?: string;
}

export interface NotebookTimingRow {
  notebook: string;
  ok: boolean;
  seconds: number;
  conditions: string;
  error?: string;
}

/** Run the selected notebooks one by one on empty run caches and time them. */
export async function timeNotebookFirstRuns(o: NotebookTimingOptions): Promise<NotebookTimingRow[]> {
  const log = o.log ?? ((l: string) => process.stderr.write(l + "\n"));
  const notebooksDir = o.notebooksDir ?? NOTEBOOKS_DIR;
  const chosen = selectNotebooks(notebooksDir, o.only);
  if (chosen.length === 0) throw new Error(`no notebook under ${notebooksDir} matches --only ${o.only ?? ""}`);
  const rows: NotebookTimingRow[] = [];
  for (const [i, nb] of chosen.entries()) {
    const rel = relative(notebooksDir, nb).replace(/\\/g, "/");
    const scratch = mkdtempSync(join(tmpdir(), "vaelab-first-run-"));
    const loadBefore = loadavg()[0];
    log(`[${i + 1}/${chosen.length}] ${rel}: first run at ${o.preset} on an empty run cache (${scratch})`);
    const t0 = Date.now();
    let row: NotebookTimingRow;
    try {
      const r = await runNotebook(nb, {
        outPath: join(scratch, "executed.ipynb"),
        cellTimeoutSec: o.cellTimeoutSec,
        env: {
          VAELAB_PRESET: o.preset,
          VAELAB_RUNS_DIR: join(scratch, "runs"),
          VAELAB_FIGURES_DIR: join(scratch, "figures"),
        },
        log: () => {},
      });
      const load = (loadBefore + loadavg()[0]) / 2;
      row = { notebook: rel, ok: r.ok, seconds: r.seconds, conditions: conditionsLine(load) };
    } catch (e) {
      row = {
        notebook: rel,
        ok: false,
        seconds: (Date.now() - t0) / 1000,
        conditions: "",
        error: (e as Error).message.split("\n")[0],
      };
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    rows.push(row);
    log(`  ${row.ok ? formatDuration(row.seconds) : `FAILED after ${formatDuration(row.seconds)}: ${row.error}`}`);
    if (row.ok && o.write) {
      const timing: FirstRunTiming = {
        seconds: Math.round(row.seconds),
        measured: o.today ?? new Date().toISOString().slice(0, 10),
        conditions: row.conditions,
      };
      recordTiming(rel, o.preset, timing, { path: o.timingsPath, machine: o.machine });
    }
  }
  return rows;
}

/** "empty run cache, generated data cached, load ≈ 1.3" (the 1-minute load average, mean of start and end). */
export function conditionsLine(load: number): string {
  return `empty run cache, generated data sets cached, load ≈ ${load.toFixed(1)}`;
}

/** A plain table of the measured rows. */
export function notebookTimingTable(rows: NotebookTimingRow[]): string {
  const w = Math.max(8, ...rows.map((r) => r.notebook.length));
  const lines = rows.map(
    (r) =>
      `${r.notebook.padEnd(w)}  ${r.ok ? formatDuration(r.seconds).padStart(12) : "FAILED".padStart(12)}  ${r.conditions}`,
  );
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  return [
    `${"notebook".padEnd(w)}  ${"first run".padStart(12)}  conditions`,
    ...lines,
    `total ${formatDuration(total)}`,
  ].join("\n");
}
