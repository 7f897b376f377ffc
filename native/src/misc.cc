// Data-movement and small remaining kernels of the native backend (lib/engine/native/kernels-misc.ts):
// box copies (slice, pad, concat), gather and its gradient (unsorted segment sum), tile, select,
// addN, isFinite, all, step, comparisons, and the fused Adam update (lib/train/fused-adam.ts).
// Data movers work on 4-byte words (float32 and int32 alike) and never reinterpret them; arithmetic
// follows the tfjs cpu kernels' formulas and rounding so results agree exactly where the cpu kernel
// rounds each op to float32 (documented per function where that is not obvious).
#include <node_api.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "napi_args.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kCopyGrain = 32768;  // elements per chunk below which a copy is not split
constexpr int64_t kMathGrain = 16384;

// ---- argument helpers beyond napi_args.h -----------------------------------------------------

struct TypedWords {
  uint32_t* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type = napi_float32_array;
};

const char* TypeName(napi_typedarray_type t) {
  switch (t) {
    case napi_float32_array: return "Float32Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_uint8_array: return "Uint8Array";
    default: return "another typed array";
  }
}

TypedWords WordsOf(Args& a, napi_value v, const std::string& what) {
  bool is_ta = false;
  Check(a.env, napi_is_typedarray(a.env, v, &is_ta), a.fn, what.c_str());
  if (!is_ta) Fail(a.fn, what + " must be a Float32Array or Int32Array");
  TypedWords w;
  void* data = nullptr;
  Check(a.env, napi_get_typedarray_info(a.env, v, &w.type, &w.length, &data, nullptr, nullptr), a.fn, what.c_str());
  if (w.type != napi_float32_array && w.type != napi_int32_array) Fail(a.fn, what + " must be a Float32Array or Int32Array, got " + TypeName(w.type));
  w.data = static_cast<uint32_t*>(data);
  return w;
}

TypedWords Words(Args& a, size_t i, const char* what, int64_t expect) {
  TypedWords w = WordsOf(a, a.v[i], what);
  if (expect >= 0 && static_cast<int64_t>(w.length) != expect)
    Fail(a.fn, std::string(what) + " has " + std::to_string(w.length) + " elements, expected " + std::to_string(expect));
  return w;
}

void SameType(Args& a, const TypedWords& x, const TypedWords& out, const char* xname, const char* outname) {
  if (x.type != out.type) Fail(a.fn, std::string(outname) + " is a " + TypeName(out.type) + " but " + xname + " is a " + TypeName(x.type));
}

// A JS array of Float32Array/Int32Array, all of one element type.
std::vector<TypedWords> WordList(Args& a, size_t i, const char* what) {
  bool is_array = false;
  Check(a.env, napi_is_array(a.env, a.v[i], &is_array), a.fn, what);
  if (!is_array) Fail(a.fn, std::string(what) + " must be an array of typed arrays");
  uint32_t n = 0;
  Check(a.env, napi_get_array_length(a.env, a.v[i], &n), a.fn, what);
  std::vector<TypedWords> out(n);
  for (uint32_t k = 0; k < n; ++k) {
    napi_value e;
    Check(a.env, napi_get_element(a.env, a.v[i], k, &e), a.fn, what);
    out[k] = WordsOf(a, e, std::string(what) + "[" + std::to_string(k) + "]");
    if (k > 0 && out[k].type != out[0].type)
      Fail(a.fn, std::string(what) + "[" + std::to_string(k) + "] is a " + TypeName(out[k].type) + " but " + what + "[0] is a " + TypeName(out[0].type));
  }
  return out;
}

uint8_t* Bytes(Args& a, size_t i, const char* what, int64_t expect) {
  size_t n = 0;
  uint8_t* p = a.Array<uint8_t>(i, napi_uint8_array, &n, what);
  if (expect >= 0 && static_cast<int64_t>(n) != expect)
    Fail(a.fn, std::string(what) + " has " + std::to_string(n) + " elements, expected " + std::to_string(expect));
  return p;
}

const int32_t* Ints(Args& a, size_t i, const char* what, int64_t expect) {
  size_t n = 0;
  const int32_t* p = a.Array<int32_t>(i, napi_int32_array, &n, what);
  if (expect >= 0 && static_cast<int64_t>(n) != expect)
    Fail(a.fn, std::string(what) + " has " + std::to_string(n) + " elements, expected " + std::to_string(expect));
  return p;
}

