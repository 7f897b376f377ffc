// The real notebook experience (issue 8), when Debian's Jupyter (and Chromium) are installed:
//  1. every notebook executes through real Jupyter — `jupyter nbconvert --execute` on the project's tslab
//     kernel at the smoke preset — with no error output (runs directory shared per work, so a work's
//     notebooks reuse each other's smoke models as they do at demo);
//  2. a Jupyter Notebook server on loopback, driven by headless Chromium (playwright-core with the system
//     Chromium): one notebook of each work is opened and run with "Run All"; every cell finishes without an
//     error, and every plotly figure rendered inline (its SVG exists and draws data); a screenshot of each
//     goes to test-artifacts/jupyter/;
//  3. in the same browser session, a training cell is interrupted with the kernel's interrupt, run again,
//     and resumes from its checkpoint.
// Skipped (saying why) without jupyter / nbconvert / Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, relative } from "path";
import { jupyterPathWith, writeKernelSpec } from "../../lib/runner/kernelspec";
import { findNotebooks } from "../../lib/runner/figures";
import { browserSkip, commandRuns, notebookServerAndBrowser, waitFor } from "../helpers/browser";

const root = join(__dirname, "..", "..");
const nbconvertOk = commandRuns("jupyter", ["nbconvert", "--version"]);
const artifacts = join(root, "test-artifacts", "jupyter");

let tmp = "";
let env: NodeJS.ProcessEnv = {};
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "vaelab-jupyter-"));
  const dataDir = join(tmp, "jupyter-data");
  writeKernelSpec(dataDir);
  env = {
    ...process.env,
    JUPYTER_PATH: jupyterPathWith(dataDir),
    JUPYTER_RUNTIME_DIR: join(tmp, "runtime"),
    JUPYTER_CONFIG_DIR: join(tmp, "config"),
    VAELAB_PRESET: "smoke",
    VAELAB_FIGURES_DIR: join(tmp, "figures"),
    VAELAB_PNG: "0",
  };
  mkdirSync(artifacts, { recursive: true });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

// the notebooks `figures` runs (notebooks/index.ipynb, the generated table of contents, is not one)
const notebooks = (dir: string) => findNotebooks(dir);

