// Where the notebook tooling finds and puts things, relative to the repository root.
import { existsSync } from "fs";
import { dirname, join, resolve } from "path";

/** The repository root (this file is lib/notebook/paths.ts). */
export const REPO_ROOT = resolve(__dirname, "..", "..");

/** notebooks/: the committed, output-free notebooks. */
export const NOTEBOOKS_DIR = join(REPO_ROOT, "notebooks");

/** data/executed/: executed copies written by `figures` (gitignored). */
export const EXECUTED_DIR = join(REPO_ROOT, "data", "executed");

/** figures/ root: VAELAB_FIGURES_DIR if set, else <repo>/figures. */
export function figuresRoot(): string {
  return process.env.VAELAB_FIGURES_DIR ? resolve(process.env.VAELAB_FIGURES_DIR) : join(REPO_ROOT, "figures");
}

/** The project-local Jupyter data folder: <repo>/data/jupyter (gitignored). */
export function defaultJupyterDataDir(): string {
  return join(REPO_ROOT, "data", "jupyter");
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
