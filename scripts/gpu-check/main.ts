// The prepared GPU check (issue 17): run on a GPU machine without Node (scripts/gpu-check.sh runs this file's
// esbuild bundle with a bundled node, built by scripts/build-gpu-bundle.sh). It
//   1. starts the webgpu backend and refuses a software adapter (SwiftShader, llvmpipe…) unless --allow-software;
//   2. runs lib/bench/parity's cases against tfjs's cpu backend (kernel values and gradients, Adam, 3 steps of the
//      small bench models);
//   3. times the bench models at demo size (lib/bench BENCH_MODELS) and paper size (PAPER_BENCH_MODELS) on webgpu,
//      and the demo ones on the cpu backend while the time budget lasts (the budget guards the whole run);
//   4. prints a markdown table and writes gpu-check.json (and table.md) to $OUT (or --out) after every row.
// --quick times the small parity models instead (for a software adapter: a test run in under 2 minutes).
// --table FILE [--torch FILE] only renders a saved gpu-check.json, with scripts/bench_torch.py's rows beside it.
//
//   tsx scripts/gpu-check/main.ts [--allow-software] [--quick] [--skip-parity] [--models a,b] [--budget s] [--out dir]
//   tsx scripts/gpu-check/main.ts --table gpu-check.json [--torch torch.json]
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import { join } from "path";
import { initEngine, describeEngine } from "../../lib/engine/backend";
import { BENCH_MODELS, PAPER_BENCH_MODELS, type BenchInstance } from "../../lib/bench/models";
import {
  PARITY_CASES,
  SMALL_MODELS,
  adamParity,
  evaluateCase,
  mismatch,
  smallModelLosses,
} from "../../lib/bench/parity";
import { type CheckRow, fmtMs, renderCheckTable, torchRows } from "./table";

interface CheckReport {
  engine: string;
  adapter: unknown;
  quick: boolean;
  /** One line per parity case that failed (empty: all agree). */
  parityFailures: string[];
  parityCases: number;
  rows: CheckRow[];
  seconds: number;
}

interface Options {
  allowSoftware: boolean;
  quick: boolean;
  /** Time only (a rerun on the GPU box; CI's end-to-end test, where test/engine/webgpu.test.ts covers parity). */
  skipParity: boolean;
  budgetS: number;
  out: string;
  table: string;
  torch: string;
  /** Models to time (default: all); parity always runs every case. */
  models: string[];
}

const USAGE =
  "usage: gpu-check [--allow-software] [--quick] [--skip-parity] [--models a,b] [--budget seconds] [--out dir] | --table gpu-check.json [--torch torch.json]";

function parseArgs(argv: string[]): Options {
  const o: Options = {
    allowSoftware: false,
    quick: false,
    skipParity: false,
    budgetS: NaN,
    out: process.env.OUT ?? "",
    table: "",
    torch: "",
    models: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--allow-software") o.allowSoftware = true;
    else if (a === "--quick") o.quick = true;
    else if (a === "--skip-parity") o.skipParity = true;
    else if (a === "--budget") {
      o.budgetS = Number(value());
      if (!(o.budgetS > 0)) throw new Error(`--budget needs seconds > 0\n${USAGE}`);
    } else if (a === "--out") o.out = value();
    else if (a === "--table") o.table = value();
    else if (a === "--torch") o.torch = value();
    else if (a === "--models") {
      o.models = value().split(",").filter(Boolean);
      const known = new Set([
        ...Object.keys(SMALL_MODELS),
        ...Object.keys(BENCH_MODELS),
        ...Object.keys(PAPER_BENCH_MODELS),
      ]);
      const bad = o.models.filter((m) => !known.has(m));
      if (bad.length)
        throw new Error(`--models: unknown ${bad.join(", ")} (known: ${[...known].join(", ")})\n${USAGE}`);
    } else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  // under scripts/gpu-check.sh's 5 minutes with room for PyTorch's rows; --quick is for a software adapter
  if (Number.isNaN(o.budgetS)) o.budgetS = o.quick ? 90 : 180;
  return o;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 300);
}