std::string DimsStr(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

// ---- kernels ---------------------------------------------------------------------------------

// Copies the box of size `box` at `sbegin` in src (shape sshape) to `dbegin` in dst (shape dshape).
// Size-1 box dims are dropped and dims that stay one run in both arrays are merged, so a row of a
// matrix or a whole inner block moves with one memcpy.
void CopyBox(const uint32_t* src, const Dims& sshape, const Dims& sbegin, uint32_t* dst, const Dims& dshape,
             const Dims& dbegin, const Dims& box) {
  const size_t rank = box.size();
  int64_t total = 1;
  for (int64_t b : box) total *= b;
  if (total == 0) return;
  std::vector<int64_t> sst(rank), dst_(rank);
  int64_t ss = 1, ds = 1, soff = 0, doff = 0;
  for (size_t d = rank; d-- > 0;) {
    sst[d] = ss;
    dst_[d] = ds;
    soff += sbegin[d] * ss;
    doff += dbegin[d] * ds;
    ss *= sshape[d];
    ds *= dshape[d];
  }
  struct Dim {
    int64_t n, s, d;
  };
  std::vector<Dim> dims;
  for (size_t d = 0; d < rank; ++d) {
    if (box[d] == 1) continue;
    if (!dims.empty() && dims.back().s == box[d] * sst[d] && dims.back().d == box[d] * dst_[d]) {
      dims.back() = {dims.back().n * box[d], sst[d], dst_[d]};
      continue;
    }
    dims.push_back({box[d], sst[d], dst_[d]});
  }
  if (dims.empty()) {
    dst[doff] = src[soff];
    return;
  }
  const Dim inner = dims.back();
  dims.pop_back();
  int64_t rows = 1;
  for (const Dim& d : dims) rows *= d.n;
  const bool contiguous = inner.s == 1 && inner.d == 1;
  ParallelFor(rows, std::max<int64_t>(1, kCopyGrain / inner.n), [&](int64_t begin, int64_t end) {
    // odometer over the outer dims, started at row `begin`
    std::vector<int64_t> idx(dims.size(), 0);
    int64_t rem = begin, so = soff, dof = doff;
    for (size_t k = dims.size(); k-- > 0;) {
      idx[k] = rem % dims[k].n;
      rem /= dims[k].n;
      so += idx[k] * dims[k].s;
      dof += idx[k] * dims[k].d;
    }
    for (int64_t r = begin; r < end; ++r) {
      if (contiguous) {
        std::memcpy(dst + dof, src + so, static_cast<size_t>(inner.n) * 4);
      } else {
        for (int64_t t = 0; t < inner.n; ++t) dst[dof + t * inner.d] = src[so + t * inner.s];
      }
      for (size_t k = dims.size(); k-- > 0;) {
        so += dims[k].s;
        dof += dims[k].d;
        if (++idx[k] < dims[k].n) break;
        so -= dims[k].s * dims[k].n;
        dof -= dims[k].d * dims[k].n;
        idx[k] = 0;
      }
    }
  });
}

// ---- N-API entry points ----------------------------------------------------------------------

void CheckBox(Args& a, const Dims& shape, const Dims& begin, const Dims& size, const char* shape_name) {
  if (begin.size() != shape.size() || size.size() != shape.size())
    Fail(a.fn, std::string("begin/size rank differs from ") + shape_name + " rank " + std::to_string(shape.size()));
  for (size_t d = 0; d < shape.size(); ++d)
    if (begin[d] + size[d] > shape[d])
      Fail(a.fn, "box " + DimsStr(begin) + "+" + DimsStr(size) + " exceeds " + shape_name + " " + DimsStr(shape) + " at dim " + std::to_string(d));
}

// slice(x, shape, begin, size, out): out (shape `size`) = x[begin : begin + size]
napi_value JsSlice(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "slice", 5);
    const Dims shape = a.Shape(1, "shape"), begin = a.Shape(2, "begin"), size = a.Shape(3, "size");
    CheckBox(a, shape, begin, size, "shape");
    TypedWords x = Words(a, 0, "x", Product(shape)), out = Words(a, 4, "out", Product(size));
    SameType(a, x, out, "x", "out");
    CopyBox(x.data, shape, begin, out.data, size, Dims(size.size(), 0), size);
    return Undefined(env);
  });
}

