// General transpose of 4-byte elements. Axes that stay adjacent and in order are merged; the
// common 2-D case (swap of the last two merged axes) is done in cache-sized tiles.
#include <algorithm>
#include <vector>

#include "kernels.h"

namespace vaelab {

void Transpose(const uint32_t* x, const Dims& shape, const Dims& perm, uint32_t* out) {
  const size_t rank = shape.size();
  int64_t total = 1;
  for (int64_t d : shape) total *= d;
  if (total == 0) return;

  // Input strides, then the output's axes (in output order) with their input strides,
  // dropping size-1 axes and merging runs where out axis j+1 follows out axis j in the input.
  std::vector<int64_t> in_stride(rank);
  int64_t s = 1;
  for (size_t i = rank; i-- > 0;) {
    in_stride[i] = s;
    s *= shape[i];
  }
  std::vector<int64_t> dims, strides;
  for (size_t j = 0; j < rank; ++j) {
    const int64_t n = shape[perm[j]];
    const int64_t st = in_stride[perm[j]];
    if (n == 1) continue;
    if (!dims.empty() && strides.back() == st * n) {
      dims.back() *= n;
      strides.back() = st;
      continue;
    }
    dims.push_back(n);
    strides.push_back(st);
  }
  if (dims.size() <= 1) {  // identity permutation after merging
    std::copy(x, x + total, out);
    return;
  }

  const size_t r = dims.size();
  if (r == 2 || (strides[r - 2] == 1)) {
    // Tile the last two output axes: out[.., i, j] = x[base + i*s0 + j*s1].
    const int64_t n0 = dims[r - 2], n1 = dims[r - 1], s0 = strides[r - 2], s1 = strides[r - 1];
    const int64_t plane = n0 * n1;
    const int64_t planes = total / plane;
    std::vector<int64_t> idx(r - 2, 0);
    int64_t base = 0;
    constexpr int64_t kTile = 32;
    for (int64_t pl = 0; pl < planes; ++pl) {
      uint32_t* o = out + pl * plane;
      for (int64_t i0 = 0; i0 < n0; i0 += kTile) {
        const int64_t i1 = std::min(i0 + kTile, n0);
        for (int64_t j0 = 0; j0 < n1; j0 += kTile) {
          const int64_t j1 = std::min(j0 + kTile, n1);
          for (int64_t i = i0; i < i1; ++i)
            for (int64_t j = j0; j < j1; ++j) o[i * n1 + j] = x[base + i * s0 + j * s1];
        }
      }
      for (size_t d = r - 2; d-- > 0;) {
        base += strides[d];
        if (++idx[d] < dims[d]) break;
        base -= strides[d] * dims[d];
        idx[d] = 0;
      }
    }
    return;
  }

  // General case: walk the output in order, reading the input with the innermost stride.
  const int64_t inner = dims[r - 1], si = strides[r - 1];
  std::vector<int64_t> idx(r - 1, 0);
  int64_t base = 0;
  for (int64_t o = 0; o < total; o += inner) {
    for (int64_t j = 0; j < inner; ++j) out[o + j] = x[base + j * si];
    for (size_t d = r - 1; d-- > 0;) {
      base += strides[d];
      if (++idx[d] < dims[d]) break;
      base -= strides[d] * dims[d];
      idx[d] = 0;
    }
  }
}

}  // namespace vaelab