/**
 * Time `build()`'s steps on `backend`: one warm-up step (two when the first is under a second), then timed steps
 * until `minSeconds` and 2 steps have passed, `maxSteps` is reached, or the deadline (at least one timed step).
 */
async function timeSteps(
  build: () => BenchInstance,
  backend: string,
  batch: number | undefined,
  o: { minSeconds: number; maxSteps: number; deadline: number },
): Promise<Omit<CheckRow, "model" | "size" | "backend">> {
  await tf.setBackend(backend);
  const inst = build();
  try {
    const step = async () => {
      const t = performance.now();
      await inst.step();
      return performance.now() - t;
    };
    const first = await step();
    if (first < 1000 && performance.now() < o.deadline) await step();
    const times: number[] = [];
    const t0 = performance.now();
    while (
      times.length < o.maxSteps &&
      (times.length === 0 ||
        (performance.now() < o.deadline && (times.length < 2 || performance.now() - t0 < o.minSeconds * 1000)))
    )
      times.push(await step());
    return {
      status: "ok",
      msPerStep: median(times),
      steps: times.length,
      firstStepMs: first,
      parameterCount: inst.parameterCount,
      batch,
      lastLoss: inst.lastLoss(),
    };
  } finally {
    inst.dispose();
  }
}

/** The kernel, Adam and small-model cases of lib/bench/parity on webgpu against cpu; one line per failure. */
async function parity(log: (s: string) => void): Promise<{ failures: string[]; cases: number }> {
  const failures: string[] = [];
  const check = async (name: string, run: () => Promise<string | null>) => {
    try {
      const m = await run();
      if (m) failures.push(m);
    } catch (e) {
      failures.push(`${name}: ${firstLine(e)}`);
    }
  };
  for (const c of PARITY_CASES)
    await check(c.name, async () => {
      const ref = await evaluateCase(c, "cpu", 1);
      const got = await evaluateCase(c, "webgpu", 1);
      for (let i = 0; i < ref.length; i++) {
        const m = mismatch(got[i], ref[i], `${c.name} ${i === 0 ? "value" : `gradient ${i - 1}`}`);
        if (m) return m;
      }
      return null;
    });
  await check("Adam", async () => mismatch(await adamParity("webgpu"), await adamParity("cpu"), "Adam", 1e-5, 1e-6));
  for (const model of Object.keys(SMALL_MODELS))
    await check(model, async () =>
      mismatch(
        await smallModelLosses(model, "webgpu"),
        await smallModelLosses(model, "cpu"),
        `${model} (small) losses`,
        1e-4,
        1e-6,
      ),
    );
  const cases = PARITY_CASES.length + 1 + Object.keys(SMALL_MODELS).length;
  log(`parity with cpu: ${cases - failures.length}/${cases} cases agree`);
  for (const f of failures) log(`  parity FAILED: ${f}`);
  return { failures, cases };
}

