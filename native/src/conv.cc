// 2-D convolutions in NHWC (tfjs channelsLast) on float32: Conv2D and its two backprops by im2col +
// OpenBLAS sgemm, depthwise conv and its two backprops by direct loops. The geometry (output size,
// padding, strides, dilations) is resolved in JS by tfjs's computeConv2DInfo, so these kernels only
// index; every index they form is bounds-checked, so any geometry that passes the size checks is safe.
//
// Layouts (row-major): x [N, H, W, C]; conv filter [fh, fw, C, OC]; depthwise filter [fh, fw, C, m]
// with output channel j = c·m + q; y / dy [N, OH, OW, OC].
//
// Threading: with several threads, a Conv2D (or backprop) splits its output rows into one part per
// pool thread, and each part runs im2col/col2im and a single-threaded sgemm on cache-sized tiles
// (see "splitting a convolution across threads" below). With too little work to split, the copy
// loops run on the pool and the GEMM on OpenBLAS's threads, one after the other (never nested).
// Depthwise loops run on the pool.
#include <cblas.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "bias_act.h"
#include "conv_dnnl.h"
#include "napi_args.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int kGeomLength = 15;

// The im2col buffer is filled for at most this many bytes of rows at a time (whole rows, ≥ 1 row).
// Settable (setConvChunkBytes) so that tests can force many chunks on small convolutions.
int64_t col_budget_bytes = int64_t{64} << 20;

// A grow-only scratch buffer per JS thread (no page faults or zero-fill on every call).
float* Scratch(int64_t n) {
  thread_local std::vector<float> buf;
  if (static_cast<int64_t>(buf.size()) < n) {
    buf.clear();
    buf.shrink_to_fit();
    buf.resize(static_cast<size_t>(n));
  }
  return buf.data();
}

// Row-major C[m×n] = op(A)·op(B) (+ C when accumulate).
void Sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, sizeof(float) * n);
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), 1.0f, a, static_cast<int>(lda), b, static_cast<int>(ldb),
              accumulate ? 1.0f : 0.0f, c, static_cast<int>(ldc));
}

// True when the im2col matrix is x itself viewed as [Rows, K]: a 1×1 stride-1 unpadded conv
// (rows are pixels), or a filter covering the whole unpadded image (one row per image).
bool IsDirect(const ConvGeom& g) {
  if (g.pad_top != 0 || g.pad_left != 0) return false;
  if (g.f_h == 1 && g.f_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.out_h == g.in_h && g.out_w == g.in_w) return true;
  return g.f_h == g.in_h && g.f_w == g.in_w && g.out_h == 1 && g.out_w == 1 && (g.dil_h == 1 || g.f_h == 1) &&
         (g.dil_w == 1 || g.f_w == 1);
}

// Rows per im2col chunk so that the buffer stays within the budget.
int64_t ChunkRows(const ConvGeom& g) {
  return std::max<int64_t>(1, std::min(g.Rows(), col_budget_bytes / std::max<int64_t>(1, g.K() * 4)));
}

// Copy loops get about this many floats per pool part before splitting pays off.
constexpr int64_t kGrainFloats = 1 << 14;
int64_t RowGrain(int64_t floats_per_row) { return std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(1, floats_per_row)); }

// Output pixel r as (image n, top-left input corner ih0, iw0) and its valid kw range [kw0, kw1):
// 0 ≤ iw0 + kw·dil_w < in_w exactly for kw0 ≤ kw < kw1.
struct RowSpan {
  int64_t n, ih0, iw0, kw0, kw1;
};
inline RowSpan Span(const ConvGeom& g, int64_t r) {
  const int64_t plane = g.out_h * g.out_w;
  const int64_t n = r / plane, oh = (r % plane) / g.out_w, ow = r % g.out_w;
  RowSpan s{n, oh * g.stride_h - g.pad_top, ow * g.stride_w - g.pad_left, 0, g.f_w};
  if (s.iw0 < 0) s.kw0 = std::min(g.f_w, (-s.iw0 + g.dil_w - 1) / g.dil_w);
  if (s.iw0 >= g.in_w) s.kw1 = s.kw0;
  else if (s.iw0 + (g.f_w - 1) * g.dil_w >= g.in_w) s.kw1 = std::max(s.kw0, (g.in_w - 1 - s.iw0) / g.dil_w + 1);
  return s;
}

