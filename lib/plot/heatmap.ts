// Annotated heatmap: a matrix (e.g. R² between true factors and latents) with the value written in
// every cell and chosen cells (e.g. the optimal assignment) outlined. Row 0 is drawn at the top.
import type { Annotation, Datum, Figure, Shape, Trace } from "./types";
import { baseLayout, colorAt, luminance, VIRIDIS, ColorScale } from "./style";
import { finiteRange } from "./range";

export interface HeatmapOptions {
  /** Column labels (x) and row labels (y); default "0", "1", ... */
  x?: string[];
  y?: string[];
  /** Cell text: a matrix of strings, a formatter, or false for none. Default: 2 decimals. */
  text?: string[][] | ((v: number, row: number, col: number) => string) | false;
  /** Cells to outline, as [row, col] pairs. */
  highlight?: [number, number][];
  highlightColor?: string;
  zmin?: number;
  zmax?: number;
  colorscale?: ColorScale;
  colorTitle?: string;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/**
 * Build the heatmap. Cells sit at integer coordinates (col j at x=j, row i at y=i) with the labels as
 * tick text, so highlighted cells are rectangles [j-0.5, j+0.5] × [i-0.5, i+0.5].
 */
export function heatmap(z: readonly (readonly number[])[], opts: HeatmapOptions = {}): Figure {
  const rows = z.length;
  if (rows === 0) throw new Error("plot/heatmap: empty matrix");
  const cols = z[0].length;
  z.forEach((r, i) => {
    if (r.length !== cols) throw new Error(`plot/heatmap: row ${i} has ${r.length} columns, row 0 has ${cols}`);
  });
  const xLabels = opts.x ?? Array.from({ length: cols }, (_, j) => String(j));
  const yLabels = opts.y ?? Array.from({ length: rows }, (_, i) => String(i));
  if (xLabels.length !== cols) throw new Error(`plot/heatmap: ${xLabels.length} x labels for ${cols} columns`);
  if (yLabels.length !== rows) throw new Error(`plot/heatmap: ${yLabels.length} y labels for ${rows} rows`);
  const range = finiteRange(z.flat()) ?? [0, 1];
  const zmin = opts.zmin ?? range[0];
  const zmax = opts.zmax ?? (range[1] > zmin ? range[1] : zmin + 1);
  const scale = opts.colorscale ?? VIRIDIS;

  const cellSize = Math.max(28, Math.min(70, Math.floor(480 / Math.max(rows, cols))));
  const layout = baseLayout({
    title: opts.title,
    xTitle: opts.xTitle,
    yTitle: opts.yTitle,
    width: opts.width ?? Math.max(360, Math.min(900, cols * cellSize + 190)),
    height: opts.height ?? Math.max(300, Math.min(900, rows * cellSize + 140)),
  });
  layout.xaxis = {
    ...layout.xaxis,
    tickmode: "array",
    tickvals: xLabels.map((_, j) => j),
    ticktext: xLabels,
    showgrid: false,
    showline: false,
    ticks: "",
    range: [-0.5, cols - 0.5],
  };
  layout.yaxis = {
    ...layout.yaxis,
    tickmode: "array",
    tickvals: yLabels.map((_, i) => i),
    ticktext: yLabels,
    showgrid: false,
    showline: false,
    ticks: "",
    range: [rows - 0.5, -0.5],
    scaleanchor: "x",
    scaleratio: 1,
  };

  const textOf = (v: number, i: number, j: number): string => {
    if (opts.text === false) return "";
    if (typeof opts.text === "function") return opts.text(v, i, j);
    if (Array.isArray(opts.text)) return opts.text[i]?.[j] ?? "";
    return Number.isFinite(v) ? v.toFixed(2) : "";
  };
  const annotations: Annotation[] = [];
  const fontSize = cellSize >= 45 ? 12 : 10;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = z[i][j];
      const s = textOf(v, i, j);
      if (!s) continue;
      const bg = colorAt(scale, (v - zmin) / (zmax - zmin));
      annotations.push({
        text: s,
        x: j,
        y: i,
        xref: "x",
        yref: "y",
        showarrow: false,
        font: { size: fontSize, color: luminance(bg) < 0.35 ? "#ffffff" : "#111111" },
      });
    }
  }
  const shapes: Shape[] = (opts.highlight ?? []).map(([i, j], k) => {
    if (!(i >= 0 && i < rows && j >= 0 && j < cols)) {
      throw new Error(`plot/heatmap: highlight ${k} = [${i}, ${j}] is outside the ${rows}×${cols} matrix`);
    }
    return {
      type: "rect",
      xref: "x",
      yref: "y",
      x0: j - 0.5,
      x1: j + 0.5,
      y0: i - 0.5,
      y1: i + 0.5,
      line: { color: opts.highlightColor ?? "#D55E00", width: 3.5 },
    };
  });
  if (annotations.length) layout.annotations = annotations;
  if (shapes.length) layout.shapes = shapes;
  const zData: Datum[][] = z.map((r) => r.map((v) => (Number.isFinite(v) ? v : null)));
  return {
    data: [
      {
        type: "heatmap",
        z: zData,
        x: xLabels.map((_, j) => j),
        y: yLabels.map((_, i) => i),
        zmin,
        zmax,
        colorscale: scale,
        colorbar: { title: { text: opts.colorTitle ?? "" }, thickness: 14 },
        customdata: yLabels.map((yl) => xLabels.map((xl) => [yl, xl])),
        hovertemplate: "%{customdata[0]} × %{customdata[1]}: %{z:.3g}<extra></extra>",
        xgap: 1,
        ygap: 1,
      },
    ],
    layout,
  };
}

export interface SpectrogramTraceOptions {
  /** Frame times (x) and bin centres (y: frequencies or channel labels), one per column / row of z. */
  x: readonly Datum[];
  y: readonly Datum[];
  /** Colour-bar title with its unit, e.g. "power (dB)" or "log |z|": required, a colour means nothing without it. */
  colorTitle: string;
  zmin?: number;
  zmax?: number;
  /** A plotly colour-scale name or stops (default "Viridis"). */
  colorscale?: string | ColorScale;
  name?: string;
}

/**
 * A heatmap trace of magnitudes over time (spectrograms, latent activations) with its colour bar and
 * the bar's title (unit). In subplots() each panel's bar is placed beside its panel.
 */
export function spectrogramTrace(z: readonly (readonly number[])[], o: SpectrogramTraceOptions): Trace {
  if (!o.colorTitle) throw new Error("plot/spectrogramTrace: colorTitle (the unit of the colours) is required");
  if (z.length !== o.y.length)
    throw new Error(`plot/spectrogramTrace: ${z.length} rows of z for ${o.y.length} y values`);
  z.forEach((r, i) => {
    if (r.length !== o.x.length)
      throw new Error(`plot/spectrogramTrace: row ${i} of z has ${r.length} columns for ${o.x.length} x values`);
  });
  return {
    type: "heatmap",
    z: z.map((r) => r.map((v) => (Number.isFinite(v) ? v : null))),
    x: [...o.x],
    y: [...o.y],
    colorscale: o.colorscale ?? "Viridis",
    ...(o.zmin !== undefined ? { zmin: o.zmin } : {}),
    ...(o.zmax !== undefined ? { zmax: o.zmax } : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
    colorbar: { title: { text: o.colorTitle, side: "right" }, thickness: 12 },
  };
}
