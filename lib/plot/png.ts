// PNG (and SVG, PDF) renderings of exported figure pages with a headless Chromium driven by
// playwright-core. One browser serves a whole batch (launching costs about a second; CI has 2 cores).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { pathToFileURL } from "url";
import { PLOT_CLASS, RENDERED_ATTR } from "./html";

export interface PngOptions {
  /** Chromium executable; default env VAELAB_CHROMIUM, then /usr/bin/chromium and friends. */
  chromium?: string;
  /** Per-page time limit for plots to render, ms (default 30000). */
  timeoutMs?: number;
  /** Device pixel ratio of the screenshot (default 2, crisp on screens and in print). */
  scale?: number;
  /** No console line when Chromium is missing. */
  quiet?: boolean;
  /** Also write <x>.svg: the page's plots as vector graphics, stacked (default false). */
  svg?: boolean;
  /** Also write <x>.pdf: that SVG printed on a page of its size (default false). */
  pdf?: boolean;
}

export interface PngResult {
  html: string;
  /** Path of the written PNG, or null when skipped or failed. */
  png: string | null;
  /** Paths of the written SVG and PDF when asked for, else null. */
  svg?: string | null;
  pdf?: string | null;
  /** Why there is no PNG. */
  note?: string;
}

/**
 * Launch flags: headless, sandbox-free (containers), no first-run UI, and no network at all. Despite the
 * --disable-* flags, Chromium's own services (Debian's build: network time at clients2.google.com, the update client
 * at update.googleapis.com, accounts.google.com) looked up their hosts in DNS at every launch. The host-resolver rule
 * makes every host name and IP literal "not found" without a query, so nothing leaves the machine; loopback stays
 * reachable (the Jupyter browser test). Those services can only be switched off by --disable-features, and a second
 * --disable-features would replace Playwright's own list (Chromium keeps the last). test/plot/png-network.test.ts.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
];

/** The Chromium to use, or null if none is installed. An explicit path must exist. */
export function findChromium(explicit?: string): string | null {
  const given = explicit ?? process.env.VAELAB_CHROMIUM;
  if (given) return existsSync(given) ? given : null;
  for (const p of [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
  ]) {
    if (existsSync(p)) return p;
  }
  return null;
}

// The slice of playwright-core we use, typed here so that lib/ does not depend on its .d.ts files.
interface PwElement {
  screenshot(o: { path: string; animations?: string }): Promise<unknown>;
}
interface PwPage {
  goto(url: string, o: { waitUntil: string; timeout: number }): Promise<unknown>;
  evaluate(expr: string): Promise<unknown>;
  setContent(html: string, o: { waitUntil: string; timeout: number }): Promise<void>;
  pdf(o: {
    path: string;
    width: string;
    height: string;
    printBackground: boolean;
    pageRanges: string;
  }): Promise<unknown>;
  waitForFunction(expr: string, arg: undefined, o: { timeout: number }): Promise<unknown>;
  $(sel: string): Promise<PwElement | null>;
  close(): Promise<void>;
}
interface PwContext {
  newPage(): Promise<PwPage>;
  close(): Promise<void>;
}
interface PwChromium {
  launchPersistentContext(dir: string, o: Record<string, unknown>): Promise<PwContext>;
}

const ALL_PLOTS_DRAWN =
  `Array.from(document.querySelectorAll(".${PLOT_CLASS}")).every(function (d) {` +
  ` return d.getAttribute("${RENDERED_ATTR}") === "1" && d.querySelector("svg.main-svg") !== null; })`;

/**
 * Every plot of the page as one SVG: plotly's own SVG of each (Plotly.toImage at its drawn size),
 * stacked top to bottom. Evaluates to {svg, width, height}.
 */
const PAGE_SVG = `(async function () {
  var divs = Array.from(document.querySelectorAll(".${PLOT_CLASS}")), parts = [], y = 0, w = 0;
  for (var i = 0; i < divs.length; i++) {
    var L = divs[i]._fullLayout;
    var svg = await Plotly.toImage(divs[i], { format: "svg", width: L.width, height: L.height, imageDataOnly: true });
    parts.push(svg.replace(/^<svg /, '<svg x="0" y="' + y + '" '));
    y += L.height; w = Math.max(w, L.width);
  }
  if (parts.length === 1) return { svg: parts[0], width: w, height: y };
  return { width: w, height: y, svg: '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="' + w +
    '" height="' + y + '" viewBox="0 0 ' + w + " " + y + '">' + parts.join("") + "</svg>" };
})()`;

