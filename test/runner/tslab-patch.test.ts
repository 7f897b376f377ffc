// scripts/patch-tslab.js (postinstall) makes tslab's one-slot rebuild timer behave like setTimeout/clearTimeout,
// so a lib file changing during a long cell no longer fails the next cell with "Unexpected pending rebuildTimer",
// and makes the kernel bind its ZeroMQ sockets before its receive loops start (an early kernel_info_request
// otherwise hit "Socket is blocked by a bind or unbind operation" and the kernel never answered), and makes it
// queue its sends (a burst of output threw "Socket is busy writing" into the cell or was dropped).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const root = join(__dirname, "..", "..");
const script = join(root, "scripts", "patch-tslab.js");
const run = (file: string) =>
  spawnSync(process.execPath, [script], { env: { ...process.env, VAELAB_TSLAB_CONVERTER: file }, encoding: "utf8" });
const runJupyter = (file: string) =>
  spawnSync(process.execPath, [script], {
    env: { ...process.env, VAELAB_TSLAB_CONVERTER: "", VAELAB_TSLAB_JUPYTER: file },
    encoding: "utf8",
  });

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

test("the installed tslab kernel binds its sockets before reading from them", () => {
  const src = readFileSync(join(root, "node_modules", "tslab", "dist", "jupyter.js"), "utf8");
  const mark = src.indexOf("/* vaelab: sockets bound before the receive loops start */");
  assert.ok(mark > 0, "npm ci runs the postinstall patch");
  assert.ok(mark < src.indexOf("__asyncValues(this.shell)"), "the binds come before the shell receive loop");
  assert.equal(src.split("this.bindSocket(this.shell, cinfo.shell_port)").length, 2, "the shell socket is bound once");
});

test("the installed tslab kernel queues its sends and lifts the iopub high-water mark", () => {
  const src = readFileSync(join(root, "node_modules", "tslab", "dist", "jupyter.js"), "utf8");
  assert.ok(src.includes("/* vaelab: sends queued while the socket is busy */"), "npm ci runs the postinstall patch");
  assert.ok(src.includes("new zmq.Publisher({ sendHighWaterMark: 0 })"));
  assert.ok(!src.includes("        sock.send(heads.concat(bodies));"), "no unqueued send is left");
});

test("the socket patch moves the binds, is idempotent, and refuses unknown code", () => {
  const dir = mkdtempSync(join(tmpdir(), "vaelab-tslab-"));
  try {
    const binds = [
      "        await Promise.all([",
      "            this.bindSocket(this.iopub, cinfo.iopub_port),",
      "            this.bindSocket(this.shell, cinfo.shell_port),",
      "            this.bindSocket(this.control, cinfo.control_port),",
      "            this.bindSocket(this.stdin, cinfo.stdin_port),",
      "            this.bindSocket(this.hb, cinfo.hb_port),",
      "        ]);",
    ].join("\n");
    const original =
      [
        "    signAndSend(key, sock) {",
        '        heads.push(hash.digest("hex"));',
        "        sock.send(heads.concat(bodies));",
        "    }",
        "    async init() {",
        "        this.iopub = new zmq.Publisher();",
        "        this.hb = new zmq.Reply();",
        "        (async () => {",
        "            for await (const m of this.shell) handle(m);",
        "        })();",
        binds,
        "    }",
      ].join("\n") + "\n";
    const f = join(dir, "jupyter.js");
    writeFileSync(f, original);
    assert.equal(runJupyter(f).status, 0);
    const once = readFileSync(f, "utf8");
    assert.ok(once.indexOf("bindSocket(this.shell") < once.indexOf("for await (const m of this.shell)"));
    assert.equal(once.split("bindSocket(this.shell").length, 2);
    assert.ok(once.includes("q.pending.push(heads.concat(bodies))"), "the send queue patch applied to the same file");
    assert.ok(once.includes("new zmq.Publisher({ sendHighWaterMark: 0 })"));
    assert.equal(runJupyter(f).status, 0);
    assert.equal(readFileSync(f, "utf8"), once, "idempotent");
    writeFileSync(f, "something else");
    const r = runJupyter(f);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /socket binding: .* does not contain the expected code/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
