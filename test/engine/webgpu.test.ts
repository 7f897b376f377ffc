// The webgpu backend (issue 17), tested on whatever adapter Dawn finds; on a machine without a GPU that is Chromium's
// SwiftShader (a CPU Vulkan driver, Debian's chromium package), which this file points Dawn at itself. Without the
// packages, the Vulkan loader (libvulkan1) or a driver it skips in one line.
// The cases live in lib/bench/parity (the prepared GPU check runs them too):
//   - kernel parity against tfjs's cpu backend, values and gradients, for the kernels our models use most;
//   - 3 Adam steps of small versions of the five bench models, losses compared with the native backend.
// Shapes are small: SwiftShader compiles every shader with LLVM and computes on the CPU (seconds, not minutes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { join } from "path";

// first: points Dawn at SwiftShader where no GPU driver is named (before Dawn loads)
import "../helpers/swiftshader";

import { initEngine, describeEngine, type EngineInfo } from "../../lib/engine/backend";
import {
  PARITY_CASES,
  SMALL_MODELS,
  adamParity,
  evaluateCase,
  mismatch,
  smallModelLosses,
} from "../../lib/bench/parity";

const root = join(__dirname, "..", "..");

/** The engine on webgpu, or the one-line reason there is none. */
async function webgpu(): Promise<EngineInfo | string> {
  try {
    return await initEngine({ force: "webgpu", quiet: true });
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split("\n")[0];
  }
}

/** Asserts lib/bench/parity's float32 agreement (|Δ| ≤ atol + rtol·|ref|). */
function close(got: ArrayLike<number>, ref: ArrayLike<number>, what: string, rtol = 1e-4, atol = 1e-4): void {
  assert.equal(mismatch(got, ref, what, rtol, atol), null);
}

test("webgpu backend: kernel parity with cpu and training steps like native (issue 17)", async (t) => {
  const info = await webgpu();
  if (typeof info === "string") return t.skip(`no webgpu here: ${info}`);
  // the report names the adapter; CI's SwiftShader is a software one (the automatic choice refuses it)
  assert.equal(info.backend, "webgpu");
  assert.ok(info.adapter, "engineInfo has the adapter");
  assert.match(describeEngine(info), /backend=webgpu .*adapter \S+ \S+ .*max buffer \d+ MiB/);
  console.log(describeEngine(info));

  await t.test("kernel values and gradients match cpu (|Δ| ≤ 1e-4 + 1e-4·|x|)", async () => {
    for (const c of PARITY_CASES) {
      const ref = await evaluateCase(c, "cpu", 1);
      const got = await evaluateCase(c, "webgpu", 1);
      ref.forEach((r, i) => close(got[i], r, `${c.name} ${i === 0 ? "value" : `gradient ${i - 1}`}`));
    }
  });

  await t.test("tfjs Adam's update (2 steps) matches cpu", async () => {
    close(await adamParity("webgpu"), await adamParity("cpu"), "Adam", 1e-5, 1e-6);
  });

  // native where it is built (the test suite's default backend), else cpu
  const { registerNativeBackend } = await import("../../lib/engine/native/register");
  let ref = "native";
  try {
    registerNativeBackend();
  } catch {
    ref = "cpu";
  }
  for (const model of Object.keys(SMALL_MODELS))
    await t.test(`${model} (small): 3 Adam steps give ${ref}'s losses (relative 1e-4)`, async () => {
      const want = await smallModelLosses(model, ref);
      const got = await smallModelLosses(model, "webgpu");
      close(got, want, model, 1e-4, 1e-6);
    });

  await t.test("on Node ≥ 21, where navigator exists without gpu, the backend adds navigator.gpu", () => {
    const code = `Object.defineProperty(globalThis, "navigator", { value: { userAgent: "node" }, configurable: true });
import("./lib/engine/backend").then(({ initEngine }) => initEngine({ force: "webgpu", quiet: true }))
  .then((i) => console.log("OK " + i.backend + " " + (typeof navigator.gpu) + " " + navigator.userAgent))
  .catch((e) => console.log("ERR " + e.message.split("\\n")[0]));`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
      cwd: root,
      env: process.env,
      encoding: "utf8",
    });
    assert.equal(r.stdout.trim().split("\n").pop(), "OK webgpu object node", r.stdout + r.stderr);
  });
});
