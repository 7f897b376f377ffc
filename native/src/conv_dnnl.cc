// Conv2D and its backprops through oneDNN (see conv_dnnl.h). Why: on the CD-VAE's and the conv VAEs'
// small convolutions (8×8 to 32×32 images, 16–64 channels) oneDNN's JIT kernels run forward and both
// backprops 2.8–3.2× faster than our im2col + OpenBLAS sgemm in isolation (measured 2026-12-07, AMD EPYC,
// 2 threads: [32, 8, 8, 32] → 32, 3×3: 0.48 ms against 1.37), which is what PyTorch's CPU convolutions use.
//
// Threads: oneDNN runs single-threaded on each calling thread, and the batch is split into one part per
// pool thread (thread_pool.h), as conv.cc splits its rows. Letting oneDNN's OpenMP threads do the splitting
// instead made a whole CD-VAE step barely faster: they spin after every convolution and took the cores
// from the pool's kernels in between (with OMP_WAIT_POLICY=active the im2col path took 1.7× as long).
//
// Primitives are built once per geometry (per part's batch) and kind, and cached (building one
// JIT-compiles it: ~ms). Activations stay in tfjs's NHWC; the filter is reordered from [fh, fw, C, OC]
// ("hwio") into the layout a primitive prefers on every call (a few thousand floats), and each part's
// filter gradient back, the parts' gradients then added in part order.
#include "conv_dnnl.h"

#ifdef VAELAB_WITH_DNNL
#include <omp.h>

#include <array>
#include <cstring>
#include <dnnl.hpp>
#include <exception>
#include <map>
#include <optional>
#include <vector>

#include "thread_pool.h"

