// SVG and PDF beside the PNG: one small record exported with both, in headless Chromium. Skipped
// without Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { findChromium, rdCurve, heatmap } from "../../lib/plot/index";
import { exportFigures, recordPlot } from "../../lib/notebook/export";
import type { FigureRecord } from "../../lib/notebook/figure-record";

const record = (name: string, plots: FigureRecord["plots"]): FigureRecord => ({
  work: "tour",
  figure: "Fig. 1",
  name,
  caption: "a small figure",
  preset: "smoke",
  engine: "cpu",
  seconds: 1,
  data: {},
  claims: [],
  differences: [],
  plots,
});

test(
  "exportFigures writes <name>.svg (plots stacked, at their designed size) and <name>.pdf on a page of that size",
  { skip: findChromium() ? false : "no Chromium installed", timeout: 120_000 },
  async () => {
    const root = mkdtempSync(join(tmpdir(), "vaelab-vector-"));
    try {
      const rd = rdCurve(
        [
          { rate: 1, distortion: 3 },
          { rate: 2, distortion: 1.5 },
        ],
        { width: 600, height: 400 },
      );
      const hm = heatmap(
        [
          [1, 0],
          [0, 1],
        ],
        { width: 500, height: 300, colorTitle: "R²" },
      );
      const one = record("one", [recordPlot(rd)]);
      const two = record("two", [recordPlot(rd), recordPlot(hm)]);
      const t = Date.now();
      const res = await exportFigures([one, two], { root, svg: true, pdf: true, quiet: true });
      const seconds = (Date.now() - t) / 1000;
      console.log(`# PNG + SVG + PDF of 2 small records: ${seconds.toFixed(1)} s (browser start included)`);
      for (const r of res) {
        assert.equal(r.note, undefined);
        for (const k of ["png", "svg", "pdf"] as const) assert.ok(r[k] && existsSync(r[k]!), `${k} written`);
      }
      const svg1 = readFileSync(res[0].svg!, "utf8");
      assert.match(svg1, /^<svg [^>]*width="600" height="400"/);
      assert.match(svg1, /class="main-svg"/);
      // two plots: one SVG 600 wide and 400 + 300 high, the second plot placed below the first
      const svg2 = readFileSync(res[1].svg!, "utf8");
      assert.match(
        svg2,
        /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="600" height="700" viewBox="0 0 600 700">/,
      );
      assert.match(svg2, /<svg x="0" y="0" /);
      assert.match(svg2, /<svg x="0" y="400" /);
      // the PDF is one page the size of the figure (CSS px = 0.75 pt)
      const pdf = readFileSync(res[1].pdf!, "latin1");
      assert.ok(pdf.startsWith("%PDF-"));
      assert.equal((pdf.match(/\/Type\s*\/Page\b/g) ?? []).length, 1, "one page");
      const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf);
      assert.ok(box, "MediaBox found");
      assert.ok(Math.abs(Number(box![1]) - 450) < 2 && Math.abs(Number(box![2]) - 525) < 2, `MediaBox ${box![0]}`);
      // off by default for the PDF: a plain export writes PNG and SVG only
      const [plain] = await exportFigures([record("plain", [recordPlot(rd)])], { root, quiet: true });
      assert.ok(plain.png && plain.svg);
      assert.equal(plain.pdf, null);
      assert.ok(!existsSync(join(root, "tour", "plain.pdf")));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);
