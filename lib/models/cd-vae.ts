// The continuously deep VAE (CD-VAE; thesis App. C, Sec. 3 and A.1): a VD-VAE-style hierarchical VAE whose
// top-down levels are latent neural SDEs.
//
//  - Bottom-up (BU) path: a 3×3 conv stem, then per resolution (image size down to the top latent
//    resolution by 2×2 average pooling, lib/nets/conv downsampleMean) `buBlocks` residual blocks (lib/nets/conv-blocks); the features at each latent level's
//    resolution condition that level's posterior.
//  - Top-down path: level 0 starts from a Gaussian initial value z₀ ~ q(z₀|x) = N(μ, σ²) from the top BU
//    features (1×1 conv), prior N(0, I): the "initial rate" KL(q‖p) in closed form. Each level l is an SDE
//    over depth s ∈ [l, l + 1] on the latent image [B, r_l, r_l, k]:
//        posterior  dZ = h_l(Z, s, BU_l) ds + σ_l dW,   prior  dZ̃ = h̃_l(Z̃, s) ds + σ_l dW,
//    h and h̃ conv blocks (lib/nets/conv-blocks; kernels 1, 3, 3, 1 as Fig. 2 says; GELU-free: SiLU between, linear output) whose
//    input is the state, the depth as a constant channel and (posterior) the BU features; σ_l a learned
//    scalar (softplus) shared by both processes, so Itô = Stratonovich and the solvers agree. Between
//    levels the terminal state is upsampled ×2 (nearest neighbour) as the next initial value.
//    The path rate of level l is ∫ ½|(h_l − h̃_l)/σ_l|² ds along the posterior path (Li et al. 2020),
//    integrated by lib/sde with the state.
//  - Decoder: from the last latent image, conv blocks and ×2 nearest-neighbour upsampling to the image
//    size, then a 1×1 conv to the pixel parameters: Gaussian (mean, log-scale) or Bernoulli (logit).
//  - ELBO (Eq. 5) = −(distortion + initial rate + Σ_l path rate_l). Training uses free nats (1 nat per
//    term: initial and each level) and a sigmoid warm-up of the rate terms over 1000 steps (A.1),
//    through lib/objectives (model.controller()).
//  - ODE-like variant (Sec. 3, last paragraph): the BU signals of the SDE levels are multiplied by zero
//    (only the initial value sees data) and the path rate is left out of the loss — and, as in the
//    paper's Fig. 4b, out of its reported bound (ELBO = −(D + initial rate)); path rates stay visible as
//    terms.
// Evaluation (`evaluate`) runs any step size or method after training, without retraining.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import { Conv2dParams, conv2d, createConv2d, downsampleMean, upsampleNearest } from "../nets/conv";
import {
  ConvBlockParams,
  ResBlockParams,
  convBlock,
  createConvBlock,
  createResBlock,
  resBlock,
} from "../nets/conv-blocks";
import { ParamStore, constant, zeros } from "../nets/params";
import { FreeBitsSpec, RateController, freeBits, withWarmup } from "../objectives/controllers";
import { RateDistortion, rateDistortion } from "../objectives/rate-distortion";
import { Bernoulli } from "../prob/bernoulli";
import { normalLogProbFromLogScale } from "../prob/normal";
import { BrownianPath, SdeMethod, sdeSolve, stepGrid } from "../sde/solvers";
import type { ArrayN } from "../data/dataset";
import { evaluateBatches } from "../eval/records";
import type { Batch } from "../train/batches";
import type { StepContext, TrainableModel } from "../train/loop";

