// Special functions in float64 for the float32 Lgamma / Digamma / Trigamma / Lbeta kernels: the same
// method as lib/prob/special.ts's float64 scalar versions (Taylor series around 2 below 2.5, shifted
// Stirling / asymptotic series above), so the native kernels and the JS references agree to float32
// rounding. Trigamma shifts to y ≥ 10 and uses its asymptotic series (error < 1e-16 there).
// The Digamma and dz/dα kernels run their series (and dz/dα its continued fraction) on four arguments at a
// time in GCC vector types, each lane doing the scalar code's operations in its order, so the batched kernels
// give the scalar functions' values bit for bit (test/prob/gamma-reparam.test.ts) at ≈ 1.9× (dz/dα) the speed.
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

typedef double Double4 __attribute__((vector_size(32)));
typedef int64_t Mask4 __attribute__((vector_size(32)));

// Horner on four arguments at once: each lane does the scalar Horner's operations in its order (no FMA
// contraction: the build's -ffp-contract=off), so it ends bit for bit where the scalar one does.
inline Double4 Horner4(const double* c, int n, Double4 t) {
  Double4 s = {0, 0, 0, 0};
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

void Digamma4(const double* x, double* out) {
  // Lanes below kSeriesMax share one Horner pass (each with its own shift); the others go one by one.
  Double4 t;
  bool any_series = false;
  for (int l = 0; l < 4; ++l) {
    const bool series = x[l] > 0 && x[l] < kSeriesMax;
    any_series |= series;
    t[l] = !series ? 0 : x[l] >= 1.5 ? x[l] - 2 : x[l] >= 0.5 ? x[l] - 1 : x[l];
  }
  const Double4 h = any_series ? Horner4(kSeries.dg, 31, t) : t;
  for (int l = 0; l < 4; ++l) {
    const double v = x[l];
    if (!(v > 0 && v < kSeriesMax)) out[l] = DigammaF64(v);
    else if (v >= 1.5) out[l] = h[l];
    else if (v >= 0.5) out[l] = h[l] - 1 / v;
    else out[l] = h[l] - 1 / v - 1 / (v + 1);
  }
}

void DigammaBatch(const float* x, float* out, int64_t n) {
  double in[4], res[4];
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int l = 0; l < 4; ++l) in[l] = x[i + l];
    Digamma4(in, res);
    for (int l = 0; l < 4; ++l) out[i + l] = static_cast<float>(res[l]);
  }
  for (; i < n; ++i) out[i] = static_cast<float>(DigammaF64(x[i]));
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

