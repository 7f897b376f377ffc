// Saved notebooks reopened in a real Jupyter Notebook server and a fresh Chromium page, where
// window.Plotly starts undefined (issue 18, bugs 1 and 4):
//  - `npm run nb` signs its executed copy, so Jupyter trusts it and its plots draw;
//  - outputs of a kernel that had already sent the plotly bundle (a re-run, Run All twice) draw too: they
//    load plotly.js from the server (our kernelspec's folder);
//  - an unsigned copy shows each plot's text summary and how to get the live plot, not a blank box.
// Skipped (one line) without Jupyter's notebook server or Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join, relative } from "path";
import { show, rdCurve, informationCurve } from "../../lib/plot/index";
import type { MimeBundle } from "../../lib/plot/index";
import { PLOTLY_KERNEL } from "../../lib/plot/html";
import { jupyterPathWith, KERNEL_NAME, writeKernelSpec } from "../../lib/runner/kernelspec";
import { main } from "../../lib/runner/cli";
import { jupyterPython, signNotebook } from "../../lib/runner/trust";
import { makeNotebook } from "../runner/nb-fixtures";
import { browserSkip, jupyterNotebookOk, NO_NOTEBOOK, notebookServerAndBrowser } from "../helpers/browser";

const root = join(__dirname, "..", "..");

