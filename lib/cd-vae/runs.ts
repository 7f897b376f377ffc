// Cached training of CD-VAEs (thesis App. C) shared by the CD-VAE notebooks, and the presets that fix
// each data set's model and schedule so that notebooks share trained models (same run key).
//
// paper: A.1's settings — Poisson: batch 128, 4000 updates, Adam lr 3·10⁻⁴, 128 channels (BU, drifts,
//        decoder), 4 latent channels, three levels 1×1 → 2×2 → 4×4, Δs = 0.1, Euler–Heun, 1 free nat per
//        term, sigmoid warm-up over 1000 steps; MNIST: batch 32, 50 000 steps, lr 10⁻³ (the paper decays it
//        with a cosine to 10⁻⁴; our loop keeps it constant — stated in the notebooks), 256 BU/decoder
//        channels, 16 latent channels.
// demo:  the same structure with 32 channels and fewer, larger-lr steps (Poisson with gradient clipping) so that a model trains in a few
//        minutes on a 2-core CPU; smoke: tiny, for CI.
// MNIST images are zero-padded 28 → 32 so that three ×2 levels (2×2 → 4×4 → 8×8) divide the image; the
// padding is left out of the likelihood (likelihoodCrop 2), so distortions are over the 784 MNIST pixels.
import { ArrayN, takeRows } from "../data/dataset";
import { PoissonDataset, poissonDataset } from "../data/poisson";
import { Seed } from "../engine/rng";
import { Preset, pick } from "../notebook/preset";
import type { ProgressMode } from "../train/progress";
import { Run, trainOrReload } from "../train/run-cache";
import { CdVae, CdVaeConfig, cdVaeConfig, createCdVae } from "../models/cd-vae";

export interface CdVaeSchedule {
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Global gradient-norm clipping (lib/train clipNorm); absent: none (and absent from the run key). */
  clipNorm?: number;
}

export interface CdVaePreset {
  config: CdVaeConfig;
  schedule: CdVaeSchedule;
}

/** Model and schedule of the Poisson experiments (Fig. 3, 4, 6, 7) for a variant at a preset. */
export function poissonCdVaePreset(preset: Preset, variant: "cd-vae" | "ode-like" = "cd-vae"): CdVaePreset {
  const ch = pick({ smoke: 8, demo: 32, paper: 128 }, preset);
  return {
    config: cdVaeConfig({
      imageSize: 16, likelihood: "gaussian", topResolution: 1, levels: 3, latentChannels: 4,
      buChannels: ch, driftChannels: ch, decoderChannels: ch, decoderBlocks: 3, buBlocks: 1,
      trainStep: 0.1, method: "euler-heun", variant, freeNats: 1,
      warmupSteps: pick({ smoke: 10, demo: 300, paper: 1000 }, preset),
    }),
    schedule: pick({
      smoke: { steps: 30, batchSize: 32, learningRate: 1e-3 },
      // Unclipped, the demo run spiked (gradient norms 10³ → 6·10⁴; training loss −718 → −218 nats over steps 600–1200
      // at lr 1e-3, and still 12 spikes > 200 nats at 3e-4); global-norm clipping at 2000 keeps lr 1e-3 stable.
      demo: { steps: 1200, batchSize: 64, learningRate: 1e-3, clipNorm: 2000 },
      paper: { steps: 4000, batchSize: 128, learningRate: 3e-4 },
    }, preset),
  };
}

/** Model and schedule of the binarized MNIST experiments (Fig. 5, 8) at a preset. */
export function mnistCdVaePreset(preset: Preset): CdVaePreset {
  const ch = pick({ smoke: 8, demo: 32, paper: 256 }, preset);
  return {
    config: cdVaeConfig({
      imageSize: 32, likelihoodCrop: 2, likelihood: "bernoulli", topResolution: 2, levels: 3,
      latentChannels: pick({ smoke: 4, demo: 8, paper: 16 }, preset),
      buChannels: ch, driftChannels: pick({ smoke: 8, demo: 32, paper: 128 }, preset), decoderChannels: ch, decoderBlocks: 3, buBlocks: 1,
      trainStep: 0.1, method: "euler-heun", variant: "cd-vae", freeNats: 1,
      warmupSteps: pick({ smoke: 10, demo: 375, paper: 1000 }, preset),
    }),
    schedule: pick({
      smoke: { steps: 20, batchSize: 16, learningRate: 1e-3 },
      demo: { steps: 1500, batchSize: 32, learningRate: 1e-3 },
      paper: { steps: 50000, batchSize: 32, learningRate: 1e-3 },
    }, preset),
  };
}

