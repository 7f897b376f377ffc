// The benchmark: the registry's models (sizes, the CD-VAE level's path rate in closed form, its
// gradient, training and tensor count), the timing runner, the table, and the CLI end to end
// (`--quick --models mlp-vae --backends cpu,wasm,tfjs-node --json`).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { join } from "path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng";
import { SdeLevel, SdeLevelConfig, adamBench, benchModel, benchModelNames } from "../../lib/bench/models";
import { benchRun } from "../../lib/bench/run";
import { BenchRow, addCpuRatios, renderTable } from "../../lib/bench/report";
import { checkDirectionalGradient, engineWithConvGradients } from "../models/model-helpers";

const root = join(__dirname, "..", "..");

before(async () => {
  await engineWithConvGradients();
});

const TINY_LEVEL: SdeLevelConfig = { size: 4, stateChannels: 3, hidden: 4, dataChannels: 1, steps: 5 };

test("the registry: six models with their batches; building gives the expected parameter counts", () => {
  assert.deepEqual(benchModelNames(), ["mlp-vae", "conv-vae", "tasnet", "vi-tasnet", "pvae", "cdvae"]);
  const want: Record<string, { batch: number; params: number }> = {
    "mlp-vae": { batch: 128, params: 784 * 512 + 512 * 64 + 32 * 512 + 512 * 784 },
    "conv-vae": { batch: 64, params: 469173 },
    tasnet: { batch: 4, params: 8673 },
    // the TasNet's, with a bias on the encoder (16·32 + 32) and two values per mask (+ 8·64 + 64 in the mask conv)
    "vi-tasnet": { batch: 4, params: 8673 + 32 + 8 * 64 + 64 },
    pvae: { batch: 128, params: 5038 },
    cdvae: { batch: 32, params: 37459 },
  };
  for (const name of benchModelNames()) {
    const m = benchModel(name);
    assert.equal(m.batch, want[name].batch, name);
    assert.ok(m.description.length > 20);
    const inst = m.build(0);
    assert.equal(inst.parameterCount, want[name].params, `${name} parameters`);
    assert.ok(Number.isNaN(inst.lastLoss()));
    inst.dispose();
  }
  assert.throws(
    () => benchModel("nope"),
    /no model "nope" \(have: mlp-vae, conv-vae, tasnet, vi-tasnet, pvae, cdvae\)/,
  );
  // the cdvae level's parameters: bottom-up 1→32→32, prior 16→32→16, posterior 48→32→16, decoder 16→1, σ, σ_x
  const conv = (i: number, o: number) => 9 * i * o + o;
  assert.equal(
    want.cdvae.params,
    conv(1, 32) + conv(32, 32) + conv(16, 32) + conv(32, 16) + conv(48, 32) + conv(32, 16) + conv(16, 1) + 2,
  );
});

test("SDE level: equal drifts give zero path rate; a constant drift difference b gives ½·(b/σ)²·dims·T", async () => {
  const level = new SdeLevel(TINY_LEVEL, new Rng(1));
  const x = new Rng(2).normalTensor([3, 4, 4, 1]);
  // all drift weights zero: h_post = h_prior = 0 → u = 0
  for (const l of [...level.prior, ...level.posterior]) {
    l.w.assign(tf.zerosLike(l.w));
    l.b!.assign(tf.zerosLike(l.b!));
  }
  const r0 = level.record(x, new Rng(3));
  assert.deepEqual(Array.from(await r0.rate.data()), [0, 0, 0]);
  // posterior output bias b: h_post − h_prior = b everywhere, σ = 0.5 → rate = ½ (b/σ)² · (4·4·3) · 1
  const b = 0.3;
  level.posterior[1].b!.assign(tf.fill([3], b));
  const r1 = level.record(x, new Rng(3));
  const want = 0.5 * (b / 0.5) ** 2 * 4 * 4 * 3;
  for (const v of await r1.rate.data()) assert.ok(Math.abs(v - want) < 1e-4 * want, `rate ${v} vs ${want}`);
  tf.dispose([x, r0.distortion, r0.rate, r1.distortion, r1.rate]);
  level.dispose();
});

test("SDE level: gradient of distortion + path rate matches finite differences (shared Brownian path)", async () => {
  const level = new SdeLevel({ ...TINY_LEVEL, activation: "tanh" }, new Rng(4)); // smooth: no ReLU kinks in the differences
  const x = new Rng(5).normalTensor([2, 4, 4, 1]);
  // the same Brownian increments at every evaluation: a fresh stream with the same seed
  await checkDirectionalGradient(level.variables(), () => level.loss(x, new Rng(6)), { seed: "cdvae", directions: 4 });
  x.dispose();
  level.dispose();
});

test("SDE level: shapes and determinism given the seeds (weights and Brownian path)", async () => {
  const loss = async (initSeed: number, pathSeed: number) => {
    const level = new SdeLevel(TINY_LEVEL, new Rng(initSeed));
    const x = new Rng(11).normalTensor([2, 4, 4, 1]);
    const r = level.record(x, new Rng(pathSeed));
    assert.deepEqual(r.distortion.shape, [2]);
    assert.deepEqual(r.rate.shape, [2]);
    const v = [...(await r.distortion.data()), ...(await r.rate.data())];
    tf.dispose([x, r.distortion, r.rate]);
    level.dispose();
    return v;
  };
  const a = await loss(1, 2);
  assert.deepEqual(await loss(1, 2), a);
  assert.notDeepEqual(await loss(1, 3), a, "another Brownian path");
  assert.notDeepEqual(await loss(4, 2), a, "other weights");
});

