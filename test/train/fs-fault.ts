// Simulated file-system faults for the training tests: replace one function of Node's fs module (which
// lib code reads at call time) by one that throws an errno error when `when(...args)` says so.
import nodeFs = require("fs");

type FsName = "writeSync" | "mkdirSync" | "openSync" | "renameSync" | "rmSync";

/** An error like the ones Node's fs throws (code, syscall; message "CODE: text, syscall"). */
export function errnoError(code: string, syscall: string, text = "simulated fault"): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${text}, ${syscall}`), { code, syscall });
}

/** Run `body` with fs[name] throwing `fault(...args)` whenever that returns an error; restores fs afterwards. */
export async function withFsFault<T>(
  name: FsName,
  fault: (...args: unknown[]) => Error | null,
  body: () => Promise<T>,
): Promise<T> {
  const fs = nodeFs as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = fs[name];
  fs[name] = (...args: unknown[]) => {
    const e = fault(...args);
    if (e) throw e;
    return original.apply(nodeFs, args);
  };
  try {
    return await body();
  } finally {
    fs[name] = original;
  }
}
