// The Gaussian terms every VAE's loss repeats, as one kernel each way (lib/prob/normal.ts logProb and
// lib/prob/kl.ts klGaussianParams call them on the native backend), replacing ≈ 10 forward and ≈ 15
// backward tfjs kernels per term on the small tensors where per-kernel overhead dominates:
//   log N(x | μ, σ)       = −½((x − μ)/σ)² − log σ − ½ log 2π
//   KL(N(μp, σp) ‖ N(μq, σq)) = ½(r² + d²) − log r − ½,   r = σp/σq, d = (μp − μq)/σq;
// and the pairwise log-densities of a batch's diagonal Gaussian posteriors (lib/prob/aggregate
// pairwiseLogNormal, the PDisVAE family's aggregate-posterior estimators), [M, K] → [M, M, K]:
//   out[i, j, k] = −½((z_ik − μ_jk)² e^(−v_jk) + v_jk) − ½ log 2π,   v = log σ².
// Operands broadcast by a suffix of the output shape: operand k has n_k values with N % n_k == 0 and
// element i reads value i % n_k (its shape, leading 1s stripped, is a suffix of the output's; the caller
// checks that). Gradients come back in each operand's own size: a broadcast operand's gradient sums over
// the elements that read it, in float64, per fixed part of the output and then in part order, so the
// result does not depend on the thread count.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "napi_args.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kPart = 8192;  // output elements per part of the backward's reductions
constexpr float kHalfLog2Pi = 0.91893853320467274178f;

template <int K>
struct Operands {
  const float* p[K];
  int64_t n[K];
  float At(int k, int64_t i) const { return p[k][n[k] == 1 ? 0 : i % n[k]]; }
};

// One forward pass: out[i] = f(values of every operand at i).
template <int K, typename F>
void Forward(const Operands<K>& ops, int64_t total, float* out, F f) {
  ParallelFor(total, kPart, [&](int64_t i0, int64_t i1) {
    float v[K];
    for (int64_t i = i0; i < i1; ++i) {
      for (int k = 0; k < K; ++k) v[k] = ops.At(k, i);
      out[i] = f(v);
    }
  });
}

// One backward pass: g(values, dy, grads) fills the per-element gradient of every operand; full-size
// operands are written in place, broadcast ones summed (see the header).
template <int K, typename G>
void Backward(const Operands<K>& ops, int64_t total, const float* dy, float* const grads[K], G g) {
  const int64_t parts = std::max<int64_t>(1, (total + kPart - 1) / kPart);
  std::vector<std::vector<double>> partial(K);
  for (int k = 0; k < K; ++k)
    if (ops.n[k] != total) partial[k].assign(static_cast<size_t>(parts * ops.n[k]), 0.0);
  ParallelFor(parts, 1, [&](int64_t q0, int64_t q1) {
    float v[K], d[K];
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t i1 = std::min(total, (q + 1) * kPart);
      for (int64_t i = q * kPart; i < i1; ++i) {
        for (int k = 0; k < K; ++k) v[k] = ops.At(k, i);
        g(v, dy[i], d);
        for (int k = 0; k < K; ++k) {
          if (ops.n[k] == total)
            grads[k][i] = d[k];
          else
            partial[k][q * ops.n[k] + (ops.n[k] == 1 ? 0 : i % ops.n[k])] += d[k];
        }
      }
    }
  });
  for (int k = 0; k < K; ++k) {
    if (ops.n[k] == total) continue;
    const int64_t n = ops.n[k];
    for (int64_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (int64_t q = 0; q < parts; ++q) s += partial[k][q * n + j];
      grads[k][j] = static_cast<float>(s);
    }
  }
}

// Reads K operands (array, then the next K arrays) starting at argument `first`, checking that each
// one's length divides `total`.
template <int K>
Operands<K> ReadOperands(Args& a, size_t first, int64_t total, const char* const names[K]) {
  Operands<K> ops;
  for (int k = 0; k < K; ++k) {
    size_t len = 0;
    ops.p[k] = a.Array<float>(first + k, napi_float32_array, &len, names[k]);
    ops.n[k] = static_cast<int64_t>(len);
    if (ops.n[k] < 1 || total % ops.n[k] != 0)
      Fail(a.fn, std::string(names[k]) + " has " + std::to_string(len) + " values, which does not divide the " +
                     std::to_string(total) + " output elements");
  }
  return ops;
}

template <int K>
void ReadGrads(Args& a, size_t first, const Operands<K>& ops, const char* const names[K], float* grads[K]) {
  for (int k = 0; k < K; ++k) grads[k] = a.F32(first + k, names[k], ops.n[k]);
}

