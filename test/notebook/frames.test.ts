import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { audiogramFrame, frame, frameText, op, recordFrame, runsTable, summarize } from "../../lib/notebook/frames";
import type { FigureRecord } from "../../lib/notebook/figure-record";

// rows in the order b, a, a, b, a, c: groups keep the order they first appear in
const sweep = [
  { method: "b", seed: 0, x: 10, y: 1 },
  { method: "a", seed: 0, x: 1, y: 0 },
  { method: "a", seed: 1, x: 2, y: 0 },
  { method: "b", seed: 1, x: 14, y: 3 },
  { method: "a", seed: 2, x: 4, y: 3 },
  { method: "c", seed: 0, x: 5, y: 5 },
];

test("summarize: n, mean and sample sd per group, by hand", () => {
  const s = summarize(frame(sweep), "method", ["x", "y"]).objects() as Record<string, unknown>[];
  // b: x 10, 14 → mean 12, sd √((4 + 4) / 1) = √8; y 1, 3 → mean 2, sd √2
  // a: x 1, 2, 4 → mean 7/3, sd √((16/9 + 1/9 + 25/9) / 2) = √(7/3); y 0, 0, 3 → mean 1, sd √((1 + 1 + 4) / 2) = √3
  // c: one row → sd null
  assert.deepEqual(
    s.map((r) => r.method),
    ["b", "a", "c"],
  );
  assert.deepEqual(
    s.map((r) => r.n),
    [2, 3, 1],
  );
  const close = (a: unknown, b: number) => assert.ok(Math.abs((a as number) - b) < 1e-12, `${a} ≠ ${b}`);
  close(s[0]["x mean"], 12);
  close(s[0]["x sd"], Math.sqrt(8));
  close(s[0]["y sd"], Math.SQRT2);
  close(s[1]["x mean"], 7 / 3);
  close(s[1]["x sd"], Math.sqrt(7 / 3));
  close(s[1]["y mean"], 1);
  close(s[1]["y sd"], Math.sqrt(3));
  assert.equal(s[2]["x mean"], 5);
  assert.equal(s[2]["x sd"], null);
});

test("summarize: two keys, and ddof 0", () => {
  const rows = [
    { m: "p", beta: 1, v: 2 },
    { m: "p", beta: 4, v: 1 },
    { m: "p", beta: 1, v: 6 },
    { m: "q", beta: 1, v: 3 },
  ];
  const s = summarize(frame(rows), ["m", "beta"], ["v"], { ddof: 0 }).objects();
  assert.deepEqual(s, [
    { m: "p", beta: 1, n: 2, "v mean": 4, "v sd": 2 }, // √(((2−4)² + (6−4)²) / 2) = 2
    { m: "p", beta: 4, n: 1, "v mean": 1, "v sd": 0 },
    { m: "q", beta: 1, n: 1, "v mean": 3, "v sd": 0 },
  ]);
});

test("summarize: a NaN propagates into its group's mean (as lib/eval/summary), it is not skipped", () => {
  const s = summarize(frame([...sweep, { method: "c", seed: 1, x: NaN, y: 1 }]), "method", [
    "x",
    "y",
  ]).objects() as Record<string, unknown>[];
  assert.equal(s[2].n, 2);
  assert.ok(Number.isNaN(s[2]["x mean"]));
  assert.equal(s[2]["y mean"], 3);
});

test("summarize: names a missing column and a non-numeric value", () => {
  assert.throws(() => summarize(frame(sweep), "method", ["z"]), /no column "z"/);
  const bad = [...sweep, { method: "a", seed: 3, x: null as unknown as number, y: 0 }];
  assert.throws(() => summarize(frame(bad), "method", ["x"]), /"x" is null in a row of group method=a/);
});

test("arquero's own verbs work on a frame (filter, groupby/rollup)", () => {
  const t = frame(sweep)
    .filter((d: { x: number }) => d.x > 3)
    .groupby("method")
    .rollup({ n: op.count() });
  assert.deepEqual(t.objects(), [
    { method: "b", n: 2 },
    { method: "a", n: 1 },
    { method: "c", n: 1 },
  ]);
});

test("frame flattens nested objects into dotted columns", () => {
  const t = frame([{ beta: 4, evaluation: { pc: 0.5, latent: { r2: 0.9 } }, groups: [2, 2] }]);
  assert.deepEqual(t.columnNames(), ["beta", "evaluation.pc", "evaluation.latent.r2", "groups"]);
});

test("frameText: settings as written, measurements to 4 digits, missing as –, rows past the limit counted", () => {
  const t = frame([
    { beta: 0.1, r2: 2 / 3, sd: null, ok: true },
    { beta: 4, r2: 0.5, sd: 1e-7, ok: false },
    { beta: 100, r2: 1, sd: 0.25, ok: true },
  ]);
  const text = frameText(t, { caption: "sweep", limit: 2 });
  const lines = text.split("\n");
  assert.equal(lines[0], "sweep — first 2 of 3 rows");
  assert.match(lines[3], /^0\.1 +0\.6667 +– +✓ *$/);
  assert.match(lines[4], /^4 +0\.5000 +1\.000e-7 +✗ *$/);
  assert.equal(lines.length, 5);
});

