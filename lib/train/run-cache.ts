// trainOrReload: a run is identified by a stable hash of its config (model, data, preset, seed, …)
// and lives in <runs root>/<hash>/ with config.json, weights.json/.bin, metrics.csv and done.json.
// A completed run is reloaded instead of retrained; an interrupted one resumes from its checkpoint/.
// The runs root is data/runs/ of the repository unless VAELAB_RUNS_DIR or opts.runsDir says otherwise.
// Nothing of another run is used silently: the reloaded weights, done.json and the checkpoint all record
// the run hash, and one that names another run is refused ("delete <dir> to retrain"). A process that may
// train takes the directory's lock (run.lock, see run-lock.ts) first, which also proves the directory
// writable before any step; a completed run is reloaded without it. Stale temporaries of a crashed save are
// removed when the run is opened. Write failures (no space, read-only) name the file, the run and the step.
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";
import { Rng, Seed } from "../engine/rng";
import { cleanStaleTemporaries, runsRoot, writeFileAtomic } from "../engine/paths";
import { MANIFEST_FILE, assignVariables, disposeAll, loadTensors, saveVariables } from "../engine/weights";
import { HistoryRow, readCsv } from "./history";
import { TrainOptions, TrainResult, TrainableModel, isFsError, train } from "./loop";
import { LOCK_FILE, RunLock, acquireRunLock } from "./run-lock";

export { LOCK_FILE };

/** What identifies a run. Extra fields (e.g. training hyperparameters) are part of the hash too. */
export interface RunConfig {
  model: unknown;
  data: unknown;
  preset: string;
  seed: Seed;
  [key: string]: unknown;
}

/**
 * JSON with object keys sorted at every level, so that key order never changes the hash. Rejects values
 * JSON cannot represent faithfully (functions, tensors, class instances, NaN/Infinity, undefined in arrays),
 * naming the path; undefined object fields are dropped as in JSON.
 */
export function stableStringify(x: unknown, where = "config"): string {
  if (x === null) return "null";
  switch (typeof x) {
    case "number":
      if (!Number.isFinite(x)) throw new Error(`stableStringify: ${where} is ${x}, which has no JSON form`);
      return JSON.stringify(x);
    case "string":
    case "boolean":
      return JSON.stringify(x);
    case "object": {
      if (Array.isArray(x)) {
        return `[${x
          .map((v, i) => {
            if (v === undefined) throw new Error(`stableStringify: ${where}[${i}] is undefined`);
            return stableStringify(v, `${where}[${i}]`);
          })
          .join(",")}]`;
      }
      const proto = Object.getPrototypeOf(x);
      if (proto !== Object.prototype && proto !== null) {
        throw new Error(
          `stableStringify: ${where} is a ${(x as object).constructor?.name ?? "non-plain object"}; configs must be plain JSON data`,
        );
      }
      const obj = x as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k], `${where}.${k}`)}`).join(",")}}`;
    }
    default:
      throw new Error(`stableStringify: ${where} is a ${typeof x}; configs must be plain JSON data`);
  }
}

/** 16 hex digits of sha256 over the stable JSON of `config`. */
export function configHash(config: unknown): string {
  return createHash("sha256").update(stableStringify(config)).digest("hex").slice(0, 16);
}

export { runsRoot };

export interface RunOptions<M extends TrainableModel> {
  /** Training options for this model (data, batch size, steps, controller, …); checkpointing and metrics paths are set by the run. */
  train: (model: M, run: { config: RunConfig; dir: string }) => Omit<TrainOptions, "checkpoint" | "metricsCsv">;
  runsDir?: string;
  /** Checkpoint every this many steps (default 100). */
  checkpointEvery?: number;
  /** Keep checkpoint/ after the run completes (default false: weights.json/.bin hold the result). */
  keepCheckpoint?: boolean;
  /** Ignore a completed run and train again (e.g. after changing training code). */
  retrain?: boolean;
}

export interface Run<M extends TrainableModel> {
  model: M;
  hash: string;
  dir: string;
  /** True when a completed run was loaded and no training step ran. */
  reloaded: boolean;
  /** Step a resumed run continued from, or null. */
  resumedFrom: number | null;
  history: HistoryRow[];
  /** The training result when this call trained. */
  result?: TrainResult;
}

