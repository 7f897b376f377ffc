// scripts/patch-tslab.js (postinstall) makes tslab's one-slot rebuild timer behave like setTimeout/clearTimeout,
// so a lib file changing during a long cell no longer fails the next cell with "Unexpected pending rebuildTimer".
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const root = join(__dirname, "..", "..");
const script = join(root, "scripts", "patch-tslab.js");
const run = (file: string) => spawnSync(process.execPath, [script], { env: { ...process.env, VAELAB_TSLAB_CONVERTER: file }, encoding: "utf8" });

test("the installed tslab converter is patched", () => {
  const src = readFileSync(join(root, "node_modules", "tslab", "dist", "converter.js"), "utf8");
  assert.ok(src.includes("/* vaelab: pending rebuild replaced */"), "npm ci runs the postinstall patch");
  assert.ok(!src.includes('throw new Error("Unexpected pending rebuildTimer")'));
  assert.ok(!src.includes('throw new Error("clearing unexpected tiemr")'));
});

test("the patch replaces exactly tslab's two throws, is idempotent, and refuses unknown code", () => {
  const dir = mkdtempSync(join(tmpdir(), "vaelab-tslab-"));
  try {
    const original = [
      "    sys.setTimeout = (callback) => {",
      "        if (rebuildTimer) {",
      '            throw new Error("Unexpected pending rebuildTimer");',
      "        }",
      "        rebuildTimer = { callback };",
      "    };",
      "    sys.clearTimeout = (timeoutId) => {",
      '        throw new Error("clearing unexpected tiemr");',
      "    };",
    ].join("\n");
    const f = join(dir, "converter.js");
    writeFileSync(f, original);
    assert.equal(run(f).status, 0);
    const once = readFileSync(f, "utf8");
    assert.ok(once.includes("/* vaelab: pending rebuild replaced */") && !once.includes("throw"));
    assert.ok(once.includes("rebuildTimer = { callback };"), "the rest is untouched");
    assert.equal(run(f).status, 0);
    assert.equal(readFileSync(f, "utf8"), once, "idempotent");
    writeFileSync(f, "something else");
    const r = run(f);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /does not contain the expected code/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
