import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "fs";
import { join } from "path";
import { ensureCellIds, joinText, Notebook, readNotebook, splitLines, writeNotebook } from "../../lib/runner/nbformat";
import { makeNotebook, tempDir, writeFiles } from "./nb-fixtures";

test("splitLines keeps newlines and inverts joinText", () => {
  assert.deepEqual(splitLines("a\nb\n\nc"), ["a\n", "b\n", "\n", "c"]);
  assert.deepEqual(splitLines("x\n"), ["x\n"]);
  assert.deepEqual(splitLines(""), []);
  for (const s of ["", "a", "a\n", "a\r\nb\n\n", "\n\n"]) assert.equal(joinText(splitLines(s)), s);
});

test("ensureCellIds gives unique, valid ids that are the same on every run, and keeps valid ones", () => {
  const fresh = () => readFromObject(makeNotebook([{ code: "x" }, { code: "x" }, { markdown: "m" }]));
  const a = fresh();
  const b = fresh();
  ensureCellIds(a);
  ensureCellIds(b);
  const ids = a.cells.map((c) => c.id!);
  assert.deepEqual(
    ids,
    b.cells.map((c) => c.id),
    "deterministic",
  );
  assert.equal(new Set(ids).size, 3, "identical sources still get distinct ids");
  assert.ok(ids.every((id) => /^[a-zA-Z0-9_-]{1,64}$/.test(id)));
  assert.equal(a.nbformat_minor, 5);

  const c = fresh();
  c.cells[0].id = "keep-me";
  c.cells[1].id = "keep-me"; // duplicate: replaced
  c.cells[2].id = "bad id!"; // invalid: replaced
  ensureCellIds(c);
  assert.equal(c.cells[0].id, "keep-me");
  assert.notEqual(c.cells[1].id, "keep-me");
  assert.match(c.cells[2].id!, /^[a-zA-Z0-9_-]+$/);
});

test("write then read gives the same notebook; text is stored as line lists with sorted keys", () => {
  const dir = tempDir("nbformat");
  const nb = readFromObject(makeNotebook([{ code: "a = 1\nb = 2" }]));
  ensureCellIds(nb);
  const cell = nb.cells[0];
  if (cell.cell_type !== "code") throw new Error("want a code cell");
  cell.outputs = [
    { output_type: "stream", name: "stdout", text: "1\n2\n" },
    {
      output_type: "display_data",
      data: { "text/html": "<p>\nx</p>", "application/json": { z: 1, a: [1, 2] } },
      metadata: {},
    },
  ];
  const p = join(dir, "sub", "x.ipynb");
  writeNotebook(p, nb);
  const raw = JSON.parse(readFileSync(p, "utf8"));
  assert.deepEqual(raw.cells[0].source, ["a = 1\n", "b = 2"]);
  assert.deepEqual(raw.cells[0].outputs[0].text, ["1\n", "2\n"]);
  assert.deepEqual(raw.cells[0].outputs[1].data["text/html"], ["<p>\n", "x</p>"]);
  assert.deepEqual(raw.cells[0].outputs[1].data["application/json"], { a: [1, 2], z: 1 }, "JSON data is not split");
  assert.deepEqual(Object.keys(raw), ["cells", "metadata", "nbformat", "nbformat_minor"]);
  assert.deepEqual(readNotebook(p), nb);
});

test("readNotebook names the file and the problem", () => {
  const dir = tempDir("nbformat-bad");
  writeFiles(dir, {
    "a.ipynb": "{ not json",
    "b.ipynb": { nbformat: 3, cells: [] },
    "c.ipynb": { nbformat: 4, cells: [{ cell_type: "weird" }] },
  });
  assert.throws(() => readNotebook(join(dir, "a.ipynb")), /a\.ipynb: not a readable notebook/);
  assert.throws(() => readNotebook(join(dir, "b.ipynb")), /b\.ipynb: nbformat must be 4 \(found 3\)/);
  assert.throws(() => readNotebook(join(dir, "c.ipynb")), /c\.ipynb: cell 0 has unknown cell_type "weird"/);
});

function readFromObject(o: object): Notebook {
  const dir = tempDir("nbformat-obj");
  writeFiles(dir, { "n.ipynb": o });
  return readNotebook(join(dir, "n.ipynb"));
}
