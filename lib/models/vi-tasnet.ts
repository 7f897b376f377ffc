// VI-TasNet (thesis App. B, Sec. 3 and supplement B, E, F): the Conv-TasNet's encoder–masker–decoder with
// distributions over the encodings and the masks.
//
//   encoder   conv1d(x): distribution parameters per frame (stride = L/2): "gaussian" N(μ, σ²) or
//             "lognormal" LN(μ, σ²) from 2N channels (σ through softplus), or "gamma" Γ(c, 1) from N
//             channels (c through softplus; rate fixed at 1 as App. F, Eq. 40, so no extra parameters);
//   masker    the TCN (lib/nets/tcn), or SuDoRMRF when the sizes say so (VI-SuDoRMRF), on a sample z,
//             head 2·S·N: per source a "lognormal" LN(μ, σ²) or
//             "beta" Beta(a, b) mask distribution over [F, N];
//   decoder   transposed conv1d of m_i ⊙ z per source → estimates ŝ [B, S, T].
// ELBO (Eq. 34) = −D_S − R_z − R_M per mixture, single-sample:
//   D_S  Σ_i −log p(s_π(i) | ŝ_i) under utterance-level PIT, with the BLR evidence (lib/objectives/blr),
//        or the multivariate Cauchy "mvc" (supplement I, Eq. 70; diagonal scale σ_{i,t} from a second
//        transposed-conv decoder of m_i ⊙ z, softplus) — or, for comparison, −SI-SDR (dB; not a
//        likelihood, the deterministic TasNet's loss);
//   R_z  Σ_{t', k} KL(q(z) ‖ p(z)),  R_M  Σ_{i, t', k} KL(q(m_i) ‖ p(m)), analytic (lib/prob kl) or the
//        single-sample Monte-Carlo estimate log q − log p at the drawn sample (the paper used the latter
//        for its clean-condition results, App. J).
// Priors (App. F, Eq. 35–36): N(0, 1), LN(0, 1) or Γ(½, 1) for encodings; LN(0.9, 1) (Eq. 35) or
// Beta(1, 1) for masks (App. F's text and K.2's synthetic models say LN(0, 1): pass maskPrior).
// Encoding prior kinds: "static" (the above); "flow", a learned MADE autoregressive flow over the N
// channels of each frame (lib/prob/made-flow; its rate is always the Monte-Carlo estimate); "adaptive"
// (Eq. 5), the convolution of the single sources' encodings q(z_a|s_a) ⊗ q(z_b|s_b) — N(μ_a + μ_b,
// σ_a² + σ_b²) or Γ(c_a + c_b, 1) — with the single-source rates KL(q(z_i|s_i) ‖ p₀) added (term "sources").
// Multitask (App. D): adds the single-source autoencoding distortion Σ_i −log p(s_i | dec(z_i)) and the
// mixture autoencoding distortion −log p(x | dec(z)); the mixture ELBO −(D_mix + KL(q(z|x) ‖ p₀)) needs no
// sources and is the uncertainty measure of Fig. 3.
// The record's terms "z" and "mask" (with their per-element rates in termElements) let lib/objectives
// weight and free-bit them separately (perTermRates, Eq. 37) or drive their sum toward a target (E.2).
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
import { BlrPrior, DEFAULT_BLR_PRIOR, blrLogEvidence, mvcLogDensity } from "../objectives/blr";
import { RateDistortion, rateDistortion } from "../objectives/rate-distortion";
import { permutationInvariant, pairwiseSiSdr, pitSiSdr } from "../objectives/si-sdr";
import { Beta } from "../prob/beta";
import type { Distribution } from "../prob/distribution";
import { Gamma } from "../prob/gamma";
import { kl } from "../prob/kl";
import { LogNormal } from "../prob/lognormal";
import { MadeFlowPrior } from "../prob/made-flow";
import { Normal } from "../prob/normal";
import type { Batch } from "../train/batches";
import type { StepContext, TrainableModel } from "../train/loop";
import { ConvTasNetConfig, createMasker } from "./conv-tasnet";

export type EncodingFamily = "gaussian" | "lognormal" | "gamma";
export type MaskFamily = "lognormal" | "beta";