test("audiogramFrame: one row per audiogram, ear and frequency; missing thresholds left out", () => {
  // two audiograms: age, L500…L8000, R500…R8000
  const a = [70, 10, 15, 20, 30, 40, 50, 60, 11, 16, 21, 31, 41, 51, NaN];
  const b = [NaN, 0, 5, 10, 20, 30, 40, 50, 2, 7, 12, 22, 32, 42, 52];
  const t = audiogramFrame({ values: Float32Array.from([...a, ...b]), shape: [2, 15] });
  assert.equal(t.numRows(), 27);
  assert.deepEqual(t.objects()[0], { audiogram: 0, age: 70, ear: "L", freqHz: 500, threshold: 10 });
  assert.deepEqual(t.objects()[7], { audiogram: 0, age: 70, ear: "R", freqHz: 500, threshold: 11 });
  assert.deepEqual(t.objects()[13], { audiogram: 1, age: null, ear: "L", freqHz: 500, threshold: 0 });
  // per ear and frequency: L500 = (10 + 0) / 2, R8000 only from audiogram 1
  const s = summarize(t, ["ear", "freqHz"], ["threshold"]).objects() as Record<string, unknown>[];
  assert.deepEqual(s[0], { ear: "L", freqHz: 500, n: 2, "threshold mean": 5, "threshold sd": Math.sqrt(50) });
  assert.deepEqual(s[13], { ear: "R", freqHz: 8000, n: 1, "threshold mean": 52, "threshold sd": null });
  assert.throws(() => audiogramFrame({ values: new Float32Array(14), shape: [1, 14] }), /15 columns .* got 14/);
});

function writeRun(root: string, hash: string, files: Record<string, string>): void {
  mkdirSync(join(root, hash), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, hash, name), text);
}

test("runsTable: a row per run with config, status and final metrics; broken folders skipped with a warning naming the file", () => {
  const root = mkdtempSync(join(tmpdir(), "vaelab-frames-"));
  try {
    const config = (beta: number) =>
      JSON.stringify({
        model: { kind: "disvae", method: "pdisvae", beta },
        data: { kind: "groupwise" },
        preset: "smoke",
        seed: 1,
      });
    writeRun(root, "a000", {
      "config.json": config(4),
      "done.json": JSON.stringify({ hash: "a000", steps: 3, finishedAt: "2026-12-07T00:00:00.000Z" }),
      "metrics.csv": "step,epoch,loss,rate,ms\n0,0,5,1,10\n1,0,4,1.5,9\n2,0,3,2,9\n",
    });
    writeRun(root, "b000", { "config.json": config(10), "metrics.csv": "step,epoch,loss,ms\n0,0,7,10\n" });
    writeRun(root, "c000", { "config.json": "{ not json" });
    writeRun(root, "d000", { "config.json": config(1), "metrics.csv": "step,loss\n0,1\n1,oops\n" });
    writeRun(root, "e000", { "metrics.csv": "step,loss\n0,1\n" });
    writeRun(root, "f000", { "config.json": config(1), "done.json": JSON.stringify({ hash: "zzzz", steps: 1 }) });
    const warnings: string[] = [];
    const t = runsTable({ runsDir: root, fields: ["model.beta"], warn: (m) => warnings.push(m) });
    assert.deepEqual(t.objects(), [
      {
        hash: "a000",
        status: "done",
        preset: "smoke",
        seed: 1,
        model: "disvae",
        method: "pdisvae",
        data: "groupwise",
        "model.beta": 4,
        steps: 3,
        finishedAt: "2026-12-07T00:00:00.000Z",
        loss: 3,
        rate: 2,
      },
      {
        hash: "b000",
        status: "incomplete",
        preset: "smoke",
        seed: 1,
        model: "disvae",
        method: "pdisvae",
        data: "groupwise",
        "model.beta": 10,
        steps: 1,
        finishedAt: null,
        loss: 7,
        rate: null,
      },
    ]);
    assert.equal(warnings.length, 4, warnings.join("\n"));
    assert.match(warnings[0], /c000.*c000[\\/]config\.json is not valid JSON/);
    assert.match(warnings[1], /d000[\\/]metrics\.csv: line 3, column loss: "oops" is not a number/);
    assert.match(warnings[2], /e000[\\/]config\.json is missing/);
    assert.match(warnings[3], /f000[\\/]done\.json names run zzzz, not f000/);
    // only the runs asked for, in that order, each once; a missing one is a warning
    const some = runsTable({
      runsDir: root,
      hashes: ["b000", "nope", "a000", "b000"],
      metrics: ["loss"],
      warn: (m) => warnings.push(m),
    });
    assert.deepEqual(some.array("hash"), ["b000", "a000"]);
    assert.ok(!some.columnNames().includes("rate"));
    assert.match(warnings[4], /nope.*does not exist/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("recordFrame: a record's data round-trips through its JSON file as the same table", () => {
  const dir = mkdtempSync(join(tmpdir(), "vaelab-frames-"));
  try {
    const runs = frame(sweep);
    const record = {
      work: "pdisvae",
      figure: "Fig. 0",
      name: "fig00-test",
      caption: "",
      preset: "smoke",
      engine: "",
      seconds: 0,
      differences: [],
      data: { runs: runs.objects(), means: summarize(runs, "method", ["x"]).objects() },
      claims: [],
    } as FigureRecord;
    mkdirSync(join(dir, "pdisvae"));
    const file = join(dir, "pdisvae", "fig00-test.json");
    writeFileSync(file, JSON.stringify(record, null, 1));
    assert.deepEqual(recordFrame(file, "runs").objects(), sweep);
    assert.deepEqual(recordFrame({ work: "pdisvae", name: "fig00-test", root: dir }, "runs").objects(), sweep);
    assert.deepEqual(recordFrame(record, "means").array("method"), ["b", "a", "c"]);
    assert.throws(() => recordFrame(file), /data of .*fig00-test\.json is not an array of objects/);
    assert.throws(() => recordFrame(file, "nothing"), /data\.nothing of .*fig00-test\.json is not an array/);
    assert.throws(() => recordFrame(join(dir, "none.json")), /none\.json does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
