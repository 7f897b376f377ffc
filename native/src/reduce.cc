// Sum / Mean / Max / Min over any set of axes, without transposing: adjacent axes with the same
// kept/reduced role are merged, then the input is walked once in memory order.
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"

namespace vaelab {
namespace {

struct Group {
  int64_t size;
  bool reduced;
  int64_t out_stride;  // for kept groups
};

// Math.max-style fold used by tfjs maxImpl/minImpl: a NaN, once seen, wins.
inline float FoldMax(float m, float v) { return (v != v || v > m) ? v : m; }
inline float FoldMin(float m, float v) { return (v != v || v < m) ? v : m; }

double RowSum(const float* p, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t t = 0;
  for (; t + 4 <= n; t += 4) {
    s0 += p[t];
    s1 += p[t + 1];
    s2 += p[t + 2];
    s3 += p[t + 3];
  }
  for (; t < n; ++t) s0 += p[t];
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

void Reduce(int op, const float* x, const Dims& shape, const std::vector<bool>& reduced, float* out) {
  int64_t total = 1, out_size = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    total *= shape[i];
    if (!reduced[i]) out_size *= shape[i];
  }
  if (total == 0) return;  // the caller handles empty inputs
  const int64_t count = total / out_size;  // elements folded into each output

  std::vector<Group> g;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!g.empty() && g.back().reduced == reduced[i]) {
      g.back().size *= shape[i];
    } else {
      g.push_back({shape[i], static_cast<bool>(reduced[i]), 0});
    }
  }
  if (g.empty()) g.push_back({1, false, 0});
  int64_t stride = 1;
  for (size_t i = g.size(); i-- > 0;) {
    if (!g[i].reduced) {
      g[i].out_stride = stride;
      stride *= g[i].size;
    }
  }

  const bool is_sum = op == kSum || op == kMean;
  std::vector<double> acc;  // sums in double, like the JS kernels
  if (is_sum) {
    acc.assign(out_size, 0.0);
  } else {
    const float init = op == kMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < out_size; ++i) out[i] = init;
  }

  const size_t outer = g.size() - 1;
  const Group& last = g[outer];
  const int64_t rows = total / last.size;
  std::vector<int64_t> idx(outer, 0);
  int64_t oi = 0;  // output offset of the current row's kept outer indices
  const float* p = x;
  for (int64_t row = 0; row < rows; ++row, p += last.size) {
    if (last.reduced) {
      if (is_sum) {
        acc[oi] += RowSum(p, last.size);
      } else if (op == kMax) {
        float m = out[oi];
        for (int64_t t = 0; t < last.size; ++t) m = FoldMax(m, p[t]);
        out[oi] = m;
      } else {
        float m = out[oi];
        for (int64_t t = 0; t < last.size; ++t) m = FoldMin(m, p[t]);
        out[oi] = m;
      }
    } else {
      if (is_sum) {
        double* a = acc.data() + oi;
        for (int64_t t = 0; t < last.size; ++t) a[t] += p[t];
      } else if (op == kMax) {
        float* o = out + oi;
        for (int64_t t = 0; t < last.size; ++t) o[t] = FoldMax(o[t], p[t]);
      } else {
        float* o = out + oi;
        for (int64_t t = 0; t < last.size; ++t) o[t] = FoldMin(o[t], p[t]);
      }
    }
    for (size_t d = outer; d-- > 0;) {
      oi += g[d].out_stride;  // 0 for reduced groups
      if (++idx[d] < g[d].size) break;
      oi -= g[d].out_stride * g[d].size;
      idx[d] = 0;
    }
  }

  if (is_sum) {
    const double scale = op == kMean ? 1.0 / static_cast<double>(count) : 1.0;
    for (int64_t i = 0; i < out_size; ++i) out[i] = static_cast<float>(acc[i] * scale);
  }
}

}  // namespace vaelab
