// Metrics history: one row of numbers per step (loss, distortion, rate, elbo, ms, term_*, ctl_*, val_*),
// per-epoch means, and CSV read/write.
import * as fs from "fs";
import { writeFileAtomic } from "../engine/paths";

export type HistoryRow = Record<string, number>;

/** A column-safe version of a name (term or controller field). */
export function columnName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.\-/]/g, "_");
}

/** Columns in order of first appearance across rows. */
export function columns(rows: HistoryRow[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        out.push(k);
      }
  return out;
}

function fmt(v: number | undefined): string {
  if (v === undefined) return "";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  return String(v);
}

/** CSV text: a header, then one line per row; absent values are empty. */
export function toCsv(rows: HistoryRow[]): string {
  const cols = columns(rows);
  const lines = [cols.join(",")];
  for (const r of rows) lines.push(cols.map((c) => fmt(r[c])).join(","));
  return lines.join("\n") + "\n";
}

/** Parse CSV written by toCsv (numbers only); `file` names errors. */
export function parseCsv(text: string, file = "csv"): HistoryRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) return [];
  const cols = lines[0].split(",");
  return lines.slice(1).map((line, i) => {
    const cells = line.split(",");
    if (cells.length !== cols.length)
      throw new Error(`${file}: line ${i + 2} has ${cells.length} fields, the header has ${cols.length}`);
    const row: HistoryRow = {};
    cells.forEach((c, j) => {
      if (c === "") return;
      const v = Number(c);
      if (Number.isNaN(v) && c !== "NaN")
        throw new Error(`${file}: line ${i + 2}, column ${cols[j]}: "${c}" is not a number`);
      row[cols[j]] = v;
    });
    return row;
  });
}

export function writeCsv(file: string, rows: HistoryRow[]): void {
  writeFileAtomic(file, toCsv(rows));
}

export function readCsv(file: string): HistoryRow[] {
  if (!fs.existsSync(file)) throw new Error(`metrics: ${file} not found`);
  return parseCsv(fs.readFileSync(file, "utf8"), file);
}

/** Per-epoch means of every column (except step/epoch), with the epoch's last step and step count. */
export function epochSummary(rows: HistoryRow[]): HistoryRow[] {
  const groups = new Map<number, HistoryRow[]>();
  for (const r of rows) {
    const e = r.epoch ?? 0;
    if (!groups.has(e)) groups.set(e, []);
    groups.get(e)!.push(r);
  }
  const out: HistoryRow[] = [];
  for (const [epoch, rs] of [...groups.entries()].sort((a, b) => a[0] - b[0])) {
    const row: HistoryRow = { epoch, step: Math.max(...rs.map((r) => r.step)), steps: rs.length };
    for (const c of columns(rs)) {
      if (c === "epoch" || c === "step") continue;
      const vals = rs.map((r) => r[c]).filter((v) => v !== undefined);
      if (vals.length) row[c] = vals.reduce((a, b) => a + b, 0) / vals.length;
    }
    out.push(row);
  }
  return out;
}