// dst[0, K) = the receptive field of output pixel r in (kh, kw, c) order, zeros over the padding.
inline void ImRow(const float* x, const ConvGeom& g, int64_t r, float* dst) {
  const int64_t C = g.in_c;
  const RowSpan s = Span(g, r);
  for (int64_t kh = 0; kh < g.f_h; ++kh) {
    float* d = dst + kh * g.f_w * C;
    const int64_t ih = s.ih0 + kh * g.dil_h;
    if (ih < 0 || ih >= g.in_h || s.kw0 >= s.kw1) {
      std::memset(d, 0, sizeof(float) * g.f_w * C);
      continue;
    }
    if (s.kw0 > 0) std::memset(d, 0, sizeof(float) * s.kw0 * C);
    const float* src = x + ((s.n * g.in_h + ih) * g.in_w + s.iw0) * C;
    if (g.dil_w == 1) {
      std::memcpy(d + s.kw0 * C, src + s.kw0 * C, sizeof(float) * (s.kw1 - s.kw0) * C);
    } else if (C == 1) {
      for (int64_t kw = s.kw0; kw < s.kw1; ++kw) d[kw] = src[kw * g.dil_w];
    } else {
      for (int64_t kw = s.kw0; kw < s.kw1; ++kw) std::memcpy(d + kw * C, src + kw * g.dil_w * C, sizeof(float) * C);
    }
    if (s.kw1 < g.f_w) std::memset(d + s.kw1 * C, 0, sizeof(float) * (g.f_w - s.kw1) * C);
  }
}

// dx += src[0, K) folded back onto the receptive field of output pixel r (the adjoint of ImRow).
inline void ColRowAdd(const float* src, const ConvGeom& g, int64_t r, float* dx) {
  const int64_t C = g.in_c;
  const RowSpan s = Span(g, r);
  if (s.kw0 >= s.kw1) return;
  for (int64_t kh = 0; kh < g.f_h; ++kh) {
    const int64_t ih = s.ih0 + kh * g.dil_h;
    if (ih < 0 || ih >= g.in_h) continue;
    float* __restrict d = dx + ((s.n * g.in_h + ih) * g.in_w + s.iw0) * C;
    const float* __restrict v = src + kh * g.f_w * C;
    if (g.dil_w == 1) {
      for (int64_t i = s.kw0 * C; i < s.kw1 * C; ++i) d[i] += v[i];
    } else {
      for (int64_t kw = s.kw0; kw < s.kw1; ++kw)
        for (int64_t c = 0; c < C; ++c) d[kw * g.dil_w * C + c] += v[kw * C + c];
    }
  }
}

// col[r − r0] = ImRow(r) for r in [r0, r1), split across the pool.
void Im2col(const float* x, const ConvGeom& g, int64_t r0, int64_t r1, float* col) {
  const int64_t K = g.K();
  ParallelFor(r1 - r0, RowGrain(K), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) ImRow(x, g, r0 + i, col + i * K);
  });
}

// For each input coordinate i in [0, in) along one axis, the taps (k, o) of the outputs that read it:
// i = o·stride − pad + k·dil with 0 ≤ k < f, 0 ≤ o < out. Entries of i are [start[i], start[i+1]).
struct TapTable {
  std::vector<int64_t> start, k, o;
  TapTable(int64_t in, int64_t out, int64_t f, int64_t stride, int64_t dil, int64_t pad) : start(in + 1, 0) {
    for (int64_t i = 0; i < in; ++i) {
      start[i] = static_cast<int64_t>(k.size());
      for (int64_t kk = 0; kk < f; ++kk) {
        const int64_t t = i + pad - kk * dil;
        if (t < 0) break;
        if (t % stride) continue;
        if (t / stride >= out) continue;
        k.push_back(kk);
        o.push_back(t / stride);
      }
    }
    start[in] = static_cast<int64_t>(k.size());
  }
};

