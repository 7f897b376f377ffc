// Registering the project's own tslab as a Jupyter kernel without global installs: a kernelspec in
// a project-local Jupyter data folder, found by Jupyter through JUPYTER_PATH.
import { spawnSync } from "child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { delimiter, dirname, join, resolve } from "path";
import { tslabBinPath } from "./kernel-client";
import { defaultJupyterDataDir, REPO_ROOT } from "../engine/paths";
import { plotlyBundlePath, PLOTLY_RESOURCE } from "../plot/html";

/**
 * Kernel name. It matches the notebooks' metadata.kernelspec.name ("tslab"), so Jupyter started
 * with our JUPYTER_PATH opens them on this kernel without asking (JUPYTER_PATH wins over user and
 * system kernels of the same name).
 */
export const KERNEL_NAME = "tslab";
export const KERNEL_DISPLAY_NAME = "TypeScript (vaelab tslab)";

/** File name of the preload script written next to kernel.json. */
export const CWD_PRELOAD = "project-cwd.js";

/**
 * Preloaded (node --require) before tslab: Jupyter starts a kernel in the notebook's folder, but tslab
 * compiles local .ts imports only below its working directory, so move up to the project root, the
 * same rule as kernelCwdFor (below), which the headless runner uses.
 */
const CWD_PRELOAD_SOURCE = `// Written by vaelab (lib/runner/kernelspec.ts); rewritten by \`npm run kernel:install\`.
// Jupyter starts kernels in the notebook's folder; tslab compiles local imports only below its
// working directory, so run from the project root (nearest folder with a package.json).
"use strict";
const fs = require("fs");
const path = require("path");
for (let d = process.cwd(); ; d = path.dirname(d)) {
  if (fs.existsSync(path.join(d, "package.json"))) {
    process.chdir(d);
    break;
  }
  if (path.dirname(d) === d) break;
}
`;

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal";
  metadata: Record<string, unknown>;
}

/** The kernelspec: this node binary running node_modules/tslab/bin/tslab kernel, from the project root. */
export function kernelSpec(specDir: string): KernelSpec {
  return {
    argv: [
      process.execPath,
      "--require",
      join(specDir, CWD_PRELOAD),
      tslabBinPath(),
      "kernel",
      "--config-path",
      "{connection_file}",
    ],
    display_name: KERNEL_DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { vaelab: { repo: REPO_ROOT } },
  };
}

/**
 * Write <dataDir>/kernels/tslab/kernel.json, its preload script and a link to plotly.js; returns the
 * kernel.json path. Jupyter serves a kernelspec's files at <base>/kernelspecs/tslab/<file> whatever folder
 * it was started in, so plot outputs that find no window.Plotly load it from there (lib/plot/html.ts).
 */
export function writeKernelSpec(dataDir: string = defaultJupyterDataDir()): string {
  const dir = join(resolve(dataDir), "kernels", KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CWD_PRELOAD), CWD_PRELOAD_SOURCE);
  const plotly = join(dir, PLOTLY_RESOURCE);
  rmSync(plotly, { force: true });
  try {
    symlinkSync(plotlyBundlePath(), plotly);
  } catch {
    copyFileSync(plotlyBundlePath(), plotly); // a file system without symlinks
  }
  const path = join(dir, "kernel.json");
  writeFileSync(path, JSON.stringify(kernelSpec(dir), null, 1) + "\n");
  return path;
}

/** JUPYTER_PATH with `dataDir` first, keeping any existing entries after it. */
export function jupyterPathWith(dataDir: string, existing = process.env.JUPYTER_PATH): string {
  return [resolve(dataDir), ...(existing ? existing.split(delimiter).filter((p) => p !== "") : [])].join(delimiter);
}

/** How to get Jupyter when it is not on PATH. */
export const JUPYTER_MISSING =
  "jupyter was not found on PATH. Install it, then run this again:\n" +
  "  Debian/Ubuntu: sudo apt-get install jupyter-notebook jupyter-nbconvert\n" +
  "  or with pip:   python3 -m pip install --user notebook   (or: jupyterlab)\n" +
  "The headless runner needs no Jupyter: npm run figures, or npm run nb -- <nb.ipynb>.";

/** True if a `jupyter` command runs (`jupyter --version`). */
export function hasJupyter(env: NodeJS.ProcessEnv = process.env): boolean {
  const r = spawnSync("jupyter", ["--version"], { env, stdio: "ignore" });
  return !r.error && r.status === 0;
}

/**
 * The folder a notebook's kernel runs in: the nearest folder at or above `dir` holding a package.json
 * (the project root), else `dir` itself. tslab compiles local .ts imports only below its working
 * directory (it is the compiler's rootDir), so notebooks under notebooks/<work>/ must run from the
 * repo root to import lib/; their imports are then relative to the root: "./lib/notebook/preset".
 */
export function kernelCwdFor(dir: string): string {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, "package.json"))) return d;
    if (dirname(d) === d) return resolve(dir);
  }
}
