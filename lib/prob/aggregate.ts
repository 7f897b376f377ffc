// Minibatch estimators of the aggregate posterior q(z) = (1/N) Σ_n q(z | n) (PDisVAE, seed 002
// Sec. 3.3 and Appendix A.3; Chen et al. 2018 for MWS and MSS).
//
// A batch of M examples is drawn without replacement from N; z_i ~ q(z | n_i). For sample i the
// estimate is q̂(z_i) = Σ_j w_ij q(z_i | n_j). Taking n_i as n* and the other batch members in the
// cyclic order i+1, …, i+M−1 (mod M):
//   MWS  w = 1/(NM) for every member (biased);
//   MSS  1/N on n*, 1/(M−1) on the first M−2 others, (N−M+1)/(N(M−1)) on the last (Eq. 12);
//   IS   1/N on n*, (N−1)/((M−1)N) on every other member (Eq. 4 / 11).
// The cyclic order makes every batch member the "last" (stratum) element of exactly one row,
// as in Chen et al.'s reference weight matrix; any fixed order keeps MSS unbiased.
import * as tf from "@tensorflow/tfjs";
import type { Distribution } from "./distribution";
import { fusedPairwiseLogNormal } from "./gaussian-kernels";
import { HALF_LOG_2PI } from "./normal";
import { logSumExp } from "./special";

export type BatchEstimator = "MWS" | "MSS" | "IS";
/** An estimator name in either case ("IS" or "is"). */
export type EstimatorMethod = BatchEstimator | Lowercase<BatchEstimator>;
export const BATCH_ESTIMATORS: readonly BatchEstimator[] = ["MWS", "MSS", "IS"];

/** Validates the method and sizes; returns the upper-case method name. */
function checkEstimator(where: string, method: string, M: number, N: number): BatchEstimator {
  const m = String(method).toUpperCase() as BatchEstimator;
  if (!BATCH_ESTIMATORS.includes(m)) {
    throw new Error(`lib/prob/aggregate ${where}: unknown estimator '${method}' (expected MWS, MSS or IS)`);
  }
  if (!Number.isInteger(M) || !Number.isInteger(N) || M < 1 || N < M) {
    throw new Error(`lib/prob/aggregate ${where}: need integers 1 ≤ M ≤ N, got M=${M}, N=${N}`);
  }
  if (m !== "MWS" && M < 2) throw new Error(`lib/prob/aggregate ${where}: ${m} needs a batch of M ≥ 2, got M=${M}`);
  return m;
}

/**
 * The M weights of one sample in canonical order: [n*, other_1, …, other_{M−1}].
 * They sum to 1 for MSS and IS, and to 1/N for MWS (one source of its bias).
 */
export function orderedWeights(method: EstimatorMethod, M: number, N: number): number[] {
  method = checkEstimator("orderedWeights", method, M, N);
  if (method === "MWS") return new Array(M).fill(1 / (N * M));
  if (method === "IS") return [1 / N, ...new Array(M - 1).fill((N - 1) / ((M - 1) * N))];
  return [1 / N, ...new Array(M - 2).fill(1 / (M - 1)), (N - M + 1) / (N * (M - 1))];
}

/** The batch order used for sample i: [i, i+1, …, i+M−1] (mod M), i.e. n* first. */
export function estimatorOrder(i: number, M: number): number[] {
  return Array.from({ length: M }, (_, k) => (i + k) % M);
}

/** M×M weight matrix: row i holds the weights w_ij used to estimate q(z_i) from q(z_i | n_j). */
export function estimatorWeights(method: EstimatorMethod, M: number, N: number): number[][] {
  const w = orderedWeights(method, M, N);
  return Array.from({ length: M }, (_, i) => {
    const row = new Array<number>(M);
    estimatorOrder(i, M).forEach((j, k) => (row[j] = w[k]));
    return row;
  });
}

/**
 * Plain-number estimate q̂(z) = Σ_k w_k qCond[k], where qCond holds q(z | n) for each batch member,
 * n* first and the others in their fixed order (the last one is MSS's stratum element).
 */
export function estimateQ(method: EstimatorMethod, qCond: number[], N: number): number {
  const w = orderedWeights(method, qCond.length, N);
  let s = 0;
  for (let k = 0; k < w.length; k++) s += w[k] * qCond[k];
  return s;
}

/**
 * log q̂(z_i) = logsumexp_j (log w_ij + logQ[i, j, …]) for logQ of shape [M, M, …] with
 * logQ[i, j, …] = log q(z_i | n_j) (trailing axes, e.g. latent dimensions, are kept). Returns [M, …].
 */
export function logAggregatePosterior(method: EstimatorMethod, logQ: tf.Tensor, N: number): tf.Tensor {
  if (logQ.rank < 2 || logQ.shape[0] !== logQ.shape[1]) {
    throw new Error(
      `lib/prob/aggregate logAggregatePosterior: logQ must have shape [M, M, ...], got [${logQ.shape.join(",")}]`,
    );
  }
  const M = logQ.shape[0];
  const logW = logWeightMatrix(method, M, N);
  return tf.tidy(() => {
    const w = tf.reshape(tf.tensor2d(logW, [M, M], "float32"), [M, M, ...new Array(logQ.rank - 2).fill(1)]);
    return logSumExp(tf.add(logQ, w), 1);
  });
}

