// Reading and writing .ipynb files (nbformat 4, written as 4.5 so that every cell has an id), in
// the layout Jupyter itself writes: sorted keys, one-space indent, multi-line strings as line lists.
import { createHash } from "crypto";
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { dirname } from "path";
import type { Output } from "./outputs";

/** nbformat's multi-line string: one string or a list of lines (each keeping its "\n"). */
export type MultilineString = string | string[];

export interface CodeCell {
  cell_type: "code";
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  execution_count: number | null;
  outputs: Output[];
}
export interface TextCell {
  cell_type: "markdown" | "raw";
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}
export type Cell = CodeCell | TextCell;

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/** Join a multi-line string into one string. */
export function joinText(s: MultilineString | undefined): string {
  return Array.isArray(s) ? s.join("") : (s ?? "");
}

/** Split text into nbformat lines, each keeping its trailing newline ("a\nb" → ["a\n", "b"]). */
export function splitLines(s: string): string[] {
  const out = s.split(/(?<=\n)/);
  return out.length === 1 && out[0] === "" ? [] : out;
}

/** Read and check a notebook; errors name the file and what is wrong. Source/text fields become strings. */
export function readNotebook(path: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not a readable notebook (${(e as Error).message})`);
  }
  const nb = raw as Notebook;
  if (typeof nb !== "object" || nb === null || nb.nbformat !== 4) {
    throw new Error(`${path}: nbformat must be 4 (found ${JSON.stringify((nb as { nbformat?: unknown })?.nbformat)})`);
  }
  if (!Array.isArray(nb.cells)) throw new Error(`${path}: "cells" must be a list`);
  nb.metadata ??= {};
  nb.cells.forEach((cell, i) => {
    if (!cell || !["code", "markdown", "raw"].includes(cell.cell_type)) {
      throw new Error(`${path}: cell ${i} has unknown cell_type ${JSON.stringify(cell?.cell_type)}`);
    }
    cell.source = joinText(cell.source);
    cell.metadata ??= {};
    if (cell.cell_type === "code") {
      cell.outputs = (cell.outputs ?? []).map(joinOutputText);
      cell.execution_count ??= null;
    }
  });
  return nb;
}

/**
 * Give every cell a valid, unique id (nbformat 4.5) and bump nbformat_minor to at least 5. Existing
 * valid ids are kept; new ones are derived from the cell's position and source, so they are the same
 * on every run of an id-less notebook.
 */
export function ensureCellIds(nb: Notebook): void {
  const seen = new Set<string>();
  nb.cells.forEach((cell, i) => {
    let id = cell.id;
    if (typeof id !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(id) || seen.has(id)) {
      const base = createHash("sha256")
        .update(`${i}\0${cell.cell_type}\0${joinText(cell.source)}`)
        .digest("hex")
        .slice(0, 12);
      id = base;
      for (let k = 1; seen.has(id); k++) id = `${base}-${k}`;
      cell.id = id;
    }
    seen.add(id);
  });
  if (nb.nbformat_minor < 5) nb.nbformat_minor = 5;
}

/** Write a notebook as Jupyter does (sorted keys, indent 1, line lists, trailing newline), creating folders. */
export function writeNotebook(path: string, nb: Notebook): void {
  const cells = nb.cells.map((cell) => {
    const c: Record<string, unknown> = { ...cell, source: splitLines(joinText(cell.source)) };
    if (cell.cell_type === "code") c.outputs = cell.outputs.map(splitOutputText);
    return c;
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(sortKeys({ ...nb, cells }), null, 1) + "\n");
}

function isTextMime(mime: string): boolean {
  return mime.startsWith("text/") || mime === "image/svg+xml";
}

function joinOutputText(o: Output): Output {
  const x = { ...o } as Record<string, unknown>;
  if (o.output_type === "stream") x.text = joinText(o.text as MultilineString);
  if ("data" in o && o.data) {
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o.data)) data[k] = Array.isArray(v) && isTextMime(k) ? v.join("") : v;
    x.data = data;
  }
  return x as Output;
}

function splitOutputText(o: Output): Record<string, unknown> {
  const x = { ...o } as Record<string, unknown>;
  if (o.output_type === "stream") x.text = splitLines(o.text);
  if ("data" in o && o.data) {
    const data: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o.data)) data[k] = typeof v === "string" && isTextMime(k) ? splitLines(v) : v;
    x.data = data;
  }
  return x;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}