// pad(x, shape, before, out, outShape): out[before : before + shape] = x (the rest of out is left as
// the caller filled it, with the constant).
napi_value JsPad(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "pad", 5);
    const Dims shape = a.Shape(1, "shape"), before = a.Shape(2, "before"), out_shape = a.Shape(4, "outShape");
    CheckBox(a, out_shape, before, shape, "outShape");
    TypedWords x = Words(a, 0, "x", Product(shape)), out = Words(a, 3, "out", Product(out_shape));
    SameType(a, x, out, "x", "out");
    CopyBox(x.data, shape, Dims(shape.size(), 0), out.data, out_shape, before, shape);
    return Undefined(env);
  });
}

// concat(inputs, widths, rows, out): inputs[i] is rows × widths[i]; out is rows × Σwidths, the
// inputs side by side (the 2-D form of a concat along any axis).
napi_value JsConcat(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "concat", 4);
    std::vector<TypedWords> ins = WordList(a, 0, "inputs");
    const Dims widths = a.Shape(1, "widths");
    const int64_t rows = a.Int(2, "rows");
    if (widths.size() != ins.size()) Fail("concat", "widths has " + std::to_string(widths.size()) + " entries for " + std::to_string(ins.size()) + " inputs");
    int64_t total_w = 0;
    for (size_t i = 0; i < ins.size(); ++i) {
      if (static_cast<int64_t>(ins[i].length) != rows * widths[i])
        Fail("concat", "inputs[" + std::to_string(i) + "] has " + std::to_string(ins[i].length) + " elements, expected " + std::to_string(rows * widths[i]));
      total_w += widths[i];
    }
    TypedWords out = Words(a, 3, "out", rows * total_w);
    if (!ins.empty()) SameType(a, ins[0], out, "inputs", "out");
    int64_t off = 0;
    for (size_t i = 0; i < ins.size(); ++i) {
      CopyBox(ins[i].data, {rows, widths[i]}, {0, 0}, out.data, {rows, total_w}, {0, off}, {rows, widths[i]});
      off += widths[i];
    }
    return Undefined(env);
  });
}

// gather(x, indices, batch, outer, dim, inner, out): x is [batch, outer, dim, inner], indices
// [batch, n], out [batch, outer, n, inner] with out[b, o, i] = x[b, o, indices[b, i]].
// Every index must lie in [0, dim - 1] (same check and message as the tfjs cpu kernel).
napi_value JsGather(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "gather", 7);
    const int64_t batch = a.Int(2, "batch"), outer = a.Int(3, "outer"), dim = a.Int(4, "dim"), inner = a.Int(5, "inner");
    size_t n_idx_total = 0;
    const int32_t* idx = a.Array<int32_t>(1, napi_int32_array, &n_idx_total, "indices");
    if (batch == 0 ? n_idx_total != 0 : static_cast<int64_t>(n_idx_total) % batch != 0)
      Fail("gather", "indices has " + std::to_string(n_idx_total) + " elements, not a multiple of batch " + std::to_string(batch));
    const int64_t n = batch == 0 ? 0 : static_cast<int64_t>(n_idx_total) / batch;
    for (size_t i = 0; i < n_idx_total; ++i)
      if (idx[i] < 0 || idx[i] > dim - 1)
        Fail("GatherV2", "the index value " + std::to_string(idx[i]) + " is not in [0, " + std::to_string(dim - 1) + "]");
    TypedWords x = Words(a, 0, "x", batch * outer * dim * inner), out = Words(a, 6, "out", batch * outer * n * inner);
    SameType(a, x, out, "x", "out");
    const int64_t rows = batch * outer * n;
    ParallelFor(rows, std::max<int64_t>(1, kCopyGrain / std::max<int64_t>(inner, 1)), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t i = r % n, bo = r / n, b = bo / outer;
        const int64_t src = (bo * dim + idx[b * n + i]) * inner;
        std::memcpy(out.data + r * inner, x.data + src, static_cast<size_t>(inner) * 4);
      }
    });
    return Undefined(env);
  });
}

