// notebooks/timings.json: validation with errors that name the field, the writer's round trip, the header line,
// the committed file itself, and `bench --notebooks` timing a real (tiny) notebook on an empty run cache.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "fs";
import { join } from "path";
import {
  TIMINGS_PATH,
  firstRunLine,
  readTimings,
  recordTiming,
  roughDuration,
  timingKey,
  validateTimings,
} from "../../lib/notebook/timings";
import { timeNotebookFirstRuns } from "../../lib/runner/notebook-timing";
import { estimateLine, findNotebooks, planFigures, planTable } from "../../lib/runner/figures";
import { COMMITTED_FIGURES_DIR, NOTEBOOKS_DIR } from "../../lib/engine/paths";
import { makeNotebook, tempDir, writeFiles } from "./nb-fixtures";
import { readNotebook } from "../../lib/runner/nbformat";
import {
  INDEX_NOTEBOOK,
  currentRunTime,
  indexEntries,
  indexMarkdown,
  indexNotebook,
  runTimeParagraph,
  withRunTime,
} from "../../lib/runner/notebook-headers";

const good = {
  machine: "test CPU, 2 cores",
  notebooks: { "w/a.ipynb": { demo: { seconds: 700, measured: "2026-12-07", conditions: "empty run cache" } } },
};

test("validateTimings accepts a good file and names the field at fault in a bad one", () => {
  assert.deepEqual(validateTimings(good, "t.json"), good);
  const bad = (patch: (v: any) => void, re: RegExp) => {
    const v = JSON.parse(JSON.stringify(good));
    patch(v);
    assert.throws(() => validateTimings(v, "t.json"), re);
  };
  bad((v) => (v.machine = ""), /t\.json: machine must be a non-empty string/);
  bad(
    (v) => (v.notebooks["w/a.ipynb"].demo.seconds = -3),
    /notebooks\["w\/a\.ipynb"\]\.demo\.seconds must be a positive/,
  );
  bad((v) => (v.notebooks["w/a.ipynb"].demo.measured = "7 Dec"), /\.demo\.measured must be a day YYYY-MM-DD/);
  bad((v) => (v.notebooks["w/a.ipynb"].laptop = v.notebooks["w/a.ipynb"].demo), /\.laptop is not a preset/);
  bad((v) => (v.notebooks["w/a"] = {}), /notebooks\["w\/a"\] must be a path ending in \.ipynb/);
  bad((v) => delete v.notebooks["w/a.ipynb"].demo.conditions, /\.demo\.conditions must be a non-empty string/);
});

test("readTimings: an absent file is empty, broken JSON names the file", () => {
  const dir = tempDir("timings");
  assert.deepEqual(readTimings(join(dir, "none.json")).notebooks, {});
  writeFileSync(join(dir, "broken.json"), "{ machine: ");
  assert.throws(() => readTimings(join(dir, "broken.json")), /broken\.json: not valid JSON/);
});

test("recordTiming merges presets, sorts notebooks and round-trips", () => {
  const path = join(tempDir("timings"), "timings.json");
  recordTiming("z/b.ipynb", "demo", { seconds: 61, measured: "2026-12-07", conditions: "c1" }, { path, machine: "m" });
  recordTiming("a/a.ipynb", "smoke", { seconds: 5, measured: "2026-12-07", conditions: "c2" }, { path });
  const f = recordTiming("z/b.ipynb", "smoke", { seconds: 4, measured: "2026-12-08", conditions: "c3" }, { path });
  assert.deepEqual(Object.keys(f.notebooks), ["a/a.ipynb", "z/b.ipynb"]);
  assert.deepEqual(readTimings(path), f);
  assert.equal(readTimings(path).notebooks["z/b.ipynb"].demo?.seconds, 61);
  assert.equal(readTimings(path).machine, "m");
});

test("firstRunLine and roughDuration", () => {
  assert.equal(roughDuration(40), "≈ 40 s");
  assert.equal(roughDuration(684), "≈ 11 min");
  assert.equal(roughDuration(7200), "≈ 2.0 h");
  assert.equal(timingKey("notebooks/w/a.ipynb"), "w/a.ipynb");
  assert.match(
    firstRunLine("notebooks/w/a.ipynb", "demo", good),
    /first run at preset demo: ≈ 12 min \(700 s on test CPU, 2 cores, 2026-12-07, empty run cache\)/,
  );
  assert.match(firstRunLine("w/a.ipynb", "smoke", good), /not measured yet/);
});

test("the committed notebooks/timings.json is valid and names only existing notebooks", () => {
  assert.ok(existsSync(TIMINGS_PATH), "notebooks/timings.json is committed");
  const f = readTimings();
  const have = new Set(findNotebooks(NOTEBOOKS_DIR).map((p) => timingKey(p.slice(NOTEBOOKS_DIR.length + 1))));
  for (const nb of Object.keys(f.notebooks))
    assert.ok(have.has(nb), `timings.json names ${nb}, which is not a notebook`);
  // every notebook has a measured demo first run
  for (const nb of have) assert.ok(f.notebooks[nb]?.demo, `${nb} has no demo first-run time in notebooks/timings.json`);
});

