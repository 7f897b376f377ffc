// Float64 special functions behind the float32 special-function kernels (see special.cc).
#pragma once

namespace vaelab {

double LgammaF64(double x);
double DigammaF64(double x);
double TrigammaF64(double x);
double LbetaF64(double a, double b);
// dz/dα of a Gamma(α, 1) draw z held at its CDF level, as lib/prob/gamma's gammaSampleShapeGradient
// (z floored at the smallest normal float32; 0 where not finite).
double GammaSampleShapeGradF64(double alpha, double z);

}  // namespace vaelab
