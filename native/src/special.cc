// Special functions in float64 for the float32 Lgamma / Digamma / Trigamma / Lbeta kernels: the same
// method as lib/prob/special.ts's float64 scalar versions (Taylor series around 2 below 2.5, shifted
// Stirling / asymptotic series above), so the native kernels and the JS references agree to float32
// rounding. Trigamma shifts to y ≥ 10 and uses its asymptotic series (error < 1e-16 there).
#include "special.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vaelab {
namespace {

constexpr double kEulerGamma = 0.5772156649015329;
constexpr double kHalfLog2Pi = 0.9189385332046728;
constexpr double kSeriesMax = 2.5;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ζ(k) − 1 for k = 2 … 32 (as lib/prob/special.ts).
constexpr double kZetaMinus1[31] = {
    0.6449340668482264364724, 0.2020569031595942853997, 0.082323233711138191516, 0.03692775514336992633137,
    0.01734306198444913971452, 0.008349277381922826839798, 0.004077356197944339378685, 0.002008392826082214417853,
    0.000994575127818085337146, 0.0004941886041194645587023, 0.000246086553308048298638, 0.0001227133475784891467518,
    0.00006124813505870482925855, 0.00003058823630702049355173, 0.00001528225940865187173257, 0.0000076371976378997622736,
    0.000003817293264999839856462, 0.000001908212716553938925657, 9.53962033872796113152e-7, 4.769329867878064631167e-7,
    2.384505027277329900036e-7, 1.192199259653110730678e-7, 5.960818905125947961244e-8, 2.980350351465228018606e-8,
    1.490155482836504123466e-8, 7.450711789835429491981e-9, 3.725334024788457054819e-9, 1.862659723513049006404e-9,
    9.313274324196681828718e-10, 4.656629065033784072989e-10, 2.328311833676505492001e-10,
};
constexpr double kStirling[8] = {1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156,
                                 -3617.0 / 122400};
constexpr double kDigammaAsymp[7] = {1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12};
// Trigamma tail: ψ'(y) = 1/y + 1/(2y²) + Σ B_2k / y^(2k+1), k = 1 … 7.
constexpr double kTrigammaAsymp[7] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6};

// lgamma(2 + t) = Σ_{k=1}^{30} a_k t^k, digamma(2 + t) = Σ_{j=0}^{30} b_j t^j.
struct Series {
  double lg[30];
  double dg[31];
  Series() {
    lg[0] = dg[0] = 1 - kEulerGamma;
    for (int k = 2; k <= 31; ++k) {
      const double s = (k % 2 == 0 ? 1.0 : -1.0) * kZetaMinus1[k - 2];
      if (k <= 30) lg[k - 1] = s / k;
      dg[k - 1] = s;
    }
  }
};
const Series kSeries;

inline double Horner(const double* c, int n, double t) {
  double s = 0;
  for (int i = n - 1; i >= 0; --i) s = s * t + c[i];
  return s;
}

inline double StirlingCorrection(double y) {
  const double r = 1 / y;
  return Horner(kStirling, 8, r * r) * r;
}

}  // namespace

double LgammaF64(double x) {
  if (!(x > 0)) return x == 0 ? kInf : kNaN;
  if (x == kInf) return kInf;
  if (x < kSeriesMax) {
    if (x >= 1.5) return (x - 2) * Horner(kSeries.lg, 30, x - 2);
    if (x >= 0.5) return (x - 1) * Horner(kSeries.lg, 30, x - 1) - std::log(x);
    return x * Horner(kSeries.lg, 30, x) - std::log(x) - std::log1p(x);
  }
  double y = x, prod = 1, log_prod = 0;
  while (y < 10) {
    prod *= y;
    y += 1;
  }
  if (prod != 1) log_prod = std::log(prod);
  return (y - 0.5) * std::log(y) - y + kHalfLog2Pi + StirlingCorrection(y) - log_prod;
}