test(
  "bench --notebooks times a notebook on an empty run cache and writes timings.json",
  { timeout: 120_000 },
  async () => {
    const dir = tempDir("nb-timing");
    // the cell writes where the runs cache is, so the test sees that the notebook ran on a fresh VAELAB_RUNS_DIR
    const probe = join(dir, "probe.txt");
    writeFiles(dir, {
      "notebooks/w/tiny.ipynb": makeNotebook([
        {
          code: `require("fs").writeFileSync(${JSON.stringify(probe)}, process.env.VAELAB_RUNS_DIR + "\\n" + process.env.VAELAB_FIGURES_DIR)`,
        },
      ]),
    });
    const timingsPath = join(dir, "timings.json");
    const rows = await timeNotebookFirstRuns({
      preset: "smoke",
      write: true,
      notebooksDir: join(dir, "notebooks"),
      timingsPath,
      machine: "test machine",
      today: "2026-12-07",
      log: () => {},
    });
    assert.equal(rows.length, 1);
    assert.ok(rows[0].ok, rows[0].error);
    const [runs, figures] = readFileSync(probe, "utf8").split("\n");
    assert.match(runs, /vaelab-first-run-.*\/runs$/);
    assert.match(figures, /vaelab-first-run-.*\/figures$/);
    assert.ok(!existsSync(runs), "the temporary run cache is removed afterwards");
    const t = readTimings(timingsPath);
    assert.equal(t.machine, "test machine");
    assert.equal(t.notebooks["w/tiny.ipynb"].smoke?.measured, "2026-12-07");
    assert.ok((t.notebooks["w/tiny.ipynb"].smoke?.seconds ?? 0) >= 1);
    assert.deepEqual(readdirSync(join(dir, "notebooks", "w")), ["tiny.ipynb"], "the notebook itself is left unchanged");
  },
);

test("figures --list / --dry-run take a notebook's first-run time from <notebooks>/timings.json", () => {
  const dir = tempDir("plan-timings");
  writeFiles(dir, {
    "notebooks/w/a.ipynb": makeNotebook([{ code: "1" }]),
    "notebooks/w/b.ipynb": makeNotebook([{ code: "2" }]),
    "notebooks/timings.json": good,
    "figures/pdisvae/b.json": {
      work: "pdisvae",
      figure: "Fig. 1",
      name: "b",
      caption: "c",
      notebook: "notebooks/w/b.ipynb",
      preset: "demo",
      engine: "cpu",
      seconds: 30,
      differences: [],
      data: {},
      claims: [],
    },
  });
  const plan = planFigures({ preset: "demo", notebooksDir: join(dir, "notebooks"), figuresDir: join(dir, "figures") });
  assert.equal(plan.notebooks[0].firstRun?.seconds, 700);
  assert.match(
    planTable(plan),
    /^  w\/a\.ipynb +first run 11 min 40 s \(2026-12-07, empty run cache\); last render time unknown$/m,
  );
  // the first run where known (700 s), else the last render (30 s)
  assert.match(estimateLine(plan), /^estimated total: 12 min 10 s for 2 notebooks at preset demo \(measured;/);
});

test("every notebook's header says its run time as notebooks/timings.json has it", () => {
  const timings = readTimings();
  for (const path of findNotebooks(NOTEBOOKS_DIR)) {
    const rel = path.slice(NOTEBOOKS_DIR.length + 1);
    const nb = readNotebook(path);
    assert.equal(
      currentRunTime(nb),
      runTimeParagraph(rel, timings),
      `${rel}: header's "Run time." paragraph is missing or stale (run: npx tsx scripts/sync-notebook-headers.ts)`,
    );
  }
});

test("withRunTime replaces an existing paragraph, appends a missing one, and refuses a code-first notebook", () => {
  const nb = makeNotebook([{ markdown: "# T\n\n**Run time.** old\n\nmore" }, { code: "1" }]) as any;
  const replaced = withRunTime(nb, "**Run time.** new", "t");
  assert.equal(replaced.cells[0].source, "# T\n\n**Run time.** new\n\nmore");
  const appended = withRunTime(makeNotebook([{ markdown: "# T" }]) as any, "**Run time.** x", "t");
  assert.equal(appended.cells[0].source, "# T\n\n**Run time.** x");
  assert.throws(
    () => withRunTime(makeNotebook([{ code: "1" }]) as any, "p", "w/x.ipynb"),
    /w\/x\.ipynb: the first cell/,
  );
  assert.match(runTimeParagraph("w/a.ipynb", good), /took ≈ 12 min \(2026-12-07; empty run cache\)/);
});

test("notebooks/index.ipynb lists every notebook with its first run and is current", () => {
  const text = readFileSync(join(NOTEBOOKS_DIR, INDEX_NOTEBOOK), "utf8");
  const want = indexNotebook(indexEntries(COMMITTED_FIGURES_DIR, NOTEBOOKS_DIR), readTimings());
  assert.equal(text, want, "notebooks/index.ipynb is stale (run: npx tsx scripts/sync-notebook-headers.ts)");
  for (const p of findNotebooks(NOTEBOOKS_DIR)) {
    const rel = p.slice(NOTEBOOKS_DIR.length + 1);
    assert.ok(text.includes(`](${rel})`), `index links ${rel}`);
  }
  assert.ok(
    !findNotebooks(NOTEBOOKS_DIR).some((p) => p.endsWith(`notebooks/${INDEX_NOTEBOOK}`)),
    "figures does not run it",
  );
});

test("indexMarkdown: a row per notebook, ordered by work, with time, conditions and results", () => {
  const md = indexMarkdown(
    [
      { notebook: "w/a.ipynb", work: "pdisvae", figure: "Fig. 3", caption: "a | b", results: "2 of 5" },
      { notebook: "t/q.ipynb", work: "tour", figure: "RD", caption: "c", results: null },
    ],
    good as any,
  );
  const rows = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| work") && !l.startsWith("| ---"));
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^\| tour \| \[RD\]\(t\/q\.ipynb\) \| c \| not measured \|/);
  assert.match(
    rows[1],
    /^\| pdisvae \| \[Fig\. 3\]\(w\/a\.ipynb\) \| a \\\| b \| ≈ 12 min \(2026-12-07\) \| empty run cache \| 2 of 5 \|$/,
  );
});