// unsortedSegmentSum(x, ids, n, inner, numSegments, out): x is [n, inner], ids [n], out
// [numSegments, inner] with out[s] = Σ_{j: ids[j] = s} x[j], summed in double in row order and
// rounded once (as the cpu kernel: a masked product per segment, then its double-precision Sum).
// Ids outside [0, numSegments) are dropped. A non-finite x[j, p] also makes out[s, p] NaN for
// every s ≠ ids[j], because the cpu kernel multiplies it by a 0 mask (0·Inf = 0·NaN = NaN).
napi_value JsUnsortedSegmentSum(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "unsortedSegmentSum", 6);
    const int64_t n = a.Int(2, "n"), inner = a.Int(3, "inner"), segs = a.Int(4, "numSegments");
    const float* x = a.F32(0, "x", n * inner);
    const int32_t* ids = Ints(a, 1, "ids", n);
    float* out = a.F32(5, "out", segs * inner);
    ParallelFor(inner, std::max<int64_t>(1, kMathGrain / std::max<int64_t>(n, 1)), [&](int64_t begin, int64_t end) {
      const int64_t w = end - begin;
      std::vector<double> acc(static_cast<size_t>(segs * w), 0.0);
      bool bad = false;
      for (int64_t j = 0; j < n; ++j) {
        const float* row = x + j * inner + begin;
        const int64_t s = ids[j];
        if (s >= 0 && s < segs) {
          double* dst = acc.data() + s * w;
          for (int64_t p = 0; p < w; ++p) dst[p] += row[p];
        }
        for (int64_t p = 0; p < w; ++p) bad |= !std::isfinite(row[p]);
      }
      for (int64_t s = 0; s < segs; ++s)
        for (int64_t p = 0; p < w; ++p) out[s * inner + begin + p] = static_cast<float>(acc[s * w + p]);
      if (bad) {
        // Rare path: redo the NaN spread of the masked products exactly.
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (int64_t p = begin; p < end; ++p) {
          int64_t first = -2;  // -2: no non-finite value in this column; -1: from an id outside the range
          bool multi = false;
          for (int64_t j = 0; j < n; ++j) {
            if (std::isfinite(x[j * inner + p])) continue;
            const int64_t id = (ids[j] >= 0 && ids[j] < segs) ? ids[j] : -1;
            if (first == -2) first = id;
            else if (id != first) multi = true;
          }
          if (first == -2) continue;
          for (int64_t s = 0; s < segs; ++s)
            if (multi || first != s) out[s * inner + p] = nan;
        }
      }
    });
    return Undefined(env);
  });
}

// tile(x, shape, reps, out): out[i] = x[i mod shape] over out shape = shape · reps.
napi_value JsTile(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "tile", 4);
    const Dims shape = a.Shape(1, "shape"), reps = a.Shape(2, "reps");
    if (reps.size() != shape.size()) Fail("tile", "reps has " + std::to_string(reps.size()) + " entries for rank " + std::to_string(shape.size()));
    if (shape.empty()) Fail("tile", "x must have rank >= 1");
    Dims out_shape(shape.size());
    for (size_t d = 0; d < shape.size(); ++d) out_shape[d] = shape[d] * reps[d];
    TypedWords x = Words(a, 0, "x", Product(shape)), out = Words(a, 3, "out", Product(out_shape));
    SameType(a, x, out, "x", "out");
    const size_t r = shape.size();
    const int64_t total = Product(out_shape);
    if (total == 0) return Undefined(env);
    const int64_t w = shape[r - 1], rep = reps[r - 1];
    const int64_t rows = total / (w * rep);
    std::vector<int64_t> xst(r);
    int64_t s = 1;
    for (size_t d = r; d-- > 0;) {
      xst[d] = s;
      s *= shape[d];
    }
    ParallelFor(rows, std::max<int64_t>(1, kCopyGrain / (w * rep)), [&](int64_t begin, int64_t end) {
      for (int64_t q = begin; q < end; ++q) {
        int64_t rem = q, src = 0;
        for (size_t d = r - 1; d-- > 0;) {
          src += (rem % out_shape[d]) % shape[d] * xst[d];
          rem /= out_shape[d];
        }
        uint32_t* dst = out.data + q * w * rep;
        for (int64_t k = 0; k < rep; ++k) std::memcpy(dst + k * w, x.data + src, static_cast<size_t>(w) * 4);
      }
    });
    return Undefined(env);
  });
}