export interface CdVaeConfig {
  kind: "cd-vae";
  /** Input side (square images) and channels. */
  imageSize: number;
  imageChannels: number;
  likelihood: "gaussian" | "bernoulli";
  /** Side of the top latent image (paper: 1); each further level doubles it. */
  topResolution: number;
  /** Number of SDE levels (paper: 3). */
  levels: number;
  /** Latent channels per spatial position k (paper: 4 Poisson, 16 MNIST). */
  latentChannels: number;
  /** Channels of the BU ResNet (paper: 128 Poisson, 256 MNIST). */
  buChannels: number;
  /** Residual blocks per BU resolution. */
  buBlocks: number;
  /** Hidden channels of the drift conv blocks (paper: 128). */
  driftChannels: number;
  /** Channels and blocks of the decoder (paper: 128 / 256 channels, 3 blocks). */
  decoderChannels: number;
  decoderBlocks: number;
  /** Training step size Δs (paper: 0.1) and solver (paper: Euler–Heun). */
  trainStep: number;
  method: SdeMethod;
  /** "cd-vae" or the "ode-like" comparison. */
  variant: "cd-vae" | "ode-like";
  /** Free nats per rate term (paper: 1) and warm-up steps (paper: 1000). */
  freeNats: number;
  warmupSteps: number;
  /** Initial σ_l (softplus⁻¹ stored). */
  initialDiffusion: number;
  /** Border pixels left out of the likelihood (zero padding added to fit the resolutions, e.g. 28 → 32: 2). */
  likelihoodCrop: number;
}

/** Defaults at the paper's structure (A.1) with widths the caller usually shrinks for CPU. */
export function cdVaeConfig(c: Partial<CdVaeConfig> & Pick<CdVaeConfig, "imageSize" | "likelihood">): CdVaeConfig {
  const cfg: CdVaeConfig = {
    kind: "cd-vae",
    imageSize: c.imageSize,
    imageChannels: c.imageChannels ?? 1,
    likelihood: c.likelihood,
    topResolution: c.topResolution ?? 1,
    levels: c.levels ?? 3,
    latentChannels: c.latentChannels ?? 4,
    buChannels: c.buChannels ?? 128,
    buBlocks: c.buBlocks ?? 1,
    driftChannels: c.driftChannels ?? 128,
    decoderChannels: c.decoderChannels ?? 128,
    decoderBlocks: c.decoderBlocks ?? 3,
    trainStep: c.trainStep ?? 0.1,
    method: c.method ?? "euler-heun",
    variant: c.variant ?? "cd-vae",
    freeNats: c.freeNats ?? 1,
    warmupSteps: c.warmupSteps ?? 1000,
    initialDiffusion: c.initialDiffusion ?? 0.5,
    likelihoodCrop: c.likelihoodCrop ?? 0,
  };
  checkConfig(cfg);
  return cfg;
}

function checkConfig(c: CdVaeConfig): void {
  const where = "lib/models/cd-vae config";
  for (const f of [
    "imageSize",
    "imageChannels",
    "topResolution",
    "levels",
    "latentChannels",
    "buChannels",
    "buBlocks",
    "driftChannels",
    "decoderChannels",
    "decoderBlocks",
  ] as const) {
    if (!(Number.isInteger(c[f]) && c[f] >= 1))
      throw new Error(`${where}: ${f} must be a positive integer, got ${c[f]}`);
  }
  const last = c.topResolution * 2 ** (c.levels - 1);
  const ratio = c.imageSize / last;
  if (!(Number.isInteger(ratio) && ratio >= 1 && Number.isInteger(Math.log2(ratio)))) {
    throw new Error(
      `${where}: imageSize ${c.imageSize} must be the last latent resolution ${last} (top ${c.topResolution} × 2^${c.levels - 1}) times a power of two`,
    );
  }
  if (c.likelihood !== "gaussian" && c.likelihood !== "bernoulli")
    throw new Error(`${where}: likelihood must be "gaussian" or "bernoulli", got ${JSON.stringify(c.likelihood)}`);
  if (c.variant !== "cd-vae" && c.variant !== "ode-like")
    throw new Error(`${where}: variant must be "cd-vae" or "ode-like", got ${JSON.stringify(c.variant)}`);
  if (!(c.trainStep > 0 && c.trainStep <= 1))
    throw new Error(`${where}: trainStep must be in (0, 1], got ${c.trainStep}`);
  if (!(c.freeNats >= 0)) throw new Error(`${where}: freeNats must be ≥ 0, got ${c.freeNats}`);
  if (!(Number.isInteger(c.warmupSteps) && c.warmupSteps >= 0))
    throw new Error(`${where}: warmupSteps must be an integer ≥ 0, got ${c.warmupSteps}`);
  if (!(c.initialDiffusion > 0)) throw new Error(`${where}: initialDiffusion must be > 0, got ${c.initialDiffusion}`);
  if (!(Number.isInteger(c.likelihoodCrop) && c.likelihoodCrop >= 0 && 2 * c.likelihoodCrop < c.imageSize))
    throw new Error(
      `${where}: likelihoodCrop must be an integer in [0, ${Math.ceil(c.imageSize / 2) - 1}], got ${c.likelihoodCrop}`,
    );
}

