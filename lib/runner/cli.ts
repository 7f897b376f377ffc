// Command line for the notebooks: run, figures, gallery, kernel, jupyter. See `help` below.
import { spawn } from "child_process";
import { existsSync, readFileSync, writeFileSync } from "fs";
import { join, relative, resolve } from "path";
import { runFigures, summaryTable } from "./figures";
import { buildGallery, loadRecords } from "./gallery";
import { claimsMarkdown, claimsReport, replaceClaimsTable } from "./claims-report";
import { hasJupyter, JUPYTER_MISSING, jupyterPathWith, KERNEL_NAME, writeKernelSpec } from "./kernelspec";
import { defaultJupyterDataDir, figuresRoot, NOTEBOOKS_DIR, REPO_ROOT } from "../engine/paths";
import { parsePreset, Preset } from "../notebook/preset";
import { displayPath, NotebookRunError, runNotebook } from "./runner";

const HELP = `usage: tsx lib/runner/cli.ts <command> [options]

  run <nb.ipynb...> [--preset p] [--out path] [--timeout s] [--keep-going]
        execute notebooks on the project's tslab kernel and write the outputs back
        (in place unless --out; --out needs exactly one notebook)
  figures [--preset smoke|demo|paper] [--only substring] [--timeout s]
        run every notebooks/**.ipynb (default preset: $VAELAB_PRESET or demo), write executed
        copies to data/executed/, rebuild figures/index.html; exit 1 if any notebook failed
  gallery [--figures-dir d]
        only rebuild figures/index.html from figures/<work>/<name>.json
  claims [--figures-dir d] [--markdown | --update-readme]
        count the claims of figures/<work>/<name>.json: results and checks apart, and the
        cause of every claim that does not hold (--markdown: print the README's claims table;
        --update-readme: rewrite that table in README.md)
  kernel [--dir d]
        register this project's tslab kernel in a project-local Jupyter data dir
        (default data/jupyter) and print how to use it
  jupyter [--lab] [--dir d] [-- jupyter args...]
        register the kernel, then start jupyter notebook (or lab) in notebooks/

  --timeout s   per-cell limit in seconds (default 3600; 0 = none)`;

interface Args {
  positional: string[];
  flags: Map<string, string | true>;
  rest: string[];
}

/** Parse "--name value", "--name=value" and bare "--switch"; everything after "--" goes to `rest`. */
export function parseArgs(argv: string[], switches: string[]): Args {
  const out: Args = { positional: [], flags: new Map(), rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      if (eq >= 0) out.flags.set(name, a.slice(eq + 1));
      else if (switches.includes(name)) out.flags.set(name, true);
      else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) throw new Error(`option --${name} needs a value`);
        out.flags.set(name, v);
        i++;
      }
    } else out.positional.push(a);
  }
  return out;
}

