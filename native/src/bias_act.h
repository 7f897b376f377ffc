// The bias + activation epilogue shared by the fused conv (conv.cc) and dense (dense.cc) kernels:
// y = act(y + b) in place over [rows, cols], and its backward dz = dy·act′, db = Σ_rows dz. Each
// formula is the composed tfjs ops' in the same order (float32, no contraction; see elementwise.cc),
// so a fused kernel's y, dx and dw equal the composed native ops' bit for bit; db sums in float64.
// act′ comes from the output y (relu, tanh, sigmoid) or, for swish, from the pre-activation z.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace vaelab {

// Codes shared with lib/engine/native/fused-kernels.ts FUSED_ACTIVATIONS (keep in sync).
enum Act : int64_t { kActLinear = 0, kActRelu = 1, kActTanh = 2, kActSigmoid = 3, kActSwish = 4, kActCount = 5 };

// exp(x) in float32 without a libm call, so loops over it vectorise (the scalar expf was a quarter of
// a fused swish conv): x = n·ln 2 + r with n = round(x·log₂e), r by a two-part ln 2 (Cody–Waite),
// |r| ≤ ln 2 / 2; e^r by Cephes expf's polynomial (relative error ≈ 1e-7); 2^n by the exponent bits.
// x is clamped to [−87.33, 88.37] so that 2^n stays a normal float, then x > 88.72 gives +inf and
// x < −87.33 gives 0 (no denormals: exp there is < 1.2e-38); NaN stays NaN (the clamps pass it on).
// Within 2 ulp of the correctly rounded exp (test/engine/native-math.test.ts checks it against float64).
inline float ExpF(float x) {
  const float xc = std::min(std::max(x, -87.3365447f), 88.3762627f);
  const float n = std::nearbyint(xc * 1.44269504088896341f);
  const float r = (xc - n * 0.693359375f) - n * -2.12194440e-4f;
  const float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  union {
    int32_t i;
    float f;
  } scale;
  scale.i = (static_cast<int32_t>(n) + 127) << 23;
  const float e = p * scale.f;
  return x > 88.7228394f ? std::numeric_limits<float>::infinity() : (x < -87.3365447f ? 0.0f : e);
}

// The Sigmoid kernel's formula (elementwise.cc uses this too, so fused and composed agree bit for bit).
inline float SigmoidF(float v) { return 1.0f / (1.0f + ExpF(-v)); }

inline float ActForward(int64_t act, float v) {
  switch (act) {
    case kActRelu: return v <= 0.0f ? 0.0f : v;  // the Relu kernel's (NaN stays NaN)
    case kActTanh: return std::tanh(v);
    case kActSigmoid: return SigmoidF(v);
    case kActSwish: return v * SigmoidF(v);  // mul(z, sigmoid(z))
    default: return v;
  }
}

// dy·act′, with s = y (relu, tanh, sigmoid) or the pre-activation z (swish), as the tfjs gradients form it.
inline float ActBackward(int64_t act, float dy, float s) {
  switch (act) {
    case kActRelu: return dy * (s != s ? s : (s > 0.0f ? 1.0f : 0.0f));  // mul(dy, step(x))
    case kActTanh: return (1.0f - s * s) * dy;                             // mul(sub(1, square(y)), dy)
    case kActSigmoid: return dy * (s * (1.0f - s));                        // mul(dy, mul(y, sub(1, y)))
    case kActSwish: {  // mul's two gradients, the second through sigmoid's
      const float sg = SigmoidF(s);
      return dy * sg + (dy * s) * (sg * (1.0f - sg));
    }
    default: return dy;
  }
}

// y = act(y + bias) in place over [rows, cols] (bias may be null); pre (optional) gets y + bias.
void BiasAct(float* y, float* pre, const float* bias, int64_t rows, int64_t cols, int64_t act);

// dz = dy·act′ into dz_out (null for linear, where dz is dy itself) and, when db is non-null,
// db[c] = Σ_r dz[r, c] summed in float64 in row order. Returns dz.
const float* BiasActBackward(const float* dy, const float* src, int64_t rows, int64_t cols, int64_t act, float* dz_out,
                             float* db);

}  // namespace vaelab
