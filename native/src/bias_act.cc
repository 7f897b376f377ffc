// The bias + activation epilogue of the fused conv and dense kernels (see bias_act.h).
#include "bias_act.h"

#include <algorithm>
#include <vector>

#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kGrainFloats = 1 << 14;  // elements per pool chunk below which threading does not pay
int64_t RowGrain(int64_t cols) { return std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(1, cols)); }

}  // namespace

void BiasAct(float* y, float* pre, const float* bias, int64_t rows, int64_t cols, int64_t act) {
  ParallelFor(rows, RowGrain(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = y + r * cols;
      float* prow = pre ? pre + r * cols : nullptr;
      for (int64_t c = 0; c < cols; ++c) {
        const float v = bias ? row[c] + bias[c] : row[c];
        if (prow) prow[c] = v;
        row[c] = ActForward(act, v);
      }
    }
  });
}

const float* BiasActBackward(const float* dy, const float* src, int64_t rows, int64_t cols, int64_t act, float* dz_out,
                             float* db) {
  const float* dz = dy;
  if (act != kActLinear) {
    ParallelFor(rows, RowGrain(cols), [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0 * cols; i < r1 * cols; ++i) dz_out[i] = ActBackward(act, dy[i], src[i]);
    });
    dz = dz_out;
  }
  if (db) {
    std::vector<double> acc(static_cast<size_t>(cols), 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) acc[c] += dz[r * cols + c];
    for (int64_t c = 0; c < cols; ++c) db[c] = static_cast<float>(acc[c]);
  }
  return dz;
}

}  // namespace vaelab
