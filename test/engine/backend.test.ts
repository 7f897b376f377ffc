import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { join } from "path";

const root = join(__dirname, "..", "..");
function runEngine(env: Record<string, string>) {
  const code = `import { initEngine, describeEngine } from "./lib/engine/backend";
initEngine().then(i => { console.log(JSON.stringify(i)); console.log(describeEngine(i)); }).catch(e => { console.error("ERR " + e.message); process.exit(3); });`;
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
