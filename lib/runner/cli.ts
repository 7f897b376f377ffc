// Command line for the notebooks: run, figures, gallery, claims, kernel, jupyter. See usage() and HELP below.
import { spawn, spawnSync } from "child_process";
import { existsSync, readFileSync, writeFileSync } from "fs";
import { basename, isAbsolute, join, relative, resolve } from "path";
import { parseArgs } from "util";
import { estimateLine, planFigures, planTable, runFigures, summaryTable } from "./figures";
import { buildGallery, loadRecords } from "./gallery";
import { claimsMarkdown, claimsReport, replaceClaimsTable } from "./claims-report";
import { hasJupyter, JUPYTER_MISSING, jupyterPathWith, KERNEL_NAME, writeKernelSpec } from "./kernelspec";
import { committedFiguresRoot, defaultJupyterDataDir, EXECUTED_DIR, NOTEBOOKS_DIR, REPO_ROOT } from "../engine/paths";
import { parsePreset, Preset } from "../notebook/preset";
import { displayPath, NotebookRunError, runNotebook } from "./runner";
import { signNotebook } from "./trust";

const CLI = "tsx lib/runner/cli.ts";
const TIMEOUT_HELP = "--timeout s     per-cell limit in seconds (default 3600; 0 = none)";

export type Command = "run" | "figures" | "gallery" | "claims" | "kernel" | "jupyter";

interface CommandSpec {
  /** The npm script that runs this command. */
  npm?: string;
  /** What follows the command's name in a usage line. */
  synopsis: string;
  /** What it does, one or more lines. */
  about: string;
  /** Its options (util.parseArgs config; --help/-h is added to every command) and their help lines. */
  options: Record<string, { type: "string" | "boolean"; help: string }>;
  /** Whether it takes positional words (run: notebooks). */
  positionals?: boolean;
  /** jupyter: everything after the first "--" goes to the started program, unparsed. */
  passRest?: boolean;
  /** jupyter: options it does not know (and the words after them) go to the started program too. */
  passUnknownOptions?: boolean;
  /** A hint for a positional word it does not take, or an option it does not know. */
  hint?: (word: string, kind: "argument" | "option") => string | undefined;
}

