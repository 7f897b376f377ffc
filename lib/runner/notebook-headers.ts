// The "Run time." paragraph of every notebook's header (its first markdown cell): what the user waits for before
// anything appears, and the measured first-run time at demo from notebooks/timings.json. `npx tsx
// scripts/sync-notebook-headers.ts` rewrites the paragraphs after timings.json changes; a test keeps them in step.
import { relative } from "path";
import type { FigureRecord } from "../notebook/figure-record";
import { tallyClaims } from "../notebook/claims";
import { INDEX_NOTEBOOK, findNotebooks } from "./figures";

export { INDEX_NOTEBOOK };
import { loadRecords } from "./gallery";
import type { Notebook } from "./nbformat";
import { joinText, splitLines } from "./nbformat";
import { TimingsFile, roughDuration, timingKey } from "../notebook/timings";

export const RUN_TIME_MARK = "**Run time.**";

/** The paragraph for a notebook (path under notebooks/ or with the notebooks/ prefix). */
export function runTimeParagraph(notebookPath: string, timings: TimingsFile): string {
  const t = timings.notebooks[timingKey(notebookPath)]?.demo;
  const demo = t
    ? `The first run at \`demo\` took ${roughDuration(t.seconds)} (${t.measured}; ${t.conditions})`
    : "The first run at `demo` has not been measured yet";
  return (
    `${RUN_TIME_MARK} The first code cell compiles the library (≈ 5–30 s, longer on a busy machine) before anything appears. ${demo}; ` +
    "a re-run reloads trained models from `data/runs/`. The first output line repeats this for the preset in use " +
    "(`notebooks/timings.json`; `npm run bench -- --notebooks` measures it)."
  );
}

/**
 * The notebook with its header's "Run time." paragraph set to `paragraph` (replacing an existing one, else
 * appended to the first cell); throws naming the notebook when the first cell is not markdown.
 */
export function withRunTime(nb: Notebook, paragraph: string, name: string): Notebook {
  const first = nb.cells[0];
  if (!first || first.cell_type !== "markdown") throw new Error(`${name}: the first cell must be the markdown header`);
  const text = joinText(first.source);
  const paragraphs = text.split(/\n\n/);
  const at = paragraphs.findIndex((p) => p.startsWith(RUN_TIME_MARK));
  if (at >= 0) paragraphs[at] = paragraph;
  else paragraphs.push(paragraph);
  return { ...nb, cells: [{ ...first, source: paragraphs.join("\n\n") }, ...nb.cells.slice(1)] };
}

/** The header's current "Run time." paragraph, or null. */
export function currentRunTime(nb: Notebook): string | null {
  const first = nb.cells[0];
  if (!first || first.cell_type !== "markdown") return null;
  return (
    joinText(first.source)
      .split(/\n\n/)
      .find((p) => p.startsWith(RUN_TIME_MARK)) ?? null
  );
}

export interface IndexEntry {
  /** Path under notebooks/. */
  notebook: string;
  work: string;
  figure: string;
  caption: string;
  /** "3 of 5" result claims hold at demo, or null without a record. */
  results: string | null;
}

const WORK_ORDER = ["tour", "vaequisition", "vi-emd", "cd-vae", "pdisvae"];

/** The markdown of notebooks/index.ipynb: every notebook with its figure, first-run time and what it caches. */
export function indexMarkdown(entries: IndexEntry[], timings: TimingsFile): string {
  const sorted = [...entries].sort(
    (a, b) =>
      (WORK_ORDER.indexOf(a.work) + 1 || 99) - (WORK_ORDER.indexOf(b.work) + 1 || 99) ||
      a.notebook.localeCompare(b.notebook),
  );
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const rows = sorted.map((e) => {
    const t = timings.notebooks[e.notebook]?.demo;
    return `| ${e.work} | [${cell(e.figure)}](${e.notebook}) | ${cell(e.caption)} | ${t ? `${roughDuration(t.seconds)} (${t.measured})` : "not measured"} | ${t ? cell(t.conditions) : ""} | ${e.results ?? "–"} |`;
  });
  return [
    "# vaelab — start here",
    "",
    "One notebook per figure or table of the four works (the thesis' Appendices A–C and the PDisVAE paper). Open one,",
    "run it top to bottom (Cell > Run All): it says what it reproduces and what differs from the paper, trains or reloads",
    "its models, shows the figure, and ends with a claims table saying which of the paper's claims hold in this run.",
    "",
    "- **Time.** The first code cell of every notebook compiles the library (≈ 5–30 s, longer on a busy machine) before anything appears. The",
    "  table gives each notebook's first run at the `demo` preset on a 2-core CPU (`notebooks/timings.json`); a re-run",
    "  reloads the trained models from `data/runs/` and takes seconds to a minute. `smoke` (`VAELAB_PRESET=smoke`) runs",
    "  every notebook in seconds with meaningless numbers; `paper` is the papers' scale, for a GPU box.",
    "- **What it caches.** Trained models go to `data/runs/<hash>/` keyed by their configuration; several notebooks",
    "  reload models that another one trains (the conditions column says which). Generated data sets go to",
    "  `data/generated/`. Figures you export interactively go to `data/figures/`; only `npm run figures` writes",
    "  `figures/`.",
    '- **Claims.** "Results hold" counts the paper\'s findings that hold at demo, of those testable here (checks that',
    "  hold by construction are counted apart in each notebook). The gallery `figures/index.html` shows them all.",
    "",
    "| work | figure | what it shows | first run (demo) | measured with | results hold |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "This notebook is generated by `npx tsx scripts/sync-notebook-headers.ts` from the figure records and",
    "`notebooks/timings.json`; edit those, not this file.",
  ].join("\n");
}

/** One entry per notebook under `notebooksDir`, with its committed record's figure, caption and result tally. */
export function indexEntries(figuresDir: string, notebooksDir: string): IndexEntry[] {
  const byNotebook = new Map<string, FigureRecord>();
  for (const { record } of loadRecords(figuresDir).records) {
    if (typeof record.notebook === "string") byNotebook.set(timingKey(record.notebook), record);
  }
  return findNotebooks(notebooksDir).map((p) => {
    const nb = relative(notebooksDir, p).replace(/\\/g, "/");
    const r = byNotebook.get(nb);
    const t = r ? tallyClaims(r.claims).result : null;
    return {
      notebook: nb,
      work: r?.work ?? nb.split("/")[0],
      figure: r?.figure ?? nb,
      caption: r?.caption ?? "",
      results: t ? `${t.holds} of ${t.holds + t.fails}` : null,
    };
  });
}

/** notebooks/index.ipynb as text: one markdown cell, the project's kernel, Jupyter's layout. */
export function indexNotebook(entries: IndexEntry[], timings: TimingsFile): string {
  const nb = {
    cells: [
      { cell_type: "markdown", id: "start-here", metadata: {}, source: splitLines(indexMarkdown(entries, timings)) },
    ],
    metadata: {
      kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(nb, null, 1) + "\n";
}
