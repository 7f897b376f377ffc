// Total and partial correlation (PDisVAE, seed 002 Eq. 1 and 3):
//   PC = KL(q(z) ‖ Π_g q(z_g)),   TC = PC with every latent dimension its own group,
// estimated per sample as log q̂(z_i) − Σ_g log q̂(z_ig), each q̂ from the same minibatch estimator.
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS, fusedSwitch } from "../engine/native/fused-kernels";
import { EstimatorMethod, logAggregatePosterior, logWeightMatrix } from "./aggregate";

// Whether aggregateLogDensities runs the fused kernel where the backend has it (native: native/src/aggregate.cc);
// VAELAB_FUSED_AGGREGATE=0 keeps the composed ops on every backend (before/after timings, parity tests).
export const fusedAggregate = fusedSwitch("VAELAB_FUSED_AGGREGATE");

/** [[0], [1], …, [K−1]]: the grouping for total correlation. */
export function singletonGroups(K: number): number[][] {
  return Array.from({ length: K }, (_, k) => [k]);
}

/** Contiguous groups of the given sizes, e.g. [2, 2, 2] → [[0,1],[2,3],[4,5]]. */
export function contiguousGroups(sizes: number[]): number[][] {
  let start = 0;
  return sizes.map((h) => {
    const g = Array.from({ length: h }, (_, i) => start + i);
    start += h;
    return g;
  });
}

/**
 * Throws unless `groups` is a non-empty list of non-empty, disjoint groups of the dimensions 0…K−1 that covers
 * every dimension (a partition); with `covering: false` dimensions may be left out (e.g. aligning only some
 * latents). `where` names the caller (and the argument) in the message.
 */
export function validateGroups(
  groups: readonly (readonly number[])[],
  K: number,
  where: string,
  o: { covering?: boolean } = {},
): void {
  if (groups.length === 0) throw new Error(`${where}: groups must not be empty`);
  const seen = new Array<boolean>(K).fill(false);
  for (const g of groups) {
    if (g.length === 0) throw new Error(`${where}: empty group in ${JSON.stringify(groups)}`);
    for (const k of g) {
      if (!Number.isInteger(k) || k < 0 || k >= K)
        throw new Error(`${where}: group index ${k} outside 0…${K - 1} in ${JSON.stringify(groups)}`);
      if (seen[k]) throw new Error(`${where}: dimension ${k} is in more than one group in ${JSON.stringify(groups)}`);
      seen[k] = true;
    }
  }
  if (o.covering === false) return;
  const missing = seen.flatMap((s, k) => (s ? [] : [k]));
  if (missing.length > 0)
    throw new Error(`${where}: dimensions ${missing.join(", ")} are in no group of ${JSON.stringify(groups)}`);
}

export interface AggregateLogDensities {
  /** log q̂(z_i) for the full latent vector, shape [M]. */
  logQz: tf.Tensor;
  /** log q̂(z_ig) for each group, shape [M, G]. */
  logQGroups: tf.Tensor;
}

/**
 * Joint and per-group aggregate log-densities from per-dimension pairwise log-densities
 * logQ [M, M, K] (logQ[i, j, k] = log q(z_ik | n_j), e.g. from pairwiseLogNormal).
 * The joint uses the sum of the group sums, so with one group it equals that group bit for bit.
 */
