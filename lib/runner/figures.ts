// `figures`: run every notebook at one preset, writing executed copies beside the committed ones
// (data/executed/...), then rebuild the gallery. One failing notebook does not stop the others.
import { existsSync, readdirSync, statSync } from "fs";
import { join, relative } from "path";
import { buildGallery, GalleryResult, loadRecords } from "./gallery";
import {
  COMMITTED_FIGURES_DIR,
  COMMITTED_PRESET,
  EXECUTED_DIR,
  mainJobFiguresDir,
  NOTEBOOKS_DIR,
} from "../engine/paths";
import { Preset, PRESETS } from "../notebook/preset";
import { displayPath, NotebookRunError, runNotebook } from "./runner";
import { FirstRunTiming, readTimings, timingKey } from "../notebook/timings";
import { signNotebook } from "./trust";

/** The start-here notebook (notebooks/index.ipynb, lib/runner/notebook-headers): a table of contents, not a figure. */
export const INDEX_NOTEBOOK = "index.ipynb";

/**
 * Every *.ipynb under `dir`, sorted, skipping hidden folders, .ipynb_checkpoints and the start-here table of
 * contents at the top (notebooks/index.ipynb: no figure, nothing to run).
 */
export function findNotebooks(dir: string, top = true): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || (top && name === INDEX_NOTEBOOK)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findNotebooks(p, false));
    else if (name.endsWith(".ipynb")) out.push(p);
  }
  return out;
}

/** The notebooks `figures` runs: findNotebooks(notebooksDir) whose path relative to it contains `only`. */
export function selectNotebooks(notebooksDir: string, only?: string): string[] {
  return findNotebooks(notebooksDir).filter((p) => !only || relative(notebooksDir, p).includes(only));
}

function noNotebooks(notebooksDir: string, only?: string): string {
  return only ? `no notebook under ${notebooksDir} matches '${only}'` : `no notebooks under ${notebooksDir}`;
}

export interface FiguresOptions {
  preset: Preset;
  /** Only notebooks whose path (relative to notebooksDir) contains this substring. */
  only?: string;
  notebooksDir?: string;
  executedDir?: string;
  /** Figures root; also passed to the notebooks as VAELAB_FIGURES_DIR. */
  figuresDir?: string;
  cellTimeoutSec?: number;
  log?: (line: string) => void;
}

export interface NotebookSummary {
  /** Path relative to the notebooks folder. */
  notebook: string;
  status: "ok" | "failed";
  seconds: number;
  /** The failure message (names the cell and error) when failed. */
  error?: string;
  outPath: string;
}

export interface FiguresResult {
  notebooks: NotebookSummary[];
  gallery: GalleryResult;
  ok: boolean;
}

/** Run the notebooks (see findNotebooks) at `preset`, then write the gallery. */
export async function runFigures(opts: FiguresOptions): Promise<FiguresResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(line + "\n"));
  const notebooksDir = opts.notebooksDir ?? NOTEBOOKS_DIR;
  const executedDir = opts.executedDir ?? EXECUTED_DIR;
  const figuresDir = opts.figuresDir ?? mainJobFiguresDir(opts.preset);
  const chosen = selectNotebooks(notebooksDir, opts.only);
  log(
    `figures go to ${displayPath(figuresDir)}${figuresDir === COMMITTED_FIGURES_DIR ? "" : ` (the committed figures/ is written only at preset ${COMMITTED_PRESET})`}`,
  );
  if (chosen.length === 0) log(noNotebooks(notebooksDir, opts.only));
  const summaries: NotebookSummary[] = [];
  for (const [i, nb] of chosen.entries()) {
    const rel = relative(notebooksDir, nb);
    const outPath = join(executedDir, rel);
    log(`[${i + 1}/${chosen.length}] ${rel} (preset ${opts.preset})`);
    const t0 = Date.now();
    try {
      await runNotebook(nb, {
        outPath,
        cellTimeoutSec: opts.cellTimeoutSec,
        env: { VAELAB_PRESET: opts.preset, VAELAB_FIGURES_DIR: figuresDir },
        log,
      });
      // signed, so that Jupyter shows the executed copy's plots (an untrusted notebook's scripts are stripped)
      log(`  ${signNotebook(outPath).note}`);
      summaries.push({ notebook: rel, status: "ok", seconds: (Date.now() - t0) / 1000, outPath });
    } catch (e) {
      const message = e instanceof NotebookRunError ? e.message : `${rel}: ${(e as Error).message}`;
      log(message);
      summaries.push({ notebook: rel, status: "failed", seconds: (Date.now() - t0) / 1000, error: message, outPath });
    }
  }
  const gallery = buildGallery({ figuresDir });
  return { notebooks: summaries, gallery, ok: summaries.every((s) => s.status === "ok") };
}

