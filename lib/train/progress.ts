// Progress display. In a terminal: one line rewritten with \r (step, epoch, loss, ETA). Inside a tslab
// notebook: one display updated in place via tslab's newDisplay(). Elsewhere (logs, CI): a plain line
// every ~10% of the run.
//
// Detecting the kernel: tslab's executor sets globalThis.__tslab__ = {exports, require}, where that
// `require` hooks "tslab" to the kernel's own module (whose display functions talk to the live
// kernel); a plain require("tslab") outside a kernel would give a module whose displays throw
// "Not ready". So we use __tslab__.require when present and fall back to the terminal if the
// display cannot be written.

export interface ProgressInfo {
  /** Completed steps. */
  step: number;
  total: number;
  epoch: number;
  loss: number;
  /** Extra numbers to show (e.g. rate, beta). */
  extra?: Record<string, number>;
  elapsedMs: number;
  /** Milliseconds per step over the steps run in this call. */
  msPerStep: number;
}

export interface ProgressSink {
  update(p: ProgressInfo): void;
  /** Final state (or the error that stopped training). */
  done(p: ProgressInfo, message?: string): void;
}

export type ProgressMode = "auto" | "terminal" | "notebook" | "log" | "none";

/** The subset of tslab's Display we use. */
export interface TslabDisplay {
  html(s: string): void;
  text(s: string): void;
}

interface TslabModule {
  newDisplay(): TslabDisplay;
}

/** The live kernel's tslab module, or null when not running inside a tslab kernel. */
export function tslabKernel(): TslabModule | null {
  const hook = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  if (!hook || typeof hook.require !== "function") return null;
  try {
    const m = hook.require("tslab") as Partial<TslabModule> | null;
    return m && typeof m.newDisplay === "function" ? (m as TslabModule) : null;
  } catch {
    return null;
  }
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(3) : x.toFixed(a >= 100 ? 1 : 4);
}

/** "step 120/1000 (12%) · epoch 3 · loss 12.3456 · rate 2.1 · 4.1 ms/step · ETA 3s". */
export function progressLine(p: ProgressInfo, label = ""): string {
  const pct = p.total > 0 ? Math.floor((100 * p.step) / p.total) : 100;
  const extra = Object.entries(p.extra ?? {}).map(([k, v]) => `${k} ${fmtNum(v)}`);
  const eta = p.msPerStep * Math.max(0, p.total - p.step);
  return [
    `${label ? label + " " : ""}step ${p.step}/${p.total} (${pct}%)`,
    `epoch ${p.epoch}`,
    `loss ${fmtNum(p.loss)}`,
    ...extra,
    `${p.msPerStep.toFixed(1)} ms/step`,
    p.step >= p.total ? `took ${formatDuration(p.elapsedMs)}` : `ETA ${formatDuration(eta)}`,
  ].join(" · ");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The loss (and rate, when the run reports one) seen so far, drawn as small inline SVG line charts beside the
 * progress bar: plain SVG, no script, so it shows in untrusted and reopened notebooks too. At most `maxPoints`
 * points are kept (every other one is dropped when full), so a long run costs a constant amount.
 */
export class CurveHistory {
  private steps: number[] = [];
  private series: Record<string, number[]> = {};
  constructor(private readonly maxPoints = 200) {}

  add(p: ProgressInfo): void {
    if (this.steps.length > 0 && p.step <= this.steps[this.steps.length - 1]) return;
    const values: Record<string, number> = { loss: p.loss };
    if (p.extra && Number.isFinite(p.extra.rate)) values.rate = p.extra.rate;
    this.steps.push(p.step);
    for (const [k, v] of Object.entries(values))
      (this.series[k] ??= new Array(this.steps.length - 1).fill(NaN)).push(v);
    for (const k of Object.keys(this.series)) if (this.series[k].length < this.steps.length) this.series[k].push(NaN);
    if (this.steps.length > this.maxPoints) {
      const keep = (_: number, i: number) => i % 2 === 0 || i === this.steps.length - 1;
      this.steps = this.steps.filter(keep);
      for (const k of Object.keys(this.series)) this.series[k] = this.series[k].filter(keep);
    }
  }

  /** One chart per series ("" until two points exist). */
  svg(): string {
    if (this.steps.length < 2) return "";
    const charts = Object.entries(this.series).map(([name, v]) => sparklineSvg(this.steps, v, name));
    return `<div style="margin-top:2px">${charts.join(" ")}</div>`;
  }
}

/** A 220 × 48 px line chart of (x, y) with its name and last value; non-finite points are skipped. */
export function sparklineSvg(x: number[], y: number[], name: string, width = 220, height = 48): string {
  const pts = x.map((xi, i) => [xi, y[i]] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pts.length < 2) return "";
  const xs = pts.map((p) => p[0]),
    ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs),
    x1 = Math.max(...xs),
    y0 = Math.min(...ys),
    y1 = Math.max(...ys);
  const pad = 14; // room for the label line at the top
  const sx = (v: number) => (x1 > x0 ? ((v - x0) / (x1 - x0)) * (width - 2) + 1 : width / 2);
  const sy = (v: number) => (y1 > y0 ? height - 2 - ((v - y0) / (y1 - y0)) * (height - pad - 3) : (height + pad) / 2);
  const line = pts.map(([a, b]) => `${sx(a).toFixed(1)},${sy(b).toFixed(1)}`).join(" ");
  const lastY = ys[ys.length - 1];
  return (
    `<svg width="${width}" height="${height}" style="vertical-align:top;background:#fafafa;border:1px solid #ddd">` +
    `<text x="3" y="10" font-size="10" fill="#555">${escapeHtml(name)} ${fmtNum(lastY)} (${fmtNum(y0)} … ${fmtNum(y1)})</text>` +
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.2" points="${line}"/></svg>`
  );
}

