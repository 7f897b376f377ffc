// The evaluation protocols of the PDisVAE authors' code, beside the ones the notebooks used first.
//
// PC at a common σ: the authors fix every method's encoder σ at Scott's bandwidth N^(−1/(K+4)) and evaluate the PC
// on the whole test set with uniform weights 1/n (self term included) and 10 Monte-Carlo draws z_i = μ_i + σ ε. Our
// models learn their posterior width, so reading each model's PC at its own σ lets a method that inflates σ score a
// lower PC; `commonSigmaCorrelation` reads every model at one σ instead (evaluation only: the models are unchanged).
//
// Grouping protocols for methods without groups (VAE, ICA, β-TCVAE): "best" is Sec. 4.1's text (grid search over all
// groupings, keep the best alignment); "contiguous" is what Fig. 4(b) traverses and the authors' later code scores
// ((ẑ₁, ẑ₂), (ẑ₃, ẑ₄), …). For PDisVAE and ISA-VAE both protocols use the model's own (contiguous) groups.
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import type { Matrix } from "../data/dataset";
import { pairwiseLogNormal } from "../prob/aggregate";
import { partialCorrelation, totalCorrelation, validateGroups } from "../prob/correlation";

export type GroupingProtocol = "best" | "contiguous";

export const GROUPING_PROTOCOLS: readonly GroupingProtocol[] = ["best", "contiguous"];

/** How each protocol is described in tables and claims. */
export const GROUPING_PROTOCOL_LABEL: Readonly<Record<GroupingProtocol, string>> = Object.freeze({
  best: "best grouping (Sec. 4.1 grid search)",
  contiguous: "contiguous grouping (Fig. 4(b), authors' code)",
});

/** Scott's bandwidth N^(−1/(K+4)): the fixed encoder σ of the authors' code (N training rows, K latents). */
export function scottBandwidth(n: number, K: number): number {
  if (!(Number.isInteger(n) && n >= 1) || !(Number.isInteger(K) && K >= 1))
    throw new Error(`scottBandwidth: n and K must be positive integers, got n = ${n}, K = ${K}`);
  return Math.pow(n, -1 / (K + 4));
}

export interface CommonSigmaOptions {
  /** Monte-Carlo draws z_i = μ_i + σ ε_i averaged over (default 10, the authors'). */
  samples?: number;
  rng?: Rng | Seed;
}

export interface CommonSigmaCorrelation {
  /** PC = mean over draws and rows of log q̂(z_i) − Σ_g log q̂(z_ig), q̂ with weights 1/n over every row (nats). */
  pc: number;
  /** TC, the same with singleton groups. */
  tc: number;
  /** PC of each draw. */
  pcPerSample: number[];
  sigma: number;
  n: number;
}

/**
 * PC and TC of latents whose posteriors are q(z | n) = N(μ_n, σ² I) with one common σ, on the whole set: the
 * aggregate q̂(z) = (1/n) Σ_j q(z | j) over every row including the row's own (the IS estimator with M = N, whose
 * weights are all 1/n), averaged over `samples` draws.
 */
export async function commonSigmaCorrelation(
  means: Matrix,
  sigma: number,
  groups: number[][],
  opts: CommonSigmaOptions = {},
): Promise<CommonSigmaCorrelation> {
  const where = "commonSigmaCorrelation";
  const [n, K] = means.shape;
  if (means.values.length !== n * K)
    throw new Error(`${where}: means has ${means.values.length} values, not ${n}×${K}`);
  if (n < 2) throw new Error(`${where}: need at least 2 rows, got ${n}`);
  if (!(sigma > 0) || !Number.isFinite(sigma)) throw new Error(`${where}: sigma must be positive, got ${sigma}`);
  validateGroups(groups, K, where);
  const samples = opts.samples ?? 10;
  if (!(Number.isInteger(samples) && samples >= 1))
    throw new Error(`${where}: samples must be a positive integer, got ${samples}`);
  const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng ?? "pdisvae-protocols/common-sigma");
  const pcPerSample: number[] = [];
  let tcSum = 0;
  const mu = tf.tensor2d(means.values as Float32Array, [n, K]);
  const lv = tf.fill([n, K], 2 * Math.log(sigma));
  try {
    for (let s = 0; s < samples; s++) {
      const eps = rng.fork(`draw-${s}`).normalTensor([n, K]);
      const v = tf.tidy(() => {
        const z = tf.add(mu, tf.mul(eps, sigma));
        const logQ = pairwiseLogNormal(z, mu, lv);
        return tf.stack([tf.mean(partialCorrelation(logQ, groups, "IS", n)), tf.mean(totalCorrelation(logQ, "IS", n))]);
      });
      const [pc, tc] = await v.data(); // async: a GPU backend cannot read synchronously in Node
      tf.dispose([v, eps]);
      pcPerSample.push(pc);
      tcSum += tc;
    }
  } finally {
    tf.dispose([mu, lv]);
  }
  return { pc: pcPerSample.reduce((a, b) => a + b, 0) / samples, tc: tcSum / samples, pcPerSample, sigma, n };
}
