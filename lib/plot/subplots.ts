// Put 2–3 (or more) figures side by side as one figure: each panel keeps its traces, axis styling,
// shapes and annotations, re-pointed at its own axis pair (x2/y2, ...), and its title becomes a
// panel heading. Legend entries repeated across panels are shown once.
import type { Annotation, Axis, Figure, Layout, Shape, Trace } from "./types";
import { baseLayout } from "./style";

export interface SubplotOptions {
  /** Panels per row (default: all in one row). */
  cols?: number;
  /** Overall title. */
  title?: string;
  /** Panel headings; default each figure's own title. */
  titles?: string[];
  /** Gap between panels as a fraction of the figure (default 0.08 horizontally, 0.12 vertically). */
  hSpacing?: number;
  vSpacing?: number;
  width?: number;
  height?: number;
}

const hasColorbar = (t: Trace): boolean =>
  t.showscale !== false &&
  (["heatmap", "contour", "histogram2dcontour", "histogram2d"].includes(t.type) ||
    (t.marker !== undefined && (t.marker as Record<string, unknown>).showscale === true));

/** Re-point an xref/yref ("x", "x domain", "paper") at panel axis `id` ("x2"). */
function remapRef(ref: unknown, letter: "x" | "y", id: string, panel: number): unknown {
  if (ref === undefined || ref === letter) return id;
  if (ref === `${letter} domain` || ref === "paper") return `${id} domain`;
  throw new Error(
    `plot/subplots: panel ${panel} refers to axis '${String(ref)}'; panels must use a single x/y axis pair`,
  );
}

/** Combine figures into one with a grid of panels (row-major). */
export function subplots(figs: readonly Figure[], opts: SubplotOptions = {}): Figure {
  const n = figs.length;
  if (n === 0) throw new Error("plot/subplots: no figures");
  const cols = Math.max(1, Math.min(opts.cols ?? n, n));
  const rows = Math.ceil(n / cols);
  const anyColorbar = figs.some((f) => f.data.some(hasColorbar));
  const hs = opts.hSpacing ?? (anyColorbar ? 0.14 : 0.08);
  const vs = opts.vSpacing ?? 0.14;
  const cw = (1 - hs * (cols - 1)) / cols,
    rh = (1 - vs * (rows - 1)) / rows;

  const height = opts.height ?? rows * 340 + 190;
  const margin = { l: 70, r: 30, t: opts.title ? 90 : 50, b: 150 };
  const layout: Layout = baseLayout({ title: opts.title, width: opts.width ?? cols * 420 + 60, height });
  delete layout.xaxis;
  delete layout.yaxis;
  layout.margin = margin;
  // horizontal legend under the panels, below the x-axis titles (~70 px)
  const plotHeight = height - margin.t - margin.b;
  layout.legend = {
    ...(layout.legend as object),
    orientation: "h",
    x: 0,
    xanchor: "left",
    y: -75 / plotHeight,
    yanchor: "top",
  };
  const data: Trace[] = [];
  const shapes: Shape[] = [];
  const annotations: Annotation[] = [];
  const seenLegend = new Set<string>();

  figs.forEach((f, k) => {
    const s = k === 0 ? "" : String(k + 1);
    const xid = "x" + s,
      yid = "y" + s;
    const r = Math.floor(k / cols),
      c = k % cols;
    const xd: [number, number] = [c * (cw + hs), c * (cw + hs) + cw];
    const yTop = 1 - r * (rh + vs);
    const yd: [number, number] = [yTop - rh, yTop];
    for (const key of Object.keys(f.layout)) {
      if (/^[xy]axis\d+$/.test(key))
        throw new Error(`plot/subplots: panel ${k} already has ${key}; nested subplots are not supported`);
    }
    const xa: Axis = { ...(f.layout.xaxis ?? {}), domain: xd, anchor: yid };
    const ya: Axis = { ...(f.layout.yaxis ?? {}), domain: yd, anchor: xid };
    if (ya.scaleanchor === "x") ya.scaleanchor = xid;
    if (xa.scaleanchor === "y") xa.scaleanchor = yid;
    layout["xaxis" + s] = xa;
    layout["yaxis" + s] = ya;

    for (const t0 of f.data) {
      if ((t0.xaxis && t0.xaxis !== "x") || (t0.yaxis && t0.yaxis !== "y")) {
        throw new Error(
          `plot/subplots: panel ${k} trace '${t0.name ?? t0.type}' uses axes ${t0.xaxis}/${t0.yaxis}; expected x/y`,
        );
      }
      const t: Trace = { ...t0, xaxis: xid, yaxis: yid };
      const key = t.legendgroup ?? t.name;
      if (key !== undefined && t.showlegend !== false) {
        if (seenLegend.has(key)) t.showlegend = false;
        else seenLegend.add(key);
      }
      if (hasColorbar(t)) {
        const cb = {
          x: xd[1] + 0.01,
          xanchor: "left",
          y: (yd[0] + yd[1]) / 2,
          yanchor: "middle",
          len: 0.9 * (yd[1] - yd[0]),
          thickness: 12,
        };
        if (t.type === "scatter")
          t.marker = { ...t.marker, colorbar: { ...((t.marker?.colorbar as object) ?? {}), ...cb } };
        else t.colorbar = { ...((t.colorbar as object) ?? {}), ...cb };
      }
      data.push(t);
    }
    for (const sh of f.layout.shapes ?? []) {
      shapes.push({
        ...sh,
        xref: remapRef(sh.xref, "x", xid, k) as string,
        yref: remapRef(sh.yref, "y", yid, k) as string,
      });
    }
    for (const an of f.layout.annotations ?? []) {
      annotations.push({
        ...an,
        xref: remapRef(an.xref, "x", xid, k) as string,
        yref: remapRef(an.yref, "y", yid, k) as string,
      });
    }
    const heading = opts.titles?.[k] ?? f.layout.title?.text;
    if (heading) {
      annotations.push({
        text: heading,
        x: 0.5,
        y: 1,
        xref: `${xid} domain`,
        yref: `${yid} domain`,
        showarrow: false,
        xanchor: "center",
        yanchor: "bottom",
        yshift: 8,
        font: { size: 15 },
      });
    }
  });
  if (shapes.length) layout.shapes = shapes;
  if (annotations.length) layout.annotations = annotations;
  layout.showlegend = seenLegend.size > 0 && figs.some((f) => f.layout.showlegend !== false);
  return { data, layout };
}
