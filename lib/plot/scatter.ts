// Scatter / latent plot: 2-D points coloured by a categorical label or by a continuous value,
// with optional density contours (one set per label).
import type { Figure, Trace } from "./types";
import { baseLayout, paletteColor, withAlpha, VIRIDIS, ColorScale } from "./style";

export interface ScatterData {
  x: number[];
  y: number[];
  /** Categorical colouring: one trace (and legend entry) per distinct label. */
  label?: (string | number)[];
  /** Continuous colouring with a colour bar (ignored when `label` is given). */
  value?: number[];
}

export interface ScatterOptions {
  /** Density contours of the points (per label when labelled; only for groups of at least 3 points). */
  contours?: boolean;
  /** Title of the colour bar / legend for `value` / `label`. */
  colorTitle?: string;
  colorscale?: ColorScale;
  /** Equal scaling of x and y (sensible for latent codes). Default true. */
  equalAxes?: boolean;
  markerSize?: number;
  opacity?: number;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** Distinct labels: ascending if all numbers, else in order of first appearance. */
function distinctLabels(labels: (string | number)[]): (string | number)[] {
  const seen = [...new Set(labels)];
  return seen.every((l) => typeof l === "number") ? (seen as number[]).sort((a, b) => a - b) : seen;
}

function contourTrace(x: number[], y: number[], color: string, name: string): Trace {
  return {
    type: "histogram2dcontour",
    name: `${name} density`,
    legendgroup: name,
    showlegend: false,
    x,
    y,
    ncontours: 6,
    showscale: false,
    contours: { coloring: "none" },
    line: { color: withAlpha(color, 0.9), width: 1.2 },
    hoverinfo: "skip",
  };
}

/** Build a scatter figure. Labelled: one markers trace per label (+ contour trace); valued: one trace with a colour bar. */
export function scatterPlot(d: ScatterData, opts: ScatterOptions = {}): Figure {
  const n = d.x.length;
  if (d.y.length !== n) throw new Error(`plot/scatter: x has ${n} points, y has ${d.y.length}`);
  if (d.label && d.label.length !== n) throw new Error(`plot/scatter: ${n} points but ${d.label.length} labels`);
  if (d.value && d.value.length !== n) throw new Error(`plot/scatter: ${n} points but ${d.value.length} values`);
  const layout = baseLayout({
    title: opts.title,
    xTitle: opts.xTitle ?? "z₁",
    yTitle: opts.yTitle ?? "z₂",
    width: opts.width,
    height: opts.height,
  });
  if (opts.equalAxes !== false) layout.yaxis = { ...layout.yaxis, scaleanchor: "x", scaleratio: 1 };
  const size = opts.markerSize ?? (n > 2000 ? 3 : n > 300 ? 5 : 7);
  const opacity = opts.opacity ?? (n > 2000 ? 0.5 : 0.8);
  const data: Trace[] = [];
  if (d.label) {
    const labels = d.label;
    if (opts.colorTitle) layout.legend = { ...(layout.legend as object), title: { text: opts.colorTitle } };
    distinctLabels(labels).forEach((l, k) => {
      const idx = labels.map((v, i) => (v === l ? i : -1)).filter((i) => i >= 0);
      const x = idx.map((i) => d.x[i]),
        y = idx.map((i) => d.y[i]);
      const color = paletteColor(k);
      const name = String(l);
      data.push({
        type: "scatter",
        mode: "markers",
        name,
        legendgroup: name,
        x,
        y,
        marker: { color, size, opacity },
      });
      // a density of one or two points says nothing, so small groups get markers only
      if (opts.contours && x.length >= 3) data.push(contourTrace(x, y, color, name));
    });
  } else {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "points",
      x: d.x,
      y: d.y,
      showlegend: false,
      marker: d.value
        ? {
            color: d.value,
            colorscale: opts.colorscale ?? VIRIDIS,
            size,
            opacity,
            showscale: true,
            colorbar: { title: { text: opts.colorTitle ?? "" }, thickness: 14 },
          }
        : { color: paletteColor(0), size, opacity },
    });
    if (opts.contours) data.push(contourTrace(d.x, d.y, "#444444", "points"));
  }
  return { data, layout };
}
