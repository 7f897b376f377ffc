import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  rdCurve,
  defaultRdWindow,
  informationCurve,
  stepSizePlot,
  scatterPlot,
  boxPlot,
  placeBrackets,
  heatmap,
  imageGrid,
  barChart,
  subplots,
  spectrogramTrace,
  wrapText,
  colorAt,
  luminance,
  VIRIDIS,
  PALETTE,
} from "../../lib/plot/index";
import type { Figure, Trace } from "../../lib/plot/index";
import { MIN_PANEL_PX, TEXT_PX } from "../../lib/plot/subplots";

const nums = (v: unknown): number[] => {
  assert.ok(Array.isArray(v), "expected an array");
  return v as number[];
};
const close = (a: number[], b: number[], tol = 1e-12, what = "") => {
  assert.equal(a.length, b.length, `${what}: length ${a.length} vs ${b.length}`);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `${what}[${i}]: ${v} vs ${b[i]}`));
};
const byName = (f: Figure, re: RegExp): Trace[] => f.data.filter((t) => re.test(t.name ?? ""));
/** Every figure must survive a JSON round trip unchanged (it is written into figure records). */
const jsonSafe = (f: Figure) => assert.deepEqual(JSON.parse(JSON.stringify(f)), f);

describe("colours", () => {
  test("colour helpers: viridis ends, luminance of black/white", () => {
    assert.equal(colorAt(VIRIDIS, 0), "#440154");
    assert.equal(colorAt(VIRIDIS, 1), "#fde725");
    assert.equal(colorAt(VIRIDIS, 0.05), "#461365"); // midway between #440154 and #482475
    assert.equal(luminance("#000000"), 0);
    assert.ok(Math.abs(luminance("#ffffff") - 1) < 1e-12);
    assert.equal(PALETTE[0], "#0072B2");
  });
});

describe("rdCurve", () => {
  // deterministic scatter of 12 models in two groups
  const pts = Array.from({ length: 12 }, (_, i) => ({
    rate: 1 + ((i * 7) % 12) * 0.9,
    distortion: 30 / (1 + ((i * 7) % 12) * 0.9) + ((i * 5) % 3),
    group: i % 3 === 0 ? "B" : "A",
    label: `m${i}`,
  }));

  test("dots, running mean over rate-sorted models, optimum at min D+R, per group", () => {
    const fig = rdCurve(pts);
    jsonSafe(fig);
    assert.equal(fig.layout.xaxis?.title?.text, "rate R (nats)");
    assert.equal(fig.layout.yaxis?.title?.text, "distortion D (nats)");
    for (const g of ["A", "B"]) {
      const mine = pts.filter((p) => p.group === g);
      const dots = fig.data.find((t) => t.name === g && t.mode === "markers")!;
      close(
        nums(dots.x),
        mine.map((p) => p.rate),
        0,
        "dots x",
      );
      close(
        nums(dots.y),
        mine.map((p) => p.distortion),
        0,
        "dots y",
      );

      const rm = byName(fig, new RegExp(`^${g}: running mean`))[0];
      const w = defaultRdWindow(mine.length);
      assert.equal(rm.meta?.window, w);
      const sorted = [...mine].sort((a, b) => a.rate - b.rate);
      const h = Math.floor(w / 2);
      const expect = sorted.map((_, i) => {
        let s = 0,
          n = 0;
        for (let j = i - h; j <= i + h; j++)
          if (j >= 0 && j < sorted.length) {
            s += sorted[j].distortion;
            n++;
          }
        return s / n;
      });
      close(
        nums(rm.x),
        sorted.map((p) => p.rate),
        0,
        "running mean x",
      );
      close(nums(rm.y), expect, 1e-12, "running mean y");

      const opt = byName(fig, new RegExp(`^${g}: min −ELBO`))[0];
      let best = -1,
        bestV = Infinity;
      pts.forEach((p, i) => {
        if (p.group === g && p.distortion + p.rate < bestV) {
          bestV = p.distortion + p.rate;
          best = i;
        }
      });
      assert.equal(opt.meta?.index, best);
      assert.equal(opt.meta?.negElbo, bestV);
      close(nums(opt.x), [pts[best].rate]);
      close(nums(opt.y), [pts[best].distortion]);
    }
  });

  test("negElbo mode plots D+R; iso-lines satisfy D+R=c; explicit window is used", () => {
    const fig = rdCurve(pts, { y: "negElbo", window: 5, isoElbo: [20, 25] });
    assert.match(fig.layout.yaxis?.title?.text ?? "", /−ELBO = D \+ R \(nats\)/);
    const dotsA = fig.data.find((t) => t.name === "A" && t.mode === "markers")!;
    close(
      nums(dotsA.y),
      pts.filter((p) => p.group === "A").map((p) => p.distortion + p.rate),
      1e-12,
    );
    assert.equal(byName(fig, /running mean/)[0].meta?.window, 5);
    const iso = fig.data.filter((t) => t.legendgroup === "iso-elbo");
    assert.deepEqual(
      iso.map((t) => t.meta?.level),
      [20, 25],
    );
    const isoD = rdCurve(pts, { isoElbo: [20] }).data.filter((t) => t.legendgroup === "iso-elbo")[0];
    const x = nums(isoD.x),
      y = nums(isoD.y);
    x.forEach((xi, i) => assert.ok(Math.abs(xi + y[i] - 20) < 1e-12, "iso-line must satisfy R + D = 20"));
  });

  test("single group is called 'models'; bad input is a clear error", () => {
    const fig = rdCurve(
      [
        { rate: 1, distortion: 2 },
        { rate: 2, distortion: 0.5 },
      ],
      { window: false },
    );
    assert.deepEqual(
      fig.data.map((t) => t.name),
      ["models", "min −ELBO = 2.5 nats"],
    );
    assert.throws(() => rdCurve([{ rate: NaN, distortion: 1 }]), /point 0 has rate=NaN/);
    assert.throws(() => rdCurve([]), /no points/);
  });
});