export interface ViTasNetConfig {
  kind: "vi-tasnet";
  /**
   * Sizes (N, L, stride, B, H, Sc, P, X, R, S) as for Conv-TasNet. Its maskActivation does not apply (the masks
   * are distributions): viTasNetConfig stores it as "sigmoid" whatever the sizes carry, so a VI-TasNet's run key
   * does not change with the deterministic TasNet's mask activation (the presets' switch to ReLU kept every
   * VI-TasNet run).
   */
  tasnet: ConvTasNetConfig;
  encoding: EncodingFamily;
  mask: MaskFamily;
  /** Prior parameters: (loc, scale) for gaussian / lognormal, (concentration, rate) for gamma, (a, b) for beta. */
  encodingPrior: [number, number];
  maskPrior: [number, number];
  /** "mvc": the multivariate Cauchy of supplement I (Eq. 70) with a per-time-step scale from a second decoder. */
  likelihood: "blr" | "si-sdr" | "mvc";
  blrPrior: BlrPrior;
  kl: "analytic" | "monte-carlo";
  /** The encoding prior: the static one above, a learned flow, or the adaptive prior of Eq. 5. */
  prior: { kind: "static" } | { kind: "flow"; hidden: number[]; flows: number } | { kind: "adaptive" };
  /** Add the single-source and mixture autoencoding tasks (App. D). */
  multitask: boolean;
}

const DEFAULT_ENCODING_PRIOR: Record<EncodingFamily, [number, number]> = {
  gaussian: [0, 1],
  lognormal: [0, 1],
  gamma: [0.5, 1],
};
const DEFAULT_MASK_PRIOR: Record<MaskFamily, [number, number]> = { lognormal: [0.9, 1], beta: [1, 1] };

/** Fill defaults: the paper's main model is Gaussian encodings, log-normal masks, BLR likelihood, analytic KL. */
export function viTasNetConfig(c: Partial<ViTasNetConfig> & { tasnet: ConvTasNetConfig }): ViTasNetConfig {
  const encoding = c.encoding ?? "gaussian",
    mask = c.mask ?? "lognormal";
  const cfg: ViTasNetConfig = {
    kind: "vi-tasnet",
    tasnet: { ...c.tasnet, maskActivation: "sigmoid" },
    encoding,
    mask,
    encodingPrior: c.encodingPrior ?? DEFAULT_ENCODING_PRIOR[encoding],
    maskPrior: c.maskPrior ?? DEFAULT_MASK_PRIOR[mask],
    likelihood: c.likelihood ?? "blr",
    blrPrior: c.blrPrior ?? { ...DEFAULT_BLR_PRIOR },
    kl: c.kl ?? "analytic",
    prior: c.prior ?? { kind: "static" },
    multitask: c.multitask ?? false,
  };
  const where = "lib/models/vi-tasnet config";
  if (!["gaussian", "lognormal", "gamma"].includes(cfg.encoding))
    throw new Error(`${where}: encoding must be gaussian, lognormal or gamma, got ${JSON.stringify(cfg.encoding)}`);
  if (!["lognormal", "beta"].includes(cfg.mask))
    throw new Error(`${where}: mask must be lognormal or beta, got ${JSON.stringify(cfg.mask)}`);
  if (!["blr", "si-sdr", "mvc"].includes(cfg.likelihood))
    throw new Error(`${where}: likelihood must be blr, si-sdr or mvc, got ${JSON.stringify(cfg.likelihood)}`);
  if (!["analytic", "monte-carlo"].includes(cfg.kl))
    throw new Error(`${where}: kl must be analytic or monte-carlo, got ${JSON.stringify(cfg.kl)}`);
  if (!["static", "flow", "adaptive"].includes(cfg.prior.kind))
    throw new Error(`${where}: prior.kind must be static, flow or adaptive, got ${JSON.stringify(cfg.prior.kind)}`);
  if (cfg.prior.kind === "adaptive" && cfg.encoding === "lognormal")
    throw new Error(
      `${where}: the adaptive prior needs encodings with closed-form sums (gaussian or gamma), not lognormal`,
    );
  if (cfg.multitask && cfg.likelihood !== "blr")
    throw new Error(`${where}: the multitask model's autoencoding distortions use the BLR likelihood`);
  for (const [name, [a, b]] of [
    ["encodingPrior", cfg.encodingPrior],
    ["maskPrior", cfg.maskPrior],
  ] as const) {
    const firstPositive =
      (name === "encodingPrior" && cfg.encoding === "gamma") || (name === "maskPrior" && cfg.mask === "beta");
    if (!(Number.isFinite(a) && b > 0 && (!firstPositive || a > 0)))
      throw new Error(`${where}: ${name} must be [finite, > 0] (both > 0 for gamma and beta), got [${a}, ${b}]`);
  }
  return cfg;
}