const char* const kLogProbOperands[3] = {"x", "loc", "scale"};
const char* const kLogProbGrads[3] = {"dx", "dloc", "dscale"};
const char* const kKlOperands[4] = {"locP", "scaleP", "locQ", "scaleQ"};
const char* const kKlGrads[4] = {"dlocP", "dscaleP", "dlocQ", "dscaleQ"};

float LogProb(const float* v) {
  const float z = (v[0] - v[1]) / v[2];
  return -(z * z * 0.5f + std::log(v[2])) - kHalfLog2Pi;
}

void LogProbGrad(const float* v, float dy, float* d) {
  const float z = (v[0] - v[1]) / v[2];
  const float dz = dy * z / v[2];  // ∂/∂x = −z/σ, ∂/∂μ = z/σ
  d[0] = -dz;
  d[1] = dz;
  d[2] = dy * (z * z - 1.0f) / v[2];  // ∂/∂σ = (z² − 1)/σ
}

float Kl(const float* v) {
  const float r = v[1] / v[3], d = (v[0] - v[2]) / v[3];
  return (r * r + d * d) * 0.5f - (std::log(r) + 0.5f);
}

void KlGrad(const float* v, float dy, float* g) {
  const float r = v[1] / v[3], d = (v[0] - v[2]) / v[3];
  const float dmu = dy * d / v[3];
  g[0] = dmu;                                       // ∂/∂μp = d/σq
  g[1] = dy * (r - 1.0f / r) / v[3];                // ∂/∂σp = (r − 1/r)/σq
  g[2] = -dmu;                                      // ∂/∂μq = −d/σq
  g[3] = dy * (1.0f - r * r - d * d) / v[3];        // ∂/∂σq = (1 − r² − d²)/σq
}

// normalLogProb(x, loc, scale, total, out)
napi_value JsNormalLogProb(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "normalLogProb", 5);
    const int64_t total = a.Int(3, "total");
    const auto ops = ReadOperands<3>(a, 0, total, kLogProbOperands);
    Forward<3>(ops, total, a.F32(4, "out", total), LogProb);
    return Undefined(env);
  });
}

// normalLogProbBackward(dy, x, loc, scale, total, dx, dloc, dscale)
napi_value JsNormalLogProbBackward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "normalLogProbBackward", 8);
    const int64_t total = a.Int(4, "total");
    const float* dy = a.F32(0, "dy", total);
    const auto ops = ReadOperands<3>(a, 1, total, kLogProbOperands);
    float* grads[3];
    ReadGrads<3>(a, 5, ops, kLogProbGrads, grads);
    Backward<3>(ops, total, dy, grads, LogProbGrad);
    return Undefined(env);
  });
}

// normalKl(locP, scaleP, locQ, scaleQ, total, out)
napi_value JsNormalKl(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "normalKl", 6);
    const int64_t total = a.Int(4, "total");
    const auto ops = ReadOperands<4>(a, 0, total, kKlOperands);
    Forward<4>(ops, total, a.F32(5, "out", total), Kl);
    return Undefined(env);
  });
}

// normalKlBackward(dy, locP, scaleP, locQ, scaleQ, total, dlocP, dscaleP, dlocQ, dscaleQ)
napi_value JsNormalKlBackward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "normalKlBackward", 10);
    const int64_t total = a.Int(5, "total");
    const float* dy = a.F32(0, "dy", total);
    const auto ops = ReadOperands<4>(a, 1, total, kKlOperands);
    float* grads[4];
    ReadGrads<4>(a, 6, ops, kKlGrads, grads);
    Backward<4>(ops, total, dy, grads, KlGrad);
    return Undefined(env);
  });
}

// Pairwise: rows i of the output in parallel; e^(−v) once per (j, k).
void Pairwise(const float* z, const float* mu, const float* lv, int64_t m, int64_t k_len, float* out) {
  std::vector<float> inv(static_cast<size_t>(m * k_len));
  for (int64_t e = 0; e < m * k_len; ++e) inv[e] = std::exp(-lv[e]);
  ParallelFor(m, std::max<int64_t>(1, kPart / std::max<int64_t>(1, m * k_len)), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float* zi = z + i * k_len;
      float* row = out + i * m * k_len;
      for (int64_t j = 0; j < m; ++j) {
        const float* mj = mu + j * k_len;
        const float* vj = lv + j * k_len;
        const float* ij = inv.data() + j * k_len;
        float* o = row + j * k_len;
        for (int64_t k = 0; k < k_len; ++k) {
          const float d = zi[k] - mj[k];
          o[k] = (d * d * ij[k] + vj[k]) * -0.5f - kHalfLog2Pi;
        }
      }
    }
  });
}

