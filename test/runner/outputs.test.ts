import { test } from "node:test";
import assert from "node:assert/strict";
import { errorFromStderr, OutputCollector } from "../../lib/runner/outputs";

const msg = (msg_type: string, content: object) => ({ header: { msg_type }, content });

test("streams of the same name merge; execute_result and error are stored as nbformat outputs", () => {
  const c = new OutputCollector();
  const outs = c.startCell();
  c.add(msg("status", { execution_state: "busy" }));
  c.add(msg("stream", { name: "stdout", text: "a" }));
  c.add(msg("stream", { name: "stdout", text: "b\n" }));
  c.add(msg("stream", { name: "stderr", text: "w\n" }));
  c.add(msg("stream", { name: "stdout", text: "c\n" }));
  c.add(msg("execute_result", { execution_count: 7, data: { "text/plain": "42" }, metadata: {} }));
  c.add(
    msg("error", { ename: "TypeError", evalue: "x is undefined", traceback: ["TypeError: x is undefined", "  at f"] }),
  );
  assert.deepEqual(outs, [
    { output_type: "stream", name: "stdout", text: "ab\n" },
    { output_type: "stream", name: "stderr", text: "w\n" },
    { output_type: "stream", name: "stdout", text: "c\n" },
    { output_type: "execute_result", execution_count: 7, data: { "text/plain": "42" }, metadata: {} },
    {
      output_type: "error",
      ename: "TypeError",
      evalue: "x is undefined",
      traceback: ["TypeError: x is undefined", "  at f"],
    },
  ]);
  assert.equal(c.stderrText(), "w\n");
});

test("update_display_data replaces every output with that display_id, also in earlier cells", () => {
  const c = new OutputCollector();
  const cell1 = c.startCell();
  c.add(msg("display_data", { data: { "text/plain": "0%" }, metadata: {}, transient: { display_id: "p" } }));
  c.add(msg("display_data", { data: { "text/plain": "other" }, metadata: {}, transient: { display_id: "q" } }));
  const cell2 = c.startCell();
  c.add(msg("display_data", { data: { "text/plain": "0%" }, metadata: {}, transient: { display_id: "p" } }));
  c.add(
    msg("update_display_data", {
      data: { "text/html": "<b>100%</b>" },
      metadata: { x: 1 },
      transient: { display_id: "p" },
    }),
  );
  c.add(
    msg("update_display_data", { data: { "text/plain": "nobody" }, metadata: {}, transient: { display_id: "none" } }),
  );
  const done = { output_type: "display_data", data: { "text/html": "<b>100%</b>" }, metadata: { x: 1 } };
  assert.deepEqual(cell1, [done, { output_type: "display_data", data: { "text/plain": "other" }, metadata: {} }]);
  assert.deepEqual(cell2, [done], "an update adds no output of its own");
});

test("clear_output empties the cell now, or at the next output with wait=true", () => {
  const c = new OutputCollector();
  const outs = c.startCell();
  c.add(msg("stream", { name: "stdout", text: "old\n" }));
  c.add(msg("clear_output", { wait: false }));
  assert.deepEqual(outs, []);
  c.add(msg("stream", { name: "stdout", text: "1\n" }));
  c.add(msg("clear_output", { wait: true }));
  assert.equal(outs.length, 1, "wait=true keeps the output until the next one");
  c.add(msg("stream", { name: "stdout", text: "2\n" }));
  assert.deepEqual(outs, [{ output_type: "stream", name: "stdout", text: "2\n" }]);
});

test("errorFromStderr recovers thrown errors (tslab's stderr), dropping kernel frames", () => {
  const stderr = [
    "some earlier warning",
    "evalmachine.<anonymous>:2",
    'throw new RangeError("bad size");',
    "^",
    "",
    "RangeError: bad size",
    "    at evalmachine.<anonymous>:2:7",
    "    at sigintHandlersWrap (node:vm:280:12)",
    "    at Object.execute (/repo/node_modules/tslab/dist/executor.js:160:38)",
    "    at train (/repo/lib/train/loop.ts:10:3)",
    "",
  ].join("\n");
  assert.deepEqual(errorFromStderr(stderr), {
    ename: "RangeError",
    evalue: "bad size",
    traceback: [
      "RangeError: bad size",
      "    at evalmachine.<anonymous>:2:7",
      "    at train (/repo/lib/train/loop.ts:10:3)",
    ],
  });
});

test("errorFromStderr recovers TypeScript diagnostics and falls back to the first line", () => {
  const ts = "1:7 - Type 'string' is not assignable to type 'number'.\n3:1 - Cannot find name 'y'.\n";
  const e = errorFromStderr(ts);
  assert.equal(e.ename, "TypeScriptError");
  assert.equal(e.evalue, "Type 'string' is not assignable to type 'number'. (line 1, column 7)");
  assert.equal(e.traceback.length, 2);
  assert.deepEqual(errorFromStderr("\nsomething odd\nmore\n"), {
    ename: "Error",
    evalue: "something odd",
    traceback: ["something odd", "more"],
  });
  assert.equal(errorFromStderr("").ename, "Error");
});