const MIN_PARAM = 1e-4;
const positive = (t: tf.Tensor) => tf.add(tf.softplus(t), MIN_PARAM);

function distribution(family: EncodingFamily | MaskFamily, a: tf.Tensor | number, b: tf.Tensor | number): Distribution {
  if (family === "gaussian") return new Normal(a, b);
  if (family === "lognormal") return new LogNormal(a, b);
  if (family === "gamma") return new Gamma(a, b);
  return new Beta(a, b);
}

/** What one pass produces (tensors owned by the enclosing tidy). */
export interface ViTasNetForward {
  record: RateDistortion;
  /** Encoding sample z [B, F, N], mask samples [B, S, F, N], estimates [B, S, T]. */
  z: tf.Tensor;
  masks: tf.Tensor;
  estimates: tf.Tensor;
  /** Per-example PIT SI-SDR of the estimates (dB). */
  siSdr: tf.Tensor;
  /** The separation distortion D_S alone (the record's distortion adds the autoencoding ones in multitask). */
  separationDistortion: tf.Tensor;
  /** Multitask only: mixture autoencoding distortion and the mixture ELBO −(D_mix + KL(q(z|x) ‖ p₀)). */
  mixtureDistortion?: tf.Tensor;
  mixtureElbo?: tf.Tensor;
}

export class ViTasNet implements TrainableModel {
  readonly store: ParamStore;
  readonly variables: Record<string, tf.Variable>;
  private readonly encoder: Conv1dParams;
  private readonly masker: (w: tf.Tensor) => tf.Tensor3D;
  private readonly decoder: ConvTranspose1dParams;
  private readonly flow: MadeFlowPrior | null;
  /** MVC likelihood only: the transposed conv giving the per-time-step scale of each estimate. */
  private readonly scaleDecoder: ConvTranspose1dParams | null;

  constructor(
    readonly config: ViTasNetConfig,
    rng: Rng,
  ) {
    const c = config.tasnet;
    this.store = new ParamStore(rng);
    const pr = config.prior;
    this.flow =
      pr.kind === "flow"
        ? new MadeFlowPrior(this.store, "prior", { dim: c.N, hidden: pr.hidden, flows: pr.flows })
        : null;
    this.encoder = createConv1d(this.store, "enc", {
      inChannels: 1,
      outChannels: (config.encoding === "gamma" ? 1 : 2) * c.N,
      kernel: c.L,
      stride: c.stride,
      padding: "valid",
    });
    this.masker = createMasker(this.store, c, 2);
    this.decoder = createConvTranspose1d(this.store, "dec", {
      inChannels: c.N,
      outChannels: 1,
      kernel: c.L,
      stride: c.stride,
      bias: false,
    });
    this.scaleDecoder =
      config.likelihood === "mvc"
        ? createConvTranspose1d(this.store, "dec-scale", {
            inChannels: c.N,
            outChannels: 1,
            kernel: c.L,
            stride: c.stride,
            bias: true,
          })
        : null;
    this.variables = this.store.variables();
  }

  /** MVC likelihood: the per-time-step scales σ [B, S, T] (softplus, > 0) of the estimates from masked encodings [B, S, F, N]. */
  decodeScale(masked: tf.Tensor, T: number): tf.Tensor {
    if (!this.scaleDecoder) throw new Error("ViTasNet.decodeScale: only the mvc likelihood has a scale decoder");
    const c = this.config.tasnet;
    const [B, S, F] = masked.shape;
    const y = positive(convTranspose1d(tf.reshape(masked, [B * S, F, c.N]), this.scaleDecoder));
    const Tout = y.shape[1] as number;
    const wave = tf.reshape(y, [B, S, Tout]);
    return Tout > T ? tf.slice(wave, [0, 0, 0], [B, S, T]) : wave;
  }

  frames(T: number): number {
    const { L, stride } = this.config.tasnet;
    return T <= L ? 1 : Math.ceil((T - L) / stride) + 1;
  }

