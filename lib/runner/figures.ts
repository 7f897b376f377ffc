// `figures`: run every notebook at one preset, writing executed copies beside the committed ones
// (data/executed/...), then rebuild the gallery. One failing notebook does not stop the others.
import { existsSync, readdirSync, statSync } from "fs";
import { join, relative } from "path";
import { buildGallery, GalleryResult } from "./gallery";
import { EXECUTED_DIR, figuresRoot, NOTEBOOKS_DIR } from "../engine/paths";
import type { Preset } from "../notebook/preset";
import { NotebookRunError, runNotebook } from "./runner";

/** Every *.ipynb under `dir`, sorted, skipping hidden folders and .ipynb_checkpoints. */
export function findNotebooks(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findNotebooks(p));
    else if (name.endsWith(".ipynb")) out.push(p);
  }
  return out;
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
  const figuresDir = opts.figuresDir ?? figuresRoot();
  const all = findNotebooks(notebooksDir);
  const chosen = all.filter((p) => !opts.only || relative(notebooksDir, p).includes(opts.only));
  if (chosen.length === 0) {
    log(opts.only ? `no notebook under ${notebooksDir} matches '${opts.only}'` : `no notebooks under ${notebooksDir}`);
  }
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
