// The command line: kernel registration, jupyter without Jupyter installed, gallery, errors, --help of every
// command, refused words and flags, figures --list/--dry-run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { chmodSync, existsSync, readFileSync, realpathSync } from "fs";
import { join, resolve } from "path";
import { Command, executedCopyPath, jupyterArgs, parseCommand, UsageError } from "../../lib/runner/cli";
import { estimateLine, findNotebooks, formatDuration, planFigures, planTable } from "../../lib/runner/figures";
import { kernelCwdFor } from "../../lib/runner/kernelspec";
import { makeNotebook, tempDir, writeFiles } from "./nb-fixtures";

const repo = resolve(__dirname, "..", "..");
// A temporary figures folder for every call, so that no call (not even a broken one) touches figures/.
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", join(repo, "lib/runner/cli.ts"), ...args], {
    cwd: repo,
    env: { ...process.env, INIT_CWD: repo, VAELAB_FIGURES_DIR: tempDir("cli-figures"), ...env },
    encoding: "utf8",
    // A CLI that wrongly starts a run is stopped (SIGTERM: it kills its kernels) and the test fails.
    timeout: 120_000,
    killSignal: "SIGTERM",
  });
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

test("kernel writes a kernelspec that starts this project's tslab with this node", () => {
  const dir = tempDir("kernelspec");
  const r = cli(["kernel", "--dir", dir]);
  assert.equal(r.code, 0, r.err);
  const specDir = join(dir, "kernels", "tslab");
  const spec = JSON.parse(readFileSync(join(specDir, "kernel.json"), "utf8"));
  const preload = join(specDir, "project-cwd.js");
  assert.deepEqual(spec.argv, [
    process.execPath,
    "--require",
    preload,
    join(repo, "node_modules", "tslab", "bin", "tslab"),
    "kernel",
    "--config-path",
    "{connection_file}",
  ]);
  assert.ok(existsSync(spec.argv[3]));
  assert.equal(spec.display_name, "TypeScript (vaelab tslab)");
  assert.equal(spec.language, "typescript");
  assert.match(r.out, new RegExp(`JUPYTER_PATH=${dir}`));

  // Jupyter starts the kernel in the notebook's folder; the preload moves it to the project root.
  const project = tempDir("kernel-project");
  writeFiles(project, { "package.json": "{}", "notebooks/work/x.ipynb": "{}" });
  const cwdOf = (from: string) =>
    spawnSync(process.execPath, ["--require", preload, "-e", "process.stdout.write(process.cwd())"], {
      cwd: from,
      encoding: "utf8",
    }).stdout;
  assert.equal(cwdOf(join(project, "notebooks", "work")), realpathSync(project));
  const loose = tempDir("kernel-loose"); // no package.json above: stays put
  assert.equal(cwdOf(loose), realpathSync(loose));
});

test("kernelCwdFor: nearest folder with package.json, else the folder itself", () => {
  const project = tempDir("cwd-rule");
  writeFiles(project, { "package.json": "{}", "notebooks/a/b/n.ipynb": "{}" });
  assert.equal(kernelCwdFor(join(project, "notebooks", "a", "b")), project);
  assert.equal(kernelCwdFor(project), project);
  const loose = tempDir("cwd-loose");
  assert.equal(kernelCwdFor(loose), loose);
  assert.equal(kernelCwdFor(join(repo, "notebooks", "pdisvae")), repo);
});

test("jupyter without jupyter on PATH registers the kernel and explains how to get Jupyter", () => {
  const dir = tempDir("nojupyter");
  const r = cli(["jupyter", "--dir", dir], { PATH: join(dir, "empty-bin") });
  assert.equal(r.code, 2);
  assert.match(r.err, /jupyter was not found on PATH/);
  assert.match(r.err, /apt-get install jupyter-notebook jupyter-nbconvert/);
  assert.match(r.err, /pip install/);
  assert.ok(existsSync(join(dir, "kernels", "tslab", "kernel.json")));
});