// Its backward: with g = dy·(z_ik − μ_jk)e^(−v_jk), dz_ik = −Σ_j g, dμ_jk = Σ_i g,
// dv_jk = Σ_i dy·½((z_ik − μ_jk)² e^(−v_jk) − 1). dz by rows and dμ, dv by columns, each in parallel and
// summed in float64 in index order (independent of the thread count).
void PairwiseBackward(const float* dy, const float* z, const float* mu, const float* lv, int64_t m, int64_t k_len,
                      float* dz, float* dmu, float* dlv) {
  std::vector<float> inv(static_cast<size_t>(m * k_len));
  for (int64_t e = 0; e < m * k_len; ++e) inv[e] = std::exp(-lv[e]);
  const int64_t grain = std::max<int64_t>(1, kPart / std::max<int64_t>(1, m * k_len));
  ParallelFor(m, grain, [&](int64_t i0, int64_t i1) {
    std::vector<double> acc(static_cast<size_t>(k_len));
    for (int64_t i = i0; i < i1; ++i) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const float* zi = z + i * k_len;
      for (int64_t j = 0; j < m; ++j) {
        const float* g = dy + (i * m + j) * k_len;
        const float* mj = mu + j * k_len;
        const float* ij = inv.data() + j * k_len;
        for (int64_t k = 0; k < k_len; ++k) acc[k] -= g[k] * (zi[k] - mj[k]) * ij[k];
      }
      for (int64_t k = 0; k < k_len; ++k) dz[i * k_len + k] = static_cast<float>(acc[k]);
    }
  });
  ParallelFor(m, grain, [&](int64_t j0, int64_t j1) {
    std::vector<double> am(static_cast<size_t>(k_len)), av(static_cast<size_t>(k_len));
    for (int64_t j = j0; j < j1; ++j) {
      std::fill(am.begin(), am.end(), 0.0);
      std::fill(av.begin(), av.end(), 0.0);
      const float* mj = mu + j * k_len;
      const float* ij = inv.data() + j * k_len;
      for (int64_t i = 0; i < m; ++i) {
        const float* g = dy + (i * m + j) * k_len;
        const float* zi = z + i * k_len;
        for (int64_t k = 0; k < k_len; ++k) {
          const float d = zi[k] - mj[k];
          am[k] += g[k] * d * ij[k];
          av[k] += g[k] * (d * d * ij[k] - 1.0f) * 0.5f;
        }
      }
      for (int64_t k = 0; k < k_len; ++k) {
        dmu[j * k_len + k] = static_cast<float>(am[k]);
        dlv[j * k_len + k] = static_cast<float>(av[k]);
      }
    }
  });
}

// pairwiseLogNormal(z, mu, logvar, m, k, out)
napi_value JsPairwiseLogNormal(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "pairwiseLogNormal", 6);
    const int64_t m = a.Int(3, "m"), k = a.Int(4, "k");
    Pairwise(a.F32(0, "z", m * k), a.F32(1, "mu", m * k), a.F32(2, "logvar", m * k), m, k, a.F32(5, "out", m * m * k));
    return Undefined(env);
  });
}

// pairwiseLogNormalBackward(dy, z, mu, logvar, m, k, dz, dmu, dlogvar)
napi_value JsPairwiseLogNormalBackward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "pairwiseLogNormalBackward", 9);
    const int64_t m = a.Int(4, "m"), k = a.Int(5, "k");
    PairwiseBackward(a.F32(0, "dy", m * m * k), a.F32(1, "z", m * k), a.F32(2, "mu", m * k), a.F32(3, "logvar", m * k),
                     m, k, a.F32(6, "dz", m * k), a.F32(7, "dmu", m * k), a.F32(8, "dlogvar", m * k));
    return Undefined(env);
  });
}

}  // namespace

void RegisterNormal(napi_env env, napi_value exports) {
  Export(env, exports, "normalLogProb", JsNormalLogProb);
  Export(env, exports, "normalLogProbBackward", JsNormalLogProbBackward);
  Export(env, exports, "normalKl", JsNormalKl);
  Export(env, exports, "normalKlBackward", JsNormalKlBackward);
  Export(env, exports, "pairwiseLogNormal", JsPairwiseLogNormal);
  Export(env, exports, "pairwiseLogNormalBackward", JsPairwiseLogNormalBackward);
}

}  // namespace vaelab
