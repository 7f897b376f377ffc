// HTML pieces shared by inline display and static export: the plotly.js bundle as an inline
// script that survives RequireJS, and a plot <div> with the script that draws into it.
import { readFileSync } from "fs";
import type { Figure } from "./types";

/** Class on every plot div (browser tests and the gallery look for it). */
export const PLOT_CLASS = "vaelab-plot";
/** Class on the text fallback shown in place of a plot that cannot be drawn. */
export const PLOT_TEXT_CLASS = "vaelab-plot-text";
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

/** File name under which Jupyter serves plotly.js from the kernelspec folder (runner/kernelspec.ts links it). */
export const PLOTLY_RESOURCE = "plotly.min.js";
/** The kernelspec whose folder holds that link (= runner/kernelspec KERNEL_NAME; lib/plot does not import the runner). */
export const PLOTLY_KERNEL = "tslab";
/** Where a Jupyter page finds plotly.js, relative to the server's base URL, first found wins. */
export const PLOTLY_PATHS: readonly string[] = [
  // any server on which our kernel is registered (npm run jupyter starts it in notebooks/, outside node_modules)
  `kernelspecs/${PLOTLY_KERNEL}/${PLOTLY_RESOURCE}`,
  // a server started in the repository root
  "files/node_modules/plotly.js-dist-min/plotly.min.js",
];
/** Window property holding the one in-flight (or finished) load of plotly.js, shared by all outputs of a page. */
export const PLOTLY_LOAD_KEY = "__vaelabPlotlyLoad";

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
 * Script text defining loadPlotly(): a promise of window.Plotly. When the page has none (a reloaded page, a
 * saved notebook reopened, a re-run after the kernel already sent the bundle), it fetches the bundle from the
 * Jupyter server serving the page: the classic Notebook puts its base URL on <body data-base-url>, JupyterLab
 * and Notebook 7 in #jupyter-config-data. The source runs with `define`, `module`, `exports` shadowed, as in
 * plotlyInlineScript, so that RequireJS does not capture it. Outside Jupyter (an nbconvert page, a file)
 * there is nothing to load from and the promise rejects with the reason.
 */
function loaderJs(): string {
  return (
    `function loadPlotly() {\n` +
    `  if (window.Plotly) return Promise.resolve(window.Plotly);\n` +
    `  if (window.${PLOTLY_LOAD_KEY}) return window.${PLOTLY_LOAD_KEY};\n` +
    `  var bases = [], urls = [], tried = [];\n` +
    `  if (document.body && document.body.getAttribute("data-base-url")) bases.push(document.body.getAttribute("data-base-url"));\n` +
    `  var cfg = document.getElementById("jupyter-config-data");\n` +
    `  if (cfg) { try { var b = JSON.parse(cfg.textContent).baseUrl; if (b) bases.push(b); } catch (e) {} }\n` +
    `  bases.forEach(function (b) { ${JSON.stringify(PLOTLY_PATHS)}.forEach(function (p) { urls.push(b.replace(/\\/?$/, "/") + p); }); });\n` +
    `  function next() {\n` +
    `    var url = urls.shift();\n` +
    `    if (!url) return Promise.reject(new Error(tried.length ? "could not load plotly.js (" + tried.join("; ") + ")" : "this page has no plotly.js and no Jupyter server to load it from"));\n` +
    `    return fetch(url, { credentials: "same-origin" }).then(function (r) {\n` +
    `      if (!r.ok) throw new Error("HTTP " + r.status);\n` +
    `      return r.text();\n` +
    `    }).then(function (src) {\n` +
    `      var s = document.createElement("script");\n` +
    `      s.text = "(function (define, module, exports, require) {\\n" + src + "\\n}).call(window);";\n` +
    `      document.head.appendChild(s);\n` +
    `      if (!window.Plotly) throw new Error("it did not define window.Plotly");\n` +
    `      return window.Plotly;\n` +
    `    }).catch(function (e) { tried.push(url + ": " + e.message); return next(); });\n` +
    `  }\n` +
    `  return (window.${PLOTLY_LOAD_KEY} = next());\n` +
    `}\n`
  );
}

