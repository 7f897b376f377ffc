// Times one benchmark model on the current tfjs backend: build, warm-up steps (kernel set-up, Adam's
// slot variables, wasm compilation), then timed steps until both `minSteps` steps and `minSeconds`
// have passed or `maxSteps` is reached. Reports the median ms/step (robust to a stray GC pause) and
// the mean, and checks that the tensor count does not grow across the timed steps (a leak would make
// the timing meaningless and a long training run run out of memory).
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../engine/backend";
import { benchModel } from "./models";

export interface BenchRunOptions {
  /** Untimed steps first (default 2; only the first when it took more than a second). */
  warmup?: number;
  /** Keep timing until this much time has passed… (default 2 s) */
  minSeconds?: number;
  /** …but stop after this many timed steps (default 50). */
  maxSteps?: number;
  /** At least this many timed steps (default 2). */
  minSteps?: number;
  /** Model seed (default 0). */
  seed?: number;
}

export interface BenchRunResult {
  model: string;
  /** vaelab backend name (VAELAB_BACKEND), e.g. "wasm". */
  backend: string;
  /** tf.getBackend(). */
  tfBackend: string;
  tfjs: string;
  threads: number;
  /** Median wall time of a timed step. */
  msPerStep: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** Timed steps. */
  steps: number;
  /** Warm-up steps run. */
  warmup: number;
  /** Wall time of each warm-up step (the first includes one-off set-up). */
  warmupMs: number[];
  buildMs: number;
  batch: number;
  parameterCount: number;
  /** numTensors after the timed steps minus before them (0 when nothing leaks). */
  tensorGrowth: number;
  /** Loss of the last step. */
  lastLoss: number;
}

/** Warm-up stops after a step slower than this. */
const SLOW_STEP_MS = 1000;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function checkCount(v: number, name: string, min: number): number {
  if (!(Number.isInteger(v) && v >= min)) throw new Error(`benchRun: ${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/** Time model `name` on the engine's backend (initialised here if needed, honouring VAELAB_BACKEND). */
export async function benchRun(name: string, opts: BenchRunOptions = {}): Promise<BenchRunResult> {
  const entry = benchModel(name);
  const warmup = checkCount(opts.warmup ?? 2, "warmup", 0);
  const minSteps = checkCount(opts.minSteps ?? 2, "minSteps", 1);
  const maxSteps = Math.max(minSteps, checkCount(opts.maxSteps ?? 50, "maxSteps", 1));
  const minSeconds = opts.minSeconds ?? 2;
  if (!(minSeconds >= 0)) throw new Error(`benchRun: minSeconds must be ≥ 0, got ${minSeconds}`);
  const info = await initEngine({ quiet: true });

  const tBuild = performance.now();
  const inst = entry.build(opts.seed ?? 0);
  const buildMs = performance.now() - tBuild;
  try {
    const warmupMs: number[] = [];
    for (let i = 0; i < warmup; i++) {
      // a step that takes seconds has no one-off set-up worth amortising: one warm-up step is enough
      if (i > 0 && warmupMs[i - 1] > SLOW_STEP_MS) break;
      const t = performance.now();
      await inst.step();
      warmupMs.push(performance.now() - t);
    }
    const before = tf.memory().numTensors;
    const times: number[] = [];
    const t0 = performance.now();
    while (times.length < maxSteps && (times.length < minSteps || performance.now() - t0 < minSeconds * 1000)) {
      const t = performance.now();
      await inst.step();
      times.push(performance.now() - t);
    }
    const after = tf.memory().numTensors;
    return {
      model: name,
      backend: info.backend,
      tfBackend: info.tfBackend,
      tfjs: info.tfjs,
      threads: info.threads,
      msPerStep: median(times),
      meanMs: times.reduce((a, b) => a + b, 0) / times.length,
      minMs: Math.min(...times),
      maxMs: Math.max(...times),
      steps: times.length,
      warmup: warmupMs.length,
      warmupMs,
      buildMs,
      batch: entry.batch,
      parameterCount: inst.parameterCount,
      tensorGrowth: after - before,
      lastLoss: inst.lastLoss(),
    };
  } finally {
    inst.dispose();
  }
}