let tmp = "";
let dir = ""; // inside the repository, where the kernel and the server (started in the root) reach it
let env: NodeJS.ProcessEnv = {};
const savedDataDir = process.env.JUPYTER_DATA_DIR;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "vaelab-saved-nb-"));
  mkdirSync(join(root, "test-artifacts"), { recursive: true });
  dir = mkdtempSync(join(root, "test-artifacts", "saved-nb-"));
  const kernels = join(tmp, "kernels");
  writeKernelSpec(kernels);
  env = {
    ...process.env,
    JUPYTER_PATH: jupyterPathWith(kernels),
    // signatures go to a data dir of our own, shared by the signing and the server that checks them
    JUPYTER_DATA_DIR: join(tmp, "data"),
    JUPYTER_CONFIG_DIR: join(tmp, "config"),
    JUPYTER_RUNTIME_DIR: join(tmp, "runtime"),
  };
  process.env.JUPYTER_DATA_DIR = env.JUPYTER_DATA_DIR; // for main() below, which signs with process.env
});
after(() => {
  if (savedDataDir === undefined) delete process.env.JUPYTER_DATA_DIR;
  else process.env.JUPYTER_DATA_DIR = savedDataDir;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

const PLOT_CELLS = [
  'import { show, rdCurve } from "./lib/plot/index";\nshow(rdCurve([{ rate: 1, distortion: 3 }, { rate: 2, distortion: 1.5 }]));',
  'show(rdCurve([{ rate: 1, distortion: 2 }, { rate: 3, distortion: 1 }], { title: "second" }));',
];

test(
  "npm run nb signs the executed copy: Jupyter's signature store knows it",
  { skip: jupyterNotebookOk() ? false : NO_NOTEBOOK },
  async () => {
    const nb = join(dir, "plots.ipynb");
    writeFileSync(nb, JSON.stringify(makeNotebook(PLOT_CELLS.map((code) => ({ code })))));
    const code = await main(["run", nb, "--out", join(dir, "plots-executed.ipynb")]);
    assert.equal(code, 0);
    // ask nbformat's notary, with the same data dir, whether the signature is stored (without signing it)
    const check = spawnSync(
      jupyterPython(env) ?? "python3",
      [
        "-c",
        "import sys, nbformat\nfrom nbformat.sign import NotebookNotary\n" +
          "print(NotebookNotary().check_signature(nbformat.read(sys.argv[1], as_version=4)))",
        join(dir, "plots-executed.ipynb"),
      ],
      { env, encoding: "utf8" },
    );
    assert.equal(check.stdout.trim(), "True", check.stdout + check.stderr);
  },
);

/** A saved notebook with one output cell per plot, the outputs as show() made them. */
function savedNotebook(outputs: MimeBundle[]): object {
  const nb = makeNotebook(outputs.map(() => ({ code: "show(fig);" }))) as { cells: Record<string, unknown>[] };
  nb.cells.forEach((c, i) => {
    c.execution_count = i + 1;
    c.outputs = [{ output_type: "display_data", data: outputs[i], metadata: {} }];
  });
  return nb;
}

test(
  "a saved notebook opened in a fresh page draws every plot; an untrusted one shows the text summaries",
  { skip: browserSkip({ notebook: true }), timeout: 120_000 },
  async () => {
    assert.equal(PLOTLY_KERNEL, KERNEL_NAME, "plot outputs load plotly.js from our kernelspec's folder");
    // Run All twice: the kernel sent the bundle in the first run, so no output of the second carries it
    const out: MimeBundle[] = [];
    const sink = { display: (b: MimeBundle) => void out.push(b) };
    show(rdCurve([{ rate: 1, distortion: 1 }]), { sink });
    out.length = 0;
    show(
      rdCurve([
        { rate: 1, distortion: 3 },
        { rate: 2, distortion: 1.5 },
      ]),
      { sink },
    );
    show(
      informationCurve([
        {
          name: "m",
          samples: [
            [0, 1, 2],
            [1, 2, 4],
          ],
        },
      ]),
      { sink },
    );
    writeFileSync(join(dir, "rerun.ipynb"), JSON.stringify(savedNotebook(out)));
    // signatures are keyed by content: the unsigned copy must differ from the signed one
    const unsigned = savedNotebook(out) as { metadata: Record<string, unknown> };
    unsigned.metadata.vaelab = { note: "not signed" };
    writeFileSync(join(dir, "untrusted.ipynb"), JSON.stringify(unsigned));
    const sign = signNotebook(join(dir, "rerun.ipynb"), env);
    assert.ok(sign.signed, sign.note);

    const { server, browser, close } = await notebookServerAndBrowser({ root, env, token: "vaelab-saved" });
    try {
      /**
       * Open `name` in a fresh browser context (no window.Plotly, no cache) and wait (at most 30 s) until its
       * `plots` plots are all drawn, or all show their text; then say what the page shows.
       */
      const open = async (name: string, plots: number, expect: "drawn" | "text") => {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        // showing saved outputs needs no kernel: refuse the session so that no tslab kernel starts
        await page.route("**/api/sessions**", (r) => r.abort());
        const requests: string[] = [];
        page.on("request", (r) => requests.push(new URL(r.url()).pathname));
        await page.goto(server.url(`notebooks/${relative(root, join(dir, name))}`));
        const STATE = `({ trusted: !!(window.Jupyter && Jupyter.notebook && Jupyter.notebook.trusted), plots: document.querySelectorAll(".vaelab-plot").length,
              drawn: Array.from(document.querySelectorAll(".vaelab-plot"))
                .filter(function (d) { return d.querySelector("svg.main-svg"); }).length,
              texts: Array.from(document.querySelectorAll(".vaelab-plot-text"))
                .filter(function (t) { return t.offsetHeight > 0; }).map(function (t) { return t.innerText; }) })`;
        await page
          .waitForFunction(
            `(function (s) { return s.plots === ${plots} && ${expect === "drawn" ? "s.drawn" : "s.texts.length"} === ${plots}; })(${STATE})`,
            undefined,
            { timeout: 30_000 },
          )
          .catch(() => undefined); // the assertions below say what is missing
        const state = (await page.evaluate(STATE)) as {
          trusted: boolean;
          plots: number;
          drawn: number;
          texts: string[];
        };
        if (state.plots !== plots) {
          const shown = await page.evaluate("document.body.innerText.slice(0, 400)");
          throw new Error(
            `${name}: ${state.plots} plot outputs, not ${plots}\npage: ${shown}\nserver: ${server.log().slice(-600)}`,
          );
        }
        await ctx.close();
        return { ...state, bundleLoads: requests.filter((p) => p.endsWith("/plotly.min.js")) };
      };

      // npm run nb's signed copy (its first plot carries the bundle inline)
      const executed = await open("plots-executed.ipynb", 2, "drawn");
      assert.equal(executed.trusted, true, "the executed copy is trusted");
      assert.equal(executed.drawn, 2, "both plots of the executed copy are drawn");
      assert.deepEqual(executed.bundleLoads, [], "the inline bundle needs no load");

      const rerun = await open("rerun.ipynb", 2, "drawn");
      assert.equal(rerun.trusted, true);
      assert.equal(rerun.drawn, 2, "both plots of a re-run are drawn");
      assert.deepEqual(rerun.texts, [], "no text fallback next to drawn plots");
      assert.deepEqual(
        rerun.bundleLoads,
        [`/kernelspecs/${KERNEL_NAME}/plotly.min.js`],
        "loaded once, from our kernelspec",
      );

      const untrusted = await open("untrusted.ipynb", 2, "text");
      assert.equal(untrusted.trusted, false);
      assert.equal(untrusted.drawn, 0);
      assert.equal(untrusted.texts.length, 2, "each plot shows its text instead of a blank box");
      for (const t of untrusted.texts) {
        assert.match(t, /^plot: \d+ traces?/);
        assert.match(t, /File > Trust Notebook/);
      }
    } finally {
      await close();
    }
  },
);
