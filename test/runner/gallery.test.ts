import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "fs";
import { join } from "path";
import { PNG } from "pngjs";
import type { FigureRecord } from "../../lib/notebook/figure-record";
import { buildGallery, pngSize, recordProblem } from "../../lib/runner/gallery";
import { tempDir, writeFiles } from "./nb-fixtures";

const batch: FigureRecord = {
  work: "pdisvae",
  figure: "Table 3",
  name: "table03-batch",
  caption: "Batch estimators <script>alert(1)</script> & friends",
  notebook: "notebooks/pdisvae/table03-batch.ipynb",
  preset: "smoke",
  engine: "tfjs wasm (2 threads)",
  seconds: 75.2,
  differences: ["stand-in data"],
  data: { rows: [1, 2] },
  claims: [
    { text: "MSS beats MWS", paper: "0.1 < 0.2", ours: "0.11 < 0.19", holds: true, kind: "result" },
    {
      text: "IS is unbiased",
      paper: "yes",
      ours: "bias 0.3",
      holds: false,
      kind: "check",
      cause: { class: "implementation", note: "the weights <b>drop</b> a term" },
    },
    { text: "needs paper scale", paper: "n/a", ours: "n/a", holds: null },
  ],
  plots: [
    { title: "bias", data: [{ type: "scatter", x: [1, 2], y: [3, 4] }], layout: { title: { text: "bias </script>" } } },
    { title: "variance", data: [{ type: "bar", x: ["a"], y: [1] }], layout: {} },
  ],
};
const rd: FigureRecord = {
  work: "vaequisition",
  figure: "Fig. 2",
  name: "fig02-rd",
  caption: "RD curve",
  preset: "demo",
  engine: "cpu",
  seconds: 3,
  differences: [],
  data: {},
  claims: [{ text: "rate grows with beta^-1", paper: "monotone", ours: "monotone", holds: true, kind: "result" }],
};