describe("informationCurve", () => {
  const samples = [
    [0, 1, 3, 4],
    [2, 2, 4, 8],
    [1, 6, 5, 6],
  ];
  test("mean line and band = mean ± std exactly (ddof 0 by default, 1 on request); area by trapezoid", () => {
    const fig = informationCurve(
      [
        { name: "EDDI", samples },
        { name: "random", mean: [0, 1, 1, 2] },
      ],
      { area: true },
    );
    jsonSafe(fig);
    const mean = [1, 3, 4, 6];
    const std0 = [Math.sqrt(2 / 3), Math.sqrt(14 / 3), Math.sqrt(2 / 3), Math.sqrt(8 / 3)];
    const line = fig.data.find((t) => t.legendgroup === "EDDI" && t.fill === undefined)!;
    close(nums(line.x), [0, 1, 2, 3], 0);
    close(nums(line.y), mean, 1e-12, "mean");
    const band = fig.data.find((t) => t.legendgroup === "EDDI" && t.fill === "toself")!;
    close(nums(band.x), [0, 1, 2, 3, 3, 2, 1, 0], 0, "band x");
    const up = mean.map((m, i) => m + std0[i]),
      lo = mean.map((m, i) => m - std0[i]);
    close(nums(band.y), [...up, ...lo.reverse()], 1e-12, "band y");
    assert.equal(band.showlegend, false);
    assert.ok(Math.abs((line.meta?.area as number) - (0.5 * (1 + 3) + 0.5 * (3 + 4) + 0.5 * (4 + 6))) < 1e-12);
    assert.match(line.name ?? "", /^EDDI \(area 10\.5\)$/);
    // a method given as mean without std has no band
    assert.equal(fig.data.filter((t) => t.legendgroup === "random").length, 1);

    const f1 = informationCurve([{ name: "EDDI", samples, x: [0, 2, 4, 6] }], { ddof: 1 });
    const b1 = f1.data.find((t) => t.fill === "toself")!;
    const std1 = std0.map((s) => s * Math.sqrt(3 / 2));
    close(
      nums(b1.y).slice(0, 4),
      mean.map((m, i) => m + std1[i]),
      1e-12,
      "ddof 1 upper",
    );
    close(nums(f1.data[1].x), [0, 2, 4, 6], 0);
    assert.equal(f1.layout.xaxis?.title?.text, "number of observed items");
  });

  test("length mismatches name the method", () => {
    assert.throws(() => informationCurve([{ name: "m", mean: [1, 2], x: [0] }]), /method 'm' has 1 x values but 2/);
    assert.throws(() => informationCurve([{ name: "m" }]), /'m' needs samples or mean/);
  });
});

