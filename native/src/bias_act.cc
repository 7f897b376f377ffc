// The bias + activation epilogue of the fused conv and dense kernels (see bias_act.h).
#include "bias_act.h"

#include <algorithm>
#include <vector>

#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kGrainFloats = 1 << 14;  // elements per pool chunk below which threading does not pay
int64_t RowGrain(int64_t cols) { return std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(1, cols)); }

// The loops are instantiated per activation (kAct a compile-time constant), so the switch in
// ActForward / ActBackward folds away and the loops vectorise.
template <int64_t kAct>
void BiasActT(float* y, float* pre, const float* bias, int64_t rows, int64_t cols) {
  ParallelFor(rows, RowGrain(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = y + r * cols;
      if (pre) {
        float* prow = pre + r * cols;
        for (int64_t c = 0; c < cols; ++c) prow[c] = bias ? row[c] + bias[c] : row[c];
        for (int64_t c = 0; c < cols; ++c) row[c] = ActForward(kAct, prow[c]);
      } else if (bias) {
        for (int64_t c = 0; c < cols; ++c) row[c] = ActForward(kAct, row[c] + bias[c]);
      } else {
        for (int64_t c = 0; c < cols; ++c) row[c] = ActForward(kAct, row[c]);
      }
    }
  });
}

template <int64_t kAct>
void ActBackwardT(const float* dy, const float* src, int64_t rows, int64_t cols, float* dz) {
  ParallelFor(rows, RowGrain(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0 * cols; i < r1 * cols; ++i) dz[i] = ActBackward(kAct, dy[i], src[i]);
  });
}

}  // namespace

void BiasAct(float* y, float* pre, const float* bias, int64_t rows, int64_t cols, int64_t act) {
  switch (act) {
    case kActRelu: return BiasActT<kActRelu>(y, pre, bias, rows, cols);
    case kActTanh: return BiasActT<kActTanh>(y, pre, bias, rows, cols);
    case kActSigmoid: return BiasActT<kActSigmoid>(y, pre, bias, rows, cols);
    case kActSwish: return BiasActT<kActSwish>(y, pre, bias, rows, cols);
    default: return BiasActT<kActLinear>(y, pre, bias, rows, cols);
  }
}

const float* BiasActBackward(const float* dy, const float* src, int64_t rows, int64_t cols, int64_t act, float* dz_out,
                             float* db) {
  const float* dz = dy;
  if (act != kActLinear) {
    switch (act) {
      case kActRelu: ActBackwardT<kActRelu>(dy, src, rows, cols, dz_out); break;
      case kActTanh: ActBackwardT<kActTanh>(dy, src, rows, cols, dz_out); break;
      case kActSigmoid: ActBackwardT<kActSigmoid>(dy, src, rows, cols, dz_out); break;
      default: ActBackwardT<kActSwish>(dy, src, rows, cols, dz_out); break;
    }
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
