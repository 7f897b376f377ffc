// Figures as a reader sees them, drawn by plotly in Chromium: a wide subplot grid shown inline fits
// a narrow notebook cell instead of being clipped, and no panel heading overlaps an x-axis title or
// the overall title (PDisVAE Fig. 3(b), VI-EMD Fig. 10). Skipped without Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { pathToFileURL } from "url";
import { show, subplots, scatterPlot, rdCurve } from "../../lib/plot/index";
import type { Figure, MimeBundle } from "../../lib/plot/index";
import { browserSkip, offlineContext } from "../helpers/browser";

/** Fig. 3(b)'s shape: 2 × 3 scatter panels with x/y titles and headings, a long title, 1100 × 760. */
const fig3b = (): Figure =>
  subplots(
    Array.from({ length: 6 }, (_, k) =>
      scatterPlot(
        { x: [-2, 0, 2], y: [-2, 1, 2], value: [0, 1, 2] },
        { xTitle: `ẑ${k}`, yTitle: `ẑ${k + 1}`, title: `across (ẑ${k}, ẑ${k + 1}): min TC 0.012`, markerSize: 3 },
      ),
    ),
    {
      cols: 3,
      title:
        "Fig. 3(b): PDisVAE seed 2 before alignment (colour: angle of the true group-1 pair on the across panels, of the matching true pair on the group panels)",
      width: 1100,
      height: 760,
    },
  );

/** Fig. 10's shape: 19 RD panels on log axes, 4 columns, 1500 × 1800, the notebook's vSpacing 0.06. */
const fig10 = (): Figure =>
  subplots(
    Array.from({ length: 19 }, () =>
      rdCurve(
        [0.005, 0.01, 0.03, 0.1, 0.3, 1, 3].map((rate, i) => ({ rate, distortion: -0.1 * i })),
        { xTitle: "rate (nats/dim)", yTitle: "D (nats)" },
      ),
    ),
    {
      cols: 4,
      titles: Array.from({ length: 19 }, (_, k) => `NA ${k / 10}`),
      title: "Fig. 10: RD curves under each test condition",
      width: 1500,
      height: 1800,
      vSpacing: 0.06,
    },
  );

test(
  "a wide figure fits a 700-px cell; headings clear the x-axis titles and the title",
  { skip: browserSkip(), timeout: 120_000 },
  async () => {
    const out: MimeBundle[] = [];
    const sink = { display: (b: MimeBundle) => void out.push(b) };
    show(fig3b(), { sink, id: "fig3b" });
    show(fig10(), { sink, id: "fig10" });
    const dir = mkdtempSync(join(tmpdir(), "vaelab-layout-"));
    const file = join(dir, "cell.html");
    writeFileSync(
      file,
      `<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0">` +
        `<div id="cell" style="width:700px">${out.map((o) => o["text/html"]).join("\n")}</div></body></html>`,
    );
    const ctx = await offlineContext(dir, { viewport: { width: 1400, height: 900 } });
    try {
      const p = await ctx.newPage();
      const errors: string[] = [];
      p.on("pageerror", (e) => errors.push(e.message));
      await p.goto(pathToFileURL(file).href);
      await p.waitForFunction(
        'document.querySelectorAll(".vaelab-plot[data-vaelab-rendered]").length === 2',
        undefined,
        {
          timeout: 60_000,
        },
      );
      // a string, not a function: tsx's helpers do not exist in the page
      const report = (await p.evaluate(`(function () {
        function box(el) { var r = el.getBoundingClientRect(); return { l: r.left, r: r.right, t: r.top, b: r.bottom, text: el.textContent }; }
        return ["fig3b", "fig10"].map(function (id) {
          var div = document.getElementById(id);
          var svg = div.querySelector("svg.main-svg");
          return {
            id: id,
            width: svg.getBoundingClientRect().width,
            height: svg.getBoundingClientRect().height,
            cell: document.getElementById("cell").clientWidth,
            heads: Array.from(div.querySelectorAll("g.annotation")).map(box),
            xtitles: Array.from(div.querySelectorAll("[class^='g-x'][class$='title'] text")).map(box),
            title: Array.from(div.querySelectorAll(".g-gtitle text")).map(box),
          };
        });
      })()`)) as {
        id: string;
        width: number;
        height: number;
        cell: number;
        heads: Box[];
        xtitles: Box[];
        title: Box[];
      }[];
      assert.deepEqual(errors, []);
      for (const f of report) {
        assert.ok(f.width <= f.cell && f.width > 600, `${f.id}: drawn ${f.width} px wide in a ${f.cell}-px cell`);
        assert.equal(f.height, f.id === "fig3b" ? 760 : 1800, `${f.id} keeps its height`);
        assert.ok(
          f.heads.length >= 6 && f.xtitles.length >= 6 && f.title.length === 1,
          `${f.id}: texts found ${f.heads.length} ${f.xtitles.length} ${f.title.length}`,
        );
        for (const h of f.heads) {
          for (const x of [...f.xtitles, ...f.title]) {
            assert.ok(!overlap(h, x), `${f.id}: heading '${h.text}' overlaps '${x.text}'`);
          }
        }
      }
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

interface Box {
  l: number;
  r: number;
  t: number;
  b: number;
  text: string;
}

const overlap = (a: Box, b: Box): boolean => a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
