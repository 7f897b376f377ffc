// Tidy tables of results (arquero): a sweep's runs as one row per run, group summaries (n, mean, sd over seeds),
// the cached runs under data/runs/ as a table, a figure record's data as a table, and inline display with the
// project's table styling (HTML plus an aligned-text fallback). Notebooks import arquero's `op` from here for
// their own filters and rollups. It lives in lib/notebook because it reads runs (lib/train), figure records and
// shows tables (lib/plot); the numbers it summarises come from lib/eval/summary, so a mean in a frame is the
// same number a notebook's claim computes with `mean`.
import * as fs from "fs";
import * as path from "path";
import * as aq from "arquero";
import type { ColumnTable } from "arquero";
import { committedFiguresRoot, runsRoot } from "../engine/paths";
import { AGE_INDEX, AUDIOGRAM_COLUMNS, EARS, FREQUENCIES_HZ, thresholdIndex } from "../data/audiograms";
import type { Matrix } from "../data/dataset";
import { mean, sd } from "../eval/summary";
import { CONFIG_FILE, DONE_FILE, METRICS_FILE, CHECKPOINT_DIR } from "../train/run-cache";
import { readCsv } from "../train/history";
import { showHtml } from "../plot/show";
import { htmlTable, textTable, type Cell } from "../plot/table";
import type { FigureRecord, Work } from "./figure-record";

export { op } from "arquero";
export type Frame = ColumnTable;

/** A table from rows of plain objects; nested plain objects become dotted columns (`evaluation.pc`). */
export function frame(rows: readonly object[]): Frame {
  return aq.from(rows.map((r) => flatten(r as Record<string, unknown>)));
}

/** A row's nested plain objects as dotted keys; arrays and other values are kept as they are. */
function flatten(
  row: Record<string, unknown>,
  prefix = "",
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const [k, v] of Object.entries(row)) {
    const key = prefix + k;
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
      flatten(v as Record<string, unknown>, `${key}.`, out);
    else out[key] = v;
  }
  return out;
}

/**
 * Audiograms [N, 15] (AUDIOGRAM_COLUMNS: age, then the L and R thresholds) as a tidy table: one row per audiogram, ear
 * and frequency — `audiogram` (row index), `age`, `ear`, `freqHz`, `threshold` (dB HL). A missing (NaN) threshold
 * has no row; a missing age is null.
 */
export function audiogramFrame(x: Matrix): Frame {
  const [n, cols] = x.shape;
  if (cols !== AUDIOGRAM_COLUMNS.length)
    throw new Error(
      `frames.audiogramFrame: audiograms have ${AUDIOGRAM_COLUMNS.length} columns (${AUDIOGRAM_COLUMNS.join(", ")}), got ${cols}`,
    );
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const age = x.values[i * cols + AGE_INDEX];
    for (const ear of EARS)
      for (const f of FREQUENCIES_HZ) {
        const v = x.values[i * cols + thresholdIndex(ear, f)];
        if (!Number.isNaN(v))
          rows.push({ audiogram: i, age: Number.isNaN(age) ? null : age, ear: ear, freqHz: f, threshold: v });
      }
  }
  return aq.from(rows);
}

// ---------------------------------------------------------------------------------------------------------------
// Group summaries

const ROW = "__frames_row";

export interface SummaryOptions {
  /** Sample sd's ddof (default 1, as lib/eval/summary's sd). */
  ddof?: number;
}

/**
 * Group `t` by the `by` columns and summarise each metric over the group's rows: columns `...by, n, <m> mean,
 * <m> sd` (sd is null for a group of fewer than ddof + 1 rows). Groups keep the order they first appear in.
 * Means and sds are lib/eval/summary's (NaN propagates); a missing or non-numeric value is an error naming the
 * column and the group.
 */
export function summarize(t: Frame, by: string | string[], metrics: string[], opts: SummaryOptions = {}): Frame {
  const keys = typeof by === "string" ? [by] : by;
  const ddof = opts.ddof ?? 1;
  for (const c of [...keys, ...metrics])
    if (!t.columnNames().includes(c))
      throw new Error(`frames.summarize: no column "${c}" (columns: ${t.columnNames().join(", ")})`);
  // rollup collects each group's row numbers (arquero's aggregates skip null and NaN; the values are read raw)
  const table = t.reify();
  const all = table.numRows();
  const rowNumbers = Array.from({ length: all }, (_, i) => i);
  const grouped = table
    .assign({ [ROW]: rowNumbers })
    .groupby(...keys)
    .rollup({ [ROW]: aq.op.array_agg(ROW) });
  const columns = Object.fromEntries(metrics.map((m) => [m, Array.from(table.array(m) as ArrayLike<unknown>)]));
  const rows = (grouped.objects() as Record<string, unknown>[]).map((g) => {
    const members = g[ROW] as number[];
    const row: Record<string, unknown> = {};
    for (const k of keys) row[k] = g[k];
    row.n = members.length;
    for (const m of metrics) {
      const v = members.map((i) => columns[m][i]);
      const bad = v.findIndex((x) => typeof x !== "number");
      if (bad >= 0) {
        const where = keys.map((k) => `${k}=${String(g[k])}`).join(", ");
        throw new Error(
          `frames.summarize: "${m}" is ${String(v[bad])} in a row of group ${where || "(all)"}; every value must be a number`,
        );
      }
      const nums = v as number[];
      row[`${m} mean`] = mean(nums);
      row[`${m} sd`] = nums.length > ddof ? sd(nums, ddof) : null;
    }
    return row;
  });
  return aq.from(rows);
}

