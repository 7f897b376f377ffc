// Inline display of a figure under tslab. Every output draws on its own: its script uses window.Plotly,
// and when the page has none (a reloaded page, a reopened notebook, a re-run after the bundle was sent)
// fetches plotly.js from the Jupyter server (lib/plot/html.ts, loaderJs); where it cannot, the output shows
// the figure's text summary and how to get the live plot. The first output per kernel process still
// carries the whole bundle inline: that is what makes an executed copy (npm run nb starts a fresh kernel,
// so its first plot has it) draw with no server at all, in `jupyter nbconvert --to html`, VS Code or any
// other viewer; later outputs stay small. Outside a kernel, show() prints one line.
import type { Figure } from "./types";
import { plotDivHtml, plotlyInlineScript } from "./html";

/** A Jupyter mime bundle: several representations of one output. */
export type MimeBundle = Record<string, string>;

/**
 * Where show() sends outputs: one call is one display_data message. Injectable for tests.
 * Returning false means "could not display" (show() then prints its one-line summary instead).
 */
export interface DisplaySink {
  display(bundle: MimeBundle): void | boolean;
}

export interface ShowOptions {
  /** Output sink (default: the live tslab kernel, else the console). */
  sink?: DisplaySink;
  /** Div id (default vaelab-plot-<session>-<n>, unique per kernel process). */
  id?: string;
}

/** The part of tslab's Display we use. */
export interface TslabLikeDisplay {
  html(s: string): void;
  raw?(contentType: string, s: string): void;
}

interface PlotState {
  /** Sinks that have received the plotly bundle. */
  sent: WeakSet<object>;
  counter: number;
  session: string;
  kernel: DisplaySink | null | undefined;
}

// Kept on globalThis: tslab re-evaluates library modules when cells re-import them, and the
// "bundle already sent" flag must survive that within one kernel process.
const STATE_KEY = "__vaelabPlotState__";
function state(): PlotState {
  const g = globalThis as unknown as Record<string, PlotState | undefined>;
  let s = g[STATE_KEY];
  if (!s) {
    s = {
      sent: new WeakSet<object>(),
      counter: 0,
      session: process.pid.toString(36) + Date.now().toString(36).slice(-4),
      kernel: undefined,
    };
    g[STATE_KEY] = s;
  }
  return s;
}

/** Adapt a tslab-style display ({html, raw}) to a sink; only text/html is sent (one mime per message). */
export function sinkFromTslabDisplay(d: TslabLikeDisplay): DisplaySink {
  return {
    display(bundle: MimeBundle): boolean {
      if (bundle["text/html"] !== undefined) d.html(bundle["text/html"]);
      else if (bundle["text/plain"] !== undefined && d.raw) d.raw("text/plain", bundle["text/plain"]);
      else return false;
      return true;
    },
  };
}

