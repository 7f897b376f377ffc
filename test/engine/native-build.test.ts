// The native engine's install step on a machine without OpenBLAS: the install goes on (exit 0), the
// reason is recorded, and the backend choice then says in one line what to install and falls through; and
// on one without oneDNN: the engine builds with its convolutions on im2col + OpenBLAS, and says so.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const root = join(__dirname, "..", "..");

/**
 * Runs the install step on a copy of native/ in a temporary folder with `headerDirs` set (so that headers go
 * missing); returns the folder, its env, the step's result and its build-status.json.
 */
function buildCopy(dir: string, headerDirs: Record<string, string>) {
  cpSync(join(root, "native", "src"), join(dir, "src"), { recursive: true });
  cpSync(join(root, "native", "binding.gyp"), join(dir, "binding.gyp"));
  const env: NodeJS.ProcessEnv = { ...process.env, VAELAB_NATIVE_DIR: dir, ...headerDirs };
  delete env.VAELAB_SKIP_NATIVE;
  const build = spawnSync(process.execPath, [join(root, "scripts", "build-native.js")], { env, encoding: "utf8" });
  assert.equal(build.status, 0, `install step must not fail: ${build.stdout}${build.stderr}`);
  const status = JSON.parse(readFileSync(join(dir, "build-status.json"), "utf8")) as { ok: boolean; reason: string };
  return { env, stdout: build.stdout, status };
}

test("without cblas.h the build is skipped with a reason, and the engine falls through naming libopenblas-dev", () => {
  const dir = mkdtempSync(join(tmpdir(), "vaelab-native-"));
  try {
    const { env, stdout, status } = buildCopy(dir, { VAELAB_CBLAS_DIRS: join(dir, "no-such-include") });
    assert.match(stdout, /native engine not built: OpenBLAS headers \(cblas\.h\) not found.*libopenblas-dev/);
    assert.equal(status.ok, false);
    assert.match(status.reason, /cblas\.h/);

    const probe = `require("./lib/engine/backend").initEngine({ quiet: true }).then((i) => console.log(JSON.stringify(i)))`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "-e", probe], {
      cwd: root,
      env: { ...env, VAELAB_BACKEND: "" },
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    const info = JSON.parse(run.stdout.trim().split("\n").pop() as string) as { backend: string; fallbacks: string[] };
    assert.notEqual(info.backend, "native");
    const line = info.fallbacks.find((l) => l.includes("backend native unavailable"));
    assert.ok(line, `no fallback line for native in ${JSON.stringify(info.fallbacks)}`);
    assert.match(line, /cblas\.h\) not found.*apt-get install .*libopenblas-dev.*npm run build:native/);
    assert.equal(line.split("\n").length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without oneDNN's headers the engine builds with its convolutions on im2col + OpenBLAS, naming libdnnl-dev", (t) => {
  const main = join(root, "native", "build", "Release", "vaelab_native.node");
  if (!existsSync(main)) return t.skip("no native build in this checkout");
  const dir = mkdtempSync(join(tmpdir(), "vaelab-native-"));
  try {
    const { env, stdout, status } = buildCopy(dir, { VAELAB_DNNL_DIRS: join(dir, "no-such-include") });
    assert.match(stdout, /native engine built .*convolutions on im2col \+ OpenBLAS.*apt-get install libdnnl-dev/);
    assert.equal(status.ok, true);
    assert.match(status.reason, /dnnl\.hpp\) not found/);
    // The same Conv2D on that build and on this checkout's with oneDNN switched off: the same im2col code.
    const probe = `
      const a = require(${JSON.stringify(join(dir, "build", "Release", "vaelab_native.node"))});
      const b = require(${JSON.stringify(main)});
      b.setDnnlConv(false);
      const x = Float32Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i)), w = Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i));
      const geom = [2, 5, 5, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1];
      const ya = new Float32Array(2 * 5 * 5 * 4), yb = new Float32Array(ya.length);
      a.conv2d(x, w, ya, geom);
      b.conv2d(x, w, yb, geom);
      console.log(JSON.stringify({ available: a.dnnlConvAvailable(), calls: a.dnnlConvCalls(), same: ya.every((v, i) => Object.is(v, yb[i])), nonzero: ya.some((v) => v !== 0) }));`;
    const run = spawnSync(process.execPath, ["-e", probe], { env, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim()), { available: false, calls: 0, same: true, nonzero: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
