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

/**
 * Pixel sizes used to keep text apart (plotly lays text out itself; these are generous upper bounds
 * for our 12–17 px fonts). Exported for the layout tests.
 */
export const TEXT_PX = {
  /** x tick labels below an axis (log axes with minor labels included). */
  tickLabels: 28,
  /** an x-axis title below the tick labels (measured: its bottom is ~65 px below the axis line). */
  axisTitle: 40,
  /** one line of a panel heading (15 px font), and its gap above the panel. */
  headingLine: 20,
  headingShift: 8,
  /** one line of the overall title (17 px font). */
  titleLine: 24,
  /** average character widths of the heading and title fonts. */
  headingChar: 8.2,
  titleChar: 9.4,
  /** a colour bar beside a panel: the bar, its tick labels and its title. */
  colorbar: 90,
  /** slack between stacked texts. */
  pad: 10,
};

/** The least height of a panel's plot area, px (a given height grows to keep it). */
export const MIN_PANEL_PX = 150;

/** Break `text` into lines of at most `maxChars` at spaces (plotly <br>); a longer word stays whole. */
export function wrapText(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/ +/)) {
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
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
  const width = opts.width ?? cols * 420 + 60;
  let height = opts.height ?? rows * 340 + 190;
  const margin = { l: 70, r: 30, t: 0, b: 150 };
  // the gap after a column: hSpacing if given, else 0.08 plus room for the colour bars of that
  // column's panels (only the columns that have one, so a 5-column figure with 3 bars stays wide)
  const colHasBar = Array.from({ length: cols }, (_, c) =>
    figs.some((f, k) => k % cols === c && f.data.some(hasColorbar)),
  );
  const gapAfter = colHasBar.map((bar, c) =>
    c === cols - 1 ? 0 : (opts.hSpacing ?? 0.08 + (bar ? TEXT_PX.colorbar / (width - margin.l - margin.r) : 0)),
  );
  const cw = (1 - gapAfter.reduce((a, b) => a + b, 0)) / cols;
  if (cw <= 0.03)
    throw new Error(
      `plot/subplots: ${cols} columns do not fit in width ${width}; give a larger width or a smaller hSpacing`,
    );
  const colX0 = gapAfter.map((_, c) => c * cw + gapAfter.slice(0, c).reduce((a, b) => a + b, 0));

  // Headings and the title are wrapped to their width, and the margins and row gaps are sized in
  // pixels for the text they hold, so a heading never runs into the x-axis title of the row above.
  const panelPx = cw * (width - margin.l - margin.r);
  const headings = figs.map((f, k) => {
    const h = opts.titles?.[k] ?? f.layout.title?.text;
    return h ? wrapText(h, Math.max(12, Math.floor(panelPx / TEXT_PX.headingChar))) : [];
  });
  const titleLines = opts.title ? wrapText(opts.title, Math.max(20, Math.floor((width - 40) / TEXT_PX.titleChar))) : [];
  const headingPx = (lines: number) => (lines ? TEXT_PX.headingShift + lines * TEXT_PX.headingLine : 0);
  const rowHeadingPx = (r: number) =>
    headingPx(Math.max(0, ...headings.slice(r * cols, (r + 1) * cols).map((h) => h.length)));
  const anyXTitle = figs.some((f) => !!f.layout.xaxis?.title?.text);
  margin.t = (titleLines.length ? 20 + titleLines.length * TEXT_PX.titleLine : 0) + rowHeadingPx(0) + TEXT_PX.pad + 10;
  let gapPx = 0;
  for (let r = 1; r < rows; r++) gapPx = Math.max(gapPx, rowHeadingPx(r));
  gapPx += TEXT_PX.tickLabels + (anyXTitle ? TEXT_PX.axisTitle : 0) + TEXT_PX.pad;
  // the requested gap (a fraction of the plot area), at least the text's; a figure too short for its
  // rows and gaps grows, so no panel is squeezed below MIN_PANEL_PX
  gapPx = Math.max(gapPx, (opts.vSpacing ?? 0.14) * (height - margin.t - margin.b));
  height = Math.max(height, margin.t + margin.b + rows * MIN_PANEL_PX + (rows - 1) * gapPx);
  const plotHeight = height - margin.t - margin.b;
  const vs = rows > 1 ? gapPx / plotHeight : 0;
  const rh = (1 - vs * (rows - 1)) / rows;

  const layout: Layout = baseLayout({ title: titleLines.join("<br>") || undefined, width, height });
  delete layout.xaxis;
  delete layout.yaxis;
  layout.margin = margin;
  // the title hangs from the top edge, so its lines grow down into the space reserved above
  if (layout.title) layout.title = { ...layout.title, yref: "container", y: 1 - 10 / height, yanchor: "top" };
  // horizontal legend under the panels, below the x-axis titles (~70 px)
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
    const xd: [number, number] = [colX0[c], colX0[c] + cw];
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
    if (headings[k].length) {
      annotations.push({
        text: headings[k].join("<br>"),
        x: 0.5,
        y: 1,
        xref: `${xid} domain`,
        yref: `${yid} domain`,
        showarrow: false,
        xanchor: "center",
        yanchor: "bottom",
        yshift: TEXT_PX.headingShift,
        font: { size: 15 },
      });
    }
  });
  if (shapes.length) layout.shapes = shapes;
  if (annotations.length) layout.annotations = annotations;
  layout.showlegend = seenLegend.size > 0 && figs.some((f) => f.layout.showlegend !== false);
  return { data, layout };
}
