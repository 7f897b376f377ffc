// Global layer norm (gLN, Conv-TasNet's normalisation; lib/nets/tcn.ts globalLayerNorm) as one forward
// and one backward kernel, replacing the ≈ 58 small tfjs kernels of the composed forward + backward.
// x is [B, T, C] row-major (channels last); per example b the mean μ and the population variance σ²
// are taken over all of its T·C values, accumulated in float64 (two passes, so a near-constant input
// loses nothing to cancellation), and
//   y = γ_c (x − μ) r + β_c,   r = 1/√(σ² + ε).
// Backward, with x̂ = (x − μ) r and g = dy·γ_c (means over the example's T·C values):
//   dx = r (g − mean(g) − x̂ mean(g x̂)),   dγ_c = Σ_{b,t} dy x̂,   dβ_c = Σ_{b,t} dy.
// The backward recomputes μ and r from x (one cheap pass) rather than keeping them from the forward.
// Sums run per channel (one float64 accumulator per c, in t order) so the loops vectorise across
// channels without reassociation and results do not depend on the thread count; examples are split
// over the pool, and the per-example channel sums of dγ, dβ are added in example order afterwards.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "napi_args.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kGlnGrain = 32768;  // elements per thread chunk below which examples are not split

// Examples per ParallelFor chunk: enough that a chunk holds ≥ kGlnGrain elements.
int64_t ExampleGrain(int64_t per_example) { return std::max<int64_t>(1, (kGlnGrain + per_example - 1) / per_example); }

// μ and r of one example's n = T·C values (acc: C float64 scratch).
void Moments(const float* x, int64_t t_len, int64_t c_len, double eps, double* acc, double* mean, double* rstd) {
  const double n = static_cast<double>(t_len * c_len);
  for (int64_t c = 0; c < c_len; ++c) acc[c] = 0;
  for (int64_t t = 0; t < t_len; ++t) {
    const float* row = x + t * c_len;
    for (int64_t c = 0; c < c_len; ++c) acc[c] += row[c];
  }
  double s = 0;
  for (int64_t c = 0; c < c_len; ++c) s += acc[c];
  const double mu = s / n;
  for (int64_t c = 0; c < c_len; ++c) acc[c] = 0;
  for (int64_t t = 0; t < t_len; ++t) {
    const float* row = x + t * c_len;
    for (int64_t c = 0; c < c_len; ++c) {
      const double d = row[c] - mu;
      acc[c] += d * d;
    }
  }
  double v = 0;
  for (int64_t c = 0; c < c_len; ++c) v += acc[c];
  *mean = mu;
  *rstd = 1 / std::sqrt(v / n + eps);
}

void GlnForward(const float* x, const float* gamma, const float* beta, int64_t batch, int64_t t_len, int64_t c_len,
                double eps, float* y) {
  const int64_t per = t_len * c_len;
  ParallelFor(batch, ExampleGrain(per), [&](int64_t b0, int64_t b1) {
    std::vector<double> acc(c_len), scale(c_len), shift(c_len);
    for (int64_t b = b0; b < b1; ++b) {
      const float* xb = x + b * per;
      float* yb = y + b * per;
      double mu = 0, r = 0;
      Moments(xb, t_len, c_len, eps, acc.data(), &mu, &r);
      for (int64_t c = 0; c < c_len; ++c) {
        scale[c] = gamma[c] * r;
        shift[c] = beta[c];
      }
      for (int64_t t = 0; t < t_len; ++t) {
        const float* row = xb + t * c_len;
        float* out = yb + t * c_len;
        for (int64_t c = 0; c < c_len; ++c) out[c] = static_cast<float>((row[c] - mu) * scale[c] + shift[c]);
      }
    }
  });
}