describe("stepSizePlot", () => {
  test("log x axis, one trace per series with error bars, training-step line and reference lines", () => {
    const fig = stepSizePlot(
      [
        { name: "Euler", x: [0.01, 0.1, 1], y: [5, 6, 9], yErr: [0.1, 0.2, 0.3] },
        { name: "Heun", x: [0.01, 0.1], y: [5, 5.5] },
      ],
      {
        trainStep: 0.1,
        references: [
          { y: 4, label: "paper" },
          { y: 12, label: "baseline" },
        ],
      },
    );
    jsonSafe(fig);
    assert.equal(fig.layout.xaxis?.type, "log");
    assert.match(fig.layout.yaxis?.title?.text ?? "", /nats/);
    assert.deepEqual(
      fig.data.map((t) => [t.name, t.mode]),
      [
        ["Euler", "lines+markers"],
        ["Heun", "lines+markers"],
      ],
    );
    assert.deepEqual((fig.data[0].error_y as { array: number[] }).array, [0.1, 0.2, 0.3]);
    const shapes = fig.layout.shapes ?? [];
    const vline = shapes.find((s) => s.yref === "y domain")!;
    assert.equal(vline.x0, 0.1); // shapes take data values on a log axis
    assert.equal(vline.x1, 0.1);
    const hl = shapes.filter((s) => s.xref === "x domain");
    assert.deepEqual(
      hl.map((s) => [s.y0, s.y1]),
      [
        [4, 4],
        [12, 12],
      ],
    );
    const ann = fig.layout.annotations ?? [];
    assert.equal(ann.find((a) => a.text === "training step")?.x, -1); // annotations take log10
    assert.deepEqual(
      ann.filter((a) => a.xref === "x domain").map((a) => [a.text, a.y]),
      [
        ["paper", 4],
        ["baseline", 12],
      ],
    );
    const r = fig.layout.yaxis?.range as [number, number];
    assert.ok(r[0] < 4 && r[1] > 12, "y range must include the reference lines");
    assert.throws(() => stepSizePlot([{ name: "bad", x: [0, 1], y: [1, 2] }]), /x\[0\]=0; step sizes must be > 0/);
  });
});

describe("scatterPlot", () => {
  const x = [0, 1, 2, 3, 4, 5],
    y = [5, 4, 3, 2, 1, 0];
  test("labels: one markers trace per label (numeric labels sorted), contours per label of 3+ points", () => {
    const fig = scatterPlot({ x, y, label: [2, 1, 2, 1, 0, 2] }, { contours: true });
    jsonSafe(fig);
    const markers = fig.data.filter((t) => t.type === "scatter");
    assert.deepEqual(
      markers.map((t) => t.name),
      ["0", "1", "2"],
    );
    assert.deepEqual(markers[2].x, [0, 2, 5]);
    assert.deepEqual(markers[2].y, [5, 3, 0]);
    // label 2 has three points and gets a density; labels 0 and 1 (one and two points) do not
    const contours = fig.data.filter((t) => t.type === "histogram2dcontour");
    assert.equal(contours.length, 1);
    assert.deepEqual(contours[0].x, [0, 2, 5]);
    assert.equal(fig.layout.yaxis?.scaleanchor, "x");
  });
  test("values: one trace coloured by value with a colour bar; no contours unless asked", () => {
    const v = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const fig = scatterPlot({ x, y, value: v }, { colorTitle: "age" });
    assert.equal(fig.data.length, 1);
    const m = fig.data[0].marker as { color: number[]; showscale: boolean; colorbar: { title: { text: string } } };
    assert.deepEqual(m.color, v);
    assert.equal(m.showscale, true);
    assert.equal(m.colorbar.title.text, "age");
    assert.throws(() => scatterPlot({ x, y: [1] }), /x has 6 points, y has 1/);
  });
});

