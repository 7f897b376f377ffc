// Information curve: a metric as a function of the number of observed/acquired items, one mean
// line per acquisition method with a ± std band over runs/subjects, optionally the area under it.
import type { Figure, Trace } from "./types";
import { baseLayout, paletteColor, withAlpha, fmt } from "./style";
import { columnMeanStd, trapezoid } from "../eval/summary";

/** One method: either per-run curves (`samples`, rows = runs) or a ready `mean` (and optional `std`). */
export interface InfoCurveMethod {
  name: string;
  /** Number of observed items at each point; default 0, 1, 2, ... */
  x?: number[];
  samples?: number[][];
  mean?: number[];
  std?: number[];
  color?: string;
  /** plotly dash style, e.g. "dash" for a baseline. */
  dash?: string;
}

export interface InfoCurveOptions {
  /** Draw mean ± std bands (default true). */
  band?: boolean;
  /** Degrees of freedom for std from samples: 0 (default, numpy's np.std) or 1. */
  ddof?: 0 | 1;
  /** Put the trapezoidal area under each mean curve in its legend entry and trace meta.area. */
  area?: boolean;
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** Resolve a method to x, mean, std (std may be zeros when not given). */
export function infoCurveStats(
  m: InfoCurveMethod,
  ddof: 0 | 1 = 0,
): { x: number[]; mean: number[]; std: number[] | null } {
  let mean: number[], std: number[] | null;
  if (m.samples) {
    const s = columnMeanStd(m.samples, m.samples.length > 1 ? ddof : 0, `informationCurve('${m.name}')`);
    mean = s.mean;
    std = s.std;
  } else if (m.mean) {
    mean = m.mean;
    std = m.std ?? null;
    if (std && std.length !== mean.length) {
      throw new Error(
        `plot/info-curve: method '${m.name}' has mean of length ${mean.length} but std of length ${std.length}`,
      );
    }
  } else {
    throw new Error(`plot/info-curve: method '${m.name}' needs samples or mean`);
  }
  const x = m.x ?? mean.map((_, i) => i);
  if (x.length !== mean.length) {
    throw new Error(`plot/info-curve: method '${m.name}' has ${x.length} x values but ${mean.length} curve points`);
  }
  return { x, mean, std };
}

/** Build the information-curve figure. Per method: a band trace (fill, meta.upper/lower) then the mean line. */
export function informationCurve(methods: readonly InfoCurveMethod[], opts: InfoCurveOptions = {}): Figure {
  if (methods.length === 0) throw new Error("plot/info-curve.informationCurve: no methods");
  const layout = baseLayout({
    title: opts.title,
    xTitle: opts.xTitle ?? "number of observed items",
    yTitle: opts.yTitle ?? "information (nats)",
    width: opts.width,
    height: opts.height,
  });
  const data: Trace[] = [];
  methods.forEach((m, k) => {
    const color = m.color ?? paletteColor(k);
    const { x, mean, std } = infoCurveStats(m, opts.ddof ?? 0);
    if (opts.band !== false && std) {
      const upper = mean.map((v, i) => v + std[i]);
      const lower = mean.map((v, i) => v - std[i]);
      data.push({
        type: "scatter",
        mode: "lines",
        name: `${m.name} ± std`,
        legendgroup: m.name,
        showlegend: false,
        x: [...x, ...[...x].reverse()],
        y: [...upper, ...[...lower].reverse()],
        fill: "toself",
        fillcolor: withAlpha(color, 0.18),
        line: { width: 0, color },
        hoverinfo: "skip",
        meta: { upper, lower },
      });
    }
    const area = opts.area ? trapezoid(x, mean) : undefined;
    data.push({
      type: "scatter",
      mode: x.length <= 40 ? "lines+markers" : "lines",
      name: area === undefined ? m.name : `${m.name} (area ${fmt(area)})`,
      legendgroup: m.name,
      x,
      y: mean,
      line: { color, width: 2.5, ...(m.dash ? { dash: m.dash } : {}) },
      marker: { color, size: 6 },
      ...(std
        ? { customdata: std, hovertemplate: `n=%{x}: %{y:.3g} ± %{customdata:.2g}<extra>${m.name}</extra>` }
        : {}),
      meta: area === undefined ? {} : { area },
    });
  });
  return { data, layout };
}
