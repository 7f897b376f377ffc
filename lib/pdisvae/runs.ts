// Cached training and the Sec. 4.1 evaluation of PDisVAE-family models, shared by the notebooks of seed 002.
//
// A run is identified by (model config, data config, schedule, seed, preset) through lib/train's
// trainRun, so Fig. 2 and Fig. 3 reuse the same trained models, a re-run reloads them, and an
// interrupted run resumes from its checkpoint. The evaluation on a held-out set gives the numbers the
// paper reports per model: PC on the test set, latent R² after alignment (with the post-hoc grouping
// search for methods without groups), reconstruction R², latent MSE, and the aligned latents.
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import { ArrayN, ArrayView, Matrix, takeRows } from "../data/dataset";
import { LinearSynthetic } from "../data/pdisvae-synthetic";
import { GroupAlignment, alignGroups, latentMSE, reconstructionR2, searchGrouping } from "../eval/alignment";
import { rowsOf } from "../eval/linear-fit";
import { Preset } from "../notebook/preset";
import { ProgressMode } from "../train/progress";
import type { Run } from "../train/run-cache";
import { RunRequest, Schedule, trainRun } from "../train/run";
import { PdisVae, PdisVaeConfig, PdisVaeMethod, createPdisVae, pdisVaePreset, penaltyTerm } from "../models/pdisvae";

/** How every PDisVAE-family model trains: under its own controller, on full batches only (its batch estimators need them). */
const PDISVAE_TRAINING = {
  controller: (model: PdisVae) => model.controller(),
  dropRemainder: true,
  checkpointEvery: 500,
};

/** The config must be built for the training-set size (its estimators use N), and a batch must fit in it. */
function checkTrainingRows(where: string, input: RunRequest<PdisVaeConfig, ArrayN>): void {
  const n = input.data.train.shape[0];
  if (input.config.datasetSize !== n) {
    throw new Error(
      `${where}: config.datasetSize = ${input.config.datasetSize} but the training set has ${n} rows; build the config with the training-set size`,
    );
  }
  if (input.schedule.batchSize > n)
    throw new Error(`${where}: batch size ${input.schedule.batchSize} exceeds the ${n} training rows`);
}

/** Train the model of `input` on its training rows (or reload it when this exact run completed before). */
export async function trainPdisVaeRun(input: RunRequest<PdisVaeConfig, ArrayN>): Promise<Run<PdisVae>> {
  checkTrainingRows("trainPdisVaeRun", input);
  return trainRun({
    ...input,
    ...PDISVAE_TRAINING,
    build: createPdisVae,
    label: input.label ?? `${input.config.method} seed ${String(input.seed)}`,
  });
}

/** The metrics of Sec. 4.1 / Fig. 3(a) for one trained model on one data set with known latents. */
export interface LatentEvaluation {
  method: PdisVaeMethod;
  /** PC on the held-out rows with the evaluated grouping (the model's own, or the post-hoc best one). */
  pc: number;
  /** TC on the held-out rows. */
  tc: number;
  /** Mean matched R² of the aligned groups (held-out rows, fits from the fitting rows). */
  latentR2: number;
  /** Reconstruction R² of x on the held-out rows (decoder of the posterior mean). */
  reconstructionR2: number;
  /** Latent MSE after alignment on standardised true latents (held-out rows). */
  latentMSE: number;
  /** The alignment (R² matrix, assignment, aligned latents on the held-out rows). */
  alignment: GroupAlignment;
  /** For methods without groups: every grouping tried with its latent R² (Fig. 2's panels); else null. */
  candidates: { groups: number[][]; r2: number[][]; assignment: number[]; latentR2: number }[] | null;
  /** Posterior means on the held-out rows, [N, K]. */
  latents: number[][];
  /** True latents of the held-out rows. */
  truth: number[][];
}

export interface LatentEvaluationOptions {
  /** Rows the linear alignment maps are fitted on (default the held-out rows themselves). */
  fit?: { x: ArrayN; z: Matrix };
  /** PC estimator: minibatch IS with this batch size M (default 128, the training batch), or "exact" over the whole set. */
  pcBatch?: number | "exact";
  /** Average the minibatch PC over this many reshuffled passes (default 4). */
  pcPasses?: number;
  /** Sizes of the estimated groups for the post-hoc search of methods without groups (default the model's groupSizes). */
  searchSizes?: number[];
  /** Stream of the PC draws. */
  rng?: Rng | Seed;
}

/** Methods whose latent has no group structure of its own: their grouping is searched post hoc (Sec. 4.1). */
export function hasOwnGroups(method: PdisVaeMethod): boolean {
  return method === "pdisvae" || method === "isa-vae";
}

/**
 * Evaluate `model` on held-out rows `test` with true latents `test.z` in `trueGroups`: align (model's groups
 * for PDisVAE and ISA-VAE; best of every grouping of the model's group sizes otherwise), then PC with that
 * grouping, reconstruction R² and latent MSE.
 */
