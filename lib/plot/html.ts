// HTML pieces shared by inline display and static export: the plotly.js bundle as an inline
// script that survives RequireJS, and a plot <div> with the script that draws into it.
import { readFileSync } from "fs";
import type { Figure } from "./types";

/** Class on every plot div (browser tests and the gallery look for it). */
export const PLOT_CLASS = "vaelab-plot";
/** Attribute set on a plot div once Plotly.newPlot has resolved. */
export const RENDERED_ATTR = "data-vaelab-rendered";

/** Path of the installed plotly.js bundle (plotly.js-dist-min, 4.5 MB). */
export function plotlyBundlePath(): string {
  try {
    return require.resolve("plotly.js-dist-min/plotly.min.js");
  } catch {
    throw new Error("plot/html: plotly.js-dist-min is not installed (run npm ci)");
  }
}

let bundleCache: string | null = null;

/** The plotly.js source, read once per process. */
export function plotlyBundleSource(): string {
  if (bundleCache === null) bundleCache = readFileSync(plotlyBundlePath(), "utf8");
  return bundleCache;
}

/** Make text safe inside an inline <script>: no "</script" or "<!--" can end or confuse it. */
export function escapeScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\u0021--");
}

/**
 * The bundle as one inline <script>, run only if window.Plotly is missing. `define`, `module` and
 * `exports` are shadowed by function parameters so plotly's UMD wrapper does not register an AMD
 * module with the classic Notebook's RequireJS and sets window.Plotly instead.
 */
export function plotlyInlineScript(): string {
  return (
    '<script type="text/javascript">if (!window.Plotly) { (function (define, module, exports, require) {\n' +
    escapeScript(plotlyBundleSource()) +
    "\n}).call(window); }</script>"
  );
}

/** JSON for embedding in a script: typed arrays become arrays, NaN/±Infinity become null (plotly gaps). */
export function figureJson(value: unknown, space?: number): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) =>
      ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v,
    space,
  );
}

/** HTML-escape text for element content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Plotly config of every live plot; `responsive` redraws it when its container changes width. */
export function plotConfig(responsive: boolean): Record<string, unknown> {
  return { displaylogo: false, responsive, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
}

/**
 * Sizing of a plot that fits its container: the div is as wide as its container up to the figure's
 * designed width (a 1600-px grid shrinks in a notebook cell or a gallery card instead of being
 * clipped) and keeps the designed height; the layout drops its width so plotly autosizes to the div.
 */
export function fitSizing(layout: Figure["layout"]): { style: string; layout: Figure["layout"] } {
  const w = typeof layout.width === "number" ? layout.width : 700;
  const h = typeof layout.height === "number" ? layout.height : 450;
  const rest = { ...layout };
  delete rest.width;
  return { style: `width:100%;max-width:${w}px;height:${h}px`, layout: { ...rest, height: h, autosize: true } };
}

export interface PlotDivOptions {
  /**
   * Fit the container (default true: notebook output). False draws at the designed size, as the
   * exported pages do, so their PNG/SVG/PDF keep the figure's full size.
   */
  fit?: boolean;
}

/**
 * A plot div plus the script that draws `fig` into it. The script waits (up to ~10 s) for both the
 * div to be attached (the classic Notebook inserts output HTML before attaching it) and window.Plotly,
 * and marks the div with data-vaelab-rendered="1" when drawn.
 */
export function plotDivHtml(fig: Figure, id: string, opts: PlotDivOptions = {}): string {
  const fit = opts.fit ?? true;
  const w = typeof fig.layout.width === "number" ? fig.layout.width : 700;
  const h = typeof fig.layout.height === "number" ? fig.layout.height : 450;
  const title = fig.layout.title?.text ?? "";
  const sized = fit ? fitSizing(fig.layout) : { style: `width:${w}px;min-height:${h}px`, layout: fig.layout };
  fig = { data: fig.data, layout: sized.layout };
  const config = plotConfig(fit);
  const js =
    `(function () {\n` +
    `  var id = ${JSON.stringify(id)}, fig = ${figureJson(fig)}, config = ${JSON.stringify(config)}, tries = 0;\n` +
    `  function draw() {\n` +
    `    var el = document.getElementById(id), P = window.Plotly;\n` +
    `    if (!el || !P) {\n` +
    `      if (tries++ < 200) { setTimeout(draw, 50); return; }\n` +
    `      if (el) el.textContent = "vaelab: plotly.js is not loaded in this page; call resetPlotlyBundle() from lib/plot and re-run the cell (or restart the kernel).";\n` +
    `      return;\n` +
    `    }\n` +
    `    if (el.getAttribute(${JSON.stringify(RENDERED_ATTR)})) return;\n` +
    `    P.newPlot(el, fig.data, fig.layout, config).then(function () { el.setAttribute(${JSON.stringify(RENDERED_ATTR)}, "1"); },\n` +
    `      function (e) { el.textContent = "vaelab: plot failed: " + e; });\n` +
    `  }\n` +
    `  draw();\n` +
    `})();`;
  return (
    `<div id="${escapeHtml(id)}" class="${PLOT_CLASS}" data-title="${escapeHtml(title)}" style="${sized.style}"></div>\n` +
    `<script type="text/javascript">${escapeScript(js)}</script>`
  );
}
