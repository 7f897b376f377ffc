// PNG renderings of exported figure pages with a headless Chromium driven by playwright-core.
// One browser serves a whole batch (launching costs about a second; CI has 2 cores).
import { existsSync, mkdtempSync, rmSync } from "fs";
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
}

export interface PngResult {
  html: string;
  /** Path of the written PNG, or null when skipped or failed. */
  png: string | null;
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

/** The element to photograph: the plots section, else the whole page body. */
const SHOT_SELECTORS = ["#plots", "main", "body"];

/**
 * Render each exported page `<x>.html` to `<x>.png` (same folder) with one browser. The page is shot
 * once every `.vaelab-plot` div has been drawn (data-vaelab-rendered and an SVG inside). Without
 * Chromium (or playwright-core) nothing is written and each result carries a note; never throws for that.
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
        out.push({ html, png });
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
