import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const root = join(__dirname, "..", "..");
/** Start the engine in a fresh process; print its info, its description, then `after`'s output (with `tf` in scope). */
function runEngine(env: Record<string, string>, after = "") {
  const code = `import * as tf from "@tensorflow/tfjs";
import { initEngine, describeEngine } from "./lib/engine/backend";
initEngine().then(async (i) => { console.log(JSON.stringify(i)); console.log(describeEngine(i)); ${after} })
  .catch(e => { console.error("ERR " + e.message); process.exit(3); });`;
  return spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
}

test("default choice falls through unavailable backends with one line each and reports the engine", () => {
  const r = runEngine({ VAELAB_BACKEND: "" });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.split("\n")[0]);
  assert.ok(["tfjs-node-gpu", "tfjs-node", "native", "wasm", "cpu"].includes(info.backend));
  assert.equal(info.tfjs, "4.22.0");
  assert.ok(info.threads >= 1);
  // every fallback is a single line naming the backend and why
  for (const f of info.fallbacks) {
    assert.match(f, /^vaelab: backend \S+ unavailable: .+/);
    assert.ok(!f.includes("\n"));
  }
  assert.match(r.stdout, /vaelab engine: backend=/);
  // the native engine's line says which convolutions it runs (oneDNN where its headers were found at install)
  if (info.backend === "native")
    assert.match(r.stdout, /backend=native .*, convolutions on (oneDNN|im2col \+ OpenBLAS)/);
});

test("VAELAB_BACKEND forces a backend", () => {
  const r = runEngine({ VAELAB_BACKEND: "cpu" });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.split("\n")[0]);
  assert.equal(info.backend, "cpu");
  assert.equal(info.forced, true);
});

test("an unknown forced backend is a clear error", () => {
  const r = runEngine({ VAELAB_BACKEND: "tpu" });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /VAELAB_BACKEND=tpu is not a known backend; known: .*wasm.*cpu/);
});

// A few SGD steps of a 3×3 conv on the chosen backend; prints the losses as JSON (they must go down).
const CONV_TRAINING = `
  const w = tf.variable(tf.randomNormal([3, 3, 1, 2], 0, 0.5, "float32", 1));
  const x = tf.randomNormal([4, 8, 8, 1], 0, 1, "float32", 2);
  const y = tf.randomNormal([4, 8, 8, 2], 0, 1, "float32", 3);
  const opt = tf.train.sgd(0.05);
  const losses = [];
  for (let s = 0; s < 5; s++) {
    const l = opt.minimize(() => tf.losses.meanSquaredError(y, tf.conv2d(x, w, 1, "same")), true);
    losses.push((await l.data())[0]);
    l.dispose();
  }
  const wasm = new Set(tf.getKernelsForBackend("wasm").map((k) => k.kernelName));
  const wasmLacks = tf.getKernelsForBackend("cpu").map((k) => k.kernelName).filter((k) => !wasm.has(k)).sort();
  console.log(JSON.stringify({ losses, tfBackend: tf.getBackend(), wasmLacks }));`;

test("without the native engine the choice skips wasm (no conv gradients, says so in one line) and conv models train (issue 18)", () => {
  // an empty VAELAB_NATIVE_DIR: no addon there, as on a machine without the Debian packages
  const r = runEngine(
    { VAELAB_BACKEND: "", VAELAB_NATIVE_DIR: mkdtempSync(join(tmpdir(), "no-native-")) },
    CONV_TRAINING,
  );
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  const info = JSON.parse(lines[0]);
  assert.ok(["tfjs-node-gpu", "tfjs-node", "cpu"].includes(info.backend), `chose ${info.backend}`);
  const native = info.fallbacks.find((f: string) => f.startsWith("vaelab: backend native unavailable:"));
  assert.match(native, /apt-get install g\+\+ make python3 libopenblas-dev && npm run build:native/);
  if (info.backend === "cpu") {
    const wasm = info.fallbacks.find((f: string) => f.startsWith("vaelab: backend wasm unavailable:"));
    assert.match(
      wasm,
      /cannot train the conv models \(no Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput kernel\); VAELAB_BACKEND=wasm forces it for dense models$/,
    );
  }
  const { losses, tfBackend, wasmLacks } = JSON.parse(lines[2]);
  // What tfjs 4.22's wasm lacks that cpu has: the three training kernels, and ops no model trains through
  // (complex numbers and FFT, einsum, ragged tensors, strings, and UnsortedSegmentSum, tf.gather's gradient,
  // which lib/ avoids). A tfjs upgrade that changes this list should make us look at TRAINING_KERNELS again.
  assert.deepEqual(wasmLacks, [
    "Complex",
    "ComplexAbs",
    "Conv2DBackpropFilter",
    "DepthwiseConv2dNativeBackpropFilter",
    "DepthwiseConv2dNativeBackpropInput",
    "Draw",
    "Einsum",
    "FFT",
    "IFFT",
    "Imag",
    "RaggedGather",
    "RaggedRange",
    "RaggedTensorToTensor",
    "Real",
    "StaticRegexReplace",
    "UnsortedSegmentSum",
  ]);
  assert.equal(tfBackend, info.tfBackend);
  assert.equal(losses.length, 5);
  for (let i = 1; i < 5; i++) assert.ok(losses[i] < losses[i - 1], `loss goes down: ${losses}`);
});

test("forced wasm: a conv gradient fails with one line naming the kernel, the backend and the fix (issue 18)", () => {
  const r = runEngine({ VAELAB_BACKEND: "wasm" }, CONV_TRAINING);
  assert.equal(r.status, 3, r.stdout + r.stderr);
  const err = r.stderr
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("ERR "));
  assert.equal(err.length, 1, r.stderr);
  assert.match(
    err[0],
    /^ERR vaelab: kernel 'Conv2DBackpropFilter' is not available on backend 'wasm' \(forced by VAELAB_BACKEND=wasm\); unset VAELAB_BACKEND .*VAELAB_BACKEND=cpu.*bash scripts\/setup\.sh/,
  );
  assert.doesNotMatch(r.stderr, /not registered for backend/);
});

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";

test("webgpu: without a Vulkan driver the automatic choice skips it in one line, without Dawn's loader warnings (issue 17)", () => {
  const r = runEngine({ VAELAB_BACKEND: "", VK_ICD_FILENAMES: "/nonexistent/icd.json" });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.split("\n")[0]);
  assert.notEqual(info.backend, "webgpu");
  const line = info.fallbacks.find((f: string) => f.startsWith("vaelab: backend webgpu unavailable:"));
  assert.match(line, /no Vulkan (loader|driver)/);
  assert.doesNotMatch(r.stderr, /vkCreateInstance|loader_get_json/);
});

test("webgpu: the automatic choice refuses a software adapter (SwiftShader) in one line (issue 17)", (t) => {
  if (!existsSync(SWIFTSHADER)) return t.skip(`no ${SWIFTSHADER} (Debian's chromium ships it)`);
  const r = runEngine({ VAELAB_BACKEND: "", VK_ICD_FILENAMES: SWIFTSHADER });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.split("\n")[0]);
  assert.notEqual(info.backend, "webgpu");
  const line = info.fallbacks.find((f: string) => f.startsWith("vaelab: backend webgpu unavailable:"));
  assert.ok(line, info.fallbacks.join("\n"));
  assert.match(line, /(no Vulkan loader|software one \(google swiftshader\).*VAELAB_BACKEND=webgpu forces it)/);
});
