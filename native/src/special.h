// Float64 special functions behind the float32 special-function kernels (see special.cc).
#pragma once

#include <cstdint>

namespace vaelab {

double LgammaF64(double x);
double DigammaF64(double x);
double TrigammaF64(double x);
// out[l] = DigammaF64(x[l]) for four arguments, bit for bit, the series branch run on all four at once.
void Digamma4(const double* x, double* out);
// out[i] = float(DigammaF64(x[i])) for i < n, bit for bit, four at a time.
void DigammaBatch(const float* x, float* out, int64_t n);
double LbetaF64(double a, double b);
// dz/dα of a Gamma(α, 1) draw z held at its CDF level, as lib/prob/gamma's gammaSampleShapeGradient
// (z floored at the smallest normal float32; 0 where not finite).
double GammaSampleShapeGradF64(double alpha, double z);
// out[i] = float(GammaSampleShapeGradF64(alpha[i], z[i])) for i < n, bit for bit, with the series branch run on
// four elements at a time.
void GammaSampleShapeGradBatch(const float* alpha, const float* z, float* out, int64_t n);

}  // namespace vaelab