double DigammaF64(double x) {
  if (!(x > 0)) return x == 0 ? -kInf : kNaN;
  if (x == kInf) return kInf;
  if (x < kSeriesMax) {
    if (x >= 1.5) return Horner(kSeries.dg, 31, x - 2);
    if (x >= 0.5) return Horner(kSeries.dg, 31, x - 1) - 1 / x;
    return Horner(kSeries.dg, 31, x) - 1 / x - 1 / (x + 1);
  }
  double y = x, corr = 0;
  while (y < 10) {
    corr += 1 / y;
    y += 1;
  }
  const double r2 = 1 / (y * y);
  return std::log(y) - 0.5 / y - Horner(kDigammaAsymp, 7, r2) * r2 - corr;
}

double TrigammaF64(double x) {
  if (!(x > 0)) return x == 0 ? kInf : kNaN;
  if (x == kInf) return 0;
  double y = x, corr = 0;
  while (y < 10) {
    corr += 1 / (y * y);
    y += 1;
  }
  const double r = 1 / y, r2 = r * r;
  return corr + r + 0.5 * r2 + Horner(kTrigammaAsymp, 7, r2) * r2 * r;
}

double LbetaF64(double a, double b) {
  if (!(a > 0) || !(b > 0)) return kNaN;
  const double big = a > b ? a : b, small = a > b ? b : a;
  if (big < 10) return LgammaF64(a) + LgammaF64(b) - LgammaF64(a + b);
  // lgamma(big) − lgamma(big + small) from the Stirling forms, without subtracting two large numbers.
  const double d = -(big - 0.5) * std::log1p(small / big) - small * std::log(big + small) + small +
                   StirlingCorrection(big) - StirlingCorrection(big + small);
  return LgammaF64(small) + d;
}

double GammaSampleShapeGradF64(double alpha, double z) {
  // −(∂P/∂α)/p(z) with ∂/∂α carried through P's series (z < α + 1) or Lentz continued fraction (forward mode, as
  // the webgpu kernel and Eigen's igamma do); the prefactor z^α e^−z / Γ(·) cancels against the density, so no lgamma
  // or exp enters:  series   P = z^α e^−z / Γ(α + 1) · S,  dz/dα = −(z/α)·(S·(log z − ψ(α + 1)) + ∂S/∂α)
  //                 fraction 1 − P = z^α e^−z / Γ(α) · h,  dz/dα = z·(h·(log z − ψ(α)) + ∂h/∂α)
  const double x = std::max(z, static_cast<double>(std::numeric_limits<float>::min()));
  const double a = alpha;
  if (!(a > 0)) return 0;
  const double lx = std::log(x);
  double g;
  if (x < a + 1) {
    double t = 1, dt = 0, s = 1, ds = 0;
    for (int n = 1; n < 10000; ++n) {
      const double inv = 1 / (a + n), r = x * inv;  // one division a term
      dt = (dt - t * inv) * r;
      t *= r;
      s += t;
      ds += dt;
      if (t <= s * 1e-16 && std::fabs(dt) <= std::fabs(ds) * 1e-16) break;
    }
    g = -(x / a) * (s * (lx - DigammaF64(a + 1)) + ds);
  } else {
    const double tiny = 1e-300;
    double b = x + 1 - a, c = 1 / tiny, dc = 0, d = 1 / b, dd = d * d, h = d, dh = dd;
    for (int i = 1; i < 10000; ++i) {
      const double ai = -i * (i - a);
      b += 2;
      double den = ai * d + b;
      const double dden = i * d + ai * dd - 1;
      if (std::fabs(den) < tiny) den = tiny;
      d = 1 / den;
      dd = -dden * d * d;
      const double cn = b + ai / c;
      dc = -1 + i / c - ai * dc / (c * c);
      c = std::fabs(cn) < tiny ? tiny : cn;
      const double del = d * c, ddel = dd * c + d * dc;
      dh = dh * del + h * ddel;
      h *= del;
      if (std::fabs(del - 1) < 1e-16 && std::fabs(h * ddel) <= std::fabs(dh) * 1e-16) break;
    }
    g = x * (h * (lx - DigammaF64(a)) + dh);
  }
  return std::isfinite(g) ? g : 0;
}

}  // namespace vaelab