test("gallery reads VAELAB_FIGURES_DIR; bad commands and options fail with a message", () => {
  const dir = tempDir("cli-gallery");
  writeFiles(dir, {
    "cd-vae/fig01.json": {
      work: "cd-vae",
      figure: "Fig. 1",
      name: "fig01",
      caption: "c",
      preset: "smoke",
      engine: "cpu",
      seconds: 1,
      differences: [],
      data: {},
      claims: [
        { text: "t", paper: "p", ours: "o", holds: null, kind: "result", cause: { class: "stand-in", note: "n" } },
      ],
    },
  });
  const r = cli(["gallery"], { VAELAB_FIGURES_DIR: dir });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /1 records/);
  assert.match(readFileSync(join(dir, "index.html"), "utf8"), /<tr class="claim holds-na kind-result">/);

  const bad = cli(["frobnicate"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^unknown command 'frobnicate'\n\nusage: tsx lib\/runner\/cli.ts <command>/);
  const badPreset = cli(["figures", "--preset", "huge"]);
  assert.equal(badPreset.code, 2);
  assert.match(badPreset.err, /--preset: unknown preset 'huge'/);
  const badOpt = cli(["run", "x.ipynb", "--colour", "red"]);
  assert.equal(badOpt.code, 2);
  assert.match(badOpt.err, /^run: unknown option '--colour'\n\nusage: tsx lib\/runner\/cli.ts run /);
});

// The options each command's usage must list (its --help is checked against them).
const OPTIONS: Record<Command, string[]> = {
  run: ["--preset", "--out", "--timeout", "--keep-going"],
  figures: ["--preset", "--only", "--timeout", "--list", "--dry-run"],
  gallery: ["--figures-dir"],
  claims: ["--figures-dir", "--markdown", "--update-readme"],
  kernel: ["--dir"],
  jupyter: ["--lab", "--dir"],
};
// Words after `figures` that would start the full multi-hour run if the CLI ignored the word in front of them.
const NO_NOTEBOOK = ["--only", "zzz-no-such-notebook"];

test("every command prints its usage for --help and -h (exit 0) and does nothing else", () => {
  for (const command of Object.keys(OPTIONS) as Command[]) {
    for (const h of command === "figures" || command === "run" || command === "jupyter"
      ? ["--help", "-h"]
      : ["--help"]) {
      // figures: the NO_NOTEBOOK guard keeps a CLI that ignores -h from starting the real run.
      const args = command === "figures" ? [command, h, ...NO_NOTEBOOK] : [command, h];
      const kernelDir = tempDir("help-kernel");
      if (command === "kernel" || command === "jupyter") args.push("--dir", kernelDir);
      const figuresDir = tempDir("help-figures");
      // jupyter: no Jupyter on PATH, so that a CLI that ignores -h cannot start a server.
      const path = command === "jupyter" ? { PATH: join(kernelDir, "empty-bin") } : {};
      const r = cli(args, { VAELAB_FIGURES_DIR: figuresDir, ...path });
      const what = args.join(" ");
      assert.equal(r.code, 0, `${what}: ${r.err}`);
      assert.match(r.out, new RegExp(`^usage: tsx lib/runner/cli.ts ${command} `), what);
      for (const o of [...OPTIONS[command], "-h, --help"]) assert.ok(r.out.includes(o), `${what}: no ${o}`);
      assert.equal(r.err, "", what);
      assert.ok(!existsSync(join(figuresDir, "index.html")), `${what} built the gallery`);
      assert.ok(!existsSync(join(kernelDir, "kernels")), `${what} registered the kernel`);
    }
  }
  for (const args of [["help"], ["--help"], ["-h"]]) {
    const r = cli(args);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^usage: tsx lib\/runner\/cli.ts <command> \[options\]/);
    for (const c of Object.keys(OPTIONS)) assert.match(r.out, new RegExp(`^  ${c} `, "m"));
  }
  const bare = cli([]);
  assert.equal(bare.code, 1);
  assert.match(bare.out, /^usage: tsx lib\/runner\/cli.ts <command>/);
  const one = cli(["help", "figures"]);
  assert.equal(one.code, 0);
  assert.match(one.out, /^usage: tsx lib\/runner\/cli.ts figures /);
});

