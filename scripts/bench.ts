// `npm run bench`: training ms/step of the five benchmark models (lib/bench/models) on every tfjs
// backend that loads here, in one run, as a table (or `--json`: a JSON array of rows on stdout).
// Each (model, backend) pair runs in its own child process with VAELAB_BACKEND set, so backends never
// share a process and a crash or a missing kernel costs one row, not the run. Progress goes to stderr.
//
//   npm run bench                                  all models × tfjs-node-gpu, tfjs-node, native, wasm, cpu
//   npm run bench -- --models mlp-vae,pvae --backends native,wasm
//   npm run bench -- --quick --json                a few steps per pair (smoke test)
//   npm run -s bench -- --json > rows.json         (-s: without npm's "> vaelab bench" banner on stdout)
//   npm run bench -- --notebooks --only vi-emd --write   first-run time of whole notebooks (lib/runner/notebook-timing)
//   npm run bench -- --torch                       add PyTorch rows (scripts/bench_torch.py) if a python3 has torch
//                                                  ($VAELAB_PYTHON, python3 on PATH, or /usr/bin/python3)
//
// Flags: --json, --models a,b, --backends a,b, --min-seconds s (2), --max-steps n (1000), --warmup n (30; a step over
// 1 s warms up once — 2 warm-up and 50 timed steps until 2026-12-07 under-measured steps of a few ms, whose JavaScript
// V8 had not yet optimised: pvae read 3.7 ms against 1.6 steady),
// --cpu-max-steps n (2: the pure-JS cpu backend takes tens of seconds per conv step), --quick,
// --torch, --seed n, --timeout s (per pair, 1800).
import { spawn, spawnSync } from "child_process";
import { parseArgs as nodeParseArgs } from "util";
import { join } from "path";
import { BENCH_MODELS, benchModelNames } from "../lib/bench/models";
import { BenchRow, addCpuRatios, machineLine, renderTable } from "../lib/bench/report";
import { notebookTimingTable, timeNotebookFirstRuns } from "../lib/runner/notebook-timing";
import { PRESETS, Preset } from "../lib/notebook/preset";

const ALL_BACKENDS = ["webgpu", "tfjs-node-gpu", "tfjs-node", "native", "wasm", "cpu"];
const ALL_MODELS = benchModelNames();
const RESULT_MARK = "VAELAB_BENCH_RESULT ";
const root = join(__dirname, "..");

interface Options {
  json: boolean;
  models: string[];
  backends: string[];
  minSeconds: number;
  maxSteps: number;
  warmup: number;
  cpuMaxSteps: number;
  torch: boolean;
  seed: number;
  timeoutS: number;
}

function usage(msg: string, code = 2): never {
  if (msg) console.error(`bench: ${msg}`);
  console.error(
    "usage: npm run bench -- [--json] [--models a,b] [--backends a,b] [--min-seconds s] [--max-steps n] [--warmup n] [--cpu-max-steps n] [--quick] [--torch] [--seed n] [--timeout s]",
  );
  process.exit(code);
}

function list(v: string | undefined, flag: string, known: string[]): string[] {
  if (!v) usage(`${flag} needs a comma-separated list`);
  const items = v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((s) => !known.includes(s));
  if (bad.length) usage(`${flag}: unknown ${bad.join(", ")} (known: ${known.join(", ")})`);
  return items;
}

function num(v: string | undefined, flag: string, min: number, integer: boolean): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    usage(`${flag} needs ${integer ? "an integer" : "a number"} ≥ ${min}, got ${v}`);
  return n;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    models: ALL_MODELS,
    backends: ALL_BACKENDS,
    minSeconds: 2,
    maxSteps: 1000,
    warmup: 30,
    cpuMaxSteps: 2,
    torch: false,
    seed: 0,
    timeoutS: 1800,
  };
  let quick = false;
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    switch (a) {
      case "--json":
        o.json = true;
        break;
      case "--quick":
        quick = true;
        break;
      case "--torch":
        o.torch = true;
        break;
      case "--models":
        o.models = list(next(), a, ALL_MODELS);
        break;
      case "--backends":
        o.backends = list(next(), a, ALL_BACKENDS);
        break;
      case "--min-seconds":
        o.minSeconds = num(next(), a, 0, false);
        explicit.add(a);
        break;
      case "--max-steps":
        o.maxSteps = num(next(), a, 1, true);
        explicit.add(a);
        break;
      case "--warmup":
        o.warmup = num(next(), a, 0, true);
        explicit.add(a);
        break;
      case "--cpu-max-steps":
        o.cpuMaxSteps = num(next(), a, 1, true);
        explicit.add(a);
        break;
      case "--seed":
        o.seed = num(next(), a, 0, true);
        break;
      case "--timeout":
        o.timeoutS = num(next(), a, 1, false);
        break;
      case "-h":
      case "--help":
        usage("", 0);
      // eslint-disable-next-line no-fallthrough
      default:
        usage(`unknown argument ${a}`);
    }
  }
  if (quick) {
    // a smoke run: one warm-up and two timed steps per pair
    if (!explicit.has("--min-seconds")) o.minSeconds = 0;
    if (!explicit.has("--max-steps")) o.maxSteps = 2;
    if (!explicit.has("--warmup")) o.warmup = 1;
    if (!explicit.has("--cpu-max-steps")) o.cpuMaxSteps = 2;
  }
  return o;
}