const COMMANDS: Record<Command, CommandSpec> = {
  run: {
    npm: "nb",
    synopsis: "<nb.ipynb...> [--preset p] [--out path] [--timeout s] [--keep-going]",
    about:
      "execute notebooks on the project's tslab kernel; the executed copy goes to data/executed/<path>\n" +
      "(or --out, one notebook only; --in-place writes the outputs into the notebook itself), signed so\n" +
      "that Jupyter trusts its plots; figure exports go to data/figures/ — never the committed figures/,\n" +
      "which only the main job writes",
    options: {
      preset: {
        type: "string",
        help: "--preset p      smoke | demo | paper (default: $VAELAB_PRESET, else the notebook's)",
      },
      out: { type: "string", help: "--out path      write the executed notebook there (one notebook only)" },
      "in-place": { type: "boolean", help: "--in-place      write the outputs into the notebook itself" },
      timeout: { type: "string", help: TIMEOUT_HELP },
      "keep-going": { type: "boolean", help: "--keep-going    run the remaining cells after a failing one" },
    },
    positionals: true,
  },
  figures: {
    npm: "figures",
    synopsis: "[--preset smoke|demo|paper] [--only substring] [--timeout s] [--list | --dry-run]",
    about:
      "run every notebooks/**.ipynb (default preset: $VAELAB_PRESET or demo), write executed\n" +
      "copies to data/executed/, rebuild figures/index.html; exit 1 if any notebook failed.\n" +
      "Prints the estimated total (measured times from the figure records) before it starts.",
    options: {
      preset: { type: "string", help: "--preset p      smoke | demo | paper (default: $VAELAB_PRESET, else demo)" },
      only: { type: "string", help: "--only text     only the notebooks whose path under notebooks/ contains text" },
      timeout: { type: "string", help: TIMEOUT_HELP },
      list: {
        type: "boolean",
        help: "--list          print the notebooks that would run and their measured times; run nothing",
      },
      "dry-run": { type: "boolean", help: "--dry-run       --list plus the estimated total; run nothing" },
    },
    hint: (word, kind) =>
      kind === "option"
        ? undefined
        : (["smoke", "demo", "paper"] as string[]).includes(word)
          ? `did you mean --preset ${word}?`
          : `did you mean --only ${word}?`,
  },
  gallery: {
    synopsis: "[--figures-dir d]",
    about: "only rebuild figures/index.html from figures/<work>/<name>.json",
    options: {
      "figures-dir": {
        type: "string",
        help: "--figures-dir d the figures folder (default: $VAELAB_FIGURES_DIR, else figures/)",
      },
    },
  },
  claims: {
    npm: "claims",
    synopsis: "[--figures-dir d] [--markdown | --update-readme]",
    about:
      "count the claims of figures/<work>/<name>.json: results and checks apart, and the\n" +
      "cause of every claim that does not hold",
    options: {
      "figures-dir": {
        type: "string",
        help: "--figures-dir d the figures folder (default: $VAELAB_FIGURES_DIR, else figures/)",
      },
      markdown: { type: "boolean", help: "--markdown      print the README's claims table" },
      "update-readme": { type: "boolean", help: "--update-readme rewrite that table in README.md" },
    },
  },
  kernel: {
    npm: "kernel:install",
    synopsis: "[--dir d]",
    about:
      "register this project's tslab kernel in a project-local Jupyter data dir\n" +
      "(default data/jupyter) and print how to use it",
    options: { dir: { type: "string", help: "--dir d         the Jupyter data dir (default data/jupyter)" } },
  },
  jupyter: {
    npm: "jupyter",
    synopsis: "[--lab] [--dir d] [-- jupyter args...]",
    about:
      "register the kernel, then start jupyter notebook (or lab) in notebooks/;\n" +
      "Jupyter's own options go to Jupyter (npm run jupyter -- --no-browser --port 8889), as does everything after --",
    options: {
      lab: { type: "boolean", help: "--lab           start JupyterLab instead of the classic notebook" },
      dir: { type: "string", help: "--dir d         the Jupyter data dir for the kernel (default data/jupyter)" },
    },
    passRest: true,
    passUnknownOptions: true,
    hint: (word, kind) =>
      kind === "argument" && word === "lab"
        ? "did you mean --lab?"
        : `pass Jupyter's own arguments after --, as in: npm run jupyter -- -- ${word}`,
  },
};

const COMMAND_NAMES = Object.keys(COMMANDS) as Command[];

/** The usage of one command: how to call it, what it does, its options. */
export function usage(command: Command): string {
  const spec = COMMANDS[command];
  return [
    `usage: ${CLI} ${command} ${spec.synopsis}`,
    ...(spec.npm ? [`   or: npm run ${spec.npm} -- ${spec.synopsis}`] : []),
    "",
    ...spec.about.split("\n").map((l) => `  ${l}`),
    "",
    ...Object.values(spec.options).map((o) => `  ${o.help}`),
    "  -h, --help      print this help",
  ].join("\n");
}

/** The overall usage: every command in brief. */
export const HELP = [
  `usage: ${CLI} <command> [options]`,
  "",
  ...COMMAND_NAMES.flatMap((c) => [
    `  ${c} ${COMMANDS[c].synopsis}`,
    ...COMMANDS[c].about.split("\n").map((l) => `        ${l}`),
  ]),
  "",
  `  ${TIMEOUT_HELP}`,
  "",
  `${CLI} <command> --help prints a command's options.`,
  "npm scripts: " +
    COMMAND_NAMES.filter((c) => COMMANDS[c].npm)
      .map((c) => `npm run ${COMMANDS[c].npm} (${c})`)
      .join(", "),
  "with npm, options go after --, e.g. npm run figures -- --help",
].join("\n");