namespace {

constexpr double kShapeGradTol = 1e-16;

// P's series for z < α + 1: S = Σ_n t_n and ∂S/∂α = Σ_n ∂t_n/∂α, t_0 = 1, t_n = t_{n−1}·x/(α + n).
inline void ShapeGradSeries(double a, double x, double* s_out, double* ds_out) {
  double t = 1, dt = 0, s = 1, ds = 0;
  for (int n = 1; n < 10000; ++n) {
    const double inv = 1 / (a + n), r = x * inv;  // one division a term
    dt = (dt - t * inv) * r;
    t *= r;
    s += t;
    ds += dt;
    if (t <= s * kShapeGradTol && std::fabs(dt) <= std::fabs(ds) * kShapeGradTol) break;
  }
  *s_out = s;
  *ds_out = ds;
}

inline double ShapeGradFromSeries(double a, double x, double s, double ds, double digamma_a1) {
  const double g = -(x / a) * (s * (std::log(x) - digamma_a1) + ds);
  return std::isfinite(g) ? g : 0;
}

inline double ShapeGradInput(float z) {
  return std::max(static_cast<double>(z), static_cast<double>(std::numeric_limits<float>::min()));
}

// The series of four (α, x) at once, each lane frozen once converged, so every lane does the scalar loop's
// operations in its order and ends bit for bit where it does (as Horner4).
void ShapeGradSeries4(const double* a, const double* x, double* s_out, double* ds_out) {
  const Double4 av = {a[0], a[1], a[2], a[3]}, xv = {x[0], x[1], x[2], x[3]};
  Double4 t = {1, 1, 1, 1}, dt = {0, 0, 0, 0}, s = t, ds = dt;
  Mask4 active = {-1, -1, -1, -1};
  for (int n = 1; n < 10000; ++n) {
    const Double4 inv = 1 / (av + static_cast<double>(n)), r = xv * inv;
    const Double4 dt_next = (dt - t * inv) * r, t_next = t * r;
    dt = active ? dt_next : dt;
    t = active ? t_next : t;
    s = active ? s + t_next : s;
    ds = active ? ds + dt_next : ds;
    const Double4 abs_dt = dt < 0 ? -dt : dt, abs_ds = ds < 0 ? -ds : ds;
    const Mask4 converged = (t <= s * kShapeGradTol) & (abs_dt <= abs_ds * kShapeGradTol);
    active &= ~converged;
    if (!(active[0] | active[1] | active[2] | active[3])) break;
  }
  for (int l = 0; l < 4; ++l) {
    s_out[l] = s[l];
    ds_out[l] = ds[l];
  }
}

constexpr double kTiny = 1e-300;

// 1 − P's Lentz continued fraction for z ≥ α + 1: h and ∂h/∂α (forward mode).
inline void ShapeGradFraction(double a, double x, double* h_out, double* dh_out) {
  double b = x + 1 - a, c = 1 / kTiny, dc = 0, d = 1 / b, dd = d * d, h = d, dh = dd;
  for (int i = 1; i < 10000; ++i) {
    const double ai = -i * (i - a);
    b += 2;
    double den = ai * d + b;
    const double dden = i * d + ai * dd - 1;
    if (std::fabs(den) < kTiny) den = kTiny;
    d = 1 / den;
    dd = -dden * d * d;
    const double cn = b + ai / c;
    dc = -1 + i / c - ai * dc / (c * c);
    c = std::fabs(cn) < kTiny ? kTiny : cn;
    const double del = d * c, ddel = dd * c + d * dc;
    dh = dh * del + h * ddel;
    h *= del;
    if (std::fabs(del - 1) < kShapeGradTol && std::fabs(h * ddel) <= std::fabs(dh) * kShapeGradTol) break;
  }
  *h_out = h;
  *dh_out = dh;
}

inline double ShapeGradFromFraction(double a, double x, double h, double dh, double digamma_a) {
  const double g = x * (h * (std::log(x) - digamma_a) + dh);
  return std::isfinite(g) ? g : 0;
}

inline Double4 Abs4(Double4 v) { return v < 0 ? -v : v; }

// The fraction of four (α, x) at once, lanes frozen once converged (as ShapeGradSeries4).
void ShapeGradFraction4(const double* a, const double* x, double* h_out, double* dh_out) {
  const Double4 av = {a[0], a[1], a[2], a[3]}, xv = {x[0], x[1], x[2], x[3]};
  const Double4 tiny = {kTiny, kTiny, kTiny, kTiny};
  Double4 b = xv + 1 - av, c = 1 / tiny, dc = {0, 0, 0, 0}, d = 1 / b, dd = d * d, h = d, dh = dd;
  Mask4 active = {-1, -1, -1, -1};
  for (int i = 1; i < 10000; ++i) {
    const double di = i;
    const Double4 ai = -di * (di - av);
    const Double4 b_next = b + 2;
    Double4 den = ai * d + b_next;
    const Double4 dden = di * d + ai * dd - 1;
    den = Abs4(den) < kTiny ? tiny : den;
    const Double4 d_next = 1 / den;
    const Double4 dd_next = -dden * d_next * d_next;
    const Double4 cn = b_next + ai / c;
    const Double4 dc_next = -1 + di / c - ai * dc / (c * c);
    const Double4 c_next = Abs4(cn) < kTiny ? tiny : cn;
    const Double4 del = d_next * c_next, ddel = dd_next * c_next + d_next * dc_next;
    const Double4 dh_next = dh * del + h * ddel, h_next = h * del;
    b = active ? b_next : b;
    d = active ? d_next : d;
    dd = active ? dd_next : dd;
    c = active ? c_next : c;
    dc = active ? dc_next : dc;
    dh = active ? dh_next : dh;
    h = active ? h_next : h;
    const Mask4 converged = (Abs4(del - 1) < kShapeGradTol) & (Abs4(h * ddel) <= Abs4(dh) * kShapeGradTol);
    active &= ~converged;
    if (!(active[0] | active[1] | active[2] | active[3])) break;
  }
  for (int l = 0; l < 4; ++l) {
    h_out[l] = h[l];
    dh_out[l] = dh[l];
  }
}

}  // namespace

