// The training loop: seeded batches over in-memory data, a model step returning a RateDistortion
// record, a rate controller turning it into the loss, an optimizer (Adam by default), validation,
// metrics history, progress, the NaN/Inf guard and periodic checkpoints with exact resume.
//
// Reproducibility: the batch at global step s comes from BatchPlan (a function of the seed and s) and
// the model's random draws at step s come from ctx.rng = rng.fork("step/s"); so a run resumed from a
// checkpoint at step s continues exactly as the uninterrupted run would have.
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import { ControllerState, RateController, StepStats, fixedBeta } from "../objectives/controllers";
import { RateDistortion, recordMeans } from "../objectives/rate-distortion";
import {
  Batch,
  BatchPlan,
  Dataset,
  TensorDataset,
  datasetSize,
  disposeBatch,
  gatherBatch,
  toTensorDataset,
} from "./batches";
import { CheckpointRun, CheckpointState, findCheckpoint, loadCheckpoint, saveCheckpoint } from "./checkpoint";
import { createAdam } from "./fused-adam";
import { NonFiniteError, assertFiniteData, finiteFlags, firstFalse } from "./guard";
import { HistoryRow, columnName, epochSummary, writeCsv } from "./history";
import { TrainingInterruptedError, clearInterrupt, interruptRequested, watchInterrupts } from "./interrupt";
import { ProgressMode, ProgressSink, createProgress } from "./progress";

/** What the model's step sees besides the batch. */
export interface StepContext {
  /** Global step, 0-based. */
  step: number;
  epoch: number;
  /** This step's random stream (a fork of the run's rng keyed by the step); use it for every draw. */
  rng: Rng;
}

/** A model the loop can train: its variables by name and a step that returns a RateDistortion record. */
export interface TrainableModel {
  /** All variables by logical name (trainable ones are optimised; all are checkpointed). */
  variables: Record<string, tf.Variable>;
  /** Forward pass on a batch. Runs inside the loop's gradient scope; intermediate tensors are freed for you. */
  step(batch: Batch, ctx: StepContext): RateDistortion;
}

export interface ValidationHook {
  /** Run every `every` steps (and after the last step). */
  every: number;
  /** Returns named numbers, recorded as `val_<name>` in that step's history row. Must dispose its tensors. */
  fn: (info: { step: number; epoch: number }) => Record<string, number> | Promise<Record<string, number>>;
}

export interface CheckpointOptions {
  /** Directory of the checkpoint (replaced atomically each time). */
  dir: string;
  /** Save after every `every` steps and after the last step. */
  every: number;
  /** Resume from an existing checkpoint in `dir` (default true). */
  resume?: boolean;
  /** The run the checkpoints belong to (trainOrReload): its hash is recorded, another run's checkpoint refused. */
  run?: CheckpointRun;
}

export interface TrainOptions {
  /** Examples along axis 0: a tensor, {values: Float32Array, shape}, or named ones ({x, mask}); batches mirror it. */
  data: Dataset;
  batchSize: number;
  /** Total optimisation steps of the run (give steps or epochs). */
  steps?: number;
  /** Total epochs of the run (converted to steps). */
  epochs?: number;
  /** Seed or stream for batch order and step randomness (default seed 0). */
  rng?: Rng | Seed;
  /** Default Adam(learningRate): tf.train.adam, fused into one call per variable on the native and webgpu backends (same maths and state). Its state is checkpointed. */
  optimizer?: tf.Optimizer;
  /** For the default Adam (default 1e-3). */
  learningRate?: number;
  /**
   * Clip the global gradient norm to this value (the step's gradients are scaled by min(1, clipNorm/‖g‖));
   * each history row then carries the norm before clipping as `grad_norm`. Default: no clipping.
   */
  clipNorm?: number;
  /** Default fixedBeta(1): the negative ELBO. */
  controller?: RateController;
  /** Drop the last partial batch of each epoch (default false). */
  dropRemainder?: boolean;
  validate?: ValidationHook;
  checkpoint?: CheckpointOptions;
  /** Write the per-step history here (CSV) at each checkpoint and at the end. */
  metricsCsv?: string;
  /** Progress display (default "auto"). */
  progress?: ProgressMode | ProgressSink;
  /** Shown in the progress line. */
  label?: string;
  /** Called after every step with its history row (after the guard passed). */
  onStep?: (row: HistoryRow) => void | Promise<void>;
  /** On a non-finite value, load the last checkpoint back into the model (default true). */
  restoreOnNonFinite?: boolean;
  /**
   * Float data are checked once before training and NaN/±Inf refused, naming the field, row and column;
   * set this when the model masks such entries itself (default false).
   */
  allowNonFiniteData?: boolean;
}

