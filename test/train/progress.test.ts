import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import {
  ProgressInfo,
  createProgress,
  logProgress,
  progressLine,
  terminalProgress,
  tslabKernel,
} from "../../lib/train";
import { CurveHistory, notebookProgress, sparklineSvg } from "../../lib/train/progress";

const g = globalThis as { __tslab__?: unknown };
afterEach(() => {
  delete g.__tslab__;
});

const info = (step: number, total = 100): ProgressInfo => ({
  step,
  total,
  epoch: 2,
  loss: 12.345678,
  extra: { rate: 1.5 },
  elapsedMs: step * 10,
  msPerStep: 10,
});

test("progressLine shows steps, percentage, epoch, loss, extras, ms/step and ETA", () => {
  const line = progressLine(info(40), "vae");
  assert.equal(line, "vae step 40/100 (40%) · epoch 2 · loss 12.3457 · rate 1.5000 · 10.0 ms/step · ETA 1s");
  assert.match(progressLine({ ...info(100), elapsedMs: 125000 }), /took 2m05s$/);
});

test("terminal progress rewrites one line with \\r and ends with a newline", () => {
  const out: string[] = [];
  const stream = {
    write: (s: string) => {
      out.push(s);
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const p = terminalProgress(stream, "", 0);
  p.update(info(1));
  p.update(info(2));
  p.done(info(100));
  assert.equal(out.length, 3);
  assert.ok(out.every((s) => s.startsWith("\r")));
  assert.ok(!out[0].includes("\n") && !out[1].includes("\n"));
  assert.ok(out[2].endsWith("\n"));
});

test("log progress prints about every 10%", () => {
  const lines: string[] = [];
  const p = logProgress((s) => lines.push(s));
  for (let s = 1; s <= 100; s++) p.update(info(s));
  assert.equal(lines.length, 10);
  assert.match(lines[0], /step 10\/100/);
});

test("inside a tslab kernel, progress is one display updated in place", () => {
  const displays: { calls: string[] }[] = [];
  const fakeTslab = {
    newDisplay() {
      const d = { calls: [] as string[] };
      displays.push(d);
      return { html: (s: string) => d.calls.push(s), text: (s: string) => d.calls.push(s) };
    },
  };
  g.__tslab__ = { require: (id: string) => (id === "tslab" ? fakeTslab : null) };
  assert.ok(tslabKernel());
  const p = createProgress("auto", "fit");
  p.update(info(1));
  p.done(info(100), "finished");
  assert.equal(displays.length, 1, "a single display");
  assert.ok(displays[0].calls.length >= 3);
  const last = displays[0].calls[displays[0].calls.length - 1];
  assert.match(last, /<progress value="100.0"/);
  assert.match(last, /fit step 100\/100/);
  assert.match(last, /finished/);
});

test("outside a live kernel (no hook, or displays that throw 'Not ready') progress falls back to the terminal/log", () => {
  assert.equal(tslabKernel(), null);
  g.__tslab__ = {
    require: () => ({
      newDisplay: () => ({
        html() {
          throw new Error("Not ready");
        },
        text() {
          throw new Error("Not ready");
        },
      }),
    }),
  };
  const p = createProgress("auto");
  // must not throw
  p.update(info(1));
  p.done(info(100));
  g.__tslab__ = {
    require: () => {
      throw new Error("no module");
    },
  };
  assert.equal(tslabKernel(), null);
});

test("a notebook display that fails to write (zeromq 'Socket is busy writing') never stops training; the final state is retried", async () => {
  const shown: string[] = [];
  let failing = true;
  const display = {
    html: (s: string) => {
      if (failing) throw new Error("Socket is busy writing; only one send operation may be in progress at any time");
      shown.push(s);
    },
    text: (s: string) => shown.push(s),
  };
  const p = notebookProgress(display, "fit", 0);
  assert.doesNotThrow(() => p.update(info(1)));
  assert.doesNotThrow(() => p.done(info(100), "finished"));
  assert.equal(shown.length, 0);
  failing = false;
  p.update(info(2));
  assert.equal(shown.length, 1, "updates resume once the socket is free");
  await new Promise((r) => setTimeout(r, 120));
  assert.match(shown[shown.length - 1], /fit step 100\/100[\s\S]*finished/, "the final state is written by the retry");
});

test("the notebook display carries live loss and rate charts (plain SVG) that follow the run", () => {
  const writes: string[] = [];
  const sink = notebookProgress({ html: (s) => void writes.push(s), text: () => {} }, "run", 0);
  const at = (step: number, loss: number, rate?: number) => ({
    step,
    total: 10,
    epoch: 0,
    loss,
    extra: rate === undefined ? undefined : { rate },
    elapsedMs: step,
    msPerStep: 1,
  });
  sink.update(at(1, 10, 5));
  assert.doesNotMatch(writes[0], /<svg/, "no chart from a single point");
  sink.update(at(2, 8, 4));
  sink.done(at(3, 6, 3));
  const last = writes[writes.length - 1];
  assert.equal((last.match(/<svg/g) ?? []).length, 2, "one chart for the loss, one for the rate");
  assert.match(last, /loss 6\.0000 \(6\.0000 … 10\.0000\)/);
  assert.match(last, /rate 3\.0000/);
  assert.doesNotMatch(last, /<script/, "no script: it draws in untrusted notebooks");
  // three points, decreasing loss: the polyline falls left to right (SVG y grows downwards)
  const pts = /points="([^"]+)"/
    .exec(last)![1]
    .split(" ")
    .map((p) => p.split(",").map(Number));
  assert.equal(pts.length, 3);
  assert.ok(pts[0][1] < pts[1][1] && pts[1][1] < pts[2][1], JSON.stringify(pts));
  assert.ok(
    pts.every(([x, y]) => x >= 0 && x <= 220 && y >= 0 && y <= 48),
    "inside the box",
  );
});

test("CurveHistory keeps a bounded number of points and skips repeated steps", () => {
  const h = new CurveHistory(8);
  for (let s = 1; s <= 100; s++) {
    h.add({ step: s, total: 100, epoch: 0, loss: 1 / s, elapsedMs: 0, msPerStep: 1 });
    h.add({ step: s, total: 100, epoch: 0, loss: 99, elapsedMs: 0, msPerStep: 1 }); // same step again: ignored
  }
  const pts = /points="([^"]+)"/.exec(h.svg())![1].split(" ");
  assert.ok(pts.length <= 8 && pts.length >= 4, `${pts.length} points`);
  assert.doesNotMatch(h.svg(), /99\.0000/);
  assert.equal(sparklineSvg([1], [2], "x"), "");
});
