// A dense layer y = act(x·w + b) as one forward and one backward kernel (lib/nets/mlp.ts dense),
// replacing the composed MatMul, Add, activation and most of their gradients (Step, Mul, Sum, Reshape,
// a MatMul). The products are Gemm's (gemm.cc), with the composed MatMul kernels' arguments, and the
// epilogue is bias_act.h's, so y, dx and dw equal the composed native ops' bit for bit.
//   forward:  y [M, N] = act(x [M, K] · w [K, N] + b)
//   backward: dz = dy·act′, db = Σ_rows dz, dw = xᵀ · dz (and dx = dz · wᵀ by the caller, when needed)
#include <node_api.h>

#include <string>

#include "bias_act.h"
#include "kernels.h"
#include "napi_args.h"

namespace vaelab {
namespace {

int64_t ReadAct(Args& a, size_t i) {
  const int64_t act = a.Int(i, "activation");
  if (act < 0 || act >= kActCount) Fail(a.fn, "activation code must be in [0, " + std::to_string(kActCount) + ")");
  return act;
}

// denseBiasAct(x, w, bias | null, out y, out pre | null, m, k, n, activation)
napi_value JsDenseBiasAct(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "denseBiasAct", 9);
    const int64_t m = a.Int(5, "m"), k = a.Int(6, "k"), n = a.Int(7, "n");
    const int64_t act = ReadAct(a, 8);
    const float* x = a.F32(0, "x", m * k);
    const float* w = a.F32(1, "w", k * n);
    const float* bias = a.IsNull(2) ? nullptr : a.F32(2, "bias", n);
    float* y = a.F32(3, "out", m * n);
    float* pre = a.IsNull(4) ? nullptr : a.F32(4, "pre", m * n);
    if (act == kActSwish && !pre) Fail(a.fn, "swish needs the pre-activation output (its gradient reads it)");
    Gemm(x, w, y, 1, m, n, k, false, false, nullptr, nullptr);
    if (bias || act != kActLinear || pre) BiasAct(y, pre, bias, m, n, act);
    return Undefined(env);
  });
}

// denseBiasActBackward(dy, src, x, m, k, n, activation, out dz | null, out dw, out db | null):
// dz = dy·act′ (null for linear: dz is dy), db = Σ_rows dz, dw = xᵀ · dz. dx = dz · wᵀ is left to a
// MatMul run by the caller only where x needs a gradient (a first layer on data does not).
napi_value JsDenseBiasActBackward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "denseBiasActBackward", 10);
    const int64_t m = a.Int(3, "m"), k = a.Int(4, "k"), n = a.Int(5, "n");
    const int64_t act = ReadAct(a, 6);
    const float* dy = a.F32(0, "dy", m * n);
    const float* src = act == kActLinear ? nullptr : a.F32(1, "src", m * n);
    const float* x = a.F32(2, "x", m * k);
    float* dz_out = act == kActLinear ? nullptr : a.F32(7, "dz", m * n);
    float* dw = a.F32(8, "dw", k * n);
    float* db = a.IsNull(9) ? nullptr : a.F32(9, "db", n);
    const float* dz = BiasActBackward(dy, src, m, n, act, dz_out, db);
    Gemm(x, dz, dw, 1, k, n, m, true, false, nullptr, nullptr);  // matMul(a, dy, true, false)
    return Undefined(env);
  });
}

}  // namespace

void RegisterDense(napi_env env, napi_value exports) {
  Export(env, exports, "denseBiasAct", JsDenseBiasAct);
  Export(env, exports, "denseBiasActBackward", JsDenseBiasActBackward);
}

}  // namespace vaelab