// dgamma_part, dbeta_part: [batch, C] float64 scratch (per-example channel sums).
void GlnBackward(const float* dy, const float* x, const float* gamma, int64_t batch, int64_t t_len, int64_t c_len,
                 double eps, float* dx, double* dgamma_part, double* dbeta_part) {
  const int64_t per = t_len * c_len;
  const double n = static_cast<double>(per);
  ParallelFor(batch, ExampleGrain(per), [&](int64_t b0, int64_t b1) {
    std::vector<double> acc(c_len), coef(c_len);
    for (int64_t b = b0; b < b1; ++b) {
      const float* xb = x + b * per;
      const float* db = dy + b * per;
      float* dxb = dx + b * per;
      double* sdy = dbeta_part + b * c_len;    // Σ_t dy
      double* sdyx = dgamma_part + b * c_len;  // Σ_t dy x̂
      double mu = 0, r = 0;
      Moments(xb, t_len, c_len, eps, acc.data(), &mu, &r);
      for (int64_t c = 0; c < c_len; ++c) sdy[c] = sdyx[c] = 0;
      for (int64_t t = 0; t < t_len; ++t) {
        const float* xr = xb + t * c_len;
        const float* dr = db + t * c_len;
        for (int64_t c = 0; c < c_len; ++c) {
          const double d = dr[c];
          sdy[c] += d;
          sdyx[c] += d * ((xr[c] - mu) * r);
        }
      }
      // mean(g) and mean(g x̂) with g = dy γ_c
      double mg = 0, mgx = 0;
      for (int64_t c = 0; c < c_len; ++c) {
        mg += gamma[c] * sdy[c];
        mgx += gamma[c] * sdyx[c];
      }
      mg /= n;
      mgx /= n;
      for (int64_t c = 0; c < c_len; ++c) coef[c] = gamma[c] * r;
      for (int64_t t = 0; t < t_len; ++t) {
        const float* xr = xb + t * c_len;
        const float* dr = db + t * c_len;
        float* out = dxb + t * c_len;
        for (int64_t c = 0; c < c_len; ++c) {
          const double xh = (xr[c] - mu) * r;
          out[c] = static_cast<float>(coef[c] * dr[c] - r * (mg + xh * mgx));
        }
      }
    }
  });
}

void CheckDims(const char* fn, int64_t batch, int64_t t_len, int64_t c_len) {
  if (c_len == 0 || t_len == 0 || batch == 0) Fail(fn, "empty input (the caller runs the composed ops there)");
}

// glnForward(x, gamma, beta, batch, time, channels, eps, out)
napi_value JsGlnForward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "glnForward", 8);
    const int64_t batch = a.Int(3, "batch"), t_len = a.Int(4, "time"), c_len = a.Int(5, "channels");
    CheckDims("glnForward", batch, t_len, c_len);
    const double eps = a.Num(6, "eps");
    if (!(eps >= 0)) Fail("glnForward", "eps must be ≥ 0");
    const int64_t total = batch * t_len * c_len;
    const float* x = a.F32(0, "x", total);
    const float* gamma = a.F32(1, "gamma", c_len);
    const float* beta = a.F32(2, "beta", c_len);
    float* out = a.F32(7, "out", total);
    GlnForward(x, gamma, beta, batch, t_len, c_len, eps, out);
    return Undefined(env);
  });
}

// glnBackward(dy, x, gamma, batch, time, channels, eps, dx, dgamma, dbeta)
napi_value JsGlnBackward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "glnBackward", 10);
    const int64_t batch = a.Int(3, "batch"), t_len = a.Int(4, "time"), c_len = a.Int(5, "channels");
    CheckDims("glnBackward", batch, t_len, c_len);
    const double eps = a.Num(6, "eps");
    if (!(eps >= 0)) Fail("glnBackward", "eps must be ≥ 0");
    const int64_t total = batch * t_len * c_len;
    const float* dy = a.F32(0, "dy", total);
    const float* x = a.F32(1, "x", total);
    const float* gamma = a.F32(2, "gamma", c_len);
    float* dx = a.F32(7, "dx", total);
    float* dgamma = a.F32(8, "dgamma", c_len);
    float* dbeta = a.F32(9, "dbeta", c_len);
    std::vector<double> gpart(batch * c_len), bpart(batch * c_len);
    GlnBackward(dy, x, gamma, batch, t_len, c_len, eps, dx, gpart.data(), bpart.data());
    for (int64_t c = 0; c < c_len; ++c) {
      double sg = 0, sb = 0;
      for (int64_t b = 0; b < batch; ++b) {
        sg += gpart[b * c_len + c];
        sb += bpart[b * c_len + c];
      }
      dgamma[c] = static_cast<float>(sg);
      dbeta[c] = static_cast<float>(sb);
    }
    return Undefined(env);
  });
}

}  // namespace

void RegisterGln(napi_env env, napi_value exports) {
  Export(env, exports, "glnForward", JsGlnForward);
  Export(env, exports, "glnBackward", JsGlnBackward);
}

}  // namespace vaelab
