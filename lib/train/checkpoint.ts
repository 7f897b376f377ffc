// Training checkpoints: variables + optimizer state (one weights.json/.bin pair), and state.json
// (step, controller state, metrics history). A checkpoint directory is replaced as a whole: the new
// one is written to "<dir>.new", then "<dir>" → "<dir>.old", "<dir>.new" → "<dir>", "<dir>.old" removed,
// so a crash at any moment leaves a complete checkpoint ("<dir>", or "<dir>.old" if the crash fell
// between the two renames; loadCheckpoint looks there too).
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as path from "path";
import {
  MANIFEST_FILE,
  OptimizerStateInfo,
  assignVariables,
  captureOptimizerState,
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
}

/** Where a complete checkpoint lives: dir, or dir.old after a crash between renames; null if none. */
export function findCheckpoint(dir: string): string | null {
  for (const d of [dir, `${dir}.old`]) {
    if (fs.existsSync(path.join(d, MANIFEST_FILE)) && fs.existsSync(path.join(d, CHECKPOINT_STATE_FILE))) return d;
  }
  return null;
}

/** Write a checkpoint of `variables`, `optimizer` and `state` to `dir` (replacing it atomically). */
export async function saveCheckpoint(
  dir: string,
  parts: { variables: Record<string, tf.Variable>; optimizer: tf.Optimizer },
  state: CheckpointState,
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

/**
 * Load a checkpoint into `variables` and `optimizer` (trainable variables in optimizer order given by
 * `optimizerVars`); returns its state, or null if there is no checkpoint. Errors name the file at fault.
 */
export async function loadCheckpoint(
  dir: string,
  parts: { variables: Record<string, tf.Variable>; optimizer: tf.Optimizer; optimizerVars: tf.Variable[] },
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
