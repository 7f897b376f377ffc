// The minibatch estimate of the aggregate posterior per group and jointly (lib/prob/correlation
// aggregateLogDensities, the PDisVAE family's TC and PC terms) as one kernel each way:
//   S[i, j, g] = Σ_{k in g} logQ[i, j, k]   (g < G, membership a [K, G] 0/1 matrix),
//   S[i, j, G] = Σ_{g < G} S[i, j, g]       (the joint, as the sum of the group sums),
//   out[i, g]  = log Σ_j exp(logW[i, j] + S[i, j, g]),
// replacing tfjs's matmul, sum, concat, add and logsumexp (≈ 15 kernels forward and 25 backward on
// [M, M, ·] tensors). The backward, with p[i, j, g] = exp(logW[i, j] + S[i, j, g] − out[i, g]):
//   dlogQ[i, j, k] = dy[i, g(k)] p[i, j, g(k)] + dy[i, G] p[i, j, G],  g(k) the group of k (a partition).
// Rows i run in parallel; exp is bias_act.h's ExpF (≤ 2 ulp, as the Exp kernel), the sums over j are in
// float64 in index order (thread-count independent).
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "bias_act.h"
#include "napi_args.h"
#include "thread_pool.h"

namespace vaelab {
namespace {

constexpr int64_t kGrainFloats = 1 << 14;

struct Shape {
  int64_t m, k, g;
  std::vector<int64_t> group_of;  // the group of each dimension k (the groups partition 0…K−1)
};

// S[0…G, j] of row i into s, group-major (G + 1 rows of M floats), so that the sums over j run on contiguous
// memory.
void GroupSums(const float* logq, const Shape& sh, int64_t i, float* s) {
  float* joint = s + sh.g * sh.m;
  float acc[64];
  std::vector<float> big;
  float* a = acc;
  if (sh.g > 64) {
    big.resize(static_cast<size_t>(sh.g));
    a = big.data();
  }
  for (int64_t j = 0; j < sh.m; ++j) {
    const float* q = logq + (i * sh.m + j) * sh.k;
    std::fill(a, a + sh.g, 0.0f);
    for (int64_t k = 0; k < sh.k; ++k) a[sh.group_of[k]] += q[k];
    float total = 0.0f;
    for (int64_t g = 0; g < sh.g; ++g) {
      s[g * sh.m + j] = a[g];
      total += a[g];
    }
    joint[j] = total;
  }
}

// t[j] = logW[i, j] + S[g, j] for one (i, g), and its maximum.
float Shifted(const float* w, const float* sg, int64_t m, float* t) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < m; ++j) {
    t[j] = w[j] + sg[j];
    mx = std::max(mx, t[j]);
  }
  return mx;
}

int64_t Grain(const Shape& sh) { return std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(1, sh.m * sh.k)); }

void Forward(const float* logq, const float* logw, const Shape& sh, float* out) {
  const int64_t g1 = sh.g + 1;
  ParallelFor(sh.m, Grain(sh), [&](int64_t i0, int64_t i1) {
    std::vector<float> s(static_cast<size_t>(g1 * sh.m)), t(static_cast<size_t>(sh.m));
    for (int64_t i = i0; i < i1; ++i) {
      GroupSums(logq, sh, i, s.data());
      const float* w = logw + i * sh.m;
      for (int64_t g = 0; g < g1; ++g) {
        const float mx = Shifted(w, s.data() + g * sh.m, sh.m, t.data());
        if (!std::isfinite(mx)) {
          out[i * g1 + g] = mx;
          continue;
        }
        for (int64_t j = 0; j < sh.m; ++j) t[j] = ExpF(t[j] - mx);
        double sum = 0.0;
        for (int64_t j = 0; j < sh.m; ++j) sum += t[j];
        out[i * g1 + g] = static_cast<float>(mx + std::log(sum));
      }
    }
  });
}

