// The benchmark's model registry: six representative training steps, one per kind of network the
// reproductions train (dense VAE, conv VAE, Conv-TasNet, VI-TasNet with gamma/beta sampling, partial VAE,
// one CD-VAE SDE level). Each
// entry builds a model, a fixed seeded batch and an Adam optimizer; `step()` runs one optimisation
// step and reads the loss back (a sync point, as a training loop does), so wall time per step is the
// real cost on the backend. scripts/bench_torch.py implements the same six steps in PyTorch.
import { createAdam } from "../train/fused-adam";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import { Conv2dParams, conv2d, createConv2d } from "../nets/conv";
import { ParamStore, constant } from "../nets/params";
import { fixedBeta } from "../objectives/controllers";
import { RateDistortion } from "../objectives/rate-distortion";
import { createConvTasNet, convTasNetPreset } from "../models/conv-tasnet";
import { createConvVae, convVaePreset } from "../models/conv-vae";
import { createViTasNet, viTasNetConfig } from "../models/vi-tasnet";
import { createMlpVae, mlpVaePreset } from "../models/mlp-vae";
import { PARTIAL_VAE_BENCHMARK, createPartialVae } from "../models/partial-vae";
import type { Batch } from "../train/batches";

/** A built benchmark model. */
export interface BenchInstance {
  /** One optimisation step on the fixed batch; resolves once the loss has been read back. */
  step(): Promise<void>;
  /** The loss of the last step (NaN before the first). */
  lastLoss(): number;
  parameterCount: number;
  dispose(): void;
}

export interface BenchModel {
  name: string;
  /** One line: architecture, data shape, batch. */
  description: string;
  batch: number;
  build(seed: number): BenchInstance;
}

/**
 * An Adam step on `lossOf(stepIndex, rng)` over `vars`; `rng` is the step's own stream (a fork of the
 * seed keyed by the step, as in lib/train/loop). `cleanup` frees the model and data.
 */
export function adamBench(
  vars: tf.Variable[],
  lossOf: (step: number, rng: Rng) => tf.Scalar,
  rng: Rng,
  parameterCount: number,
  cleanup: () => void,
  learningRate = 1e-3,
): BenchInstance {
  // The trainer's optimizer: the fused Adam on the native and webgpu backends, tf.train.adam elsewhere.
  const optimizer = createAdam(learningRate);
  let s = 0;
  let last = NaN;
  return {
    async step() {
      const stepRng = rng.fork(`step/${s}`);
      const index = s;
      const loss = optimizer.minimize(() => lossOf(index, stepRng), true, vars) as tf.Scalar;
      s++;
      try {
        last = (await loss.data())[0];
      } finally {
        loss.dispose();
      }
    },
    lastLoss: () => last,
    parameterCount,
    dispose() {
      optimizer.dispose();
      cleanup();
    },
  };
}

/** The negative ELBO (β = 1) of a VAE record, as the training loop's default controller computes it. */
function negElbo(
  step: (b: Batch, ctx: { step: number; epoch: number; rng: Rng }) => RateDistortion,
  batch: Batch,
): (s: number, rng: Rng) => tf.Scalar {
  const ctl = fixedBeta(1);
  return (s, rng) => ctl.loss(step(batch, { step: s, epoch: 0, rng }), s);
}

/** Binary images / vectors with P(1) = p, from the stream. */
function binary(rng: Rng, shape: number[], p = 0.3): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.less(rng.uniformTensor(shape), p), "float32"));
}

/**
 * Two-"speaker" tone mixtures [B, T] with their sources [B, 2, T]: source i is a sum of three
 * harmonics of a fundamental drawn from a speaker-specific band (120–200 Hz, 220–320 Hz), with a
 * random phase and a slow amplitude envelope. A stand-in with the right shapes for timing and for the
 * separation tests; lib/data will hold the paper's Gaussian-pulse generator.
 */
export function toneMixtures(
  rng: Rng,
  batch: number,
  T: number,
  sampleRate = 8000,
): { mix: tf.Tensor2D; sources: tf.Tensor3D } {
  const S = 2;
  const bands = [
    [120, 200],
    [220, 320],
  ];
  const src = new Float32Array(batch * S * T);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < S; i++) {
      const f0 = rng.uniformIn(bands[i][0], bands[i][1]);
      const phases = [rng.uniformIn(0, 2 * Math.PI), rng.uniformIn(0, 2 * Math.PI), rng.uniformIn(0, 2 * Math.PI)];
      const envRate = rng.uniformIn(1, 4),
        envPhase = rng.uniformIn(0, 2 * Math.PI);
      const gain = rng.uniformIn(0.5, 1.5);
      for (let t = 0; t < T; t++) {
        const time = t / sampleRate;
        let v = 0;
        for (let h = 0; h < 3; h++) v += Math.sin(2 * Math.PI * f0 * (h + 1) * time + phases[h]) / (h + 1);
        src[(b * S + i) * T + t] = gain * (0.6 + 0.4 * Math.sin(2 * Math.PI * envRate * time + envPhase)) * v;
      }
    }
  }
  return tf.tidy(() => {
    const sources = tf.tensor3d(src, [batch, S, T]);
    return { mix: tf.sum(sources, 1) as tf.Tensor2D, sources };
  });
}