// Training calls the estimator every step with the same (method, M, N): keep a few log-weight matrices.
const logWeightCache = new Map<string, Float32Array>();

/** log w_ij of estimatorWeights as a row-major [M, M] Float32Array (cached; do not modify it). */
export function logWeightMatrix(method: EstimatorMethod, M: number, N: number): Float32Array {
  const key = `${method.toUpperCase()}:${M}:${N}`;
  let w = logWeightCache.get(key);
  if (!w) {
    w = Float32Array.from(estimatorWeights(method, M, N).flat().map(Math.log));
    if (logWeightCache.size >= 8) logWeightCache.delete(logWeightCache.keys().next().value as string);
    logWeightCache.set(key, w);
  }
  return w;
}

/**
 * The inverse-importance-weight dataset of seed 002 Appendix A.3.2 (N times the ordered weights):
 * IS0 = {1, (N−1)/(M−1) ×(M−1)}, MSS0 = {1, N/(M−1) ×(M−2), (N−M+1)/(M−1)}. Both have mean N/M.
 */
export function inverseWeightDataset(method: "IS" | "MSS" | "is" | "mss", M: number, N: number): number[] {
  method = checkEstimator("inverseWeightDataset", method, M, N) as "IS" | "MSS";
  if (method === "IS") return [1, ...new Array(M - 1).fill((N - 1) / (M - 1))];
  return [1, ...new Array(M - 2).fill(N / (M - 1)), (N - M + 1) / (M - 1)];
}

/**
 * Closed-form population variance (divisor M) of that dataset: seed 002 Eq. 15 for IS,
 * (N − M)² / (M²(M − 1)), and Eq. 14 for MSS, (2M² − (2N + 2)M + N²) / (M²(M − 1)).
 * Their difference is Var[MSS0] − Var[IS0] = (M − 2)/(M(M − 1)).
 */
export function inverseWeightVariance(method: "IS" | "MSS" | "is" | "mss", M: number, N: number): number {
  method = checkEstimator("inverseWeightVariance", method, M, N) as "IS" | "MSS";
  const den = M * M * (M - 1);
  if (method === "IS") return ((N - M) * (N - M)) / den;
  return (2 * M * M - (2 * N + 2) * M + N * N) / den;
}

function checkPairwise(where: string, shapes: Record<string, number[]>): [number, number] {
  const [first, ...rest] = Object.entries(shapes);
  const [name0, s0] = first;
  if (s0.length !== 2) throw new Error(`lib/prob/aggregate ${where}: ${name0} must be [M, K], got [${s0.join(",")}]`);
  for (const [name, s] of rest) {
    if (s.length !== 2 || s[0] !== s0[0] || s[1] !== s0[1]) {
      throw new Error(
        `lib/prob/aggregate ${where}: ${name} has shape [${s.join(",")}], expected [${s0.join(",")}] like ${name0}`,
      );
    }
  }
  return [s0[0], s0[1]];
}

/**
 * Per-dimension pairwise log-densities of a diagonal-Gaussian posterior: out[i, j, k] =
 * log N(z[i, k]; mu[j, k], exp(logvar[j, k])), shape [M, M, K].
 */
export function pairwiseLogNormal(z: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor): tf.Tensor {
  checkPairwise("pairwiseLogNormal", { z: z.shape, mu: mu.shape, logvar: logvar.shape });
  const fused = fusedPairwiseLogNormal(z, mu, logvar);
  if (fused) return fused;
  return tf.tidy(() => {
    const diff = tf.sub(tf.expandDims(z, 1), tf.expandDims(mu, 0));
    const lv = tf.expandDims(logvar, 0);
    const quad = tf.mul(tf.square(diff), tf.exp(tf.neg(lv)));
    return tf.sub(tf.mul(tf.add(quad, lv), -0.5), HALF_LOG_2PI);
  });
}

/**
 * Pairwise log-densities for any factorised posterior with batch shape [M, K]:
 * out[i, j, k] = log q_jk(z[i, k]), shape [M, M, K] (e.g. a batch of LogNormal or Gamma posteriors).
 */
export function pairwiseLogProb(posterior: Distribution, z: tf.Tensor): tf.Tensor {
  const b = posterior.batchShape;
  if (b.length !== 2 || z.rank !== 2 || z.shape[0] !== b[0] || z.shape[1] !== b[1]) {
    throw new Error(
      `lib/prob/aggregate pairwiseLogProb: need z [M, K] and a ${posterior.name} of batch shape [M, K]; got z [${z.shape.join(",")}], batch [${b.join(",")}]`,
    );
  }
  return tf.tidy(() => posterior.logProb(tf.expandDims(z, 1)));
}
