// The committed figure gallery (issue 8): figures/index.html is current (it renders exactly what a fresh
// build from figures/*/*.json renders), and in headless Chromium, offline, every figure of every record
// draws its data and every claim of every record is listed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { loadRecords, plotSpecScript, PLOTS_JS, renderGallery } from "../../lib/runner/gallery";
import { findChromium } from "../../lib/plot/index";
import { CHROMIUM_ARGS } from "../../lib/plot/png";

const figures = join(__dirname, "..", "..", "figures");
const index = join(figures, "index.html");

test("figures/index.html is the gallery of the committed records (run `npm run figures` or the gallery command after adding one)", () => {
  const { records, problems } = loadRecords(figures);
  assert.deepEqual(problems, [], "every record in figures/ is valid");
  assert.ok(records.length >= 10, `only ${records.length} records`);
  const fresh = renderGallery(records, problems, {
    hasPlotly: existsSync(join(figures, "plotly.min.js")),
    figuresDir: figures,
  });
  assert.equal(readFileSync(index, "utf8"), fresh, "figures/index.html is stale");
  for (const r of records) {
    const js = plotSpecScript(r);
    const file = join(figures, r.file.replace(/\.json$/, PLOTS_JS));
    if (js !== null) assert.equal(readFileSync(file, "utf8"), js, `${file} is stale`);
  }
  // the page loads in a moment: the plot specs are in the .plots.js files, not in the page
  assert.ok(fresh.length < 1_000_000, `figures/index.html is ${fresh.length} bytes`);
});

const chromium = findChromium();
test(
  "in a browser, offline: every committed figure draws its data and every claim is listed",
  { skip: chromium ? false : "no Chromium installed", timeout: 180_000 },
  async () => {
    const { records } = loadRecords(figures);
    const plots = records.reduce((n, r) => n + (r.record.plots?.length ?? 0), 0);
    const claims = records.reduce((n, r) => n + r.record.claims.length, 0);
    const { chromium: pw } = await import("playwright-core");
    const browser = await pw.launch({ executablePath: chromium!, args: [...CHROMIUM_ARGS] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.route(/^(?!file:)/, (route) => {
        errors.push(`network request: ${route.request().url()}`);
        return route.abort();
      });
      // the page shows PNGs; draw every live plot (~100) to check them all
      await page.goto(`file://${index}`, { timeout: 30_000 });
      await page.evaluate(() => (window as unknown as { vaelabDrawAll(): Promise<void> }).vaelabDrawAll());
      await page.waitForFunction(
        (n) => document.querySelectorAll("div.vaelab-plot.js-plotly-plot .main-svg").length >= n,
        plots,
        { timeout: 150_000 },
      );
      const drawn = await page.evaluate(() =>
        Array.from(document.querySelectorAll("div.vaelab-plot")).map((el) => {
          const e = el as HTMLElement & {
            data?: { x?: unknown[]; y?: unknown[]; z?: unknown[]; values?: unknown[] }[];
          };
          return (e.data ?? []).reduce(
            (n, t) => n + Math.max(t.x?.length ?? 0, t.y?.length ?? 0, t.z?.length ?? 0, t.values?.length ?? 0),
            0,
          );
        }),
      );
      assert.equal(drawn.length, plots, "one plot element per plot in the records");
      drawn.forEach((n, i) => assert.ok(n > 0, `plot ${i} has no data points`));
      assert.equal(await page.locator("tr.claim").count(), claims, "every claim is listed");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
);