namespace vaelab {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;

bool enabled = true;
int64_t calls = 0;

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN single-threaded on the calling thread (see above): OpenMP's thread count is per thread, and a primitive
// takes its thread count from the thread that builds it (one built at the default 2 opened a team of 2 on every
// call, and the team's spinning thread took 80 % of a TasNet encoder's time).
void SingleThreaded() {
  thread_local bool set = false;
  if (!set) omp_set_num_threads(1);
  set = true;
}

// Streams are not thread-safe: one per calling thread.
dnnl::stream& Stream() {
  thread_local dnnl::stream stream = [] {
    SingleThreaded();
    return dnnl::stream(Engine());
  }();
  return stream;
}

// Every primitive takes its scratchpad from the caller: oneDNN's own is one per primitive (this build has no
// concurrent-execution option), so two parts running one primitive at once would share it.
const dnnl::primitive_attr& Attr() {
  static const dnnl::primitive_attr attr = [] {
    dnnl::primitive_attr a;
    a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return a;
  }();
  return attr;
}

// The calling thread's scratchpad for a primitive of that scratchpad desc.
memory Scratchpad(const memory::desc& d) {
  thread_local std::vector<uint8_t> buf;
  if (buf.size() < d.get_size()) buf.resize(d.get_size());
  return memory(d, Engine(), buf.data());
}

// A filter layout a primitive wants, and the buffer and reorder between it and the user's [fh, fw, C, OC]
// (none where the two layouts agree).
struct Filter {
  std::optional<memory> buf;
  std::optional<dnnl::reorder::primitive_desc> pd;
  std::optional<dnnl::reorder> reorder;
  void Init(const memory::desc& want, const memory::desc& user, bool to_user) {
    if (want == user) return;
    buf.emplace(want, Engine());
    const memory::desc& from = to_user ? want : user;
    const memory::desc& to = to_user ? user : want;
    pd.emplace(Engine(), from, Engine(), to, Attr());
    reorder.emplace(*pd);
  }
};

// One geometry's descriptors, and its primitives as they are first needed.
struct Entry {
  memory::desc src, dst, filter_user;
  memory::dims strides, dilates, pad_l, pad_r;
  std::optional<dnnl::convolution_forward::primitive_desc> fwd_pd;
  std::optional<dnnl::convolution_forward> fwd;
  std::optional<dnnl::convolution_backward_data::primitive_desc> bwd_data_pd;
  std::optional<dnnl::convolution_backward_data> bwd_data;
  std::optional<dnnl::convolution_backward_weights::primitive_desc> bwd_filter_pd;
  std::optional<dnnl::convolution_backward_weights> bwd_filter;
  Filter fwd_filter, bwd_data_filter, filter_grad;
  // Per kind, once its primitive was built: whether it is one of oneDNN's JIT convolution kernels (see Fast).
  std::optional<bool> fwd_fast, bwd_data_fast, bwd_filter_fast;
  bool unsupported = false;
};

using Key = std::array<int64_t, 15>;
std::map<Key, Entry> cache;

// The geometry's entry with its forward primitive desc (every kind needs it, the backprops as a hint), or
// nullptr where oneDNN has none (remembered).
Entry* Lookup(const ConvGeom& g) {
  if (!enabled || g.batch <= 0 || g.in_c <= 0 || g.out_c <= 0 || g.out_h <= 0 || g.out_w <= 0 || g.in_h <= 0 ||
      g.in_w <= 0)
    return nullptr;
  const Key key{g.batch, g.in_h, g.in_w, g.in_c, g.out_h, g.out_w, g.out_c, g.f_h, g.f_w,
                g.stride_h, g.stride_w, g.dil_h, g.dil_w, g.pad_top, g.pad_left};
  auto it = cache.find(key);
  if (it != cache.end()) return it->second.unsupported ? nullptr : &it->second;
  Entry& e = cache[key];
  try {
    e.src = memory::desc({g.batch, g.in_c, g.in_h, g.in_w}, kF32, Tag::nhwc);
    e.dst = memory::desc({g.batch, g.out_c, g.out_h, g.out_w}, kF32, Tag::nhwc);
    e.filter_user = memory::desc({g.out_c, g.in_c, g.f_h, g.f_w}, kF32, Tag::hwio);
    e.strides = {g.stride_h, g.stride_w};
    e.dilates = {g.dil_h - 1, g.dil_w - 1};  // oneDNN counts the gaps between taps
    e.pad_l = {g.pad_top, g.pad_left};
    // The bottom/right padding that makes tfjs's output size: out = (in + l + r − span) / stride + 1.
    e.pad_r = {(g.out_h - 1) * g.stride_h + (g.f_h - 1) * g.dil_h + 1 - g.in_h - g.pad_top,
               (g.out_w - 1) * g.stride_w + (g.f_w - 1) * g.dil_w + 1 - g.in_w - g.pad_left};
    const memory::desc filter_any({g.out_c, g.in_c, g.f_h, g.f_w}, kF32, Tag::any);
    const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                            e.src, filter_any, e.dst, e.strides, e.dilates, e.pad_l, e.pad_r);
    e.fwd_pd.emplace(d, Attr(), Engine());
  } catch (const dnnl::error&) {
    e.unsupported = true;
    return nullptr;
  }
  return &e;
}

void Reorder(Filter& f, const memory& from, const memory& to) {
  f.reorder->execute(Stream(),
                     {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}, {DNNL_ARG_SCRATCHPAD, Scratchpad(f.pd->scratchpad_desc())}});
  Stream().wait();
}

// The user's filter w in the layout f wants (reordered into f's buffer where they differ).
memory FilterIn(Filter& f, const memory::desc& user_desc, const float* w) {
  memory user(user_desc, Engine(), const_cast<float*>(w));
  if (!f.reorder) return user;
  Reorder(f, user, *f.buf);
  return *f.buf;
}

// The batch cut into one contiguous part of images per pool thread, each with its geometry's entry.
struct Part {
  int64_t n0, n1;
  Entry* e;
};

// The parts of g, or an empty list where oneDNN has no primitive for one of them (or is off).
std::vector<Part> Plan(const ConvGeom& g) {
  if (!enabled || g.batch <= 0) return {};
  SingleThreaded();  // before any primitive is built on this thread
  const int64_t count = std::max<int64_t>(1, std::min<int64_t>(PoolThreads(), g.batch));
  std::vector<Part> parts;
  for (int64_t p = 0; p < count; ++p) {
    ConvGeom gp = g;
    const int64_t n0 = g.batch * p / count, n1 = g.batch * (p + 1) / count;
    gp.batch = n1 - n0;
    Entry* e = Lookup(gp);
    if (!e) return {};
    parts.push_back({n0, n1, e});
  }
  return parts;
}