function str(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

function checkFlags(args: Args, allowed: string[], command: string): void {
  for (const k of args.flags.keys()) {
    if (!allowed.includes(k)) throw new Error(`${command}: unknown option --${k}\n\n${HELP}`);
  }
}

function timeoutOf(args: Args): number | undefined {
  const t = str(args, "timeout");
  if (t === undefined) return undefined;
  const s = Number(t);
  if (!Number.isFinite(s) || s < 0) throw new Error(`--timeout must be a number of seconds >= 0, got '${t}'`);
  return s;
}

function presetOf(args: Args): Preset | undefined {
  const p = str(args, "preset");
  return p === undefined ? undefined : parsePreset(p, "--preset");
}

async function cmdRun(args: Args): Promise<number> {
  checkFlags(args, ["preset", "out", "timeout", "keep-going"], "run");
  const notebooks = args.positional;
  if (notebooks.length === 0) throw new Error(`run: name at least one notebook\n\n${HELP}`);
  const out = str(args, "out");
  if (out && notebooks.length > 1) throw new Error("run: --out needs exactly one notebook");
  const preset = presetOf(args);
  let failed = 0;
  for (const nb of notebooks) {
    if (!existsSync(nb)) throw new Error(`run: no such notebook: ${nb}`);
    console.log(`${nb}${preset ? ` (preset ${preset})` : ""}`);
    try {
      const r = await runNotebook(nb, {
        outPath: out,
        cellTimeoutSec: timeoutOf(args),
        stopOnError: !args.flags.has("keep-going"),
        env: preset ? { VAELAB_PRESET: preset } : {},
      });
      console.log(
        `ok: ${r.cells.filter((c) => c.status === "ok").length} cells in ${r.seconds.toFixed(1)} s -> ${displayPath(r.outPath)}`,
      );
    } catch (e) {
      failed++;
      console.error(e instanceof NotebookRunError ? e.message : `${nb}: ${(e as Error).message}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

async function cmdFigures(args: Args): Promise<number> {
  checkFlags(args, ["preset", "only", "timeout"], "figures");
  const preset = presetOf(args) ?? parsePreset(process.env.VAELAB_PRESET || "demo", "VAELAB_PRESET");
  const r = await runFigures({ preset, only: str(args, "only"), cellTimeoutSec: timeoutOf(args) });
  console.log(`\ngallery: ${displayPath(r.gallery.path)} (${r.gallery.records.length} records)`);
  for (const p of r.gallery.problems) console.log(`  unreadable record ${p.file}: ${p.reason}`);
  if (r.notebooks.length > 0) console.log("\n" + summaryTable(r.notebooks));
  return r.ok ? 0 : 1;
}

function cmdGallery(args: Args): number {
  checkFlags(args, ["figures-dir"], "gallery");
  const dir = str(args, "figures-dir");
  const r = buildGallery({ figuresDir: dir ? resolve(dir) : undefined });
  console.log(`wrote ${displayPath(r.path)}: ${r.records.length} records`);
  for (const p of r.problems) console.log(`  unreadable record ${p.file}: ${p.reason}`);
  return 0;
}

function cmdClaims(args: Args): number {
  checkFlags(args, ["figures-dir", "markdown", "update-readme"], "claims");
  const dir = str(args, "figures-dir");
  const { records, problems } = loadRecords(dir ? resolve(dir) : figuresRoot());
  if (args.flags.has("update-readme")) {
    const readme = join(REPO_ROOT, "README.md");
    writeFileSync(readme, replaceClaimsTable(readFileSync(readme, "utf8"), claimsMarkdown(records)));
    console.log(`rewrote the claims table in ${displayPath(readme)} (${records.length} records)`);
  } else console.log(args.flags.has("markdown") ? claimsMarkdown(records) : claimsReport(records));
  for (const p of problems) console.log(`unreadable record ${p.file}: ${p.reason}`);
  return problems.length === 0 ? 0 : 1;
}

function cmdKernel(args: Args): number {
  checkFlags(args, ["dir"], "kernel");
  const dataDir = resolve(str(args, "dir") ?? defaultJupyterDataDir());
  const path = writeKernelSpec(dataDir);
  console.log(`registered kernel '${KERNEL_NAME}' (this project's tslab) in ${displayPath(path)}`);
  console.log(`use it with:  npm run jupyter`);
  console.log(
    `or by hand:   JUPYTER_PATH=${dataDir} jupyter notebook --notebook-dir ${relative(process.cwd(), NOTEBOOKS_DIR) || "."}`,
  );
  console.log(`check:        JUPYTER_PATH=${dataDir} jupyter kernelspec list`);
  return 0;
}

async function cmdJupyter(args: Args): Promise<number> {
  checkFlags(args, ["lab", "dir"], "jupyter");
  const dataDir = resolve(str(args, "dir") ?? defaultJupyterDataDir());
  const path = writeKernelSpec(dataDir);
  console.log(`registered kernel '${KERNEL_NAME}' in ${displayPath(path)}`);
  const env = { ...process.env, JUPYTER_PATH: jupyterPathWith(dataDir) };
  if (!hasJupyter(env)) {
    console.error(JUPYTER_MISSING);
    return 2;
  }
  const app = args.flags.has("lab") ? "lab" : "notebook";
  console.log(`starting jupyter ${app} in ${displayPath(NOTEBOOKS_DIR)}`);
  const child = spawn("jupyter", [app, ...args.rest], { cwd: NOTEBOOKS_DIR, env, stdio: "inherit" });
  // Ctrl-C goes to Jupyter too (same process group); let it ask and shut down itself.
  process.removeAllListeners("SIGINT");
  process.on("SIGINT", () => undefined);
  return new Promise((resolveCode) => {
    child.on("exit", (code, signal) => resolveCode(code ?? (signal ? 1 : 0)));
    child.on("error", (e) => {
      console.error(`could not start jupyter: ${e.message}\n${JUPYTER_MISSING}`);
      resolveCode(2);
    });
  });
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest, ["lab", "keep-going", "markdown", "update-readme"]);
  switch (command) {
    case "run":
      return cmdRun(args);
    case "figures":
      return cmdFigures(args);
    case "gallery":
      return cmdGallery(args);
    case "claims":
      return cmdClaims(args);
    case "kernel":
      return cmdKernel(args);
    case "jupyter":
      return cmdJupyter(args);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return command === undefined ? 1 : 0;
    default:
      console.error(`unknown command '${command}'\n\n${HELP}`);
      return 1;
  }
}

if (require.main === module) {
  // Exit through process.exit so that the runner's exit hook kills any kernel still running.
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping (kernels are killed)`);
      process.exit(130);
    });
  }
  // `npm run` starts us in the repo root; resolve notebook paths from where the user typed the command.
  process.chdir(process.env.INIT_CWD && existsSync(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd());
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
