// Plot pieces and summaries of rate sweeps (VAEquisition Fig. 9–10): one quantity of every model
// against its rate as dots, a running mean over the rate-sorted models, and the best model marked;
// per-target means over seeds; vertical reference lines at given rates.
import { runningMean } from "../eval/summary";
import { defaultRdWindow } from "../plot/rd";
import { withAlpha } from "../plot/style";
import type { Shape, Trace } from "../plot/types";

export interface SweepPoint {
  rate: number;
  value: number;
  /** Hover label, e.g. "R* = 2, seed 1". */
  label: string;
}

export interface MetricCurveOptions {
  /** Legend name of the dots and line (models of one series). */
  name: string;
  color: string;
  /** Line dash of the running mean ("solid", "dash", …). */
  dash?: string;
  /** Running-mean window; default ≈ n/5, odd (as the RD curves). */
  window?: number;
  /** Mark the smallest value: plotly marker symbol and legend name (e.g. "star", "O*"). */
  optimum?: { symbol: string; name: string; size?: number };
  /** Show dots and line in the legend (default true; repeated names are merged by subplots). */
  showlegend?: boolean;
}

export interface MetricCurve {
  traces: Trace[];
  /** The point with the smallest value (first on ties). */
  best: { index: number; rate: number; value: number };
  /** Minimum of the running mean and the rate of the model it sits on. */
  runningBest: { rate: number; value: number };
  window: number;
}

/** Dots, running mean and (optionally) the best point of one quantity against rate. */
export function metricCurve(points: readonly SweepPoint[], o: MetricCurveOptions): MetricCurve {
  if (points.length === 0) throw new Error(`sweep-plots.metricCurve: series "${o.name}" has no points`);
  points.forEach((p, i) => {
    if (!Number.isFinite(p.rate) || !Number.isFinite(p.value)) {
      throw new Error(
        `sweep-plots.metricCurve: series "${o.name}" point ${i} (${p.label}) is not finite: rate ${p.rate}, value ${p.value}`,
      );
    }
  });
  const w = o.window ?? defaultRdWindow(points.length);
  const sorted = [...points].sort((a, b) => a.rate - b.rate);
  const rm = runningMean(
    sorted.map((p) => p.value),
    Math.min(w, sorted.length),
  );
  let k = 0;
  rm.forEach((v, i) => {
    if (v < rm[k]) k = i;
  });
  let b = 0;
  points.forEach((p, i) => {
    if (p.value < points[b].value) b = i;
  });
  const show = o.showlegend ?? true;
  const traces: Trace[] = [
    {
      type: "scatter",
      mode: "markers",
      name: o.name,
      legendgroup: o.name,
      showlegend: show,
      x: points.map((p) => p.rate),
      y: points.map((p) => p.value),
      text: points.map((p) => p.label),
      marker: { color: withAlpha(o.color, 0.35), size: 6 },
      hovertemplate: `%{text}<br>R = %{x:.3g} nats<br>%{y:.4g}<extra>${o.name}</extra>`,
    },
    {
      type: "scatter",
      mode: "lines",
      name: `${o.name} (running mean)`,
      legendgroup: o.name,
      showlegend: false,
      x: sorted.map((p) => p.rate),
      y: rm,
      line: { color: o.color, width: 2.5, dash: o.dash ?? "solid" },
      hoverinfo: "skip",
      meta: { window: w },
    },
  ];
  if (o.optimum) {
    traces.push({
      type: "scatter",
      mode: "markers",
      name: o.optimum.name,
      legendgroup: o.optimum.name,
      showlegend: show,
      x: [points[b].rate],
      y: [points[b].value],
      text: [points[b].label],
      marker: {
        color: o.color,
        size: o.optimum.size ?? 16,
        symbol: o.optimum.symbol,
        line: { color: "#000000", width: 1.2 },
      },
      hovertemplate: `${o.optimum.name}: %{text}<br>R = %{x:.3g} nats<br>%{y:.4g}<extra></extra>`,
      meta: { best: true, index: b, rate: points[b].rate, value: points[b].value },
    });
  }
  return {
    traces: traces,
    best: { index: b, rate: points[b].rate, value: points[b].value },
    runningBest: { rate: sorted[k].rate, value: rm[k] },
    window: w,
  };
}

/** A dotted vertical line at rate x over the whole panel height (a reference optimum). */
export function rateLine(x: number, color: string): Shape {
  return {
    type: "line",
    xref: "x",
    yref: "y domain",
    x0: x,
    x1: x,
    y0: 0,
    y1: 1,
    line: { color: color, width: 1.5, dash: "dot" },
  };
}

/** Mean of `value` over the models of each target (targets ascending). */
export function perTargetMeans<M extends { target: number }>(
  models: readonly M[],
  value: (m: M) => number,
): { target: number; mean: number; n: number }[] {
  const groups = new Map<number, number[]>();
  for (const m of models) {
    const v = value(m);
    if (!Number.isFinite(v))
      throw new Error(`sweep-plots.perTargetMeans: non-finite value ${v} for target ${m.target}`);
    if (!groups.has(m.target)) groups.set(m.target, []);
    groups.get(m.target)!.push(v);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([target, vs]) => ({ target: target, mean: vs.reduce((a, b) => a + b, 0) / vs.length, n: vs.length }));
}
