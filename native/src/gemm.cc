// Batched GEMM on OpenBLAS (row-major cblas_sgemm), one call per output matrix.
#include <cblas.h>

#include <cstring>

#include "kernels.h"

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
  for (int64_t i = 0; i < batch; ++i) {
    const int64_t ai = a_index ? a_index[i] : i;
    const int64_t bi = b_index ? b_index[i] : i;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a + ai * m * k, lda,
                b + bi * k * n, ldb, 0.0f, c + i * m * n, static_cast<int>(n));
  }
}

}  // namespace vaelab