// ---- the CD-VAE SDE level (a representative step; issue 6 builds the real CD-VAE) ------------------

/** Sizes of the representative CD-VAE level. */
export interface SdeLevelConfig {
  /** Spatial side of the state and data (8). */
  size: number;
  /** State channels (16). */
  stateChannels: number;
  /** Hidden channels of the drift nets and bottom-up net (32). */
  hidden: number;
  /** Data channels (1). */
  dataChannels: number;
  /** Euler–Maruyama steps over t ∈ [0, 1] (10, i.e. step 0.1). */
  steps: number;
  /** Hidden activation of the drift and bottom-up nets (default ReLU; tests use tanh for smooth finite differences). */
  activation?: "relu" | "tanh";
}

export const SDE_LEVEL_BENCHMARK: SdeLevelConfig = Object.freeze({
  size: 8,
  stateChannels: 16,
  hidden: 32,
  dataChannels: 1,
  steps: 10,
  activation: "relu",
}) as SdeLevelConfig;

/**
 * One latent level of a CD-VAE (seed 001, App. C) reduced to its cost structure — NOT the CD-VAE
 * model (issue 6 builds that in lib/models): an 8×8×16 state z evolves from z(0) = 0 by
 * Euler–Maruyama over t ∈ [0, 1] along the posterior SDE dz = h_post(z, feat) dt + σ dW, where feat is
 * a bottom-up 8×8 feature map of x, with a prior drift h_prior(z) evaluated on the same path (one
 * shared Brownian path), and the path rate ∫ ½|u|² dt, u = (h_post − h_prior)/σ (Girsanov; the KL
 * between the path measures). A 3×3 conv decodes z(1) to a Gaussian over the 8×8 data.
 * Drift nets: conv 3×3 → hidden, ReLU, conv 3×3 → state; the posterior's input is [z, feat]; the
 * bottom-up net: two conv 3×3 → hidden with ReLU.
 */
export class SdeLevel {
  readonly store: ParamStore;
  readonly config: SdeLevelConfig;
  readonly bottomUp: Conv2dParams[];
  readonly prior: Conv2dParams[];
  readonly posterior: Conv2dParams[];
  readonly decoder: Conv2dParams;
  /** log σ of the scalar diffusion. */
  readonly logSigma: tf.Variable;
  /** log σ_x of the Gaussian output. */
  readonly logStdX: tf.Variable;

  constructor(config: SdeLevelConfig, rng: Rng) {
    this.config = { ...config };
    const { stateChannels: Z, hidden: H, dataChannels: C } = config;
    this.store = new ParamStore(rng);
    const act = config.activation ?? "relu";
    const conv = (name: string, inC: number, outC: number, a: "relu" | "tanh" | "linear") =>
      createConv2d(this.store, name, { inChannels: inC, outChannels: outC, kernel: 3, activation: a });
    this.bottomUp = [conv("bu/0", C, H, act), conv("bu/1", H, H, act)];
    this.prior = [conv("prior/0", Z, H, act), conv("prior/1", H, Z, "linear")];
    this.posterior = [conv("post/0", Z + H, H, act), conv("post/1", H, Z, "linear")];
    this.decoder = conv("dec", Z, C, "linear");
    this.logSigma = this.store.add("sigma/log", [], constant(Math.log(0.5)));
    this.logStdX = this.store.add("dec/logstd", [], constant(0));
  }