export interface TrainResult {
  /** Steps completed in total (= the run's total when finished). */
  steps: number;
  /** Step this call started from (> 0 when resumed). */
  startStep: number;
  history: HistoryRow[];
  /** Per-epoch means of the history. */
  epochs: HistoryRow[];
  controller: ControllerState;
  /** The optimizer used; when train created it (no opts.optimizer), the caller disposes it. */
  optimizer: tf.Optimizer;
  elapsedMs: number;
}

/** Longest stretch of training steps between returns to the event loop (see the end of a step in trainOn). */
const YIELD_EVERY_MS = 50;

function resolveRng(r: Rng | Seed | undefined): Rng {
  if (r instanceof Rng) return r;
  return new Rng(r ?? 0);
}

function totalSteps(opts: TrainOptions, stepsPerEpoch: number): number {
  if (opts.steps !== undefined && opts.epochs !== undefined) throw new Error("train: give steps or epochs, not both");
  const total = opts.steps ?? (opts.epochs !== undefined ? opts.epochs * stepsPerEpoch : undefined);
  if (total === undefined) throw new Error("train: give steps or epochs");
  if (!Number.isInteger(total) || total < 0)
    throw new Error(`train: the number of steps must be a non-negative integer, got ${total}`);
  return total;
}

/**
 * Free what a failed tf.variableGrads left behind: when the forward pass throws, tfjs leaves the gradient
 * tape's saved tensors (kept, so no scope frees them) and the tape itself in place.
 */
function releaseGradientTape(): void {
  type Node = { saved?: tf.Tensor[] };
  const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: Node[] | null } }).state;
  if (!state || state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}

/** An error from the file system: it has an errno code such as ENOSPC, EROFS, EACCES (not Node's ERR_…). */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return e instanceof Error && typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}

/** A write failure told with what was being written and at which step (code and cause kept). */
function writeFailure(e: NodeJS.ErrnoException, what: string, then: string): Error {
  const out = Object.assign(new Error(`train: ${what} failed: ${e.message}; ${then}`), { cause: e });
  return Object.assign(out, { code: e.code, ...(e.syscall ? { syscall: e.syscall } : {}) });
}

function numericState(s: ControllerState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(s)) if (typeof s[k] === "number") out[k] = s[k] as number;
  return out;
}

/**
 * Train `model` on `opts.data`. Resumes from `opts.checkpoint.dir` if a checkpoint is there. Throws
 * NonFiniteError (after restoring the last good checkpoint, if any) when the loss, a gradient or a
 * parameter becomes NaN/Inf; a checkpoint is never written from a non-finite state.
 */
export async function train(model: TrainableModel, opts: TrainOptions): Promise<TrainResult> {
  const tensors = toTensorDataset(opts.data);
  try {
    return await trainOn(model, opts, tensors.data);
  } finally {
    tensors.dispose();
  }
}