/** A command line that does not fit the command's usage; exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose usage follows the message, or undefined for the overall usage. */
    readonly command?: Command,
  ) {
    super(message);
  }
}

/** The parsed command line of one command. */
export interface ParsedCommand {
  /** --help or -h was given: print the usage and do nothing else. */
  help: boolean;
  values: { [name: string]: string | boolean | undefined };
  positionals: string[];
  /** jupyter: the words after the first "--", untouched. */
  rest: string[];
}

/**
 * Parse `argv` (the words after the command) with util.parseArgs in strict mode. Throws UsageError with a
 * one-line message naming the first word that does not fit: an unknown option, a stray positional word, an
 * option without its value or a switch with one. --help/-h anywhere before "--" wins over everything else.
 */
export function parseCommand(command: Command, argv: string[]): ParsedCommand {
  const spec = COMMANDS[command];
  let own = argv;
  let rest: string[] = [];
  const end = spec.passRest ? argv.indexOf("--") : -1;
  if (end >= 0) [own, rest] = [argv.slice(0, end), argv.slice(end + 1)];
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, o] of Object.entries(spec.options)) options[name] = { type: o.type };
  const fail = (message: string, word?: string, kind?: "argument" | "option") => {
    const hint = word !== undefined && kind ? spec.hint?.(word, kind) : undefined;
    return new UsageError(`${command}: ${message}${hint ? ` (${hint})` : ""}`, command);
  };

  // Loose first, to find and name the offending word ourselves (util's own messages are long and generic).
  let { tokens } = parseArgs({ args: own, options, strict: false, allowPositionals: true, tokens: true });
  if (spec.passUnknownOptions) {
    // An option we do not know goes to the program, with the words up to the next option (its value, if any).
    const mine: string[] = [],
      theirs: string[] = [];
    let passing = false;
    for (const t of tokens) {
      if (t.kind === "option") passing = !options[t.name];
      const words = own.slice(
        t.index,
        t.index + (t.kind === "option" && t.value !== undefined && !t.inlineValue ? 2 : 1),
      );
      (passing ? theirs : mine).push(...words);
    }
    own = mine;
    rest = [...theirs, ...rest];
    ({ tokens } = parseArgs({ args: own, options, strict: false, allowPositionals: true, tokens: true }));
  }
  if (tokens.some((t) => t.kind === "option" && t.name === "help"))
    return { help: true, values: {}, positionals: [], rest };
  for (const t of tokens) {
    if (t.kind === "positional" && !spec.positionals)
      throw fail(`unexpected argument '${t.value}'`, t.value, "argument");
    if (t.kind !== "option") continue;
    const o = options[t.name];
    if (!o) throw fail(`unknown option '${t.rawName}'`, t.rawName, "option");
    if (o.type === "boolean" && t.value !== undefined) throw fail(`option ${t.rawName} takes no value`);
    if (o.type === "string" && (t.value === undefined || (!t.inlineValue && t.value.startsWith("-")))) {
      throw fail(`option ${t.rawName} needs a value`);
    }
  }
  try {
    const r = parseArgs({ args: own, options, strict: true, allowPositionals: !!spec.positionals });
    return { help: false, values: r.values, positionals: r.positionals, rest };
  } catch (e) {
    throw fail((e as Error).message.split("\n")[0]);
  }
}

