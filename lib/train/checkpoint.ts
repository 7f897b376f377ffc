// Training checkpoints: variables + optimizer state (one weights.json/.bin pair), and state.json
// (step, controller state, metrics history). A checkpoint directory is replaced as a whole: the new
// one is written to "<dir>.new", then "<dir>" → "<dir>.old", "<dir>.new" → "<dir>", "<dir>.old" removed,
// so a crash at any moment leaves a complete checkpoint: "<dir>"; or "<dir>.old" if the crash fell between
// the two renames; or only "<dir>.new" if a resumed run crashed again after removing that "<dir>.old".
// loadCheckpoint looks in that order, and uses "<dir>.old" and "<dir>.new" only when they are complete and
// pass their checksum. A checkpoint written for a run records the run's hash, and loading it for another
// run is refused.
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import {
  MANIFEST_FILE,
  OptimizerStateInfo,
  assignVariables,
  captureOptimizerState,
  verifyTensors,
  disposeAll,
  loadTensors,
  restoreOptimizerState,
  saveTensors,
} from "../engine/weights";
import { writeFileAtomic } from "../engine/paths";
import { ControllerState } from "../objectives/controllers";
import { HistoryRow } from "./history";
import { assertFiniteVariables } from "./guard";

export const CHECKPOINT_STATE_FILE = "state.json";
const VAR_PREFIX = "var/";

export interface CheckpointState {
  /** Completed optimisation steps; training resumes at this global step. */
  step: number;
  controller: ControllerState;
  history: HistoryRow[];
  /** Anything else the caller wants back (JSON). */
  extra?: unknown;
}

interface CheckpointMeta {
  kind: "vaelab-checkpoint";
  step: number;
  variables: string[];
  optimizer: OptimizerStateInfo;
  /** Hash of the run the checkpoint was written for (absent in checkpoints written before it was recorded). */
  run?: string;
}

/** The run a checkpoint belongs to: its hash is recorded, and `dir` is named in the refusal of another run's. */
export interface CheckpointRun {
  hash: string;
  dir: string;
}

function hasFiles(d: string): boolean {
  return fs.existsSync(path.join(d, MANIFEST_FILE)) && fs.existsSync(path.join(d, CHECKPOINT_STATE_FILE));
}

/** True if `d` holds a whole checkpoint: both files present, the binary passing its checksum, one step in both. */
function isComplete(d: string): boolean {
  if (!hasFiles(d)) return false;
  try {
    const manifest = verifyTensors(d);
    const state = JSON.parse(fs.readFileSync(path.join(d, CHECKPOINT_STATE_FILE), "utf8")) as CheckpointState;
    return (manifest.meta as Partial<CheckpointMeta>)?.step === state.step;
  } catch {
    return false;
  }
}

/**
 * Where the checkpoint to resume from lives: `dir`; else `dir.old` (a crash between the renames) or
 * `dir.new` (a second crash after `dir.old` was removed) if complete and checksum-valid; null if none.
 */
export function findCheckpoint(dir: string): string | null {
  if (hasFiles(dir)) return dir;
  for (const d of [`${dir}.old`, `${dir}.new`]) if (isComplete(d)) return d;
  return null;
}

/**
 * Write a checkpoint of `variables`, `optimizer` and `state` to `dir` (replacing it atomically); with
 * `run`, the run's hash is recorded in it.
 */
export async function saveCheckpoint(
  dir: string,
  parts: { variables: Record<string, tf.Variable>; optimizer: tf.Optimizer },
  state: CheckpointState,
  run?: CheckpointRun,
): Promise<void> {
  await assertFiniteVariables(parts.variables, `checkpoint ${dir}`);
  const named: Record<string, tf.Tensor> = {};
  for (const k of Object.keys(parts.variables)) named[VAR_PREFIX + k] = parts.variables[k];
  const opt = await captureOptimizerState(parts.optimizer);
  const fresh = `${dir}.new`,
    old = `${dir}.old`;
  try {
    Object.assign(named, opt.tensors);
    fs.rmSync(fresh, { recursive: true, force: true });
    const meta: CheckpointMeta = {
      kind: "vaelab-checkpoint",
      step: state.step,
      variables: Object.keys(parts.variables),
      optimizer: opt.info,
      ...(run ? { run: run.hash } : {}),
    };
    await saveTensors(fresh, named, meta);
    writeFileAtomic(path.join(fresh, CHECKPOINT_STATE_FILE), JSON.stringify(state));
  } finally {
    opt.release();
  }
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(fresh, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** Refuse a checkpoint written for another run (one written before run hashes were recorded is accepted). */
function checkRun(m: Partial<CheckpointMeta>, manifest: string, run: CheckpointRun | undefined): void {
  if (!run || m.run === undefined) return;
  if (m.run !== run.hash)
    throw new Error(
      `checkpoint: ${manifest} belongs to run ${String(m.run)}, not ${run.hash}; delete ${run.dir} to retrain`,
    );
}

/**
 * Load a checkpoint into `variables` and `optimizer` (trainable variables in optimizer order given by
 * `optimizerVars`); returns its state, or null if there is no checkpoint. Errors name the file at fault;
 * with `run`, a checkpoint recording another run's hash is refused before anything is assigned.
 */
export async function loadCheckpoint(
  dir: string,
  parts: { variables: Record<string, tf.Variable>; optimizer: tf.Optimizer; optimizerVars: tf.Variable[] },
  run?: CheckpointRun,
): Promise<CheckpointState | null> {
  const where = findCheckpoint(dir);
  if (!where) return null;
  const stateFile = path.join(where, CHECKPOINT_STATE_FILE);
  let state: CheckpointState;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as CheckpointState;
  } catch (e) {
    throw new Error(`checkpoint: ${stateFile} is not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`checkpoint: ${stateFile} has no valid step`);
  const { tensors, meta } = loadTensors(where);
  const manifest = path.join(where, MANIFEST_FILE);
  try {
    const m = meta as Partial<CheckpointMeta>;
    if (!m || m.kind !== "vaelab-checkpoint" || !m.optimizer)
      throw new Error(`checkpoint: ${manifest} is not a training checkpoint`);
    checkRun(m, manifest, run);
    if (m.step !== state.step)
      throw new Error(
        `checkpoint: ${manifest} is at step ${m.step} but ${stateFile} at step ${state.step} (mixed saves)`,
      );
    const vars: Record<string, tf.Tensor> = {};
    const opt: Record<string, tf.Tensor> = {};
    for (const k of Object.keys(tensors)) {
      if (k.startsWith(VAR_PREFIX)) vars[k.slice(VAR_PREFIX.length)] = tensors[k];
      else opt[k] = tensors[k];
    }
    assignVariables(parts.variables, vars, manifest);
    await restoreOptimizerState(parts.optimizer, opt, m.optimizer, parts.optimizerVars, manifest);
  } finally {
    disposeAll(tensors);
  }
  return state;
}
