// Cached training of CD-VAEs (thesis App. C) shared by the CD-VAE notebooks, and the presets that fix
// each data set's model and schedule so that notebooks share trained models (same run key).
//
// The preset-independent structure is fixed here (A.1: Poisson 4 latent channels, three levels 1×1 → 2×2 → 4×4,
// Δs = 0.1, Euler–Heun, 1 free nat per term); every preset-dependent number is in lib/cd-vae/settings.
// MNIST images are zero-padded 28 → 32 so that three ×2 levels (2×2 → 4×4 → 8×8) divide the image; the
// padding is left out of the likelihood (likelihoodCrop 2), so distortions are over the 784 MNIST pixels.
import { ArrayN, takeRows } from "../data/dataset";
import { PoissonDataset, poissonDataset, poissonTrueNll, standardizePoisson } from "../data/poisson";
import type { Preset } from "../notebook/preset";
import { CD_VAE_SETTINGS } from "./settings";
import type { ProgressMode } from "../train/progress";
import type { Run } from "../train/run-cache";
import { RunRequest, StepSchedule, trainRun } from "../train/run";
import { CdVae, CdVaeConfig, cdVaeConfig, createCdVae } from "../models/cd-vae";

export interface CdVaePreset {
  config: CdVaeConfig;
  schedule: StepSchedule;
}

/** Model and schedule of the Poisson experiments (Fig. 3, 4, 6, 7) for a variant at a preset (CD_VAE_SETTINGS). */
export function poissonCdVaePreset(preset: Preset, variant: "cd-vae" | "ode-like" = "cd-vae"): CdVaePreset {
  const s = CD_VAE_SETTINGS[preset].poisson;
  return {
    config: cdVaeConfig({
      imageSize: 16,
      likelihood: "gaussian",
      topResolution: 1,
      levels: 3,
      latentChannels: 4,
      buChannels: s.channels,
      driftChannels: s.channels,
      decoderChannels: s.channels,
      decoderBlocks: 3,
      buBlocks: 1,
      trainStep: 0.1,
      method: "euler-heun",
      variant,
      freeNats: 1,
      warmupSteps: s.warmupSteps,
    }),
    schedule: { ...s.schedule },
  };
}

/** Model and schedule of the binarized MNIST experiments (Fig. 5, 8) at a preset (CD_VAE_SETTINGS). */
export function mnistCdVaePreset(preset: Preset): CdVaePreset {
  const s = CD_VAE_SETTINGS[preset].mnist;
  return {
    config: cdVaeConfig({
      imageSize: 32,
      likelihoodCrop: 2,
      likelihood: "bernoulli",
      topResolution: 2,
      levels: 3,
      latentChannels: s.latentChannels,
      buChannels: s.channels,
      driftChannels: s.driftChannels,
      decoderChannels: s.channels,
      decoderBlocks: 3,
      buBlocks: 1,
      trainStep: 0.1,
      method: "euler-heun",
      variant: "cd-vae",
      freeNats: 1,
      warmupSteps: s.warmupSteps,
    }),
    schedule: { ...s.schedule },
  };
}

/** Zero-pad images [n, h, w, c] by `pad` pixels on each side (MNIST 28 → 32). */
export function padImages(x: ArrayN, pad: number): ArrayN {
  if (pad === 0) return x;
  const [n, h, w, c] = x.shape;
  if (x.shape.length !== 4) throw new Error(`padImages: images must have shape [n, h, w, c], got [${x.shape}]`);
  const H = h + 2 * pad,
    W = w + 2 * pad;
  const out = new Float32Array(n * H * W * c);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < h; r++) {
      const src = (i * h + r) * w * c,
        dst = ((i * H + r + pad) * W + pad) * c;
      out.set(x.values.subarray(src, src + w * c), dst);
    }
  return { values: out, shape: [n, H, W, c] };
}

