// `figures` end to end on a temporary tree: two notebooks (one exports a figure record, one fails).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { findNotebooks, runFigures, summaryTable } from "../../lib/runner/figures";
import { makeNotebook, tempDir, writeFiles } from "./nb-fixtures";

// Writes a figure record the way a real notebook exports one, reading preset and target from the env.
const exportCell = `import * as fs from "fs";
import * as path from "path";
const root = process.env.VAELAB_FIGURES_DIR!;
fs.mkdirSync(path.join(root, "pdisvae"), { recursive: true });
const record = {
  work: "pdisvae", figure: "Fig. 1", name: "fig01-test", caption: "a test figure",
  preset: process.env.VAELAB_PRESET, engine: "none", seconds: 0.1, differences: [], data: { x: [1, 2] },
  claims: [{ text: "one plus one is two", paper: "2", ours: String(1 + 1), holds: 1 + 1 === 2, kind: "check" }],
  plots: [{ title: "line", data: [{ type: "scatter", x: [1, 2], y: [1, 2] }], layout: {} }],
};
fs.writeFileSync(path.join(root, "pdisvae", "fig01-test.json"), JSON.stringify(record));
console.log("exported at", record.preset);`;

test("figures runs every notebook into data/executed, keeps going after a failure, and builds the gallery", async () => {
  const root = tempDir("figures");
  const notebooksDir = join(root, "notebooks");
  const executedDir = join(root, "data", "executed");
  const figuresDir = join(root, "figures");
  writeFiles(notebooksDir, {
    "b-work/fig02-bad.ipynb": makeNotebook([{ code: 'throw new Error("boom in fig02");' }]),
    "a-work/fig01-ok.ipynb": makeNotebook([{ markdown: "# Fig. 1" }, { code: exportCell }]),
    "a-work/.ipynb_checkpoints/fig01-ok-checkpoint.ipynb": makeNotebook([{ code: "1" }]),
  });
  assert.deepEqual(
    findNotebooks(notebooksDir).map((p) => p.slice(notebooksDir.length + 1)),
    ["a-work/fig01-ok.ipynb", "b-work/fig02-bad.ipynb"],
    "sorted, checkpoints skipped",
  );

  const lines: string[] = [];
  const r = await runFigures({ preset: "smoke", notebooksDir, executedDir, figuresDir, log: (l) => lines.push(l) });
  assert.equal(r.ok, false);
  assert.ok(lines.includes("[1/2] a-work/fig01-ok.ipynb (preset smoke)"), lines.join("\n"));
  assert.deepEqual(
    r.notebooks.map((n) => [n.notebook, n.status]),
    [
      ["a-work/fig01-ok.ipynb", "ok"],
      ["b-work/fig02-bad.ipynb", "failed"],
    ],
  );
  assert.match(r.notebooks[1].error!, /fig02-bad\.ipynb: cell 0 .*failed[\s\S]*boom in fig02/);

  // Executed copies land under executedDir; the committed notebooks stay output-free.
  const executed = JSON.parse(readFileSync(join(executedDir, "a-work/fig01-ok.ipynb"), "utf8"));
  assert.equal(executed.cells[1].outputs[0].text.join(""), "exported at smoke\n");
  assert.ok(existsSync(join(executedDir, "b-work/fig02-bad.ipynb")), "a failed notebook is written too");
  const committed = JSON.parse(readFileSync(join(notebooksDir, "a-work/fig01-ok.ipynb"), "utf8"));
  assert.deepEqual(committed.cells[1].outputs, []);

  // The gallery lists the record the notebook exported.
  assert.deepEqual(
    r.gallery.records.map((x) => x.file),
    ["pdisvae/fig01-test.json"],
  );
  const html = readFileSync(join(figuresDir, "index.html"), "utf8");
  assert.equal((html.match(/<tr class="claim holds-yes kind-check"/g) ?? []).length, 1);
  assert.equal((html.match(/<div class="plots/g) ?? []).length, 1, "the record's plots, drawn on demand");

  const table = summaryTable(r.notebooks);
  assert.match(table, /a-work\/fig01-ok\.ipynb +ok +\d+\.\d/);
  assert.match(table, /b-work\/fig02-bad\.ipynb +FAILED +\d+\.\d/);
  assert.match(table, /1\/2 ok/);

  // --only with no match runs nothing and still succeeds.
  const none = await runFigures({
    preset: "smoke",
    only: "zzz",
    notebooksDir,
    executedDir,
    figuresDir,
    log: () => undefined,
  });
  assert.deepEqual(none.notebooks, []);
  assert.equal(none.ok, true);
});