  /** q(z | x): the encoding distribution over [B, F, N]. */
  encodingDistribution(mix: tf.Tensor): Distribution {
    if (mix.rank !== 2) throw new Error(`ViTasNet: the mixture must have shape [B, T], got [${mix.shape}]`);
    const c = this.config.tasnet;
    const [B, T] = mix.shape as [number, number];
    const Tp = (this.frames(T) - 1) * c.stride + c.L;
    const xp =
      Tp > T
        ? tf.pad(mix, [
            [0, 0],
            [0, Tp - T],
          ])
        : mix;
    const h = conv1d(tf.reshape(xp, [B, Tp, 1]), this.encoder);
    if (this.config.encoding === "gamma") return distribution("gamma", positive(h), 1);
    const [a, b] = tf.split(h, 2, 2);
    return distribution(this.config.encoding, a, positive(b));
  }

  /** q(M | z): the mask distributions over [B, S, F, N]. */
  maskDistribution(z: tf.Tensor): Distribution {
    const c = this.config.tasnet;
    const [B, F] = z.shape as [number, number, number];
    const h = tf.reshape(this.masker(z), [B, F, 2, c.S, c.N]);
    const [a, b] = tf.split(tf.transpose(h, [2, 0, 3, 1, 4]), 2, 0).map((t) => tf.squeeze(t, [0])); // each [B, S, F, N]
    return this.config.mask === "beta"
      ? distribution("beta", positive(a), positive(b))
      : distribution("lognormal", a, positive(b));
  }

  decode(masked: tf.Tensor, T: number): tf.Tensor {
    const c = this.config.tasnet;
    const [B, S, F] = masked.shape;
    const y = convTranspose1d(tf.reshape(masked, [B * S, F, c.N]), this.decoder);
    const wave = tf.reshape(y, [B, S, y.shape[1]]);
    return y.shape[1] > T ? tf.slice(wave, [0, 0, 0], [B, S, T]) : wave;
  }

  /** Per-element rates [B, E] (analytic KL or the single-sample estimate) of q against p. */
  private rateElements(q: Distribution, p: Distribution, sample: tf.Tensor): tf.Tensor {
    const elem = this.config.kl === "analytic" ? kl(q, p) : tf.sub(q.logProb(sample), p.logProb(sample));
    return tf.reshape(elem, [elem.shape[0], -1]);
  }

  private rate(q: Distribution, p: Distribution, sample: tf.Tensor): tf.Tensor {
    return tf.sum(this.rateElements(q, p, sample), 1);
  }

  /** Σ_{t,k} −log p(target | estimate) with the BLR evidence over time: [B, ..., T] pairs → [B]. */
  private blrNll(target: tf.Tensor, estimate: tf.Tensor): tf.Tensor {
    const nll = tf.neg(blrLogEvidence(target, estimate, this.config.blrPrior));
    return nll.rank > 1
      ? tf.sum(
          nll,
          nll.shape.slice(1).map((_, i) => i + 1),
        )
      : nll;
  }