/** Train the CD-VAE of `input` on training images [n, H, W, C] (or reload it when this exact run completed; resume an interrupted one). */
export async function trainCdVaeRun(input: RunRequest<CdVaeConfig, ArrayN>): Promise<Run<CdVae>> {
  const { config, data, schedule } = input;
  const [n, h, w, ch] = data.train.shape;
  if (
    data.train.shape.length !== 4 ||
    h !== config.imageSize ||
    w !== config.imageSize ||
    ch !== config.imageChannels
  ) {
    throw new Error(
      `trainCdVaeRun: training images have shape [${data.train.shape}], the model needs [n, ${config.imageSize}, ${config.imageSize}, ${config.imageChannels}]`,
    );
  }
  if (schedule.batchSize > n)
    throw new Error(`trainCdVaeRun: batch size ${schedule.batchSize} exceeds the ${n} training images`);
  return trainRun({
    ...input,
    build: createCdVae,
    controller: (model) => model.controller(),
    dropRemainder: true,
    checkpointEvery: 200,
    label: input.label ?? `${config.variant} (${config.likelihood}, ${config.imageSize}×${config.imageSize})`,
  });
}

/** The Poisson data set of every Poisson notebook (Fig. 3, 4, 6, 7): 1024 observations, seed "cd-vae-poisson". */
export const POISSON_SEED = "cd-vae-poisson";

export interface PoissonRuns {
  /** The Poisson data standardised with the training split's global mean and sd (lib/data/poisson standardizePoisson). */
  data: PoissonDataset;
  /** Standardised noisy training and test images [n, 16, 16, 1] (80 % / 10 % split) and the test rows' ground-truth index. */
  train: ArrayN;
  test: ArrayN;
  testLabel: number[];
  /**
   * The data's floor on the test set, nats on the standardised scale (means over the test images): `conditional`
   * = −log N(x; its ground truth, noise²) (the distortion of a decoder that knows the truth), `mixture` = the exact
   * NLL under the true ½–½ mixture of the two ground truths (no −ELBO can beat it in expectation).
   */
  floor: { conditional: number; mixture: number };
  /** The trained (or reloaded) models of the requested variants. */
  runs: Partial<Record<"cd-vae" | "ode-like", Run<CdVae>>>;
}

/**
 * The Poisson data and the CD-VAE / ODE-like CD-VAE of a preset, trained once (seed "cd-vae-poisson", the
 * variant's preset) and reloaded by every Poisson notebook. The models learn the standardised data (the training
 * split's global mean and sd, as the paper's ≈ 74-nat values imply; see lib/data/poisson), and every −ELBO they
 * report is in nats of the standardised data (raw-data nats = standardised − 256·log sd).
 */
export async function poissonCdVaeRuns(
  preset: Preset,
  o: { variants?: ("cd-vae" | "ode-like")[]; progress?: ProgressMode; runsDir?: string } = {},
): Promise<PoissonRuns> {
  const data = standardizePoisson(poissonDataset({ seed: POISSON_SEED }));
  const train = takeRows(data.x, data.split.train),
    test = takeRows(data.x, data.split.test);
  const runs: PoissonRuns["runs"] = {};
  for (const variant of o.variants ?? (["cd-vae", "ode-like"] as const)) {
    const P = poissonCdVaePreset(preset, variant);
    runs[variant] = await trainCdVaeRun({
      config: P.config,
      data: { key: { ...data.key, part: "train" }, train },
      schedule: P.schedule,
      seed: POISSON_SEED,
      preset,
      label: `${variant === "cd-vae" ? "CD-VAE" : "ODE-like CD-VAE"}, Poisson`,
      progress: o.progress,
      runsDir: o.runsDir,
    });
  }
  const nll = poissonTrueNll(data, data.split.test);
  const avg = (v: Float64Array) => v.reduce((t, x) => t + x, 0) / v.length;
  return {
    data,
    train,
    test,
    testLabel: data.split.test.map((i) => data.label[i]),
    floor: { conditional: avg(nll.conditional), mixture: avg(nll.mixture) },
    runs,
  };
}