// dx += the rows [r0, r1) of dcol folded back onto the input (adjoint of Im2col), as a gather over
// input pixels so that parallel parts never write the same element.
void Col2im(const float* dcol, const ConvGeom& g, int64_t r0, int64_t r1, float* dx) {
  const int64_t K = g.K(), C = g.in_c, plane = g.out_h * g.out_w;
  const int64_t n0 = r0 / plane, n1 = (r1 - 1) / plane + 1;
  const TapTable th(g.in_h, g.out_h, g.f_h, g.stride_h, g.dil_h, g.pad_top), tw(g.in_w, g.out_w, g.f_w, g.stride_w, g.dil_w, g.pad_left);
  const int64_t units = (n1 - n0) * g.in_h;
  ParallelFor(units, RowGrain(g.in_w * C * 4), [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t n = n0 + u / g.in_h, ih = u % g.in_h;
      for (int64_t iw = 0; iw < g.in_w; ++iw) {
        float* __restrict dst = dx + ((n * g.in_h + ih) * g.in_w + iw) * C;
        for (int64_t a = th.start[ih]; a < th.start[ih + 1]; ++a) {
          const int64_t row0 = (n * g.out_h + th.o[a]) * g.out_w, kh = th.k[a];
          for (int64_t b = tw.start[iw]; b < tw.start[iw + 1]; ++b) {
            const int64_t r = row0 + tw.o[b];
            if (r < r0 || r >= r1) continue;
            const float* __restrict src = dcol + (r - r0) * K + (kh * g.f_w + tw.k[b]) * C;
            for (int64_t c = 0; c < C; ++c) dst[c] += src[c];
          }
        }
      }
    }
  });
}

// ---- splitting a convolution across threads ----------------------------------------------------
// With several threads, the output rows are split into one contiguous range per thread ("part"), and
// each part runs its own im2col (or col2im) and a single-threaded sgemm on tiles of rows small
// enough to stay in cache. This keeps both cores busy without handing work back and forth between
// our pool and OpenBLAS's threads after every step (which costs more than these GEMMs on small
// convolutions). With one part, the tiles are the budget-sized chunks and OpenBLAS keeps its threads.

constexpr int64_t kMinPartRows = 64;        // fewer rows than this per thread: do not split
constexpr int64_t kTileBytes = 256 << 10;   // im2col tile per thread for forward and backprop input
constexpr int64_t kFilterTileBytes = 1 << 20;  // backprop filter: longer GEMM inner dimension

int64_t PartsFor(int64_t rows) { return std::max<int64_t>(1, std::min<int64_t>(PoolThreads(), rows / kMinPartRows)); }

int64_t TileRows(const ConvGeom& g, int64_t parts, int64_t tile_bytes) {
  if (parts == 1) return ChunkRows(g);
  return std::min(ChunkRows(g), std::max<int64_t>(kMinPartRows, tile_bytes / std::max<int64_t>(1, g.K() * 4)));
}


// Runs fn(p) for every part p < parts on the pool; an exception in a part is rethrown here.
template <typename F>
void RunParts(int64_t parts, F fn) {
  if (parts == 1) return fn(0);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(parts));
  ParallelFor(parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      try {
        fn(p);
      } catch (...) {
        errors[p] = std::current_exception();
      }
    }
  });
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// y [Rows, OC] = im2col(x) [Rows, K] · w [K, OC]
void Conv2dForward(const float* x, const float* w, float* y, const ConvGeom& g) {
  const int64_t K = g.K(), rows = g.Rows(), oc = g.out_c;
  if (rows == 0 || oc == 0) return;
  if (IsDirect(g)) return Sgemm(false, false, rows, oc, K, x, K, w, oc, y, oc, false);
  if (DnnlConv2dForward(x, w, y, g)) return;
  const int64_t parts = PartsFor(rows), tile = TileRows(g, parts, kTileBytes);
  RunParts(parts, [&](int64_t p) {
    const int64_t begin = rows * p / parts, end = rows * (p + 1) / parts;
    float* col = Scratch(tile * K);
    for (int64_t r0 = begin; r0 < end; r0 += tile) {
      const int64_t r1 = std::min(end, r0 + tile);
      if (parts == 1) Im2col(x, g, r0, r1, col);
      else
        for (int64_t r = r0; r < r1; ++r) ImRow(x, g, r, col + (r - r0) * K);
      Sgemm(false, false, r1 - r0, oc, K, col, K, w, oc, y + r0 * oc, oc, false);
    }
  });
}

