// Names of fused kernels that a backend may provide (no imports, so code on any backend can name them):
// the native backend implements them in C++ (native/src/gln.cc, dense.cc and prelu.cc, registered in
// kernels-math.ts; native/src/conv.cc, registered in kernels-conv.ts); the caller (lib/nets/tcn.ts for
// the gLN, lib/nets/conv.ts for the conv, lib/nets/mlp.ts for the dense layer) runs the kernel where
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
