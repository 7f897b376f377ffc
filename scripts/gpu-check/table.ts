// The prepared GPU check's table (scripts/gpu-check/main.ts): its rows, PyTorch's rows beside them, markdown.
import { readFileSync } from "fs";
import { PAPER_BENCH_MODELS } from "../../lib/bench/models";

export interface CheckRow {
  model: string;
  /** "small" (--quick), "demo" or "paper". */
  size: string;
  /** "webgpu", "cpu", or a PyTorch row's backend ("pytorch-cuda"). */
  backend: string;
  status: "ok" | "error" | "skipped";
  /** Median of the timed steps. */
  msPerStep: number | null;
  steps: number;
  /** The first warm-up step (shader compilation, kernel set-up). */
  firstStepMs?: number;
  parameterCount?: number;
  batch?: number;
  lastLoss?: number;
  error?: string;
}

/** Two significant digits below 10 (0.012, 0.53, 2.4), whole numbers above. */
function fmtRatio(v: number): string {
  return v >= 10 ? v.toFixed(0) : v.toPrecision(2);
}

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function fmtCount(n: number | undefined): string {
  if (n === undefined) return "—";
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : String(n);
}

/**
 * The markdown table: one line per (model, size), ms/step on webgpu and cpu (and PyTorch's backends when
 * `torch` rows are given, matched by model and size), speed-ups, and notes for rows that did not run.
 */
export function renderCheckTable(rows: CheckRow[], torch: CheckRow[] = []): string {
  const keys: { model: string; size: string }[] = [];
  for (const r of rows)
    if (!keys.some((k) => k.model === r.model && k.size === r.size)) keys.push({ model: r.model, size: r.size });
  const torchBackends = [...new Set(torch.map((r) => r.backend))];
  const cell = (r: CheckRow | undefined) =>
    !r ? "" : r.status === "ok" ? fmtMs(r.msPerStep) : r.status === "skipped" ? "skipped" : "error";
  const ratio = (a: CheckRow | undefined, b: CheckRow | undefined) =>
    a?.status === "ok" && b?.status === "ok" && a.msPerStep && b.msPerStep
      ? `${fmtRatio(a.msPerStep / b.msPerStep)}×`
      : "";
  const header = [
    "model",
    "size",
    "params",
    "batch",
    "webgpu ms/step",
    "first step ms",
    "cpu ms/step",
    "cpu ÷ webgpu",
    ...torchBackends.flatMap((b) => [`${b} ms/step`, `webgpu ÷ ${b}`]),
  ];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  const notes: string[] = [];
  for (const k of keys) {
    const of = (backend: string) => rows.find((r) => r.model === k.model && r.size === k.size && r.backend === backend);
    const gpu = of("webgpu"),
      cpu = of("cpu");
    const any = gpu ?? cpu;
    const cells = [
      k.model,
      k.size,
      fmtCount(any?.parameterCount),
      any?.batch !== undefined ? String(any.batch) : "—",
      cell(gpu),
      fmtMs(gpu?.firstStepMs),
      cell(cpu),
      ratio(cpu, gpu),
      ...torchBackends.flatMap((b) => {
        const t = torch.find((r) => r.model === k.model && r.size === k.size && r.backend === b);
        return [cell(t), ratio(gpu, t)];
      }),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  for (const r of [...rows, ...torch])
    if (r.status !== "ok") notes.push(`${r.model} (${r.size}) on ${r.backend}: ${r.status}: ${r.error ?? ""}`);
  return [...lines, ...(notes.length ? ["", ...notes.map((n) => `note: ${n}`)] : [])].join("\n");
}

/** PyTorch rows (scripts/bench_torch.py's JSON array) as check rows. */
export function torchRows(file: string): CheckRow[] {
  const raw = JSON.parse(readFileSync(file, "utf8")) as {
    model: string;
    backend: string;
    status: string;
    msPerStep: number | null;
    steps: number;
    error?: string;
  }[];
  if (!Array.isArray(raw)) throw new Error(`${file}: not a JSON array of bench_torch.py rows`);
  return raw.map((r) => ({
    model: r.model,
    size: r.model in PAPER_BENCH_MODELS ? "paper" : "demo",
    backend: r.backend,
    status: r.status === "ok" ? "ok" : "error",
    msPerStep: r.msPerStep,
    steps: r.steps,
    error: r.error,
  }));
}