// dw [K, OC] = im2col(x)ᵀ [K, Rows] · dy [Rows, OC]: each part sums its rows (tile by tile) into its
// own partial (the first part into dw), and the partials are added in part order.
void Conv2dBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeom& g) {
  const int64_t K = g.K(), rows = g.Rows(), oc = g.out_c, wsize = K * oc;
  if (wsize == 0) return;
  if (rows == 0) {
    std::memset(dw, 0, sizeof(float) * wsize);
    return;
  }
  if (IsDirect(g)) return Sgemm(true, false, K, oc, rows, x, K, dy, oc, dw, oc, false);
  if (DnnlConv2dBackpropFilter(x, dy, dw, g)) return;
  const int64_t parts = PartsFor(rows), tile = TileRows(g, parts, kFilterTileBytes);
  std::vector<float> partial(static_cast<size_t>((parts - 1) * wsize));
  {
    RunParts(parts, [&](int64_t p) {
      const int64_t begin = rows * p / parts, end = rows * (p + 1) / parts;
      float* acc = p == 0 ? dw : partial.data() + (p - 1) * wsize;
      float* col = Scratch(tile * K);
      for (int64_t r0 = begin; r0 < end; r0 += tile) {
        const int64_t r1 = std::min(end, r0 + tile);
        if (parts == 1) Im2col(x, g, r0, r1, col);
        else
          for (int64_t r = r0; r < r1; ++r) ImRow(x, g, r, col + (r - r0) * K);
        Sgemm(true, false, K, oc, r1 - r0, col, K, dy + r0 * oc, oc, acc, oc, r0 > begin);
      }
    });
  }
  for (int64_t p = 1; p < parts; ++p) {
    const float* __restrict src = partial.data() + (p - 1) * wsize;
    for (int64_t i = 0; i < wsize; ++i) dw[i] += src[i];
  }
}

// dx = col2im(dy [Rows, OC] · wᵀ [OC, K]). Parts own whole images (so their scatter-adds never
// meet); with fewer images than threads, one BLAS-threaded GEMM per chunk and a parallel gather.
void Conv2dBackpropInput(const float* dy, const float* w, float* dx, const ConvGeom& g) {
  const int64_t K = g.K(), rows = g.Rows(), oc = g.out_c, plane = g.out_h * g.out_w;
  const int64_t image = g.in_h * g.in_w * g.in_c;
  if (g.XSize() == 0) return;
  if (IsDirect(g)) return Sgemm(false, true, rows, K, oc, dy, oc, w, oc, dx, K, false);
  if (DnnlConv2dBackpropInput(dy, w, dx, g)) return;
  if (rows == 0) {
    std::memset(dx, 0, sizeof(float) * g.XSize());
    return;
  }
  const int64_t parts = std::min(PartsFor(rows), g.batch);
  if (parts == 1) {
    // One thread (or too little work to split): a sequential scatter. Fewer images than threads:
    // the gather, split across the pool.
    const bool gather = PartsFor(rows) > 1;
    std::memset(dx, 0, sizeof(float) * g.XSize());
    const int64_t chunk = ChunkRows(g);
    float* dcol = Scratch(chunk * K);
    for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
      const int64_t r1 = std::min(rows, r0 + chunk);
      Sgemm(false, true, r1 - r0, K, oc, dy + r0 * oc, oc, w, oc, dcol, K, false);
      if (gather) Col2im(dcol, g, r0, r1, dx);
      else
        for (int64_t r = r0; r < r1; ++r) ColRowAdd(dcol + (r - r0) * K, g, r, dx);
    }
    return;
  }
  const int64_t tile = TileRows(g, parts, kTileBytes);
  RunParts(parts, [&](int64_t p) {
    const int64_t n0 = g.batch * p / parts, n1 = g.batch * (p + 1) / parts;
    std::memset(dx + n0 * image, 0, sizeof(float) * (n1 - n0) * image);
    float* dcol = Scratch(tile * K);
    for (int64_t r0 = n0 * plane; r0 < n1 * plane; r0 += tile) {
      const int64_t r1 = std::min(n1 * plane, r0 + tile);
      Sgemm(false, true, r1 - r0, K, oc, dy + r0 * oc, oc, w, oc, dcol, K, false);
      for (int64_t r = r0; r < r1; ++r) ColRowAdd(dcol + (r - r0) * K, g, r, dx);
    }
  });
}

// ---- depthwise ---------------------------------------------------------------------------------
// Work units are (image, output row, block of output columns) for the forward and backprop-filter
// loops and (image, input row, block of input columns) for backprop-input; rows are cut into column
// blocks only when there are too few rows to share out (a 1-D signal is a single row per image).
// The innermost loops run over channels (contiguous, vectorised).

