// show()'s HTML in a real browser, the way the two Jupyter front ends insert it: the classic Notebook
// (RequireJS on the page; output scripts run while the output element is still detached) and
// JupyterLab (element attached, then scripts run). Skipped without Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { pathToFileURL } from "url";
import { show, rdCurve, informationCurve, plotlyBundlePath } from "../../lib/plot/index";
import type { MimeBundle } from "../../lib/plot/index";
import { browserSkip, launchChromium, offlineContext } from "../helpers/browser";

function page(outputs: string[]): string {
  const json = JSON.stringify(outputs).replace(/<\//g, "<\\/");
  return `<!doctype html><html><head><meta charset="utf-8">
<script>
  // RequireJS stand-in, as in the classic Notebook: a global AMD define
  window.__amd = 0;
  window.define = function () { window.__amd++; };
  window.define.amd = { jQuery: true };
  window.require = function () {};
</script></head><body><div id="area"></div>
<script>
  var outputs = ${json};
  function runScripts(container) {
    Array.prototype.forEach.call(container.querySelectorAll("script"), function (old) {
      var s = document.createElement("script"); s.text = old.text; document.head.appendChild(s);
    });
  }
  var area = document.getElementById("area");
  // output 1, classic Notebook style: scripts run while detached, then the element is attached
  var c1 = document.createElement("div"); c1.innerHTML = outputs[0]; runScripts(c1); area.appendChild(c1);
  // output 2, JupyterLab style: attached first, then scripts run
  var c2 = document.createElement("div"); c2.innerHTML = outputs[1]; area.appendChild(c2); runScripts(c2);
</script></body></html>`;
}

test(
  "inline output renders offline with RequireJS present, bundle only in the first output",
  { skip: browserSkip() },
  async () => {
    const out: MimeBundle[] = [];
    const sink = {
      display: (b: MimeBundle) => {
        out.push(b);
      },
    };
    show(
      rdCurve([
        { rate: 1, distortion: 3 },
        { rate: 2, distortion: 1.5 },
        { rate: 4, distortion: 1.2 },
      ]),
      { sink, id: "first" },
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
      { sink, id: "second" },
    );
    const dir = mkdtempSync(join(tmpdir(), "vaelab-browser-"));
    const file = join(dir, "notebook.html");
    writeFileSync(file, page(out.map((o) => o["text/html"])));
    const ctx = await offlineContext(dir);
    try {
      const p = await ctx.newPage();
      const errors: string[] = [];
      p.on("pageerror", (e) => errors.push(e.message));
      await p.goto(pathToFileURL(file).href);
      await p.waitForFunction(
        'document.querySelectorAll(".vaelab-plot[data-vaelab-rendered=\\"1\\"]").length === 2',
        undefined,
        { timeout: 30_000 },
      );
      const state = (await p.evaluate(
        "({ amd: window.__amd, plotly: typeof window.Plotly, version: window.Plotly && window.Plotly.version," +
          " traces: ['first', 'second'].map(function (id) { return document.getElementById(id).data.length; })," +
          " svgs: document.querySelectorAll('.vaelab-plot svg.main-svg').length })",
      )) as { amd: number; plotly: string; version: string; traces: number[]; svgs: number };
      assert.deepEqual(errors, []);
      assert.equal(state.amd, 0, "plotly must not register itself with the page's AMD loader");
      assert.equal(state.plotly, "object");
      assert.equal(state.version, "2.35.3");
      assert.deepEqual(state.traces, [3, 2]);
      assert.ok(state.svgs >= 2);
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** A classic-Notebook-like page at http://jupyter.test/ (RequireJS stand-in, base URL on <body>) with `outputs`. */
function jupyterLikePage(outputs: string[]): string {
  return page(outputs).replace("<body>", '<body data-base-url="/">');
}

/** Outputs of a kernel that already sent the bundle (a re-run, or Run All twice): no bundle in any of them. */
function outputsWithoutBundle(ids: string[]): string[] {
  const out: MimeBundle[] = [];
  const sink = { display: (b: MimeBundle) => void out.push(b) };
  show(rdCurve([{ rate: 1, distortion: 2 }]), { sink, id: "already-sent" });
  for (const id of ids)
    show(
      rdCurve([
        { rate: 1, distortion: 3 },
        { rate: 2, distortion: 1.5 },
      ]),
      { sink, id },
    );
  return out.slice(1).map((o) => o["text/html"]);
}

test(
  "outputs without the bundle load plotly.js once from the Jupyter server; without it they show the text and why",
  { skip: browserSkip() },
  async () => {
    const html = outputsWithoutBundle(["a", "b"]);
    assert.ok(html.every((h) => h.length < 50_000));
    const browser = await launchChromium();
    try {
      const open = async (serveBundle: string | null) => {
        const ctx = await browser.newContext();
        const p = await ctx.newPage();
        const requests: string[] = [];
        await p.route("http://jupyter.test/**", (route) => {
          const path = new URL(route.request().url()).pathname;
          requests.push(path);
          if (path === "/notebooks/x.ipynb")
            return route.fulfill({ contentType: "text/html", body: jupyterLikePage(html) });
          if (path === serveBundle)
            return route.fulfill({ contentType: "application/javascript", path: plotlyBundlePath() });
          return route.fulfill({ status: 404, body: "not found" });
        });
        const errors: string[] = [];
        p.on("pageerror", (e) => errors.push(e.message));
        await p.goto("http://jupyter.test/notebooks/x.ipynb");
        return { ctx, p, requests, errors };
      };

      // the server of `npm run jupyter`: plotly.js from our kernelspec's folder, fetched once for both outputs
      const served = await open("/kernelspecs/tslab/plotly.min.js");
      await served.p.waitForFunction('document.querySelectorAll(".vaelab-plot svg.main-svg").length >= 2', undefined, {
        timeout: 30_000,
      });
      const s = (await served.p.evaluate(
        "({ amd: window.__amd, texts: Array.from(document.querySelectorAll('.vaelab-plot-text')).map(function (t) { return getComputedStyle(t).display; }) })",
      )) as { amd: number; texts: string[] };
      assert.deepEqual(served.errors, []);
      assert.equal(s.amd, 0, "the fetched bundle must not register with the page's AMD loader");
      assert.deepEqual(s.texts, ["none", "none"], "the text fallback is hidden once the plot is drawn");
      assert.deepEqual(
        served.requests.filter((r) => r.endsWith(".js")),
        ["/kernelspecs/tslab/plotly.min.js"],
        "one shared load",
      );
      await served.ctx.close();

      // a server started in the repository root: the first place 404s, the second serves it
      const repoRoot = await open("/files/node_modules/plotly.js-dist-min/plotly.min.js");
      await repoRoot.p.waitForFunction(
        'document.querySelectorAll(".vaelab-plot svg.main-svg").length >= 2',
        undefined,
        { timeout: 30_000 },
      );
      await repoRoot.ctx.close();

      // nowhere to load from: both outputs show their text summary and say why, no blank boxes
      const none = await open(null);
      await none.p.waitForFunction(
        "Array.from(document.querySelectorAll('.vaelab-plot-text')).filter(function (t) { return t.offsetHeight > 0 && /could not load plotly/.test(t.innerText); }).length === 2",
        undefined,
        { timeout: 30_000 },
      );
      const text = await none.p.locator(".vaelab-plot-text").first().innerText();
      assert.match(text, /^plot: 3 traces \(scatter×3\); x: rate R \(nats\)/);
      assert.match(
        text,
        /\nvaelab: no live plot here: could not load plotly\.js \(\/kernelspecs\/tslab\/plotly\.min\.js: HTTP 404;/,
      );
      assert.match(text, /open the notebook with `npm run jupyter`/);
      await none.ctx.close();
    } finally {
      await browser.close();
    }
  },
);