  /** Per-example {distortion, rate} [B] for data x [B, size, size, C], with Brownian increments drawn from rng. */
  record(x: tf.Tensor, rng: Rng): { distortion: tf.Tensor1D; rate: tf.Tensor1D } {
    const { size, stateChannels: Z, steps } = this.config;
    const B = x.shape[0];
    const dt = 1 / steps;
    const [distortion, rate] = tf.tidy(() => {
      let feat: tf.Tensor = x;
      for (const l of this.bottomUp) feat = conv2d(feat, l);
      const sigma = tf.exp(this.logSigma);
      let z: tf.Tensor = tf.zeros([B, size, size, Z]);
      let rate: tf.Tensor = tf.zeros([B]);
      for (let i = 0; i < steps; i++) {
        const hPost = conv2d(conv2d(tf.concat([z, feat], 3), this.posterior[0]), this.posterior[1]);
        const hPrior = conv2d(conv2d(z, this.prior[0]), this.prior[1]);
        const u = tf.div(tf.sub(hPost, hPrior), sigma);
        rate = tf.add(rate, tf.mul(tf.sum(tf.square(u), [1, 2, 3]), 0.5 * dt));
        const dW = tf.mul(rng.normalTensor([B, size, size, Z]), Math.sqrt(dt));
        z = tf.add(tf.add(z, tf.mul(hPost, dt)), tf.mul(sigma, dW));
      }
      const mean = conv2d(z, this.decoder);
      const r = tf.div(tf.sub(x, mean), tf.exp(this.logStdX));
      const nll = tf.add(tf.add(tf.mul(tf.square(r), 0.5), this.logStdX), 0.5 * Math.log(2 * Math.PI));
      return [tf.sum(nll, [1, 2, 3]), rate];
    });
    return { distortion: distortion as tf.Tensor1D, rate: rate as tf.Tensor1D };
  }

  /** Scalar loss: batch mean of distortion + path rate. */
  loss(x: tf.Tensor, rng: Rng): tf.Scalar {
    return tf.tidy(() => {
      const { distortion, rate } = this.record(x, rng);
      return tf.mean(tf.add(distortion, rate)) as tf.Scalar;
    });
  }

  variables(): tf.Variable[] {
    return this.store.trainable();
  }

  parameterCount(): number {
    return this.store.count();
  }

  dispose(): void {
    this.store.dispose();
  }
}

// ---- the registry ------------------------------------------------------------------------------

export const BENCH_MODELS: Readonly<Record<string, BenchModel>> = Object.freeze({
  "mlp-vae": {
    name: "mlp-vae",
    description: "MLP VAE 784-512-2×32 / 32-512-784, no biases, ReLU, Bernoulli logits; binary [128, 784]",
    batch: 128,
    build(seed: number): BenchInstance {
      const rng = new Rng(`bench/mlp-vae/${seed}`);
      const m = createMlpVae(mlpVaePreset("mlp-vae"), rng.fork("init"));
      const x = binary(rng.fork("data"), [128, 784]);
      return adamBench(
        m.store.trainable(),
        negElbo((b, c) => m.step(b, c), x),
        rng.fork("steps"),
        m.parameterCount(),
        () => {
          x.dispose();
          m.dispose();
        },
      );
    },
  },
  "conv-vae": {
    name: "conv-vae",
    description:
      "Burgess et al. conv VAE: 3× conv 4×4/2 32ch, FC 256-256-2×10, mirrored decoder, Bernoulli; binary [64, 32, 32, 1]",
    batch: 64,
    build(seed: number): BenchInstance {
      const rng = new Rng(`bench/conv-vae/${seed}`);
      const m = createConvVae(convVaePreset("burgess-32"), rng.fork("init"));
      const x = binary(rng.fork("data"), [64, 32, 32, 1]);
      return adamBench(
        m.store.trainable(),
        negElbo((b, c) => m.step(b, c), x),
        rng.fork("steps"),
        m.parameterCount(),
        () => {
          x.dispose();
          m.dispose();
        },
      );
    },
  },
  tasnet: {
    name: "tasnet",
    description:
      "Conv-TasNet 'synthetic' (N=32, L=16, B=16, H=16, Sc=8, X=8, R=1, S=2), PIT −SI-SDR; [4, 8000] (1 s at 8 kHz)",
    batch: 4,
    build(seed: number): BenchInstance {
      const rng = new Rng(`bench/tasnet/${seed}`);
      const m = createConvTasNet(convTasNetPreset("synthetic"), rng.fork("init"));
      const { mix, sources } = toneMixtures(rng.fork("data"), 4, 8000);
      return adamBench(
        m.store.trainable(),
        () => m.loss(mix, sources),
        rng.fork("steps"),
        m.parameterCount(),
        () => {
          tf.dispose([mix, sources]);
          m.dispose();
        },
      );
    },
  },
  "vi-tasnet": {
    name: "vi-tasnet",
    description:
      "VI-TasNet as Table 3's gamma model: gamma encodings (Γ(½, 1) prior), beta masks (Beta(1, 1) prior), BLR likelihood, single-sample Monte-Carlo KL, on the 'synthetic' Conv-TasNet; [4, 2000] (0.25 s at 8 kHz)",
    batch: 4,
    build(seed: number): BenchInstance {
      const rng = new Rng(`bench/vi-tasnet/${seed}`);
      const config = viTasNetConfig({
        tasnet: convTasNetPreset("synthetic"),
        encoding: "gamma",
        mask: "beta",
        likelihood: "blr",
        kl: "monte-carlo",
      });
      const m = createViTasNet(config, rng.fork("init"));
      const { mix, sources } = toneMixtures(rng.fork("data"), 4, 2000);
      return adamBench(
        m.store.trainable(),
        (_s, r) =>
          tf.tidy(() => {
            const { record } = m.forward(mix, sources, r);
            return tf.mean(tf.add(record.distortion, record.rate)) as tf.Scalar;
          }),
        rng.fork("steps"),
        m.parameterCount(),
        () => {
          tf.dispose([mix, sources]);
          m.dispose();
        },
      );
    },
  },
  pvae: {
    name: "pvae",
    description:
      "partial VAE, PointNet-plus encoder (embeddings 16, h 17-32-16, enc 16-64-2×8), dec 8-64-15 Gaussian; [128, 15], 70% observed",
    batch: 128,
    build(seed: number): BenchInstance {
      const rng = new Rng(`bench/pvae/${seed}`);
      const m = createPartialVae(PARTIAL_VAE_BENCHMARK, rng.fork("init"));
      const x = rng.fork("data").normalTensor([128, 15]);
      const mask = binary(rng.fork("mask"), [128, 15], 0.7);
      return adamBench(
        m.store.trainable(),
        negElbo((b, c) => m.step(b, c), { x, mask }),
        rng.fork("steps"),
        m.parameterCount(),
        () => {
          tf.dispose([x, mask]);
          m.dispose();
        },
      );
    },
  },
  cdvae: {
    name: "cdvae",
    description:
      "one CD-VAE SDE level: 8×8×16 state, 10 Euler–Maruyama steps, 3×3 conv drifts (32 hidden), path rate; [32, 8, 8, 1]",
    batch: 32,
    build(seed: number): BenchInstance {
      const rng = new Rng(`bench/cdvae/${seed}`);
      const level = new SdeLevel(SDE_LEVEL_BENCHMARK, rng.fork("init"));
      const x = rng.fork("data").normalTensor([32, 8, 8, 1]);
      return adamBench(
        level.variables(),
        (_s, r) => level.loss(x, r),
        rng.fork("steps"),
        level.parameterCount(),
        () => {
          x.dispose();
          level.dispose();
        },
      );
    },
  },
});