// ---------------------------------------------------------------------------------------------------------------
// Display

export interface ShowFrameOptions {
  caption?: string;
  /** Digits of a measured number (default 4, as the project's tables). */
  digits?: number;
  /** Show at most this many rows (default 50); the caption says how many there are. */
  limit?: number;
}

/** One column's cells: settings (every value exact in `digits` decimals, e.g. β = 0.1) as written, the rest as numbers. */
function columnCells(values: unknown[], digits: number): Cell[] {
  const setting = values.every(
    (v) => typeof v !== "number" || (Number.isFinite(v) && Number(v.toFixed(digits)) === v && Math.abs(v) < 1e5),
  );
  return values.map((v): Cell => {
    if (v === null || v === undefined) return null;
    if (typeof v === "number") return setting && !Number.isInteger(v) ? String(v) : v;
    if (typeof v === "string" || typeof v === "boolean") return v;
    if (v instanceof Date) return v.toISOString();
    return JSON.stringify(v);
  });
}

/** The columns and display cells of `t` (at most `limit` rows) and the caption, which says when rows were left out. */
function frameCells(t: Frame, opts: ShowFrameOptions = {}): { columns: string[]; rows: Cell[][]; caption: string } {
  const digits = opts.digits ?? 4,
    limit = opts.limit ?? 50;
  const columns = t.columnNames();
  const shown = Math.min(t.numRows(), limit);
  const cols = columns.map((c) => columnCells(Array.from(t.array(c) as ArrayLike<unknown>).slice(0, shown), digits));
  const rows = Array.from({ length: shown }, (_, i) => cols.map((col) => col[i]));
  const more = t.numRows() > shown ? `first ${shown} of ${t.numRows()} rows` : "";
  const caption = [opts.caption ?? "", more].filter((s) => s).join(" — ");
  return { columns, rows, caption };
}

/** The table as HTML (the project's table styling). */
export function frameHtml(t: Frame, opts: ShowFrameOptions = {}): string {
  const { columns, rows, caption } = frameCells(t, opts);
  return htmlTable(columns, rows, caption, opts.digits ?? 4);
}

/** The table as aligned text. */
export function frameText(t: Frame, opts: ShowFrameOptions = {}): string {
  const { columns, rows, caption } = frameCells(t, opts);
  return textTable(columns, rows, caption, opts.digits ?? 4);
}

/** Show the table inline (HTML with a text fallback; outside a kernel, print the text). */
export function showFrame(t: Frame, opts: ShowFrameOptions = {}): void {
  showHtml(frameHtml(t, opts), frameText(t, opts));
}

// ---------------------------------------------------------------------------------------------------------------
// Cached runs

export interface RunsTableOptions {
  /** Runs root (default VAELAB_RUNS_DIR, else data/runs). */
  runsDir?: string;
  /** Only these runs, in this order, each once (default: every run folder, sorted by hash). */
  hashes?: readonly string[];
  /** More config fields as columns, dotted paths (e.g. "model.beta"). */
  fields?: readonly string[];
  /** Metric columns of metrics.csv's last row to keep (default: all but step, epoch and ms). */
  metrics?: readonly string[];
  /** Where warnings about skipped run folders go (default console.warn). */
  warn?: (message: string) => void;
}