/** Latent image side of each level. */
export function levelResolutions(c: CdVaeConfig): number[] {
  return Array.from({ length: c.levels }, (_, l) => c.topResolution * 2 ** l);
}

function upsample2(x: tf.Tensor): tf.Tensor4D {
  return upsampleNearest(x, 2);
}

/** Everything one forward pass produces (tensors; the caller tidies). */
export interface CdVaeForward {
  record: RateDistortion;
  /** Pixel parameters: Gaussian mean (and logScale) or Bernoulli logits [B, H, W, C]. */
  mean: tf.Tensor;
  logScale?: tf.Tensor;
  logits?: tf.Tensor;
  /**
   * Per level: the depth grid, and with `record` the posterior states along it, the prior process on the same
   * Brownian path, the instantaneous rate densities ½|u|² (left point of every step) and both drifts evaluated
   * at the posterior states (every grid point) — the quantities of the paper's Fig. 7.
   */
  levels: {
    grid: number[];
    pathRate: tf.Tensor;
    states?: tf.Tensor[];
    rateDensity?: tf.Tensor[];
    prior?: tf.Tensor[];
    drifts?: { posterior: tf.Tensor[]; prior: tf.Tensor[] };
  }[];
  initial: { mean: tf.Tensor; logVar: tf.Tensor; sample: tf.Tensor };
}

export interface CdVaeRunOptions {
  /** Step size Δs (default the training step) or steps per level. */
  step?: number;
  stepsPerLevel?: number;
  method?: SdeMethod;
  /**
   * Draw each level's Brownian path on this many equal steps and sum it down to the solver's grid (which must
   * divide it), so that evaluations at different step sizes use the same path (paired comparisons).
   */
  pathResolution?: number;
  /** Keep states along each level (and simulate the prior process on the same Brownian path). */
  record?: boolean;
  /** Zero the BU conditioning of the SDE levels from this level on (top-level-only samples: 1). */
  conditionLevels?: number;
  /**
   * What the levels from `conditionLevels` on run: "zero-context" (default) the posterior drift with its BU input
   * multiplied by zero (as the ODE-like variant is trained); "prior" the prior drift, i.e. those levels are sampled
   * from the prior given the levels above (their path rate is then zero).
   */
  unconditioned?: "zero-context" | "prior";
}

export class CdVae implements TrainableModel {
  readonly variables: Record<string, tf.Variable>;
  private readonly store: ParamStore;
  private readonly stem: Conv2dParams;
  private readonly bu: ResBlockParams[][];
  private readonly initHead: Conv2dParams;
  private readonly priorDrift: ConvBlockParams[];
  private readonly postDrift: ConvBlockParams[];
  private readonly diffusionRaw: tf.Variable[];
  private readonly decIn: Conv2dParams;
  private readonly dec: ResBlockParams[];
  private readonly decOut: Conv2dParams;
  readonly resolutions: number[];