/** The element to photograph: the plots section, else the whole page body. */
const SHOT_SELECTORS = ["#plots", "main", "body"];

/** Write <x>.svg and/or <x>.pdf of the drawn page (after its PNG: the PDF replaces the page's content). */
async function writeVector(
  page: PwPage,
  html: string,
  opts: PngOptions,
  timeout: number,
): Promise<{ svg?: string | null; pdf?: string | null }> {
  const base = html.replace(/\.html?$/i, "");
  const { svg, width, height } = (await page.evaluate(PAGE_SVG)) as { svg: string; width: number; height: number };
  const res: { svg?: string | null; pdf?: string | null } = {};
  if (opts.svg) writeFileSync((res.svg = `${base}.svg`), svg);
  if (opts.pdf) {
    await page.setContent(
      `<!doctype html><html><head><meta charset="utf-8"><style>@page { size: ${width}px ${height}px; margin: 0 } ` +
        `html, body { margin: 0 } svg { display: block }</style></head><body>${svg}</body></html>`,
      { waitUntil: "load", timeout },
    );
    res.pdf = `${base}.pdf`;
    await page.pdf({
      path: res.pdf,
      width: `${width}px`,
      height: `${height}px`,
      printBackground: true,
      pageRanges: "1",
    });
  }
  return res;
}

/**
 * Render each exported page `<x>.html` to `<x>.png` (same folder) with one browser. The page is shot
 * once every `.vaelab-plot` div has been drawn (data-vaelab-rendered and an SVG inside). Without
 * Chromium (or playwright-core) nothing is written and each result carries a note; never throws for that.
 * With opts.svg / opts.pdf the same drawn page also gives <x>.svg and <x>.pdf.
 */
export async function exportPngs(htmlFiles: readonly string[], opts: PngOptions = {}): Promise<PngResult[]> {
  if (htmlFiles.length === 0) return [];
  const skip = (note: string): PngResult[] => {
    if (!opts.quiet) console.log(`vaelab: PNG export skipped: ${note}`);
    return htmlFiles.map((html) => ({ html, png: null, note }));
  };
  const exe = findChromium(opts.chromium);
  if (!exe) return skip("no Chromium found (set VAELAB_CHROMIUM or install chromium)");
  let chromium: PwChromium;
  try {
    chromium = (require("playwright-core") as { chromium: PwChromium }).chromium;
  } catch {
    return skip("playwright-core is not installed (npm install)");
  }
  const userDataDir = mkdtempSync(join(tmpdir(), "vaelab-chromium-"));
  const timeout = opts.timeoutMs ?? 30000;
  let ctx: PwContext | null = null;
  try {
    ctx = await chromium.launchPersistentContext(userDataDir, {
      executablePath: exe,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1800, height: 1000 },
      deviceScaleFactor: opts.scale ?? 2,
      offline: true,
    });
    const out: PngResult[] = [];
    for (const html of htmlFiles) {
      const png = html.replace(/\.html?$/i, "") + ".png";
      const page = await ctx.newPage();
      try {
        await page.goto(pathToFileURL(html).href, { waitUntil: "load", timeout });
        // a string, not a function: transpilers (tsx, tslab) may add helpers the page does not have
        await page.waitForFunction(ALL_PLOTS_DRAWN, undefined, { timeout });
        let el: PwElement | null = null;
        for (const sel of SHOT_SELECTORS) if ((el = await page.$(sel))) break;
        if (!el) throw new Error("page has no body");
        await el.screenshot({ path: png, animations: "disabled" });
        let vector: { svg?: string | null; pdf?: string | null; note?: string } = {};
        if (opts.svg || opts.pdf) {
          // a failed SVG/PDF keeps the PNG
          vector = await writeVector(page, html, opts, timeout).catch((e: Error) => {
            const note = `SVG/PDF of ${html} failed: ${e.message.split("\n")[0]}`;
            if (!opts.quiet) console.log(`vaelab: ${note}`);
            return { svg: null, pdf: null, note };
          });
        }
        out.push({ html, png, ...vector });
      } catch (e) {
        const note = `PNG of ${html} failed: ${(e as Error).message.split("\n")[0]}`;
        if (!opts.quiet) console.log(`vaelab: ${note}`);
        out.push({ html, png: null, note });
      } finally {
        await page.close();
      }
    }
    return out;
  } catch (e) {
    return skip(`Chromium at ${exe} did not start: ${(e as Error).message.split("\n")[0]}`);
  } finally {
    if (ctx) await ctx.close().catch(() => undefined);
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