/** A figures folder with two works, files to link, and two unusable .json files. */
function galleryFixture(): string {
  const dir = tempDir("gallery");
  writeFiles(dir, {
    "pdisvae/table03-batch.json": batch,
    "pdisvae/table03-batch.html": "<html></html>",
    "pdisvae/table03-batch.svg": "<svg></svg>",
    "pdisvae/broken.json": "{ nope",
    "vaequisition/fig02-rd.json": rd,
    "cd-vae/not-a-record.json": { foo: 1 },
    // a plot script whose record is gone: removed by the build
    "vaequisition/gone.plots.js": "old",
  });
  // the record's PNG as the exporter writes it (device scale 2): 1200 × 500 px, shown at 600 × 250
  const png = new PNG({ width: 1200, height: 500 });
  png.data.fill(255);
  writeFileSync(join(dir, "pdisvae/table03-batch.png"), PNG.sync.write(png));
  return dir;
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

test("the gallery lists every record grouped by work, with plots, claims and links", () => {
  const dir = galleryFixture();
  const r = buildGallery({ figuresDir: dir });
  assert.equal(r.path, join(dir, "index.html"));
  assert.deepEqual(
    r.records.map((x) => x.file),
    ["pdisvae/table03-batch.json", "vaequisition/fig02-rd.json"],
  );
  assert.deepEqual(
    r.problems.map((p) => p.file),
    ["cd-vae/not-a-record.json", "pdisvae/broken.json"],
  );

  const html = readFileSync(r.path, "utf8");
  // the record with plots shows its PNG as a thumbnail at CSS size; no plot is drawn at load
  assert.equal(count(html, /<div class="plots"/g), 1);
  assert.match(
    html,
    /<div class="plots" data-record="pdisvae\/table03-batch" data-src="pdisvae\/table03-batch\.plots\.js"><img class="thumb" src="pdisvae\/table03-batch\.png" width="600" height="250" loading="lazy"/,
  );
  assert.equal(count(html, /<div class="vaelab-plot"/g), 0);
  assert.equal(count(html, /<tr class="claim /g), 4);
  assert.equal(count(html, /<article class="figure-record"/g), 2);
  // holds marks in claim order: ✓ ✗ – for pdisvae (after vaequisition's ✓: the thesis works come first)
  const marks = [...html.matchAll(/<td class="holds"[^>]*>(.)<\/td>/g)].map((m) => m[1]);
  assert.deepEqual(marks, ["✓", "✓", "✗", "–"]);
  assert.ok(html.indexOf('id="work-vaequisition"') < html.indexOf('id="work-pdisvae"'));
  assert.match(html, /Table 3/);
  // results and checks are counted apart; the old record without kinds is "unclassified"; causes are shown, escaped
  assert.match(html, /results 1 ✓; checks 0 ✓ · 1 ✗; unclassified 0 ✓ · 1 –/);
  assert.match(
    html,
    /Result claims: 2 of 2 testable hold \(100 %\)\. All claims: results 2 ✓; checks 0 ✓ · 1 ✗; unclassified 0 ✓ · 1 –\. Causes of claims that do not hold or are not testable: implementation 1, none 1\./,
  );
  assert.match(html, /<td class="cause"><b>implementation<\/b>: the weights &lt;b&gt;drop&lt;\/b&gt; a term<\/td>/);
  assert.equal(count(html, /<tr class="claim holds-no kind-check">/g), 1);
  assert.match(html, /preset <b>smoke<\/b> · engine tfjs wasm \(2 threads\) · 1 min 15 s/);
  // Text is escaped; script data cannot close its <script> element.
  assert.ok(!html.includes("<script>alert(1)"));
  assert.match(html, /Batch estimators &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; friends/);
  assert.ok(!html.includes("bias </script>"));
  // Links: only files that exist, json always; notebook link relative to figures/.
  assert.match(html, /href="pdisvae\/table03-batch\.html"/);
  assert.match(html, /href="pdisvae\/table03-batch\.png"/);
  assert.match(html, /href="pdisvae\/table03-batch\.json"/);
  assert.match(html, /href="pdisvae\/table03-batch\.svg"/);
  assert.ok(!html.includes("table03-batch.pdf"), "no link to a PDF that was not written");
  assert.match(html, /href="vaequisition\/fig02-rd\.json"/);
  assert.ok(!html.includes('href="vaequisition/fig02-rd.html"'));
  assert.match(html, /href="\.\.\/notebooks\/pdisvae\/table03-batch\.ipynb"/);
  assert.match(html, /Unreadable records[\s\S]*broken\.json/);
  // The plot specs are not in the page; they round-trip through the record's .plots.js.
  assert.ok(!html.includes("vaelab-plot-specs") && !html.includes('"layout"'));
  const js = readFileSync(join(dir, "pdisvae/table03-batch.plots.js"), "utf8");
  const specs = new Function("window", `${js}; return window.vaelabPlotSpecs;`)({});
  assert.deepEqual(specs["pdisvae/table03-batch"], batch.plots);
  assert.ok(!js.includes("</script>"));
  assert.ok(!existsSync(join(dir, "vaequisition/gone.plots.js")), "stale plot scripts are removed");
  assert.ok(!existsSync(join(dir, "vaequisition/fig02-rd.plots.js")), "no script for a record without plots");
  // Offline: plotly is loaded from a relative path and copied next to the page.
  assert.match(html, /<script src="plotly\.min\.js"><\/script>/);
  assert.ok(!/https?:\/\//.test(html), "no remote URLs");
  assert.ok(statSync(join(dir, "plotly.min.js")).size > 1_000_000);
});

test("recordProblem names the bad field", () => {
  assert.equal(recordProblem(batch), null);
  assert.match(recordProblem({ ...batch, seconds: "1" })!, /seconds/);
  assert.match(recordProblem({ ...batch, claims: [{ text: "x", holds: "yes" }] })!, /claims\[0\] holds must be/);
  assert.match(recordProblem([])!, /not a JSON object/);
  assert.match(recordProblem({ ...batch, claims: [{ text: "x", holds: true, kind: "finding" }] })!, /kind must be/);
});

test("an empty or missing figures folder gives a page that says so", () => {
  const dir = join(tempDir("gallery-empty"), "not", "yet");
  const r = buildGallery({ figuresDir: dir });
  assert.equal(r.records.length, 0);
  assert.match(readFileSync(r.path, "utf8"), /No figure records yet/);
  assert.ok(existsSync(join(dir, "plotly.min.js")));
});

/** A Chromium to drive with playwright-core, if this machine has one. */
function findChromium(): string | undefined {
  const candidates = [
    process.env.CHROMIUM_PATH,
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
  ];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

test("the page stays small however big the plots are: specs go to .plots.js, not into index.html", () => {
  const dir = galleryFixture();
  const big = Array.from({ length: 200_000 }, (_, i) => Math.sin(i));
  writeFiles(dir, {
    "pdisvae/big.json": {
      ...batch,
      name: "big",
      plots: [{ title: "big", data: [{ type: "scatter", y: big }], layout: {} }],
    },
  });
  const r = buildGallery({ figuresDir: dir });
  assert.ok(statSync(r.path).size < 40_000, `index.html is ${statSync(r.path).size} bytes`);
  assert.ok(statSync(join(dir, "pdisvae/big.plots.js")).size > 1_000_000);
  // no plot is drawn while the page loads: newPlot only runs inside draw()
  const html = readFileSync(r.path, "utf8");
  assert.equal(count(html, /Plotly\.newPlot\(/g), 1);
  assert.match(html, /function draw\(box\)[\s\S]*Plotly\.newPlot\(/);
});

test("pngSize reads a PNG header and refuses other files", () => {
  const dir = galleryFixture();
  assert.deepEqual(pngSize(join(dir, "pdisvae/table03-batch.png")), { width: 1200, height: 500 });
  assert.equal(pngSize(join(dir, "pdisvae/table03-batch.html")), null);
  assert.equal(pngSize(join(dir, "nothing.png")), null);
});

const chromiumPath = findChromium();
test(
  "in a browser, offline: thumbnails at load, live plots on a click or in view, fitted to the card",
  { skip: !chromiumPath && "no chromium found" },
  async () => {
    const { chromium } = await import("playwright-core");
    const dir = galleryFixture();
    // a record with a wide plot and no PNG: drawn when scrolled into view
    writeFiles(dir, {
      "vi-emd/wide.json": {
        ...rd,
        work: "vi-emd",
        name: "wide",
        plots: [
          { title: "wide", data: [{ type: "scatter", x: [1, 2], y: [3, 4] }], layout: { width: 1600, height: 400 } },
        ],
      },
    });
    const r = buildGallery({ figuresDir: dir });
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      // Offline: any request that is not a local file fails the test.
      await page.route(/^(?!file:)/, (route) => {
        errors.push(`network request: ${route.request().url()}`);
        return route.abort();
      });
      await page.goto(`file://${r.path}`);
      // at load: the thumbnail, no live plot, no plot script loaded
      await page.waitForFunction(() => (document.querySelector("img.thumb") as HTMLImageElement)?.naturalWidth > 0);
      assert.equal(await page.locator("div.vaelab-plot").count(), 0);
      assert.equal(await page.evaluate(() => document.querySelectorAll("script[src$='.plots.js']").length), 0);
      assert.equal(await page.locator("tr.claim").count(), 5);
      // a click draws the record's two plots in place of its thumbnail
      await page.locator("img.thumb").click();
      await page.waitForFunction(() => document.querySelectorAll("div.plots.drawn").length === 1);
      assert.equal(await page.locator("img.thumb").count(), 0);
      assert.equal((await page.locator("div.vaelab-plot.js-plotly-plot .main-svg").count()) >= 2, true);
      // the record without a PNG draws once it is scrolled into view, no wider than its card
      await page.locator("#vi-emd-wide").scrollIntoViewIfNeeded();
      await page.waitForFunction(() => document.querySelectorAll("div.plots.drawn").length === 2, null, {
        timeout: 15_000,
      });
      const widths = await page.evaluate(() =>
        Array.from(document.querySelectorAll("div.vaelab-plot")).map((d) => ({
          plot: (d.querySelector(".main-svg") as SVGElement).getBoundingClientRect().width,
          card: (d.closest("article") as HTMLElement).clientWidth,
        })),
      );
      assert.equal(widths.length, 3);
      for (const w of widths) assert.ok(w.plot > 100 && w.plot <= w.card, JSON.stringify(w));
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