  constructor(
    readonly config: CdVaeConfig,
    rng: Rng,
  ) {
    checkConfig(config);
    const c = config;
    const s = new ParamStore(rng);
    this.store = s;
    this.resolutions = levelResolutions(c);
    this.stem = createConv2d(s, "bu/stem", { inChannels: c.imageChannels, outChannels: c.buChannels, kernel: 3 });
    // BU resolutions: imageSize, /2, … down to topResolution
    const nRes = Math.round(Math.log2(c.imageSize / c.topResolution)) + 1;
    this.bu = Array.from({ length: nRes }, (_, r) =>
      Array.from({ length: c.buBlocks }, (_, b) => createResBlock(s, `bu/${r}/${b}`, c.buChannels)),
    );
    const k = c.latentChannels;
    this.initHead = createConv2d(s, "td/init", {
      inChannels: c.buChannels,
      outChannels: 2 * k,
      kernel: 1,
      init: zeros,
    });
    this.priorDrift = this.resolutions.map((_, l) =>
      createConvBlock(s, `td/${l}/prior`, {
        inChannels: k + 1,
        hiddenChannels: c.driftChannels,
        outChannels: k,
        zeroOutput: true,
      }),
    );
    this.postDrift = this.resolutions.map((_, l) =>
      createConvBlock(s, `td/${l}/post`, {
        inChannels: k + 1 + c.buChannels,
        hiddenChannels: c.driftChannels,
        outChannels: k,
        zeroOutput: true,
      }),
    );
    const raw = Math.log(Math.expm1(c.initialDiffusion));
    this.diffusionRaw = this.resolutions.map((_, l) => s.add(`td/${l}/diffusion`, [], constant(raw)));
    this.decIn = createConv2d(s, "dec/in", { inChannels: k, outChannels: c.decoderChannels, kernel: 3 });
    this.dec = Array.from({ length: c.decoderBlocks }, (_, b) => createResBlock(s, `dec/${b}`, c.decoderChannels));
    this.decOut = createConv2d(s, "dec/out", {
      inChannels: c.decoderChannels,
      outChannels: c.likelihood === "gaussian" ? 2 * c.imageChannels : c.imageChannels,
      kernel: 1,
    });
    this.variables = s.variables();
  }

  /** Number of scalar parameters. */
  parameterCount(): number {
    return this.store.count();
  }

  /** σ_l of each level (numbers; an async read, as a GPU backend needs in Node). */
  async diffusions(): Promise<number[]> {
    const s = tf.tidy(() => this.diffusionRaw.map((v) => tf.softplus(v)));
    const out = await Promise.all(s.map(async (t) => (await t.data())[0]));
    tf.dispose(s);
    return out;
  }

  /** BU features keyed by resolution. */
  private bottomUp(x: tf.Tensor): Map<number, tf.Tensor> {
    const out = new Map<number, tf.Tensor>();
    let h: tf.Tensor = conv2d(x, this.stem);
    let r = this.config.imageSize;
    this.bu.forEach((blocks, i) => {
      if (i > 0) {
        h = downsampleMean(h, 2);
        r /= 2;
      }
      for (const b of blocks) h = resBlock(h, b);
      out.set(r, h);
    });
    return out;
  }

  private decode(z: tf.Tensor): { mean: tf.Tensor; logScale?: tf.Tensor; logits?: tf.Tensor } {
    let h: tf.Tensor = conv2d(z, this.decIn);
    const c = this.config;
    let r = z.shape[1]!;
    // spread the decoder blocks over the upsampling steps: one block per resolution, extras at the end
    const ups = Math.round(Math.log2(c.imageSize / r));
    let bi = 0;
    for (let u = 0; u < ups; u++) {
      if (bi < this.dec.length) h = resBlock(h, this.dec[bi++]);
      h = upsample2(h);
      r *= 2;
    }
    while (bi < this.dec.length) h = resBlock(h, this.dec[bi++]);
    const o = conv2d(tf.relu(h), this.decOut);
    const C = c.imageChannels;
    if (c.likelihood === "gaussian") {
      const [mean, logScale] = tf.split(o, [C, C], 3);
      // keep scales in a trainable range: log σ ≥ −9 (the Poisson noise is 5e-3 ≈ e^−5.3)
      return { mean, logScale: tf.maximum(logScale, -9) };
    }
    return { mean: tf.sigmoid(o), logits: o };
  }