  /**
   * One single-sample pass on mixtures [B, T] against sources [B, S, T]. `mean: true` uses the means of
   * the encoding and mask distributions instead of samples (evaluation). Call inside tf.tidy.
   */
  forward(mix: tf.Tensor, sources: tf.Tensor, rng: Rng, o: { mean?: boolean } = {}): ViTasNetForward {
    const c = this.config;
    const [B, T] = mix.shape as [number, number];
    if (sources.rank !== 3 || sources.shape[0] !== B || sources.shape[1] !== c.tasnet.S || sources.shape[2] !== T) {
      throw new Error(`ViTasNet: sources must have shape [${B}, ${c.tasnet.S}, ${T}], got [${sources.shape}]`);
    }
    const qz = this.encodingDistribution(mix);
    const p0 = distribution(c.encoding, ...c.encodingPrior);
    const z = o.mean ? qz.mean() : qz.sample(rng.fork("z"));
    const qm = this.maskDistribution(z);
    const pm = distribution(c.mask, ...c.maskPrior);
    const m = o.mean ? qm.mean() : qm.sample(rng.fork("mask"));
    const masked = tf.mul(m, tf.expandDims(z, 1));
    const estimates = this.decode(masked, T);
    const S = c.tasnet.S;
    let distortion: tf.Tensor;
    if (c.likelihood === "mvc") {
      // pairwise −log MVC(s_j; ŝ_i, diag(σ_i²)): [B, S_est, S_ref]
      const shape = [B, S, S, T];
      const est = tf.broadcastTo(tf.expandDims(estimates, 2), shape),
        scale = tf.broadcastTo(tf.expandDims(this.decodeScale(masked, T), 2), shape);
      const nll = tf.neg(mvcLogDensity(tf.broadcastTo(tf.expandDims(sources, 1), shape), est, scale));
      distortion = tf.mul(permutationInvariant(nll, "min").value, S);
    } else if (c.likelihood === "blr") {
      // pairwise −log p(s_j | ŝ_i): [B, S_est, S_ref]
      const shape = [B, S, S, T];
      const nll = tf.neg(
        blrLogEvidence(
          tf.broadcastTo(tf.expandDims(sources, 1), shape),
          tf.broadcastTo(tf.expandDims(estimates, 2), shape),
          c.blrPrior,
        ),
      );
      distortion = tf.mul(permutationInvariant(nll, "min").value, S);
    } else {
      distortion = tf.neg(permutationInvariant(pairwiseSiSdr(estimates, sources), "max").value);
    }
    const terms: Record<string, tf.Tensor> = {};
    const elements: Record<string, tf.Tensor> = {};
    let total = distortion;
    // single-source encodings (adaptive prior, multitask)
    const singles =
      c.prior.kind === "adaptive" || c.multitask
        ? Array.from({ length: S }, (_, i) =>
            this.encodingDistribution(tf.squeeze(tf.slice(sources, [0, i, 0], [B, 1, T]), [1])),
          )
        : [];
    if (this.flow) {
      // per frame: the flow's density is over the N channels of a frame
      elements.z = tf.sub(tf.sum(qz.logProb(z), 2), this.flow.logProb(z));
    } else if (c.prior.kind === "adaptive") {
      const sum = (f: (q: Distribution) => tf.Tensor) => tf.addN(singles.map(f));
      const adaptive =
        c.encoding === "gaussian"
          ? distribution(
              "gaussian",
              sum((q) => (q as Normal).loc),
              tf.sqrt(sum((q) => tf.square((q as Normal).scale))),
            )
          : distribution(
              "gamma",
              sum((q) => (q as Gamma).concentration),
              1,
            );
      elements.z = this.rateElements(qz, adaptive, z);
      terms.sources = tf.addN(
        singles.map((q, i) => this.rate(q, p0, o.mean ? q.mean() : q.sample(rng.fork(`source-z/${i}`)))),
      );
    } else {
      elements.z = this.rateElements(qz, p0, z);
    }
    elements.mask = this.rateElements(qm, pm, m);
    terms.z = tf.sum(elements.z, 1);
    terms.mask = tf.sum(elements.mask, 1);
    let mixtureDistortion: tf.Tensor | undefined, mixtureElbo: tf.Tensor | undefined;
    if (c.multitask) {
      const single = tf.addN(
        singles.map((q, i) => {
          const zi = o.mean ? q.mean() : q.sample(rng.fork(`source-ae/${i}`));
          const est = tf.squeeze(this.decode(tf.expandDims(zi, 1), T), [1]);
          return this.blrNll(tf.squeeze(tf.slice(sources, [0, i, 0], [B, 1, T]), [1]), est);
        }),
      );
      mixtureDistortion = this.blrNll(mix, tf.squeeze(this.decode(tf.expandDims(z, 1), T), [1]));
      mixtureElbo = tf.neg(tf.add(mixtureDistortion, this.rate(qz, p0, z)));
      total = tf.addN([distortion, single, mixtureDistortion]);
    }
    const record = rateDistortion({ distortion: total, terms, termElements: elements });
    return {
      record,
      z,
      masks: m,
      estimates,
      siSdr: pitSiSdr(estimates, sources).value,
      separationDistortion: distortion,
      ...(mixtureDistortion ? { mixtureDistortion, mixtureElbo } : {}),
    };
  }

  step(batch: Batch, ctx: StepContext): RateDistortion {
    if (batch instanceof tf.Tensor || !batch.mix || !batch.sources)
      throw new Error("ViTasNet.step: the batch must be {mix, sources}");
    return this.forward(batch.mix, batch.sources, ctx.rng).record;
  }

  parameterCount(): number {
    return this.store.count();
  }

  dispose(): void {
    this.flow?.dispose();
    this.store.dispose();
  }
}

export function createViTasNet(config: ViTasNetConfig, rng: Rng): ViTasNet {
  return new ViTasNet(config, rng);
}
