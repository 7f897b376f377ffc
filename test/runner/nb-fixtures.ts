// Tiny notebooks for the runner tests, in the project's notebook format (tslab kernel, TypeScript).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { dirname, join } from "path";

export type CellSpec = { code: string } | { markdown: string };

/** An nbformat 4.4 notebook (no cell ids, as old or hand-written notebooks are) with the given cells. */
export function makeNotebook(cells: CellSpec[]): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 4,
    metadata: {
      kernelspec: { name: "tslab", display_name: "TypeScript", language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: cells.map((c) =>
      "code" in c
        ? { cell_type: "code", source: c.code, metadata: {}, execution_count: null, outputs: [] }
        : { cell_type: "markdown", source: c.markdown, metadata: {} },
    ),
  };
}

/** Write `files` (path → text or JSON value) under `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string | object>): void {
  for (const [rel, body] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, typeof body === "string" ? body : JSON.stringify(body, null, 1));
  }
}

const made: string[] = [];
process.on("exit", () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(label: string): string {
  const d = mkdtempSync(join(tmpdir(), `vaelab-${label}-`));
  made.push(d);
  return d;
}

/** True while a process with this pid exists (signal 0 probes without killing). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
