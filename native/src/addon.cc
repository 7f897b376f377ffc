// N-API glue: unpacks JS arguments (typed arrays, shapes, flags), checks sizes, and calls the plain
// C++ kernels of kernels.h. Every entry point is synchronous and writes into an output typed array
// the caller allocated, so JS owns all memory. Errors throw a JS Error naming the function and the
// argument at fault (lib/engine/native.ts never passes bad arguments; the checks guard the boundary).
#include <node_api.h>

#include <cblas.h>
#include <malloc.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"
#include "napi_args.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

// gemm(a, b, out, batch, m, n, k, transA, transB, aIndex|null, bIndex|null, aCount, bCount)
napi_value JsGemm(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "gemm", 13);
    const int64_t batch = a.Int(3, "batch"), m = a.Int(4, "m"), n = a.Int(5, "n"), k = a.Int(6, "k");
    const int64_t a_count = a.Int(11, "aCount"), b_count = a.Int(12, "bCount");
    const float* pa = a.F32(0, "a", a_count * m * k);
    const float* pb = a.F32(1, "b", b_count * k * n);
    float* pc = a.F32(2, "out", batch * m * n);
    const int32_t* ai = a.I32OrNull(9, "aIndex", batch);
    const int32_t* bi = a.I32OrNull(10, "bIndex", batch);
    for (int64_t i = 0; i < batch; ++i) {
      const int64_t x = ai ? ai[i] : i, y = bi ? bi[i] : i;
      if (x < 0 || x >= a_count || y < 0 || y >= b_count) Fail("gemm", "batch index out of range at " + std::to_string(i));
    }
    Gemm(pa, pb, pc, batch, m, n, k, a.Bool(7, "transA"), a.Bool(8, "transB"), ai, bi);
    return Undefined(env);
  });
}

// unary(op, x, out, alpha)
napi_value JsUnary(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "unary", 4);
    const int64_t op = a.Int(0, "op");
    if (op >= kUnaryCount) Fail("unary", "unknown op code " + std::to_string(op));
    size_t n = 0;
    const float* x = a.Array<float>(1, napi_float32_array, &n, "x");
    float* out = a.F32(2, "out", static_cast<int64_t>(n));
    Unary(static_cast<int>(op), x, out, static_cast<int64_t>(n), static_cast<float>(a.Num(3, "alpha")));
    return Undefined(env);
  });
}

// binary(op, a, aShape, b, bShape, out, outShape)
napi_value JsBinary(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "binary", 7);
    const int64_t op = a.Int(0, "op");
    if (op >= kBinaryCount) Fail("binary", "unknown op code " + std::to_string(op));
    const Dims as = a.Shape(2, "aShape"), bs = a.Shape(4, "bShape"), os = a.Shape(6, "outShape");
    if (as.size() > os.size() || bs.size() > os.size()) Fail("binary", "operand rank exceeds output rank");
    for (size_t i = 0; i < os.size(); ++i) {
      const size_t r = os.size() - 1 - i;
      if (i < as.size() && as[as.size() - 1 - i] != 1 && as[as.size() - 1 - i] != os[r]) Fail("binary", "aShape does not broadcast to outShape");
      if (i < bs.size() && bs[bs.size() - 1 - i] != 1 && bs[bs.size() - 1 - i] != os[r]) Fail("binary", "bShape does not broadcast to outShape");
    }
    const float* pa = a.F32(1, "a", Product(as));
    const float* pb = a.F32(3, "b", Product(bs));
    float* out = a.F32(5, "out", Product(os));
    Binary(static_cast<int>(op), pa, as, pb, bs, out, os);
    return Undefined(env);
  });
}