  /** −log p(x | params) per example [B], over the image without the cropped border. */
  private distortion(
    xFull: tf.Tensor,
    pFull: { mean: tf.Tensor; logScale?: tf.Tensor; logits?: tf.Tensor },
  ): tf.Tensor {
    const k = this.config.likelihoodCrop;
    const crop = (t: tf.Tensor | undefined) => {
      if (!t || k === 0) return t;
      const [b, h, w, ch] = t.shape as number[];
      return tf.slice(t, [0, k, k, 0], [b, h - 2 * k, w - 2 * k, ch]);
    };
    const x = crop(xFull)!;
    const p = { mean: crop(pFull.mean)!, logScale: crop(pFull.logScale), logits: crop(pFull.logits) };
    const logLik =
      this.config.likelihood === "gaussian"
        ? normalLogProbFromLogScale(x, p.mean, p.logScale!)
        : new Bernoulli(p.logits!).logProb(x);
    return tf.neg(tf.sum(logLik, [1, 2, 3]));
  }

  private depthChannel(z: tf.Tensor, s: number): tf.Tensor {
    return tf.fill([...z.shape.slice(0, 3), 1] as number[], s);
  }

  /**
   * One forward pass on images x [B, H, W, C] with a given step size and method. Call inside tf.tidy.
   * `rng` draws the initial value and the Brownian paths.
   */
  forward(x: tf.Tensor, rng: Rng, o: CdVaeRunOptions = {}): CdVaeForward {
    const c = this.config;
    if (x.rank !== 4 || x.shape[1] !== c.imageSize || x.shape[2] !== c.imageSize || x.shape[3] !== c.imageChannels) {
      throw new Error(
        `CdVae: images must have shape [B, ${c.imageSize}, ${c.imageSize}, ${c.imageChannels}], got [${x.shape}]`,
      );
    }
    const B = x.shape[0];
    const method = o.method ?? c.method;
    const bu = this.bottomUp(x);
    const k = c.latentChannels;
    // initial value
    const [mu, logVar] = tf.split(conv2d(bu.get(c.topResolution)!, this.initHead), [k, k], 3);
    const eps = rng.fork("z0").normalTensor(mu.shape);
    const z0 = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
    const initialRate = tf.sum(
      tf.mul(tf.sub(tf.add(tf.exp(logVar), tf.square(mu)), tf.add(logVar, 1)), 0.5),
      [1, 2, 3],
    );
    let z: tf.Tensor = z0;
    const levels: CdVaeForward["levels"] = [];
    const terms: Record<string, tf.Tensor> = { initial: initialRate };
    const conditioned = o.conditionLevels ?? c.levels;
    if (o.unconditioned !== undefined && o.unconditioned !== "zero-context" && o.unconditioned !== "prior") {
      throw new Error(`CdVae: unconditioned must be "zero-context" or "prior", got ${JSON.stringify(o.unconditioned)}`);
    }
    this.resolutions.forEach((r, l) => {
      if (l > 0) z = upsample2(z);
      const ctxRaw = bu.get(r)!;
      const ctx = c.variant === "ode-like" || l >= conditioned ? tf.zerosLike(ctxRaw) : ctxRaw;
      const sigma = tf.softplus(this.diffusionRaw[l]);
      const prior = (zz: tf.Tensor, s: number) =>
        convBlock(tf.concat([zz, this.depthChannel(zz, s)], 3), this.priorDrift[l]);
      const usePrior = l >= conditioned && o.unconditioned === "prior";
      const post = usePrior
        ? prior
        : (zz: tf.Tensor, s: number) => convBlock(tf.concat([zz, this.depthChannel(zz, s), ctx], 3), this.postDrift[l]);
      const grid =
        o.stepsPerLevel !== undefined
          ? stepGrid(l, l + 1, { steps: o.stepsPerLevel })
          : stepGrid(l, l + 1, { dt: o.step ?? c.trainStep });
      const path = this.brownian(grid, [B, r, r, k], rng.fork(`level/${l}`), o.pathResolution);
      const sol = sdeSolve({ drift: post, diffusion: () => sigma }, z, {
        method,
        brownian: path,
        priorDrift: prior,
        record: o.record,
      });
      if (o.record) {
        const states = sol.trajectory!;
        const priorStates = sdeSolve({ drift: prior, diffusion: () => sigma }, z, {
          method,
          brownian: path,
          record: true,
        }).trajectory;
        const drifts = {
          posterior: states.map((zz, i) => post(zz, grid[i])),
          prior: states.map((zz, i) => prior(zz, grid[i])),
        };
        levels.push({
          grid,
          pathRate: sol.pathRate!,
          states,
          rateDensity: sol.rateDensity,
          prior: priorStates,
          drifts,
        });
      } else {
        levels.push({ grid, pathRate: sol.pathRate! });
      }
      terms[`path${l}`] = sol.pathRate!;
      z = sol.z;
    });
    const p = this.decode(z);
    const distortion = this.distortion(x, p);
    const pathTotal = tf.addN(levels.map((v) => v.pathRate));
    const rate = c.variant === "ode-like" ? initialRate : tf.add(initialRate, pathTotal);
    const record = rateDistortion({ distortion, rate, terms });
    return { record, ...p, levels, initial: { mean: mu, logVar, sample: z0 } };
  }

