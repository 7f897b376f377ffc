// Kullback–Leibler divergences KL(p ‖ q) between batches of distributions: closed forms where they
// exist, and a Monte-Carlo estimate with its standard error for any pair.
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { Bernoulli } from "./bernoulli";
import { Beta } from "./beta";
import { addAll, Distribution } from "./distribution";
import { Gamma } from "./gamma";
import { fusedNormalKl } from "./gaussian-kernels";
import { LogNormal } from "./lognormal";
import { Normal } from "./normal";
import { digamma, lbeta, lgamma } from "./special";

/** KL between normals with means/standard deviations: log(σq/σp) + (σp² + (μp − μq)²)/(2σq²) − ½. */
function klGaussianParams(muP: tf.Tensor, sP: tf.Tensor, muQ: tf.Tensor, sQ: tf.Tensor): tf.Tensor {
  const fused = fusedNormalKl(muP, sP, muQ, sQ);
  if (fused) return fused;
  return tf.tidy(() => {
    const ratio = tf.div(sP, sQ);
    const dz = tf.div(tf.sub(muP, muQ), sQ);
    // log(σq/σp) = −log(ratio); (σp² + Δμ²)/(2σq²) = ½(ratio² + dz²).
    return tf.sub(tf.mul(tf.add(tf.square(ratio), tf.square(dz)), 0.5), tf.add(tf.log(ratio), 0.5));
  });
}

/** KL(N(μp, σp²) ‖ N(μq, σq²)), elementwise. */
export function klNormalNormal(p: Normal, q: Normal): tf.Tensor {
  return klGaussianParams(p.loc, p.scale, q.loc, q.scale);
}

/** KL between log-normals equals the KL between their underlying normals (KL is invariant under exp). */
export function klLogNormalLogNormal(p: LogNormal, q: LogNormal): tf.Tensor {
  return klGaussianParams(p.mu, p.sigma, q.mu, q.sigma);
}

/**
 * KL(Γ(αp, βp) ‖ Γ(αq, βq)) = (αp − αq)ψ(αp) − lgamma(αp) + lgamma(αq) + αq(log βp − log βq) + αp(βq − βp)/βp.
 */
export function klGammaGamma(p: Gamma, q: Gamma): tf.Tensor {
  return tf.tidy(() => {
    const ap = p.concentration;
    const aq = q.concentration;
    return addAll(
      tf.mul(tf.sub(ap, aq), digamma(ap)),
      tf.sub(lgamma(aq), lgamma(ap)),
      tf.mul(aq, tf.sub(tf.log(p.rate), tf.log(q.rate))),
      tf.mul(ap, tf.div(tf.sub(q.rate, p.rate), p.rate)),
    );
  });
}

/**
 * KL(Beta(ap, bp) ‖ Beta(aq, bq)) = log B(aq, bq) − log B(ap, bp) + (ap − aq)ψ(ap) + (bp − bq)ψ(bp)
 * + (aq − ap + bq − bp)ψ(ap + bp).
 */
export function klBetaBeta(p: Beta, q: Beta): tf.Tensor {
  return tf.tidy(() => {
    const sp = tf.add(p.a, p.b);
    return addAll(
      tf.sub(lbeta(q.a, q.b), lbeta(p.a, p.b)),
      tf.mul(tf.sub(p.a, q.a), digamma(p.a)),
      tf.mul(tf.sub(p.b, q.b), digamma(p.b)),
      tf.mul(tf.sub(tf.add(q.a, q.b), sp), digamma(sp)),
    );
  });
}

/** KL(Bern(pp) ‖ Bern(pq)) from logits: pp(lp − lq) + softplus(lq) − softplus(lp). */
export function klBernoulliBernoulli(p: Bernoulli, q: Bernoulli): tf.Tensor {
  return tf.tidy(() =>
    tf.add(
      tf.mul(tf.sigmoid(p.logits), tf.sub(p.logits, q.logits)),
      tf.sub(tf.softplus(q.logits), tf.softplus(p.logits)),
    ),
  );
}

type ClosedForm = (p: Distribution, q: Distribution) => tf.Tensor;

// Dispatch on the class name rather than instanceof, so that distributions from a second copy of
// this module (notebook kernels may load lib/ twice) still dispatch.
const CLOSED_FORMS: Record<string, ClosedForm> = {
  Normal: (p, q) => klNormalNormal(p as Normal, q as Normal),
  LogNormal: (p, q) => klLogNormalLogNormal(p as LogNormal, q as LogNormal),
  Gamma: (p, q) => klGammaGamma(p as Gamma, q as Gamma),
  Beta: (p, q) => klBetaBeta(p as Beta, q as Beta),
  Bernoulli: (p, q) => klBernoulliBernoulli(p as Bernoulli, q as Bernoulli),
};

/** True when kl(p, q) has a closed form (same family among Normal, LogNormal, Gamma, Beta, Bernoulli). */
export function hasClosedFormKl(p: Distribution, q: Distribution): boolean {
  return p.name === q.name && Object.prototype.hasOwnProperty.call(CLOSED_FORMS, p.name);
}

/** Closed-form KL(p ‖ q), elementwise over the broadcast batch shape; throws for pairs without one. */
export function kl(p: Distribution, q: Distribution): tf.Tensor {
  if (!hasClosedFormKl(p, q)) {
    throw new Error(`lib/prob/kl: no closed-form KL(${p.name} ‖ ${q.name}); use klMonteCarlo(p, q, rng, nSamples)`);
  }
  return CLOSED_FORMS[p.name](p, q);
}

export interface MonteCarloEstimate {
  /** Mean of log p(x) − log q(x) over x ~ p, shape = broadcast batch shape. */
  estimate: tf.Tensor;
  /** Standard error of that mean (sample standard deviation / √n), same shape. */
  stdErr: tf.Tensor;
}

/**
 * Monte-Carlo KL(p ‖ q) ≈ (1/n) Σ [log p(x_s) − log q(x_s)], x_s ~ p, with its standard error.
 * Gradients reach p's parameters only through reparameterised samples (p.reparameterized).
 */
export function klMonteCarlo(p: Distribution, q: Distribution, rng: Rng, nSamples: number): MonteCarloEstimate {
  if (!Number.isInteger(nSamples) || nSamples < 2)
    throw new Error(`lib/prob/kl klMonteCarlo: nSamples must be an integer ≥ 2, got ${nSamples}`);
  const [estimate, stdErr] = tf.tidy(() => {
    const x = p.sample(rng, [nSamples]);
    const d = tf.sub(p.logProb(x), q.logProb(x));
    const { mean, variance } = tf.moments(d, 0);
    // Unbiased sample variance n/(n−1)·(population variance).
    const se = tf.sqrt(tf.div(tf.mul(variance, nSamples / (nSamples - 1)), nSamples));
    return [mean, se];
  });
  return { estimate, stdErr };
}
