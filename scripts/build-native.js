#!/usr/bin/env node
// Builds the native CPU engine (native/ -> native/build/Release/vaelab_native.node) with node-gyp.
// Runs as the package's own install step. It never fails the install: without a compiler or
// OpenBLAS the build is skipped, the reason is written to native/build-status.json, and the
// engine's backend choice later says in one line what to install (lib/engine/native/addon.ts).
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
// VAELAB_NATIVE_DIR builds a copy elsewhere (the tests use it); VAELAB_CBLAS_DIRS and VAELAB_DNNL_DIRS
// override where cblas.h and oneDNN's dnnl.hpp are looked for (colon-separated), so a test can play a
// machine without OpenBLAS or without oneDNN. oneDNN is optional: without it the convolutions run on
// im2col + OpenBLAS (2.8–3.2× slower on the CD-VAE's small convolutions).
const nativeDir = process.env.VAELAB_NATIVE_DIR
  ? path.resolve(process.env.VAELAB_NATIVE_DIR)
  : path.join(root, "native");
const statusFile = path.join(nativeDir, "build-status.json");
const HINT =
  "install a C++ compiler and OpenBLAS (Debian: apt-get install g++ make python3 libopenblas-dev), then run 'npm run build:native'";

function writeStatus(ok, reason) {
  fs.writeFileSync(
    statusFile,
    JSON.stringify({ ok, reason, hint: ok ? "" : HINT, at: new Date().toISOString() }, null, 2) + "\n",
  );
}

function findNodeGyp() {
  const tried = [];
  if (process.env.npm_config_node_gyp) tried.push(process.env.npm_config_node_gyp);
  try {
    tried.push(require.resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    /* not a dependency of ours */
  }
  const npmDir = path.join(
    path.dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "node_modules",
    "node-gyp",
    "bin",
    "node-gyp.js",
  );
  tried.push(
    npmDir,
    "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    "/usr/share/nodejs/node-gyp/bin/node-gyp.js",
  );
  return tried.find((p) => p && fs.existsSync(p)) || null;
}

const INCLUDE_DIRS = [
  "/usr/include",
  "/usr/include/x86_64-linux-gnu",
  "/usr/include/aarch64-linux-gnu",
  "/usr/include/openblas",
  "/usr/local/include",
];

/** Whether header is in one of the include dirs ($envVar, colon-separated, overrides them). */
function hasHeader(header, envVar) {
  const dirs = process.env[envVar] ? process.env[envVar].split(":") : INCLUDE_DIRS;
  return dirs.some((d) => fs.existsSync(path.join(d, header)));
}

function main() {
  if (process.env.VAELAB_SKIP_NATIVE) {
    writeStatus(false, "skipped because VAELAB_SKIP_NATIVE is set");
    console.log("vaelab: native engine build skipped (VAELAB_SKIP_NATIVE)");
    return;
  }
  if (!hasHeader("cblas.h", "VAELAB_CBLAS_DIRS")) {
    writeStatus(false, "OpenBLAS headers (cblas.h) not found");
    console.log(`vaelab: native engine not built: OpenBLAS headers (cblas.h) not found; ${HINT}`);
    return;
  }
  const gyp = findNodeGyp();
  if (!gyp) {
    writeStatus(false, "node-gyp not found");
    console.log(`vaelab: native engine not built: node-gyp not found (it ships with npm); ${HINT}`);
    return;
  }
  const dnnl = hasHeader("dnnl.hpp", "VAELAB_DNNL_DIRS");
  const args = [gyp, "rebuild", "--directory", nativeDir, "--jobs", "max", `--with_dnnl=${dnnl ? 1 : 0}`];
  // Build against the running node's headers when they are installed system-wide (no download).
  if (
    !process.env.npm_config_nodedir &&
    fs.existsSync("/usr/include/node/node_api.h") &&
    process.execPath.startsWith("/usr/")
  ) {
    args.push("--nodedir=/usr");
  }
  const started = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: nativeDir, encoding: "utf8" });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    const out = `${r.stdout || ""}\n${r.stderr || ""}`;
    const errLine =
      out.split("\n").find((l) => /error/i.test(l) && !/gyp ERR! (cwd|node|stack|System|command|not ok)/.test(l)) ||
      `node-gyp exited with ${r.status}`;
    writeStatus(false, `build failed: ${errLine.trim().slice(0, 300)}`);
    console.log(
      `vaelab: native engine build failed after ${secs} s: ${errLine.trim()}\n${out.split("\n").slice(-25).join("\n")}`,
    );
    console.log(`vaelab: the install goes on without it (training falls back to the cpu backend); ${HINT}`);
    return;
  }
  const convs = dnnl
    ? "convolutions on oneDNN"
    : "convolutions on im2col + OpenBLAS: oneDNN's headers (dnnl.hpp) not found; for 2.8–3.2× faster convolutions: apt-get install libdnnl-dev, then npm run build:native";
  writeStatus(true, `built in ${secs} s; ${convs}`);
  console.log(
    `vaelab: native engine built in ${secs} s (${path.join(nativeDir, "build", "Release", "vaelab_native.node")}); ${convs}`,
  );
}

try {
  main();
} catch (e) {
  try {
    writeStatus(false, `build script error: ${e && e.message}`);
  } catch {
    /* read-only tree: nothing more to record */
  }
  console.log(`vaelab: native engine not built: ${e && e.message}`);
}
