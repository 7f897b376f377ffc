// Step-size plot: a metric (e.g. −ELBO) against the SDE integration step size on a log x axis,
// with the training step size marked and literature values as labelled horizontal lines.
import type { Annotation, Figure, Shape, Trace } from "./types";
import { baseLayout, paletteColor } from "./style";

export interface StepSizeSeries {
  name: string;
  /** Step sizes (> 0). */
  x: number[];
  y: number[];
  /** Symmetric error bars (e.g. std over seeds). */
  yErr?: number[];
  color?: string;
}

export interface ReferenceLine {
  y: number;
  label: string;
  color?: string;
}

export interface StepSizeOptions {
  /** Step size used in training: a dashed vertical line labelled "training step". */
  trainStep?: number;
  /** Horizontal reference lines, e.g. values reported in the literature. */
  references?: ReferenceLine[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** Build the step-size figure (x axis type "log"). Lines are layout shapes; labels are annotations. */
export function stepSizePlot(series: readonly StepSizeSeries[], opts: StepSizeOptions = {}): Figure {
  if (series.length === 0) throw new Error("plot/step-size.stepSizePlot: no series");
  const data: Trace[] = series.map((s, k) => {
    if (s.x.length !== s.y.length) {
      throw new Error(`plot/step-size: series '${s.name}' has ${s.x.length} x values and ${s.y.length} y values`);
    }
    s.x.forEach((v, i) => {
      if (!(v > 0))
        throw new Error(`plot/step-size: series '${s.name}' x[${i}]=${v}; step sizes must be > 0 on a log axis`);
    });
    if (s.yErr && s.yErr.length !== s.y.length) {
      throw new Error(`plot/step-size: series '${s.name}' has ${s.yErr.length} error bars for ${s.y.length} points`);
    }
    const color = s.color ?? paletteColor(k);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: s.name,
      x: s.x,
      y: s.y,
      line: { color, width: 2 },
      marker: { color, size: 8, symbol: ["circle", "square", "diamond", "triangle-up", "cross"][k % 5] },
      ...(s.yErr ? { error_y: { type: "data", array: s.yErr, visible: true, thickness: 1.2, width: 4, color } } : {}),
      hovertemplate: `Δt=%{x:.3g}<br>%{y:.4g}<extra>${s.name}</extra>`,
    };
  });
  const layout = baseLayout({
    title: opts.title,
    xTitle: opts.xTitle ?? "integration step size Δt",
    yTitle: opts.yTitle ?? "−ELBO (nats)",
    width: opts.width,
    height: opts.height,
  });
  // label 1-2-5 within a few decades, powers of ten only beyond (plotly labels every digit otherwise)
  const xs = series.flatMap((s) => s.x);
  const decades = Math.log10(Math.max(...xs) / Math.min(...xs));
  layout.xaxis = { ...layout.xaxis, type: "log", exponentformat: "power", dtick: decades > 3 ? 1 : "D2" };
  const shapes: Shape[] = [];
  const annotations: Annotation[] = [];
  if (opts.trainStep !== undefined) {
    if (!(opts.trainStep > 0)) throw new Error(`plot/step-size: trainStep=${opts.trainStep} must be > 0`);
    // shapes on a log axis take data values; annotations take log10 of them (plotly's convention)
    shapes.push({
      type: "line",
      xref: "x",
      yref: "y domain",
      x0: opts.trainStep,
      x1: opts.trainStep,
      y0: 0,
      y1: 1,
      line: { color: "#444444", width: 1.5, dash: "dash" },
    });
    annotations.push({
      text: "training step",
      x: Math.log10(opts.trainStep),
      y: 1,
      xref: "x",
      yref: "y domain",
      showarrow: false,
      xanchor: "left",
      yanchor: "top",
      xshift: 4,
      font: { size: 11, color: "#444444" },
    });
  }
  (opts.references ?? []).forEach((r, k) => {
    const color = r.color ?? "#777777";
    shapes.push({
      type: "line",
      xref: "x domain",
      yref: "y",
      x0: 0,
      x1: 1,
      y0: r.y,
      y1: r.y,
      line: { color, width: 1.2, dash: ["dot", "dashdot", "longdash"][k % 3] },
    });
    annotations.push({
      text: r.label,
      x: 1,
      y: r.y,
      xref: "x domain",
      yref: "y",
      showarrow: false,
      xanchor: "right",
      yanchor: "bottom",
      font: { size: 11, color },
    });
  });
  if (shapes.length) layout.shapes = shapes;
  if (annotations.length) layout.annotations = annotations;
  // reference lines outside the data would be clipped by autorange: extend the range to include them
  if (opts.references?.length) {
    const ys = [
      ...series.flatMap((s) => s.y.map((v, i) => [v - (s.yErr?.[i] ?? 0), v + (s.yErr?.[i] ?? 0)]).flat()),
      ...opts.references.map((r) => r.y),
    ].filter(Number.isFinite);
    const lo = Math.min(...ys),
      hi = Math.max(...ys),
      pad = 0.08 * (hi - lo || Math.abs(hi) || 1);
    layout.yaxis = { ...layout.yaxis, range: [lo - pad, hi + pad] };
  }
  return { data, layout };
}
