// Gamma(α, 1) draws as one kernel (lib/prob/gamma's device path; the same generator as the webgpu kernel in
// lib/engine/webgpu-special.ts): Marsaglia & Tsang (2000) with the U^(1/α) boost for α < 1, in float32 like the
// shader. The uniforms come from Philox-4x32-10 (Salmon et al. 2011) with counter (element, attempt, 0, 0) and a
// two-word key the caller draws from its Rng, so a draw depends only on the key and the element — not on the
// thread split — and native and webgpu draw the same numbers up to their float32 libm's rounding. Each attempt
// takes one Philox block: two words for a normal by the polar Box–Muller form, one to accept, one for the boost.
// Replaces the host loop over the Rng stream (≈ 25 ms of a 77 ms vi-tasnet step, plus a read of α).
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "napi_args.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kGrain = 2048;  // draws per chunk (each costs tens of ns)

struct Block {
  uint32_t x, y, z, w;
};

inline void MulHiLo(uint32_t a, uint32_t b, uint32_t* hi, uint32_t* lo) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  *lo = static_cast<uint32_t>(p);
}

Block Philox(Block c, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, lo0, hi1, lo1;
    MulHiLo(0xD2511F53u, c.x, &hi0, &lo0);
    MulHiLo(0xCD9E8D57u, c.z, &hi1, &lo1);
    c = Block{hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

// uniform on (0, 1): 24 bits, never 0 or 1
inline float UnitOpen(uint32_t w) { return (static_cast<float>(w >> 8) + 0.5f) * 5.9604644775390625e-8f; }

float GammaDraw(float alpha, uint32_t index, uint32_t k0, uint32_t k1) {
  if (!(alpha > 0.0f)) return std::numeric_limits<float>::quiet_NaN();
  const bool boost = alpha < 1.0f;
  const float d = (boost ? alpha + 1.0f : alpha) - 1.0f / 3.0f;
  const float c = 1.0f / std::sqrt(9.0f * d);
  // each attempt is accepted with probability > 0.95 · π/4; 256 failures do not happen
  for (uint32_t attempt = 0; attempt < 256; ++attempt) {
    const Block r = Philox(Block{index, attempt, 0, 0}, k0, k1);
    const float px = 2.0f * UnitOpen(r.x) - 1.0f, py = 2.0f * UnitOpen(r.y) - 1.0f;
    const float s = px * px + py * py;
    if (s >= 1.0f || s == 0.0f) continue;
    const float x = px * std::sqrt(-2.0f * std::log(s) / s);
    float v = 1.0f + c * x;
    if (v <= 0.0f) continue;
    v = v * v * v;
    const float u = UnitOpen(r.z);
    const float x2 = x * x;
    if (u < 1.0f - 0.0331f * x2 * x2 || std::log(u) < 0.5f * x2 + d * (1.0f - v + std::log(v))) {
      float g = d * v;
      if (boost) g *= std::exp(std::log(UnitOpen(r.w)) / alpha);
      return g;
    }
  }
  return d;
}

// gammaSample(alpha, alphaShape, outShape, key0, key1, out): α broadcasts to outShape (numpy rules, right-aligned).
napi_value JsGammaSample(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "gammaSample", 6);
    const Dims a_shape = a.Shape(1, "alphaShape"), out_shape = a.Shape(2, "outShape");
    const int64_t k0 = a.Int(3, "key0"), k1 = a.Int(4, "key1");
    if (k0 < 0 || k0 > 0xFFFFFFFFll || k1 < 0 || k1 > 0xFFFFFFFFll) Fail(a.fn, "keys must be 32-bit unsigned integers");
    const int64_t n = Product(out_shape);
    if (n > 0xFFFFFFFFll) Fail(a.fn, "more than 2^32 draws");
    const float* alpha = a.F32(0, "alpha", Product(a_shape));
    float* out = a.F32(5, "out", n);
    const size_t rank = out_shape.size();
    if (a_shape.size() > rank) Fail(a.fn, "alpha has a higher rank than the output");
    // α's stride along each output dimension (0 where α broadcasts)
    Dims stride(rank, 0);
    int64_t s = 1;
    for (size_t i = 0; i < a_shape.size(); ++i) {
      const size_t ad = a_shape.size() - 1 - i, od = rank - 1 - i;
      if (a_shape[ad] != 1 && a_shape[ad] != out_shape[od])
        Fail(a.fn, "alpha's shape does not broadcast to the output's at dimension " + std::to_string(od));
      stride[od] = a_shape[ad] == 1 ? 0 : s;
      s *= a_shape[ad];
    }
    const uint32_t key0 = static_cast<uint32_t>(k0), key1 = static_cast<uint32_t>(k1);
    // the usual cases — one α per draw, or one α for all — need no index arithmetic per draw
    const int64_t a_size = Product(a_shape);
    ParallelFor(n, kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t off = a_size == n ? i : 0;
        if (a_size != n && a_size != 1)
          for (int64_t d = static_cast<int64_t>(rank) - 1, rest = i; d >= 0; --d) {
            off += (rest % out_shape[d]) * stride[d];
            rest /= out_shape[d];
          }
        out[i] = GammaDraw(alpha[off], static_cast<uint32_t>(i), key0, key1);
      }
    });
    return Undefined(env);
  });
}

}  // namespace

void RegisterGammaSample(napi_env env, napi_value exports) { Export(env, exports, "gammaSample", JsGammaSample); }

}  // namespace vaelab
