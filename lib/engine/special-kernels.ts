// Names of the special-function kernels (log-gamma, digamma, trigamma, log-beta, the gamma draw's shape
// gradient) that a backend may
// provide: the native backend implements them in C++ (native/src/special.cc); lib/prob/special uses a
// kernel where the current backend has it (with gradients registered there) and composed tfjs ops elsewhere.
export const SPECIAL_KERNELS = Object.freeze({
  lgamma: "VaelabLgamma",
  digamma: "VaelabDigamma",
  trigamma: "VaelabTrigamma",
  lbeta: "VaelabLbeta",
  /** dz/dα of Gamma(α, 1) draws z (inputs a = α, b = z): the implicit reparameterisation gradient. */
  gammaShapeGrad: "VaelabGammaShapeGrad",
});