async function trainOn(model: TrainableModel, opts: TrainOptions, data: TensorDataset): Promise<TrainResult> {
  const rng = resolveRng(opts.rng);
  const n = datasetSize(data);
  const plan = new BatchPlan(n, opts.batchSize, rng, opts.dropRemainder ?? false);
  const total = totalSteps(opts, plan.stepsPerEpoch);
  const controller = opts.controller ?? fixedBeta(1);
  if (opts.clipNorm !== undefined && !(opts.clipNorm > 0))
    throw new Error(`train: clipNorm must be > 0, got ${opts.clipNorm}`);
  const varNames = Object.keys(model.variables);
  const trainable = varNames.filter((k) => model.variables[k].trainable);
  const trainVars = trainable.map((k) => model.variables[k]);
  if (trainVars.length === 0) throw new Error("train: the model has no trainable variables");
  const ckpt = opts.checkpoint;
  if (ckpt && !(Number.isInteger(ckpt.every) && ckpt.every >= 1))
    throw new Error(`train: checkpoint.every must be a positive integer, got ${ckpt.every}`);
  if (!opts.allowNonFiniteData) await assertFiniteData(data);
  const ownOptimizer = !opts.optimizer;
  const optimizer = opts.optimizer ?? createAdam(opts.learningRate ?? 1e-3);
  const parts = { variables: model.variables, optimizer, optimizerVars: trainVars };

  let history: HistoryRow[] = [];
  let step = 0;
  if (ckpt && ckpt.resume !== false && findCheckpoint(ckpt.dir)) {
    let state: CheckpointState | null;
    try {
      state = await loadCheckpoint(ckpt.dir, parts, ckpt.run);
    } catch (e) {
      if (ownOptimizer) optimizer.dispose();
      throw e;
    }
    if (state) {
      step = state.step;
      history = state.history ?? [];
      controller.load(state.controller);
    }
  }
  const startStep = step;
  const progress = createProgress(opts.progress ?? "auto", opts.label ?? "");
  const t0 = Date.now();
  let lastSaved: number | null = ckpt && findCheckpoint(ckpt.dir) ? step : null;

  const checkpointNow = async () => {
    if (!ckpt) return;
    const state: CheckpointState = { step, controller: controller.state(), history };
    try {
      await saveCheckpoint(ckpt.dir, parts, state, ckpt.run);
    } catch (e) {
      if (!isFsError(e)) throw e;
      throw writeFailure(
        e,
        `saving the checkpoint after step ${step} to ${ckpt.dir}`,
        `the previous complete checkpoint is kept, so once the cause is fixed (space, permissions) running again resumes from it`,
      );
    }
    lastSaved = step;
    writeMetrics();
  };
  const writeMetrics = () => {
    if (!opts.metricsCsv) return;
    try {
      writeCsv(opts.metricsCsv, history);
    } catch (e) {
      if (!isFsError(e)) throw e;
      throw writeFailure(
        e,
        `writing the metrics after step ${step}`,
        "fix the cause (space, permissions) and run again",
      );
    }
  };

  const info = (loss: number, extra?: Record<string, number>) => {
    const ran = step - startStep;
    const elapsedMs = Date.now() - t0;
    return {
      step,
      total,
      epoch: plan.epochOf(Math.max(0, step - 1)),
      loss,
      extra,
      elapsedMs,
      msPerStep: ran > 0 ? elapsedMs / ran : 0,
    };
  };

  const fail = async (s: number, quantity: string, detail: string): Promise<never> => {
    let restored: number | null = null;
    let note: string;
    if (ckpt && (opts.restoreOnNonFinite ?? true) && findCheckpoint(ckpt.dir)) {
      try {
        const state = await loadCheckpoint(ckpt.dir, parts, ckpt.run);
        if (state) {
          controller.load(state.controller);
          restored = state.step;
        }
        note = `restored the last good checkpoint (after step ${restored}) from ${ckpt.dir}`;
      } catch (e) {
        note = `could not restore the last checkpoint from ${ckpt.dir}: ${(e as Error).message.split("\n")[0]}`;
      }
    } else {
      note = ckpt ? `no checkpoint had been written to ${ckpt.dir} yet` : "no checkpointing configured";
    }
    const msg = `train: non-finite ${quantity} at step ${s} (epoch ${plan.epochOf(s)}): ${detail}; stopped, ${note}`;
    progress.done(info(NaN), msg);
    throw new NonFiniteError(msg, s, quantity, restored);
  };

  let lastLoss = NaN;
  let lastYield = Date.now();
  const releaseInterrupts = watchInterrupts();
  try {
    while (step < total) {
      const s = step;
      const epoch = plan.epochOf(s);
      const tStep = Date.now();
      const batch = gatherBatch(data, plan.indices(s));
      const ctx: StepContext = { step: s, epoch, rng: rng.fork(`step/${s}`) };
      let means: tf.Tensor1D | null = null;
      let termNames: string[] = [];
      let grads: tf.NamedTensorMap = {};
      let value: tf.Scalar | null = null;
      let gradFlags: tf.Tensor1D | null = null;
      try {
        let res: ReturnType<typeof tf.variableGrads>;
        try {
          res = tf.variableGrads(() => {
            const record = model.step(batch, ctx);
            const loss = controller.loss(record, s);
            termNames = Object.keys(record.terms);
            means = tf.keep(tf.concat([tf.reshape(loss, [1]), recordMeans(record)]) as tf.Tensor1D);
            return loss;
          }, trainVars);
        } catch (e) {
          releaseGradientTape();
          throw e;
        }
        grads = res.grads;
        value = res.value;
        gradFlags = finiteFlags(trainVars.map((v) => grads[v.name]));
        // with clipping, the squared global norm is read in the same sync as the loss and finiteness flags
        const present = trainVars
          .map((v) => grads[v.name])
          .filter((t): t is tf.Tensor => t !== undefined && t !== null);
        const sq =
          opts.clipNorm !== undefined ? tf.tidy(() => tf.addN(present.map((t) => tf.sum(tf.square(t))))) : null;
        const [mv, gv, sqv] = await Promise.all([
          (means as unknown as tf.Tensor1D).data(),
          gradFlags.data(),
          sq ? sq.data() : Promise.resolve(null),
        ]);
        sq?.dispose();
        const stats: StepStats = { loss: mv[0], distortion: mv[1], rate: mv[2], elbo: mv[3], terms: {} };
        termNames.forEach((k, i) => (stats.terms[k] = mv[4 + i]));
        if (!Number.isFinite(stats.loss)) {
          const bad = ["distortion", "rate", "elbo"].filter((k) => !Number.isFinite(stats[k as "rate"]));
          bad.push(...termNames.filter((k) => !Number.isFinite(stats.terms[k])).map((k) => `term ${k}`));
          await fail(s, "loss", `loss = ${stats.loss}${bad.length ? ` (non-finite: ${bad.join(", ")})` : ""}`);
        }
        const g = firstFalse(gv);
        if (g >= 0)
          await fail(
            s,
            `gradient of ${trainable[g]}`,
            `the gradient of parameter "${trainable[g]}" has NaN/Inf entries (loss was ${stats.loss})`,
          );
        const gradNorm = sqv ? Math.sqrt(sqv[0]) : undefined;
        if (opts.clipNorm !== undefined && gradNorm !== undefined) {
          if (gradNorm > opts.clipNorm) {
            const f = opts.clipNorm / gradNorm;
            for (const v of trainVars) {
              const t = grads[v.name];
              if (!t) continue;
              grads[v.name] = tf.mul(t, f);
              t.dispose();
            }
          }
        }
        // Array form with every trainable variable in a fixed order, so optimizer slot i always
        // belongs to variable i (the layout checkpoints rely on); unused variables get no update.
        optimizer.applyGradients(
          trainVars.map((v) => ({ name: v.name, tensor: grads[v.name] ?? null })) as unknown as {
            name: string;
            tensor: tf.Tensor;
          }[],
        );
        const pFlags = finiteFlags(trainVars);
        const pv = await pFlags.data();
        pFlags.dispose();
        const p = firstFalse(pv);
        if (p >= 0)
          await fail(
            s,
            `parameter ${trainable[p]}`,
            `parameter "${trainable[p]}" became NaN/Inf after the update (loss was ${stats.loss})`,
          );

        controller.update(stats, s);
        step = s + 1;
        lastLoss = stats.loss;
        const row: HistoryRow = {
          step: s,
          epoch,
          loss: stats.loss,
          distortion: stats.distortion,
          rate: stats.rate,
          elbo: stats.elbo,
        };
        for (const k of termNames) row[`term_${columnName(k)}`] = stats.terms[k];
        const cs = numericState(controller.state());
        for (const k of Object.keys(cs)) row[`ctl_${columnName(k)}`] = cs[k];
        if (gradNorm !== undefined) row.grad_norm = gradNorm;
        row.ms = Date.now() - tStep;
        if (opts.validate && (step % opts.validate.every === 0 || step === total)) {
          const val = await opts.validate.fn({ step, epoch });
          for (const k of Object.keys(val)) row[`val_${columnName(k)}`] = val[k];
        }
        history.push(row);
        if (opts.onStep) await opts.onStep(row);
        progress.update(info(stats.loss, { rate: stats.rate, ...(cs.beta !== undefined ? { beta: cs.beta } : {}) }));
        if (ckpt && (step % ckpt.every === 0 || step === total)) await checkpointNow();
        // On a CPU backend every await above resolves without returning to the event loop, so a long run
        // would starve I/O: in a tslab kernel the ZeroMQ sends of outputs never complete, the next send
        // throws "Socket is busy writing" and the cell dies a couple of minutes in. Yield every ~50 ms.
        if (Date.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise<void>((r) => setImmediate(r));
          lastYield = Date.now();
        }
        if (interruptRequested() && step < total) {
          clearInterrupt();
          if (ckpt && lastSaved !== step) await checkpointNow();
          const where = ckpt
            ? `checkpoint saved to ${ckpt.dir}; run it again to resume from step ${step}`
            : "no checkpointing configured, so a new run starts from scratch";
          const msg = `training interrupted after step ${step} of ${total}; ${where}`;
          progress.done(info(lastLoss), msg);
          throw new TrainingInterruptedError(msg, step, total, ckpt ? ckpt.dir : null);
        }
      } finally {
        disposeBatch(batch);
        tf.dispose(
          [means as unknown as tf.Tensor, value as unknown as tf.Tensor, gradFlags as unknown as tf.Tensor].filter(
            (t) => t,
          ),
        );
        tf.dispose(Object.values(grads));
      }
    }
    if (ckpt && lastSaved !== step) await checkpointNow();
    writeMetrics();
    progress.done(info(lastLoss));
  } catch (e) {
    if (!(e instanceof NonFiniteError) && !(e instanceof TrainingInterruptedError))
      progress.done(info(lastLoss), `stopped: ${(e as Error).message.split("\n")[0]}`);
    if (ownOptimizer) optimizer.dispose();
    throw e;
  } finally {
    releaseInterrupts();
  }
  return {
    steps: step,
    startStep,
    history,
    epochs: epochSummary(history),
    controller: controller.state(),
    optimizer,
    elapsedMs: Date.now() - t0,
  };
}