// select(condition, t, e, out): out[i] = condition[i] === 1 ? t[i] : e[i] (all one length).
napi_value JsSelect(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "select", 4);
    TypedWords t = Words(a, 1, "t", -1);
    const int64_t n = static_cast<int64_t>(t.length);
    const uint8_t* c = Bytes(a, 0, "condition", n);
    TypedWords e = Words(a, 2, "e", n), out = Words(a, 3, "out", n);
    SameType(a, t, e, "t", "e");
    SameType(a, t, out, "t", "out");
    if (n > 0 && (out.data == t.data || out.data == e.data)) Fail("select", "out must be a new array, not t or e");
    const uint32_t* __restrict tp = t.data;
    const uint32_t* __restrict ep = e.data;
    uint32_t* __restrict op = out.data;
    ParallelFor(n, kMathGrain, [c, tp, ep, op](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const uint32_t tv = tp[i], ev = ep[i];  // both loaded unconditionally: a blend, not a branch
        op[i] = c[i] == 1 ? tv : ev;
      }
    });
    return Undefined(env);
  });
}

// addN(inputs, out): out = 0 + inputs[0] + inputs[1] + … in that order, rounding to float32 after
// each add (the cpu kernel accumulates in its Float32Array output); int32 wraps like Int32Array.
napi_value JsAddN(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "addN", 2);
    std::vector<TypedWords> ins = WordList(a, 0, "inputs");
    TypedWords out = Words(a, 1, "out", -1);
    const int64_t n = static_cast<int64_t>(out.length);
    for (size_t i = 0; i < ins.size(); ++i) {
      if (static_cast<int64_t>(ins[i].length) != n)
        Fail("addN", "inputs[" + std::to_string(i) + "] has " + std::to_string(ins[i].length) + " elements, out has " + std::to_string(n));
      SameType(a, ins[i], out, "inputs", "out");
      if (n > 0 && ins[i].data == out.data) Fail("addN", "out must be a new array, not inputs[" + std::to_string(i) + "]");
    }
    const bool is_float = out.type == napi_float32_array;
    ParallelFor(n, kMathGrain, [&](int64_t begin, int64_t end) {
      if (is_float) {
        float* __restrict o = reinterpret_cast<float*>(out.data);
        for (int64_t j = begin; j < end; ++j) o[j] = 0.0f;
        for (const TypedWords& in : ins) {
          const float* __restrict p = reinterpret_cast<const float*>(in.data);
          for (int64_t j = begin; j < end; ++j) o[j] = o[j] + p[j];
        }
      } else {
        uint32_t* __restrict o = out.data;
        for (int64_t j = begin; j < end; ++j) o[j] = 0;
        for (const TypedWords& in : ins) {
          const uint32_t* __restrict p = in.data;
          for (int64_t j = begin; j < end; ++j) o[j] += p[j];
        }
      }
    });
    return Undefined(env);
  });
}

// isFinite(x, out): out[i] = 1 if x[i] is finite else 0 (out is a Uint8Array, tfjs bool).
napi_value JsIsFinite(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "isFinite", 2);
    size_t n = 0;
    const float* x = a.Array<float>(0, napi_float32_array, &n, "x");
    uint8_t* out = Bytes(a, 1, "out", static_cast<int64_t>(n));
    const uint32_t* bits = reinterpret_cast<const uint32_t*>(x);
    ParallelFor(static_cast<int64_t>(n), kMathGrain * 4, [bits, out](int64_t begin, int64_t end) {
      // finite ⇔ the exponent bits are not all ones (Inf and NaN); a bit test so the loop vectorises
      const uint32_t* __restrict pb = bits;
      uint8_t* __restrict po = out;
      for (int64_t i = begin; i < end; ++i) po[i] = (pb[i] & 0x7f800000u) != 0x7f800000u;
    });
    return Undefined(env);
  });
}

