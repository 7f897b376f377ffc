// Argument unpacking shared by the N-API entry points (addon.cc, conv.cc, misc.cc): typed arrays,
// shapes and numbers are checked and a bad one becomes a JS Error naming the function and argument.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"

namespace vaelab {

struct ArgError {
  std::string message;
};

[[noreturn]] inline void Fail(const char* fn, const std::string& what) { throw ArgError{std::string(fn) + ": " + what}; }

inline void Check(napi_env env, napi_status s, const char* fn, const char* what) {
  if (s != napi_ok) Fail(fn, std::string("N-API call failed while reading ") + what);
}

struct Args {
  napi_env env;
  const char* fn;
  std::vector<napi_value> v;
  Args(napi_env e, napi_callback_info info, const char* name, size_t expected) : env(e), fn(name), v(expected) {
    size_t argc = expected;
    Check(env, napi_get_cb_info(env, info, &argc, v.data(), nullptr, nullptr), fn, "arguments");
    if (argc < expected) Fail(fn, "expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }

  template <typename T>
  T* Array(size_t i, napi_typedarray_type want, size_t* length, const char* what) {
    bool is_ta = false;
    Check(env, napi_is_typedarray(env, v[i], &is_ta), fn, what);
    if (!is_ta) Fail(fn, std::string(what) + " must be a typed array");
    napi_typedarray_type type;
    void* data = nullptr;
    Check(env, napi_get_typedarray_info(env, v[i], &type, length, &data, nullptr, nullptr), fn, what);
    if (type != want) Fail(fn, std::string(what) + " has the wrong element type");
    return static_cast<T*>(data);
  }
  float* F32(size_t i, const char* what, int64_t expect) {
    size_t n = 0;
    float* p = Array<float>(i, napi_float32_array, &n, what);
    if (expect >= 0 && static_cast<int64_t>(n) != expect)
      Fail(fn, std::string(what) + " has " + std::to_string(n) + " elements, expected " + std::to_string(expect));
    return p;
  }
  // 4-byte elements of either float32 or int32 arrays (transpose, gather and copies move bits).
  uint32_t* Word(size_t i, const char* what, int64_t expect) {
    bool is_ta = false;
    Check(env, napi_is_typedarray(env, v[i], &is_ta), fn, what);
    if (!is_ta) Fail(fn, std::string(what) + " must be a typed array");
    napi_typedarray_type type;
    size_t n = 0;
    void* data = nullptr;
    Check(env, napi_get_typedarray_info(env, v[i], &type, &n, &data, nullptr, nullptr), fn, what);
    if (type != napi_float32_array && type != napi_int32_array && type != napi_uint32_array)
      Fail(fn, std::string(what) + " must be a Float32Array or Int32Array");
    if (expect >= 0 && static_cast<int64_t>(n) != expect)
      Fail(fn, std::string(what) + " has " + std::to_string(n) + " elements, expected " + std::to_string(expect));
    return static_cast<uint32_t*>(data);
  }
  // Whether argument i is null or undefined (an optional array left out).
  bool IsNull(size_t i) {
    napi_valuetype t;
    Check(env, napi_typeof(env, v[i], &t), fn, "argument");
    return t == napi_null || t == napi_undefined;
  }
  const int32_t* I32OrNull(size_t i, const char* what, int64_t expect) {
    napi_valuetype t;
    Check(env, napi_typeof(env, v[i], &t), fn, what);
    if (t == napi_null || t == napi_undefined) return nullptr;
    size_t n = 0;
    int32_t* p = Array<int32_t>(i, napi_int32_array, &n, what);
    if (static_cast<int64_t>(n) != expect)
      Fail(fn, std::string(what) + " has " + std::to_string(n) + " elements, expected " + std::to_string(expect));
    return p;
  }
  int64_t Int(size_t i, const char* what) {
    double d = 0;
    if (napi_get_value_double(env, v[i], &d) != napi_ok) Fail(fn, std::string(what) + " must be a number");
    if (d != static_cast<double>(static_cast<int64_t>(d)) || d < 0) Fail(fn, std::string(what) + " must be a non-negative integer");
    return static_cast<int64_t>(d);
  }
  double Num(size_t i, const char* what) {
    double d = 0;
    if (napi_get_value_double(env, v[i], &d) != napi_ok) Fail(fn, std::string(what) + " must be a number");
    return d;
  }
  bool Bool(size_t i, const char* what) {
    bool b = false;
    if (napi_get_value_bool(env, v[i], &b) != napi_ok) Fail(fn, std::string(what) + " must be a boolean");
    return b;
  }
  Dims Shape(size_t i, const char* what) {
    bool is_array = false;
    Check(env, napi_is_array(env, v[i], &is_array), fn, what);
    if (!is_array) Fail(fn, std::string(what) + " must be an array of integers");
    uint32_t n = 0;
    Check(env, napi_get_array_length(env, v[i], &n), fn, what);
    Dims d(n);
    for (uint32_t k = 0; k < n; ++k) {
      napi_value e;
      Check(env, napi_get_element(env, v[i], k, &e), fn, what);
      double x = 0;
      if (napi_get_value_double(env, e, &x) != napi_ok || x < 0 || x != static_cast<double>(static_cast<int64_t>(x)))
        Fail(fn, std::string(what) + "[" + std::to_string(k) + "] must be a non-negative integer");
      d[k] = static_cast<int64_t>(x);
    }
    return d;
  }
};

inline int64_t Product(const Dims& d) {
  int64_t p = 1;
  for (int64_t x : d) p *= x;
  return p;
}

inline napi_value Undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// Wraps a body so ArgError becomes a JS exception.
template <typename F>
napi_value Guard(napi_env env, F body) {
  try {
    return body();
  } catch (const ArgError& e) {
    napi_throw_error(env, "VAELAB_NATIVE_ARG", e.message.c_str());
    return nullptr;
  } catch (const std::exception& e) {
    napi_throw_error(env, "VAELAB_NATIVE", e.what());
    return nullptr;
  }
}

inline void Export(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

}  // namespace vaelab
