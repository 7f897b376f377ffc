// Benchmark rows and their rendering: the JSON rows `npm run bench -- --json` prints, the speed-up
// over the pure-JS cpu backend, and the plain-text table with its notes.
import * as os from "os";

export type BenchStatus = "ok" | "error" | "backend-unavailable";

/** One (model, backend) measurement. */
export interface BenchRow {
  model: string;
  /** vaelab backend (tfjs-node-gpu, tfjs-node, native, wasm, cpu) or "pytorch-cpu". */
  backend: string;
  status: BenchStatus;
  /** Median wall time of a timed training step (null unless status is "ok"). */
  msPerStep: number | null;
  /** Timed steps. */
  steps: number;
  /** cpu ms/step ÷ this ms/step: the speed-up over tfjs's pure-JS cpu backend (> 1 is faster); null without both. */
  ratioToCpu: number | null;
  meanMs?: number;
  minMs?: number;
  warmup?: number;
  batch?: number;
  parameterCount?: number;
  threads?: number;
  tfBackend?: string;
  /** Tensors left behind per timed run (0 = no leak). */
  tensorGrowth?: number;
  lastLoss?: number;
  /** Why the row has no measurement (one line). */
  error?: string;
}

/** Fill ratioToCpu on every row from the cpu row of the same model. */
export function addCpuRatios(rows: BenchRow[]): BenchRow[] {
  const cpu = new Map<string, number>();
  for (const r of rows) if (r.backend === "cpu" && r.status === "ok" && r.msPerStep) cpu.set(r.model, r.msPerStep);
  return rows.map((r) => {
    const base = cpu.get(r.model);
    return { ...r, ratioToCpu: base !== undefined && r.status === "ok" && r.msPerStep ? base / r.msPerStep : null };
  });
}

/** The machine in one line: CPU model, cores, memory, platform. */
export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() || "unknown CPU";
  return `${model}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()}-${os.arch()}`;
}

function fmtMs(v: number | null): string {
  if (v === null) return "—";
  if (v >= 1000) return v.toFixed(0);
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function fmtRatio(v: number | null): string {
  if (v === null) return "—";
  return v >= 10 ? `${v.toFixed(0)}×` : `${v.toFixed(1)}×`;
}

/** A plain-text table with aligned columns (numbers right-aligned). */
export function textTable(header: string[], body: string[][], rightAlign: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAlign[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/**
 * The benchmark table (model, backend, ms/step, steps, × vs cpu, threads), rows grouped by model in
 * the given order, followed by notes: rows that could not run (with the error), tensor leaks.
 */
export function renderTable(rows: BenchRow[], modelOrder: string[], backendOrder: string[]): string {
  const shown = rows.filter((r) => r.status !== "backend-unavailable");
  const mi = (m: string) => (modelOrder.indexOf(m) < 0 ? 1e9 : modelOrder.indexOf(m));
  const bi = (b: string) => (backendOrder.indexOf(b) < 0 ? 1e9 : backendOrder.indexOf(b));
  shown.sort((a, b) => mi(a.model) - mi(b.model) || bi(a.backend) - bi(b.backend));
  const body = shown.map((r) => [
    r.model,
    r.backend,
    r.status === "ok" ? fmtMs(r.msPerStep) : "unavailable",
    r.status === "ok" ? String(r.steps) : "—",
    fmtRatio(r.ratioToCpu),
    r.threads !== undefined ? String(r.threads) : "",
  ]);
  const out = [
    textTable(["model", "backend", "ms/step", "steps", "× vs cpu", "threads"], body, [
      false,
      false,
      true,
      true,
      true,
      true,
    ]),
  ];
  const notes: string[] = [];
  for (const r of shown) if (r.status === "error") notes.push(`${r.model} on ${r.backend}: ${r.error}`);
  for (const r of shown)
    if (r.tensorGrowth)
      notes.push(
        `${r.model} on ${r.backend}: the tensor count grew by ${r.tensorGrowth} over the timed steps (a leak)`,
      );
  if (notes.length) out.push("", ...notes.map((n) => `note: ${n}`));
  return out.join("\n");
}