// reduce(op, x, shape, axes, out)
napi_value JsReduce(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "reduce", 5);
    const int64_t op = a.Int(0, "op");
    if (op >= kReduceCount) Fail("reduce", "unknown op code " + std::to_string(op));
    const Dims shape = a.Shape(2, "shape"), axes = a.Shape(3, "axes");
    std::vector<bool> reduced(shape.size(), false);
    int64_t out_size = 1;
    for (int64_t ax : axes) {
      if (ax >= static_cast<int64_t>(shape.size())) Fail("reduce", "axis " + std::to_string(ax) + " out of range");
      reduced[ax] = true;
    }
    for (size_t i = 0; i < shape.size(); ++i)
      if (!reduced[i]) out_size *= shape[i];
    const float* x = a.F32(1, "x", Product(shape));
    float* out = a.F32(4, "out", out_size);
    Reduce(static_cast<int>(op), x, shape, reduced, out);
    return Undefined(env);
  });
}

// transpose(x, shape, perm, out) on 4-byte elements
napi_value JsTranspose(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "transpose", 4);
    const Dims shape = a.Shape(1, "shape"), perm = a.Shape(2, "perm");
    if (perm.size() != shape.size()) Fail("transpose", "perm length differs from rank");
    std::vector<bool> seen(shape.size(), false);
    for (int64_t p : perm) {
      if (p >= static_cast<int64_t>(shape.size()) || seen[p]) Fail("transpose", "perm is not a permutation");
      seen[p] = true;
    }
    const int64_t total = Product(shape);
    Transpose(a.Word(0, "x", total), shape, perm, a.Word(3, "out", total));
    return Undefined(env);
  });
}

// setThreads(n): threads of our pool (OpenBLAS stays single-threaded under it). Returns the number in effect.
napi_value JsSetThreads(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "setThreads", 1);
    const int64_t n = a.Int(0, "n");
    SetPoolThreads(static_cast<int>(n));
    napi_value r;
    napi_create_int32(env, PoolThreads(), &r);
    return r;
  });
}

napi_value JsThreads(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, PoolThreads(), &r);
  return r;
}

napi_value JsBlasConfig(napi_env env, napi_callback_info) {
  napi_value r;
  const char* cfg = openblas_get_config();
  napi_create_string_utf8(env, cfg ? cfg : "unknown", NAPI_AUTO_LENGTH, &r);
  return r;
}

}  // namespace

void RegisterConv(napi_env env, napi_value exports);  // conv.cc
void RegisterMisc(napi_env env, napi_value exports);  // misc.cc
void RegisterGln(napi_env env, napi_value exports);   // gln.cc
void RegisterDense(napi_env env, napi_value exports); // dense.cc
void RegisterPrelu(napi_env env, napi_value exports); // prelu.cc
void RegisterGammaSample(napi_env env, napi_value exports);  // gamma_sample.cc
void RegisterNormal(napi_env env, napi_value exports);  // normal.cc
void RegisterAggregate(napi_env env, napi_value exports);  // aggregate.cc

}  // namespace vaelab

static napi_value Init(napi_env env, napi_value exports) {
  using namespace vaelab;
  // Every tfjs kernel output is a fresh typed array; glibc serves blocks above 128 KB by mmap, so each
  // one costs page faults on first touch (measured: a 256 KB Float32Array took 45 µs, 3× the add that
  // filled it). Keeping large blocks on the heap lets freed outputs be reused without faults.
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1024 << 20);
  // OpenBLAS runs on the calling thread; our pool parallelises around it (see thread_pool.cc).
  openblas_set_num_threads(1);
  Export(env, exports, "gemm", JsGemm);
  Export(env, exports, "unary", JsUnary);
  Export(env, exports, "binary", JsBinary);
  Export(env, exports, "reduce", JsReduce);
  Export(env, exports, "transpose", JsTranspose);
  Export(env, exports, "setThreads", JsSetThreads);
  Export(env, exports, "threads", JsThreads);
  Export(env, exports, "blasConfig", JsBlasConfig);
  RegisterConv(env, exports);
  RegisterMisc(env, exports);
  RegisterGln(env, exports);
  RegisterDense(env, exports);
  RegisterPrelu(env, exports);
  RegisterGammaSample(env, exports);
  RegisterNormal(env, exports);
  RegisterAggregate(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