/** Zero-pad images [n, h, w, c] by `pad` pixels on each side (MNIST 28 → 32). */
export function padImages(x: ArrayN, pad: number): ArrayN {
  if (pad === 0) return x;
  const [n, h, w, c] = x.shape;
  if (x.shape.length !== 4) throw new Error(`padImages: images must have shape [n, h, w, c], got [${x.shape}]`);
  const H = h + 2 * pad, W = w + 2 * pad;
  const out = new Float32Array(n * H * W * c);
  for (let i = 0; i < n; i++) for (let r = 0; r < h; r++) {
    const src = ((i * h + r) * w) * c, dst = ((i * H + r + pad) * W + pad) * c;
    out.set(x.values.subarray(src, src + w * c), dst);
  }
  return { values: out, shape: [n, H, W, c] };
}

export interface CdVaeRunInput {
  config: CdVaeConfig;
  /** Training images [n, H, W, C] and a plain-JSON description of them (part of the run key). */
  data: { key: unknown; train: ArrayN };
  schedule: CdVaeSchedule;
  seed: Seed;
  preset: Preset;
  label?: string;
  progress?: ProgressMode;
  runsDir?: string;
}

/** Train the CD-VAE of `input` (or reload it when this exact run completed; resume an interrupted one). */
export async function trainCdVaeRun(input: CdVaeRunInput): Promise<Run<CdVae>> {
  const { config, data, schedule } = input;
  const [n, h, w, ch] = data.train.shape;
  if (data.train.shape.length !== 4 || h !== config.imageSize || w !== config.imageSize || ch !== config.imageChannels) {
    throw new Error(`trainCdVaeRun: training images have shape [${data.train.shape}], the model needs [n, ${config.imageSize}, ${config.imageSize}, ${config.imageChannels}]`);
  }
  if (schedule.batchSize > n) throw new Error(`trainCdVaeRun: batch size ${schedule.batchSize} exceeds the ${n} training images`);
  return trainOrReload(
    { model: config, data: data.key, preset: input.preset, seed: input.seed, schedule: { ...schedule } },
    (c, rng) => createCdVae(c.model as CdVaeConfig, rng),
    {
      runsDir: input.runsDir,
      checkpointEvery: 200,
      train: (model) => ({
        data: data.train,
        batchSize: schedule.batchSize,
        steps: schedule.steps,
        learningRate: schedule.learningRate,
        ...(schedule.clipNorm !== undefined ? { clipNorm: schedule.clipNorm } : {}),
        controller: model.controller(),
        dropRemainder: true,
        progress: input.progress ?? "auto",
        label: input.label ?? `${config.variant} (${config.likelihood}, ${config.imageSize}×${config.imageSize})`,
      }),
    },
  );
}

/** The Poisson data set of every Poisson notebook (Fig. 3, 4, 6, 7): 1024 observations, seed "cd-vae-poisson". */
export const POISSON_SEED = "cd-vae-poisson";

export interface PoissonRuns {
  data: PoissonDataset;
  /** Noisy training and test images [n, 16, 16, 1] (80 % / 10 % split) and the test rows' ground-truth index. */
  train: ArrayN;
  test: ArrayN;
  testLabel: number[];
  /** The trained (or reloaded) models of the requested variants. */
  runs: Partial<Record<"cd-vae" | "ode-like", Run<CdVae>>>;
}

/**
 * The Poisson data and the CD-VAE / ODE-like CD-VAE of a preset, trained once (seed "cd-vae-poisson", the
 * variant's preset) and reloaded by every Poisson notebook.
 */
export async function poissonCdVaeRuns(
  preset: Preset,
  o: { variants?: ("cd-vae" | "ode-like")[]; progress?: ProgressMode; runsDir?: string } = {},
): Promise<PoissonRuns> {
  const data = poissonDataset({ seed: POISSON_SEED });
  const train = takeRows(data.x, data.split.train), test = takeRows(data.x, data.split.test);
  const runs: PoissonRuns["runs"] = {};
  for (const variant of o.variants ?? (["cd-vae", "ode-like"] as const)) {
    const P = poissonCdVaePreset(preset, variant);
    runs[variant] = await trainCdVaeRun({
      config: P.config, data: { key: { ...data.key, part: "train" }, train }, schedule: P.schedule, seed: POISSON_SEED, preset,
      label: `${variant === "cd-vae" ? "CD-VAE" : "ODE-like CD-VAE"}, Poisson`, progress: o.progress, runsDir: o.runsDir,
    });
  }
  return { data, train, test, testLabel: data.split.test.map((i) => data.label[i]), runs };
}
