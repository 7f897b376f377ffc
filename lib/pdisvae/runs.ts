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
import type { Run, RunConfig } from "../train/run-cache";
import { RunRequest, Schedule, runKey, trainRun } from "../train/run";
import { PdisVae, PdisVaeConfig, PdisVaeMethod, createPdisVae, pdisVaePreset, penaltyTerm } from "../models/pdisvae";
import { contiguousGroups } from "../prob/correlation";
import { GroupingProtocol, commonSigmaCorrelation, scottBandwidth } from "./protocols";

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

/**
 * The seed of restart `restart` of a run seeded `seed`. Restart 0 is the run itself; restart r > 0 draws its own
 * initialisation and batches from the seed "<seed>/restart-<r>" (the run cache seeds both from the key's seed).
 */
export function restartSeed(seed: Seed, restart: number): Seed {
  if (!(Number.isInteger(restart) && restart >= 0))
    throw new Error(`restartSeed: restart must be a non-negative integer, got ${restart}`);
  return restart === 0 ? seed : `${String(seed)}/restart-${restart}`;
}

/** A PDisVAE-family run request, optionally restart r of the run (see restartSeed). */
export interface PdisVaeRunRequest extends RunRequest<PdisVaeConfig, ArrayN> {
  /** Restart index: 0 or absent is the run itself, with its key unchanged; r > 0 adds {restart: r} to the key. */
  restart?: number;
}

/** The request trainRun gets for `input`: restart 0 is the request unchanged (no key field), r > 0 adds its own. */
function restartRequest(input: PdisVaeRunRequest): RunRequest<PdisVaeConfig, ArrayN> & { key?: { restart: number } } {
  const { restart, ...request } = input;
  const r = restart ?? 0;
  const tag = r > 0 ? ` restart ${r}` : "";
  return {
    ...request,
    ...(r > 0 ? { key: { restart: r } } : {}),
    seed: restartSeed(request.seed, r),
    label: `${request.label ?? `${request.config.method} seed ${String(request.seed)}`}${tag}`,
  };
}

/** The run key (what the run cache hashes) of `input`, as trainPdisVaeRun builds it. */
export function pdisVaeRunKey(input: PdisVaeRunRequest): RunConfig {
  return runKey(restartRequest(input));
}

/** Train the model of `input` on its training rows (or reload it when this exact run completed before). */
export async function trainPdisVaeRun(input: PdisVaeRunRequest): Promise<Run<PdisVae>> {
  checkTrainingRows("trainPdisVaeRun", input);
  const request = restartRequest(input);
  return trainRun({ ...request, ...PDISVAE_TRAINING, build: createPdisVae, label: request.label! });
}

/** Which of a run's restarts was kept, and why. */
export interface RestartChoice {
  /** Restarts trained (R). */
  restarts: number;
  /** The restart kept: the lowest training objective. */
  chosen: number;
  /** Training objective of every restart (datasetObjective on the training rows, the same draws for all). */
  objectives: number[];
  hashes: string[];
  /** Seconds spent training in this call over all restarts (0 for reloaded ones). */
  trainSeconds: number;
  /** True when every restart was reloaded. */
  reloaded: boolean;
}

/**
 * Train (or reload) restarts 0…R−1 of one run and keep the one with the lowest training objective (no labels are
 * used: `datasetObjective` on the training rows with one stream for all restarts). Restart 0 is the run itself, so
 * a from-scratch run trained before is reused. The other models are disposed.
 */
export async function trainBestOfRestarts(
  input: RunRequest<PdisVaeConfig, ArrayN>,
  restarts: number,
  opts: { objectivePasses?: number } = {},
): Promise<{ run: Run<PdisVae>; choice: RestartChoice }> {
  if (!(Number.isInteger(restarts) && restarts >= 1))
    throw new Error(`trainBestOfRestarts: restarts must be a positive integer, got ${restarts}`);
  let best: Run<PdisVae> | null = null;
  const objectives: number[] = [],
    hashes: string[] = [];
  let chosen = -1,
    trainSeconds = 0,
    reloaded = true;
  for (let r = 0; r < restarts; r++) {
    const t0 = Date.now();
    const run = await trainPdisVaeRun({ ...input, restart: r });
    if (!run.reloaded) {
      trainSeconds += (Date.now() - t0) / 1000;
      reloaded = false;
    }
    const objective = await datasetObjective(run.model, input.data.train, {
      batchSize: Math.min(input.schedule.batchSize, input.data.train.shape[0]),
      passes: opts.objectivePasses ?? 4,
      rng: `restart-objective/${String(input.seed)}`,
    });
    objectives.push(objective);
    hashes.push(run.hash);
    if (best === null || objective < objectives[chosen]) {
      best?.model.dispose();
      best = run;
      chosen = r;
    } else {
      run.model.dispose();
    }
  }
  return { run: best!, choice: { restarts, chosen, objectives, hashes, trainSeconds, reloaded } };
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
  /**
   * The numbers that depend on the grouping, under each protocol of lib/pdisvae/protocols: "best" is the grouping
   * above (post-hoc search, or the model's own groups); "contiguous" scores (ẑ₁, ẑ₂), (ẑ₃, ẑ₄), … for every method
   * (identical to "best" for PDisVAE and ISA-VAE). PC at the learned σ (as `pc`) and at the common σ.
   */
  protocols: Record<GroupingProtocol, ProtocolScores>;
  /** The common posterior σ of the authors' PC protocol (Scott's bandwidth of the training-set size and K, unless given). */
  commonSigma: number;
  /** Posterior means on the held-out rows, [N, K]. */
  latents: number[][];
  /** True latents of the held-out rows. */
  truth: number[][];
}