/** A plain-text table: notebook, status, seconds. */
export function summaryTable(rows: NotebookSummary[]): string {
  const head = ["notebook", "status", "seconds"];
  const body = rows.map((r) => [r.notebook, r.status === "ok" ? "ok" : "FAILED", r.seconds.toFixed(1)]);
  const widths = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  const line = (cols: string[]) =>
    cols.map((c, j) => (j === 2 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join("  ");
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  return [
    line(head),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...body.map(line),
    `${rows.filter((r) => r.status === "ok").length}/${rows.length} ok, ${total.toFixed(1)} s`,
  ].join("\n");
}

// --- what a run would do, and how long it took last time (`figures --list`, `--dry-run`) ---

/** One notebook a run would execute, with the time measured for it. */
export interface PlannedNotebook {
  /** Path relative to the notebooks folder. */
  notebook: string;
  /** Measured seconds at the plan's preset, if a figure record has them. */
  seconds?: number;
  /** Measured seconds at other presets (shown when there is none at the plan's preset). */
  otherPresets: { preset: string; seconds: number }[];
  /** The first run's time at the plan's preset, from <notebooksDir>/timings.json (lib/notebook/timings). */
  firstRun?: FirstRunTiming;
}

export interface FiguresPlan {
  preset: Preset;
  only?: string;
  notebooksDir: string;
  /** Where the measured times come from: the figure records <figuresDir>/<work>/<name>.json. */
  figuresDir: string;
  notebooks: PlannedNotebook[];
}

/**
 * Measured seconds per notebook and preset, from the figure records in `figuresDir`: a record's `seconds` is
 * the notebook's wall time from startFigure() to that export; a notebook with several records gets the
 * largest. Keyed by the record's `notebook` path without its leading "notebooks/". Records without a
 * `notebook` field, or unreadable ones, give nothing.
 */
export function measuredSeconds(figuresDir: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const { record } of loadRecords(figuresDir).records) {
    if (typeof record.notebook !== "string" || !Number.isFinite(record.seconds)) continue;
    const key = notebookKey(record.notebook);
    const byPreset = out.get(key) ?? new Map<string, number>();
    byPreset.set(record.preset, Math.max(byPreset.get(record.preset) ?? 0, record.seconds));
    out.set(key, byPreset);
  }
  return out;
}

function notebookKey(path: string): string {
  return path.replace(/\\/g, "/").replace(/^(\.\/)?notebooks\//, "");
}

/** smoke, demo, paper, then anything else. */
function presetRank(p: string): number {
  const i = (PRESETS as readonly string[]).indexOf(p);
  return i < 0 ? PRESETS.length : i;
}

/** What `figures` would run with these options, each notebook with its measured time; runs nothing. */
export function planFigures(
  opts: Pick<FiguresOptions, "preset" | "only" | "notebooksDir" | "figuresDir">,
): FiguresPlan {
  const notebooksDir = opts.notebooksDir ?? NOTEBOOKS_DIR;
  const figuresDir = opts.figuresDir ?? mainJobFiguresDir(opts.preset);
  const times = measuredSeconds(figuresDir);
  const firstRuns = readTimings(join(notebooksDir, "timings.json")).notebooks;
  const notebooks = selectNotebooks(notebooksDir, opts.only).map((p): PlannedNotebook => {
    const rel = relative(notebooksDir, p);
    const byPreset = times.get(notebookKey(rel)) ?? new Map<string, number>();
    return {
      notebook: rel,
      firstRun: firstRuns[timingKey(rel)]?.[opts.preset],
      seconds: byPreset.get(opts.preset),
      otherPresets: [...byPreset]
        .filter(([q]) => q !== opts.preset)
        .sort(([a], [b]) => presetRank(a) - presetRank(b))
        .map(([preset, seconds]) => ({ preset, seconds })),
    };
  });
  return { preset: opts.preset, only: opts.only, notebooksDir, figuresDir, notebooks };
}

/** "1.4 s", "3 min 20 s", "2 h 5 min". */
export function formatDuration(s: number): string {
  if (s < 59.95) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The notebooks of a plan, one a line with its measured time or "time unknown". */
export function planTable(plan: FiguresPlan): string {
  if (plan.notebooks.length === 0) return noNotebooks(plan.notebooksDir, plan.only);
  const n = plan.notebooks.length;
  const width = Math.max(...plan.notebooks.map((x) => x.notebook.length));
  const rows = plan.notebooks.map((x) => {
    let time = x.seconds === undefined ? "time unknown" : formatDuration(x.seconds);
    if (x.seconds === undefined && x.otherPresets.length > 0) {
      time += ` (${x.otherPresets.map((o) => `${o.preset}: ${formatDuration(o.seconds)}`).join(", ")})`;
    }
    if (x.firstRun) {
      const f = x.firstRun;
      time = `first run ${formatDuration(f.seconds)} (${f.measured}, ${f.conditions}); last render ${time}`;
    }
    return `  ${x.notebook.padEnd(width)}  ${time}`;
  });
  return [
    `${n} notebook${n === 1 ? "" : "s"} at preset ${plan.preset}; measured time to the figure export, from ` +
      `${displayPath(plan.figuresDir)}/<work>/<name>.json (the last render's: one that reloaded trained runs from ` +
      `data/runs is faster than a first run):`,
    ...rows,
  ].join("\n");
}

/** One line: the plan's estimated total from the measured times, and how many notebooks it covers. */
export function estimateLine(plan: FiguresPlan): string {
  const n = plan.notebooks.length;
  const what = `${n} notebook${n === 1 ? "" : "s"} at preset ${plan.preset}`;
  // a first run's time where timings.json has one (a main job from scratch trains everything), else the last render's
  const timeOf = (x: PlannedNotebook) => x.firstRun?.seconds ?? x.seconds;
  const known = plan.notebooks.filter((x) => timeOf(x) !== undefined);
  const total = known.reduce((s, x) => s + (timeOf(x) ?? 0), 0);
  if (n === 0) return `estimated total: nothing to run (0 notebooks at preset ${plan.preset})`;
  if (known.length === 0) {
    return `estimated total: unknown for ${what} (no measured times at preset ${plan.preset} in ${displayPath(plan.figuresDir)})`;
  }
  const notIncluded = "kernel start-up not included";
  if (known.length === n) return `estimated total: ${formatDuration(total)} for ${what} (measured; ${notIncluded})`;
  return (
    `estimated total: at least ${formatDuration(total)} for ${what} ` +
    `(${known.length} measured, ${n - known.length} time unknown; ${notIncluded})`
  );
}
