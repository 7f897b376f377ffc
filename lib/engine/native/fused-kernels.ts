// Names of fused kernels that a backend may provide (no imports, so code on any backend can name them):
// the native backend implements them in C++ (native/src/gln.cc, registered in kernels-math.ts;
// native/src/conv.cc, registered in kernels-conv.ts); the caller (lib/nets/tcn.ts for the gLN,
// lib/nets/conv.ts for the conv) runs the kernel where the current backend has it, with its gradient
// registered there, and the composed tfjs ops elsewhere.
export const FUSED_KERNELS = Object.freeze({
  /** Global layer norm of x [B, T, C]: inputs {x, gamma [C], beta [C]}, attr eps; output y [B, T, C]. */
  globalLayerNorm: "VaelabGlobalLayerNorm",
  /** Its backward: inputs {dy, x, gamma}, attr eps; outputs [dx, dgamma, dbeta]. */
  globalLayerNormGrad: "VaelabGlobalLayerNormGrad",
  /**
   * y = act(conv2d(x, filter) + bias), NHWC: inputs {x, filter [kh, kw, in, out], bias? [out]}, attrs
   * {strides, pad, activation} (activation one of FUSED_CONV_ACTIVATIONS); outputs [y, pre]: pre is the
   * pre-activation for swish (its gradient reads it) and an empty [0] tensor otherwise.
   */
  conv2dBiasAct: "VaelabConv2dBiasAct",
  /** Its backward: inputs {dy, src (y, or pre for swish), x, filter}, attrs as above plus hasBias; outputs [dx, dfilter, dbias ([0] without a bias)]. */
  conv2dBiasActGrad: "VaelabConv2dBiasActGrad",
});

/** Activations of the fused conv, by their code in native/src/conv.cc (Act). */
export const FUSED_CONV_ACTIVATIONS: Readonly<Record<string, number>> = Object.freeze({
  linear: 0,
  relu: 1,
  tanh: 2,
  sigmoid: 3,
  swish: 4,
});