/** The grouping-dependent numbers of one model under one grouping protocol. */
export interface ProtocolScores {
  alignment: GroupAlignment;
  latentR2: number;
  latentMSE: number;
  /** PC with the protocol's grouping at each row's learned posterior σ (minibatch IS as `pc`). */
  pc: number;
  /** PC with the protocol's grouping at the common σ: whole set, weights 1/n with the self term, 10 draws. */
  pcCommonSigma: number;
  /** TC at the common σ (independent of the grouping). */
  tcCommonSigma: number;
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
  /** σ of the common-σ PC (default scottBandwidth(config.datasetSize, K), the authors' fixed encoder σ). */
  commonSigma?: number;
  /** Monte-Carlo draws of the common-σ PC (default 10, the authors'). */
  commonSigmaSamples?: number;
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
  const learnedSigmaPc = async (groups: number[][], tag: string) => {
    let pc = 0,
      tc = 0;
    for (let p = 0; p < passes; p++) {
      const c = await model.datasetCorrelation(test.x, {
        groups,
        batch: pcBatch === "exact" ? undefined : Math.min(pcBatch, test.x.shape[0]),
        rng: rng.fork(`${tag}${p}`),
      });
      pc += c.pc / passes;
      tc += c.tc / passes;
    }
    return { pc, tc };
  };
  // the streams of the original protocol ("pc-p") are unchanged, so its numbers are the same as before
  const { pc, tc } = await learnedSigmaPc(alignment.estimatedGroups, "pc-");
  const K = model.zDim;
  const commonSigma = opts.commonSigma ?? scottBandwidth(model.config.datasetSize, K);
  const meanMatrix = { values: Float32Array.from(latents.flat()), shape: [latents.length, K] as [number, number] };
  const atCommonSigma = (groups: number[][]) =>
    commonSigmaCorrelation(meanMatrix, commonSigma, groups, {
      samples: opts.commonSigmaSamples ?? 10,
      rng: rng.fork("common-sigma"),
    });
  const bestCommon = await atCommonSigma(alignment.estimatedGroups);
  const best: ProtocolScores = {
    alignment,
    latentR2: alignment.latentR2,
    latentMSE: latentMSE(truth, alignment.aligned),
    pc,
    pcCommonSigma: bestCommon.pc,
    tcCommonSigma: bestCommon.tc,
  };
  let contiguous = best;
  if (!hasOwnGroups(model.method)) {
    const groups = contiguousGroups(opts.searchSizes ?? model.config.groupSizes);
    const a = alignGroups(fit.est, groups, fit.truth, trueGroups, alignOpts);
    const common = await atCommonSigma(a.estimatedGroups);
    contiguous = {
      alignment: a,
      latentR2: a.latentR2,
      latentMSE: latentMSE(truth, a.aligned),
      pc: (await learnedSigmaPc(a.estimatedGroups, "contiguous-pc-")).pc,
      pcCommonSigma: common.pc,
      tcCommonSigma: common.tc,
    };
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
    latentMSE: best.latentMSE,
    alignment,
    candidates,
    protocols: { best, contiguous },
    commonSigma,
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
  /** For a best-of-restarts row (trainEvaluateRestarts): which restart was kept and every restart's objective. */
  restarts?: RestartChoice;
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
 * The "best of R restarts" row of a grid: for every seed, restarts 0…R−1 of `method` (restart 0 is the grid's own
 * run, reloaded) and the one with the lowest training objective, evaluated like trainEvaluateGrid (β = betas[0]).
 */
export async function trainEvaluateRestarts(
  opts: Omit<GridOptions, "methods" | "betas"> & { method?: PdisVaeMethod; beta?: number; restarts: number },
): Promise<GridRun[]> {
  const { data } = opts;
  const method = opts.method ?? "pdisvae",
    beta = opts.beta ?? 4;
  const train = { x: takeRows(data.x, data.split.train), z: takeRows(data.z, data.split.train) };
  const test = { x: takeRows(data.x, data.split.test), z: takeRows(data.z, data.split.test) };
  const out: GridRun[] = [];
  for (const seed of opts.seeds) {
    const { run, choice } = await trainBestOfRestarts(
      {
        config: { ...pdisVaePreset(opts.setup, method, train.x.shape[0]), beta },
        data: { key: data.key, train: train.x },
        seed,
        schedule: opts.schedule,
        preset: opts.preset,
        progress: opts.progress,
        runsDir: opts.runsDir,
        label: `${method} seed ${seed}`,
      },
      opts.restarts,
    );
    try {
      const evaluation = await evaluateLatents(run.model, test, data.groups, { fit: train, rng: `evaluate/${seed}` });
      const r: GridRun = {
        method,
        seed,
        beta,
        hash: run.hash,
        reloaded: choice.reloaded,
        trainSeconds: choice.trainSeconds,
        evaluation,
        restarts: choice,
      };
      out.push(r);
      opts.onRun?.(r);
    } finally {
      run.model.dispose();
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
    // permuted on the device (tf.gather copies exactly), not read back: a GPU backend has no synchronous reads in Node
    const meanAndLogVar = [...perm, ...perm.map((p) => K + p)];
    let t: tf.Tensor;
    if (name === "enc/0/w") t = tf.gather(src, meanAndLogVar, 1);
    else if (name === "enc/0/b") t = tf.gather(src, meanAndLogVar);
    else if (name === "dec/0/w") t = tf.gather(src, [...perm]);
    else if (name.startsWith("enc/") || (name.startsWith("dec/") && name !== "dec/0/b" && name !== "dec/logstd")) {
      throw new Error(
        `${where}: "${name}" is not a parameter of a linear model; only linear encoders/decoders can be permuted`,
      );
    } else t = tf.clone(src);
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
