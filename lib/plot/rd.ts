// Rate–distortion plot: one dot per trained model, a running mean over the rate-sorted models,
// the optimum (smallest −ELBO = D + R) marked, and optional ELBO iso-lines D + R = const.
import type { Figure, Trace, Annotation } from "./types";
import { baseLayout, paletteColor, withAlpha, fmt } from "./style";
import { runningMean } from "../eval/summary";
import { finiteRange, padRange } from "./range";

/** One trained model's rate and distortion (nats, per example unless the axis titles say otherwise). */
export interface RdPoint {
  rate: number;
  distortion: number;
  /** Model family / sweep the dot belongs to (its colour, its own running mean and optimum). */
  group?: string;
  /** Hover label, e.g. "β=0.5". */
  label?: string;
}

export interface RdCurveOptions {
  /** Plot distortion D (default) or −ELBO = D + R on the y axis. */
  y?: "distortion" | "negElbo";
  /** Running-mean window in models (odd is best); default ≈ n/5, at least 3, per group. false: no running mean. */
  window?: number | false;
  /** Mark the min −ELBO model of each group (default true). */
  optimum?: boolean;
  /** ELBO iso-lines D + R = c: explicit levels, "auto" (the optimum and 3 levels above), or false (default). */
  isoElbo?: number[] | "auto" | false;
  /** Unit shown in axis titles (default "nats"). */
  unit?: string;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** Default running-mean window for n models: about n/5, odd, at least 3. */
export function defaultRdWindow(n: number): number {
  const w = Math.max(3, Math.round(n / 5));
  return w % 2 === 1 ? w : w + 1;
}

/** Build the RD figure. Traces per group: dots, running mean (meta.window), optimum (meta.index, meta.negElbo). */
export function rdCurve(points: readonly RdPoint[], opts: RdCurveOptions = {}): Figure {
  if (points.length === 0) throw new Error("plot/rd.rdCurve: no points");
  points.forEach((p, i) => {
    if (!Number.isFinite(p.rate) || !Number.isFinite(p.distortion)) {
      throw new Error(
        `plot/rd.rdCurve: point ${i} has rate=${p.rate}, distortion=${p.distortion}; both must be finite`,
      );
    }
  });
  const unit = opts.unit ?? "nats";
  const yMode = opts.y ?? "distortion";
  const yOf = (p: RdPoint) => (yMode === "negElbo" ? p.distortion + p.rate : p.distortion);
  const layout = baseLayout({
    title: opts.title,
    xTitle: opts.xTitle ?? `rate R (${unit})`,
    yTitle: opts.yTitle ?? (yMode === "negElbo" ? `−ELBO = D + R (${unit})` : `distortion D (${unit})`),
    width: opts.width,
    height: opts.height,
  });

  // groups in order of first appearance, keeping original indices for the optimum's meta
  const groups = new Map<string, number[]>();
  points.forEach((p, i) => {
    const g = p.group ?? "models";
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(i);
  });
  const single = groups.size === 1;
  const data: Trace[] = [];
  const annotations: Annotation[] = [];
  let gi = 0;
  for (const [g, idx] of groups) {
    const color = paletteColor(gi++);
    const pts = idx.map((i) => points[i]);
    data.push({
      type: "scatter",
      mode: "markers",
      name: single ? "models" : g,
      legendgroup: g,
      x: pts.map((p) => p.rate),
      y: pts.map(yOf),
      text: pts.map((p) => p.label ?? ""),
      marker: { color, size: 8, opacity: 0.75, line: { color: "#ffffff", width: 0.5 } },
      hovertemplate: `%{text}<br>R=%{x:.3g} ${unit}<br>${yMode === "negElbo" ? "D+R" : "D"}=%{y:.3g} ${unit}<extra>${g}</extra>`,
    });
    if (opts.window !== false) {
      const w = opts.window ?? defaultRdWindow(pts.length);
      const sorted = [...pts].sort((a, b) => a.rate - b.rate);
      data.push({
        type: "scatter",
        mode: "lines",
        name: single ? `running mean (${w} models)` : `${g}: running mean (${w})`,
        legendgroup: g,
        x: sorted.map((p) => p.rate),
        y: runningMean(sorted.map(yOf), w),
        line: { color, width: 2.5 },
        hoverinfo: "skip",
        meta: { window: w },
      });
    }
    if (opts.optimum !== false) {
      let best = idx[0];
      for (const i of idx) {
        if (points[i].distortion + points[i].rate < points[best].distortion + points[best].rate) best = i;
      }
      const p = points[best];
      const negElbo = p.distortion + p.rate;
      data.push({
        type: "scatter",
        mode: "markers",
        name: `${single ? "" : g + ": "}min −ELBO = ${fmt(negElbo)} ${unit}`,
        legendgroup: g,
        x: [p.rate],
        y: [yOf(p)],
        marker: { color, size: 17, symbol: "star", line: { color: "#000000", width: 1.2 } },
        hovertemplate: `${p.label ? p.label + "<br>" : ""}min −ELBO=${fmt(negElbo)} ${unit}<br>R=%{x:.3g}<extra>${g}</extra>`,
        meta: { index: best, negElbo, rate: p.rate, distortion: p.distortion },
      });
    }
  }

  if (opts.isoElbo) {
    const sums = points.map((p) => p.distortion + p.rate);
    const [lo, hi] = finiteRange(sums)!;
    const levels =
      opts.isoElbo === "auto" ? [0, 1, 2, 3].map((k) => lo + (k * (hi - lo || Math.abs(lo) || 1)) / 3) : opts.isoElbo;
    const xr = padRange(finiteRange(points.map((p) => p.rate))!);
    const yr = padRange(finiteRange(points.map(yOf))!);
    // fix the ranges so the iso-lines do not stretch the axes
    layout.xaxis = { ...layout.xaxis, range: xr };
    layout.yaxis = { ...layout.yaxis, range: yr };
    levels.forEach((c, k) => {
      data.push({
        type: "scatter",
        mode: "lines",
        name: "ELBO iso-lines D + R = const",
        legendgroup: "iso-elbo",
        showlegend: k === 0,
        x: [xr[0], xr[1]],
        y: yMode === "negElbo" ? [c, c] : [c - xr[0], c - xr[1]],
        line: { color: withAlpha("#666666", 0.8), width: 1, dash: "dot" },
        hovertemplate: `D+R = ${fmt(c)} ${unit}<extra></extra>`,
        meta: { level: c },
      });
      // label where the line enters the visible window from the top or the left
      const xLab = yMode === "negElbo" ? xr[1] : Math.max(xr[0], c - yr[1]);
      const yLab = yMode === "negElbo" ? c : c - xLab;
      if (yLab >= yr[0] && yLab <= yr[1] && xLab <= xr[1]) {
        annotations.push({
          text: `D+R=${fmt(c)}`,
          x: xLab,
          y: yLab,
          xref: "x",
          yref: "y",
          showarrow: false,
          xanchor: yMode === "negElbo" ? "right" : "left",
          yanchor: "top",
          font: { size: 10, color: "#666666" },
        });
      }
    });
  }
  if (annotations.length) layout.annotations = annotations;
  return { data, layout };
}