double GammaSampleShapeGradF64(double alpha, double z) {
  // −(∂P/∂α)/p(z) with ∂/∂α carried through P's series (z < α + 1) or Lentz continued fraction (forward mode, as
  // the webgpu kernel and Eigen's igamma do); the prefactor z^α e^−z / Γ(·) cancels against the density, so no lgamma
  // or exp enters:  series   P = z^α e^−z / Γ(α + 1) · S,  dz/dα = −(z/α)·(S·(log z − ψ(α + 1)) + ∂S/∂α)
  //                 fraction 1 − P = z^α e^−z / Γ(α) · h,  dz/dα = z·(h·(log z − ψ(α)) + ∂h/∂α)
  const double x = std::max(z, static_cast<double>(std::numeric_limits<float>::min()));
  const double a = alpha;
  if (!(a > 0)) return 0;
  if (x < a + 1) {
    double s, ds;
    ShapeGradSeries(a, x, &s, &ds);
    return ShapeGradFromSeries(a, x, s, ds, DigammaF64(a + 1));
  }
  double h, dh;
  ShapeGradFraction(a, x, &h, &dh);
  return ShapeGradFromFraction(a, x, h, dh, DigammaF64(a));
}

void GammaSampleShapeGradBatch(const float* alpha, const float* z, float* out, int64_t n) {
  // Elements queue up in fours by branch (series or fraction); invalid α, and the last queues of fewer than
  // four, go one by one.
  struct Queue {
    int64_t idx[4];
    double a[4], x[4];
    int size = 0;
  } series, fraction;
  double u[4], du[4], psi[4], arg[4];
  for (int64_t i = 0; i < n; ++i) {
    const double ai = alpha[i], xi = ShapeGradInput(z[i]);
    if (!(ai > 0 && std::isfinite(ai) && !std::isnan(xi))) {
      out[i] = static_cast<float>(GammaSampleShapeGradF64(ai, z[i]));
      continue;
    }
    const bool is_series = xi < ai + 1;
    Queue& q = is_series ? series : fraction;
    q.idx[q.size] = i;
    q.a[q.size] = ai;
    q.x[q.size] = xi;
    if (++q.size < 4) continue;
    for (int l = 0; l < 4; ++l) arg[l] = is_series ? q.a[l] + 1 : q.a[l];
    Digamma4(arg, psi);
    if (is_series) {
      ShapeGradSeries4(q.a, q.x, u, du);
      for (int l = 0; l < 4; ++l)
        out[q.idx[l]] = static_cast<float>(ShapeGradFromSeries(q.a[l], q.x[l], u[l], du[l], psi[l]));
    } else {
      ShapeGradFraction4(q.a, q.x, u, du);
      for (int l = 0; l < 4; ++l)
        out[q.idx[l]] = static_cast<float>(ShapeGradFromFraction(q.a[l], q.x[l], u[l], du[l], psi[l]));
    }
    q.size = 0;
  }
  for (const Queue* q : {&series, &fraction})
    for (int l = 0; l < q->size; ++l)
      out[q->idx[l]] = static_cast<float>(GammaSampleShapeGradF64(q->a[l], z[q->idx[l]]));
}

}  // namespace vaelab