// Column blocks per row so that rows × blocks gives every thread several units.
int64_t ColumnBlocks(int64_t rows, int64_t width) {
  const int64_t want = 4 * PoolThreads();
  if (rows >= want || width <= 1) return 1;
  return std::min(width, (want + rows - 1) / rows);
}

// y[n, oh, ow, c·m + q] = Σ_{kh, kw} x[n, ih, iw, c] · w[kh, kw, c, q], taps added in (kh, kw) order
// (the cpu kernel's order, so results agree to the last bit or nearly).
// M > 0 fixes the channel multiplier at compile time (so the inner loops vectorise), 0 reads it from g.
template <int M>
void DepthwiseForwardT(const float* x, const float* w, float* y, const ConvGeom& g) {
  const int64_t C = g.in_c, OC = g.out_c, m = M > 0 ? M : OC / C;
  const int64_t rows = g.batch * g.out_h, blocks = ColumnBlocks(rows, g.out_w);
  ParallelFor(rows * blocks, RowGrain(g.out_w * OC * g.f_h * g.f_w / blocks), [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t row = u / blocks, blk = u % blocks, n = row / g.out_h, oh = row % g.out_h;
      const int64_t ow0 = g.out_w * blk / blocks, ow1 = g.out_w * (blk + 1) / blocks;
      float* yrow = y + row * g.out_w * OC;
      std::memset(yrow + ow0 * OC, 0, sizeof(float) * (ow1 - ow0) * OC);
      for (int64_t kh = 0; kh < g.f_h; ++kh) {
        const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dil_h;
        if (ih < 0 || ih >= g.in_h) continue;
        const float* xrow = x + (n * g.in_h + ih) * g.in_w * C;
        for (int64_t ow = ow0; ow < ow1; ++ow) {
          float* __restrict yp = yrow + ow * OC;
          const int64_t iw0 = ow * g.stride_w - g.pad_left;
          for (int64_t kw = 0; kw < g.f_w; ++kw) {
            const int64_t iw = iw0 + kw * g.dil_w;
            if (iw < 0 || iw >= g.in_w) continue;
            const float* __restrict xp = xrow + iw * C;
            const float* __restrict wp = w + (kh * g.f_w + kw) * OC;
            for (int64_t c = 0; c < C; ++c)
              for (int64_t q = 0; q < m; ++q) yp[c * m + q] += xp[c] * wp[c * m + q];
          }
        }
      }
    }
  });
}

// dx[n, ih, iw, c] = Σ_{taps hitting (ih, iw)} Σ_q dy[n, oh, ow, c·m + q] · w[kh, kw, c, q] (dilation-aware).
template <int M>
void DepthwiseBackpropInputT(const float* dy, const float* w, float* dx, const ConvGeom& g) {
  const int64_t C = g.in_c, OC = g.out_c, m = M > 0 ? M : OC / C;
  const int64_t rows = g.batch * g.in_h, blocks = ColumnBlocks(rows, g.in_w);
  const TapTable th(g.in_h, g.out_h, g.f_h, g.stride_h, g.dil_h, g.pad_top), tw(g.in_w, g.out_w, g.f_w, g.stride_w, g.dil_w, g.pad_left);
  ParallelFor(rows * blocks, RowGrain(g.in_w * OC * g.f_h * g.f_w / blocks), [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t row = u / blocks, blk = u % blocks, n = row / g.in_h, ih = row % g.in_h;
      const int64_t iw0 = g.in_w * blk / blocks, iw1 = g.in_w * (blk + 1) / blocks;
      float* dxrow = dx + row * g.in_w * C;
      std::memset(dxrow + iw0 * C, 0, sizeof(float) * (iw1 - iw0) * C);
      for (int64_t a = th.start[ih]; a < th.start[ih + 1]; ++a) {
        const int64_t kh = th.k[a];
        const float* dyrow = dy + (n * g.out_h + th.o[a]) * g.out_w * OC;
        for (int64_t iw = iw0; iw < iw1; ++iw) {
          float* __restrict dp = dxrow + iw * C;
          for (int64_t b = tw.start[iw]; b < tw.start[iw + 1]; ++b) {
            const float* __restrict gp = dyrow + tw.o[b] * OC;
            const float* __restrict wp = w + (kh * g.f_w + tw.k[b]) * OC;
            if (m == 1) {
              for (int64_t c = 0; c < C; ++c) dp[c] += gp[c] * wp[c];
            } else {
              for (int64_t c = 0; c < C; ++c) {
                float s = 0;
                for (int64_t q = 0; q < m; ++q) s += gp[c * m + q] * wp[c * m + q];
                dp[c] += s;
              }
            }
          }
        }
      }
    }
  });
}