// all(x, outer, inner, out): out[i] = x[i·inner] && … && x[i·inner + inner − 1] with JS `&&` on
// numbers (0 if any is 0, else the last), over bool (Uint8Array) data. inner ≥ 1.
napi_value JsAll(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "all", 4);
    const int64_t outer = a.Int(1, "outer"), inner = a.Int(2, "inner");
    if (inner < 1) Fail("all", "inner must be at least 1");
    const uint8_t* x = Bytes(a, 0, "x", outer * inner);
    uint8_t* out = Bytes(a, 3, "out", outer);
    ParallelFor(outer, std::max<int64_t>(1, kMathGrain * 4 / inner), [x, out, inner](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const uint8_t* __restrict p = x + i * inner;
        uint8_t lowest = 255;  // a branch-free min vectorises; any 0 makes the result 0
        for (int64_t j = 0; j < inner; ++j) lowest = p[j] < lowest ? p[j] : lowest;
        out[i] = lowest == 0 ? 0 : p[inner - 1];
      }
    });
    return Undefined(env);
  });
}

// Branch-free selects (and locals, not captured references) so the loop vectorises.
void StepRange(const float* __restrict x, float* __restrict out, const float alpha, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float v = x[i];
    const float r = v > 0.0f ? 1.0f : alpha;
    out[i] = v != v ? v : r;
  }
}

// step(x, out, alpha): NaN stays NaN, else x > 0 ? 1 : alpha (the derivative of relu and friends).
napi_value JsStep(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "step", 3);
    size_t n = 0;
    const float* x = a.Array<float>(0, napi_float32_array, &n, "x");
    float* out = a.F32(1, "out", static_cast<int64_t>(n));
    const float alpha = static_cast<float>(a.Num(2, "alpha"));
    ParallelFor(static_cast<int64_t>(n), kMathGrain, [x, out, alpha](int64_t begin, int64_t end) { StepRange(x, out, alpha, begin, end); });
    return Undefined(env);
  });
}

// Comparison codes shared with lib/engine/native/kernels-misc.ts (keep in sync).
enum CompareOp : int { kGreater = 0, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual, kCompareCount };

template <typename F>
void CompareLoop(const float* a, int64_t na, const float* b, int64_t nb, uint8_t* out, int64_t n, F f) {
  // By-value captures and restrict locals: a uint8_t store may alias anything, which would otherwise
  // force reloads of every pointer and keep the loop scalar.
  ParallelFor(n, kMathGrain, [=](int64_t begin, int64_t end) {
    const float* __restrict pa = a;
    const float* __restrict pb = b;
    uint8_t* __restrict po = out;
    if (na == n && nb == n) {
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], pb[i]);
    } else if (nb == 1) {
      const float vb = pb[0];
      for (int64_t i = begin; i < end; ++i) po[i] = f(pa[i], vb);
    } else {
      const float va = pa[0];
      for (int64_t i = begin; i < end; ++i) po[i] = f(va, pb[i]);
    }
  });
}

// compare(op, a, b, out): out[i] = a[i] op b[i] as 0/1, where a or b may have one element (a scalar
// broadcast); NaN compares false except for notEqual, as in JS.
napi_value JsCompare(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "compare", 4);
    const int64_t op = a.Int(0, "op");
    if (op >= kCompareCount) Fail("compare", "unknown op code " + std::to_string(op));
    size_t na = 0, nb = 0, n = 0;
    const float* pa = a.Array<float>(1, napi_float32_array, &na, "a");
    const float* pb = a.Array<float>(2, napi_float32_array, &nb, "b");
    uint8_t* out = a.Array<uint8_t>(3, napi_uint8_array, &n, "out");
    const bool ok = (na == n && nb == n) || (na == n && nb == 1) || (na == 1 && nb == n);
    if (!ok) Fail("compare", "a has " + std::to_string(na) + " and b " + std::to_string(nb) + " elements for out of " + std::to_string(n) + " (only equal sizes or a one-element side)");
    const int64_t N = static_cast<int64_t>(n), A = static_cast<int64_t>(na), B = static_cast<int64_t>(nb);
    switch (op) {
      case kGreater: CompareLoop(pa, A, pb, B, out, N, [](float x, float y) -> uint8_t { return x > y; }); break;
      case kGreaterEqual: CompareLoop(pa, A, pb, B, out, N, [](float x, float y) -> uint8_t { return x >= y; }); break;
      case kLess: CompareLoop(pa, A, pb, B, out, N, [](float x, float y) -> uint8_t { return x < y; }); break;
      case kLessEqual: CompareLoop(pa, A, pb, B, out, N, [](float x, float y) -> uint8_t { return x <= y; }); break;
      case kEqual: CompareLoop(pa, A, pb, B, out, N, [](float x, float y) -> uint8_t { return x == y; }); break;
      case kNotEqual: CompareLoop(pa, A, pb, B, out, N, [](float x, float y) -> uint8_t { return x != y; }); break;
      default: break;
    }
    return Undefined(env);
  });
}