/** Model names in the benchmark's order. */
export function benchModelNames(): string[] {
  return Object.keys(BENCH_MODELS);
}

/** A registry entry by name, or an error listing the names. */
export function benchModel(name: string): BenchModel {
  const m = BENCH_MODELS[name];
  if (!m) throw new Error(`lib/bench: no model "${name}" (have: ${benchModelNames().join(", ")})`);
  return m;
}

/**
 * Paper-size steps, for a GPU (the prepared GPU check, scripts/gpu-check): far too slow for `npm run bench`'s CPU
 * backends, so kept out of BENCH_MODELS. scripts/bench_torch.py has the same two.
 */
export const PAPER_BENCH_MODELS: Readonly<Record<string, BenchModel>> = Object.freeze({
  "tasnet-librimix": {
    name: "tasnet-librimix",
    description:
      "Conv-TasNet 'librimix' (Luo & Mesgarani Table I: N=512, L=16, B=128, H=512, Sc=128, X=8, R=3, S=2; ≈5.05 M parameters), PIT −SI-SDR; [4, 24000] (3 s at 8 kHz)",
    batch: 4,
    build(seed: number): BenchInstance {
      const rng = new Rng(`bench/tasnet-librimix/${seed}`);
      const m = createConvTasNet(convTasNetPreset("librimix"), rng.fork("init"));
      const { mix, sources } = toneMixtures(rng.fork("data"), 4, 24000);
      return adamBench(
        m.store.trainable(),
        () => m.loss(mix, sources),
        rng.fork("steps"),
        m.parameterCount(),
        () => {
          tf.dispose([mix, sources]);
          m.dispose();
        },
      );
    },
  },
  "cdvae-paper": {
    name: "cdvae-paper",
    description:
      "one CD-VAE SDE level at the paper's MNIST widths: 8×8×16 state, 10 Euler–Maruyama steps, 3×3 conv drifts (128 hidden), path rate; [32, 8, 8, 1]",
    batch: 32,
    build(seed: number): BenchInstance {
      const rng = new Rng(`bench/cdvae-paper/${seed}`);
      const level = new SdeLevel({ ...SDE_LEVEL_BENCHMARK, hidden: 128 }, rng.fork("init"));
      const x = rng.fork("data").normalTensor([32, 8, 8, 1]);
      return adamBench(
        level.variables(),
        (_s, r) => level.loss(x, r),
        rng.fork("steps"),
        level.parameterCount(),
        () => {
          x.dispose();
          level.dispose();
        },
      );
    },
  },
});