describe("boxPlot", () => {
  const groups = [
    { name: "VAE", values: [1, 2, 3] },
    { name: "TC", values: [2, 3, 10] },
    { name: "PD", values: [4, 5, 6] },
  ];
  test("one box per group at x = index; brackets sit above the boxes they span and stack", () => {
    const fig = boxPlot(groups, {
      brackets: [
        { a: "VAE", b: "PD", text: "**" },
        { a: 0, b: 1, text: "*" },
      ],
    });
    jsonSafe(fig);
    assert.deepEqual(
      fig.data.map((t) => [t.type, t.name, t.x0]),
      [
        ["box", "VAE", 0],
        ["box", "TC", 1],
        ["box", "PD", 2],
      ],
    );
    assert.deepEqual(fig.layout.xaxis?.ticktext, ["VAE", "TC", "PD"]);
    // data range 1..10 → step 0.72; narrow bracket VAE–TC first at 10+0.72, wide one above it
    const step = 0.08 * 9;
    const placed = placeBrackets(
      groups,
      [
        { a: "VAE", b: "PD", text: "**" },
        { a: 0, b: 1, text: "*" },
      ],
      step,
    );
    assert.deepEqual(
      placed.map((p) => [p.i, p.j, p.text]),
      [
        [0, 2, "**"],
        [0, 1, "*"],
      ],
    );
    assert.ok(Math.abs(placed[1].y - (10 + step)) < 1e-12);
    assert.ok(Math.abs(placed[0].y - (10 + 2 * step)) < 1e-12);
    const ann = fig.layout.annotations ?? [];
    assert.deepEqual(
      ann.map((a) => [a.text, a.x]),
      [
        ["**", 1],
        ["*", 0.5],
      ],
    );
    assert.equal((fig.layout.shapes ?? []).length, 6); // 3 lines per bracket
    assert.ok((fig.layout.yaxis?.range as number[])[1] > placed[0].y);
    assert.throws(
      () => boxPlot(groups, { brackets: [{ a: "VAE", b: "nope", text: "*" }] }),
      /'nope', which is not one of the 3 groups/,
    );
  });
});

describe("heatmap", () => {
  test("cells at integer coordinates, text per cell with contrasting colour, highlighted cells outlined", () => {
    const z = [
      [0.9, 0.1],
      [0.2, 0.8],
      [0.05, 0.5],
    ];
    const fig = heatmap(z, {
      x: ["z1", "z2"],
      y: ["a", "b", "c"],
      highlight: [
        [0, 0],
        [1, 1],
      ],
      zmin: 0,
      zmax: 1,
    });
    jsonSafe(fig);
    assert.deepEqual(fig.data[0].z, z);
    assert.deepEqual(fig.layout.yaxis?.ticktext, ["a", "b", "c"]);
    assert.deepEqual(fig.layout.yaxis?.range, [2.5, -0.5]); // row 0 on top
    const ann = fig.layout.annotations ?? [];
    assert.equal(ann.length, 6);
    const cell = (i: number, j: number) => ann.find((a) => a.x === j && a.y === i)!;
    assert.equal(cell(2, 0).text, "0.05");
    assert.equal((cell(2, 0).font as { color: string }).color, "#ffffff"); // dark viridis end
    assert.equal((cell(0, 0).font as { color: string }).color, "#111111"); // light end
    assert.deepEqual(
      (fig.layout.shapes ?? []).map((s) => [s.x0, s.x1, s.y0, s.y1]),
      [
        [-0.5, 0.5, -0.5, 0.5],
        [0.5, 1.5, 0.5, 1.5],
      ],
    );
    const custom = heatmap(z, { text: (v, i, j) => `${i}${j}` });
    assert.equal(custom.layout.annotations?.[3].text, "11");
    assert.throws(() => heatmap(z, { highlight: [[3, 0]] }), /outside the 3×2 matrix/);
    assert.throws(() => heatmap([[1, 2], [3]]), /row 1 has 1 columns/);
  });
});

