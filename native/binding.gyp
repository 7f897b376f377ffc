# Native CPU kernels for the `native` tfjs backend (lib/engine/native/).
# Built by scripts/build-native.js into native/build/; links OpenBLAS for GEMM and, where its headers are
# installed (the build script passes --with_dnnl=1), oneDNN (libdnnl) for the 2-D convolutions
# (src/conv_dnnl.cc; without it they run on im2col + OpenBLAS).
{
  "variables": { "with_dnnl%": 0 },
  "targets": [
    {
      "target_name": "vaelab_native",
      "sources": [
        "src/addon.cc",
        "src/gemm.cc",
        "src/elementwise.cc",
        "src/special.cc",
        "src/reduce.cc",
        "src/transpose.cc",
        "src/thread_pool.cc",
        "src/conv.cc",
        "src/conv_dnnl.cc",
        "src/misc.cc",
        "src/gln.cc",
        "src/bias_act.cc",
        "src/dense.cc",
        "src/prelu.cc",
        "src/gamma_sample.cc",
        "src/normal.cc",
        "src/aggregate.cc"
      ],
      "include_dirs": ["/usr/include/openblas", "/usr/include/x86_64-linux-gnu"],
      "defines": ["NAPI_VERSION=8"],
      # Built on the machine that runs it (the install step), so -march=native is safe and lets the
      # compiler vectorise our loops with the host's widest SIMD.
      # -ffp-contract=off: no fused multiply-add, so a*b+c rounds like the cpu backend's JS.
      "cflags": ["-O3", "-fno-math-errno", "-march=native"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-march=native", "-fexceptions", "-ffp-contract=off"],
      "cflags_cc!": ["-std=gnu++17", "-fno-exceptions"],
      "libraries": ["-lopenblas", "-lpthread"],
      "conditions": [
        ["with_dnnl==1", { "defines": ["VAELAB_WITH_DNNL=1"], "libraries": ["-ldnnl", "-lgomp"] }]
      ]
    }
  ]
}
