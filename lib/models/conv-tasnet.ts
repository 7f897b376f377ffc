// Conv-TasNet (Luo & Mesgarani 2019, "Conv-TasNet: Surpassing ideal time–frequency magnitude masking
// for speech separation"), the deterministic encoder–masker–decoder that VI-TasNet (seed 001, App. B)
// builds on:
//   encoder  w = ReLU(conv1d(x)): N filters of length L, stride L/2, no bias            [B, T] → [B, F, N]
//   masker   gLN(w) → 1×1 conv N→B → R repeats of X conv blocks with dilations 1, 2, …, 2^(X−1)
//            (lib/nets/tcn: 1×1 B→H, PReLU, gLN, depthwise P-tap dilated, PReLU, gLN, 1×1 residual
//            H→B and 1×1 skip H→Sc) → Σ skips / (X·R) → PReLU → 1×1 conv Sc→S·N → ReLU (or sigmoid)
//                                                                                  → masks [B, S, F, N]
//   decoder  ŝ_i = transposed conv1d(m_i ⊙ w): N → 1, length L, stride L/2, no bias   → [B, S, T]
// Training loss: −SI-SDR under utterance-level PIT over the S sources (lib/objectives/si-sdr), or with
// loss "blr" the negative BLR evidence under PIT (VI-EMD supplement L, Table 3's "TasNet, BLR").
// The skip sum is divided by the number of blocks as the VI-EMD supplement does for stability
// (seed 001, App. J: "normalizing the summed skip connections by the depth of the masking network").
// Mask activation: the presets use ReLU, as the VI-EMD thesis' TasNet ("a ReLU activated TasNet mask",
// App. B Sec. 3; App. L: log-normal masks are "more similar to a ReLU gated/rectified TasNet mask") and
// asteroid's LibriMix recipe (mask_act "relu"); Luo & Mesgarani's paper uses a sigmoid, kept as the option
// maskActivation "sigmoid".
// Layout is channels-last [B, F, C] throughout.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import {
  Conv1dParams,
  ConvTranspose1dParams,
  conv1d,
  convTranspose1d,
  createConv1d,
  createConvTranspose1d,
} from "../nets/conv";
import { ParamStore } from "../nets/params";
import { SudormrfSpec, createSudormrf, sudormrf, sudormrfParameterCount } from "../nets/sudormrf";
import { TcnMaskerSpec, createTcnMasker, tcnMasker, tcnMaskerParameterCount } from "../nets/tcn";
import { RateDistortion, rateDistortion } from "../objectives/rate-distortion";
import { DEFAULT_BLR_PRIOR, blrLogEvidence } from "../objectives/blr";
import { permutationInvariant, pitSiSdr } from "../objectives/si-sdr";
import type { Batch } from "../train/batches";
import type { StepContext, TrainableModel } from "../train/loop";

/** The architecture, in the paper's symbols (plain JSON). */
export interface ConvTasNetConfig {
  kind: "conv-tasnet";
  /** Encoder filters N (latent channels). */
  N: number;
  /** Filter length L in samples; the hop is `stride` (L/2 in the paper). */
  L: number;
  stride: number;
  /** Bottleneck channels B. */
  B: number;
  /** Hidden channels H of the depthwise stage. */
  H: number;
  /** Skip-connection channels Sc. */
  Sc: number;
  /** Depthwise kernel P. */
  P: number;
  /** Blocks per repeat X (dilations 1 … 2^(X−1)). */
  X: number;
  /** Repeats R. */
  R: number;
  /** Sources S. */
  S: number;
  /** Mask nonlinearity: "relu" (the VI-EMD thesis and asteroid; the presets) or "sigmoid" (Luo & Mesgarani 2019). */
  maskActivation: "sigmoid" | "relu";
  /** When present, the masker is the improved SuDoRMRF module (lib/nets/sudormrf) instead of the TCN (X, R, H, Sc, P unused). */
  sudormrf?: { blocks: number; depth: number; hidden: number };
  /**
   * Training loss: −SI-SDR (absent or "si-sdr", the Conv-TasNet loss) or "blr", the negative BLR evidence of
   * the sources given the estimates under utterance-level PIT, summed over sources (the VI-EMD supplement's
   * "TasNet trained with the BLR", Table 3; DEFAULT_BLR_PRIOR).
   */
  loss?: "si-sdr" | "blr";
}