interface OutputLike {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

const all = notebooks(join(root, "notebooks"));
const work = (p: string) => relative(join(root, "notebooks"), p).split(/[\\/]/)[0];

for (const nb of all) {
  const name = relative(root, nb);
  test(
    `nbconvert --execute at smoke: ${name}`,
    {
      skip: nbconvertOk ? false : "jupyter nbconvert is not installed (apt-get install jupyter-nbconvert)",
      timeout: 900_000,
    },
    () => {
      const out = join(tmp, "executed", work(nb));
      mkdirSync(out, { recursive: true });
      const r = spawnSync(
        "jupyter",
        [
          "nbconvert",
          "--to",
          "notebook",
          "--execute",
          "--ExecutePreprocessor.kernel_name=tslab",
          "--ExecutePreprocessor.timeout=840",
          "--output-dir",
          out,
          nb,
        ],
        {
          cwd: root,
          env: { ...env, VAELAB_RUNS_DIR: join(tmp, "runs", work(nb)) },
          encoding: "utf8",
          maxBuffer: 1 << 26,
        },
      );
      assert.equal(
        r.status,
        0,
        `${name}: nbconvert exited with ${r.status}\n${(r.stderr || "").split("\n").slice(-25).join("\n")}`,
      );
      const executed = JSON.parse(readFileSync(join(out, nb.split(/[\\/]/).pop()!), "utf8")) as {
        cells: { cell_type: string; outputs?: OutputLike[] }[];
      };
      const code = executed.cells.filter((c) => c.cell_type === "code");
      // tslab sends no execute_input, so nbconvert leaves execution counts empty; a cell that raised makes
      // nbconvert exit non-zero (checked above), and every notebook's first and last cells print something
      assert.ok(
        (code[0].outputs ?? []).length > 0 && (code[code.length - 1].outputs ?? []).length > 0,
        `${name}: the first or last cell has no output`,
      );
      code.forEach((c, i) => {
        for (const o of c.outputs ?? []) {
          assert.notEqual(o.output_type, "error", `${name}: code cell ${i} raised ${o.ename}: ${o.evalue}`);
          if (o.output_type === "stream" && o.name === "stderr") {
            const text = Array.isArray(o.text) ? o.text.join("") : (o.text ?? "");
            assert.ok(
              !/\bError\b/.test(text),
              `${name}: code cell ${i} wrote an error to stderr: ${text.slice(0, 300)}`,
            );
          }
        }
      });
    },
  );
}

// ---- the browser ---------------------------------------------------------------------------------

/** The notebook of each work that the browser test runs (the quickest one). */
const BROWSER_NOTEBOOKS = [
  "tour/rd-quickstart.ipynb",
  "pdisvae/table02-pairwise-vs-groupwise.ipynb",
  "vaequisition/fig03-information-curves.ipynb",
  "cd-vae/fig06-poisson-overview.ipynb",
  "vi-emd/appH-blr-vs-sisdr.ipynb",
];

test(
  "Jupyter Notebook in headless Chromium: one notebook per work runs, plots render inline; an interrupted training cell resumes",
  { skip: browserSkip({ notebook: true }), timeout: 1_200_000 },
  async () => {
    const runsDir = join(tmp, "browser-runs");
    const { server, browser, close } = await notebookServerAndBrowser({
      root,
      env: { ...env, VAELAB_RUNS_DIR: runsDir },
      token: "vaelab-e2e",
      args: ["--NotebookApp.disable_check_xsrf=True"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const open = async (rel: string) => {
        await page.goto(server.url(`notebooks/${rel}`));
        await waitFor(
          () =>
            page.evaluate(() => {
              const J = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected(): boolean } } } })
                .Jupyter;
              return !!J?.notebook?.kernel?.is_connected();
            }),
          90_000,
          `the kernel of ${rel}`,
        );
      };
      const runAllAndWait = async (rel: string, timeoutMs: number) => {
        await page.evaluate(() =>
          (
            window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }
          ).Jupyter.notebook.execute_all_cells(),
        );
        await waitFor(
          () =>
            page.evaluate(() => {
              const nb = (
                window as unknown as {
                  Jupyter: {
                    notebook: { get_cells(): { cell_type: string; input_prompt_number?: number | string | null }[] };
                  };
                }
              ).Jupyter.notebook;
              const code = nb.get_cells().filter((c) => c.cell_type === "code");
              const idle = document.querySelector("#kernel_indicator_icon")?.classList.contains("kernel_idle_icon");
              return !!idle && code.every((c) => typeof c.input_prompt_number === "number");
            }),
          timeoutMs,
          `every cell of ${rel} to run`,
        );
      };
      for (const rel of BROWSER_NOTEBOOKS) {
        const path = join("notebooks", rel);
        try {
          statSync(join(root, path));
        } catch {
          continue; // that work has no such notebook yet
        }
        await open(path);
        await runAllAndWait(rel, 600_000);
        const errors = await page.locator(".output_error").count();
        const plots = await page.evaluate(() =>
          Array.from(document.querySelectorAll(".js-plotly-plot")).map((el) => {
            const e = el as HTMLElement & {
              data?: { x?: unknown[]; y?: unknown[]; z?: unknown[]; values?: unknown[] }[];
            };
            const drawn = el.querySelectorAll(
              ".scatterlayer path, .scatterlayer .point, .barlayer path, .heatmaplayer image, .boxlayer path, .pielayer path",
            ).length;
            const points = (e.data ?? []).reduce(
              (n, t) => n + Math.max(t.x?.length ?? 0, t.y?.length ?? 0, t.z?.length ?? 0, t.values?.length ?? 0),
              0,
            );
            return { svg: !!el.querySelector("svg.main-svg"), drawn, points };
          }),
        );
        await page.screenshot({
          path: join(artifacts, rel.replace(/[\\/]/g, "__").replace(/\.ipynb$/, ".png")),
          fullPage: true,
        });
        assert.equal(errors, 0, `${rel}: ${errors} cell(s) show an error in the browser`);
        assert.ok(plots.length >= 1, `${rel}: no plotly figure rendered inline`);
        plots.forEach((p, i) => {
          assert.ok(p.svg, `${rel}: plot ${i} has no SVG`);
          assert.ok(
            p.points > 0 && p.drawn > 0,
            `${rel}: plot ${i} draws no data (points ${p.points}, drawn elements ${p.drawn})`,
          );
        });
      }

      // interrupt a training cell, run it again, and see it resume from its checkpoint
      const dir = join(root, "test-artifacts", "jupyter-notebooks");
      mkdirSync(dir, { recursive: true });
      const cell = (id: string, src: string) => ({
        cell_type: "code",
        id,
        metadata: {},
        execution_count: null,
        outputs: [],
        source: src,
      });
      const trainSrc = [
        'import { Rng } from "./lib/engine/rng";',
        'import { createMlpVae, mlpVaeConfig } from "./lib/models/mlp-vae";',
        'import { trainOrReload } from "./lib/train/run-cache";',
        'const X = { values: new Rng("browser-interrupt").normals(512 * 8), shape: [512, 8] };',
        "const cfg = mlpVaeConfig({ xDim: 8, zDim: 2 });",
        'const run = await trainOrReload({ model: cfg, data: "browser-interrupt", seed: 1, preset: "smoke" }, (c, rng) => createMlpVae(c.model as typeof cfg, rng),',
        '  { checkpointEvery: 50, train: () => ({ data: X, batchSize: 64, steps: 8000, progress: "log" as const }) });',
        "console.log(`RESULT reloaded=${run.reloaded} resumedFrom=${run.resumedFrom}`);",
      ].join("\n");
      writeFileSync(
        join(dir, "interrupt.ipynb"),
        JSON.stringify({
          nbformat: 4,
          nbformat_minor: 5,
          metadata: { kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" } },
          cells: [
            cell("engine", 'import { initEngine } from "./lib/engine/backend";\nawait initEngine({ quiet: true });'),
            cell("train", trainSrc),
          ],
        }),
      );
      const rel = relative(root, join(dir, "interrupt.ipynb"));
      await open(rel);
      await page.evaluate(() =>
        (
          window as unknown as { Jupyter: { notebook: { execute_all_cells(): void } } }
        ).Jupyter.notebook.execute_all_cells(),
      );
      const trainOutput = () => page.locator(".cell").nth(1).locator(".output_wrapper").innerText();
      await waitFor(
        async () => /step \d+\/8000/.test(await trainOutput()),
        120_000,
        "training progress in the browser",
      );
      await page.evaluate(() =>
        (
          window as unknown as { Jupyter: { notebook: { kernel: { interrupt(): void } } } }
        ).Jupyter.notebook.kernel.interrupt(),
      );
      await waitFor(
        () =>
          page.evaluate(
            () => !!document.querySelector("#kernel_indicator_icon")?.classList.contains("kernel_idle_icon"),
          ),
        60_000,
        "the kernel to go idle after the interrupt",
      );
      // tslab aborts requests that arrive within 200 ms of a failed cell (its "stop on error"), as a person's re-run would not
      await new Promise((r) => setTimeout(r, 1500));
      await page.evaluate(() => {
        const nb = (window as unknown as { Jupyter: { notebook: { get_cell(i: number): { execute(): void } } } })
          .Jupyter.notebook;
        nb.get_cell(1).execute();
      });
      await waitFor(async () => /RESULT /.test(await trainOutput()), 300_000, "the re-run training cell to finish");
      const text = await trainOutput();
      await page.screenshot({ path: join(artifacts, "interrupt-resume.png"), fullPage: true });
      const m = /RESULT reloaded=(\w+) resumedFrom=(\w+)/.exec(text);
      assert.ok(m, `no result line in: ${text.slice(-400)}`);
      assert.equal(m![1], "false");
      assert.ok(Number(m![2]) > 0, `the re-run resumed from its checkpoint (resumedFrom=${m![2]})`);
    } finally {
      await close();
      rmSync(join(root, "test-artifacts", "jupyter-notebooks"), { recursive: true, force: true });
    }
  },
);