test("SDE level: Adam steps lower the loss and the tensor count stays flat", async () => {
  const level = new SdeLevel(TINY_LEVEL, new Rng(7));
  const x = new Rng(8).normalTensor([8, 4, 4, 1]);
  const inst = adamBench(
    level.variables(),
    () => level.loss(x, new Rng(9)),
    new Rng(10),
    level.parameterCount(),
    () => {
      x.dispose();
      level.dispose();
    },
    1e-2,
  );
  await inst.step();
  const first = inst.lastLoss();
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 30; i++) await inst.step();
  assert.equal(tf.memory().numTensors, n0, "flat tensor count");
  assert.ok(inst.lastLoss() < first - 1, `loss ${first} → ${inst.lastLoss()}`);
  inst.dispose();
});

test("benchRun times mlp-vae and pvae on the current backend without leaking tensors", async () => {
  for (const name of ["mlp-vae", "pvae"]) {
    const before = tf.memory().numTensors;
    const r = await benchRun(name, { warmup: 1, minSeconds: 0, maxSteps: 3, minSteps: 3 });
    assert.equal(r.model, name);
    assert.equal(r.steps, 3);
    assert.equal(r.warmup, 1);
    assert.ok(r.msPerStep > 0 && r.minMs <= r.msPerStep && r.msPerStep <= r.maxMs);
    assert.equal(r.tensorGrowth, 0);
    assert.ok(Number.isFinite(r.lastLoss));
    assert.equal(r.backend.length > 0, true);
    assert.equal(tf.memory().numTensors, before, "build + dispose leaves nothing");
  }
  await assert.rejects(benchRun("mlp-vae", { maxSteps: 0 }), /maxSteps must be an integer ≥ 1/);
});

test("rows: ratios to cpu, and the table with notes for rows that could not run", () => {
  const rows: BenchRow[] = [
    { model: "a", backend: "cpu", status: "ok", msPerStep: 100, steps: 2, ratioToCpu: null, threads: 1 },
    { model: "a", backend: "wasm", status: "ok", msPerStep: 25, steps: 9, ratioToCpu: null, threads: 1 },
    {
      model: "b",
      backend: "wasm",
      status: "error",
      msPerStep: null,
      steps: 0,
      ratioToCpu: null,
      error: "Kernel 'X' not registered",
    },
    {
      model: "b",
      backend: "tfjs-node",
      status: "backend-unavailable",
      msPerStep: null,
      steps: 0,
      ratioToCpu: null,
      error: "not installed",
    },
  ];
  const r = addCpuRatios(rows);
  assert.deepEqual(
    r.map((x) => x.ratioToCpu),
    [1, 4, null, null],
  );
  const t = renderTable(r, ["a", "b"], ["wasm", "cpu"]);
  const lines = t.split("\n");
  assert.match(lines[0], /^model\s+backend\s+ms\/step\s+steps\s+× vs cpu\s+threads$/);
  assert.match(lines[2], /^a\s+wasm\s+25\.0\s+9\s+4\.0×\s+1$/);
  assert.match(lines[3], /^a\s+cpu\s+100\s+2\s+1\.0×\s+1$/);
  assert.match(lines[4], /^b\s+wasm\s+unavailable\s+—\s+—$/);
  assert.ok(!t.includes("tfjs-node"), "unavailable backends are not table rows");
  assert.match(t, /note: b on wasm: Kernel 'X' not registered/);
});

test("CLI: --quick --models mlp-vae --backends cpu,wasm,tfjs-node --json prints valid rows; an unavailable backend is a row with its reason", () => {
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/bench.ts",
      "--quick",
      "--models",
      "mlp-vae",
      "--backends",
      "cpu,wasm,tfjs-node",
      "--json",
    ],
    {
      cwd: root,
      encoding: "utf8",
      timeout: 180_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as BenchRow[];
  assert.ok(Array.isArray(rows));
  const by = (b: string) => rows.find((x) => x.backend === b)!;
  for (const b of ["cpu", "wasm"]) {
    const row = by(b);
    assert.ok(row, `a ${b} row`);
    assert.equal(row.model, "mlp-vae");
    assert.equal(row.status, "ok", row.error);
    assert.ok(typeof row.msPerStep === "number" && row.msPerStep > 0);
    assert.equal(row.steps, 2);
    assert.equal(row.batch, 128);
    assert.equal(row.parameterCount, 851968);
    assert.equal(row.tensorGrowth, 0);
  }
  assert.equal(by("cpu").ratioToCpu, 1);
  assert.ok(by("wasm").ratioToCpu! > 1, `wasm is faster than cpu on the MLP VAE (${by("wasm").ratioToCpu}×)`);
  const node = by("tfjs-node");
  if (node.status !== "ok") {
    assert.equal(node.status, "backend-unavailable");
    assert.ok(node.error && !node.error.includes("\n"), "one-line reason");
    assert.match(r.stderr, /backend tfjs-node unavailable, skipped: /);
  }
  assert.match(r.stderr, /machine: .+ cores/);
  assert.match(r.stderr, /\[1\/3\] mlp-vae on cpu: [\d.]+ ms\/step/);
  const bad = spawnSync(process.execPath, ["--import", "tsx", "scripts/bench.ts", "--models", "nope"], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--models: unknown nope \(known: mlp-vae, conv-vae, tasnet, vi-tasnet, pvae, cdvae\)/);
});
