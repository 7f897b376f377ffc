// Rewrite the "Run time." paragraph of every notebook's header from notebooks/timings.json, and the start-here
// notebooks/index.ipynb from the committed figure records and the timings (lib/runner/notebook-headers). Run after
// `npm run bench -- --notebooks --write` or a main job. Only a header cell's source changes: the file keeps its key
// order and layout (indent 1, trailing newline).
import { existsSync, readFileSync, writeFileSync } from "fs";
import { join, relative } from "path";
import { COMMITTED_FIGURES_DIR, NOTEBOOKS_DIR } from "../lib/engine/paths";
import { findNotebooks } from "../lib/runner/figures";
import { joinText, splitLines, type Notebook } from "../lib/runner/nbformat";
import {
  INDEX_NOTEBOOK,
  currentRunTime,
  indexEntries,
  indexNotebook,
  runTimeParagraph,
  withRunTime,
} from "../lib/runner/notebook-headers";
import { readTimings } from "../lib/notebook/timings";

const timings = readTimings();
let changed = 0;
for (const path of findNotebooks(NOTEBOOKS_DIR)) {
  const rel = relative(NOTEBOOKS_DIR, path);
  const raw = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  const want = runTimeParagraph(rel, timings);
  if (currentRunTime(raw) === want) continue;
  const edited = withRunTime(raw, want, rel);
  raw.cells[0].source = splitLines(joinText(edited.cells[0].source));
  writeFileSync(path, JSON.stringify(raw, null, 1) + "\n");
  changed++;
  console.log(`updated ${rel}`);
}
console.log(`${changed} notebook header${changed === 1 ? "" : "s"} updated`);

const indexPath = join(NOTEBOOKS_DIR, INDEX_NOTEBOOK);
const index = indexNotebook(indexEntries(COMMITTED_FIGURES_DIR, NOTEBOOKS_DIR), timings);
if (!existsSync(indexPath) || readFileSync(indexPath, "utf8") !== index) {
  writeFileSync(indexPath, index);
  console.log(`wrote notebooks/${INDEX_NOTEBOOK}`);
}
