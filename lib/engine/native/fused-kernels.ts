// Names of fused kernels that a backend may provide (no imports, so code on any backend can name them):
// the native backend implements them in C++ (native/src/gln.cc, registered in kernels-math.ts); the
// caller (lib/nets/tcn.ts for the gLN) runs the kernel where the current backend has it, with its
// gradient registered there, and the composed tfjs ops elsewhere.
export const FUSED_KERNELS = Object.freeze({
  /** Global layer norm of x [B, T, C]: inputs {x, gamma [C], beta [C]}, attr eps; output y [B, T, C]. */
  globalLayerNorm: "VaelabGlobalLayerNorm",
  /** Its backward: inputs {dy, x, gamma}, attr eps; outputs [dx, dgamma, dbeta]. */
  globalLayerNormGrad: "VaelabGlobalLayerNormGrad",
});
