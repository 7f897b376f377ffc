// Shared look of every vaelab figure: a colour-blind-friendly palette, fonts, sizes, axis styling.
import type { Axis, Layout } from "./types";

/** Okabe–Ito palette (distinguishable under the common colour-vision deficiencies), black last. */
export const PALETTE: readonly string[] = [
  "#0072B2", // blue
  "#D55E00", // vermilion
  "#009E73", // bluish green
  "#CC79A7", // reddish purple
  "#E69F00", // orange
  "#56B4E9", // sky blue
  "#F0E442", // yellow
  "#000000",
];

/** The i-th palette colour, cycling. */
export function paletteColor(i: number): string {
  const n = PALETTE.length;
  return PALETTE[((i % n) + n) % n];
}

/** Colour scale as plotly takes it: [position in [0,1], "#rrggbb"] pairs. */
export type ColorScale = [number, string][];

/** Viridis (perceptually uniform, colour-blind friendly), dark at 0, light at 1. */
export const VIRIDIS: ColorScale = [
  [0.0, "#440154"],
  [0.1, "#482475"],
  [0.2, "#414487"],
  [0.3, "#355f8d"],
  [0.4, "#2a788e"],
  [0.5, "#21918c"],
  [0.6, "#22a884"],
  [0.7, "#44bf70"],
  [0.8, "#7ad151"],
  [0.9, "#bddf26"],
  [1.0, "#fde725"],
];

/** Black (0) to white (1), for grey images. */
export const GREYS: ColorScale = [
  [0, "#000000"],
  [1, "#ffffff"],
];

export const FONT_FAMILY = "Helvetica Neue, Helvetica, Arial, sans-serif";
export const DEFAULT_WIDTH = 700;
export const DEFAULT_HEIGHT = 450;

function parseHex(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(c);
  if (!m) throw new Error(`plot/style: expected a colour like #rrggbb, got '${c}'`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** '#rrggbb' → 'rgba(r,g,b,alpha)', for translucent bands and fills. */
export function withAlpha(color: string, alpha: number): string {
  const [r, g, b] = parseHex(color);
  return `rgba(${r},${g},${b},${alpha})`;
}

/** Colour of `scale` at t ∈ [0,1] (linear interpolation in RGB), as '#rrggbb'. */
export function colorAt(scale: ColorScale, t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  let k = 0;
  while (k < scale.length - 2 && u > scale[k + 1][0]) k++;
  const [t0, c0] = scale[k];
  const [t1, c1] = scale[Math.min(k + 1, scale.length - 1)];
  const f = t1 > t0 ? (u - t0) / (t1 - t0) : 0;
  const a = parseHex(c0),
    b = parseHex(c1);
  const mix = a.map((v, i) => Math.round(v + f * (b[i] - v)));
  return "#" + mix.map((v) => v.toString(16).padStart(2, "0")).join("");
}

/** Relative luminance (WCAG) of '#rrggbb', in [0,1]; used to pick black or white text on a cell. */
export function luminance(color: string): number {
  const lin = parseHex(color).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

/** An axis with a title and our grid styling; `extra` overrides anything. */
export function axis(title: string | undefined, extra: Axis = {}): Axis {
  return {
    ...(title !== undefined ? { title: { text: title } } : {}),
    showline: true,
    linecolor: "#444444",
    mirror: false,
    ticks: "outside",
    gridcolor: "#e5e5e5",
    zeroline: false,
    automargin: true,
    ...extra,
  };
}

export interface BaseLayoutOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  width?: number;
  height?: number;
}

/** The layout every builder starts from: white background, readable fonts, legend at the right. */
export function baseLayout(o: BaseLayoutOptions = {}): Layout {
  return {
    ...(o.title ? { title: { text: o.title, x: 0.02, xanchor: "left", font: { size: 17 } } } : {}),
    width: o.width ?? DEFAULT_WIDTH,
    height: o.height ?? DEFAULT_HEIGHT,
    font: { family: FONT_FAMILY, size: 14, color: "#222222" },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    margin: { l: 70, r: 20, t: o.title ? 55 : 25, b: 60 },
    colorway: [...PALETTE],
    hovermode: "closest",
    legend: { bgcolor: "rgba(255,255,255,0.8)", bordercolor: "#cccccc", borderwidth: 1, font: { size: 12 } },
    xaxis: axis(o.xTitle),
    yaxis: axis(o.yTitle),
  };
}

/** Format a number compactly for labels (3 significant digits, no exponent for ordinary sizes). */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}