test("stray words and unknown options are refused at once: one line naming the word, then the usage, exit 2", () => {
  const cases: [string[], string][] = [
    [["figures", "table03", ...NO_NOTEBOOK], "figures: unexpected argument 'table03' (did you mean --only table03?)"],
    [["figures", "--frobnicate", ...NO_NOTEBOOK], "figures: unknown option '--frobnicate'"],
    [
      ["jupyter", "notebook", "--dir", tempDir("refused-kernel")],
      "jupyter: unexpected argument 'notebook' (pass Jupyter's own arguments after --, as in: npm run jupyter -- -- notebook)",
    ],
    [["gallery", "extra"], "gallery: unexpected argument 'extra'"],
  ];
  for (const [args, message] of cases) {
    const figuresDir = tempDir("refused-figures");
    const r = cli(args, { VAELAB_FIGURES_DIR: figuresDir });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.out}${r.err}`);
    const [first, blank, usageLine] = r.err.split("\n");
    assert.equal(first, message);
    assert.equal(blank, "");
    assert.match(usageLine, new RegExp(`^usage: tsx lib/runner/cli.ts ${args[0]} `));
    assert.equal(r.out, "", `${args.join(" ")} printed: ${r.out}`);
    assert.ok(!existsSync(join(figuresDir, "index.html")), `${args.join(" ")} built the gallery`);
  }
});

test("parseCommand: options of each command, switches, --x=v, -h anywhere, words for Jupyter after --", () => {
  const run = parseCommand("run", ["a.ipynb", "--preset", "smoke", "--out=x.ipynb", "--keep-going", "b.ipynb"]);
  assert.deepEqual(run.positionals, ["a.ipynb", "b.ipynb"]);
  assert.deepEqual({ ...run.values }, { preset: "smoke", out: "x.ipynb", "keep-going": true });
  assert.equal(run.help, false);
  assert.deepEqual(parseCommand("run", ["--", "-odd.ipynb"]).positionals, ["-odd.ipynb"]);

  const fig = parseCommand("figures", ["--dry-run", "--only", "table03", "--list"]);
  assert.deepEqual({ ...fig.values }, { "dry-run": true, only: "table03", list: true });
  assert.equal(parseCommand("figures", ["table03", "-h"]).help, true, "help wins over a stray word");
  assert.equal(parseCommand("claims", ["--markdown", "--help"]).help, true);

  // Jupyter's own options before "--" go to Jupyter too, each with the words up to the next option (issue 18)
  const own = parseCommand("jupyter", ["--no-browser", "--lab", "--port", "8889", "--dir", "d", "--ip=0.0.0.0"]);
  assert.deepEqual([own.values.lab, own.values.dir], [true, "d"]);
  assert.deepEqual(own.rest, ["--no-browser", "--port", "8889", "--ip=0.0.0.0"]);
  const jup = parseCommand("jupyter", ["--lab", "--", "--no-browser", "--port", "9", "-h", "--", "x"]);
  assert.deepEqual({ ...jup.values }, { lab: true });
  assert.deepEqual(jup.rest, ["--no-browser", "--port", "9", "-h", "--", "x"], "untouched, -h and -- included");
  assert.equal(jup.help, false);

  const refused: [Command, string[], RegExp][] = [
    ["run", ["--preset"], /^run: option --preset needs a value$/],
    ["run", ["--preset", "--keep-going"], /^run: option --preset needs a value$/],
    ["run", ["--keep-going=yes"], /^run: option --keep-going takes no value$/],
    ["run", ["a.ipynb", "-x"], /^run: unknown option '-x'$/],
    ["figures", ["smoke"], /^figures: unexpected argument 'smoke' \(did you mean --preset smoke\?\)$/],
    ["figures", ["--", "table03"], /^figures: unexpected argument 'table03'/],
    ["figures", ["--keep-going"], /^figures: unknown option '--keep-going'$/],
    ["gallery", ["--dir", "d"], /^gallery: unknown option '--dir'$/],
    ["claims", ["table"], /^claims: unexpected argument 'table'$/],
    ["kernel", ["--lab"], /^kernel: unknown option '--lab'$/],
    ["kernel", ["here"], /^kernel: unexpected argument 'here'$/],
    ["jupyter", ["lab"], /^jupyter: unexpected argument 'lab' \(did you mean --lab\?\)$/],
    ["jupyter", ["--dir"], /^jupyter: option --dir needs a value$/],
  ];
  for (const [command, argv, message] of refused) {
    assert.throws(
      () => parseCommand(command, argv),
      (e: unknown) => e instanceof UsageError && e.command === command && message.test(e.message),
      `${command} ${argv.join(" ")}`,
    );
  }
});

/** A fake `jupyter` that logs its words, one a line, to the returned file; `lab` fails unless `withLab`. */
function fakeJupyter(name: string, withLab: boolean): { bin: string; log: string; dir: string } {
  const dir = tempDir(name);
  const bin = join(dir, "bin");
  const log = join(dir, "args.txt");
  const noLab = withLab ? "" : `[ "$1" = lab ] && { echo 'Jupyter command \`jupyter-lab\` not found.' >&2; exit 1; }\n`;
  writeFiles(bin, { jupyter: `#!/bin/sh\nprintf '%s\\n' "$@" >> "${log}"\n${noLab}exit 0\n` });
  chmodSync(join(bin, "jupyter"), 0o755);
  return { bin, log, dir };
}
// As root we add --allow-root (Jupyter refuses root without it); the tests run as whoever runs them.
const ASROOT = process.getuid?.() === 0 ? "--allow-root\n" : "";

test("jupyter passes everything after -- to Jupyter untouched", () => {
  const { bin, log, dir } = fakeJupyter("fake-jupyter", true);
  const r = cli(["jupyter", "--lab", "--dir", join(dir, "data"), "--", "--no-browser", "--port", "9", "-h"], {
    PATH: `${bin}:${process.env.PATH}`,
  });
  assert.equal(r.code, 0, r.err);
  // hasJupyter's `jupyter --version`, the JupyterLab check, then the real start.
  assert.equal(readFileSync(log, "utf8"), `--version\nlab\n--version\nlab\n${ASROOT}--no-browser\n--port\n9\n-h\n`);
  assert.match(r.out, /starting jupyter lab/);
});

test("npm run jupyter -- --no-browser starts the notebook with --no-browser (issue 18)", () => {
  const { bin, log, dir } = fakeJupyter("fake-jupyter-nb", false);
  const r = cli(["jupyter", "--dir", join(dir, "data"), "--no-browser"], { PATH: `${bin}:${process.env.PATH}` });
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(log, "utf8"), `--version\nnotebook\n${ASROOT}--no-browser\n`);
  assert.equal(/running as root: passing --allow-root to Jupyter/.test(r.out), ASROOT !== "");
});