// Runs fn(part) for every part on the pool (each part on one thread); an exception in a part is rethrown here.
template <typename F>
void RunParts(const std::vector<Part>& parts, F fn) {
  if (parts.size() == 1) return fn(parts[0]);
  std::vector<std::exception_ptr> errors(parts.size());
  ParallelFor(static_cast<int64_t>(parts.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      try {
        fn(parts[p]);
      } catch (...) {
        errors[p] = std::current_exception();
      }
    }
  });
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Whether oneDNN's primitive is one of its JIT convolution kernels. Its "gemm" ones (im2col into its own GEMM,
// single-threaded here) and "ref" ones are slower than our im2col path: the TasNet encoder's backprops (one input
// channel, kernel 16, stride 8) took 8× as long.
bool Fast(const char* impl) { return !std::strstr(impl, "gemm") && !std::strstr(impl, "ref"); }

// Builds a kind's primitive for every part's entry where not yet tried (`make` builds it and returns Fast of its
// implementation, or throws dnnl::error where oneDNN has none); true when every part has a fast one.
template <typename F>
bool Ready(const std::vector<Part>& parts, std::optional<bool> Entry::*status, F make) {
  for (const Part& part : parts) {
    Entry& e = *part.e;
    if (!(e.*status)) {
      try {
        e.*status = make(e);
      } catch (const dnnl::error&) {
        e.*status = false;
      }
    }
    if (!*(e.*status)) return false;
  }
  return true;
}

memory::desc FilterAny(const ConvGeom& g) { return memory::desc({g.out_c, g.in_c, g.f_h, g.f_w}, kF32, Tag::any); }

}  // namespace

bool DnnlConvAvailable() { return true; }

bool SetDnnlConv(bool on) {
  const bool previous = enabled;
  enabled = on;
  return previous;
}

int64_t DnnlConvCalls() { return calls; }

bool DnnlConv2dForward(const float* x, const float* w, float* y, const ConvGeom& g) {
  const std::vector<Part> parts = Plan(g);
  if (parts.empty()) return false;
  const bool ready = Ready(parts, &Entry::fwd_fast, [&](Entry& e) {
    e.fwd.emplace(*e.fwd_pd);
    e.fwd_filter.Init(e.fwd_pd->weights_desc(), e.filter_user, false);
    return Fast(e.fwd_pd->impl_info_str());
  });
  if (!ready) return false;  // the im2col path for this kind
  // Filters reordered here, once per distinct entry (parts of equal batch share one, and its buffer).
  std::vector<memory> filters;
  for (size_t p = 0; p < parts.size(); ++p)
    filters.push_back(p > 0 && parts[p].e == parts[p - 1].e ? filters.back()
                                                            : FilterIn(parts[p].e->fwd_filter, parts[p].e->filter_user, w));
  const int64_t x_image = g.in_h * g.in_w * g.in_c, y_image = g.out_h * g.out_w * g.out_c;
  RunParts(parts, [&](const Part& part) {
    Entry& e = *part.e;
    e.fwd->execute(Stream(), {{DNNL_ARG_SRC, memory(e.src, Engine(), const_cast<float*>(x) + part.n0 * x_image)},
                              {DNNL_ARG_WEIGHTS, filters[&part - parts.data()]},
                              {DNNL_ARG_DST, memory(e.dst, Engine(), y + part.n0 * y_image)},
                              {DNNL_ARG_SCRATCHPAD, Scratchpad(e.fwd_pd->scratchpad_desc())}});
    Stream().wait();
  });
  ++calls;
  return true;
}