async function check(o: Options): Promise<number> {
  const t0 = performance.now();
  const deadline = t0 + o.budgetS * 1000;
  const log = (s: string) => console.log(s);
  let info;
  try {
    info = await initEngine({ force: "webgpu", quiet: true });
  } catch (e) {
    console.log(`gpu-check: no webgpu backend: ${firstLine(e)}`);
    return 2;
  }
  const a = info.adapter;
  if (a?.software && !o.allowSoftware) {
    console.log(
      `gpu-check: refused: the adapter is a software one (${a.vendor} ${a.architecture || a.description}); its timings say nothing about a GPU (--allow-software runs anyway)`,
    );
    return 3;
  }
  log(`gpu-check: ${describeEngine(info)}`);
  const report: CheckReport = {
    engine: describeEngine(info),
    adapter: a ?? null,
    quick: o.quick,
    parityFailures: [],
    parityCases: 0,
    rows: [],
    seconds: 0,
  };
  const save = () => {
    if (!o.out) return;
    report.seconds = (performance.now() - t0) / 1000;
    mkdirSync(o.out, { recursive: true });
    writeFileSync(join(o.out, "gpu-check.json"), JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(o.out, "table.md"), renderCheckTable(report.rows) + "\n");
  };
  const { failures, cases } = o.skipParity ? { failures: [], cases: 0 } : await parity(log);
  if (o.skipParity) log("parity with cpu: skipped (--skip-parity)");
  report.parityFailures = failures;
  report.parityCases = cases;
  save();

  // what to time, in order: every webgpu row, then the cpu rows (the budget cuts those short first)
  type Job = { model: string; size: string; build: () => BenchInstance; batch?: number; backend: string };
  const jobs: Job[] = [];
  if (o.quick) {
    for (const backend of ["webgpu", "cpu"])
      for (const [model, build] of Object.entries(SMALL_MODELS)) jobs.push({ model, size: "small", build, backend });
  } else {
    for (const [size, registry] of [
      ["demo", BENCH_MODELS],
      ["paper", PAPER_BENCH_MODELS],
    ] as const)
      for (const m of Object.values(registry))
        jobs.push({ model: m.name, size, build: () => m.build(0), batch: m.batch, backend: "webgpu" });
    // tfjs's pure-JS cpu backend, cheapest first: a reference point, not a competitor (the budget cuts it short)
    for (const name of ["mlp-vae", "pvae", "cdvae", "tasnet", "vi-tasnet", "conv-vae"]) {
      const m = BENCH_MODELS[name];
      jobs.push({ model: name, size: "demo", build: () => m.build(0), batch: m.batch, backend: "cpu" });
    }
  }
  for (const j of jobs.filter((j) => o.models.length === 0 || o.models.includes(j.model))) {
    // the row's name first, so that a step that never returns shows where it hung
    process.stdout.write(
      `  [${((performance.now() - t0) / 1000).toFixed(0)} s] ${j.model} (${j.size}) on ${j.backend}: `,
    );
    const row: CheckRow = {
      model: j.model,
      size: j.size,
      backend: j.backend,
      status: "skipped",
      msPerStep: null,
      steps: 0,
    };
    // a cpu step of a conv model takes tens of seconds: start one only with time to spare
    const need = j.backend === "cpu" && !o.quick ? 30_000 : 5_000;
    if (deadline - performance.now() < need) row.error = `too little of the time budget (${o.budgetS} s) left`;
    else
      try {
        Object.assign(
          row,
          await timeSteps(j.build, j.backend, j.batch, {
            minSeconds: o.quick ? 0 : j.backend === "cpu" ? 1 : 2,
            maxSteps: o.quick ? 2 : 50,
            deadline,
          }),
        );
      } catch (e) {
        Object.assign(row, { status: "error", error: firstLine(e) });
      }
    report.rows.push(row);
    log(row.status === "ok" ? `${fmtMs(row.msPerStep)} ms/step (${row.steps} steps)` : `${row.status}: ${row.error}`);
    save();
  }
  log("");
  log(renderCheckTable(report.rows));
  log("");
  log(
    `gpu-check: ${((performance.now() - t0) / 1000).toFixed(0)} s; parity ${o.skipParity ? "skipped" : `${cases - failures.length}/${cases}`}${o.out ? `; wrote ${join(o.out, "gpu-check.json")}` : ""}`,
  );
  return failures.length ? 1 : 0;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  if (o.table) {
    const report = JSON.parse(readFileSync(o.table, "utf8")) as CheckReport;
    console.log(renderCheckTable(report.rows, o.torch ? torchRows(o.torch) : []));
    return 0;
  }
  return check(o);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.log(`gpu-check: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
