// Grouped bar chart for comparisons (e.g. estimator means ± std per setting), with optional
// labelled reference lines (e.g. the true value, or the paper's number).
import type { Annotation, Figure, Shape, Trace } from "./types";
import { baseLayout, paletteColor } from "./style";
import type { ReferenceLine } from "./step-size";

export interface BarSeries {
  /** Legend name of the series (e.g. the estimator). */
  name: string;
  /** One value per category. */
  values: number[];
  /** Symmetric error bars (same length as values). */
  errors?: number[];
  color?: string;
}

export interface BarChartOptions {
  /** Horizontal bars (categories on the y axis). */
  horizontal?: boolean;
  references?: ReferenceLine[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** Build a grouped bar chart: one bar trace per series over the shared `categories`. */
export function barChart(
  categories: readonly string[],
  series: readonly BarSeries[],
  opts: BarChartOptions = {},
): Figure {
  if (series.length === 0) throw new Error("plot/bar.barChart: no series");
  const h = opts.horizontal === true;
  const data: Trace[] = series.map((s, k) => {
    if (s.values.length !== categories.length) {
      throw new Error(`plot/bar: series '${s.name}' has ${s.values.length} values for ${categories.length} categories`);
    }
    if (s.errors && s.errors.length !== s.values.length) {
      throw new Error(`plot/bar: series '${s.name}' has ${s.errors.length} errors for ${s.values.length} values`);
    }
    const color = s.color ?? paletteColor(k);
    const err = s.errors
      ? { type: "data", array: s.errors, visible: true, thickness: 1.3, width: 5, color: "#333333" }
      : undefined;
    return {
      type: "bar",
      name: s.name,
      orientation: h ? "h" : "v",
      x: h ? s.values : [...categories],
      y: h ? [...categories] : s.values,
      marker: { color, line: { color: "#333333", width: 0.5 } },
      ...(err ? (h ? { error_x: err } : { error_y: err }) : {}),
    };
  });
  const layout = baseLayout({
    title: opts.title,
    xTitle: opts.xTitle,
    yTitle: opts.yTitle,
    width: opts.width,
    height: opts.height,
  });
  layout.barmode = "group";
  layout.bargap = 0.25;
  layout.showlegend = series.length > 1;
  const refs = opts.references ?? [];
  if (refs.length) {
    const shapes: Shape[] = [],
      annotations: Annotation[] = [];
    refs.forEach((r, k) => {
      const color = r.color ?? "#555555";
      const line = { color, width: 1.4, dash: ["dash", "dot", "dashdot"][k % 3] };
      shapes.push(
        h
          ? { type: "line", xref: "x", yref: "y domain", x0: r.y, x1: r.y, y0: 0, y1: 1, line }
          : { type: "line", xref: "x domain", yref: "y", x0: 0, x1: 1, y0: r.y, y1: r.y, line },
      );
      annotations.push(
        h
          ? {
              text: r.label,
              x: r.y,
              y: 1,
              xref: "x",
              yref: "y domain",
              showarrow: false,
              xanchor: "left",
              yanchor: "top",
              xshift: 3,
              font: { size: 11, color },
            }
          : {
              text: r.label,
              x: 1,
              y: r.y,
              xref: "x domain",
              yref: "y",
              showarrow: false,
              xanchor: "right",
              yanchor: "bottom",
              font: { size: 11, color },
            },
      );
    });
    layout.shapes = shapes;
    layout.annotations = annotations;
  }
  return { data, layout };
}
