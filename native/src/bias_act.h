// The bias + activation epilogue shared by the fused conv (conv.cc) and dense (dense.cc) kernels:
// y = act(y + b) in place over [rows, cols], and its backward dz = dy·act′, db = Σ_rows dz. Each
// formula is the composed tfjs ops' in the same order (float32, no contraction; see elementwise.cc),
// so a fused kernel's y, dx and dw equal the composed native ops' bit for bit; db sums in float64.
// act′ comes from the output y (relu, tanh, sigmoid) or, for swish, from the pre-activation z.
#pragma once
#include <cmath>
#include <cstdint>

namespace vaelab {

// Codes shared with lib/engine/native/fused-kernels.ts FUSED_ACTIVATIONS (keep in sync).
enum Act : int64_t { kActLinear = 0, kActRelu = 1, kActTanh = 2, kActSigmoid = 3, kActSwish = 4, kActCount = 5 };

inline float SigmoidF(float v) { return 1.0f / (1.0f + std::exp(-v)); }

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
