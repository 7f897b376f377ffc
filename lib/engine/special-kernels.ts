// Names of the special-function kernels (log-gamma, digamma, trigamma, log-beta, the gamma draw and its shape
// gradient) that a backend may provide: the native backend implements them in C++ (native/src/special.cc), the
// webgpu backend the gamma draw and its gradient in WGSL (lib/engine/webgpu-special.ts); lib/prob uses a kernel
// where the current backend has it (with gradients registered there) and composed tfjs ops or the host elsewhere.
export const SPECIAL_KERNELS = Object.freeze({
  lgamma: "VaelabLgamma",
  digamma: "VaelabDigamma",
  trigamma: "VaelabTrigamma",
  lbeta: "VaelabLbeta",
  /** dz/dα of Gamma(α, 1) draws z (inputs a = α, b = z): the implicit reparameterisation gradient. */
  gammaShapeGrad: "VaelabGammaShapeGrad",
  /** Gamma(α, 1) draws of attr `shape`, `alpha` broadcast to it (attr seed: two uint32 words from the caller's Rng). */
  gammaSample: "VaelabGammaSample",
});
