// Names of fused kernels that a backend may provide (no imports, so code on any backend can name them):
// the native backend implements them in C++ (native/src/gln.cc, dense.cc and prelu.cc, registered in
// kernels-math.ts; native/src/conv.cc, registered in kernels-conv.ts; native/src/normal.cc, registered in
// kernels-normal.ts, and native/src/aggregate.cc); the caller (lib/nets/tcn.ts for the gLN, lib/nets/conv.ts for the conv, lib/nets/mlp.ts
// for the dense layer, lib/prob/gaussian-kernels.ts for the Gaussian terms, lib/prob/correlation.ts for the aggregate
// posterior's estimate) runs the kernel where
// the current backend has it, with its gradient registered there, and the composed tfjs ops elsewhere.
export const FUSED_KERNELS = Object.freeze({
  /** Global layer norm of x [B, T, C]: inputs {x, gamma [C], beta [C]}, attr eps; output y [B, T, C]. */
  globalLayerNorm: "VaelabGlobalLayerNorm",
  /** Its backward: inputs {dy, x, gamma}, attr eps; outputs [dx, dgamma, dbeta]. */
  globalLayerNormGrad: "VaelabGlobalLayerNormGrad",
  /**
   * y = act(conv2d(x, filter) + bias), NHWC: inputs {x, filter [kh, kw, in, out], bias? [out]}, attrs
   * {strides, pad, activation, hasBias} (activation one of FUSED_ACTIVATIONS); outputs [y, pre]: pre is the
   * pre-activation for swish (its gradient reads it) and an empty [0] tensor otherwise.
   */
  conv2dBiasAct: "VaelabConv2dBiasAct",
  /**
   * Its backward: inputs {dy, src (y, or pre for swish), x, filter}, attrs as above; outputs [dz, dfilter,
   * dbias]: dz = dy·act′ ([0] for linear, where it is dy), dbias [0] without a bias. The caller runs
   * Conv2DBackpropInput on dz only where x needs a gradient.
   */
  conv2dBiasActGrad: "VaelabConv2dBiasActGrad",
  /**
   * y = act(x · w + bias): inputs {x [M, K], w [K, N], bias? [N]}, attrs {activation, hasBias}; outputs
   * [y, pre] as for the conv.
   */
  denseBiasAct: "VaelabDenseBiasAct",
  /** Its backward: inputs {dy, src, x, w}, attrs as above; outputs [dz, dw, dbias] as for the conv (dx = dz·wᵀ by the caller). */
  denseBiasActGrad: "VaelabDenseBiasActGrad",
  /** PReLU over the last axis: inputs {x [..., C], alpha [C] or [1]}; output y (the Prelu kernel's values). */
  prelu: "VaelabPrelu",
  /** Its backward: inputs {dy, x, alpha}; outputs [dx, dalpha]. */
  preluGrad: "VaelabPreluGrad",
  /**
   * log N(x | loc, scale) elementwise (lib/prob/gaussian-kernels): inputs {x, loc, scale}, each of the output's shape
   * or a suffix of it (leading 1s aside); output of the broadcast shape.
   */
  normalLogProb: "VaelabNormalLogProb",
  /** Its backward: inputs {dy, x, loc, scale}; outputs [dx, dloc, dscale], each of its input's shape. */
  normalLogProbGrad: "VaelabNormalLogProbGrad",
  /** KL(N(locP, scaleP) ‖ N(locQ, scaleQ)) elementwise: inputs {locP, scaleP, locQ, scaleQ}, broadcast as above. */
  normalKl: "VaelabNormalKl",
  /** Its backward: inputs {dy, locP, scaleP, locQ, scaleQ}; outputs [dlocP, dscaleP, dlocQ, dscaleQ]. */
  normalKlGrad: "VaelabNormalKlGrad",
  /**
   * Pairwise diagonal-Gaussian log-densities: inputs {z, mu, logvar}, each [M, K]; output [M, M, K] with
   * out[i, j, k] = log N(z_ik | mu_jk, exp(logvar_jk)).
   */
  pairwiseLogNormal: "VaelabPairwiseLogNormal",
  /** Its backward: inputs {dy [M, M, K], z, mu, logvar}; outputs [dz, dmu, dlogvar], each [M, K]. */
  pairwiseLogNormalGrad: "VaelabPairwiseLogNormalGrad",
  /**
   * The aggregate posterior's minibatch estimate per group and jointly (lib/prob/correlation): inputs {logQ [M, M, K],
   * membership [K, G] 0/1, logW [M, M]}; output [M, G + 1], out[i, g] = logsumexp_j(logW[i, j] + Σ_{k∈g} logQ[i, j, k]),
   * column G the joint (the sum of the group sums).
   */
  groupLogAggregate: "VaelabGroupLogAggregate",
  /** Its backward: inputs {dy [M, G + 1], logQ, membership, logW, out}; output dlogQ [M, M, K]. */
  groupLogAggregateGrad: "VaelabGroupLogAggregateGrad",
});

/** Activations of the fused conv and dense kernels, by their code in native/src/bias_act.h (Act). */
export const FUSED_ACTIVATIONS: Readonly<Record<string, number>> = Object.freeze({
  linear: 0,
  relu: 1,
  tanh: 2,
  sigmoid: 3,
  swish: 4,
});

/**
 * A switch for one family of fused kernels: on unless the environment variable is "0" (for before/after timings);
 * the returned function reads it, and sets it when given a value (tests, benchmarks).
 */
export function fusedSwitch(envVar: string): (enabled?: boolean) => boolean {
  let on = process.env[envVar] !== "0";
  return (enabled?: boolean) => {
    if (enabled !== undefined) on = enabled;
    return on;
  };
}

/** True when `shape` (leading 1s aside) is a suffix of `out`: element i of the output reads value i % size(shape). */
export function isSuffixBroadcast(shape: readonly number[], out: readonly number[]): boolean {
  let first = 0;
  while (first < shape.length && shape[first] === 1) first++;
  const s = shape.slice(first);
  if (s.length > out.length) return false;
  const offset = out.length - s.length;
  return s.every((d, i) => d === out[offset + i]);
}
