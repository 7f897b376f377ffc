// The pair-plot builder (PDisVAE Fig. 1): K×K panels on their own axes, diagonal histograms whose counts
// add up to N, off-diagonal scatters of (column j, row i), group colours, point cap and rounding, corner text.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pairPlot, histogramCounts, paletteColor } from "../../lib/plot/index";
import type { Trace } from "../../lib/plot/index";

const rows = Array.from({ length: 50 }, (_, n) => [n / 7, Math.sin(n), (n * 13) % 11, -n / 3]);
const names = ["a", "b", "c", "d"];

test("K×K panels on disjoint axis domains; histograms on the diagonal count every row; scatters are (col j, row i)", () => {
  const fig = pairPlot(rows, { names, bins: 8 });
  assert.deepEqual(JSON.parse(JSON.stringify(fig)), fig, "JSON-safe");
  assert.equal(fig.data.length, 16);
  const K = 4;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const p = i * K + j,
        s = p === 0 ? "" : String(p + 1);
      const t = fig.data.find((d) => d.xaxis === "x" + s && d.yaxis === "y" + s) as Trace;
      assert.ok(t, `panel ${i},${j}`);
      const xa = fig.layout["xaxis" + s] as {
        domain: [number, number];
        anchor: string;
        range: [number, number];
        title?: { text: string };
      };
      const ya = fig.layout["yaxis" + s] as { domain: [number, number]; anchor: string; title?: { text: string } };
      assert.equal(xa.anchor, "y" + s);
      assert.equal(ya.anchor, "x" + s);
      // panels in the same row share y domains, the same column x domains; neighbours do not overlap
      assert.ok(xa.domain[0] >= 0 && xa.domain[1] <= 1 + 1e-12 && xa.domain[0] < xa.domain[1]);
      if (j > 0)
        assert.ok(xa.domain[0] > (fig.layout["xaxis" + (p === 1 ? "" : String(p))] as { domain: number[] }).domain[1]);
      assert.equal(xa.title?.text, i === K - 1 ? names[j] : undefined, "x titles on the bottom row only");
      assert.equal(ya.title?.text, j === 0 ? names[i] : undefined, "y titles on the left column only");
      if (i === j) {
        assert.equal(t.type, "bar");
        assert.equal(
          (t.y as number[]).reduce((a, b) => a + b, 0),
          rows.length,
        );
        assert.equal((t.x as number[]).length, 8);
      } else {
        assert.equal(t.type, "scatter");
        assert.deepEqual(
          t.x,
          rows.map((r) => Math.round(r[j] * 1000) / 1000 + 0),
        );
        assert.deepEqual(
          t.y,
          rows.map((r) => Math.round(r[i] * 1000) / 1000 + 0),
        );
        // every point inside the panel's ranges
        const yr = (fig.layout["yaxis" + s] as { range: [number, number] }).range;
        assert.ok((t.x as number[]).every((v) => v >= xa.range[0] && v <= xa.range[1]));
        assert.ok((t.y as number[]).every((v) => v >= yr[0] && v <= yr[1]));
      }
    }
  }
  assert.equal(fig.layout.showlegend, false, "no groups, no legend");
});

test("groups colour within-group panels and histograms; across-group panels are grey; one legend entry each", () => {
  const fig = pairPlot(rows, {
    names,
    groups: [
      [0, 1],
      [2, 3],
    ],
    groupNames: ["first", "second"],
    maxPoints: 20,
    digits: 1,
  });
  const at = (i: number, j: number) => {
    const p = i * 4 + j,
      s = p === 0 ? "" : String(p + 1);
    return fig.data.find((d) => d.xaxis === "x" + s) as Trace;
  };
  assert.equal(at(0, 1).marker?.color, paletteColor(0));
  assert.equal(at(1, 0).marker?.color, paletteColor(0));
  assert.equal(at(3, 2).marker?.color, paletteColor(1));
  assert.equal(at(0, 2).marker?.color, "#9a9a9a");
  assert.equal(at(2, 2).marker?.color, paletteColor(1), "histogram in its group's colour");
  assert.equal(at(0, 1).name, "first");
  assert.equal(at(1, 3).name, "across groups");
  const shown = fig.data
    .filter((t) => t.showlegend === true)
    .map((t) => t.name)
    .sort();
  assert.deepEqual(shown, ["across groups", "first", "second"]);
  assert.equal(fig.layout.showlegend, true);
  assert.equal((at(0, 1).x as number[]).length, 20, "maxPoints caps the scatter");
  assert.ok(
    (at(0, 1).x as number[]).every((v) => Math.abs(v * 10 - Math.round(v * 10)) < 1e-9),
    "rounded to 1 decimal",
  );
  assert.equal(
    (at(1, 1).y as number[]).reduce((a, b) => a + b, 0),
    50,
    "histograms use every row",
  );
});

test("corner text goes to the named panels; bad input is rejected with a message", () => {
  const text = names.map((_, i) => names.map((_, j) => (i !== j && i < j ? `MI ${i}${j}` : null)));
  const fig = pairPlot(rows, { names, cellText: text });
  const ann = fig.layout.annotations ?? [];
  assert.equal(ann.length, 6);
  const a01 = ann.find((a) => a.text === "MI 01");
  assert.equal(a01?.xref, "x2 domain");
  assert.equal(a01?.yref, "y2 domain");
  assert.throws(() => pairPlot([]), /no rows/);
  assert.throws(() => pairPlot([[1, 2], [3]]), /row 1 has 1 values/);
  assert.throws(() => pairPlot(rows, { names: ["a"] }), /1 names for 4 variables/);
  assert.throws(
    () =>
      pairPlot(rows, {
        groups: [
          [0, 1],
          [1, 2],
        ],
      }),
    /variable 1 is in groups 0 and 1/,
  );
  assert.throws(() => pairPlot(rows, { groups: [[0, 7]] }), /outside 0…3/);
  assert.throws(() => pairPlot(rows, { cellText: [["x"]] }), /cellText must be 4×4/);
});

test("histogramCounts: equal-width bins, the maximum falls in the last bin", () => {
  const h = histogramCounts([0, 0.1, 0.5, 0.99, 1], 0, 1, 4);
  assert.deepEqual(h.counts, [2, 0, 1, 2]);
  assert.deepEqual(h.centers, [0.125, 0.375, 0.625, 0.875]);
  assert.equal(h.width, 0.25);
  assert.throws(() => histogramCounts([1], 0, 1, 0), /bins must be a positive integer/);
});
