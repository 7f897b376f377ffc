// Pair plot (scatter matrix) of K variables, as PDisVAE Fig. 1: a K×K grid with each variable's histogram
// on the diagonal and the scatter of every pair off the diagonal (row i, column j: x = variable j,
// y = variable i). With `groups`, panels of two variables in the same group and the diagonal histograms
// take that group's colour; panels across groups are grey, so group-wise structure reads at a glance.
// Histograms are binned here (bar traces with counts), scatters show at most `maxPoints` rows (the first
// ones: rows are assumed exchangeable) with coordinates rounded to `digits` decimals to keep records small.
import type { Annotation, Axis, Figure, Layout, Trace } from "./types";
import { axis, baseLayout, paletteColor } from "./style";

export interface PairPlotOptions {
  /** Variable names (axis titles on the outer panels); default z1…zK. */
  names?: string[];
  /** Partition (or part) of the variables into groups, for colouring; default: no groups (one colour). */
  groups?: number[][];
  /** Legend names of the groups; default "group g (names)". */
  groupNames?: string[];
  /** Colour of panels across groups (default grey). */
  betweenColor?: string;
  /** Histogram bins on the diagonal (default 30). */
  bins?: number;
  /** Scatter points per panel (default 1000). */
  maxPoints?: number;
  /** Decimals kept of scatter coordinates (default 3). */
  digits?: number;
  markerSize?: number;
  opacity?: number;
  /** Text written in the top-right corner of panel (i, j), e.g. an MI; null or "" for none. */
  cellText?: (string | null)[][];
  /** Pixels per panel (default 150). */
  panelSize?: number;
  /** Gap between panels as a fraction of the grid (default 0.012). */
  gap?: number;
  title?: string;
}

const BETWEEN = "#9a9a9a";

/** Equal-width histogram counts of `v` over [lo, hi] with `bins` bins; returns bin centres and counts. */
export function histogramCounts(
  v: readonly number[],
  lo: number,
  hi: number,
  bins: number,
): { centers: number[]; counts: number[]; width: number } {
  if (!Number.isInteger(bins) || bins < 1)
    throw new Error(`plot/pair-plot: bins must be a positive integer, got ${bins}`);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const x of v) {
    if (!Number.isFinite(x)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)));
    counts[b]++;
  }
  return { centers: counts.map((_, b) => lo + (b + 0.5) * width), counts, width };
}

