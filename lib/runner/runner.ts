// Headless notebook runner: executes the code cells of an .ipynb on the project's tslab kernel,
// in order, and writes the outputs back (nbformat 4.5). No Python or Jupyter needed.
import { dirname, isAbsolute, relative, resolve } from "path";
import { KernelClient, KernelDiedError, KernelTimeoutError } from "./kernel-client";
import { CodeCell, ensureCellIds, joinText, Notebook, readNotebook, writeNotebook } from "./nbformat";
import { ErrorOutput, errorFromStderr, OutputCollector } from "./outputs";
import { kernelCwdFor } from "./kernelspec";

export interface RunOptions {
  /** Where to write the executed notebook (default: back into the input file). */
  outPath?: string;
  /** Per-cell time limit in seconds; 0 = none (default 3600). A timed-out cell ends the run. */
  cellTimeoutSec?: number;
  /** Stop at the first failing cell (default true); false runs the remaining cells too. */
  stopOnError?: boolean;
  /**
   * Working directory of the kernel (default kernelCwdFor(notebook folder): the project root above the
   * notebook, else its folder). Cells' relative imports resolve from here.
   */
  cwd?: string;
  /** Extra environment for the kernel, on top of process.env (e.g. { VAELAB_PRESET: "smoke" }). */
  env?: Record<string, string | undefined>;
  /** Kernel start-up limit in seconds (default 60). */
  startupTimeoutSec?: number;
  /** Progress lines (default: stdout); pass () => {} for silence. */
  log?: (line: string) => void;
}

export type CellStatus = "ok" | "error" | "timeout" | "skipped";

export interface CellReport {
  /** Index of the cell in the notebook (all cell types counted, from 0). */
  index: number;
  id: string;
  status: CellStatus;
  seconds: number;
}

export interface NotebookRunResult {
  notebook: string;
  outPath: string;
  ok: boolean;
  /** Wall time including kernel start and shutdown, seconds. */
  seconds: number;
  /** Kernel start-up time, seconds. */
  startupSeconds: number;
  /** Process id of the kernel that ran the notebook (it has exited when runNotebook returns). */
  kernelPid?: number;
  /** One entry per code cell. */
  cells: CellReport[];
  /** The failures (at most one when stopOnError). */
  failures: CellFailure[];
}