// dw[kh, kw, c, q] = Σ_{n, oh, ow} x[n, ih, iw, c] · dy[n, oh, ow, c·m + q]. The units are split
// into one part per thread, each summing into its own double-precision partial (the sums run over
// N·OH·OW terms, and the cpu kernel sums in doubles too); partials are added in a fixed order.
template <int M>
void DepthwiseBackpropFilterT(const float* x, const float* dy, float* dw, const ConvGeom& g) {
  const int64_t C = g.in_c, OC = g.out_c, m = M > 0 ? M : OC / C, taps = g.f_h * g.f_w, wsize = taps * OC;
  const int64_t rows = g.batch * g.out_h, blocks = ColumnBlocks(rows, g.out_w), units = rows * blocks;
  const int64_t work = rows * g.out_w * OC * taps;
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>({PoolThreads(), units, work / kGrainFloats}));
  std::vector<double> partial(static_cast<size_t>(parts * wsize), 0.0);
  RunParts(parts, [&](int64_t p) {
    double* acc = partial.data() + p * wsize;
    for (int64_t u = units * p / parts; u < units * (p + 1) / parts; ++u) {
      const int64_t row = u / blocks, blk = u % blocks, n = row / g.out_h, oh = row % g.out_h;
      const int64_t ow0 = g.out_w * blk / blocks, ow1 = g.out_w * (blk + 1) / blocks;
      const float* dyrow = dy + row * g.out_w * OC;
      for (int64_t kh = 0; kh < g.f_h; ++kh) {
        const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dil_h;
        if (ih < 0 || ih >= g.in_h) continue;
        const float* xrow = x + (n * g.in_h + ih) * g.in_w * C;
        for (int64_t ow = ow0; ow < ow1; ++ow) {
          const float* __restrict gp = dyrow + ow * OC;
          const int64_t iw0 = ow * g.stride_w - g.pad_left;
          for (int64_t kw = 0; kw < g.f_w; ++kw) {
            const int64_t iw = iw0 + kw * g.dil_w;
            if (iw < 0 || iw >= g.in_w) continue;
            const float* __restrict xp = xrow + iw * C;
            double* __restrict ap = acc + (kh * g.f_w + kw) * OC;
            for (int64_t c = 0; c < C; ++c)
              for (int64_t q = 0; q < m; ++q) ap[c * m + q] += static_cast<double>(xp[c]) * gp[c * m + q];
          }
        }
      }
    }
  });
  for (int64_t i = 0; i < wsize; ++i) {
    double s = 0;
    for (int64_t p = 0; p < parts; ++p) s += partial[p * wsize + i];
    dw[i] = static_cast<float>(s);
  }
}

// Compile-time channel multipliers 1–4 (vectorised inner loops), any other at run time.
#define VAELAB_DEPTHWISE_DISPATCH(Name)                                    \
  void Name(const float* a, const float* b, float* out, const ConvGeom& g) { \
    switch (g.out_c / g.in_c) {                                            \
      case 1: return Name##T<1>(a, b, out, g);                             \
      case 2: return Name##T<2>(a, b, out, g);                             \
      case 3: return Name##T<3>(a, b, out, g);                             \
      case 4: return Name##T<4>(a, b, out, g);                             \
      default: return Name##T<0>(a, b, out, g);                            \
    }                                                                      \
  }
VAELAB_DEPTHWISE_DISPATCH(DepthwiseForward)
VAELAB_DEPTHWISE_DISPATCH(DepthwiseBackpropInput)
VAELAB_DEPTHWISE_DISPATCH(DepthwiseBackpropFilter)
#undef VAELAB_DEPTHWISE_DISPATCH

// ---- conv + bias + activation, fused ----------------------------------------------------------------
// y = act(conv(x, w) + b) as one kernel; its backward kernel forms dz = dy·act′, db (bias_act.h) and
// dw. dx is left to a Conv2DBackpropInput on dz, run by the caller only where x needs a gradient (a
// first layer on data does not, and its dx costs as much as its forward).

// ---- N-API glue --------------------------------------------------------------------------------
// Every entry point is f(a, b, out, geom): geom = [batch, inH, inW, inC, outH, outW, outC, filterH,
// filterW, strideH, strideW, dilationH, dilationW, padTop, padLeft] as resolved by computeConv2DInfo.

