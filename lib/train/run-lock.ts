// One process at a time trains a run directory: a lock file created with O_EXCL holds the holder's pid,
// host and start time. A second process gets an error naming the directory and the holder (it does not
// wait: a run may train for hours, and a silent wait is worse than a clear message). A lock is stale, and
// taken over, when its process is gone (same host, pid not alive), or when it is this process's own pid
// but not a lock this process holds (a container restarted with the same pid). Within one process,
// trainOrReload chains calls for one directory, so this lock only arbitrates between processes.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { randomBytes } from "crypto";
import { pidAlive } from "../engine/paths";

export const LOCK_FILE = "run.lock";

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** Distinguishes this process's locks from a stale one left under the same pid. */
  token?: string;
}

/** Tokens of the locks this process holds. */
const held = new Set<string>();

/** Locks whose content cannot be read (being written this instant, or cut by a crash) count as stale after this. */
const UNREADABLE_STALE_MS = 60_000;

export interface RunLock {
  file: string;
  release(): void;
}

function readLock(file: string): { text: string; info: LockInfo | null } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return { text, info: info && Number.isInteger(info.pid) && typeof info.host === "string" ? info : null };
  } catch {
    return { text, info: null };
  }
}

function isStale(file: string, info: LockInfo | null): boolean {
  if (!info) {
    try {
      return Date.now() - fs.statSync(file).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return true;
    }
  }
  if (info.host !== os.hostname()) return false;
  if (info.pid === process.pid) return !(info.token && held.has(info.token));
  return !pidAlive(info.pid);
}

/** Remove a stale lock, unless another process replaced it meanwhile (then put that one back). */
function breakLock(file: string, staleText: string): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    fs.renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  let got = "";
  try {
    got = fs.readFileSync(aside, "utf8");
  } catch {
    /* gone: nothing to restore */
  }
  if (got !== staleText) {
    try {
      fs.linkSync(aside, file); // fails if yet another lock was created: that one stands
    } catch {
      /* keep the newer lock */
    }
  }
  fs.rmSync(aside, { force: true });
}

function describe(file: string, info: LockInfo | null): string {
  if (!info) return `a lock file ${file} that cannot be read`;
  return `process ${info.pid} on host ${info.host} since ${info.startedAt} (lock file ${file})`;
}

/**
 * Take the lock of run directory `dir` for this process, or throw naming the holder. Errors from creating
 * the file (EROFS, EACCES, …) are thrown as they are, for the caller to explain.
 */
export function acquireRunLock(dir: string, what: string): RunLock {
  const file = path.join(dir, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString("hex"),
  };
  const text = JSON.stringify(info) + "\n";
  for (let attempt = 0; attempt < 5; attempt++) {
    let fd: number;
    try {
      fd = fs.openSync(file, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = readLock(file);
      if (!holder) continue; // released meanwhile
      if (!isStale(file, holder.info)) {
        throw new Error(
          `${what}: the run directory ${dir} is in use by ${describe(file, holder.info)}; wait for that process ` +
            `to finish and run again (a completed run is then reloaded), or, if no such process is training, ` +
            `delete ${file}`,
        );
      }
      breakLock(file, holder.text);
      continue;
    }
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(file, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    held.add(info.token!);
    let released = false;
    return {
      file,
      release() {
        if (released) return;
        released = true;
        held.delete(info.token!);
        try {
          if (fs.readFileSync(file, "utf8") === text) fs.rmSync(file, { force: true });
        } catch {
          /* the directory was removed meanwhile: nothing to release */
        }
      },
    };
  }
  throw new Error(`${what}: could not take the lock ${file}: other processes keep replacing it; try again`);
}