export interface CellFailure {
  index: number;
  id: string;
  source: string;
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Thrown by runNotebook when a cell fails; `result` still describes the (written) partial run. */
export class NotebookRunError extends Error {
  constructor(
    readonly result: NotebookRunResult,
    message: string,
  ) {
    super(message);
    this.name = "NotebookRunError";
  }
}

/**
 * Execute every non-empty code cell of `nbPath` on a fresh tslab kernel (started in the project root
 * above the notebook, see kernelCwdFor), then write the notebook with outputs, execution counts and
 * cell ids. The notebook is written even when a cell fails or times out; then a NotebookRunError is
 * thrown whose message names the notebook, the cell (index and id), the start of its source and the error.
 */
export async function runNotebook(nbPath: string, opts: RunOptions = {}): Promise<NotebookRunResult> {
  const t0 = Date.now();
  const path = resolve(nbPath);
  const outPath = resolve(opts.outPath ?? path);
  const log = opts.log ?? ((line: string) => process.stdout.write(line + "\n"));
  const timeoutSec = opts.cellTimeoutSec ?? 3600;
  const stopOnError = opts.stopOnError ?? true;
  const shown = displayPath(path);

  const nb = readNotebook(path);
  ensureCellIds(nb);
  setDefaultMetadata(nb);
  const result: NotebookRunResult = {
    notebook: nbPath,
    outPath,
    ok: true,
    seconds: 0,
    startupSeconds: 0,
    cells: [],
    failures: [],
  };

  const codeCells = nb.cells
    .map((cell, index) => ({ cell, index }))
    .filter((x): x is { cell: CodeCell; index: number } => x.cell.cell_type === "code");
  for (const { cell } of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
  }

  let kernel: KernelClient | null = null;
  let stopped = false;
  try {
    const k0 = Date.now();
    kernel = await KernelClient.start({
      cwd: opts.cwd ? resolve(opts.cwd) : kernelCwdFor(dirname(path)),
      env: { ...process.env, ...opts.env },
      startupTimeoutMs: (opts.startupTimeoutSec ?? 60) * 1000,
    });
    result.startupSeconds = (Date.now() - k0) / 1000;
    result.kernelPid = kernel.pid;
    log(`  kernel ready in ${result.startupSeconds.toFixed(1)} s (pid ${kernel.pid})`);

    const collector = new OutputCollector();
    let count = 0;
    for (const { cell, index } of codeCells) {
      const source = joinText(cell.source);
      const id = cell.id ?? String(index);
      if (stopped || source.trim() === "") {
        result.cells.push({ index, id, status: "skipped", seconds: 0 });
        continue;
      }
      cell.outputs = collector.startCell();
      let status: CellStatus = "ok";
      let seconds = 0;
      let failure: Omit<ErrorOutput, "output_type"> | null = null;
      const c0 = Date.now();
      try {
        const out = await kernel.execute(source, (m) => collector.add(m), timeoutSec * 1000);
        seconds = out.seconds;
        cell.execution_count = out.reply.execution_count ?? ++count;
        count = cell.execution_count;
        cell.metadata.execution = {
          "iopub.status.busy": out.started,
          "iopub.status.idle": out.finished,
        };
        if (out.reply.status !== "ok") {
          status = "error";
          failure = errorOf(cell, collector, out.reply, kernel.recentLog());
        }
      } catch (e) {
        seconds = (Date.now() - c0) / 1000;
        status = e instanceof KernelTimeoutError ? "timeout" : "error";
        const ename =
          e instanceof KernelTimeoutError
            ? "CellTimeoutError"
            : e instanceof KernelDiedError
              ? "KernelDiedError"
              : "Error";
        const evalue =
          e instanceof KernelTimeoutError ? `cell did not finish within ${timeoutSec} s` : (e as Error).message;
        failure = { ename, evalue, traceback: [`${ename}: ${evalue}`] };
        cell.outputs.push({ output_type: "error", ...failure });
        stopped = true; // the kernel's state is unknown now: do not send it more cells
      }
      result.cells.push({ index, id, status, seconds });
      log(
        `  cell ${String(index).padStart(3)}  ${seconds.toFixed(2).padStart(8)} s  ${status === "ok" ? "" : status.toUpperCase() + "  "}${firstLine(source)}`,
      );
      if (failure) {
        result.ok = false;
        result.failures.push({ index, id, source, ...failure });
        if (stopOnError) stopped = true;
        // tslab drops requests that arrive within 200 ms of a failed one (its queue reset): wait that out.
        else if (!stopped) await new Promise((r) => setTimeout(r, 300));
      }
    }
  } catch (e) {
    // Kernel did not start (or the protocol broke outside a cell).
    result.ok = false;
    result.failures.push({
      index: -1,
      id: "",
      source: "",
      ename: (e as Error).name,
      evalue: (e as Error).message,
      traceback: [],
    });
  } finally {
    if (kernel) await kernel.shutdown();
    writeNotebook(outPath, nb);
    result.seconds = (Date.now() - t0) / 1000;
  }

  if (!result.ok) throw new NotebookRunError(result, describeFailure(shown, result));
  return result;
}

function setDefaultMetadata(nb: Notebook): void {
  nb.metadata.kernelspec ??= { name: "tslab", display_name: "TypeScript", language: "typescript" };
  nb.metadata.language_info ??= { name: "typescript" };
}

/** The error of a failed cell: the kernel's own error output if it sent one, else recovered from stderr. */
function errorOf(
  cell: CodeCell,
  collector: OutputCollector,
  reply: { status: string; ename?: string; evalue?: string; traceback?: string[] },
  kernelLog = "",
): Omit<ErrorOutput, "output_type"> {
  const sent = cell.outputs.find((o): o is ErrorOutput => o.output_type === "error");
  if (sent) return { ename: sent.ename, evalue: sent.evalue, traceback: sent.traceback };
  if (reply.status === "abort") {
    const e = { ename: "Aborted", evalue: "the kernel aborted this cell (an earlier request failed)", traceback: [] };
    cell.outputs.push({ output_type: "error", ...e });
    return e;
  }
  let e = reply.ename
    ? { ename: reply.ename, evalue: reply.evalue ?? "", traceback: reply.traceback ?? [] }
    : errorFromStderr(collector.stderrText());
  // Nothing reached the notebook (e.g. tslab logged an internal error to its own stderr): show what the
  // kernel process itself wrote last, which is where that message went.
  if (e.traceback.length === 0 && kernelLog.trim()) {
    const own = errorFromStderr(kernelLog);
    e = own.traceback.length > 0 ? { ...own, evalue: `${own.evalue} (from the kernel's own log)` } : e;
  }
  // Store it as an error output too, so the notebook shows the failure like any Jupyter kernel's.
  cell.outputs.push({ output_type: "error", ...e });
  return e;
}

/** Path relative to the working directory when it lies below it, else absolute. */
export function displayPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith("..") && !isAbsolute(r) ? r : p;
}

function firstLine(source: string): string {
  const line = source.split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 60 ? line.slice(0, 57) + "..." : line;
}

function describeFailure(shown: string, result: NotebookRunResult): string {
  const f = result.failures[0];
  if (f.index < 0) return `${shown}: ${f.ename}: ${f.evalue}`;
  const src = f.source.split("\n");
  const head = src.slice(0, 5).map((l) => `    | ${l}`);
  if (src.length > 5) head.push(`    | ... (${src.length - 5} more lines)`);
  const more = result.failures.length > 1 ? ` (and ${result.failures.length - 1} more failing cells)` : "";
  const trace = f.traceback
    .filter((l, i) => !(i === 0 && l === `${f.ename}: ${f.evalue}`))
    .slice(0, 12)
    .map((l) => `    ${l.trim()}`);
  return [
    `${shown}: cell ${f.index} (id ${f.id}) failed${more}`,
    ...head,
    `  ${f.ename}: ${f.evalue}`,
    ...trace,
    `  executed notebook written to ${displayPath(result.outPath)}`,
  ].join("\n");
}