/** The small model for the synthetic Gaussian-pulse mixtures (seed 001: "reduced … filters/channels"). */
export const CONV_TASNET_SYNTHETIC: ConvTasNetConfig = Object.freeze({
  kind: "conv-tasnet",
  N: 32,
  L: 16,
  stride: 8,
  B: 16,
  H: 16,
  Sc: 8,
  P: 3,
  X: 8,
  R: 1,
  S: 2,
  maskActivation: "relu",
}) as ConvTasNetConfig;

/** The paper's best causal-free configuration (Table I; asteroid's LibriMix recipe): ≈5.05M parameters. */
export const CONV_TASNET_LIBRIMIX: ConvTasNetConfig = Object.freeze({
  kind: "conv-tasnet",
  N: 512,
  L: 16,
  stride: 8,
  B: 128,
  H: 512,
  Sc: 128,
  P: 3,
  X: 8,
  R: 3,
  S: 2,
  maskActivation: "relu",
}) as ConvTasNetConfig;

/** The synthetic model with a small SuDoRMRF masker (4 U-blocks of depth 4 at 32 channels; our sizes). */
export const SUDORMRF_SYNTHETIC: ConvTasNetConfig = Object.freeze({
  ...CONV_TASNET_SYNTHETIC,
  sudormrf: { blocks: 4, depth: 4, hidden: 32 },
}) as ConvTasNetConfig;

/** Only the masker replaced, as the VI-EMD paper does (App. J): SuDoRMRF-improved's 16 U-blocks of depth 4, 512 channels. */
export const SUDORMRF_LIBRIMIX: ConvTasNetConfig = Object.freeze({
  ...CONV_TASNET_LIBRIMIX,
  sudormrf: { blocks: 16, depth: 4, hidden: 512 },
}) as ConvTasNetConfig;

export const CONV_TASNET_PRESETS: Readonly<Record<string, ConvTasNetConfig>> = Object.freeze({
  synthetic: CONV_TASNET_SYNTHETIC,
  librimix: CONV_TASNET_LIBRIMIX,
  "sudormrf-synthetic": SUDORMRF_SYNTHETIC,
  "sudormrf-librimix": SUDORMRF_LIBRIMIX,
});

/** A preset by name (a fresh copy), or an error listing the names. */
export function convTasNetPreset(name: string): ConvTasNetConfig {
  const c = CONV_TASNET_PRESETS[name];
  if (!c)
    throw new Error(
      `lib/models/conv-tasnet: no preset "${name}" (have: ${Object.keys(CONV_TASNET_PRESETS).join(", ")})`,
    );
  return JSON.parse(JSON.stringify(c)) as ConvTasNetConfig;
}

