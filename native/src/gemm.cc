// Batched GEMM on OpenBLAS (row-major cblas_sgemm, single-threaded), spread over our pool: by output
// matrix when the batch has enough of them, else by blocks of rows of each product.
#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "kernels.h"
#include "thread_pool.h"

namespace vaelab {

void Gemm(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t n, int64_t k,
          bool trans_a, bool trans_b, const int32_t* a_index, const int32_t* b_index) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // empty inner dimension: the product is zero (and BLAS would reject lda = 0)
    std::memset(c, 0, sizeof(float) * batch * m * n);
    return;
  }
  const int lda = static_cast<int>(trans_a ? m : k);
  const int ldb = static_cast<int>(trans_b ? k : n);
  // rows [r0, r1) of product i: A's rows start at r0 (or its columns, when A is transposed).
  auto product = [&](int64_t i, int64_t r0, int64_t r1) {
    const int64_t ai = a_index ? a_index[i] : i;
    const int64_t bi = b_index ? b_index[i] : i;
    const float* pa = a + ai * m * k + (trans_a ? r0 : r0 * k);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(r1 - r0), static_cast<int>(n), static_cast<int>(k), 1.0f, pa, lda, b + bi * k * n, ldb, 0.0f,
                c + i * m * n + r0 * n, static_cast<int>(n));
  };
  const int64_t flops = m * n * k;
  constexpr int64_t kMinFlops = 1 << 16;  // below this a product is not worth splitting
  const int threads = PoolThreads();
  if (batch >= 2 * threads || flops < kMinFlops * 2 || m < 16) {
    // Whole products per task (grain: enough of them to be worth a task).
    ParallelFor(batch, std::max<int64_t>(1, kMinFlops / std::max<int64_t>(flops, 1)), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) product(i, 0, m);
    });
    return;
  }
  // Few large products: split each one's rows into blocks (multiples of 8 rows for the kernels).
  const int64_t blocks = std::min<int64_t>((m + 7) / 8, std::max<int64_t>(1, flops / kMinFlops));
  for (int64_t i = 0; i < batch; ++i) {
    ParallelFor(blocks, 1, [&](int64_t begin, int64_t end) {
      const int64_t r0 = std::min(m, ((m * begin / blocks) + 7) / 8 * 8);
      const int64_t r1 = end == blocks ? m : std::min(m, ((m * end / blocks) + 7) / 8 * 8);
      if (r0 < r1) product(i, r0, r1);
    });
  }
}

}  // namespace vaelab