export const DONE_FILE = "done.json";
export const CONFIG_FILE = "config.json";
export const METRICS_FILE = "metrics.csv";
export const CHECKPOINT_DIR = "checkpoint";

/**
 * Build the model from `config` (build gets a stream forked from config.seed, "init"), then either
 * reload the completed run from its directory, or train it (resuming from its checkpoint) and save it.
 * Training's rng defaults to a stream forked from config.seed ("train").
 */
/** Training runs in progress in this process, by run directory (see trainOrReload). */
const activeRuns = new Map<string, Promise<unknown>>();

export async function trainOrReload<M extends TrainableModel>(
  config: RunConfig,
  build: (config: RunConfig, rng: Rng) => M | Promise<M>,
  opts: RunOptions<M>,
): Promise<Run<M>> {
  const text = stableStringify(config);
  const hash = configHash(config);
  const dir = path.join(runsRoot(opts.runsDir), hash);
  // Calls for one run directory are chained in this process: an interrupted notebook cell abandons its
  // promise while its loop finishes the step and checkpoints, and a re-run must wait for that before it
  // reads the directory (else the run would train twice).
  const earlier = activeRuns.get(dir);
  const mine = (async () => {
    if (earlier) await earlier.catch(() => undefined);
    return runInDir(config, text, hash, dir, build, opts);
  })();
  activeRuns.set(dir, mine);
  try {
    return await mine;
  } finally {
    if (activeRuns.get(dir) === mine) activeRuns.delete(dir);
  }
}

/** An errno error told in context: `prefix` + its message + `suffix` (code and cause kept). */
function withContext(prefix: string, e: NodeJS.ErrnoException, suffix = ""): Error {
  const out = Object.assign(new Error(`${prefix}${e.message}${suffix}`), { cause: e });
  return Object.assign(out, { code: e.code, ...(e.syscall ? { syscall: e.syscall } : {}) });
}

const ELSEWHERE = "or point VAELAB_RUNS_DIR (or the runsDir option) at a writable folder";

/** Take the run's lock, explaining a directory that cannot be written. */
function lockRun(dir: string): RunLock {
  try {
    return acquireRunLock(dir, "trainOrReload");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    if (["EROFS", "EACCES", "EPERM"].includes(code))
      throw withContext(
        `trainOrReload: the run directory ${dir} is not writable (`,
        e as Error,
        `), and training writes its checkpoints, metrics and weights there; make it writable, ${ELSEWHERE}`,
      );
    throw withContext(`trainOrReload: cannot create the lock file ${path.join(dir, LOCK_FILE)} (`, e as Error, ")");
  }
}

/**
 * Refuse weights or a done.json that belong to another run: the manifest's meta.hash (saveVariables in
 * runInDir) and done.json's hash must be this run's. A manifest without a hash is accepted when done.json
 * names this run (every run written by trainOrReload records the hash in both).
 */
function reloadWeights(dir: string, hash: string, vars: Record<string, tf.Variable>): void {
  const doneFile = path.join(dir, DONE_FILE);
  const manifest = path.join(dir, MANIFEST_FILE);
  const retrain = `delete ${dir} to retrain`;
  let done: { hash?: unknown };
  try {
    done = JSON.parse(fs.readFileSync(doneFile, "utf8")) ?? {};
  } catch (e) {
    throw new Error(`trainOrReload: ${doneFile} is unreadable (${(e as Error).message.split("\n")[0]}); ${retrain}`);
  }
  if (done.hash !== undefined && done.hash !== hash)
    throw new Error(`trainOrReload: ${doneFile} belongs to run ${String(done.hash)}, not ${hash}; ${retrain}`);
  const { tensors, meta } = loadTensors(dir);
  try {
    const saved = (meta as { hash?: unknown } | null)?.hash;
    if (saved !== undefined && saved !== hash)
      throw new Error(`trainOrReload: ${manifest} belongs to run ${String(saved)}, not ${hash}; ${retrain}`);
    if (saved === undefined && done.hash !== hash)
      throw new Error(
        `trainOrReload: ${manifest} records no run hash and ${doneFile} does not name run ${hash} either; ${retrain}`,
      );
    assignVariables(vars, tensors, manifest);
  } finally {
    disposeAll(tensors);
  }
}