/** Shown with the text fallback: how to get the live plot. */
export const LIVE_PLOT_HINT =
  "Text summary shown instead of the plot. For the live plot open the notebook with `npm run jupyter`, " +
  "trusted (File > Trust Notebook, or run it with `npm run nb`, which signs it), or re-run the cell.";

/**
 * A plot div, its text fallback, and the script that draws `fig` into the div. The fallback (`text`, the
 * figure's text summary in notebooks, and LIVE_PLOT_HINT; none on exported pages, which list the data) is
 * visible as long as no script runs: an untrusted notebook, whose scripts Jupyter strips, shows it instead
 * of a blank box. The script hides it, waits (up to ~10 s) for the div to be attached (the classic Notebook
 * inserts output HTML before attaching it), draws with window.Plotly (loading it first if the page has none,
 * see loaderJs), marks the div with data-vaelab-rendered="1", and shows the fallback again with the reason
 * when plotly cannot be had.
 */
export function plotDivHtml(fig: Figure, id: string, opts: PlotDivOptions & { text?: string } = {}): string {
  const fit = opts.fit ?? true;
  const w = typeof fig.layout.width === "number" ? fig.layout.width : 700;
  const h = typeof fig.layout.height === "number" ? fig.layout.height : 450;
  const title = fig.layout.title?.text ?? "";
  const sized = fit ? fitSizing(fig.layout) : { style: `width:${w}px;min-height:${h}px`, layout: fig.layout };
  fig = { data: fig.data, layout: sized.layout };
  const config = plotConfig(fit);
  const textId = `${id}-text`;
  const js =
    `(function () {\n` +
    `  var id = ${JSON.stringify(id)}, fig = ${figureJson(fig)}, config = ${JSON.stringify(config)}, tries = 0;\n` +
    loaderJs() +
    `  function fallback(el, why) {\n` +
    `    var t = document.getElementById(${JSON.stringify(textId)});\n` +
    `    el.style.minHeight = "";\n` +
    `    if (t) { t.style.display = ""; t.lastChild.textContent = "vaelab: no live plot here: " + why + ". " + ${JSON.stringify(LIVE_PLOT_HINT)}; }\n` +
    `    else el.textContent = "vaelab: plot not drawn: " + why;\n` +
    `  }\n` +
    `  function draw() {\n` +
    `    var el = document.getElementById(id);\n` +
    `    if (!el) { if (tries++ < 200) setTimeout(draw, 50); return; }\n` +
    `    if (el.getAttribute(${JSON.stringify(RENDERED_ATTR)})) return;\n` +
    `    var t = document.getElementById(${JSON.stringify(textId)});\n` +
    `    if (t) t.style.display = "none";\n` +
    `    el.style.minHeight = "${h}px";\n` +
    `    loadPlotly().then(function (P) { return P.newPlot(el, fig.data, fig.layout, config); }).then(\n` +
    `      function () { el.setAttribute(${JSON.stringify(RENDERED_ATTR)}, "1"); },\n` +
    `      function (e) { fallback(el, e && e.message ? e.message : String(e)); });\n` +
    `  }\n` +
    `  draw();\n` +
    `})();`;
  return (
    `<div id="${escapeHtml(id)}" class="${PLOT_CLASS}" data-title="${escapeHtml(title)}" style="${sized.style}"></div>\n` +
    (opts.text
      ? `<pre id="${escapeHtml(textId)}" class="${PLOT_TEXT_CLASS}">${escapeHtml(opts.text)}\n<span>${escapeHtml(LIVE_PLOT_HINT)}</span></pre>\n`
      : "") +
    `<script type="text/javascript">${escapeScript(js)}</script>`
  );
}
