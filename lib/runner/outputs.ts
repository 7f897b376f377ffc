// Turning a cell's iopub messages into nbformat 4 outputs, the way Jupyter's front ends do: streams
// are merged, update_display_data rewrites earlier outputs with the same display_id (in any cell),
// clear_output (also with wait=true) empties the cell. Also recovers an error record from stderr,
// because tslab reports a failed cell only as execute_reply status "error" plus text on stderr.

/** nbformat 4 output records (the in-memory form: text as one string; nbformat.ts splits lines on save). */
export type StreamOutput = { output_type: "stream"; name: "stdout" | "stderr"; text: string };
export type DisplayDataOutput = { output_type: "display_data"; data: MimeBundle; metadata: Record<string, unknown> };
export type ExecuteResultOutput = {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
};
export type ErrorOutput = { output_type: "error"; ename: string; evalue: string; traceback: string[] };
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;
export type MimeBundle = Record<string, unknown>;

/** The iopub message fields the collector needs. */
export interface IopubMessage {
  header: { msg_type: string };
  content: any;
}

/**
 * Collects the outputs of the cells of one notebook run. Call startCell() before each cell and feed
 * that cell's iopub messages to add(); display ids are remembered across cells.
 */
export class OutputCollector {
  private readonly displays = new Map<string, (DisplayDataOutput | ExecuteResultOutput)[]>();
  private current: Output[] = [];
  private clearPending = false;

  /** Begin a new cell; returns its output list, which add() fills in place. */
  startCell(): Output[] {
    this.current = [];
    this.clearPending = false;
    return this.current;
  }

  /** The output list of the current cell. */
  get outputs(): Output[] {
    return this.current;
  }

  /** Apply one iopub message to the current cell. Unknown message types are ignored. */
  add(msg: IopubMessage): void {
    const c = msg.content ?? {};
    switch (msg.header.msg_type) {
      case "stream":
        this.flushClear();
        this.addStream(c.name === "stderr" ? "stderr" : "stdout", String(c.text ?? ""));
        return;
      case "display_data": {
        this.flushClear();
        const out: DisplayDataOutput = { output_type: "display_data", data: c.data ?? {}, metadata: c.metadata ?? {} };
        this.current.push(out);
        this.remember(c.transient?.display_id, out);
        return;
      }
      case "update_display_data":
        this.updateDisplay(c.transient?.display_id, c.data ?? {}, c.metadata ?? {});
        return;
      case "execute_result": {
        this.flushClear();
        const out: ExecuteResultOutput = {
          output_type: "execute_result",
          execution_count: c.execution_count ?? null,
          data: c.data ?? {},
          metadata: c.metadata ?? {},
        };
        this.current.push(out);
        this.remember(c.transient?.display_id, out);
        return;
      }
      case "error":
        this.flushClear();
        this.current.push({
          output_type: "error",
          ename: String(c.ename ?? "Error"),
          evalue: String(c.evalue ?? ""),
          traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
        });
        return;
      case "clear_output":
        if (c.wait) this.clearPending = true;
        else this.current.length = 0;
        return;
      default:
        return; // status, execute_input, comm_*: nothing to store
    }
  }

  /** All stderr text of the current cell, in order. */
  stderrText(): string {
    return this.current
      .filter((o): o is StreamOutput => o.output_type === "stream" && o.name === "stderr")
      .map((o) => o.text)
      .join("");
  }

  private addStream(name: "stdout" | "stderr", text: string): void {
    const last = this.current[this.current.length - 1];
    if (last && last.output_type === "stream" && last.name === name) last.text += text;
    else this.current.push({ output_type: "stream", name, text });
  }

  private remember(displayId: unknown, out: DisplayDataOutput | ExecuteResultOutput): void {
    if (typeof displayId !== "string" || displayId === "") return;
    const list = this.displays.get(displayId) ?? [];
    list.push(out);
    this.displays.set(displayId, list);
  }

  private updateDisplay(displayId: unknown, data: MimeBundle, metadata: Record<string, unknown>): void {
    if (typeof displayId !== "string") return;
    // Outputs of earlier cells are the same objects as in those cells' lists, so this updates them too.
    for (const out of this.displays.get(displayId) ?? []) {
      out.data = data;
      out.metadata = metadata;
    }
  }

  private flushClear(): void {
    if (!this.clearPending) return;
    this.clearPending = false;
    this.current.length = 0;
  }
}

/** Stack frames of the kernel itself (vm, tslab, node internals), left out of tracebacks. */
const KERNEL_FRAME = /^\s+at .*(node:vm|node:internal|[\\/]node_modules[\\/]tslab[\\/]|sigintHandlersWrap)/;
/** tslab's compile diagnostics: "[file ]line:col - message". */
const DIAGNOSTIC = /^(?:(.*?) )?(\d+):(\d+) - (.*)$/;

/**
 * An error record from the stderr text of a failed tslab cell. tslab prints a thrown Error with
 * console.error (its stack: "Name: message" then "    at ..." lines) and compile errors as
 * "line:col - message". Falls back to the first stderr line, or a generic message.
 */
export function errorFromStderr(stderr: string): Omit<ErrorOutput, "output_type"> {
  const lines = stderr.replace(/\r\n/g, "\n").split("\n");
  // The last "Name: message" line that starts a stack trace (or is the last such line at all).
  const head = /^(?:Uncaught )?([A-Za-z_$][\w$.]*(?:Error|Exception|Error \[[^\]]*\])|Error): ?(.*)$/;
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (head.test(lines[i]) && (at < 0 || /^\s+at /.test(lines[i + 1] ?? ""))) {
      at = i;
      if (/^\s+at /.test(lines[i + 1] ?? "")) break;
    }
  }
  if (at >= 0) {
    const m = head.exec(lines[at])!;
    const trace = [lines[at]];
    for (let i = at + 1; i < lines.length && trace.length < 30; i++) {
      if (lines[i].trim() === "") break;
      if (!KERNEL_FRAME.test(lines[i])) trace.push(lines[i]);
    }
    return { ename: m[1].replace(/ \[.*\]$/, ""), evalue: m[2], traceback: trace };
  }
  const diagnostics = lines.filter((l) => DIAGNOSTIC.test(l));
  if (diagnostics.length > 0) {
    const [, file, line, col, text] = DIAGNOSTIC.exec(diagnostics[0])!;
    const where = `${file ? file + " " : ""}line ${line}, column ${col}`;
    return { ename: "TypeScriptError", evalue: `${text} (${where})`, traceback: diagnostics };
  }
  const nonEmpty = lines.filter((l) => l.trim() !== "");
  if (nonEmpty.length > 0) return { ename: "Error", evalue: nonEmpty[0], traceback: nonEmpty.slice(0, 30) };
  return { ename: "Error", evalue: "the kernel reported an error without a message", traceback: [] };
}