type WriteDisplayData = (
  msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/**
 * The live tslab kernel's display, or null outside a kernel. Inside tslab, `require("tslab")` from code
 * the kernel compiled (notebook cells and the lib files they import) returns the kernel's own tslab
 * module, and its sibling dist/jupyter.js holds `lastWriteDisplayData` once the Jupyter server has
 * received an execute request (an executor driven without Jupyter leaves it null: then we print). We write through it directly so one message
 * carries both text/html and text/plain; if that is unreachable we fall back to tslab's display.html.
 */
export function kernelSink(): DisplaySink | null {
  const st = state();
  if (st.kernel !== undefined) return st.kernel;
  st.kernel = findKernelSink();
  return st.kernel;
}

function findKernelSink(): DisplaySink | null {
  // tslab's executor sets globalThis.__tslab__ when the kernel starts; without it we are in a plain
  // node/tsx process (and need not load tslab, which pulls in a whole TypeScript compiler).
  if ((globalThis as unknown as Record<string, unknown>).__tslab__ === undefined) return null;
  let pub: { display?: TslabLikeDisplay } | undefined;
  try {
    pub = require("tslab");
  } catch {
    return null;
  }
  if (!pub) return null;
  const cache = require.cache as Record<string, NodeModule | undefined>;
  const self = Object.values(cache).find((m) => m !== undefined && m.exports === pub);
  const jupyterPath = self ? self.filename.replace(/public\.js$/, "jupyter.js") : "";
  const jup = cache[jupyterPath]?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined;
  const display = pub.display;
  return {
    display(bundle: MimeBundle): boolean {
      // read the writer at call time: tslab replaces it on every execute request
      const write = jup?.lastWriteDisplayData;
      if (typeof write === "function") {
        write({ data: bundle, metadata: {}, transient: {} }, false);
        return true;
      }
      if (display && bundle["text/html"] !== undefined) {
        try {
          display.html(bundle["text/html"]);
          return true;
        } catch {
          return false; // "Not ready": executor without a Jupyter connection
        }
      }
      return false;
    },
  };
}

/** Next div id, unique within this process (and, via the session token, across kernels on one page). */
export function nextPlotId(): string {
  const st = state();
  st.counter += 1;
  return `vaelab-plot-${st.session}-${st.counter}`;
}

/**
 * Forget that `sink` (default: the kernel) has the plotly bundle, so that the next output embeds it again,
 * e.g. after clearing all outputs of a notebook that must draw without a Jupyter server.
 */
export function resetPlotlyBundle(sink?: DisplaySink): void {
  const s = sink ?? kernelSink();
  if (s) state().sent.delete(s);
}

function axisTitle(fig: Figure, key: "xaxis" | "yaxis"): string | undefined {
  return fig.layout[key]?.title?.text;
}

/** One line describing a figure: title, traces by type, axis titles. */
export function figureSummary(fig: Figure): string {
  const counts = new Map<string, number>();
  for (const t of fig.data) counts.set(t.type, (counts.get(t.type) ?? 0) + 1);
  const kinds = [...counts].map(([k, c]) => (c > 1 ? `${k}×${c}` : k)).join(", ");
  const title = fig.layout.title?.text;
  const x = axisTitle(fig, "xaxis"),
    y = axisTitle(fig, "yaxis");
  return (
    `plot${title ? ` "${title}"` : ""}: ${fig.data.length} trace${fig.data.length === 1 ? "" : "s"} (${kinds})` +
    (x ? `; x: ${x}` : "") +
    (y ? `; y: ${y}` : "")
  );
}

function numericRange(v: unknown): string {
  if (!Array.isArray(v)) return "";
  const nums = (v as unknown[]).filter((a): a is number => typeof a === "number" && Number.isFinite(a));
  if (nums.length === 0) return `${v.length} value${v.length === 1 ? "" : "s"}`;
  if (v.length === 1) return `${Number(nums[0].toPrecision(4))}`;
  let lo = Infinity,
    hi = -Infinity;
  for (const a of nums) {
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  return `${v.length} values in [${Number(lo.toPrecision(4))}, ${Number(hi.toPrecision(4))}]`;
}

/** Plain-text rendering for front ends without HTML: the summary and one line per named trace. */
export function figureText(fig: Figure): string {
  const lines = [figureSummary(fig)];
  for (const t of fig.data) {
    if (t.showlegend === false && !t.name) continue;
    const parts = [`  - ${t.type}${t.name ? ` "${t.name}"` : ""}`];
    if (t.x) parts.push(`x: ${numericRange(t.x)}`);
    if (t.y) parts.push(`y: ${numericRange(t.y)}`);
    if (t.z) parts.push(`z: ${t.z.length} rows`);
    lines.push(parts.join("; "));
  }
  return lines.join("\n");
}

/**
 * Display a figure inline. In a tslab kernel: one display_data with text/html (div, text fallback and
 * draw script, preceded by the plotly bundle the first time per sink) and text/plain. Outside a kernel: prints
 * figureSummary() and returns. Returns nothing so that a trailing `show(fig)` prints no value.
 */
export function show(fig: Figure, opts: ShowOptions = {}): void {
  if (!fig || !Array.isArray(fig.data) || typeof fig.layout !== "object" || fig.layout === null) {
    throw new Error("plot/show: expected a figure {data: [...], layout: {...}}");
  }
  const sink = opts.sink ?? kernelSink();
  if (!sink) {
    console.log(`vaelab ${figureSummary(fig)}`);
    return;
  }
  const st = state();
  const id = opts.id ?? nextPlotId();
  const first = !st.sent.has(sink);
  const text = figureText(fig);
  const html = (first ? plotlyInlineScript() + "\n" : "") + plotDivHtml(fig, id, { text });
  const shown = sink.display({ "text/html": html, "text/plain": text });
  if (shown === false) {
    console.log(`vaelab ${figureSummary(fig)}`);
    return;
  }
  st.sent.add(sink);
}

/**
 * Display an HTML fragment (e.g. a table) inline with a plain-text fallback; outside a kernel, prints the
 * text. Used for tables and claims, which are not plotly figures.
 */
export function showHtml(html: string, text: string, opts: { sink?: DisplaySink } = {}): void {
  const sink = opts.sink ?? kernelSink();
  if (!sink || sink.display({ "text/html": html, "text/plain": text }) === false) console.log(text);
}