describe("imageGrid", () => {
  test("grey images tile into one heatmap with null gaps, row-major", () => {
    const im = (k: number) => Array.from({ length: 6 }, (_, p) => (k * 6 + p) / 30); // 2×3 images, flat
    const fig = imageGrid([im(0), im(1), im(2)], { height: 2, width: 3, cols: 2, pad: 1 });
    jsonSafe(fig);
    const z = fig.data[0].z as (number | null)[][];
    assert.equal(fig.data[0].type, "heatmap");
    assert.equal(z.length, 2 * 2 + 1);
    assert.equal(z[0].length, 2 * 3 + 1);
    assert.deepEqual(z[1].slice(0, 3), [3 / 30, 4 / 30, 5 / 30]); // image 0, row 1
    assert.equal(z[0][3], null); // gap column
    assert.deepEqual(z[0].slice(4), [6 / 30, 7 / 30, 8 / 30]); // image 1, row 0
    assert.deepEqual(z[3].slice(0, 3), [12 / 30, 13 / 30, 14 / 30]); // image 2 starts at row 3
    assert.equal(z[2][0], null); // gap row
    assert.deepEqual(z[4].slice(4), [null, null, null]); // empty slot
    assert.deepEqual(fig.data[0].meta, { rows: 2, cols: 2, tileHeight: 2, tileWidth: 3, pad: 1, vpad: 1, channels: 1 });
    assert.equal(fig.layout.yaxis?.scaleanchor, "x");
  });
  test("RGB images become an image trace in 0..255; 'auto' stretches each image", () => {
    const rgb = [
      [
        [
          [0, 0.5, 1],
          [1, 1, 1],
        ],
      ],
    ]; // one 1×2 RGB image
    const fig = imageGrid(rgb as number[][][][]);
    assert.equal(fig.data[0].type, "image");
    assert.deepEqual(fig.data[0].z, [
      [
        [0, 128, 255],
        [255, 255, 255],
      ],
    ]);
    const auto = imageGrid(
      [
        [
          [10, 20],
          [30, 50],
        ],
      ],
      { range: "auto" },
    );
    assert.deepEqual(auto.data[0].z, [
      [0, 0.25],
      [0.5, 1],
    ]);
    assert.throws(() => imageGrid([[1, 2, 3]], { height: 2, width: 2 }), /expected 2×2 or 2×2×3/);
    assert.throws(() => imageGrid([[[1]], [[1, 2]]]), /image 1 is 1×2×1, image 0 is 1×1×1/);
  });
});

describe("barChart", () => {
  test("grouped bars with error bars and a reference line", () => {
    const fig = barChart(
      ["N=64", "N=256"],
      [
        { name: "MWS", values: [1, 2], errors: [0.1, 0.2] },
        { name: "IS", values: [1.5, 2.5] },
      ],
      { references: [{ y: 2.4, label: "true" }], yTitle: "TC (nats)" },
    );
    jsonSafe(fig);
    assert.equal(fig.layout.barmode, "group");
    assert.deepEqual(
      fig.data.map((t) => [t.type, t.name]),
      [
        ["bar", "MWS"],
        ["bar", "IS"],
      ],
    );
    assert.deepEqual(fig.data[0].x, ["N=64", "N=256"]);
    assert.deepEqual(fig.data[0].y, [1, 2]);
    assert.deepEqual((fig.data[0].error_y as { array: number[] }).array, [0.1, 0.2]);
    assert.equal(fig.data[1].error_y, undefined);
    assert.deepEqual(
      fig.layout.shapes?.map((s) => [s.y0, s.y1]),
      [[2.4, 2.4]],
    );
    const h = barChart(["a"], [{ name: "s", values: [3], errors: [1] }], { horizontal: true });
    assert.deepEqual([h.data[0].orientation, h.data[0].x, h.data[0].y], ["h", [3], ["a"]]);
    assert.ok(h.data[0].error_x);
    assert.throws(() => barChart(["a", "b"], [{ name: "s", values: [1] }]), /'s' has 1 values for 2 categories/);
  });
});