bool DnnlConv2dBackpropInput(const float* dy, const float* w, float* dx, const ConvGeom& g) {
  const std::vector<Part> parts = Plan(g);
  if (parts.empty()) return false;
  const bool ready = Ready(parts, &Entry::bwd_data_fast, [&](Entry& e) {
    const dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, e.src, FilterAny(g), e.dst,
                                                  e.strides, e.dilates, e.pad_l, e.pad_r);
    e.bwd_data_pd.emplace(d, Attr(), Engine(), *e.fwd_pd);
    e.bwd_data.emplace(*e.bwd_data_pd);
    e.bwd_data_filter.Init(e.bwd_data_pd->weights_desc(), e.filter_user, false);
    return Fast(e.bwd_data_pd->impl_info_str());
  });
  if (!ready) return false;
  std::vector<memory> filters;
  for (size_t p = 0; p < parts.size(); ++p)
    filters.push_back(p > 0 && parts[p].e == parts[p - 1].e
                          ? filters.back()
                          : FilterIn(parts[p].e->bwd_data_filter, parts[p].e->filter_user, w));
  const int64_t x_image = g.in_h * g.in_w * g.in_c, y_image = g.out_h * g.out_w * g.out_c;
  RunParts(parts, [&](const Part& part) {
    Entry& e = *part.e;
    e.bwd_data->execute(Stream(),
                        {{DNNL_ARG_DIFF_DST, memory(e.dst, Engine(), const_cast<float*>(dy) + part.n0 * y_image)},
                         {DNNL_ARG_WEIGHTS, filters[&part - parts.data()]},
                         {DNNL_ARG_DIFF_SRC, memory(e.src, Engine(), dx + part.n0 * x_image)},
                         {DNNL_ARG_SCRATCHPAD, Scratchpad(e.bwd_data_pd->scratchpad_desc())}});
    Stream().wait();
  });
  ++calls;
  return true;
}

bool DnnlConv2dBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeom& g) {
  const std::vector<Part> parts = Plan(g);
  if (parts.empty()) return false;
  const bool ready = Ready(parts, &Entry::bwd_filter_fast, [&](Entry& e) {
    const dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, e.src, FilterAny(g), e.dst,
                                                     e.strides, e.dilates, e.pad_l, e.pad_r);
    e.bwd_filter_pd.emplace(d, Attr(), Engine(), *e.fwd_pd);
    e.bwd_filter.emplace(*e.bwd_filter_pd);
    e.filter_grad.Init(e.bwd_filter_pd->diff_weights_desc(), e.filter_user, true);
    return Fast(e.bwd_filter_pd->impl_info_str());
  });
  if (!ready) return false;
  // Part 0's gradient lands in dw, the others' in partials (all in the user's layout), added in part order.
  const int64_t size = g.f_h * g.f_w * g.in_c * g.out_c;
  std::vector<float> partial(static_cast<size_t>((parts.size() - 1) * size));
  const int64_t x_image = g.in_h * g.in_w * g.in_c, y_image = g.out_h * g.out_w * g.out_c;
  RunParts(parts, [&](const Part& part) {
    Entry& e = *part.e;
    const size_t p = static_cast<size_t>(&part - parts.data());
    memory user(e.filter_user, Engine(), p == 0 ? dw : partial.data() + (p - 1) * size);
    Filter& f = e.filter_grad;
    std::optional<memory> own;  // the primitive's layout, per part (parts may share an entry)
    if (f.reorder) own.emplace(f.buf->get_desc(), Engine());
    e.bwd_filter->execute(Stream(),
                          {{DNNL_ARG_SRC, memory(e.src, Engine(), const_cast<float*>(x) + part.n0 * x_image)},
                           {DNNL_ARG_DIFF_DST, memory(e.dst, Engine(), const_cast<float*>(dy) + part.n0 * y_image)},
                           {DNNL_ARG_DIFF_WEIGHTS, own ? *own : user},
                           {DNNL_ARG_SCRATCHPAD, Scratchpad(e.bwd_filter_pd->scratchpad_desc())}});
    Stream().wait();
    if (own) Reorder(f, *own, user);
  });
  for (size_t p = 1; p < parts.size(); ++p) {
    const float* __restrict src = partial.data() + (p - 1) * size;
    for (int64_t i = 0; i < size; ++i) dw[i] += src[i];
  }
  ++calls;
  return true;
}

}  // namespace vaelab

#else  // built without oneDNN: every call takes conv.cc's im2col path

namespace vaelab {

bool DnnlConvAvailable() { return false; }
bool SetDnnlConv(bool) { return false; }
int64_t DnnlConvCalls() { return 0; }
bool DnnlConv2dForward(const float*, const float*, float*, const ConvGeom&) { return false; }
bool DnnlConv2dBackpropInput(const float*, const float*, float*, const ConvGeom&) { return false; }
bool DnnlConv2dBackpropFilter(const float*, const float*, float*, const ConvGeom&) { return false; }

}  // namespace vaelab

#endif
