// Notebook hygiene (issue 8), for every notebook under notebooks/: a markdown header cell that names the
// paper, the claim and the differences from the paper (the tour says it is not a paper figure); a stable,
// unique id on every cell; no stale outputs or execution counts in git (the committed rendering is
// figures/); code imports only from the project's lib/ (and tfjs, and arquero for data frames); the tslab kernel; a setup cell that
// starts the figure session and a last code cell that exports it; every notebook has a smoke test; no
// notebook-local statistics helpers (they live in lib/eval/summary, or in the work's lib folder when specific).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "fs";
import { join, relative } from "path";
import { findNotebooks } from "../../lib/runner/figures";

const root = join(__dirname, "..", "..");

// the notebooks `figures` runs (notebooks/index.ipynb, the generated table of contents, is not one)
const notebooks = (dir: string) => findNotebooks(dir);

interface Cell {
  cell_type: string;
  id?: string;
  source: string[] | string;
  outputs?: unknown[];
  execution_count?: number | null;
}

const all = notebooks(join(root, "notebooks"));
const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);
// tfjs for tensors, arquero for tidy tables (README, Dependencies: lib/notebook/frames re-exports what is needed)
const ALLOWED_IMPORT = /^(\.\/lib\/|@tensorflow\/tfjs$|arquero$)/;
// names a notebook must not define for itself (`const mean = (`, `function medianOf(`, `sd = (v) =>` in a list, …)
const STATISTICS = [
  "mean",
  "meanOf",
  "avg",
  "average",
  "sum",
  "sumOf",
  "variance",
  "varOf",
  "sd",
  "sdOf",
  "std",
  "stdOf",
  "stdev",
  "sdSample",
  "se",
  "seOf",
  "sem",
  "standardError",
  "meanSd",
  "meanSe",
  "meanStd",
  "median",
  "medianOf",
  "quantile",
  "percentile",
  "minOf",
  "maxOf",
  "corr",
  "correlation",
  "pearson",
  "spearman",
  "ranks",
  "slopeOf",
];
const NAMES = STATISTICS.join("|");
const STATISTICS_HELPER = new RegExp(
  `(?:\\b(?:const|let|var)\\s+|,\\s*)(${NAMES})\\s*(?::[^=\\n;]+)?=\\s*(?:async\\s*)?(?:\\([^()]*\\)\\s*(?::[^=\\n;]+)?=>|[A-Za-z_]\\w*\\s*=>|function\\b)` +
    `|\\bfunction\\s+(${NAMES})\\s*[(<]`,
);
// an inline mean `xs.reduce((a, b) => a + b, 0) / n`
const INLINE_MEAN = /\.reduce\(\((\w+), (\w+)\) => \1 \+ \2, 0\)\s*\//;

/** Why the code of one cell holds a statistics helper of its own, or null. */
export function statisticsHelper(code: string): string | null {
  const h = STATISTICS_HELPER.exec(code);
  if (h) return `defines ${h[1] ?? h[2]} (import it from ./lib/eval/summary)`;
  const m = INLINE_MEAN.exec(code);
  if (m) return `computes an inline mean "${m[0]}" (use mean from ./lib/eval/summary)`;
  return null;
}

test("notebooks may import lib/, tfjs and arquero (data frames), nothing else", () => {
  for (const ok of ["./lib/notebook/frames", "@tensorflow/tfjs", "arquero"]) assert.ok(ALLOWED_IMPORT.test(ok), ok);
  for (const bad of ["danfojs-node", "arquero/src/op", "../lib/x", "fs", "@tensorflow/tfjs-node"])
    assert.ok(!ALLOWED_IMPORT.test(bad), bad);
});

test("there are notebooks for every work", () => {
  const works = new Set(all.map((p) => relative(join(root, "notebooks"), p).split(/[\\/]/)[0]));
  for (const w of ["pdisvae", "vaequisition", "tour"]) assert.ok(works.has(w), `no notebooks for ${w}`);
});