ConvGeom ReadGeom(Args& a, size_t i, bool depthwise) {
  const Dims d = a.Shape(i, "geom");
  if (d.size() != kGeomLength) Fail(a.fn, "geom has " + std::to_string(d.size()) + " entries, expected " + std::to_string(kGeomLength));
  ConvGeom g{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  if (g.stride_h < 1 || g.stride_w < 1) Fail(a.fn, "geom strides must be ≥ 1");
  if (g.dil_h < 1 || g.dil_w < 1) Fail(a.fn, "geom dilations must be ≥ 1");
  const int64_t limit = int64_t{1} << 31;
  for (int64_t v : d)
    if (v >= limit) Fail(a.fn, "geom entries must be < 2^31");
  if (g.K() >= limit || g.Rows() >= limit || g.XSize() >= (int64_t{1} << 40)) Fail(a.fn, "convolution too large");
  if (depthwise && (g.in_c == 0 || g.out_c % g.in_c != 0))
    Fail(a.fn, "outC (" + std::to_string(g.out_c) + ") must be a multiple of inC (" + std::to_string(g.in_c) + ")");
  return g;
}

int64_t FilterSize(const ConvGeom& g, bool depthwise) { return g.f_h * g.f_w * (depthwise ? g.out_c : g.in_c * g.out_c); }

// conv2d(x, filter, out y, geom) / depthwiseConv2d(...)
template <bool kDepthwise>
napi_value JsForward(napi_env env, napi_callback_info info) {
  const char* name = kDepthwise ? "depthwiseConv2d" : "conv2d";
  return Guard(env, [&] {
    Args a(env, info, name, 4);
    const ConvGeom g = ReadGeom(a, 3, kDepthwise);
    const float* x = a.F32(0, "x", g.XSize());
    const float* w = a.F32(1, "filter", FilterSize(g, kDepthwise));
    float* y = a.F32(2, "out", g.YSize());
    if (kDepthwise) DepthwiseForward(x, w, y, g);
    else Conv2dForward(x, w, y, g);
    return Undefined(env);
  });
}

// conv2dBackpropInput(dy, filter, out dx, geom) / depthwiseBackpropInput(...)
template <bool kDepthwise>
napi_value JsBackpropInput(napi_env env, napi_callback_info info) {
  const char* name = kDepthwise ? "depthwiseBackpropInput" : "conv2dBackpropInput";
  return Guard(env, [&] {
    Args a(env, info, name, 4);
    const ConvGeom g = ReadGeom(a, 3, kDepthwise);
    const float* dy = a.F32(0, "dy", g.YSize());
    const float* w = a.F32(1, "filter", FilterSize(g, kDepthwise));
    float* dx = a.F32(2, "out", g.XSize());
    if (kDepthwise) DepthwiseBackpropInput(dy, w, dx, g);
    else Conv2dBackpropInput(dy, w, dx, g);
    return Undefined(env);
  });
}

// conv2dBackpropFilter(x, dy, out dw, geom) / depthwiseBackpropFilter(...)
template <bool kDepthwise>
napi_value JsBackpropFilter(napi_env env, napi_callback_info info) {
  const char* name = kDepthwise ? "depthwiseBackpropFilter" : "conv2dBackpropFilter";
  return Guard(env, [&] {
    Args a(env, info, name, 4);
    const ConvGeom g = ReadGeom(a, 3, kDepthwise);
    const float* x = a.F32(0, "x", g.XSize());
    const float* dy = a.F32(1, "dy", g.YSize());
    float* dw = a.F32(2, "out", FilterSize(g, kDepthwise));
    if (kDepthwise) DepthwiseBackpropFilter(x, dy, dw, g);
    else Conv2dBackpropFilter(x, dy, dw, g);
    return Undefined(env);
  });
}

int64_t ReadAct(Args& a, size_t i) {
  const int64_t act = a.Int(i, "activation");
  if (act < 0 || act >= kActCount) Fail(a.fn, "activation code must be in [0, " + std::to_string(kActCount) + ")");
  return act;
}

// conv2dBiasAct(x, filter, bias | null, out y, out pre | null, geom, activation)
napi_value JsConv2dBiasAct(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "conv2dBiasAct", 7);
    const ConvGeom g = ReadGeom(a, 5, false);
    const int64_t act = ReadAct(a, 6);
    const float* x = a.F32(0, "x", g.XSize());
    const float* w = a.F32(1, "filter", FilterSize(g, false));
    const float* bias = a.IsNull(2) ? nullptr : a.F32(2, "bias", g.out_c);
    float* y = a.F32(3, "out", g.YSize());
    float* pre = a.IsNull(4) ? nullptr : a.F32(4, "pre", g.YSize());
    if (act == kActSwish && !pre) Fail(a.fn, "swish needs the pre-activation output (its gradient reads it)");
    Conv2dForward(x, w, y, g);
    if (bias || act != kActLinear || pre) BiasAct(y, pre, bias, g.Rows(), g.out_c, act);
    return Undefined(env);
  });
}