// adamUpdate(param, grad, m, v, outParam, outM, outV, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
//            oneMinusAccBeta1, oneMinusAccBeta2, epsilon, negLr)
// One Adam step with tfjs's AdamOptimizer formula, each op rounded to float32 in tfjs's order:
//   m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2)
//   p' = (m'/(1−β1ᵗ)) / (sqrt(v'/(1−β2ᵗ)) + ε) · (−lr) + p
// The scalars arrive as the float32 values tfjs would use. Outputs may be the inputs (in place).
struct AdamScalars {
  float b1, omb1, b2, omb2, omab1, omab2, eps, neg_lr;
};

// Kept out of the lambda so the attribute applies: GCC contracts a·b + c into an FMA by default even
// in ISO C++ mode, which would round differently from tfjs's separate mul and add.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("fp-contract=off")))
#endif
void AdamRange(const float* p, const float* g, const float* m, const float* v, float* op, float* om, float* ov,
               int64_t begin, int64_t end, const AdamScalars s) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  // Each element is read before it is written at the same index only, so in-place calls are safe
  // and there is no loop-carried dependency (ivdep lets GCC vectorise despite possible aliasing).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC ivdep
#endif
  for (int64_t i = begin; i < end; ++i) {
    const float gi = g[i];
    const float m1 = m[i] * s.b1 + gi * s.omb1;
    const float v1 = v[i] * s.b2 + (gi * gi) * s.omb2;
    const float den = std::sqrt(v1 / s.omab2) + s.eps;
    const float pi = ((m1 / s.omab1) / den) * s.neg_lr + p[i];
    om[i] = m1;
    ov[i] = v1;
    op[i] = pi;
  }
}

napi_value JsAdamUpdate(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "adamUpdate", 15);
    size_t n = 0;
    const float* p = a.Array<float>(0, napi_float32_array, &n, "param");
    const int64_t N = static_cast<int64_t>(n);
    const float* g = a.F32(1, "grad", N);
    const float* m = a.F32(2, "m", N);
    const float* v = a.F32(3, "v", N);
    float* op = a.F32(4, "outParam", N);
    float* om = a.F32(5, "outM", N);
    float* ov = a.F32(6, "outV", N);
    auto f = [&](size_t i, const char* what) { return static_cast<float>(a.Num(i, what)); };
    const AdamScalars s{f(7, "beta1"), f(8, "oneMinusBeta1"), f(9, "beta2"), f(10, "oneMinusBeta2"),
                        f(11, "oneMinusAccBeta1"), f(12, "oneMinusAccBeta2"), f(13, "epsilon"), f(14, "negLr")};
    ParallelFor(N, kMathGrain, [&](int64_t begin, int64_t end) { AdamRange(p, g, m, v, op, om, ov, begin, end, s); });
    return Undefined(env);
  });
}

}  // namespace

void RegisterMisc(napi_env env, napi_value exports) {
  Export(env, exports, "slice", JsSlice);
  Export(env, exports, "pad", JsPad);
  Export(env, exports, "concat", JsConcat);
  Export(env, exports, "gather", JsGather);
  Export(env, exports, "unsortedSegmentSum", JsUnsortedSegmentSum);
  Export(env, exports, "tile", JsTile);
  Export(env, exports, "select", JsSelect);
  Export(env, exports, "addN", JsAddN);
  Export(env, exports, "isFinite", JsIsFinite);
  Export(env, exports, "all", JsAll);
  Export(env, exports, "step", JsStep);
  Export(env, exports, "compare", JsCompare);
  Export(env, exports, "adamUpdate", JsAdamUpdate);
}

}  // namespace vaelab
