// End-to-end tests of the headless runner on real tslab kernels (three launches, a few seconds).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, realpathSync } from "fs";
import { join } from "path";
import { NotebookRunError, runNotebook } from "../../lib/runner/runner";
import { makeNotebook, processAlive, tempDir, writeFiles } from "./nb-fixtures";

type SavedOutput = {
  output_type: string;
  name?: string;
  text?: string[];
  data?: Record<string, string[]>;
  ename?: string;
  evalue?: string;
};
type SavedCell = {
  cell_type: string;
  id: string;
  source: string[];
  execution_count?: number | null;
  outputs?: SavedOutput[];
};
type SavedNotebook = { nbformat: number; nbformat_minor: number; cells: SavedCell[] };

const load = (p: string) => JSON.parse(readFileSync(p, "utf8")) as SavedNotebook;
const text = (o: SavedOutput | undefined) => (o?.text ?? []).join("");
const silent = () => undefined;

test("runs a notebook from its project root, importing local .ts modules, and writes outputs back in place", async () => {
  // The project layout: package.json at the root, lib/ beside notebooks/<work>/. tslab compiles local
  // imports only below the kernel's working directory, so the kernel runs in the root and the
  // notebook imports "./lib/...".
  const project = tempDir("runner-ok");
  const dir = join(project, "notebooks", "work");
  writeFiles(project, {
    "package.json": { name: "fixture", private: true },
    // A local module that itself imports another local module: tslab compiles both.
    "lib/helper.ts":
      'import { FACTOR } from "./consts";\nexport function double(x: number): number { return FACTOR * x; }\n',
    "lib/consts.ts": "export const FACTOR: number = 2;\n",
    "notebooks/work/t.ipynb": makeNotebook([
      { markdown: "# runner test" },
      {
        code:
          'import { double } from "./lib/helper";\nconsole.log("double:", double(21));\n' +
          'console.log("cwd:", process.cwd());\nconsole.log("preset:", process.env.VAELAB_PRESET);',
      },
      { code: 'import * as tslab from "tslab";\ntslab.display.html("<b>bold</b>");' },
      { code: 'const progress = tslab.newDisplay();\nprogress.text("step 0 of 2");' },
      { code: 'for (let i = 1; i <= 2; i++) progress.text(`step ${i} of 2`);\nconsole.error("a warning");\n6 * 7' },
      { code: "" },
      { code: 'await new Promise((r) => setTimeout(r, 50));\nconsole.log("async done");' },
    ]),
  });
  const path = join(dir, "t.ipynb");
  const lines: string[] = [];
  const r = await runNotebook(path, { env: { VAELAB_PRESET: "smoke" }, log: (l) => lines.push(l) });

  assert.equal(r.ok, true);
  assert.equal(r.outPath, path, "default output is the input file");
  assert.deepEqual(
    r.cells.map((c) => [c.index, c.status]),
    [
      [1, "ok"],
      [2, "ok"],
      [3, "ok"],
      [4, "ok"],
      [5, "skipped"],
      [6, "ok"],
    ],
  );
  assert.ok(r.cells.every((c) => c.seconds >= 0 && c.seconds < 30));
  // One progress line per executed cell, naming the index and the seconds.
  for (const i of [1, 2, 3, 4, 6])
    assert.ok(
      lines.some((l) => new RegExp(`cell +${i} +\\d+\\.\\d\\d s`).test(l)),
      lines.join("\n"),
    );
  assert.ok(r.kernelPid && !processAlive(r.kernelPid), "kernel process is gone");

  const nb = load(path);
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  const ids = nb.cells.map((c) => c.id);
  assert.ok(ids.every((id) => /^[a-zA-Z0-9_-]{1,64}$/.test(id)));
  assert.equal(new Set(ids).size, ids.length, "cell ids are unique");
  assert.deepEqual(
    nb.cells.map((c) => c.execution_count ?? null),
    [null, 1, 2, 3, 4, null, 5],
  );

  const [, c1, c2, c3, c4, c5, c6] = nb.cells;
  assert.equal(c1.outputs!.length, 1);
  assert.equal(c1.outputs![0].name, "stdout");
  assert.equal(text(c1.outputs![0]), `double: 42\ncwd: ${realpathSync(project)}\npreset: smoke\n`);
  assert.deepEqual(c2.outputs, [{ output_type: "display_data", data: { "text/html": ["<b>bold</b>"] }, metadata: {} }]);
  // The display made in cell 3 was updated in place by cell 4: only the last state is kept.
  assert.deepEqual(c3.outputs, [
    { output_type: "display_data", data: { "text/plain": ["step 2 of 2"] }, metadata: {} },
  ]);
  assert.deepEqual(
    c4.outputs!.map((o) => [o.output_type, o.name, text(o)]),
    [
      ["stream", "stderr", "a warning\n"],
      ["stream", "stdout", "42\n"],
    ],
  );
  assert.deepEqual(c5.outputs, []);
  assert.equal(text(c6.outputs![0]), "async done\n");
  assert.equal(nb.cells[0].cell_type, "markdown");
});