// conv2dBiasActBackward(dy, src, x, geom, activation, out dz | null, out dw, out db | null):
// dz = dy·act′ (null for linear: dz is dy), db = Σ dz, dw = backprop filter of dz.
napi_value JsConv2dBiasActBackward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "conv2dBiasActBackward", 8);
    const ConvGeom g = ReadGeom(a, 3, false);
    const int64_t act = ReadAct(a, 4);
    const float* dy = a.F32(0, "dy", g.YSize());
    const float* src = act == kActLinear ? nullptr : a.F32(1, "src", g.YSize());
    const float* x = a.F32(2, "x", g.XSize());
    float* dz_out = act == kActLinear ? nullptr : a.F32(5, "dz", g.YSize());
    float* dw = a.F32(6, "dw", FilterSize(g, false));
    float* db = a.IsNull(7) ? nullptr : a.F32(7, "db", g.out_c);
    const float* dz = BiasActBackward(dy, src, g.Rows(), g.out_c, act, dz_out, db);
    Conv2dBackpropFilter(x, dz, dw, g);
    return Undefined(env);
  });
}

// setConvChunkBytes(bytes): the im2col chunk budget (≥ 1); returns the previous one. For tests.
napi_value JsSetConvChunkBytes(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "setConvChunkBytes", 1);
    const int64_t bytes = a.Int(0, "bytes");
    if (bytes < 1) Fail("setConvChunkBytes", "bytes must be ≥ 1");
    const int64_t previous = col_budget_bytes;
    col_budget_bytes = bytes;
    napi_value r;
    napi_create_double(env, static_cast<double>(previous), &r);
    return r;
  });
}

// setDnnlConv(on): whether Conv2D and its backprops use oneDNN (conv_dnnl.cc; else im2col + sgemm);
// returns the previous setting. dnnlConvCalls(): the calls oneDNN has served. dnnlConvAvailable(): whether
// oneDNN was built in. For tests, timing and the engine's description.
napi_value JsSetDnnlConv(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "setDnnlConv", 1);
    bool on = false;
    if (napi_get_value_bool(env, a.v[0], &on) != napi_ok) Fail("setDnnlConv", "on must be a boolean");
    napi_value r;
    napi_get_boolean(env, SetDnnlConv(on), &r);
    return r;
  });
}

napi_value JsDnnlConvCalls(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_double(env, static_cast<double>(DnnlConvCalls()), &r);
  return r;
}

napi_value JsDnnlConvAvailable(napi_env env, napi_callback_info) {
  napi_value r;
  napi_get_boolean(env, DnnlConvAvailable(), &r);
  return r;
}

}  // namespace

void RegisterConv(napi_env env, napi_value exports) {
  Export(env, exports, "conv2d", JsForward<false>);
  Export(env, exports, "conv2dBackpropInput", JsBackpropInput<false>);
  Export(env, exports, "setDnnlConv", JsSetDnnlConv);
  Export(env, exports, "dnnlConvCalls", JsDnnlConvCalls);
  Export(env, exports, "dnnlConvAvailable", JsDnnlConvAvailable);
  Export(env, exports, "conv2dBackpropFilter", JsBackpropFilter<false>);
  Export(env, exports, "depthwiseConv2d", JsForward<true>);
  Export(env, exports, "depthwiseBackpropInput", JsBackpropInput<true>);
  Export(env, exports, "depthwiseBackpropFilter", JsBackpropFilter<true>);
  Export(env, exports, "setConvChunkBytes", JsSetConvChunkBytes);
  Export(env, exports, "conv2dBiasAct", JsConv2dBiasAct);
  Export(env, exports, "conv2dBiasActBackward", JsConv2dBiasActBackward);
}

}  // namespace vaelab