function str(args: ParsedCommand, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

function flag(args: ParsedCommand, name: string): boolean {
  return args.values[name] === true;
}

function timeoutOf(args: ParsedCommand, command: Command): number | undefined {
  const t = str(args, "timeout");
  if (t === undefined) return undefined;
  const s = Number(t);
  if (t.trim() === "" || !Number.isFinite(s) || s < 0) {
    throw new UsageError(`${command}: --timeout must be a number of seconds >= 0, got '${t}'`, command);
  }
  return s;
}

function presetOf(args: ParsedCommand, command: Command): Preset | undefined {
  const p = str(args, "preset");
  if (p === undefined) return undefined;
  try {
    return parsePreset(p, "--preset");
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`, command);
  }
}

/** data/executed/<path below notebooks/ (or the repository, or the file name for notebooks elsewhere)>. */
export function executedCopyPath(nb: string): string {
  const abs = resolve(nb);
  const under = (dir: string) => {
    const r = relative(dir, abs);
    return r && !r.startsWith("..") && !isAbsolute(r) ? r : null;
  };
  return join(EXECUTED_DIR, under(NOTEBOOKS_DIR) ?? under(REPO_ROOT) ?? basename(abs));
}

async function cmdRun(args: ParsedCommand): Promise<number> {
  const notebooks = args.positionals;
  if (notebooks.length === 0) throw new UsageError("run: name at least one notebook", "run");
  const out = str(args, "out");
  if (out && notebooks.length > 1) throw new UsageError("run: --out needs exactly one notebook", "run");
  if (out && flag(args, "in-place")) throw new UsageError("run: --out and --in-place exclude each other", "run");
  const preset = presetOf(args, "run");
  const cellTimeoutSec = timeoutOf(args, "run");
  let failed = 0;
  for (const nb of notebooks) {
    if (!existsSync(nb)) throw new Error(`run: no such notebook: ${nb}`);
    console.log(`${nb}${preset ? ` (preset ${preset})` : ""}`);
    try {
      const r = await runNotebook(nb, {
        outPath: out ?? (flag(args, "in-place") ? undefined : executedCopyPath(nb)),
        cellTimeoutSec,
        stopOnError: !flag(args, "keep-going"),
        env: preset ? { VAELAB_PRESET: preset } : {},
      });
      console.log(
        `ok: ${r.cells.filter((c) => c.status === "ok").length} cells in ${r.seconds.toFixed(1)} s -> ${displayPath(r.outPath)}`,
      );
      console.log(`  ${signNotebook(r.outPath).note}`);
    } catch (e) {
      failed++;
      console.error(e instanceof NotebookRunError ? e.message : `${nb}: ${(e as Error).message}`);
      // the notebook is written up to the failing cell: its plots should show too
      if (e instanceof NotebookRunError) console.error(`  ${signNotebook(e.result.outPath).note}`);
    }
  }
  return failed === 0 ? 0 : 1;
}

async function cmdFigures(args: ParsedCommand): Promise<number> {
  const preset = presetOf(args, "figures") ?? parsePreset(process.env.VAELAB_PRESET || "demo", "VAELAB_PRESET");
  const only = str(args, "only");
  const cellTimeoutSec = timeoutOf(args, "figures");
  const plan = planFigures({ preset, only });
  if (flag(args, "list") || flag(args, "dry-run")) {
    console.log(planTable(plan));
    if (flag(args, "dry-run")) console.log(`${estimateLine(plan)}\ndry run: nothing was run`);
    return 0;
  }
  console.log(plan.notebooks.length > 0 ? `${estimateLine(plan)}; --dry-run lists them` : estimateLine(plan));
  const r = await runFigures({ preset, only, cellTimeoutSec });
  console.log(`\ngallery: ${displayPath(r.gallery.path)} (${r.gallery.records.length} records)`);
  for (const p of r.gallery.problems) console.log(`  unreadable record ${p.file}: ${p.reason}`);
  if (r.notebooks.length > 0) console.log("\n" + summaryTable(r.notebooks));
  return r.ok ? 0 : 1;
}

function cmdGallery(args: ParsedCommand): number {
  const dir = str(args, "figures-dir");
  const r = buildGallery({ figuresDir: dir ? resolve(dir) : undefined });
  console.log(`wrote ${displayPath(r.path)}: ${r.records.length} records`);
  for (const p of r.problems) console.log(`  unreadable record ${p.file}: ${p.reason}`);
  return 0;
}

function cmdClaims(args: ParsedCommand): number {
  const dir = str(args, "figures-dir");
  const { records, problems } = loadRecords(dir ? resolve(dir) : committedFiguresRoot());
  if (flag(args, "update-readme")) {
    const readme = join(REPO_ROOT, "README.md");
    writeFileSync(readme, replaceClaimsTable(readFileSync(readme, "utf8"), claimsMarkdown(records)));
    console.log(`rewrote the claims table in ${displayPath(readme)} (${records.length} records)`);
  } else console.log(flag(args, "markdown") ? claimsMarkdown(records) : claimsReport(records));
  for (const p of problems) console.log(`unreadable record ${p.file}: ${p.reason}`);
  return problems.length === 0 ? 0 : 1;
}

function cmdKernel(args: ParsedCommand): number {
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

export const JUPYTERLAB_MISSING =
  "jupyter: --lab needs JupyterLab, which is not installed ('jupyter lab --version' failed). Install it, then run this again:\n" +
  "  python3 -m pip install --user jupyterlab   (Debian 12 has no package for it; there: pipx install jupyterlab)\n" +
  "or leave out --lab: npm run jupyter starts the classic notebook.";

/**
 * The words that start Jupyter: the app, --allow-root when we run as root (Jupyter refuses to start as root
 * without it, "Running as root is not recommended"), then the user's own words untouched.
 */
export function jupyterArgs(app: "notebook" | "lab", rest: string[], uid: number | undefined): string[] {
  const allowRoot = uid === 0 && !rest.includes("--allow-root");
  return [app, ...(allowRoot ? ["--allow-root"] : []), ...rest];
}

async function cmdJupyter(args: ParsedCommand): Promise<number> {
  const dataDir = resolve(str(args, "dir") ?? defaultJupyterDataDir());
  const path = writeKernelSpec(dataDir);
  console.log(`registered kernel '${KERNEL_NAME}' in ${displayPath(path)}`);
  const env = { ...process.env, JUPYTER_PATH: jupyterPathWith(dataDir) };
  if (!hasJupyter(env)) {
    console.error(JUPYTER_MISSING);
    return 2;
  }
  const app = flag(args, "lab") ? "lab" : "notebook";
  // Without JupyterLab, `jupyter lab` only says "Jupyter command `jupyter-lab` not found."
  if (app === "lab" && spawnSync("jupyter", ["lab", "--version"], { env, stdio: "ignore" }).status !== 0) {
    console.error(JUPYTERLAB_MISSING);
    return 2;
  }
  const argv = jupyterArgs(app, args.rest, process.getuid?.());
  if (argv.length > args.rest.length + 1) console.log("running as root: passing --allow-root to Jupyter");
  console.log(`starting jupyter ${app} in ${displayPath(NOTEBOOKS_DIR)}`);
  const child = spawn("jupyter", argv, { cwd: NOTEBOOKS_DIR, env, stdio: "inherit" });
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

const HANDLERS: Record<Command, (args: ParsedCommand) => number | Promise<number>> = {
  run: cmdRun,
  figures: cmdFigures,
  gallery: cmdGallery,
  claims: cmdClaims,
  kernel: cmdKernel,
  jupyter: cmdJupyter,
};

function isCommand(word: string | undefined): word is Command {
  return word !== undefined && (COMMAND_NAMES as string[]).includes(word);
}

/**
 * Run the CLI with `argv` (without node and script); resolves to the exit code: 0 done (or help printed),
 * 1 a run failed, 2 the command line does not fit the usage (the message and the usage go to stderr).
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "help" || command === "--help" || command === "-h") {
      if (rest.length === 0) console.log(HELP);
      else if (rest.length === 1 && isCommand(rest[0])) console.log(usage(rest[0]));
      else throw new UsageError(`help: unknown command '${rest.join(" ")}'`);
      return 0;
    }
    if (command === undefined) {
      console.log(HELP);
      return 1;
    }
    if (!isCommand(command)) {
      throw new UsageError(
        command.startsWith("-") ? `unknown option '${command}' before the command` : `unknown command '${command}'`,
      );
    }
    const args = parseCommand(command, rest);
    if (args.help) {
      console.log(usage(command));
      return 0;
    }
    return await HANDLERS[command](args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n\n${e.command ? usage(e.command) : HELP}`);
    return 2;
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