test("a burst of output while a cell runs synchronously arrives whole, in order, and does not fail the cell", async () => {
  // execFileSync writes each child's (empty) stderr to ours: 1500 stream messages while the event loop is
  // blocked. tslab unpatched threw "Socket is busy writing" into the cell, and ZeroMQ's high-water mark (1000)
  // dropped messages when the reader fell behind (scripts/patch-tslab.js, lib/runner/kernel-client.ts).
  const dir = tempDir("runner-burst");
  writeFiles(dir, {
    "burst.ipynb": makeNotebook([
      {
        code: [
          'const { execFileSync } = require("child_process");',
          'for (let i = 0; i < 1500; i++) { execFileSync("true"); if (i % 100 === 0) console.log(`at ${i}`); }',
          'console.log("finished");',
        ].join("\n"),
      },
    ]),
  });
  const out = join(dir, "executed", "burst.ipynb");
  const r = await runNotebook(join(dir, "burst.ipynb"), { outPath: out, log: silent });
  assert.deepEqual(
    r.cells.map((c) => c.status),
    ["ok"],
  );
  const outputs = load(out).cells[0].outputs!;
  const stdout = outputs
    .filter((o) => o.name === "stdout")
    .map(text)
    .join("");
  const want = [...Array.from({ length: 15 }, (_, i) => `at ${i * 100}`), "finished"].join("\n") + "\n";
  assert.equal(stdout, want);
});

test("a failing cell fails the run with notebook, cell index, id and error; later cells are not run", async () => {
  // No package.json above: the kernel runs in the notebook's folder and imports are relative to it.
  const dir = tempDir("runner-fail");
  writeFiles(dir, {
    "near.ts": 'export const word: string = "one";\n',
    "fail.ipynb": makeNotebook([
      { code: 'import { word } from "./near";\nconsole.log(word);' },
      { code: "const x = 1;" },
      { code: 'console.log("before");\nthrow new Error("boom");' },
      { code: 'console.log("after");' },
    ]),
  });
  const path = join(dir, "fail.ipynb");
  const out = join(dir, "executed", "fail.ipynb");
  const err = await runNotebook(path, { outPath: out, log: silent }).then(
    () => assert.fail("the run should fail"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NotebookRunError, String(err));
  const nb = load(out);
  const id = nb.cells[2].id;
  assert.match(err.message, new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cell 2 \\(id ${id}\\) failed`));
  assert.match(err.message, /\| throw new Error\("boom"\);/);
  assert.match(err.message, /Error: boom/);
  assert.deepEqual(
    err.result.failures.map((f) => [f.index, f.ename, f.evalue]),
    [[2, "Error", "boom"]],
  );
  assert.deepEqual(
    err.result.cells.map((c) => c.status),
    ["ok", "ok", "error", "skipped"],
  );

  // The executed copy holds the outputs so far, including the error; the input is untouched.
  assert.equal(text(nb.cells[0].outputs![0]), "one\n");
  const failed = nb.cells[2].outputs!;
  assert.equal(text(failed.find((o) => o.name === "stdout")), "before\n");
  const e = failed.find((o) => o.output_type === "error")!;
  assert.equal(e.ename, "Error");
  assert.equal(e.evalue, "boom");
  assert.equal(nb.cells[2].execution_count, 3);
  assert.equal(nb.cells[3].execution_count, null, "cell after the failure not executed");
  assert.deepEqual(nb.cells[3].outputs, []);
  assert.equal(JSON.parse(readFileSync(path, "utf8")).nbformat_minor, 4, "input notebook not rewritten");
  assert.ok(err.result.kernelPid && !processAlive(err.result.kernelPid));
});

test("a cell that never returns hits the timeout and the kernel is killed", async () => {
  const dir = tempDir("runner-timeout");
  writeFiles(dir, {
    "loop.ipynb": makeNotebook([{ code: "let n = 0;" }, { code: "while (true) { n++; }" }, { code: "n" }]),
  });
  const path = join(dir, "loop.ipynb");
  const t0 = Date.now();
  const err = await runNotebook(path, { cellTimeoutSec: 1.5, log: silent }).then(
    () => assert.fail("the run should time out"),
    (e: unknown) => e,
  );
  const seconds = (Date.now() - t0) / 1000;
  assert.ok(err instanceof NotebookRunError);
  assert.match(err.message, /cell 1 .*failed[\s\S]*CellTimeoutError: cell did not finish within 1.5 s/);
  assert.deepEqual(
    err.result.cells.map((c) => c.status),
    ["ok", "timeout", "skipped"],
  );
  assert.ok(seconds < 15, `took ${seconds} s`);
  assert.ok(err.result.kernelPid && !processAlive(err.result.kernelPid), "stuck kernel was killed");
  const nb = load(path);
  assert.equal(nb.cells[1].outputs![0].ename, "CellTimeoutError");
});
