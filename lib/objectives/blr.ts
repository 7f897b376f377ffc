// Scale-aware likelihoods of VI-EMD (thesis App. B, supplement H and I):
//
//  - The Bayesian linear regression (BLR) evidence: the target s (length T) is regressed on the estimate
//    s̃ as its only predictor, s_t = s̃_t γ + ε_t, ε_t ~ N(0, σ²), with the conjugate prior
//    σ² ~ Inv-Gamma(a₀, b₀), γ | σ² ~ N(μ₀, σ²/λ₀). Integrating out γ and σ² (Eq. 52–55):
//      λ_T = s̃ᵀs̃ + λ₀,  μ_T = (λ₀μ₀ + s̃ᵀs)/λ_T,  a_T = a₀ + T/2,  b_T = b₀ + ½(sᵀs + λ₀μ₀² − λ_T μ_T²),
//      log p(s | s̃) = −(T/2) log 2π + ½ log λ₀ − ½ log λ_T + a₀ log b₀ − a_T log b_T + log Γ(a_T) − log Γ(a₀).
//    (Eq. 52 writes μ_T with s̃ᵀs̃ γ̂ = s̃ᵀs, the same thing.) The training loss is its negative; Eq. 56
//    drops the constants: L_BLR = ½ log λ_T + a_T log b_T. With a weak prior it is invariant to rescaling
//    the estimate up to the Jacobian-like ½ log λ_T term, and relates to the negative SI-SDR through the
//    squared cosine between s and s̃ (H.1, Eq. 64–69; tested).
//    The paper does not state its prior parameters; DEFAULT_BLR_PRIOR is a weak prior of ours.
//  - The multivariate Cauchy (Student-t with ν = 1, Eq. 70) with diagonal Σ = diag(σ_t²):
//      log MVC(x; μ, Σ) = lgamma((1 + T)/2) − lgamma(½) − (T/2) log π − Σ_t log σ_t − ((1 + T)/2) log(1 + Σ_t ((x_t − μ_t)/σ_t)²).
import * as tf from "@tensorflow/tfjs";
import { lgammaScalar, log1p } from "../prob/special";

export interface BlrPrior {
  /** Inv-Gamma shape and scale of σ². */
  a0: number;
  b0: number;
  /** Prior mean and precision (in units of 1/σ²) of the regression coefficient γ. */
  mu0: number;
  lambda0: number;
}

/** A weak prior (ours; the paper does not give its values): b₀ and λ₀ small next to sᵀs and s̃ᵀs̃ of audio. */
export const DEFAULT_BLR_PRIOR: Readonly<BlrPrior> = Object.freeze({ a0: 0.5, b0: 1e-6, mu0: 0, lambda0: 1e-6 });

function checkPrior(p: BlrPrior): void {
  if (!(p.a0 > 0 && p.b0 > 0 && p.lambda0 > 0 && Number.isFinite(p.mu0)))
    throw new Error(`BLR prior: need a0, b0, lambda0 > 0 and a finite mu0, got ${JSON.stringify(p)}`);
}

function checkPair(s: tf.Tensor, est: tf.Tensor, where: string): number {
  if (s.rank < 1 || s.shape.length !== est.shape.length || s.shape.some((d, i) => d !== est.shape[i])) {
    throw new Error(
      `${where}: target and estimate must have the same shape [..., T], got [${s.shape}] and [${est.shape}]`,
    );
  }
  return s.shape[s.rank - 1];
}

/** The posterior quantities λ_T, μ_T, a_T, b_T over the last (time) axis: each [...]. */
export function blrPosterior(
  s: tf.Tensor,
  est: tf.Tensor,
  prior: BlrPrior = DEFAULT_BLR_PRIOR,
): { lambdaT: tf.Tensor; muT: tf.Tensor; aT: number; bT: tf.Tensor } {
  checkPrior(prior);
  const T = checkPair(s, est, "blrPosterior");
  return tf.tidy(() => {
    const ee = tf.sum(tf.square(est), -1),
      es = tf.sum(tf.mul(est, s), -1);
    const lambdaT = tf.add(ee, prior.lambda0);
    const muT = tf.div(tf.add(es, prior.lambda0 * prior.mu0), lambdaT);
    // sᵀs + λ₀μ₀² − λ_T μ_T² written as |s − μ_T s̃|² + λ₀(μ_T − μ₀)² (the same quantity): the difference of two
    // nearly equal sums loses most float32 digits when s̃ fits s well (≈ 5 nats at T = 16 000, 40 dB SNR)
    const resid = tf.sum(tf.square(tf.sub(s, tf.mul(tf.expandDims(muT, -1), est))), -1);
    const bT = tf.add(prior.b0, tf.mul(0.5, tf.add(resid, tf.mul(prior.lambda0, tf.square(tf.sub(muT, prior.mu0))))));
    return { lambdaT, muT, aT: prior.a0 + T / 2, bT };
  });
}

/** log p(s | s̃) (Eq. 55), nats, over the last axis: [..., T] × [..., T] → [...]. */
export function blrLogEvidence(s: tf.Tensor, est: tf.Tensor, prior: BlrPrior = DEFAULT_BLR_PRIOR): tf.Tensor {
  const T = checkPair(s, est, "blrLogEvidence");
  return tf.tidy(() => {
    const { lambdaT, aT, bT } = blrPosterior(s, est, prior);
    const c =
      -(T / 2) * Math.log(2 * Math.PI) +
      0.5 * Math.log(prior.lambda0) +
      prior.a0 * Math.log(prior.b0) +
      lgammaScalar(aT) -
      lgammaScalar(prior.a0);
    return tf.sub(tf.sub(c, tf.mul(0.5, tf.log(lambdaT))), tf.mul(aT, tf.log(bT)));
  });
}

/** The BLR loss of Eq. 56, ½ log λ_T + a_T log b_T (the negative evidence without its constants). */
export function blrLoss(s: tf.Tensor, est: tf.Tensor, prior: BlrPrior = DEFAULT_BLR_PRIOR): tf.Tensor {
  checkPair(s, est, "blrLoss");
  return tf.tidy(() => {
    const { lambdaT, aT, bT } = blrPosterior(s, est, prior);
    return tf.add(tf.mul(0.5, tf.log(lambdaT)), tf.mul(aT, tf.log(bT)));
  });
}

/** log MVC(x; μ, diag(σ²)) (Eq. 70) over the last axis, nats: x, μ, σ [..., T] → [...]. */
export function mvcLogDensity(x: tf.Tensor, mu: tf.Tensor, scale: tf.Tensor): tf.Tensor {
  const T = checkPair(x, mu, "mvcLogDensity");
  checkPair(x, scale, "mvcLogDensity (scale)");
  return tf.tidy(() => {
    const c = lgammaScalar((1 + T) / 2) - lgammaScalar(0.5) - (T / 2) * Math.log(Math.PI);
    const q = tf.sum(tf.square(tf.div(tf.sub(x, mu), scale)), -1);
    return tf.sub(tf.sub(c, tf.sum(tf.log(scale), -1)), tf.mul((1 + T) / 2, log1p(q)));
  });
}