// ---- child: one (model, backend) pair ------------------------------------------------------------

async function child(argv: string[]): Promise<void> {
  const [model, optsJson] = argv;
  const opts = JSON.parse(optsJson) as { warmup: number; minSeconds: number; maxSteps: number; seed: number };
  const emit = (row: Partial<BenchRow>) => process.stdout.write(`${RESULT_MARK}${JSON.stringify(row)}\n`);
  const backend = process.env.VAELAB_BACKEND ?? "";
  const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 300);
  // engine first, so an unavailable backend is told apart from a model that fails on it
  const { initEngine } = await import("../lib/engine/backend");
  try {
    await initEngine({ quiet: true });
  } catch (e) {
    emit({
      model,
      backend,
      status: "backend-unavailable",
      error: firstLine(e).replace(/^VAELAB_BACKEND=\S+ could not be used: /, ""),
    });
    return;
  }
  const { benchRun } = await import("../lib/bench/run");
  try {
    const r = await benchRun(model, { ...opts, minSteps: 2 });
    emit({
      model,
      backend,
      status: "ok",
      msPerStep: r.msPerStep,
      steps: r.steps,
      meanMs: r.meanMs,
      minMs: r.minMs,
      warmup: r.warmup,
      batch: r.batch,
      parameterCount: r.parameterCount,
      threads: r.threads,
      tfBackend: r.tfBackend,
      tensorGrowth: r.tensorGrowth,
      lastLoss: r.lastLoss,
    });
  } catch (e) {
    emit({ model, backend, status: "error", error: firstLine(e) });
  }
}

function runChild(model: string, backend: string, opts: Options): Promise<BenchRow> {
  const cpu = backend === "cpu";
  const childOpts = {
    warmup: cpu ? Math.min(1, opts.warmup) : opts.warmup,
    minSeconds: opts.minSeconds,
    maxSteps: cpu ? Math.min(opts.cpuMaxSteps, opts.maxSteps) : opts.maxSteps,
    seed: opts.seed,
  };
  const base: BenchRow = { model, backend, status: "error", msPerStep: null, steps: 0, ratioToCpu: null };
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--import", "tsx", __filename, "--child", model, JSON.stringify(childOpts)], {
      cwd: root,
      env: { ...process.env, VAELAB_BACKEND: backend },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "",
      err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, opts.timeoutS * 1000);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith(RESULT_MARK));
      if (line) {
        resolve({ ...base, ...(JSON.parse(line.slice(RESULT_MARK.length)) as Partial<BenchRow>) } as BenchRow);
        return;
      }
      const why = timedOut
        ? `timed out after ${opts.timeoutS} s`
        : `the child process exited (${signal ?? `code ${code}`}) without a result${err.trim() ? `: ${err.trim().split("\n").slice(-1)[0].slice(0, 300)}` : ""}`;
      resolve({ ...base, error: why });
    });
  });
}

// ---- PyTorch comparison ----------------------------------------------------------------------------

/** The first Python that imports torch: $VAELAB_PYTHON, python3 on PATH, then the system /usr/bin/python3 (Debian's python3-torch). */
function findTorchPython(): { python: string; version: string } | { reasons: string[] } {
  const candidates = [process.env.VAELAB_PYTHON, "python3", "/usr/bin/python3"].filter((p): p is string => Boolean(p));
  const reasons: string[] = [];
  for (const python of [...new Set(candidates)]) {
    const probe = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
    reasons.push(
      `${python}: ${probe.error ? probe.error.message : (probe.stderr || "").trim().split("\n").slice(-1)[0] || `exit ${probe.status}`}`,
    );
  }
  return { reasons };
}