export function aggregateLogDensities(
  logQ: tf.Tensor,
  groups: number[][],
  method: EstimatorMethod,
  N: number,
): AggregateLogDensities {
  if (logQ.rank !== 3 || logQ.shape[0] !== logQ.shape[1]) {
    throw new Error(`lib/prob/correlation: logQ must have shape [M, M, K], got [${logQ.shape.join(",")}]`);
  }
  const K = logQ.shape[2] as number;
  validateGroups(groups, K, "lib/prob/correlation aggregateLogDensities");
  const G = groups.length;
  const M = logQ.shape[0];
  // Group membership as a [K, G] 0/1 matrix: group sums by one matmul (tf.gather's gradient needs
  // UnsortedSegmentSum, which the wasm backend lacks).
  const membership = Array.from({ length: K }, (_, k) => groups.map((g) => (g.includes(k) ? 1 : 0)));
  const [logQz, logQGroups] = tf.tidy(() => {
    if (
      fusedAggregate() &&
      logQ.dtype === "float32" &&
      tf.getKernel(FUSED_KERNELS.groupLogAggregate, tf.getBackend())
    ) {
      const all = tf.engine().runKernel(FUSED_KERNELS.groupLogAggregate, {
        logQ,
        membership: tf.tensor2d(membership, [K, G], "float32"),
        logW: tf.tensor2d(logWeightMatrix(method, M, N), [M, M], "float32"),
      }) as tf.Tensor;
      const [groupsPart, jointPart] = tf.split(all, [G, 1], 1);
      return [tf.reshape(jointPart, [-1]), groupsPart];
    }
    const perGroup = tf.reshape(tf.matMul(tf.reshape(logQ, [M * M, K]), tf.tensor2d(membership, [K, G])), [M, M, G]);
    const joint = tf.sum(perGroup, 2, true);
    // One estimator call over [M, M, G+1]: columns 0…G−1 the groups, column G the joint.
    const all = logAggregatePosterior(method, tf.concat([perGroup, joint], 2), N); // [M, G+1]
    const [groupsPart, jointPart] = tf.split(all, [G, 1], 1);
    return [tf.reshape(jointPart, [-1]), groupsPart];
  });
  return { logQz, logQGroups };
}

/**
 * Per-sample partial correlation log q̂(z_i) − Σ_g log q̂(z_ig), shape [M]; its mean estimates
 * KL(q(z) ‖ Π_g q(z_g)). With a single group it is exactly 0.
 */
export function partialCorrelation(logQ: tf.Tensor, groups: number[][], method: EstimatorMethod, N: number): tf.Tensor {
  const { logQz, logQGroups } = aggregateLogDensities(logQ, groups, method, N);
  const out = tf.tidy(() => tf.sub(logQz, tf.sum(logQGroups, 1)));
  logQz.dispose();
  logQGroups.dispose();
  return out;
}

/** Per-sample total correlation (partial correlation with singleton groups), shape [M]. */
export function totalCorrelation(logQ: tf.Tensor, method: EstimatorMethod, N: number): tf.Tensor {
  if (logQ.rank !== 3)
    throw new Error(
      `lib/prob/correlation totalCorrelation: logQ must have shape [M, M, K], got [${logQ.shape.join(",")}]`,
    );
  return partialCorrelation(logQ, singletonGroups(logQ.shape[2] as number), method, N);
}

/** log det of a symmetric positive-definite matrix by Cholesky; throws if it is not SPD. */
export function logDetSPD(a: number[][]): number {
  const n = a.length;
  const L: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    if (a[i].length !== n)
      throw new Error(
        `lib/prob/correlation logDetSPD: matrix is not square (row ${i} has ${a[i].length} entries, expected ${n})`,
      );
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (!(s > 0))
          throw new Error(`lib/prob/correlation logDetSPD: matrix is not positive definite (pivot ${i} = ${s})`);
        L[i][i] = Math.sqrt(s);
        logDet += 2 * Math.log(L[i][i]);
      } else {
        L[i][j] = s / L[j][j];
      }
    }
  }
  return logDet;
}

/**
 * Closed-form partial correlation of a Gaussian N(μ, C): KL(q(z) ‖ Π_g q(z_g)) =
 * −½ log det C + ½ Σ_g log det C_g (nats). Singleton groups give the total correlation.
 */
export function gaussianPartialCorrelation(cov: number[][], groups: number[][]): number {
  validateGroups(groups, cov.length, "lib/prob/correlation gaussianPartialCorrelation");
  let pc = -0.5 * logDetSPD(cov);
  for (const g of groups) pc += 0.5 * logDetSPD(g.map((i) => g.map((j) => cov[i][j])));
  return pc;
}

// dlogQ from one backward kernel call; membership and the log-weights are constants of the estimator.
tf.registerGradient({
  kernelName: FUSED_KERNELS.groupLogAggregate,
  inputsToSave: ["logQ", "membership", "logW"],
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [logQ, membership, logW, out] = saved;
    const dlogQ = tf.engine().runKernel(FUSED_KERNELS.groupLogAggregateGrad, {
      dy: dy as tf.Tensor,
      logQ,
      membership,
      logW,
      out,
    }) as tf.Tensor;
    return { logQ: () => dlogQ, membership: () => tf.zerosLike(membership), logW: () => tf.zerosLike(logW) };
  },
});