test("jupyter --lab without JupyterLab refuses with our message and the fix, and starts nothing (issue 18)", () => {
  const { bin, log, dir } = fakeJupyter("fake-jupyter-nolab", false);
  const r = cli(["jupyter", "--lab", "--dir", join(dir, "data"), "--no-browser"], {
    PATH: `${bin}:${process.env.PATH}`,
  });
  assert.equal(r.code, 2, r.out + r.err);
  assert.equal(readFileSync(log, "utf8"), "--version\nlab\n--version\n", "only the checks ran");
  assert.match(r.err, /^jupyter: --lab needs JupyterLab, which is not installed/m);
  assert.match(r.err, /pip install --user jupyterlab/);
  assert.match(r.err, /or leave out --lab/);
  assert.doesNotMatch(r.out + r.err, /jupyter-lab` not found/);
});

test("jupyterArgs: --allow-root right after the app when uid is 0, never twice, the user's words untouched", () => {
  assert.deepEqual(jupyterArgs("notebook", ["--no-browser"], 0), ["notebook", "--allow-root", "--no-browser"]);
  assert.deepEqual(jupyterArgs("lab", ["--port", "9", "--", "x"], 0), [
    "lab",
    "--allow-root",
    "--port",
    "9",
    "--",
    "x",
  ]);
  assert.deepEqual(jupyterArgs("notebook", ["--allow-root"], 0), ["notebook", "--allow-root"]);
  assert.deepEqual(jupyterArgs("notebook", ["--no-browser"], 1000), ["notebook", "--no-browser"]);
  assert.deepEqual(jupyterArgs("lab", [], undefined), ["lab"], "no uid (Windows): nothing added");
});

// A figure record as the notebooks export them, for `notebook` at `preset`, measured `seconds`.
function record(work: string, name: string, notebook: string, preset: string, seconds: number) {
  return {
    work,
    figure: "Fig. 1",
    name,
    caption: "c",
    notebook,
    preset,
    engine: "cpu",
    seconds,
    differences: [],
    data: {},
    claims: [],
  };
}

test("figures --dry-run and --list print the notebooks with their measured times and run nothing", () => {
  const figuresDir = tempDir("dry-run");
  writeFiles(figuresDir, {
    "tour/rd-quickstart.json": record("tour", "rd-quickstart", "notebooks/tour/rd-quickstart.ipynb", "smoke", 12.5),
    "vi-emd/table03-priors.json": record(
      "vi-emd",
      "table03-priors",
      "notebooks/vi-emd/table03-priors.ipynb",
      "demo",
      2519.7,
    ),
  });
  const n = findNotebooks(join(repo, "notebooks")).length;
  assert.ok(n > 2, "the repository's notebooks");

  const dry = cli(["figures", "--dry-run", "--preset", "smoke"], { VAELAB_FIGURES_DIR: figuresDir });
  assert.equal(dry.code, 0, dry.err);
  assert.ok(dry.seconds < 60, `--dry-run took ${dry.seconds} s`);
  const lines = dry.out.trimEnd().split("\n");
  assert.match(lines[0], new RegExp(`^${n} notebooks at preset smoke; measured time to the figure export`));
  const rows = lines.filter((l) => /^  \S+\.ipynb  /.test(l));
  assert.equal(rows.length, n, dry.out);
  assert.match(dry.out, /^  tour\/rd-quickstart\.ipynb +12\.5 s$/m);
  assert.match(dry.out, /^  vi-emd\/table03-priors\.ipynb +time unknown \(demo: 42 min 0 s\)$/m);
  assert.equal(rows.filter((l) => / time unknown$/.test(l)).length, n - 2, "no invented times");
  assert.equal(
    lines[lines.length - 2],
    `estimated total: at least 12.5 s for ${n} notebooks at preset smoke (1 measured, ${n - 1} time unknown; kernel start-up not included)`,
  );
  assert.equal(lines[lines.length - 1], "dry run: nothing was run");
  assert.doesNotMatch(dry.out, /\[1\//, "no notebook started");
  assert.ok(!existsSync(join(figuresDir, "index.html")), "no gallery written");

  const list = cli(["figures", "--list", "--only", "table03"], { VAELAB_FIGURES_DIR: figuresDir });
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^2 notebooks at preset demo;/);
  // at demo, notebooks/timings.json gives each notebook's measured first run beside the last render's time
  assert.match(list.out, /^  pdisvae\/table03-fig06-batch-estimators\.ipynb +first run .*; last render time unknown$/m);
  assert.match(list.out, /^  vi-emd\/table03-priors\.ipynb +first run .*; last render 42 min 0 s$/m);
  assert.doesNotMatch(list.out, /estimated total/);
  assert.ok(!existsSync(join(figuresDir, "index.html")), "no gallery written");

  // A real run says its estimate before it starts (here: nothing matches, so nothing runs).
  const real = cli(["figures", ...NO_NOTEBOOK], { VAELAB_FIGURES_DIR: figuresDir });
  assert.equal(real.code, 0, real.err);
  assert.match(real.out, /^estimated total: nothing to run \(0 notebooks at preset demo\)/);
});

test("planFigures / estimateLine: measured times per notebook and preset, the largest of a notebook's records", () => {
  const root = tempDir("plan");
  const notebooksDir = join(root, "notebooks");
  const figuresDir = join(root, "figures");
  writeFiles(notebooksDir, {
    "a/one.ipynb": makeNotebook([{ code: "1" }]),
    "a/two.ipynb": makeNotebook([{ code: "2" }]),
    "b/three.ipynb": makeNotebook([{ code: "3" }]),
  });
  writeFiles(figuresDir, {
    "a/one-x.json": record("a", "one-x", "notebooks/a/one.ipynb", "demo", 100),
    "a/one-y.json": record("a", "one-y", "notebooks/a/one.ipynb", "demo", 130), // exported later in the same run
    "a/two.json": record("a", "two", "notebooks/a/two.ipynb", "demo", 3700),
    "a/two-smoke.json": record("a", "two-smoke", "notebooks/a/two.ipynb", "smoke", 4),
    "b/broken.json": "{ not json",
  });
  const demo = planFigures({ preset: "demo", notebooksDir, figuresDir });
  assert.deepEqual(
    demo.notebooks.map((x) => [x.notebook, x.seconds]),
    [
      ["a/one.ipynb", 130],
      ["a/two.ipynb", 3700],
      ["b/three.ipynb", undefined],
    ],
  );
  assert.match(
    estimateLine(demo),
    /^estimated total: at least 1 h 4 min for 3 notebooks at preset demo \(2 measured, 1 time unknown/,
  );
  assert.match(planTable(demo), /^  b\/three\.ipynb +time unknown$/m);
  const onlyA = planFigures({ preset: "demo", only: "a/", notebooksDir, figuresDir });
  assert.match(estimateLine(onlyA), /^estimated total: 1 h 4 min for 2 notebooks at preset demo \(measured;/);
  const paper = planFigures({ preset: "paper", notebooksDir, figuresDir });
  assert.match(estimateLine(paper), /^estimated total: unknown for 3 notebooks at preset paper \(no measured times/);
  assert.match(planTable(paper), /^  a\/two\.ipynb +time unknown \(smoke: 4\.0 s, demo: 1 h 2 min\)$/m);
  assert.deepEqual([0.04, 59.97, 60, 2519.7, 3599.6, 3700, 7199].map(formatDuration), [
    "0.0 s",
    "1 min 0 s",
    "1 min 0 s",
    "42 min 0 s",
    "1 h 0 min",
    "1 h 2 min",
    "2 h 0 min",
  ]);
});

test("run writes the executed copy under data/executed/, never into the notebook unless --in-place (issue 18)", () => {
  assert.equal(
    executedCopyPath(join(repo, "notebooks", "vi-emd", "table03-priors.ipynb")),
    join(repo, "data", "executed", "vi-emd", "table03-priors.ipynb"),
  );
  assert.equal(
    executedCopyPath(join(repo, "scratch", "x.ipynb")),
    join(repo, "data", "executed", "scratch", "x.ipynb"),
  );
  assert.equal(executedCopyPath("/elsewhere/mine.ipynb"), join(repo, "data", "executed", "mine.ipynb"));
  const r = cli(["run", "a.ipynb", "--out", "b.ipynb", "--in-place"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^run: --out and --in-place exclude each other/);
});

test("running a notebook outside the main job leaves git status clean (issue 18)", { timeout: 300_000 }, () => {
  const status = () =>
    spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: repo, encoding: "utf8" }).stdout;
  const before = status();
  const env: NodeJS.ProcessEnv = { ...process.env, INIT_CWD: repo };
  delete env.VAELAB_FIGURES_DIR; // the default: what a user's `npm run nb` does
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(repo, "lib/runner/cli.ts"),
      "run",
      "notebooks/pdisvae/table03-fig06-batch-estimators.ipynb",
      "--preset",
      "smoke",
    ],
    { cwd: repo, env, encoding: "utf8", timeout: 240_000, killSignal: "SIGTERM" },
  );
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /data\/executed\/pdisvae\/table03-fig06-batch-estimators\.ipynb/, "says where the copy went");
  assert.equal(status(), before, "git status changed: a run outside the main job wrote a tracked or unignored file");
});