function torchRows(opts: Options, log: (s: string) => void): BenchRow[] {
  const found = findTorchPython();
  if ("reasons" in found) {
    log(`bench: pytorch skipped: no python3 can import torch (${found.reasons.join("; ")})`);
    return [];
  }
  const python = found.python;
  log(`bench: pytorch ${found.version} (${python}); running scripts/bench_torch.py`);
  const args = [
    join(root, "scripts", "bench_torch.py"),
    "--models",
    opts.models.join(","),
    "--min-seconds",
    String(opts.minSeconds),
    "--max-steps",
    String(opts.maxSteps),
    "--warmup",
    String(opts.warmup),
    "--seed",
    String(opts.seed),
  ];
  const r = spawnSync(python, args, {
    encoding: "utf8",
    timeout: opts.timeoutS * 1000 * opts.models.length,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status !== 0) {
    log(`bench: pytorch failed (${r.error ? r.error.message : `exit ${r.status}`})`);
    return [];
  }
  try {
    const rows = JSON.parse(r.stdout) as Partial<BenchRow>[];
    return rows.map((x) => ({ status: "ok", steps: 0, msPerStep: null, ratioToCpu: null, ...x }) as BenchRow);
  } catch (e) {
    log(`bench: pytorch printed no JSON rows (${(e as Error).message})`);
    return [];
  }
}

// ---- main --------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") return child(argv.slice(1));
  if (argv.includes("--notebooks")) return notebooksMode(argv.filter((a) => a !== "--notebooks"));
  const opts = parseArgs(argv);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const tfjs = (require("@tensorflow/tfjs/package.json") as { version: string }).version;
  const header = [
    `vaelab bench — training ms/step (median over timed steps; Adam; fixed seeded batch)`,
    `machine: ${machineLine()}`,
    `node ${process.versions.node}, tfjs ${tfjs}; ${new Date().toISOString()}`,
  ];
  if (opts.json) header.forEach((h) => log(h));
  const rows: BenchRow[] = [];
  const unavailable: string[] = [];
  const total = opts.models.length * opts.backends.length;
  let done = 0;
  for (const backend of opts.backends) {
    let skip: string | null = null;
    for (const model of opts.models) {
      done++;
      if (skip !== null) {
        rows.push({
          model,
          backend,
          status: "backend-unavailable",
          msPerStep: null,
          steps: 0,
          ratioToCpu: null,
          error: skip,
        });
        continue;
      }
      const t0 = Date.now();
      const row = await runChild(model, backend, opts);
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      rows.push(row);
      if (row.status === "backend-unavailable") {
        skip = row.error ?? "unavailable";
        unavailable.push(`backend ${backend} unavailable: ${skip}`);
        log(`bench: [${done}/${total}] backend ${backend} unavailable, skipped: ${skip}`);
        continue;
      }
      const what =
        row.status === "ok"
          ? `${row.msPerStep!.toFixed(1)} ms/step (${row.steps} timed steps)`
          : `unavailable: ${row.error}`;
      log(`bench: [${done}/${total}] ${model} on ${backend}: ${what} [${secs} s]`);
    }
  }
  if (opts.torch) {
    const t = torchRows(opts, log);
    rows.push(...t);
  }
  const final = addCpuRatios(rows);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
    return;
  }
  const backendOrder = [...opts.backends, "pytorch-cpu"];
  const lines = [...header, ""];
  lines.push(renderTable(final, opts.models, backendOrder));
  if (unavailable.length) lines.push("", ...unavailable.map((u) => `skipped: ${u}`));
  // the models, once each, from the first row that knows their size
  lines.push("", "models (batch, parameters):");
  for (const m of opts.models) {
    const r = final.find((x) => x.model === m && x.parameterCount !== undefined);
    const d = BENCH_MODELS[m];
    lines.push(
      `  ${m}: batch ${d.batch}${r?.parameterCount !== undefined ? `, ${r.parameterCount.toLocaleString("en-US")} parameters` : ""} — ${d.description}`,
    );
  }
  lines.push("", "× vs cpu = cpu ms/step ÷ this ms/step (speed-up over tfjs's pure-JS cpu backend).");
  console.log(lines.join("\n"));
}

// ---- --notebooks: first-run times of whole notebooks (lib/runner/notebook-timing) --------------------------

const NOTEBOOKS_USAGE = `usage: npm run bench -- --notebooks [--only text] [--preset smoke|demo|paper] [--write] [--timeout s]

  run each notebook alone on an empty run cache (it trains everything it needs) and print its first-run time;
  figures go to a temporary folder, never to figures/. Takes as long as the notebooks do (hours for all at demo).

  --only text   only the notebooks whose path under notebooks/ contains text
  --preset p    smoke | demo | paper (default: demo)
  --write       record each time in notebooks/timings.json (the notebooks' headers print it)
  --timeout s   per-cell limit in seconds (default 3600)`;

async function notebooksMode(argv: string[]): Promise<void> {
  let values: { only?: string; preset?: string; write?: boolean; timeout?: string; help?: boolean };
  try {
    ({ values } = nodeParseArgs({
      args: argv,
      options: {
        only: { type: "string" },
        preset: { type: "string" },
        write: { type: "boolean" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`bench --notebooks: ${(e as Error).message}\n\n${NOTEBOOKS_USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(NOTEBOOKS_USAGE);
    return;
  }
  const preset = values.preset ?? "demo";
  if (!(PRESETS as readonly string[]).includes(preset)) {
    console.error(`bench --notebooks: --preset must be smoke, demo or paper, got ${preset}`);
    process.exit(2);
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) {
    console.error(`bench --notebooks: --timeout needs seconds ≥ 0, got ${values.timeout}`);
    process.exit(2);
  }
  const rows = await timeNotebookFirstRuns({
    preset: preset as Preset,
    only: values.only,
    write: values.write ?? false,
    machine: machineLine(),
    cellTimeoutSec: timeout,
  });
  console.log(notebookTimingTable(rows));
  if (values.write) console.log("written to notebooks/timings.json");
  if (rows.some((r) => !r.ok)) process.exit(1);
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
