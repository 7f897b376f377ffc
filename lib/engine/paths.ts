// The repository's folders, the VAELAB_*_DIR variables that move them, and atomic file writes: every
// module that reads or writes a project folder asks here instead of resolving paths of its own.
import * as fs from "fs";
import { randomBytes } from "crypto";
import { basename, dirname, join, resolve } from "path";

/** The repository root (this file is lib/engine/paths.ts). */
export const REPO_ROOT = resolve(__dirname, "..", "..");

/** notebooks/: the committed, output-free notebooks. */
export const NOTEBOOKS_DIR = join(REPO_ROOT, "notebooks");

/** data/executed/: executed copies written by `figures` (gitignored). */
export const EXECUTED_DIR = join(REPO_ROOT, "data", "executed");

/** data/external/: real data sets a user puts there by hand (NHANES, HÖRSTAT, LibriMix, VCTK; gitignored). */
export const EXTERNAL_DIR = join(REPO_ROOT, "data", "external");

/** `override`, else the environment variable `env` if set, else `fallback`; always absolute. */
function dirFrom(override: string | undefined, env: string, fallback: string): string {
  if (override) return resolve(override);
  const v = process.env[env];
  return v ? resolve(v) : fallback;
}

/** figures/ root: `override`, else VAELAB_FIGURES_DIR, else <repo>/figures. */
export function figuresRoot(override?: string): string {
  return dirFrom(override, "VAELAB_FIGURES_DIR", join(REPO_ROOT, "figures"));
}

/** Trained runs: `override`, else VAELAB_RUNS_DIR, else <repo>/data/runs. */
export function runsRoot(override?: string): string {
  return dirFrom(override, "VAELAB_RUNS_DIR", join(REPO_ROOT, "data", "runs"));
}

/** Generated data sets (e.g. the speech stand-in): `override`, else VAELAB_GENERATED_DIR, else <repo>/data/generated. */
export function generatedRoot(override?: string): string {
  return dirFrom(override, "VAELAB_GENERATED_DIR", join(REPO_ROOT, "data", "generated"));
}

/** The project-local Jupyter data folder: <repo>/data/jupyter (gitignored). */
export function defaultJupyterDataDir(): string {
  return join(REPO_ROOT, "data", "jupyter");
}

/**
 * Write `data` to `file` atomically: a temporary sibling is written, fsynced and renamed over `file`.
 * A crash at any point leaves either the old or the new complete file, never a partial one.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const fd = fs.openSync(tmp, "w");
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  syncDir(dir);
}

/** Make a rename durable (best effort: some platforms cannot fsync a directory). */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not supported here; the rename is still atomic */
  }
}
