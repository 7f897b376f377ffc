// PReLU's backward as one kernel (lib/nets/tcn.ts prelu): for x [rows, C] and a slope α of one value
// per channel ([C]) or one shared value ([1]),
//   dx = x > 0 ? dy : dy·α_c,   dα_c = Σ_rows (x > 0 ? 0 : dy·x)   (dα summed in float64, row order),
// replacing the ≈ 8 kernels of tfjs's composed Prelu gradient (Greater, Mul, Select, ZerosLike, Mul,
// Select, Sum, Reshape). dx is the composed where(x > 0, dy, dy·α) bit for bit.
#include <node_api.h>

#include <algorithm>
#include <vector>

#include "napi_args.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kGrainFloats = 1 << 14;

// Per-thread-part partial sums of dα are combined in part order; parts are fixed by the row count
// (not the thread count), so results do not depend on the number of threads.
constexpr int64_t kRowsPerPart = 1024;

void PreluBackward(const float* dy, const float* x, const float* alpha, int64_t rows, int64_t c_len, bool shared,
                   float* dx, float* dalpha) {
  const int64_t parts = std::max<int64_t>(1, (rows + kRowsPerPart - 1) / kRowsPerPart);
  const int64_t a_len = shared ? 1 : c_len;
  std::vector<double> partial(static_cast<size_t>(parts * c_len), 0.0);
  ParallelFor(parts, std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(1, kRowsPerPart * c_len)),
              [&](int64_t p0, int64_t p1) {
                for (int64_t p = p0; p < p1; ++p) {
                  double* acc = partial.data() + p * c_len;
                  const int64_t r1 = std::min(rows, (p + 1) * kRowsPerPart);
                  for (int64_t r = p * kRowsPerPart; r < r1; ++r) {
                    const float* xr = x + r * c_len;
                    const float* dr = dy + r * c_len;
                    float* out = dx + r * c_len;
                    for (int64_t c = 0; c < c_len; ++c) {
                      const float a = alpha[shared ? 0 : c];
                      const bool pos = xr[c] > 0.0f;
                      out[c] = pos ? dr[c] : dr[c] * a;
                      acc[c] += pos ? 0.0f : dr[c] * xr[c];
                    }
                  }
                }
              });
  std::vector<double> total(static_cast<size_t>(a_len), 0.0);
  for (int64_t p = 0; p < parts; ++p)
    for (int64_t c = 0; c < c_len; ++c) total[shared ? 0 : c] += partial[p * c_len + c];
  for (int64_t c = 0; c < a_len; ++c) dalpha[c] = static_cast<float>(total[c]);
}

// preluBackward(dy, x, alpha, rows, channels, out dx, out dalpha): alpha has `channels` or 1 entries.
napi_value JsPreluBackward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "preluBackward", 7);
    const int64_t rows = a.Int(3, "rows"), c_len = a.Int(4, "channels");
    if (c_len < 1) Fail(a.fn, "channels must be ≥ 1");
    const float* dy = a.F32(0, "dy", rows * c_len);
    const float* x = a.F32(1, "x", rows * c_len);
    size_t alen = 0;
    const float* alpha = a.Array<float>(2, napi_float32_array, &alen, "alpha");
    if (alen != 1 && static_cast<int64_t>(alen) != c_len)
      Fail(a.fn, "alpha must have 1 or channels (" + std::to_string(c_len) + ") entries, got " + std::to_string(alen));
    float* dx = a.F32(5, "dx", rows * c_len);
    float* dalpha = a.F32(6, "dalpha", static_cast<int64_t>(alen));
    PreluBackward(dy, x, alpha, rows, c_len, alen == 1, dx, dalpha);
    return Undefined(env);
  });
}

}  // namespace

void RegisterPrelu(napi_env env, napi_value exports) { Export(env, exports, "preluBackward", JsPreluBackward); }

}  // namespace vaelab