  /** The Brownian path of a level on `grid`: drawn directly, or on `resolution` steps and coarsened to the grid. */
  private brownian(grid: number[], shape: number[], rng: Rng, resolution?: number): BrownianPath {
    if (resolution === undefined) return BrownianPath.sample(grid, shape, rng);
    const steps = grid.length - 1,
      s0 = grid[0],
      s1 = grid[steps];
    const equal = grid.every((t, i) => Math.abs(t - (s0 + ((s1 - s0) * i) / steps)) < 1e-9);
    if (!(Number.isInteger(resolution) && resolution >= 1 && resolution % steps === 0) || !equal) {
      throw new Error(
        `CdVae: pathResolution ${resolution} must be a whole multiple of the ${steps} equal steps per level of this step size`,
      );
    }
    return BrownianPath.sample(stepGrid(s0, s1, { steps: resolution }), shape, rng).coarsen(resolution / steps);
  }

  /** Training step at the training step size and method. */
  step(batch: Batch, ctx: StepContext): RateDistortion {
    const x = batch instanceof tf.Tensor ? batch : (batch as Record<string, tf.Tensor>).x;
    if (!x) throw new Error(`CdVae: batches need an "x" tensor of images`);
    return this.forward(x, ctx.rng).record;
  }

  /** The training loss: free nats on the initial rate and (CD-VAE) each level's path rate, sigmoid warm-up. */
  controller(): RateController {
    const c = this.config;
    const names = c.variant === "ode-like" ? ["initial"] : ["initial", ...this.resolutions.map((_, l) => `path${l}`)];
    const spec: FreeBitsSpec = { over: { terms: Object.fromEntries(names.map((n) => [n, c.freeNats])) } };
    const inner = freeBits(spec);
    return c.warmupSteps > 0 ? withWarmup(inner, { steps: c.warmupSteps, shape: "sigmoid" }) : inner;
  }

  /**
   * Per example: −ELBO and its parts at a step size (or steps per level) and method, each the mean of `samples`
   * independent single-sample estimates. Batches and seed names depend only on the example index and sample, so
   * evaluations at different step sizes share the initial-value draws (paired comparisons).
   */
  async evaluateExamples(x: ArrayN, o: CdVaeEvaluateOptions): Promise<CdVaeExampleEvaluation> {
    const r = await this.evaluateLoop(x, o, "CdVae.evaluateExamples");
    const e = r.perExample!;
    return {
      negElbo: e.negElbo,
      distortion: e.distortion,
      initialRate: e.initialRate,
      pathRates: this.resolutions.map((_, l) => e[`path${l}`]),
      samples: r.samples,
      step: r.step,
      method: r.method,
    };
  }