export async function evaluateLatents(
  model: PdisVae,
  test: { x: ArrayN; z: Matrix },
  trueGroups: number[][],
  opts: LatentEvaluationOptions = {},
): Promise<LatentEvaluation> {
  const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng ?? "pdisvae-runs/evaluate");
  const latents = rowsOf((await model.encodeData(test.x)).mean);
  const truth = rowsOf(test.z);
  const fit = opts.fit
    ? { est: rowsOf((await model.encodeData(opts.fit.x)).mean), truth: rowsOf(opts.fit.z) }
    : { est: latents, truth };
  const alignOpts = {
    rankDeficient: "drop" as const,
    evaluateOn: opts.fit ? { estimated: latents, truth } : undefined,
  };
  let alignment: GroupAlignment;
  let candidates: LatentEvaluation["candidates"] = null;
  if (hasOwnGroups(model.method)) {
    alignment = alignGroups(fit.est, model.groups, fit.truth, trueGroups, alignOpts);
  } else {
    const search = searchGrouping(
      fit.est,
      fit.truth,
      trueGroups,
      opts.searchSizes ?? model.config.groupSizes,
      alignOpts,
    );
    alignment = search.best;
    candidates = search.candidates;
  }
  const pcBatch = opts.pcBatch ?? 128;
  const passes = pcBatch === "exact" ? 1 : Math.max(1, opts.pcPasses ?? 4);
  let pc = 0,
    tc = 0;
  for (let p = 0; p < passes; p++) {
    const c = await model.datasetCorrelation(test.x, {
      groups: alignment.estimatedGroups,
      batch: pcBatch === "exact" ? undefined : Math.min(pcBatch, test.x.shape[0]),
      rng: rng.fork(`pc-${p}`),
    });
    pc += c.pc / passes;
    tc += c.tc / passes;
  }
  // images [N, S, S, C] are scored as flat rows [N, S·S·C]
  const flat = (a: ArrayView) => rowsOf({ values: a.values, shape: [a.shape[0], a.values.length / a.shape[0]] });
  const xRows = flat(test.x);
  const xHat = flat(await model.reconstruct(test.x));
  return {
    method: model.method,
    pc,
    tc,
    latentR2: alignment.latentR2,
    reconstructionR2: reconstructionR2(xRows, xHat),
    latentMSE: latentMSE(truth, alignment.aligned),
    alignment,
    candidates,
    latents,
    truth,
  };
}

/** One trained and evaluated model of a method × seed (× β) grid. */
export interface GridRun {
  method: PdisVaeMethod;
  seed: number;
  beta: number;
  /** The run's directory hash under the runs root. */
  hash: string;
  /** True when the model was reloaded rather than trained in this call. */
  reloaded: boolean;
  /** Seconds spent training in this call (0 when reloaded). */
  trainSeconds: number;
  evaluation: LatentEvaluation;
}

export interface GridOptions {
  /** The linear set-up of lib/models/pdisvae pdisVaePreset. */
  setup: "groupwise-linear" | "independent-linear";
  /** The data set: its config is the run key, its split gives train (fit) and test (evaluation) rows. */
  data: LinearSynthetic;
  methods: readonly PdisVaeMethod[];
  seeds: readonly number[];
  /** β values to train (default [4], the paper's); applies to β-TCVAE and PDisVAE, others train once. */
  betas?: readonly number[];
  preset: Preset;
  schedule: Schedule;
  progress?: ProgressMode;
  runsDir?: string;
  /** Called after each model with its result (e.g. to print a line). */
  onRun?: (r: GridRun) => void;
}

/**
 * Train (or reload) every method × seed (× β) on the training rows of a linear synthetic set and evaluate
 * each on the test rows (alignment maps fitted on the training rows). Models are disposed after evaluation.
 */
export async function trainEvaluateGrid(opts: GridOptions): Promise<GridRun[]> {
  const { data } = opts;
  const train = { x: takeRows(data.x, data.split.train), z: takeRows(data.z, data.split.train) };
  const test = { x: takeRows(data.x, data.split.test), z: takeRows(data.z, data.split.test) };
  const out: GridRun[] = [];
  for (const method of opts.methods) {
    const betas = penaltyTerm(method) === null ? [opts.betas?.[0] ?? 4] : (opts.betas ?? [4]);
    for (const beta of betas) {
      for (const seed of opts.seeds) {
        const config = { ...pdisVaePreset(opts.setup, method, train.x.shape[0]), beta };
        const t0 = Date.now();
        const run = await trainPdisVaeRun({
          config,
          data: { key: data.key, train: train.x },
          seed,
          schedule: opts.schedule,
          preset: opts.preset,
          progress: opts.progress,
          runsDir: opts.runsDir,
          label: `${method}${betas.length > 1 ? ` β=${beta}` : ""} seed ${seed}`,
        });
        const trainSeconds = run.reloaded ? 0 : (Date.now() - t0) / 1000;
        try {
          const evaluation = await evaluateLatents(run.model, test, data.groups, {
            fit: train,
            rng: `evaluate/${seed}`,
          });
          const r: GridRun = { method, seed, beta, hash: run.hash, reloaded: run.reloaded, trainSeconds, evaluation };
          out.push(r);
          opts.onRun?.(r);
        } finally {
          run.model.dispose();
        }
      }
    }
  }
  return out;
}