async function runInDir<M extends TrainableModel>(
  config: RunConfig,
  text: string,
  hash: string,
  dir: string,
  build: (config: RunConfig, rng: Rng) => M | Promise<M>,
  opts: RunOptions<M>,
): Promise<Run<M>> {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw withContext(
      `trainOrReload: cannot create the run directory ${dir} (`,
      e as Error,
      `); make ${path.dirname(dir)} writable, ${ELSEWHERE}`,
    );
  }
  const doneFile = path.join(dir, DONE_FILE);
  const ckptDir = path.join(dir, CHECKPOINT_DIR);
  // A completed run is only read, so it is reloaded without the lock (and from a read-only folder);
  // anything that may train takes it first, before a single step, and so finds out whether it can write.
  const lock = opts.retrain || !fs.existsSync(doneFile) ? lockRun(dir) : null;
  try {
    for (const d of [dir, ckptDir, `${ckptDir}.new`, `${ckptDir}.old`]) cleanStaleTemporaries(d);
    const configFile = path.join(dir, CONFIG_FILE);
    if (fs.existsSync(configFile)) {
      let saved: string;
      try {
        saved = stableStringify(JSON.parse(fs.readFileSync(configFile, "utf8")));
      } catch (e) {
        throw new Error(
          `trainOrReload: ${configFile} is unreadable (${(e as Error).message.split("\n")[0]}); delete ${dir} to retrain`,
        );
      }
      if (saved !== text)
        throw new Error(
          `trainOrReload: ${configFile} holds a different config than the one hashing to ${hash}; delete ${dir} to retrain`,
        );
    } else {
      writeFileAtomic(configFile, JSON.stringify(JSON.parse(text), null, 2) + "\n");
    }

    const root = new Rng(config.seed);
    const model = await build(config, root.fork("init"));
    if (fs.existsSync(doneFile) && !opts.retrain) {
      reloadWeights(dir, hash, model.variables);
      const metrics = path.join(dir, METRICS_FILE);
      return {
        model,
        hash,
        dir,
        reloaded: true,
        resumedFrom: null,
        history: fs.existsSync(metrics) ? readCsv(metrics) : [],
      };
    }
    if (opts.retrain) fs.rmSync(doneFile, { force: true });

    const run = `trainOrReload: run ${hash} (${dir}): `;
    const trainOpts = opts.train(model, { config, dir });
    let result: TrainResult;
    try {
      result = await train(model, {
        rng: root.fork("train"),
        ...trainOpts,
        checkpoint: {
          dir: ckptDir,
          every: opts.checkpointEvery ?? 100,
          resume: !opts.retrain,
          run: { hash, dir },
        },
        metricsCsv: path.join(dir, METRICS_FILE),
      });
    } catch (e) {
      throw isFsError(e) ? withContext(run, e) : e;
    }
    if (!trainOpts.optimizer) result.optimizer.dispose();
    try {
      await saveVariables(dir, model.variables, { hash, steps: result.steps, controller: result.controller });
      writeFileAtomic(
        doneFile,
        JSON.stringify(
          { hash, steps: result.steps, finishedAt: new Date().toISOString(), controller: result.controller },
          null,
          2,
        ) + "\n",
      );
    } catch (e) {
      if (!isFsError(e)) throw e;
      throw withContext(
        `${run}saving the trained weights after step ${result.steps} failed (the checkpoint in ${ckptDir} is kept, ` +
          `so running again only saves): `,
        e,
      );
    }
    if (!opts.keepCheckpoint) fs.rmSync(ckptDir, { recursive: true, force: true });
    return {
      model,
      hash,
      dir,
      reloaded: false,
      resumedFrom: result.startStep > 0 ? result.startStep : null,
      history: result.history,
      result,
    };
  } finally {
    lock?.release();
  }
}
