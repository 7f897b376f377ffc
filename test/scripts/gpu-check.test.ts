// The prepared GPU check (issue 17): its table and PyTorch merge, the paper-size models' sizes, the bundle build's
// size limit, and, on a software adapter (Chromium's SwiftShader here and in CI), the bundle end to end through
// scripts/gpu-check.sh: it refuses the adapter in one line without --allow-software and prints the table with it.
// The build is --bundle-only (esbuild and a copy of dawn.node, seconds; compressing node takes minutes) and the run
// is --quick --skip-parity on two small models (test/engine/webgpu.test.ts runs the parity cases).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as tf from "@tensorflow/tfjs";
import { PAPER_BENCH_MODELS } from "../../lib/bench/models";
import { type CheckRow, renderCheckTable, torchRows } from "../../scripts/gpu-check/table";

const root = join(__dirname, "..", "..");
const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";

const row = (model: string, size: string, backend: string, ms: number | null, extra: Partial<CheckRow> = {}) =>
  ({ model, size, backend, status: "ok", msPerStep: ms, steps: 3, ...extra }) as CheckRow;

test("the table: one line per model and size, cpu ÷ webgpu, PyTorch's rows beside with webgpu ÷ torch", () => {
  const rows = [
    row("tasnet", "demo", "webgpu", 20, { parameterCount: 8673, batch: 4, firstStepMs: 900 }),
    row("tasnet", "demo", "cpu", 500),
    row("tasnet-librimix", "paper", "webgpu", 250, { parameterCount: 5050545, batch: 4 }),
    row("conv-vae", "demo", "cpu", null, { status: "skipped", error: "too little of the time budget (180 s) left" }),
  ];
  const lines = renderCheckTable(rows).split("\n");
  assert.equal(
    lines[0],
    "| model | size | params | batch | webgpu ms/step | first step ms | cpu ms/step | cpu ÷ webgpu |",
  );
  assert.equal(lines[2], "| tasnet | demo | 8.7 k | 4 | 20.0 | 900 | 500 | 25× |");
  assert.equal(lines[3], "| tasnet-librimix | paper | 5.05 M | 4 | 250 | — |  |  |");
  assert.equal(lines[4], "| conv-vae | demo | — | — |  | — | skipped |  |");
  assert.equal(lines.at(-1), "note: conv-vae (demo) on cpu: skipped: too little of the time budget (180 s) left");

  const dir = mkdtempSync(join(tmpdir(), "gpu-check-torch-"));
  try {
    const file = join(dir, "torch.json");
    writeFileSync(
      file,
      JSON.stringify([
        { model: "tasnet", backend: "pytorch-cuda", status: "ok", msPerStep: 8, steps: 30 },
        { model: "tasnet-librimix", backend: "pytorch-cuda", status: "ok", msPerStep: 50, steps: 30 },
      ]),
    );
    const torch = torchRows(file);
    assert.deepEqual(
      torch.map((r) => r.size),
      ["demo", "paper"],
    );
    const merged = renderCheckTable(rows, torch).split("\n");
    assert.ok(merged[0].endsWith("| pytorch-cuda ms/step | webgpu ÷ pytorch-cuda |"), merged[0]);
    assert.ok(merged[2].endsWith("| 8.00 | 2.5× |"), merged[2]);
    assert.ok(merged[3].endsWith("| 50.0 | 5.0× |"), merged[3]);
    // a --quick row of the same name is another size: no PyTorch twin
    const quick = renderCheckTable([row("tasnet", "small", "webgpu", 20)], torch).split("\n");
    assert.ok(quick[2].endsWith("| 20.0 | — |  |  |  |  |"), quick[2]);
    writeFileSync(file, "{}");
    assert.throws(() => torchRows(file), /torch\.json: not a JSON array of bench_torch\.py rows/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("paper sizes: the LibriMix Conv-TasNet has 5.05 M parameters, the CD-VAE level 128 drift channels", async () => {
  await tf.setBackend("cpu");
  const want: Record<string, number> = { "tasnet-librimix": 5050545, "cdvae-paper": 370483 };
  for (const [name, m] of Object.entries(PAPER_BENCH_MODELS)) {
    const inst = m.build(0);
    assert.equal(inst.parameterCount, want[name], name);
    inst.dispose();
  }
});

test("the bundle: built here, refuses a software adapter in one line, prints the table with --allow-software", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "gpu-check-"));
  const build = (env: Record<string, string> = {}) =>
    spawnSync("bash", [join(root, "scripts", "build-gpu-bundle.sh"), "--bundle-only", "--out", join(dir, "b")], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
  try {
    const small = build({ GPU_BUNDLE_LIMIT_MIB: "1" });
    assert.equal(small.status, 1, small.stdout + small.stderr);
    assert.match(small.stderr, /build-gpu-bundle: \S+ is [\d.]+ MiB, over the 1 MiB limit \(GPU_BUNDLE_LIMIT_MIB\)/);
    const ok = build();
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /build-gpu-bundle: \S+ is [\d.]+ MiB:\n(.*\n)*.*gpu-check\.cjs/);

    const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER, OUT: join(dir, "out") };
    delete env.VAELAB_BACKEND;
    const refused = spawnSync(process.execPath, [join(dir, "b", "gpu-check.cjs")], { env, encoding: "utf8" });
    if (refused.stdout.startsWith("gpu-check: no webgpu backend"))
      return t.skip(`no webgpu adapter here: ${refused.stdout.trim()}`);
    assert.equal(refused.status, 3, refused.stdout + refused.stderr);
    assert.match(
      refused.stdout,
      /^gpu-check: refused: the adapter is a software one \(google swiftshader\); its timings say nothing about a GPU \(--allow-software runs anyway\)\n$/,
    );

    const run = spawnSync(
      "bash",
      [
        join(root, "scripts", "gpu-check.sh"),
        "--bundle",
        join(dir, "b"),
        "--allow-software",
        "--quick",
        "--skip-parity",
        "--models",
        "mlp-vae,pvae",
      ],
      { cwd: root, env, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /gpu-check\.sh: Vulkan driver: \/usr\/lib\/chromium\/vk_swiftshader_icd\.json/);
    assert.match(run.stdout, /\| model \| size \| params \| batch \| webgpu ms\/step \|/);
    for (const m of ["mlp-vae", "pvae"])
      assert.match(
        run.stdout,
        new RegExp(`\\| ${m} \\| small \\| [\\d.]+ k \\| — \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+× \\|`),
      );
    const report = JSON.parse(readFileSync(join(dir, "out", "gpu-check.json"), "utf8")) as { rows: CheckRow[] };
    assert.deepEqual(
      report.rows.map((r) => `${r.model} ${r.backend} ${r.status}`),
      ["mlp-vae webgpu ok", "pvae webgpu ok", "mlp-vae cpu ok", "pvae cpu ok"],
    );
    assert.ok(existsSync(join(dir, "out", "table.md")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bench_torch.py: the paper-size twins build with the same sizes; --device cuda runs on CUDA or says why not", (t) => {
  // the Pythons scripts/bench.ts tries
  const python = [process.env.VAELAB_PYTHON, "python3", "/usr/bin/python3"].find(
    (p) => p && spawnSync(p, ["-c", "import torch"], { encoding: "utf8" }).status === 0,
  );
  if (!python) return t.skip("no python3 imports torch here");
  const script = join(root, "scripts", "bench_torch.py");
  const quick = ["--min-seconds", "0", "--max-steps", "2", "--warmup", "0", "--threads", "1"];
  const cpu = spawnSync(python, [script, "--models", "cdvae-paper,vi-tasnet", ...quick], { encoding: "utf8" });
  assert.equal(cpu.status, 0, cpu.stderr);
  const rows = JSON.parse(cpu.stdout) as { model: string; backend: string; parameterCount: number; lastLoss: number }[];
  assert.deepEqual(
    rows.map((r) => [r.model, r.backend, r.parameterCount]),
    [
      ["cdvae-paper", "pytorch-cpu", 370483],
      // the TasNet's 8673, an encoder bias (16·32 + 32), two values per mask (+ 8·64 + 64), as lib/bench's vi-tasnet
      ["vi-tasnet", "pytorch-cpu", 8673 + 32 + 8 * 64 + 64],
    ],
  );
  assert.ok(rows.every((r) => Number.isFinite(r.lastLoss)));
  const cuda = spawnSync(python, [script, "--device", "cuda", "--models", "pvae", ...quick], { encoding: "utf8" });
  if (cuda.status === 0) assert.equal((JSON.parse(cuda.stdout) as { backend: string }[])[0].backend, "pytorch-cuda");
  else
    assert.match(
      cuda.stderr,
      /^bench_torch: --device cuda: torch\.cuda\.is_available\(\) is False \(a CPU-only torch, or no NVIDIA driver\)\n$/,
    );
});
