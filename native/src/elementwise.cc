// Unary and broadcasting binary float32 ops. Each op mirrors the tfjs cpu kernel's formula (see
// @tensorflow/tfjs-backend-cpu kernels/*.js), including how NaN propagates, so results agree to
// float32 rounding. Large ops are split across the pool.
#include <algorithm>
#include <cmath>
#include <limits>

#include "bias_act.h"
#include "kernels.h"
#include "special.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kGrain = 16384;  // elements per chunk below which threading does not pay
// The special functions cost 20–150 ns an element (float64 series), so far smaller chunks pay: with
// kGrain a [4, 249, 32] Digamma or dz/dα (the VI-TasNet's encodings) ran on one thread.
constexpr int64_t kSpecialGrain = 1024;
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// tfjs softplus thresholds: log(float32 epsilon) + 2.
const float kSoftplusThreshold = static_cast<float>(std::log(1.1920928955078125e-7) + 2.0);

template <typename F>
void Map(const float* x, float* out, int64_t size, F f, int64_t grain = kGrain) {
  ParallelFor(size, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = f(x[i]);
  });
}

// Math.max / Math.min semantics: NaN if either side is NaN.
inline float JsMax(float a, float b) { return (a != a || b != b) ? kNaN : (a > b ? a : b); }
inline float JsMin(float a, float b) { return (a != a || b != b) ? kNaN : (a < b ? a : b); }

// Math.pow semantics where C's pow differs: pow(x, NaN) and pow(±1, ±Inf) are NaN in JS.
inline float JsPow(float a, float b) {
  if (b != b) return kNaN;
  if (std::isinf(b) && std::fabs(a) == 1.0f) return kNaN;
  return std::pow(a, b);
}

}  // namespace

void Unary(int op, const float* x, float* out, int64_t size, float alpha) {
  switch (op) {
    case kExp: Map(x, out, size, [](float v) { return std::exp(v); }); break;
    case kLog: Map(x, out, size, [](float v) { return std::log(v); }); break;
    case kNeg: Map(x, out, size, [](float v) { return -v; }); break;
    // Math.max(0, x): NaN stays NaN.
    case kRelu: Map(x, out, size, [](float v) { return v <= 0.0f ? 0.0f : v; }); break;
    case kSigmoid: Map(x, out, size, [](float v) { return SigmoidF(v); }); break;  // bias_act.h
    case kTanh: Map(x, out, size, [](float v) { return std::tanh(v); }); break;
    case kSoftplus:
      Map(x, out, size, [](float v) {
        if (v < kSoftplusThreshold) return std::exp(v);  // exp(x) underflows to softplus(x)
        if (v > -kSoftplusThreshold) return v;           // log(1 + exp(x)) == x in float32
        return std::log1p(std::exp(v));
      });
      break;
    case kSqrt: Map(x, out, size, [](float v) { return std::sqrt(v); }); break;
    case kSquare: Map(x, out, size, [](float v) { return v * v; }); break;
    case kAbs: Map(x, out, size, [](float v) { return std::fabs(v); }); break;
    case kLog1p: Map(x, out, size, [](float v) { return std::log1p(v); }); break;
    case kElu: Map(x, out, size, [](float v) { return v >= 0.0f ? v : std::expm1(v); }); break;
    case kRelu6: Map(x, out, size, [](float v) { return v <= 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v); }); break;
    case kLeakyRelu: Map(x, out, size, [alpha](float v) { return v < 0.0f ? alpha * v : v; }); break;
    case kIdentity: Map(x, out, size, [](float v) { return v; }); break;
    // Special functions: evaluated in float64 (special.cc), rounded once to float32.
    case kLgamma: Map(x, out, size, [](float v) { return static_cast<float>(LgammaF64(v)); }, kSpecialGrain); break;
    case kDigamma:
      ParallelFor(size, kSpecialGrain,
                  [&](int64_t begin, int64_t end) { DigammaBatch(x + begin, out + begin, end - begin); });
      break;
    case kTrigamma:
      Map(x, out, size, [](float v) { return static_cast<float>(TrigammaF64(v)); }, kSpecialGrain);
      break;
    default: break;  // addon.cc validates op codes
  }
}

