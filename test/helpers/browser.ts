// Headless Chromium (playwright-core with the system Chromium) and a Jupyter Notebook server on loopback, for the
// tests that look at notebooks and plots in a real browser: test/plot/browser.test.ts, layout-browser.test.ts,
// saved-notebook.test.ts and test/runner/jupyter-e2e.test.ts. Each skips in one line where one is missing.
import { ChildProcess, spawn, spawnSync } from "child_process";
import { createServer } from "net";
import { join } from "path";
import type { Browser, BrowserContext } from "playwright-core";
import { findChromium } from "../../lib/plot/index";
import { CHROMIUM_ARGS } from "../../lib/plot/png";

/** The system Chromium, or undefined. */
const chromium = findChromium();
const NO_CHROMIUM = "no Chromium installed";
export const NO_NOTEBOOK = "jupyter notebook is not installed (apt-get install jupyter-notebook)";

/** Whether `cmd args` runs and exits 0. */
export function commandRuns(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return !r.error && r.status === 0;
}

let notebookOk: boolean | undefined;
/** Whether Jupyter's notebook server is installed (asked once: `jupyter notebook --version` takes a second). */
export function jupyterNotebookOk(): boolean {
  return (notebookOk ??= commandRuns("jupyter", ["notebook", "--version"]));
}

/** A test's `skip`: false, or why not (Jupyter's notebook server first when the test needs it, then Chromium). */
export function browserSkip(opts: { notebook?: boolean } = {}): string | false {
  if (opts.notebook && !jupyterNotebookOk()) return NO_NOTEBOOK;
  return chromium ? false : NO_CHROMIUM;
}

function chromiumPath(): string {
  if (!chromium) throw new Error(`${NO_CHROMIUM} (the test should have skipped)`);
  return chromium;
}

/** Headless Chromium with the project's launch flags. */
export async function launchChromium(): Promise<Browser> {
  const { chromium: pw } = await import("playwright-core");
  return pw.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS] });
}

/** An offline Chromium context for file:// pages, its profile in `dir`/profile. */
export async function offlineContext(
  dir: string,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  const { chromium: pw } = await import("playwright-core");
  return pw.launchPersistentContext(join(dir, "profile"), {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS],
    offline: true,
    ...opts,
  });
}

/** A TCP port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/**
 * Polls `cond` every 300 ms until it is true (a throw counts as false); after `timeoutMs` throws naming `what`
 * (a function: said as it is then, e.g. a log's tail).
 */
export async function waitFor(
  cond: () => Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export interface NotebookServer {
  port: number;
  /** http://127.0.0.1:port/`path` with the token. */
  url(path: string): string;
  /** What the server wrote so far (stdout and stderr). */
  log(): string;
}

/**
 * A Jupyter Notebook server serving `root` on a free loopback port (started in `root`, with `env` and `args` added
 * to its command line; up within 60 s) and a headless Chromium. `close()` closes the browser and stops the server.
 */
export async function notebookServerAndBrowser(o: {
  root: string;
  env: NodeJS.ProcessEnv;
  token: string;
  args?: string[];
}): Promise<{ server: NotebookServer; browser: Browser; close(): Promise<void> }> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    "jupyter",
    [
      "notebook",
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      `--NotebookApp.token=${o.token}`,
      `--notebook-dir=${o.root}`,
      ...(o.args ?? []),
      // CI containers run as root, which Jupyter refuses without this
      ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
    ],
    { cwd: o.root, env: o.env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  proc.stdout!.on("data", (d) => (log += d));
  proc.stderr!.on("data", (d) => (log += d));
  const server: NotebookServer = {
    port,
    url: (path) => `http://127.0.0.1:${port}/${path}${path.includes("?") ? "&" : "?"}token=${o.token}`,
    log: () => log,
  };
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    try {
      process.kill(-proc.pid!, "SIGTERM"); // the server's process group: its kernels too
    } catch {
      /* already gone */
    }
  };
  try {
    browser = await launchChromium();
    await waitFor(
      async () => (await fetch(server.url("api"))).ok,
      60_000,
      () => `the notebook server (log: ${log.slice(-800)})`,
    );
    return { server, browser, close };
  } catch (e) {
    await close();
    throw e;
  }
}