/**
 * A single in-place notebook display. The first write happens in createProgress (which falls back to the
 * terminal if it throws). Later writes never throw: tslab sends display updates on its iopub ZeroMQ socket
 * without waiting, and when the previous send has not finished (a busy machine, a slow client) zeromq throws
 * "Socket is busy writing" — which used to abort training several minutes into a run. A failed update is
 * dropped (the next one shows the state); a failed final write is retried a few times on a timer.
 */
export function notebookProgress(display: TslabDisplay, label = "", minIntervalMs = 250): ProgressSink {
  let last = -Infinity;
  const curves = new CurveHistory();
  const html = (p: ProgressInfo, message?: string) => {
    const pct = p.total > 0 ? Math.min(100, (100 * p.step) / p.total) : 100;
    curves.add(p);
    return (
      `<div style="font-family:monospace;font-size:12px"><progress value="${pct.toFixed(1)}" max="100" style="width:240px;vertical-align:middle"></progress> ` +
      `${escapeHtml(progressLine(p, label))}${message ? `<br>${escapeHtml(message)}` : ""}${curves.svg()}</div>`
    );
  };
  const tryWrite = (s: string): boolean => {
    try {
      display.html(s);
      return true;
    } catch {
      return false;
    }
  };
  return {
    update(p) {
      const now = Date.now();
      if (now - last < minIntervalMs) return;
      last = now;
      tryWrite(html(p));
    },
    done(p, message) {
      const s = html(p, message);
      if (tryWrite(s)) return;
      let tries = 0;
      const retry = () => {
        if (!tryWrite(s) && ++tries < 5) setTimeout(retry, 100).unref?.();
      };
      setTimeout(retry, 50).unref?.();
    },
  };
}

/** One terminal line rewritten with \r (a TTY), throttled. */
export function terminalProgress(
  stream: NodeJS.WriteStream = process.stderr,
  label = "",
  minIntervalMs = 100,
): ProgressSink {
  let last = -Infinity;
  let width = 0;
  const write = (line: string, end: string) => {
    const pad = Math.max(0, width - line.length);
    width = line.length;
    stream.write(`\r${line}${" ".repeat(pad)}${end}`);
  };
  return {
    update(p) {
      const now = Date.now();
      if (now - last < minIntervalMs) return;
      last = now;
      write(progressLine(p, label), "");
    },
    done(p, message) {
      write(progressLine(p, label), "\n");
      if (message) stream.write(message + "\n");
    },
  };
}

/** Plain lines at ~every 10% (for logs that do not interpret \r). */
export function logProgress(
  write: (s: string) => void = (s) => process.stderr.write(s + "\n"),
  label = "",
): ProgressSink {
  let nextPct = 10;
  return {
    update(p) {
      const pct = p.total > 0 ? (100 * p.step) / p.total : 100;
      if (pct >= nextPct) {
        nextPct = Math.floor(pct / 10) * 10 + 10;
        write(progressLine(p, label));
      }
    },
    done(p, message) {
      write(progressLine(p, label) + (message ? ` — ${message}` : ""));
    },
  };
}

const silent: ProgressSink = { update() {}, done() {} };

/**
 * A progress sink for `mode`: "auto" picks the notebook display inside a tslab kernel, else \r
 * updates on a TTY, else periodic log lines. "none" shows nothing.
 */
export function createProgress(mode: ProgressMode | ProgressSink = "auto", label = ""): ProgressSink {
  if (typeof mode === "object") return mode;
  if (mode === "none") return silent;
  if (mode === "notebook" || mode === "auto") {
    const kernel = tslabKernel();
    if (kernel) {
      try {
        const display = kernel.newDisplay();
        display.text(label ? `${label}: starting…` : "starting…"); // throws if the kernel is not live
        return notebookProgress(display, label);
      } catch {
        /* not a live kernel: fall through to the terminal */
      }
    }
  }
  if (mode === "log") return logProgress(undefined, label);
  if (process.stderr.isTTY) return terminalProgress(process.stderr, label);
  return logProgress(undefined, label);
}