function checkConfig(c: ConvTasNetConfig): void {
  const where = "lib/models/conv-tasnet config";
  if (c.kind !== "conv-tasnet") throw new Error(`${where}: kind must be "conv-tasnet", got ${JSON.stringify(c.kind)}`);
  for (const f of ["N", "L", "stride", "B", "H", "Sc", "P", "X", "R", "S"] as const) {
    const v = c[f];
    if (!(typeof v === "number" && Number.isInteger(v) && v >= 1))
      throw new Error(`${where}: ${f} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (c.P % 2 !== 1) throw new Error(`${where}: P (depthwise kernel) must be odd, got ${c.P}`);
  if (c.stride > c.L) throw new Error(`${where}: stride ${c.stride} must not exceed L ${c.L}`);
  if (c.maskActivation !== "sigmoid" && c.maskActivation !== "relu")
    throw new Error(`${where}: maskActivation must be "sigmoid" or "relu", got ${JSON.stringify(c.maskActivation)}`);
  if (c.loss !== undefined && c.loss !== "si-sdr" && c.loss !== "blr")
    throw new Error(`${where}: loss must be "si-sdr" or "blr", got ${JSON.stringify(c.loss)}`);
  if (c.sudormrf)
    for (const f of ["blocks", "depth", "hidden"] as const) {
      const v = c.sudormrf[f];
      if (!(Number.isInteger(v) && v >= 1))
        throw new Error(`${where}: sudormrf.${f} must be a positive integer, got ${JSON.stringify(v)}`);
    }
}

/** The masker's specification for a config whose head outputs `perMask` values per source and channel. */
export function tasnetMaskerSpec(c: ConvTasNetConfig, perMask = 1): TcnMaskerSpec {
  return {
    inChannels: c.N,
    bottleneck: c.B,
    hidden: c.H,
    skip: c.Sc,
    kernel: c.P,
    blocks: c.X,
    repeats: c.R,
    outChannels: perMask * c.S * c.N,
  };
}

function sudormrfSpec(c: ConvTasNetConfig, perMask: number): SudormrfSpec {
  return {
    inChannels: c.N,
    bottleneck: c.B,
    hidden: c.sudormrf!.hidden,
    blocks: c.sudormrf!.blocks,
    depth: c.sudormrf!.depth,
    outChannels: perMask * c.S * c.N,
  };
}

/** The masker of a config (TCN or SuDoRMRF) with `perMask` head outputs per source and channel: w [B, F, N] → [B, F, perMask·S·N]. */
export function createMasker(store: ParamStore, c: ConvTasNetConfig, perMask = 1): (w: tf.Tensor) => tf.Tensor3D {
  if (c.sudormrf) {
    const p = createSudormrf(store, "masker", sudormrfSpec(c, perMask));
    return (w) => sudormrf(w, p);
  }
  const p = createTcnMasker(store, "masker", tasnetMaskerSpec(c, perMask));
  return (w) => tcnMasker(w, p);
}

/** The parameter count from the formula (equals ConvTasNet.parameterCount()). */
export function convTasNetParameterCount(c: ConvTasNetConfig): number {
  const masker = c.sudormrf ? sudormrfParameterCount(sudormrfSpec(c, 1)) : tcnMaskerParameterCount(tasnetMaskerSpec(c));
  return 2 * c.N * c.L /* encoder and decoder filters, no biases */ + masker;
}

/** A separation batch: the mixtures and their sources. */
export interface SeparationBatch {
  /** [B, T] */
  mix: tf.Tensor;
  /** [B, S, T] */
  sources: tf.Tensor;
}

export interface SeparationObjective {
  /** [B] the PIT SI-SDR of the estimates, dB (higher is better). */
  siSdr: tf.Tensor1D;
  /** [B] int32 index into `perms` of the chosen assignment. */
  perm: tf.Tensor1D;
  perms: number[][];
}

/**
 * Conv-TasNet with parameters in a ParamStore: `enc/w`, `masker/gln`, `masker/bottleneck`,
 * `masker/r<r>/b<x>/…` (TCN blocks), `masker/prelu`, `masker/mask`, `dec/w`.
 */
export class ConvTasNet implements TrainableModel {
  readonly store: ParamStore;
  readonly config: ConvTasNetConfig;
  readonly encoder: Conv1dParams;
  private readonly masker: (w: tf.Tensor) => tf.Tensor3D;
  readonly decoder: ConvTranspose1dParams;
  readonly variables: Record<string, tf.Variable>;

  constructor(config: ConvTasNetConfig, rng: Rng) {
    checkConfig(config);
    this.config = JSON.parse(JSON.stringify(config)) as ConvTasNetConfig;
    const c = this.config;
    this.store = new ParamStore(rng);
    this.encoder = createConv1d(this.store, "enc", {
      inChannels: 1,
      outChannels: c.N,
      kernel: c.L,
      stride: c.stride,
      padding: "valid",
      bias: false,
      activation: "relu",
    });
    this.masker = createMasker(this.store, c);
    this.decoder = createConvTranspose1d(this.store, "dec", {
      inChannels: c.N,
      outChannels: 1,
      kernel: c.L,
      stride: c.stride,
      bias: false,
    });
    this.variables = this.store.variables();
  }

  /** Frames F for T samples (after zero-padding T up to the next length the strided encoder covers exactly). */
  frames(T: number): number {
    const { L, stride } = this.config;
    return T <= L ? 1 : Math.ceil((T - L) / stride) + 1;
  }

  private checkMix(mix: tf.Tensor, where: string): tf.Tensor2D {
    if (mix.rank !== 2) throw new Error(`ConvTasNet.${where}: the mixture must have shape [B, T], got [${mix.shape}]`);
    return mix as tf.Tensor2D;
  }

  /** Encoder output w = ReLU(conv1d(x)) [B, F, N] (x zero-padded at the end to (F−1)·stride + L). */
  encode(mix: tf.Tensor): tf.Tensor3D {
    const x = this.checkMix(mix, "encode");
    const [B, T] = x.shape;
    const Tp = (this.frames(T) - 1) * this.config.stride + this.config.L;
    return tf.tidy(() => {
      const xp =
        Tp > T
          ? tf.pad(x, [
              [0, 0],
              [0, Tp - T],
            ])
          : x;
      return conv1d(tf.reshape(xp, [B, Tp, 1]), this.encoder);
    });
  }

  /** Masks [B, S, F, N] from the encoding w [B, F, N]: ≥ 0 (relu) or in (0, 1) (sigmoid). */
  masks(w: tf.Tensor): tf.Tensor4D {
    const c = this.config;
    if (w.rank !== 3 || w.shape[2] !== c.N)
      throw new Error(`ConvTasNet.masks: the encoding must have shape [B, F, ${c.N}], got [${w.shape}]`);
    const [B, F] = w.shape;
    return tf.tidy(() => {
      const logits = this.masker(w); // [B, F, S·N]
      const m = c.maskActivation === "sigmoid" ? tf.sigmoid(logits) : tf.relu(logits);
      return tf.transpose(tf.reshape(m, [B, F, c.S, c.N]), [0, 2, 1, 3]) as tf.Tensor4D;
    });
  }

  /** Waveforms [B, S, T] from masked encodings [B, S, F, N] (cropped to T samples). */
  decode(masked: tf.Tensor, T: number): tf.Tensor3D {
    const c = this.config;
    if (masked.rank !== 4 || masked.shape[3] !== c.N)
      throw new Error(`ConvTasNet.decode: masked encodings must have shape [B, S, F, ${c.N}], got [${masked.shape}]`);
    const [B, S, F] = masked.shape;
    return tf.tidy(() => {
      const y = convTranspose1d(tf.reshape(masked, [B * S, F, c.N]), this.decoder); // [B·S, T', 1]
      const Tout = y.shape[1];
      const wave = tf.reshape(y, [B, S, Tout]);
      return (Tout > T ? tf.slice(wave, [0, 0, 0], [B, S, T]) : wave) as tf.Tensor3D;
    });
  }

  /** Estimated sources [B, S, T] for mixtures [B, T]. */
  separate(mix: tf.Tensor): tf.Tensor3D {
    const x = this.checkMix(mix, "separate");
    return tf.tidy(() => {
      const w = this.encode(x);
      const m = this.masks(w);
      return this.decode(tf.mul(m, tf.expandDims(w, 1)), x.shape[1]);
    });
  }

  /** PIT SI-SDR of the separated mixture against the sources [B, S, T]. Call inside tf.tidy. */
  objective(mix: tf.Tensor, sources: tf.Tensor): SeparationObjective {
    const x = this.checkMix(mix, "objective");
    const c = this.config;
    if (
      sources.rank !== 3 ||
      sources.shape[0] !== x.shape[0] ||
      sources.shape[1] !== c.S ||
      sources.shape[2] !== x.shape[1]
    ) {
      throw new Error(
        `ConvTasNet.objective: sources must have shape [${x.shape[0]}, ${c.S}, ${x.shape[1]}], got [${sources.shape}]`,
      );
    }
    let perms: number[][] = [];
    const [siSdr, perm] = tf.tidy(() => {
      const r = pitSiSdr(this.separate(x), sources);
      perms = r.perms;
      return [r.value, r.perm];
    });
    return { siSdr: siSdr as tf.Tensor1D, perm: perm as tf.Tensor1D, perms };
  }

  /**
   * Training step for the loop: a record whose distortion is −SI-SDR (dB, the Conv-TasNet loss) and
   * whose rate is 0 (a deterministic TasNet has none; VI-TasNet adds the encoding and mask rates).
   * The batch is {mix [B, T], sources [B, S, T]}.
   */
  step(batch: Batch, _ctx: StepContext): RateDistortion {
    if (batch instanceof tf.Tensor || !batch.mix || !batch.sources) {
      const has = batch instanceof tf.Tensor ? "a plain tensor" : Object.keys(batch).join(", ") || "none";
      throw new Error(`ConvTasNet.step: the batch must be {mix, sources} (has: ${has})`);
    }
    return tf.tidy(() => {
      const distortion =
        this.config.loss === "blr"
          ? this.blrDistortion(batch.mix, batch.sources)
          : tf.neg(this.objective(batch.mix, batch.sources).siSdr);
      return rateDistortion({ distortion, rate: tf.zerosLike(distortion) }) as unknown as tf.TensorContainer;
    }) as unknown as RateDistortion;
  }

  /** [B] Σ_i −log p_BLR(s_π(i) | ŝ_i) under utterance-level PIT (the "blr" loss, nats). Call inside tf.tidy. */
  blrDistortion(mix: tf.Tensor, sources: tf.Tensor): tf.Tensor1D {
    const est = this.separate(mix);
    const [B, S, T] = est.shape;
    if (sources.rank !== 3 || sources.shape[0] !== B || sources.shape[1] !== S || sources.shape[2] !== T) {
      throw new Error(`ConvTasNet.blrDistortion: sources must have shape [${B}, ${S}, ${T}], got [${sources.shape}]`);
    }
    return pitBlrDistortion(est, sources);
  }

  /** Scalar loss −mean PIT SI-SDR (dB) for a batch. Call inside tf.tidy / a gradient function. */
  loss(mix: tf.Tensor, sources: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const { siSdr, perm } = this.objective(mix, sources);
      perm.dispose();
      return tf.neg(tf.mean(siSdr)) as tf.Scalar;
    });
  }

  parameterCount(): number {
    return this.store.count();
  }

  dispose(): void {
    this.store.dispose();
  }
}

/**
 * [B] Σ_i −log p_BLR(s_π(i) | ŝ_i) of estimates [B, S, T] against sources [B, S, T] under utterance-level PIT,
 * with DEFAULT_BLR_PRIOR (nats). Call inside tf.tidy.
 */
export function pitBlrDistortion(est: tf.Tensor, sources: tf.Tensor): tf.Tensor1D {
  const [B, S, T] = est.shape;
  const shape = [B, S, S, T];
  const nll = tf.neg(
    blrLogEvidence(
      tf.broadcastTo(tf.expandDims(sources, 1), shape),
      tf.broadcastTo(tf.expandDims(est, 2), shape),
      DEFAULT_BLR_PRIOR,
    ),
  );
  return tf.mul(permutationInvariant(nll, "min").value, S) as tf.Tensor1D;
}

export function createConvTasNet(config: ConvTasNetConfig, rng: Rng): ConvTasNet {
  return new ConvTasNet(config, rng);
}
