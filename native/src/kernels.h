// Plain C++ kernels on contiguous row-major float32 buffers, independent of N-API so that the
// glue in addon.cc stays thin. Every function trusts its caller (addon.cc) to have checked sizes.
#pragma once
#include <cstdint>
#include <vector>

namespace vaelab {

using Dims = std::vector<int64_t>;

// Codes shared with lib/engine/native/addon.ts (keep in sync).
enum UnaryOp : int {
  kExp = 0, kLog, kNeg, kRelu, kSigmoid, kTanh, kSoftplus, kSqrt, kSquare, kAbs, kLog1p,
  kElu, kRelu6, kLeakyRelu, kIdentity, kLgamma, kDigamma, kTrigamma, kUnaryCount
};
enum BinaryOp : int {
  kAdd = 0, kSub, kMul, kDiv, kMaximum, kMinimum, kSquaredDifference, kPow, kPrelu, kLbeta, kGammaShapeGrad, kBinaryCount
};
enum ReduceOp : int { kSum = 0, kMean, kMax, kMin, kReduceCount };

// C[b] = op(A[aIndex[b]]) · op(B[bIndex[b]]) for b < batch; A matrices are M×K (K×M if transA),
// B matrices K×N (N×K if transB), C is batch×M×N. Null index arrays mean "b itself".
void Gemm(const float* a, const float* b, float* c, int64_t batch, int64_t m, int64_t n, int64_t k,
          bool trans_a, bool trans_b, const int32_t* a_index, const int32_t* b_index);

// out[i] = f(x[i]); out may equal x. alpha is the LeakyRelu slope (ignored by other ops).
void Unary(int op, const float* x, float* out, int64_t size, float alpha);

// out = a op b with numpy broadcasting (shapes of lower rank are right-aligned to out_shape).
// out may alias a (or b) only when that operand has out_shape itself (is not broadcast).
void Binary(int op, const float* a, const Dims& a_shape, const float* b, const Dims& b_shape, float* out,
            const Dims& out_shape);

// Reduce x (shape) over the axes flagged in `reduced` (same length as shape); out has the kept dims
// in order. Sums accumulate in double like the tfjs cpu kernels (which add in JS numbers).
void Reduce(int op, const float* x, const Dims& shape, const std::vector<bool>& reduced, float* out);

// out = transpose(x, perm) for 4-byte elements (float32 or int32 alike).
void Transpose(const uint32_t* x, const Dims& shape, const Dims& perm, uint32_t* out);

}  // namespace vaelab
