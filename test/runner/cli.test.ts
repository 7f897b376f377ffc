// The command line: kernel registration, jupyter without Jupyter installed, gallery, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { existsSync, readFileSync, realpathSync } from "fs";
import { join, resolve } from "path";
import { parseArgs } from "../../lib/runner/cli";
import { kernelCwdFor } from "../../lib/runner/kernelspec";
import { tempDir, writeFiles } from "./nb-fixtures";

const repo = resolve(__dirname, "..", "..");
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(repo, "lib/runner/cli.ts"), ...args], {
    cwd: repo,
    env: { ...process.env, INIT_CWD: repo, ...env },
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
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
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown command 'frobnicate'/);
  const badPreset = cli(["figures", "--preset", "huge"]);
  assert.equal(badPreset.code, 1);
  assert.match(badPreset.err, /--preset: unknown preset 'huge'/);
  const badOpt = cli(["run", "x.ipynb", "--colour", "red"]);
  assert.equal(badOpt.code, 1);
  assert.match(badOpt.err, /run: unknown option --colour/);
});

test("parseArgs: values, =values, switches and the rest after --", () => {
  const a = parseArgs(
    ["a.ipynb", "--preset", "smoke", "--out=x.ipynb", "--lab", "b.ipynb", "--", "--port", "9"],
    ["lab"],
  );
  assert.deepEqual(a.positional, ["a.ipynb", "b.ipynb"]);
  assert.deepEqual(
    [...a.flags],
    [
      ["preset", "smoke"],
      ["out", "x.ipynb"],
      ["lab", true],
    ],
  );
  assert.deepEqual(a.rest, ["--port", "9"]);
  assert.throws(() => parseArgs(["--preset"], []), /--preset needs a value/);
});
