import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { exportPngs, findChromium, rdCurve, heatmap, plotlyBundlePath } from "../../lib/plot/index";
import { exportFigure, exportFigures, recordPlot, summarizeData, SHARED_PLOTLY } from "../../lib/notebook/export";
import { committedFiguresRoot, figuresRoot, mainJobFiguresDir } from "../../lib/engine/paths";
import type { FigureRecord } from "../../lib/notebook/figure-record";

const tmpRoot = () => mkdtempSync(join(tmpdir(), "vaelab-figs-"));

function record(name = "fig01-rd"): FigureRecord {
  const pts = [
    { rate: 1, distortion: 3 },
    { rate: 2, distortion: 1.5 },
    { rate: 4, distortion: 1.2 },
  ];
  return {
    work: "vaequisition",
    figure: "Fig. 1",
    name,
    caption: "RD curve of P-VAE <b>models</b> & friends",
    notebook: "notebooks/vaequisition/fig01-rd.ipynb",
    preset: "smoke",
    engine: "vaelab engine: backend=cpu",
    seconds: 12.345,
    differences: ["synthetic audiograms instead of NHANES"],
    data: { points: pts, curve: new Float32Array([1, 2, 3]), best: { rate: 2, negElbo: 3.5 }, missing: NaN },
    paper: { best: 3.4 },
    claims: [
      { text: "optimum at moderate rate", paper: "R≈2", ours: "R=2", holds: true, kind: "result" },
      {
        text: "distortion falls",
        paper: "yes",
        ours: "no",
        holds: false,
        kind: "result",
        cause: { class: "scale", note: "trained for 1/100 of the paper's steps" },
      },
      { text: "needs paper scale", paper: "10⁵ steps", ours: "–", holds: null, kind: "check" },
    ],
    plots: [
      recordPlot(rdCurve(pts, { title: "RD" })),
      recordPlot(
        heatmap([
          [1, 0],
          [0, 1],
        ]),
        "R² matrix",
      ),
    ],
  };
}