/**
 * Copy a linear PDisVAE-family model's weights into `target` with the latent dimensions permuted: target
 * latent j is source latent perm[j] (encoder mean and log-variance columns, decoder rows). Used to start one
 * method from another's solution with its post-hoc grouping made contiguous (perm = the grouping flattened).
 */
export function copyPermutedLinearWeights(source: PdisVae, target: PdisVae, perm: readonly number[]): void {
  const K = source.zDim;
  const where = "copyPermutedLinearWeights";
  if (target.zDim !== K || perm.length !== K || [...perm].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new Error(
      `${where}: perm [${perm}] must be a permutation of 0…${K - 1} and both models must have K = ${K} (target has ${target.zDim})`,
    );
  }
  for (const name of Object.keys(target.variables)) {
    if (!(name in source.variables))
      throw new Error(`${where}: the source has no variable "${name}" (a linear model of the same shape is needed)`);
    const src = source.variables[name],
      dst = target.variables[name];
    if (src.shape.join() !== dst.shape.join())
      throw new Error(`${where}: "${name}" has shape [${src.shape}] in the source, [${dst.shape}] in the target`);
    const v = src.arraySync() as number[] | number[][];
    let out: number[] | number[][] = v;
    if (name === "enc/0/w")
      out = (v as number[][]).map((row) => [...perm.map((p) => row[p]), ...perm.map((p) => row[K + p])]);
    else if (name === "enc/0/b")
      out = [...perm.map((p) => (v as number[])[p]), ...perm.map((p) => (v as number[])[K + p])];
    else if (name === "dec/0/w") out = perm.map((p) => (v as number[][])[p]);
    else if (name.startsWith("enc/") || (name.startsWith("dec/") && name !== "dec/0/b" && name !== "dec/logstd")) {
      throw new Error(
        `${where}: "${name}" is not a parameter of a linear model; only linear encoders/decoders can be permuted`,
      );
    }
    const t = tf.tensor(out as number[], dst.shape);
    dst.assign(t);
    t.dispose();
  }
}

/**
 * The training objective of `model` (its controller's loss: mean(D + R) + β·penalty) averaged over a data set
 * in shuffled batches of `batchSize` (the estimators need full batches; the last partial one is dropped),
 * `passes` times with fresh ε and order from `rng`.
 */
export async function datasetObjective(
  model: PdisVae,
  x: ArrayN,
  opts: { batchSize?: number; passes?: number; rng?: Rng | Seed } = {},
): Promise<number> {
  const bs = opts.batchSize ?? 128,
    passes = opts.passes ?? 4;
  const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng ?? "pdisvae-runs/objective");
  const n = x.shape[0],
    row = x.values.length / n;
  if (bs < 2 || bs > n) throw new Error(`datasetObjective: batch size ${bs} must be in 2…${n}`);
  const controller = model.controller();
  let total = 0,
    count = 0;
  for (let p = 0; p < passes; p++) {
    const order = rng.fork(`order-${p}`).permutation(n);
    for (let start = 0; start + bs <= n; start += bs) {
      const idx = order.slice(start, start + bs);
      const values = new Float32Array(bs * row);
      idx.forEach((r, i) => values.set(x.values.subarray(r * row, (r + 1) * row), i * row));
      const loss = tf.tidy(() => {
        const xb = tf.tensor(values, [bs, ...x.shape.slice(1)]);
        const rec = model.record(xb, rng.fork(`eps-${p}-${start}`).normalTensor([bs, model.zDim]));
        return controller.loss(rec, 0);
      });
      total += (await loss.data())[0];
      loss.dispose();
      count++;
    }
  }
  return total / count;
}

export interface WarmStartRequest extends RunRequest<PdisVaeConfig, ArrayN> {
  /** The model to start from, with the run hash that identifies it (part of this run's key). */
  source: { model: PdisVae; hash: string };
  /** Target latent j starts as source latent perm[j]. */
  perm: number[];
}

/** Train (or reload) a model started from another run's weights with permuted latents (cached like trainPdisVaeRun). */
export async function trainWarmStarted(input: WarmStartRequest): Promise<Run<PdisVae>> {
  const { source, perm, ...request } = input;
  checkTrainingRows("trainWarmStarted", request);
  return trainRun({
    ...request,
    ...PDISVAE_TRAINING,
    key: { warmStart: { from: source.hash, perm } },
    build: (config, rng) => {
      const m = createPdisVae(config, rng);
      copyPermutedLinearWeights(source.model, m, perm);
      return m;
    },
    label: input.label ?? `${input.config.method} warm-started seed ${String(input.seed)}`,
  });
}