function at(obj: unknown, dotted: string): unknown {
  let v: unknown = obj;
  for (const k of dotted.split("."))
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

/** A JSON file's content; errors name the file. */
function readJson(file: string): unknown {
  const text = fs.readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message})`);
  }
}

/** One run folder as a row; throws naming the file at fault. */
function runRow(dir: string, hash: string, opts: RunsTableOptions): Record<string, unknown> {
  const configFile = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(configFile)) throw new Error(`${configFile} is missing`);
  const config = readJson(configFile);
  if (config === null || typeof config !== "object") throw new Error(`${configFile} holds no config object`);
  const doneFile = path.join(dir, DONE_FILE);
  const done = fs.existsSync(doneFile) ? (readJson(doneFile) as Record<string, unknown> | null) : null;
  if (done !== null && typeof done !== "object") throw new Error(`${doneFile} holds no object`);
  if (done?.hash !== undefined && done.hash !== hash)
    throw new Error(`${doneFile} names run ${String(done.hash)}, not ${hash}`);
  const metricsFile = path.join(dir, METRICS_FILE);
  // the last logged row (readCsv checks every line and names the file, line and column at fault)
  const final = fs.existsSync(metricsFile) ? (readCsv(metricsFile).at(-1) ?? {}) : {};
  const model = at(config, "model"),
    data = at(config, "data");
  const row: Record<string, unknown> = {
    hash,
    status: done ? "done" : fs.existsSync(path.join(dir, CHECKPOINT_DIR)) ? "interrupted" : "incomplete",
    preset: at(config, "preset") ?? null,
    seed: at(config, "seed") ?? null,
    model: at(model, "kind") ?? null,
    method: at(model, "method") ?? at(model, "kind") ?? null,
    data: at(data, "kind") ?? null,
  };
  for (const f of opts.fields ?? []) row[f] = at(config, f) ?? null;
  // a finished run says its steps; an unfinished one has logged up to its last step
  row.steps = typeof done?.steps === "number" ? done.steps : final.step !== undefined ? final.step + 1 : null;
  row.finishedAt = typeof done?.finishedAt === "string" ? done.finishedAt : null;
  const keep = opts.metrics ?? Object.keys(final).filter((k) => !["step", "epoch", "ms"].includes(k));
  for (const m of keep) row[m] = final[m] ?? null;
  return row;
}

/**
 * One row per cached run under the runs root: hash, status (done / interrupted / incomplete), preset, seed, model
 * kind, method, data kind, the `fields` asked for, steps, finishedAt, and the final metrics (metrics.csv's last
 * row). A broken run folder (config.json missing or not JSON, done.json not JSON or naming another run, a bad
 * metrics.csv line) is skipped with a warning naming the file, so one bad folder does not hide the others.
 */
export function runsTable(opts: RunsTableOptions = {}): Frame {
  const root = runsRoot(opts.runsDir);
  const warn = opts.warn ?? ((m: string) => console.warn(`warning: ${m}`));
  // a run asked for twice (e.g. a best-of-restarts row that kept restart 0) is listed once
  const hashes = opts.hashes
    ? [...new Set(opts.hashes)]
    : fs.existsSync(root)
      ? fs
          .readdirSync(root)
          .filter((h) => fs.statSync(path.join(root, h)).isDirectory())
          .sort()
      : [];
  const rows: Record<string, unknown>[] = [];
  for (const hash of hashes) {
    const dir = path.join(root, hash);
    if (!fs.existsSync(dir)) {
      warn(`runsTable: skipped run ${hash}: ${dir} does not exist`);
      continue;
    }
    try {
      rows.push(runRow(dir, hash, opts));
    } catch (e) {
      warn(`runsTable: skipped run ${hash}: ${(e as Error).message}`);
    }
  }
  // runs of different kinds log different metrics: every row gets every column (null where a run has none)
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return aq.from(rows.map((r) => Object.fromEntries(names.map((n) => [n, r[n] ?? null]))));
}

// ---------------------------------------------------------------------------------------------------------------
// Figure records

/**
 * A figure record's `data` (or the part of it at the dotted `key`, e.g. "runs") as a table. The source is a record,
 * a path to a record's JSON, or {work, name} under the committed figures/ (VAELAB_FIGURES_DIR overrides). The data
 * there must be an array of objects (a row each); errors name the file and key.
 */
export function recordFrame(
  source: FigureRecord | string | { work: Work; name: string; root?: string },
  key?: string,
): Frame {
  let record: FigureRecord, where: string;
  if (typeof source === "string" || !("data" in source)) {
    const file =
      typeof source === "string"
        ? source
        : path.join(committedFiguresRoot(source.root), source.work, `${source.name}.json`);
    if (!fs.existsSync(file)) throw new Error(`recordFrame: ${file} does not exist`);
    record = readJson(file) as FigureRecord;
    where = file;
  } else {
    record = source;
    where = `record ${source.name}`;
  }
  if (record === null || typeof record !== "object" || !("data" in record))
    throw new Error(`recordFrame: ${where} has no "data" field`);
  const rows = key === undefined ? record.data : at(record.data, key);
  const what = key === undefined ? "data" : `data.${key}`;
  if (!Array.isArray(rows) || rows.some((r) => r === null || typeof r !== "object" || Array.isArray(r)))
    throw new Error(`recordFrame: ${what} of ${where} is not an array of objects (one per row)`);
  return frame(rows as object[]);
}
