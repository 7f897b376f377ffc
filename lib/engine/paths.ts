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

/** figures/: the committed figure records and gallery, written only by the main job at COMMITTED_PRESET. */
export const COMMITTED_FIGURES_DIR = join(REPO_ROOT, "figures");

/** The preset whose renderings are committed in figures/. */
export const COMMITTED_PRESET = "demo";

/**
 * Where a notebook's export writes: `override`, else VAELAB_FIGURES_DIR (the main job sets it), else
 * <repo>/data/figures — so interactive and `npm run nb` runs never overwrite the committed figures/.
 */
export function figuresRoot(override?: string): string {
  return dirFrom(override, "VAELAB_FIGURES_DIR", join(REPO_ROOT, "data", "figures"));
}

/** The figure records that reports and the gallery read: `override`, else VAELAB_FIGURES_DIR, else figures/. */
export function committedFiguresRoot(override?: string): string {
  return dirFrom(override, "VAELAB_FIGURES_DIR", COMMITTED_FIGURES_DIR);
}

/**
 * Where the main job at `preset` writes: VAELAB_FIGURES_DIR if set, else figures/ at the committed preset and
 * data/figures/<preset>/ at any other (a smoke or paper run never mixes into the committed gallery).
 */
export function mainJobFiguresDir(preset: string): string {
  const fallback = preset === COMMITTED_PRESET ? COMMITTED_FIGURES_DIR : join(REPO_ROOT, "data", "figures", preset);
  return dirFrom(undefined, "VAELAB_FIGURES_DIR", fallback);
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

/** The temporary name writeFileAtomic gives a write of `name`: `.<name>.tmp-<pid>-<8 hex digits>`. */
const TEMP_PATTERN = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;

/**
 * A file-system error with the file it concerns in its message (Node's write/fsync errors name none);
 * `code` and `syscall` are kept, the original error is the `cause`.
 */
export function fileError(what: string, file: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const out = Object.assign(new Error(`${what} ${file} (${err.message ?? String(e)})`), { cause: e });
  return Object.assign(out, err.code ? { code: err.code } : {}, err.syscall ? { syscall: err.syscall } : {});
}

/**
 * Write `data` to `file` atomically: a temporary sibling is written, fsynced and renamed over `file`.
 * A crash at any point leaves either the old or the new complete file, never a partial one (and perhaps
 * a stale temporary, which cleanStaleTemporaries removes). Errors name `file` ("cannot write <file> (…)")
 * and keep the errno `code` (ENOSPC, EROFS, EACCES, …).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fileError("cannot create the folder", dir, e);
  }
  const tmp = join(dir, `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  let fd: number;
  try {
    fd = fs.openSync(tmp, "w");
  } catch (e) {
    throw fileError("cannot write", file, e);
  }
  try {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw fileError("cannot write", file, e);
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw fileError("cannot write", file, e);
  }
  syncDir(dir);
}

/** True if a process with this pid exists (on this host); EPERM means it exists but is not ours. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove the temporaries writeFileAtomic left in `dir` (not recursive) when a process crashed mid-write:
 * only names of its pattern (`.<name>.tmp-<pid>-<hex>`), and only where that pid is not alive or is this
 * process (whose writes are synchronous, so none of its own is in flight). Returns the removed paths;
 * a folder that does not exist or cannot be changed is left alone.
 */
export function cleanStaleTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_PATTERN.exec(name);
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid !== process.pid && pidAlive(pid)) continue;
    const file = join(dir, name);
    try {
      if (!fs.lstatSync(file).isFile()) continue;
      fs.rmSync(file, { force: true });
      removed.push(file);
    } catch {
      /* read-only or vanished: nothing to clean here */
    }
  }
  return removed;
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
