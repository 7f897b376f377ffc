// Box plot of several groups with optional significance brackets ("**" between two boxes).
// Boxes sit at x = 0, 1, 2, ... on a linear axis labelled with the group names, so brackets can
// be placed with plain numeric shapes.
import type { Annotation, Figure, Shape, Trace } from "./types";
import { baseLayout, paletteColor, withAlpha } from "./style";
import { finiteRange } from "./range";

export interface BoxGroup {
  name: string;
  values: number[];
  color?: string;
}

/** A bracket between two boxes (by name or index) with a label such as "**" or "p=0.003". */
export interface Bracket {
  a: string | number;
  b: string | number;
  text: string;
}

export interface BoxPlotOptions {
  brackets?: Bracket[];
  /** Which raw points to draw beside the boxes (default "outliers"). */
  points?: "all" | "outliers" | false;
  /** Draw the mean as a dashed line in each box (default true). */
  showMean?: boolean;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** Bracket geometry, exported for tests: x positions of both ends and the height of the bar. */
export interface BracketPlacement {
  i: number;
  j: number;
  y: number;
  text: string;
}

/**
 * Place brackets, narrowest first: each sits one step above the highest value of the boxes it spans
 * and above any bracket already placed over an overlapping span.
 */
export function placeBrackets(
  groups: readonly BoxGroup[],
  brackets: readonly Bracket[],
  step: number,
): BracketPlacement[] {
  const index = (r: string | number, k: number): number => {
    const i = typeof r === "number" ? r : groups.findIndex((g) => g.name === r);
    if (!Number.isInteger(i) || i < 0 || i >= groups.length) {
      throw new Error(`plot/box: bracket ${k} refers to '${r}', which is not one of the ${groups.length} groups`);
    }
    return i;
  };
  const tops = groups.map((g) => finiteRange(g.values)?.[1] ?? -Infinity);
  const placed: BracketPlacement[] = [];
  const order = brackets
    .map((b, k) => ({ b, k, i: index(b.a, k), j: index(b.b, k) }))
    .map((o) => ({ ...o, lo: Math.min(o.i, o.j), hi: Math.max(o.i, o.j) }))
    .sort((p, q) => p.hi - p.lo - (q.hi - q.lo) || p.k - q.k);
  const out: (BracketPlacement | null)[] = brackets.map(() => null);
  for (const o of order) {
    let base = Math.max(...tops.slice(o.lo, o.hi + 1));
    for (const p of placed) if (p.i <= o.hi && p.j >= o.lo) base = Math.max(base, p.y);
    const pl = { i: o.lo, j: o.hi, y: base + step, text: o.b.text };
    placed.push(pl);
    out[o.k] = pl;
  }
  return out as BracketPlacement[];
}

/** Build the box-plot figure: one box trace per group (x0 = index), brackets as line shapes + annotations. */
export function boxPlot(groups: readonly BoxGroup[], opts: BoxPlotOptions = {}): Figure {
  if (groups.length === 0) throw new Error("plot/box.boxPlot: no groups");
  const data: Trace[] = groups.map((g, i) => {
    const color = g.color ?? paletteColor(i);
    return {
      type: "box",
      name: g.name,
      y: g.values,
      x0: i,
      boxpoints: opts.points ?? "outliers",
      jitter: 0.3,
      pointpos: 0,
      boxmean: opts.showMean === false ? false : true,
      marker: { color, size: 4 },
      line: { color, width: 1.5 },
      fillcolor: withAlpha(color, 0.25),
      showlegend: false,
    };
  });
  const layout = baseLayout({
    title: opts.title,
    xTitle: opts.xTitle,
    yTitle: opts.yTitle ?? "value",
    width: opts.width,
    height: opts.height,
  });
  layout.xaxis = {
    ...layout.xaxis,
    tickmode: "array",
    tickvals: groups.map((_, i) => i),
    ticktext: groups.map((g) => g.name),
    range: [-0.6, groups.length - 0.4],
    showgrid: false,
  };
  const brackets = opts.brackets ?? [];
  if (brackets.length) {
    const r = finiteRange(groups.flatMap((g) => g.values)) ?? [0, 1];
    const step = 0.08 * (r[1] - r[0] || Math.abs(r[1]) || 1);
    const placed = placeBrackets(groups, brackets, step);
    const tick = step * 0.3;
    const shapes: Shape[] = [];
    const annotations: Annotation[] = [];
    const line = { color: "#222222", width: 1.2 };
    for (const p of placed) {
      shapes.push(
        { type: "line", xref: "x", yref: "y", x0: p.i, x1: p.i, y0: p.y - tick, y1: p.y, line },
        { type: "line", xref: "x", yref: "y", x0: p.i, x1: p.j, y0: p.y, y1: p.y, line },
        { type: "line", xref: "x", yref: "y", x0: p.j, x1: p.j, y0: p.y - tick, y1: p.y, line },
      );
      annotations.push({
        text: p.text,
        x: (p.i + p.j) / 2,
        y: p.y,
        xref: "x",
        yref: "y",
        showarrow: false,
        yanchor: "bottom",
        font: { size: 13 },
      });
    }
    layout.shapes = shapes;
    layout.annotations = annotations;
    const top = Math.max(...placed.map((p) => p.y));
    layout.yaxis = { ...layout.yaxis, range: [r[0] - step, top + 1.6 * step] };
  }
  return { data, layout };
}