void Backward(const float* dy, const float* logq, const float* logw, const float* out,
              const Shape& sh, float* dlogq) {
  const int64_t g1 = sh.g + 1;
  ParallelFor(sh.m, Grain(sh), [&](int64_t i0, int64_t i1) {
    std::vector<float> s(static_cast<size_t>(g1 * sh.m)), ds(static_cast<size_t>(g1 * sh.m));
    for (int64_t i = i0; i < i1; ++i) {
      GroupSums(logq, sh, i, s.data());
      const float* w = logw + i * sh.m;
      for (int64_t g = 0; g < g1; ++g) {
        const float o = out[i * g1 + g], d = dy[i * g1 + g];
        const float* sg = s.data() + g * sh.m;
        float* dg = ds.data() + g * sh.m;
        for (int64_t j = 0; j < sh.m; ++j) dg[j] = d * ExpF(w[j] + sg[j] - o);
      }
      const float* djoint = ds.data() + sh.g * sh.m;
      for (int64_t j = 0; j < sh.m; ++j) {
        float* dq = dlogq + (i * sh.m + j) * sh.k;
        // the joint sums every group, so it reaches each k too
        for (int64_t k = 0; k < sh.k; ++k) dq[k] = ds[sh.group_of[k] * sh.m + j] + djoint[j];
      }
    }
  });
}

// The shape, and each dimension's group from the [K, G] membership matrix (argument member_at), which must
// have one 1 per row: the groups partition the dimensions, as lib/prob/correlation validates.
Shape ReadShape(Args& a, size_t at, size_t member_at) {
  Shape sh{a.Int(at, "m"), a.Int(at + 1, "k"), a.Int(at + 2, "groups"), {}};
  if (sh.m < 1 || sh.k < 1 || sh.g < 1) Fail(a.fn, "m, k and groups must be ≥ 1");
  const float* member = a.F32(member_at, "membership", sh.k * sh.g);
  sh.group_of.assign(static_cast<size_t>(sh.k), -1);
  for (int64_t k = 0; k < sh.k; ++k)
    for (int64_t g = 0; g < sh.g; ++g) {
      const float v = member[k * sh.g + g];
      if (v != 0.0f && v != 1.0f) Fail(a.fn, "membership must be 0/1");
      if (v == 1.0f) {
        if (sh.group_of[k] >= 0) Fail(a.fn, "dimension " + std::to_string(k) + " is in more than one group");
        sh.group_of[k] = g;
      }
    }
  for (int64_t k = 0; k < sh.k; ++k)
    if (sh.group_of[k] < 0) Fail(a.fn, "dimension " + std::to_string(k) + " is in no group");
  return sh;
}

// groupLogAggregate(logQ, membership, logW, m, k, groups, out)
napi_value JsGroupLogAggregate(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "groupLogAggregate", 7);
    const Shape sh = ReadShape(a, 3, 1);
    Forward(a.F32(0, "logQ", sh.m * sh.m * sh.k), a.F32(2, "logW", sh.m * sh.m), sh,
            a.F32(6, "out", sh.m * (sh.g + 1)));
    return Undefined(env);
  });
}

// groupLogAggregateBackward(dy, logQ, membership, logW, out, m, k, groups, dlogQ)
napi_value JsGroupLogAggregateBackward(napi_env env, napi_callback_info info) {
  return Guard(env, [&] {
    Args a(env, info, "groupLogAggregateBackward", 9);
    const Shape sh = ReadShape(a, 5, 2);
    Backward(a.F32(0, "dy", sh.m * (sh.g + 1)), a.F32(1, "logQ", sh.m * sh.m * sh.k),
             a.F32(3, "logW", sh.m * sh.m), a.F32(4, "out", sh.m * (sh.g + 1)), sh, a.F32(8, "dlogQ", sh.m * sh.m * sh.k));
    return Undefined(env);
  });
}

}  // namespace

void RegisterAggregate(napi_env env, napi_value exports) {
  Export(env, exports, "groupLogAggregate", JsGroupLogAggregate);
  Export(env, exports, "groupLogAggregateBackward", JsGroupLogAggregateBackward);
}

}  // namespace vaelab