namespace {

// Broadcast layout after merging dims: out index space = dims (outermost first), with element
// strides sa/sb (0 where that operand is broadcast). The innermost dim is contiguous in out.
struct Layout {
  Dims dims, sa, sb;
};

Layout MakeLayout(const Dims& a_shape, const Dims& b_shape, const Dims& out_shape) {
  const size_t rank = out_shape.size();
  Dims da(rank, 1), db(rank, 1);
  for (size_t i = 0; i < a_shape.size(); ++i) da[rank - a_shape.size() + i] = a_shape[i];
  for (size_t i = 0; i < b_shape.size(); ++i) db[rank - b_shape.size() + i] = b_shape[i];
  // Contiguous strides, zeroed where broadcast.
  Dims sa(rank), sb(rank);
  int64_t ra = 1, rb = 1;
  for (size_t i = rank; i-- > 0;) {
    sa[i] = da[i] == 1 ? 0 : ra;
    sb[i] = db[i] == 1 ? 0 : rb;
    ra *= da[i];
    rb *= db[i];
  }
  // Drop size-1 dims and merge a dim into the next-inner one when both operands step through
  // them as one run (stride[i] == stride[i+1] * size[i+1]).
  Layout l;
  for (size_t i = 0; i < rank; ++i) {
    if (out_shape[i] == 1) continue;
    if (!l.dims.empty()) {
      // check whether the previous kept dim (outer) merges with this one (inner)
      int64_t n = out_shape[i];
      if (l.sa.back() == sa[i] * n && l.sb.back() == sb[i] * n) {
        l.dims.back() *= n;
        l.sa.back() = sa[i];
        l.sb.back() = sb[i];
        continue;
      }
    }
    l.dims.push_back(out_shape[i]);
    l.sa.push_back(sa[i]);
    l.sb.push_back(sb[i]);
  }
  if (l.dims.empty()) {  // all size 1: a scalar
    l.dims.push_back(1);
    l.sa.push_back(0);
    l.sb.push_back(0);
  }
  return l;
}

template <typename F>
void BroadcastRange(const Layout& l, const float* a, const float* b, float* out, int64_t begin, int64_t end, F f) {
  const size_t rank = l.dims.size();
  const int64_t inner = l.dims[rank - 1];
  const int64_t ia = l.sa[rank - 1], ib = l.sb[rank - 1];
  // Multi-index of `begin` over the outer dims, and the matching operand offsets.
  Dims idx(rank, 0);
  int64_t rem = begin / inner, oa = 0, ob = 0;
  for (size_t d = rank - 1; d-- > 0;) {
    idx[d] = rem % l.dims[d];
    rem /= l.dims[d];
    oa += idx[d] * l.sa[d];
    ob += idx[d] * l.sb[d];
  }
  int64_t j = begin % inner;
  int64_t pos = begin;
  while (pos < end) {
    const int64_t n = std::min(inner - j, end - pos);
    const float* pa = a + oa + j * ia;
    const float* pb = b + ob + j * ib;
    float* po = out + pos;
    // Specialised inner loops so the compiler vectorises the common cases.
    if (ia == 1 && ib == 1) {
      for (int64_t t = 0; t < n; ++t) po[t] = f(pa[t], pb[t]);
    } else if (ia == 1) {
      const float vb = *pb;
      for (int64_t t = 0; t < n; ++t) po[t] = f(pa[t], vb);
    } else if (ib == 1) {
      const float va = *pa;
      for (int64_t t = 0; t < n; ++t) po[t] = f(va, pb[t]);
    } else {
      const float v = f(*pa, *pb);
      for (int64_t t = 0; t < n; ++t) po[t] = v;
    }
    pos += n;
    j = 0;
    // advance the outer odometer by one inner row
    for (size_t d = rank - 1; d-- > 0;) {
      oa += l.sa[d];
      ob += l.sb[d];
      if (++idx[d] < l.dims[d]) break;
      oa -= l.sa[d] * l.dims[d];
      ob -= l.sb[d] * l.dims[d];
      idx[d] = 0;
    }
  }
}

template <typename F>
void BroadcastOp(const Layout& l, const float* a, const float* b, float* out, int64_t size, F f,
                 int64_t grain = kGrain) {
  ParallelFor(size, grain, [&](int64_t begin, int64_t end) { BroadcastRange(l, a, b, out, begin, end, f); });
}

}  // namespace

void Binary(int op, const float* a, const Dims& a_shape, const float* b, const Dims& b_shape, float* out,
            const Dims& out_shape) {
  int64_t size = 1;
  for (int64_t d : out_shape) size *= d;
  if (size == 0) return;
  const Layout l = MakeLayout(a_shape, b_shape, out_shape);
  switch (op) {
    case kAdd: BroadcastOp(l, a, b, out, size, [](float x, float y) { return x + y; }); break;
    case kSub: BroadcastOp(l, a, b, out, size, [](float x, float y) { return x - y; }); break;
    case kMul: BroadcastOp(l, a, b, out, size, [](float x, float y) { return x * y; }); break;
    case kDiv: BroadcastOp(l, a, b, out, size, [](float x, float y) { return x / y; }); break;
    case kMaximum: BroadcastOp(l, a, b, out, size, JsMax); break;
    case kMinimum: BroadcastOp(l, a, b, out, size, JsMin); break;
    case kSquaredDifference:
      BroadcastOp(l, a, b, out, size, [](float x, float y) { const float d = x - y; return d * d; });
      break;
    case kPow: BroadcastOp(l, a, b, out, size, JsPow); break;
    case kPrelu: BroadcastOp(l, a, b, out, size, [](float x, float s) { return x < 0.0f ? s * x : x; }); break;
    case kLbeta:
      BroadcastOp(
          l, a, b, out, size, [](float x, float y) { return static_cast<float>(LbetaF64(x, y)); }, kSpecialGrain);
      break;
    case kGammaShapeGrad:
      if (a_shape == out_shape && b_shape == out_shape) {  // the usual case: four series at a time (special.cc)
        ParallelFor(size, kSpecialGrain, [&](int64_t begin, int64_t end) {
          GammaSampleShapeGradBatch(a + begin, b + begin, out + begin, end - begin);
        });
      } else {
        BroadcastOp(
            l, a, b, out, size, [](float al, float z) { return static_cast<float>(GammaSampleShapeGradF64(al, z)); },
            kSpecialGrain);
      }
      break;
    default: break;
  }
}

}  // namespace vaelab