test("exportFigure writes the record as JSON and a standalone HTML page using the shared plotly copy", async () => {
  const root = tmpRoot();
  try {
    const r = record();
    const res = await exportFigure(r, { root, png: false, quiet: true });
    assert.equal(res.json, join(root, "vaequisition", "fig01-rd.json"));
    assert.equal(res.html, join(root, "vaequisition", "fig01-rd.html"));
    assert.equal(res.png, null);

    const j = JSON.parse(readFileSync(res.json, "utf8")) as Record<string, unknown>;
    for (const k of [
      "work",
      "figure",
      "name",
      "caption",
      "preset",
      "engine",
      "seconds",
      "differences",
      "data",
      "paper",
      "claims",
      "plots",
    ]) {
      assert.ok(k in j, `json lacks '${k}'`);
    }
    assert.equal(j.work, "vaequisition");
    assert.equal(j.seconds, 12.345);
    assert.deepEqual(j.claims, r.claims);
    // typed arrays become arrays; NaN becomes null (JSON has no NaN)
    assert.deepEqual(j.data, {
      points: (r.data as { points: unknown }).points,
      curve: [1, 2, 3],
      best: { rate: 2, negElbo: 3.5 },
      missing: null,
    });
    assert.equal((j.plots as unknown[]).length, 2);

    const html = readFileSync(res.html, "utf8");
    assert.ok(html.length < 200_000, `page is ${html.length} chars; plotly must not be inlined`);
    assert.equal(html.split(`<script src="../${SHARED_PLOTLY}"></script>`).length - 1, 1);
    assert.ok(html.includes("<h1>VAEquisition — Fig. 1</h1>"));
    assert.ok(html.includes("RD curve of P-VAE &lt;b&gt;models&lt;/b&gt; &amp; friends"), "caption is escaped");
    assert.match(html, /preset <b>smoke<\/b> · engine <code>vaelab engine: backend=cpu<\/code> · 12\.3 s/);
    assert.ok(html.includes("synthetic audiograms instead of NHANES"));
    assert.equal(html.split('class="vaelab-plot"').length - 1, 2);
    assert.ok(html.includes('id="plot-1"') && html.includes('id="plot-2"'));
    assert.ok(html.includes("<figcaption>R² matrix</figcaption>"));
    const holds = [...html.matchAll(/<td class="holds (\w+)">(.)<\/td>/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(holds, [
      ["yes", "✓"],
      ["no", "✗"],
      ["na", "–"],
    ]);
    assert.ok(html.includes("results 1 ✓ · 1 ✗; checks 0 ✓ · 1 –"), "tally of results and checks apart");
    assert.ok(
      html.includes("<b>scale</b>: trained for 1/100 of the paper&#39;s steps") ||
        html.includes("<b>scale</b>: trained for 1/100 of the paper's steps"),
    );
    assert.equal((html.match(/<tr class="kind-check">/g) ?? []).length, 1);
    assert.ok(html.includes("<li>points: 3 records {rate, distortion}</li>"));
    assert.ok(html.includes("<li>curve: 3 numbers, 1 … 3</li>"));
    assert.ok(html.includes("the paper's values"));

    // the shared plotly copy exists once and is not rewritten by later exports
    const shared = join(root, SHARED_PLOTLY);
    assert.equal(statSync(shared).size, statSync(plotlyBundlePath()).size);
    const before = statSync(shared).mtimeMs;
    await exportFigure(record("fig02-other"), { root, png: false, quiet: true });
    assert.equal(statSync(shared).mtimeMs, before);
    assert.ok(existsSync(join(root, "vaequisition", "fig02-other.html")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("exports go to the option, else VAELAB_FIGURES_DIR, else data/figures; only the main job at demo writes figures/", () => {
  const saved = process.env.VAELAB_FIGURES_DIR;
  const repo = join(__dirname, "..", "..");
  try {
    process.env.VAELAB_FIGURES_DIR = "/tmp/some-figs";
    assert.equal(figuresRoot(), "/tmp/some-figs");
    assert.equal(figuresRoot("/tmp/other"), "/tmp/other");
    assert.equal(mainJobFiguresDir("smoke"), "/tmp/some-figs");
    delete process.env.VAELAB_FIGURES_DIR;
    // an interactive or `npm run nb` export never lands in the committed figures/ (issue 18)
    assert.equal(figuresRoot(), join(repo, "data", "figures"));
    assert.equal(committedFiguresRoot(), join(repo, "figures"));
    assert.equal(mainJobFiguresDir("demo"), join(repo, "figures"));
    assert.equal(mainJobFiguresDir("smoke"), join(repo, "data", "figures", "smoke"));
    assert.equal(mainJobFiguresDir("paper"), join(repo, "data", "figures", "paper"));
  } finally {
    if (saved === undefined) delete process.env.VAELAB_FIGURES_DIR;
    else process.env.VAELAB_FIGURES_DIR = saved;
  }
});

test("invalid records are rejected naming the field", async () => {
  const root = tmpRoot();
  try {
    const bad = (patch: Partial<Record<keyof FigureRecord, unknown>>) => ({ ...record(), ...patch }) as FigureRecord;
    await assert.rejects(
      exportFigure(bad({ engine: "" }), { root, png: false }),
      /exportFigure\(fig01-rd\): field 'engine' must be a non-empty string/,
    );
    await assert.rejects(
      exportFigure(bad({ seconds: NaN }), { root, png: false }),
      /field 'seconds' must be a finite number/,
    );
    await assert.rejects(
      exportFigure(bad({ name: "../x" }), { root, png: false }),
      /field 'name' \('\.\.\/x'\) must be a file stem/,
    );
    await assert.rejects(exportFigure(bad({ data: undefined }), { root, png: false }), /field 'data' is missing/);
    await assert.rejects(
      exportFigure(bad({ claims: [{ text: "x", paper: "", ours: "", holds: "yes" }] }), { root, png: false }),
      /claims\[0\] holds must be true, false or null/,
    );
    await assert.rejects(
      exportFigure(bad({ claims: [{ text: "x", paper: "", ours: "", holds: true }] }), { root, png: false }),
      /claims\[0\] kind is required \(result or check\)/,
    );
    await assert.rejects(
      exportFigure(
        bad({
          claims: [
            { text: "x", paper: "", ours: "", holds: false, kind: "result", cause: { class: "bad luck", note: "n" } },
          ],
        }),
        {
          root,
          png: false,
        },
      ),
      /claims\[0\] cause\.class must be one of scale, stand-in/,
    );
    assert.ok(!existsSync(join(root, "vaequisition")), "nothing is written for an invalid record");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("summarizeData describes nested numbers compactly", () => {
  assert.deepEqual(
    summarizeData({
      a: [1, 5, 3],
      b: {
        c: 2.5,
        d: [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
      },
      s: "x",
    }),
    ["a: 3 numbers, 1 … 5", "b.c: 2.5", "b.d: 3 × 2 array", "s: x"],
  );
  assert.deepEqual(summarizeData(7), ["data: 7"]);
});

test("without Chromium, PNG export is skipped with a one-line note and no crash", async () => {
  const root = tmpRoot();
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: string) => lines.push(s);
  try {
    const res = await exportFigure(record(), { root, chromium: "/nonexistent/chromium" });
    assert.equal(res.png, null);
    assert.match(res.note ?? "", /no Chromium found/);
    assert.ok(existsSync(res.html) && existsSync(res.json));
    assert.equal(lines.filter((l) => l.includes("PNG export skipped")).length, 1);
    assert.ok(lines.every((l) => !l.includes("\n")));
    assert.deepEqual(await exportPngs([], {}), []);
  } finally {
    console.log = orig;
    rmSync(root, { recursive: true, force: true });
  }
});

const chromium = findChromium();
test(
  "with Chromium, a batch of records is rendered to real PNGs with one browser",
  { skip: chromium ? false : "no Chromium installed" },
  async () => {
    const root = tmpRoot();
    try {
      const t0 = Date.now();
      const res = await exportFigures([record("a"), record("b")], { root, quiet: true });
      const ms = Date.now() - t0;
      for (const r of res) {
        assert.ok(r.png, r.note);
        const buf = readFileSync(r.png);
        assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
        assert.equal(buf.subarray(12, 16).toString("ascii"), "IHDR");
        const w = buf.readUInt32BE(16),
          h = buf.readUInt32BE(20);
        // two stacked plots (700 px wide, 450 + ~400 px tall) at device scale 2
        assert.ok(w >= 1400 && h >= 1600, `PNG is ${w}×${h}`);
        assert.ok(buf.length > 30_000, `PNG has only ${buf.length} bytes`);
      }
      assert.ok(ms < 60_000, `took ${ms} ms`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
);