  /**
   * Mean test ELBO and its parts at a step size (or steps per level) and method, over `x` in batches;
   * `samples` independent passes are averaged (each a single-sample ELBO estimate).
   */
  async evaluate(x: ArrayN, o: CdVaeEvaluateOptions): Promise<CdVaeEvaluation> {
    const r = await this.evaluateLoop(x, o, "CdVae.evaluate");
    const mean = (q: string) => r.means[q][0];
    const pathRates = this.resolutions.map((_, l) => mean(`path${l}`));
    const pathRate = pathRates.reduce((a, b) => a + b, 0);
    const initialRate = mean("initialRate");
    return {
      elbo: -mean("negElbo"),
      distortion: mean("distortion"),
      initialRate,
      pathRate,
      pathRates,
      rate: this.config.variant === "ode-like" ? initialRate : initialRate + pathRate,
      n: r.n,
      samples: r.samples,
      step: r.step,
      method: r.method,
    };
  }

  /** The evaluation loop (lib/eval/records, per example): −ELBO, distortion, initial rate and path<l> rates of every example. */
  private async evaluateLoop(x: ArrayN, o: CdVaeEvaluateOptions, where: string) {
    const per = x.values.length / x.shape[0];
    const draw = (i: number, m: number, s: number, rng: Rng) => {
      const xb = tf.tensor(x.values.subarray(i * per, (i + m) * per), [m, ...x.shape.slice(1)]);
      const { record } = this.forward(xb, rng.fork(`eval/${s}/${i}`), o);
      const paths = this.resolutions.map((_, l) => [`path${l}`, record.terms[`path${l}`]]);
      return {
        negElbo: tf.neg(record.elbo),
        distortion: record.distortion,
        initialRate: record.terms.initial,
        ...Object.fromEntries(paths),
      } as Record<string, tf.Tensor>;
    };
    const r = await evaluateBatches({ n: x.shape[0], where, defaultBatchSize: 128, draw, perExample: true }, o);
    return {
      ...r,
      step: o.stepsPerLevel !== undefined ? 1 / o.stepsPerLevel : (o.step ?? this.config.trainStep),
      method: o.method ?? this.config.method,
    };
  }

  /** Samples from the prior: z₀ ~ N(0, I), prior SDEs, decoder mean (Gaussian) or probabilities (Bernoulli). */
  samplePrior(n: number, rng: Rng, o: CdVaeRunOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const c = this.config;
      let z: tf.Tensor = rng.fork("z0").normalTensor([n, c.topResolution, c.topResolution, c.latentChannels]);
      this.resolutions.forEach((r, l) => {
        if (l > 0) z = upsample2(z);
        const sigma = tf.softplus(this.diffusionRaw[l]);
        const grid =
          o.stepsPerLevel !== undefined
            ? stepGrid(l, l + 1, { steps: o.stepsPerLevel })
            : stepGrid(l, l + 1, { dt: o.step ?? c.trainStep });
        const path = BrownianPath.sample(grid, [n, r, r, c.latentChannels], rng.fork(`level/${l}`));
        z = sdeSolve(
          {
            drift: (zz, s) => convBlock(tf.concat([zz, this.depthChannel(zz, s)], 3), this.priorDrift[l]),
            diffusion: () => sigma,
          },
          z,
          { method: o.method ?? c.method, brownian: path },
        ).z;
      });
      return this.decode(z).mean;
    });
  }

  dispose(): void {
    this.store.dispose();
  }
}

export interface CdVaeEvaluation {
  elbo: number;
  distortion: number;
  initialRate: number;
  /** Σ_l path rates (reported for both variants; only the CD-VAE's bound includes it). */
  pathRate: number;
  pathRates: number[];
  /** The rate in the reported bound. */
  rate: number;
  n: number;
  samples: number;
  step: number;
  method: SdeMethod;
}

/** Per-example evaluation (each value the mean over samples); arrays indexed like the input rows. */
/** Evaluation at a step size (or steps per level) and method; `rng` seeds every draw (by example index and sample). */
export type CdVaeEvaluateOptions = CdVaeRunOptions & { rng: Rng; batchSize?: number; samples?: number };

export interface CdVaeExampleEvaluation {
  negElbo: Float64Array;
  distortion: Float64Array;
  initialRate: Float64Array;
  /** Path rate of each level. */
  pathRates: Float64Array[];
  samples: number;
  step: number;
  method: SdeMethod;
}

export function createCdVae(config: CdVaeConfig, rng: Rng): CdVae {
  return new CdVae(config, rng);
}