/** Build the K×K pair plot of `rows` (N×K). */
export function pairPlot(rows: readonly (readonly number[])[], opts: PairPlotOptions = {}): Figure {
  const n = rows.length;
  if (n === 0) throw new Error("plot/pair-plot: no rows");
  const K = rows[0].length;
  if (K < 1) throw new Error("plot/pair-plot: rows have no columns");
  rows.forEach((r, i) => {
    if (r.length !== K) throw new Error(`plot/pair-plot: row ${i} has ${r.length} values, row 0 has ${K}`);
  });
  const names = opts.names ?? Array.from({ length: K }, (_, k) => `z${k + 1}`);
  if (names.length !== K) throw new Error(`plot/pair-plot: ${names.length} names for ${K} variables`);
  const groups = opts.groups ?? [];
  const groupOf = new Array<number>(K).fill(-1);
  groups.forEach((g, gi) =>
    g.forEach((k) => {
      if (!Number.isInteger(k) || k < 0 || k >= K)
        throw new Error(`plot/pair-plot: group ${gi} names variable ${k}, outside 0…${K - 1}`);
      if (groupOf[k] !== -1) throw new Error(`plot/pair-plot: variable ${k} is in groups ${groupOf[k]} and ${gi}`);
      groupOf[k] = gi;
    }),
  );
  if (opts.groupNames && opts.groupNames.length !== groups.length)
    throw new Error(`plot/pair-plot: ${opts.groupNames.length} group names for ${groups.length} groups`);
  if (opts.cellText && (opts.cellText.length !== K || opts.cellText.some((r) => r.length !== K)))
    throw new Error(`plot/pair-plot: cellText must be ${K}×${K}`);
  const groupName = (g: number) =>
    opts.groupNames?.[g] ?? `group ${g + 1} (${groups[g].map((k) => names[k]).join(", ")})`;
  const betweenColor = opts.betweenColor ?? BETWEEN;
  const colorOf = (i: number, j: number): { color: string; legend: string } => {
    if (groups.length === 0) return { color: paletteColor(0), legend: "" };
    if (groupOf[i] !== -1 && groupOf[i] === groupOf[j])
      return { color: paletteColor(groupOf[i]), legend: groupName(groupOf[i]) };
    return { color: betweenColor, legend: "across groups" };
  };

  const bins = opts.bins ?? 30;
  const maxPoints = Math.max(1, Math.min(n, opts.maxPoints ?? 1000));
  const scale = 10 ** (opts.digits ?? 3);
  const round = (v: number) => Math.round(v * scale) / scale + 0; // + 0: no −0 (it does not survive JSON)
  const size = opts.markerSize ?? (maxPoints > 1500 ? 2 : 3);
  const opacity = opts.opacity ?? 0.5;

  // per-variable range with a 4 % pad, shared by its column (x) and its row (y)
  const ranges = Array.from({ length: K }, (_, k) => {
    let lo = Infinity,
      hi = -Infinity;
    for (const r of rows)
      if (Number.isFinite(r[k])) {
        if (r[k] < lo) lo = r[k];
        if (r[k] > hi) hi = r[k];
      }
    if (!(hi >= lo)) {
      lo = 0;
      hi = 1;
    }
    const pad = hi > lo ? 0.04 * (hi - lo) : 0.5;
    return [lo - pad, hi + pad] as [number, number];
  });

  const panel = opts.panelSize ?? 150;
  const gap = opts.gap ?? 0.012;
  const cell = (1 - gap * (K - 1)) / K;
  const margin = { l: 70, r: 20, t: opts.title ? 60 : 20, b: 60 };
  const legendHeight = groups.length > 0 ? 40 : 0;
  const layout: Layout = baseLayout({
    title: opts.title,
    width: K * panel + margin.l + margin.r,
    height: K * panel + margin.t + margin.b + legendHeight,
  });
  delete layout.xaxis;
  delete layout.yaxis;
  layout.margin = { ...margin, b: margin.b + legendHeight };
  layout.showlegend = groups.length > 0;
  layout.legend = {
    ...(layout.legend as object),
    orientation: "h",
    x: 0,
    xanchor: "left",
    y: -(margin.b - 5) / (K * panel),
    yanchor: "top",
    itemsizing: "constant",
  };
  layout.bargap = 0;
  const data: Trace[] = [];
  const annotations: Annotation[] = [];
  const legendSeen = new Set<string>();

  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const p = i * K + j;
      const s = p === 0 ? "" : String(p + 1);
      const xid = "x" + s,
        yid = "y" + s;
      const xd: [number, number] = [j * (cell + gap), j * (cell + gap) + cell];
      const yTop = 1 - i * (cell + gap);
      const yd: [number, number] = [yTop - cell, yTop];
      const bottom = i === K - 1,
        left = j === 0;
      const xa: Axis = axis(bottom ? names[j] : undefined, {
        domain: xd,
        anchor: yid,
        range: ranges[j],
        showticklabels: bottom,
        ticks: bottom ? "outside" : "",
        nticks: 4,
      });
      const ya: Axis =
        i === j
          ? axis(left ? names[i] : undefined, {
              domain: yd,
              anchor: xid,
              showticklabels: false,
              ticks: "",
              rangemode: "tozero",
            })
          : axis(left ? names[i] : undefined, {
              domain: yd,
              anchor: xid,
              range: ranges[i],
              showticklabels: left,
              ticks: left ? "outside" : "",
              nticks: 4,
            });
      layout["xaxis" + s] = { ...xa, mirror: true };
      layout["yaxis" + s] = { ...ya, mirror: true };
      const { color, legend } = colorOf(i, j);
      if (i === j) {
        const col = rows.map((r) => r[j]);
        const h = histogramCounts(col, ranges[j][0], ranges[j][1], bins);
        const hc =
          groups.length > 0 && groupOf[j] !== -1
            ? paletteColor(groupOf[j])
            : groups.length > 0
              ? betweenColor
              : paletteColor(0);
        data.push({
          type: "bar",
          name: `${names[j]} histogram`,
          x: h.centers.map(round),
          y: h.counts,
          width: h.width,
          marker: { color: hc, line: { color: "#ffffff", width: 0.3 } },
          showlegend: false,
          xaxis: xid,
          yaxis: yid,
          hovertemplate: `${names[j]} ≈ %{x}: %{y}<extra></extra>`,
        });
      } else {
        const show = legend !== "" && !legendSeen.has(legend);
        if (show) legendSeen.add(legend);
        data.push({
          type: "scatter",
          mode: "markers",
          name: legend || `${names[i]} vs ${names[j]}`,
          ...(legend ? { legendgroup: legend } : {}),
          showlegend: show,
          legendrank: groups.length > 0 && groupOf[i] !== -1 && groupOf[i] === groupOf[j] ? groupOf[i] + 1 : 1000,
          x: rows.slice(0, maxPoints).map((r) => round(r[j])),
          y: rows.slice(0, maxPoints).map((r) => round(r[i])),
          marker: { color, size, opacity },
          xaxis: xid,
          yaxis: yid,
          hovertemplate: `${names[j]}=%{x}, ${names[i]}=%{y}<extra></extra>`,
        });
        const text = opts.cellText?.[i][j];
        if (text) {
          annotations.push({
            text,
            x: 0.98,
            y: 0.98,
            xref: `${xid} domain`,
            yref: `${yid} domain`,
            xanchor: "right",
            yanchor: "top",
            showarrow: false,
            font: { size: 11, color: "#222222" },
            bgcolor: "rgba(255,255,255,0.75)",
          });
        }
      }
    }
  }
  if (annotations.length) layout.annotations = annotations;
  return { data, layout };
}