describe("subplots", () => {
  test("panels get their own axes, domains side by side, re-pointed shapes/annotations, deduplicated legend", () => {
    const a = stepSizePlot([{ name: "Euler", x: [0.1, 1], y: [1, 2] }], { trainStep: 0.1, title: "left" });
    const b = informationCurve(
      [
        {
          name: "Euler",
          samples: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
      { title: "right" },
    );
    const c = heatmap(
      [
        [1, 0],
        [0, 1],
      ],
      { highlight: [[0, 0]] },
    );
    const fig = subplots([a, b, c], { title: "all" });
    jsonSafe(fig);
    assert.deepEqual(
      fig.data.map((t) => [t.xaxis, t.yaxis]),
      [
        ["x", "y"],
        ["x2", "y2"],
        ["x2", "y2"],
        ["x3", "y3"],
      ],
    );
    const L = fig.layout as Record<string, { domain: number[]; anchor: string; type?: string; scaleanchor?: string }>;
    assert.equal(L.xaxis.type, "log");
    assert.equal(L.xaxis2.anchor, "y2");
    assert.equal(L.yaxis3.scaleanchor, "x3");
    const d = [L.xaxis.domain, L.xaxis2.domain, L.xaxis3.domain];
    for (let k = 0; k < 3; k++) {
      assert.ok(d[k][0] >= 0 && d[k][1] <= 1 && d[k][0] < d[k][1]);
      if (k > 0) assert.ok(d[k][0] > d[k - 1][1], "panels must not overlap");
    }
    const shapes = fig.layout.shapes ?? [];
    assert.deepEqual(
      shapes.map((s) => [s.xref, s.yref]),
      [
        ["x", "y domain"],
        ["x3", "y3"],
      ],
    );
    const heads = (fig.layout.annotations ?? []).filter((an) => an.text === "left" || an.text === "right");
    assert.deepEqual(
      heads.map((an) => an.xref),
      ["x domain", "x2 domain"],
    );
    // "Euler" appears in two panels: shown once in the legend
    const shown = fig.data.filter((t) => t.name === "Euler" && t.showlegend !== false);
    assert.equal(shown.length, 1);
    // the heatmap colour bar moves next to its panel
    const cb = fig.data[3].colorbar as { x: number };
    assert.ok(cb.x > L.xaxis3.domain[1]);
    assert.throws(() => subplots([fig]), /panel 0 already has xaxis2/);
  });
});

describe("subplots layout: headings clear the axis titles of the row above", () => {
  type Dom = Record<string, { domain: [number, number] }>;
  const scatterPanel = (k: number) =>
    scatterPlot(
      { x: [0, 1, 2], y: [1, 0, 2] },
      { xTitle: `ẑ${k}`, yTitle: `ẑ${k + 1}`, title: `across (ẑ${k}, ẑ${k + 1}): min TC 0.012` },
    );
  /** Pixel gap between row r-1's domain bottom and row r's domain top, for every row. */
  const rowGaps = (fig: Figure, rows: number, cols: number): number[] => {
    const m = fig.layout.margin as { t: number; b: number };
    const plotH = (fig.layout.height as number) - m.t - m.b;
    const L = fig.layout as unknown as Dom;
    const yd = (k: number) => L[k === 0 ? "yaxis" : `yaxis${k + 1}`].domain;
    return Array.from({ length: rows - 1 }, (_, r) => (yd(r * cols)[0] - yd((r + 1) * cols)[1]) * plotH);
  };
  const need = TEXT_PX.tickLabels + TEXT_PX.axisTitle + TEXT_PX.headingShift + TEXT_PX.headingLine;

  test("PDisVAE Fig. 3(b): 2 × 3 scatter panels with axis titles and headings, 1100 × 760", () => {
    const fig = subplots(
      Array.from({ length: 6 }, (_, k) => scatterPanel(k)),
      {
        cols: 3,
        title:
          "Fig. 3(b): PDisVAE seed 2 before alignment (colour: angle of the true group-1 pair on the across panels, of the matching true pair on the group panels)",
        width: 1100,
        height: 760,
      },
    );
    // the fixed 0.14 gap was 73 px here: the headings sat on the x-axis titles above them
    for (const g of rowGaps(fig, 2, 3)) assert.ok(g >= need, `row gap ${g.toFixed(0)} px < ${need} px`);
    // the long title wraps to the figure's width, and the top margin holds its lines and the headings
    const title = fig.layout.title as { text: string; y: number; yanchor: string };
    const lines = title.text.split("<br>");
    assert.equal(lines.length, 2);
    for (const l of lines) assert.ok(l.length * TEXT_PX.titleChar <= 1100 - 40, l);
    const m = fig.layout.margin as { t: number };
    const titleBottom = 10 + lines.length * TEXT_PX.titleLine;
    assert.equal(title.yanchor, "top");
    assert.ok(
      titleBottom + TEXT_PX.headingShift + TEXT_PX.headingLine <= m.t,
      `title ends at ${titleBottom}, margin ${m.t}`,
    );
    // each heading sits just above its panel's domain
    const heads = (fig.layout.annotations ?? []).filter((a) => String(a.text).startsWith("across"));
    assert.equal(heads.length, 6);
    for (const h of heads) assert.deepEqual([h.y, h.yanchor, h.yshift], [1, "bottom", TEXT_PX.headingShift]);
  });

  test("VI-EMD Fig. 10: a requested vSpacing too small for the text is widened; headings wider than a panel wrap", () => {
    const panels = Array.from({ length: 19 }, () =>
      rdCurve([
        { rate: 0.01, distortion: 0 },
        { rate: 1, distortion: -0.5 },
      ]),
    );
    const fig = subplots(panels, {
      cols: 4,
      titles: Array.from({ length: 19 }, (_, k) =>
        k === 3 ? "NA 0.5 (training condition, the one every model saw)" : `NA ${k}`,
      ),
      title: "Fig. 10",
      width: 1500,
      height: 1800,
      vSpacing: 0.06,
    });
    const gaps = rowGaps(fig, 5, 4);
    // row 1 (below the wrapped heading's row 0) and the others: all clear the tick labels and the x title
    for (const g of gaps) assert.ok(g >= need, `row gap ${g.toFixed(0)} px < ${need} px`);
    const long = (fig.layout.annotations ?? []).find((a) => String(a.text).startsWith("NA 0.5"))!;
    assert.ok(String(long.text).includes("<br>"), "a heading wider than its panel wraps");
    // a larger requested spacing is kept
    const roomy = subplots(panels.slice(0, 8), { cols: 4, height: 1000, vSpacing: 0.3 });
    const L = roomy.layout as unknown as Dom;
    assert.ok(Math.abs(L.yaxis.domain[0] - L.yaxis5.domain[1] - 0.3) < 1e-9);
    // too short for 19 rows with their text: the figure grows so each panel keeps MIN_PANEL_PX
    const tall = subplots(panels, { cols: 1, height: 600 });
    const tm = tall.layout.margin as { t: number; b: number };
    const panelPx = (tall.layout.height! - tm.t - tm.b - 18 * rowGaps(tall, 19, 1)[0]) / 19;
    assert.ok(tall.layout.height! > 600 && Math.abs(panelPx - MIN_PANEL_PX) < 1e-6, `panel ${panelPx} px`);
  });

  test("wrapText breaks at spaces and keeps a long word whole", () => {
    assert.deepEqual(wrapText("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
    assert.deepEqual(wrapText("supercalifragilistic x", 5), ["supercalifragilistic", "x"]);
    assert.deepEqual(wrapText("short", 80), ["short"]);
  });
});

describe("spectrogramTrace", () => {
  test("a magnitude heatmap with a titled colour bar, placed beside its panel in subplots", () => {
    const t = spectrogramTrace(
      [
        [-60, -10],
        [-3, NaN],
      ],
      { x: [0, 0.1], y: [100, 200], zmin: -60, zmax: 0, colorTitle: "power (dB)" },
    );
    assert.deepEqual(t.z, [
      [-60, -10],
      [-3, null],
    ]);
    assert.deepEqual(t.colorbar, { title: { text: "power (dB)", side: "right" }, thickness: 12 });
    const fig = subplots(
      [
        { data: [t], layout: {} },
        { data: [{ ...t }], layout: {} },
      ],
      { cols: 2 },
    );
    const L = fig.layout as unknown as Record<string, { domain: [number, number] }>;
    const cbs = fig.data.map((d) => d.colorbar as { x: number; title: { text: string } });
    assert.ok(cbs[0].x > L.xaxis.domain[1] && cbs[0].x < L.xaxis2.domain[0], "bar between the panels");
    assert.ok(cbs[1].x > L.xaxis2.domain[1]);
    assert.equal(cbs[1].title.text, "power (dB)", "the title survives the placement");
    // VI-EMD Fig. 4: 5 columns, bars only in columns 1–3: only their gaps widen
    const line: Figure = { data: [{ type: "scatter", y: [1, 2] }], layout: {} };
    const bar: Figure = { data: [t], layout: {} };
    const f4 = subplots([line, bar, bar, bar, line], { cols: 5, width: 1600 });
    const D = f4.layout as unknown as Record<string, { domain: [number, number] }>;
    const xd = ["xaxis", "xaxis2", "xaxis3", "xaxis4", "xaxis5"].map((k) => D[k].domain);
    const gaps = xd.slice(1).map((d, c) => d[0] - xd[c][1]);
    assert.ok(Math.abs(gaps[0] - 0.08) < 1e-9);
    for (const g of gaps.slice(1)) assert.ok(Math.abs(g - (0.08 + 90 / 1500)) < 1e-9);
    assert.ok(Math.abs(xd[4][1] - 1) < 1e-9, "the last column ends at the edge");
    assert.throws(
      () => subplots([line, line, line, line, line], { cols: 5, width: 300, hSpacing: 0.25 }),
      /5 columns do not fit/,
    );
    assert.throws(() => spectrogramTrace([[1]], { x: [0], y: [0], colorTitle: "" }), /colorTitle/);
    assert.throws(
      () => spectrogramTrace([[1, 2]], { x: [0], y: [0], colorTitle: "dB" }),
      /row 0 of z has 2 columns for 1 x values/,
    );
  });
});