test("the statistics-helper check catches local definitions and inline means, not uses or properties", () => {
  for (const bad of [
    "const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;",
    "const seOf = (v: ArrayLike<number>) => { return 0; };",
    "function medianOf(v: number[]): number { return v[0]; }",
    "const minOf = (v: number[]) => Math.min(...v), maxOf = (v: number[]) => Math.max(...v);",
    "const sd = v => 0;",
    "const pearson = async (a: number[]) => 0;",
    "const corr = (x: number[], y: number[]): Corr => {",
    "const quantile = function (v: number[], q: number) { return v[0]; };",
    "const m = xs.reduce((p, q) => p + q, 0) / xs.length;",
  ])
    assert.notEqual(statisticsHelper(bad), null, bad);
  for (const ok of [
    "const m = mean(xs), s = sd(xs, 0);",
    "const row = { mean: mean(v), sd: v.length > 1 ? sd(v) : NaN };",
    "const meanGap = models.reduce((s, m) => s + m.gap, 0) / n;",
    "const est = s.state.estimate, mean = s.state.mean;",
    "const total = xs.reduce((a, b) => a + b, 0);",
    "const correlate = (x: number[], y: number[]) => ({ r: pearson(x, y) });",
    "const se = (sim.mean - truth) / sim.standardError;",
    "return { n: x.length, pearson: r, p: pOf(r, x.length) };\nconst groups = 1;",
  ])
    assert.equal(statisticsHelper(ok), null, ok);
});

for (const file of all) {
  const name = relative(root, file);
  test(`hygiene: ${name}`, () => {
    const nb = JSON.parse(readFileSync(file, "utf8")) as {
      cells: Cell[];
      metadata?: { kernelspec?: { name?: string } };
    };
    assert.equal(nb.metadata?.kernelspec?.name, "tslab", `${name}: kernelspec must be tslab`);
    const [head] = nb.cells;
    assert.equal(head?.cell_type, "markdown", `${name}: the first cell must be the markdown header`);
    const h = src(head);
    assert.match(h, /claim/i, `${name}: the header must state the claim(s)`);
    if (!/not a paper figure/i.test(h)) {
      assert.match(h, /\*\*Paper/, `${name}: the header must name the paper (**Paper:** …)`);
      assert.match(h, /differ/i, `${name}: the header must say what differs from the paper`);
    }
    const ids = nb.cells.map((c, i) => {
      assert.ok(typeof c.id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(c.id), `${name}: cell ${i} has no stable id`);
      return c.id!;
    });
    assert.equal(new Set(ids).size, ids.length, `${name}: cell ids repeat`);
    const code = nb.cells.filter((c) => c.cell_type === "code");
    code.forEach((c) => {
      assert.deepEqual(
        c.outputs ?? [],
        [],
        `${name}: cell ${c.id} carries outputs (strip them; figures/ holds the rendering)`,
      );
      assert.ok(
        c.execution_count === null || c.execution_count === undefined,
        `${name}: cell ${c.id} carries an execution count`,
      );
      for (const m of src(c).matchAll(/(?:from|import)\s+"([^"]+)"/g)) {
        assert.ok(
          ALLOWED_IMPORT.test(m[1]),
          `${name}: cell ${c.id} imports "${m[1]}" — notebooks import project code from ./lib/ only (and tfjs, arquero)`,
        );
      }
      assert.ok(!/require\(/.test(src(c)), `${name}: cell ${c.id} uses require()`);
      const stats = statisticsHelper(src(c));
      assert.equal(stats, null, `${name}: cell ${c.id} ${stats}`);
    });
    assert.match(src(code[0]), /startFigure\(/, `${name}: the first code cell must start the figure session`);
    assert.match(
      src(code[code.length - 1]),
      /\.finish\(/,
      `${name}: the last code cell must export the figure (session.finish)`,
    );
    // a smoke test runs it: some test/<work>/smoke-*.test.ts names the notebook's file
    const [work, stem] = relative(join(root, "notebooks"), file)
      .replace(/\.ipynb$/, "")
      .split(/[\\/]/);
    const testDir = join(root, "test", work);
    const tests = readdirSync(testDir).filter((f) => /^smoke-.*\.test\.ts$/.test(f));
    assert.ok(
      tests.some((t) => readFileSync(join(testDir, t), "utf8").includes(stem)),
      `${name}: no test/${work}/smoke-*.test.ts runs it`,
    );
  });
}
