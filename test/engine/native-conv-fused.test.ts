// The fused conv + bias + activation (native/src/conv.cc, lib/nets/conv.ts conv2d): values and the
// three gradients (dx, dw, db) against the composed tfjs ops (conv2d, add, activation) on `native` and
// on `cpu`, for every activation the kernel knows, with and without a bias, strided, padded and 1×1;
// the thread count; the switch; memory; and the benchmark's CD-VAE level trained 100 Adam steps with
// the fused conv against the same model with the composed ops.
//
// Tolerances, as max |got − want| / (1 + |want|):
// - fused vs composed on native: y, dx, dw bit for bit (the same conv kernels on the same dz, and each
//   activation and its derivative in the composed ops' float32 formula and order); db ≤ 1e-6: the
//   kernel sums in float64, the Sum kernel its own way (observed: equal).
// - fused vs composed on cpu: y, dx 1e-5: the cpu conv sums its K = kh·kw·C ≤ 432 products in another
//   order (float32 rounding, observed ≤ 5e-7); dw, db (sums over the R = B·H'·W' output pixels)
//   2e-6·√R (observed ≤ 3.3e-6 at R = 128, 8.5e-6 at R = 512, bound 4.5e-5).
// - 1 vs 4 pool threads: y, dx, db bit for bit; dw as above (the conv's backprop filter sums each
//   thread's rows into its own partial, as the unfused Conv2DBackpropFilter kernel does; observed ≤ 1.2e-5).
// - training: the loss (nats, ≈ 1440 → 130 over the run) of the two 100-step runs agrees to 1e-4
//   relative at every step (only db's summation could differ; observed: identical).
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { FUSED_ACTIVATIONS, FUSED_KERNELS } from "../../lib/engine/native/fused-kernels";
import { Rng } from "../../lib/engine/rng";
import { Conv2dParams, Padding, conv2d, conv2dComposed, fusedConv } from "../../lib/nets/conv";
import type { Activation } from "../../lib/nets/mlp";
import { SDE_LEVEL_BENCHMARK, SdeLevel } from "../../lib/bench/models";
import { createAdam } from "../../lib/train/fused-adam";
import { kernelNamesOf, maxRelErr, nativeUnavailable, on } from "./native-harness";
import { arraysOf } from "../helpers/read";

const skip = nativeUnavailable();

before(() => {
  tf.setBackend("cpu");
});

interface Case {
  label: string;
  x: [number, number, number, number];
  kernel: number;
  out: number;
  stride: number;
  padding: Padding;
  activation: Activation;
  bias: boolean;
}

const CASES: Case[] = [
  {
    label: "3×3 same, relu, bias",
    x: [2, 8, 8, 5],
    kernel: 3,
    out: 7,
    stride: 1,
    padding: "same",
    activation: "relu",
    bias: true,
  },
  {
    label: "3×3/2 valid, tanh, bias",
    x: [3, 7, 6, 4],
    kernel: 3,
    out: 6,
    stride: 2,
    padding: "valid",
    activation: "tanh",
    bias: true,
  },
  {
    label: "4×4/2 same, sigmoid, no bias",
    x: [2, 9, 9, 3],
    kernel: 4,
    out: 8,
    stride: 2,
    padding: "same",
    activation: "sigmoid",
    bias: false,
  },
  {
    label: "3×3 same, swish, bias",
    x: [2, 8, 8, 6],
    kernel: 3,
    out: 4,
    stride: 1,
    padding: "same",
    activation: "swish",
    bias: true,
  },
  {
    label: "3×3 same, swish, no bias",
    x: [1, 5, 7, 3],
    kernel: 3,
    out: 5,
    stride: 1,
    padding: "same",
    activation: "swish",
    bias: false,
  },
  {
    label: "1×1 (direct GEMM), relu, bias",
    x: [4, 5, 5, 8],
    kernel: 1,
    out: 8,
    stride: 1,
    padding: "valid",
    activation: "relu",
    bias: true,
  },
  {
    label: "3×3 same, linear, bias",
    x: [2, 8, 8, 16],
    kernel: 3,
    out: 16,
    stride: 1,
    padding: "same",
    activation: "linear",
    bias: true,
  },
  // the benchmark's posterior drift layer at batch 8: 512 rows, split across threads
  {
    label: "[8, 8, 8, 48] → 32 (CD-VAE level), relu, bias",
    x: [8, 8, 8, 48],
    kernel: 3,
    out: 32,
    stride: 1,
    padding: "same",
    activation: "relu",
    bias: true,
  },
];

interface Data {
  x: Float32Array;
  w: Float32Array;
  b: Float32Array;
  dy: Float32Array;
  yShape: number[];
}

function data(k: Case): Data {
  const rng = new Rng(`native-conv-fused/${k.label}`);
  const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const normal = (len: number, scale: number) => Float32Array.from({ length: len }, () => scale * rng.normal());
  const yShape = tf.tidy(
    () => conv2dComposed(tf.zeros(k.x), params(k, tf.zeros([k.kernel, k.kernel, k.x[3], k.out]), null)).shape,
  );
  return {
    x: normal(n(k.x), 1),
    w: normal(k.kernel * k.kernel * k.x[3] * k.out, 1 / Math.sqrt(k.kernel * k.kernel * k.x[3])),
    b: normal(k.out, 0.5),
    dy: normal(n(yShape), 1),
    yShape,
  };
}

function params(k: Case, w: tf.Tensor, b: tf.Tensor | null): Conv2dParams {
  return {
    w: w as tf.Variable,
    b: b as tf.Variable | null,
    stride: k.stride,
    padding: k.padding,
    activation: k.activation,
  };
}

/** [y, dx, dw, db?] on the current backend through `conv`. */
function run(k: Case, d: Data, conv: (x: tf.Tensor, p: Conv2dParams) => tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(d.x, k.x);
    const w = tf.tensor4d(d.w, [k.kernel, k.kernel, k.x[3], k.out]);
    const b = tf.tensor1d(d.b);
    const dy = tf.tensor(d.dy, d.yShape);
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => conv(xx, params(k, ww, k.bias ? bb! : null));
    const y = f(x, w, b);
    const grads = tf.grads(f)(k.bias ? [x, w, b] : [x, w], dy);
    return [y, ...grads];
  });
}

const NAMES = ["y", "dx", "dw", "db"];

function check(label: string, got: Float32Array[], want: Float32Array[], tols: number[], names = NAMES): void {
  assert.equal(got.length, want.length);
  for (let j = 0; j < got.length; j++) {
    const e = maxRelErr(got[j], want[j]);
    if (process.env.VAELAB_CONV_DIAG) console.log(`${label} ${names[j]}: ${e.toExponential(2)} (tol ${tols[j]})`);
    assert.ok(e <= tols[j], `${label}: ${names[j]} max |Δ|/(1+|ref|) = ${e.toExponential(3)} > ${tols[j]}`);
  }
}

/** Tolerance of sums over the output pixels (dw, db): 2e-6·√R. */
function sumTol(k: Case, d: Data): number {
  return 2e-6 * Math.sqrt(d.yShape[0] * d.yShape[1] * d.yShape[2]);
}

/** Kernel names that one forward + backward of conv2d runs on `backend`. */
function kernelNames(backend: string, k: Case): string[] {
  return on(backend, () => {
    const d = data(k);
    const x = tf.tensor4d(d.x, k.x),
      w = tf.tensor4d(d.w, [k.kernel, k.kernel, k.x[3], k.out]),
      b = tf.tensor1d(d.b),
      dy = tf.tensor(d.dy, d.yShape);
    try {
      return kernelNamesOf(() =>
        tf.dispose(
          tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => conv2d(xx, params(k, ww, bb)))([x, w, b], dy),
        ),
      );
    } finally {
      tf.dispose([x, w, b, dy]);
    }
  });
}

describe("fused conv + bias + activation on native", { skip: skip ?? undefined }, () => {
  test("the kernels are registered on native only, and conv2d runs them there", () => {
    assert.ok(tf.getKernel(FUSED_KERNELS.conv2dBiasAct, "native"));
    assert.ok(tf.getKernel(FUSED_KERNELS.conv2dBiasActGrad, "native"));
    assert.equal(tf.getKernel(FUSED_KERNELS.conv2dBiasAct, "cpu"), undefined);
    const k = CASES[0];
    const nat = kernelNames("native", k);
    assert.deepEqual(
      nat.filter((n) => n.startsWith("Vaelab")),
      [FUSED_KERNELS.conv2dBiasAct, FUSED_KERNELS.conv2dBiasActGrad],
    );
    // dx by the unfused backprop-input kernel on dz; the rest are the tape's Identity clones of the
    // four saved tensors (x, filter, y, pre), which share data
    assert.equal(nat.filter((n) => n === "Conv2DBackpropInput").length, 1, nat.join(" "));
    assert.ok(
      nat.length <= 7 && nat.every((n) => n.startsWith("Vaelab") || n === "Identity" || n === "Conv2DBackpropInput"),
      `native: ${nat.length} kernels for conv forward + backward (${nat.join(" ")})`,
    );
    const cpu = kernelNames("cpu", k);
    assert.ok(
      !cpu.some((n) => n.startsWith("Vaelab")) && cpu.length >= 7,
      `cpu runs the composed ops (${cpu.length} kernels: ${cpu.join(" ")})`,
    );
  });

  for (const k of CASES) {
    test(`${k.label}: values and gradients (fused vs composed on native and on cpu)`, async () => {
      const d = data(k);
      const fused = await arraysOf(on("native", () => run(k, d, conv2d)));
      const composedNative = await arraysOf(on("native", () => run(k, d, conv2dComposed)));
      for (let j = 0; j < 3; j++) assert.deepEqual(fused[j], composedNative[j], `${k.label}: ${NAMES[j]} bit for bit`);
      if (k.bias) check(`${k.label} fused/composed-native`, fused.slice(3), composedNative.slice(3), [1e-6], ["db"]);
      const composedCpu = await arraysOf(on("cpu", () => run(k, d, conv2dComposed)));
      check(`${k.label} fused/composed-cpu`, fused, composedCpu, [1e-5, 1e-5, sumTol(k, d), sumTol(k, d)]);
    });
  }

  test("the sigmoid behind the fused sigmoid/swish and the Sigmoid kernel (bias_act.h's ExpF): ≤ 2 ulp of float64", async () => {
    // 2·10⁶ points over [−95, 95] (where the result is a normal float) against 1/(1 + e^−x) in float64,
    // in units of the float32 spacing at the reference; and the edges: ±Inf, NaN, ±88, ±89, 0.
    const n = 2_000_001;
    const xs = Float32Array.from({ length: n }, (_, i) => -95 + (190 * i) / (n - 1));
    const [y, edges] = await arraysOf(
      on("native", () =>
        tf.tidy(() => [
          tf.sigmoid(tf.tensor1d(xs)),
          tf.sigmoid(tf.tensor1d([Infinity, -Infinity, NaN, 0, 88, -88, 89, -89])),
        ]),
      ),
    );
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const ref = 1 / (1 + Math.exp(-xs[i]));
      if (ref < 1.2e-38) continue;
      worst = Math.max(worst, Math.abs(y[i] - ref) / (Math.fround(ref) * 2 ** -23));
    }
    assert.ok(worst <= 2, `sigmoid off by up to ${worst.toFixed(2)} ulp`);
    assert.deepEqual(Array.from(edges.slice(0, 4)), [1, 0, NaN, 0.5]);
    assert.equal(edges[4], 1);
    assert.ok(Math.abs(edges[5] - 6.0546e-39) < 1e-42, `sigmoid(−88) = ${edges[5]}`);
    assert.deepEqual(Array.from(edges.slice(6)), [1, 0]);
  });

  test("every activation the kernel knows is covered above", () => {
    const covered = new Set(CASES.map((k) => k.activation));
    for (const a of Object.keys(FUSED_ACTIVATIONS)) assert.ok(covered.has(a as Activation), a);
  });

  test("1 vs 4 pool threads: y, dx, db bit for bit, dw to rounding", async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadAddon } = require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon");
    const addon = loadAddon();
    const prev = addon.threads();
    for (const k of [CASES[3], CASES[7]]) {
      const d = data(k);
      try {
        addon.setThreads(1);
        const one = await arraysOf(on("native", () => run(k, d, conv2d)));
        addon.setThreads(4);
        const four = await arraysOf(on("native", () => run(k, d, conv2d)));
        for (const j of [0, 1, 3]) assert.deepEqual(four[j], one[j], `${k.label}: ${NAMES[j]}`);
        check(`${k.label} 4/1 threads`, [four[2]], [one[2]], [sumTol(k, d)], ["dw"]);
      } finally {
        addon.setThreads(prev);
      }
    }
  });

  test("dx is computed only where x needs a gradient (a first layer on data: no Conv2DBackpropInput)", () => {
    on("native", () => {
      const k = CASES[0];
      const d = data(k);
      const x = tf.tensor4d(d.x, k.x),
        w = tf.variable(tf.tensor4d(d.w, [k.kernel, k.kernel, k.x[3], k.out])),
        b = tf.variable(tf.tensor1d(d.b));
      const names: string[] = [];
      const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown };
      const orig = engine.runKernel;
      engine.runKernel = function (this: unknown, name: unknown, ...rest: unknown[]) {
        names.push(String(name));
        return orig.call(this, name, ...rest);
      };
      try {
        const { value, grads } = tf.variableGrads(() => tf.sum(conv2d(x, params(k, w, b))) as tf.Scalar, [w, b]);
        tf.dispose([value, ...Object.values(grads)]);
      } finally {
        engine.runKernel = orig;
        tf.dispose([x, w, b]);
      }
      assert.ok(names.includes(FUSED_KERNELS.conv2dBiasActGrad), names.join(" "));
      assert.ok(!names.includes("Conv2DBackpropInput"), names.join(" "));
    });
  });

  test("the switch: fusedConv(false) runs the composed ops on native", () => {
    const k = CASES[3];
    const prev = fusedConv();
    try {
      fusedConv(false);
      assert.ok(!kernelNames("native", k).some((n) => n.startsWith("Vaelab")));
    } finally {
      fusedConv(prev);
    }
  });

  test("an activation the kernel does not know is refused with the kernel's name", () => {
    on("native", () => {
      const x = tf.ones([1, 4, 4, 2]),
        w = tf.ones([3, 3, 2, 2]);
      assert.throws(
        () =>
          tf
            .engine()
            .runKernel(FUSED_KERNELS.conv2dBiasAct, { x, filter: w }, { strides: 1, pad: "same", activation: "elu" }),
        /VaelabConv2dBiasAct: activation must be one of linear, relu, tanh, sigmoid, swish, got elu/,
      );
      tf.dispose([x, w]);
    });
  });

  test("no tensors leak from the fused forward + backward (swish and relu, some or all gradients asked)", () => {
    on("native", () => {
      for (const k of [CASES[0], CASES[3]]) {
        const d = data(k);
        const x = tf.tensor4d(d.x, k.x),
          w = tf.variable(tf.tensor4d(d.w, [k.kernel, k.kernel, k.x[3], k.out])),
          b = tf.variable(tf.tensor1d(d.b));
        const p = params(k, w, b);
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) {
          tf.dispose(tf.grads((xx: tf.Tensor) => conv2d(xx, p))([x])); // only dx asked
          const { value, grads } = tf.variableGrads(() => tf.sum(conv2d(x, p)) as tf.Scalar, [w, b]);
          tf.dispose([value, ...Object.values(grads)]);
          tf.dispose(conv2d(x, p)); // forward only, no tape
        }
        assert.equal(tf.memory().numTensors, before, k.label);
        tf.dispose([x, w, b]);
      }
    });
  });

  test("the benchmark's CD-VAE level trained 100 Adam steps with the fused conv follows the composed one's loss", async () => {
    // SDE_LEVEL_BENCHMARK (10 Euler–Maruyama steps, 8 conv layers with ReLU/linear and biases) on
    // [8, 8, 8, 1] data, lr 1e-3, the same Brownian increments in both runs.
    const steps = 100;
    const losses = async (fused: boolean): Promise<number[]> => {
      const prevBackend = tf.getBackend();
      const prevFused = fusedConv();
      tf.setBackend("native");
      fusedConv(fused);
      try {
        const rng = new Rng("native-conv-fused/cdvae");
        const level = new SdeLevel(SDE_LEVEL_BENCHMARK, rng.fork("init"));
        const x = rng.fork("data").normalTensor([8, 8, 8, 1]);
        const opt = createAdam(1e-3);
        const out: number[] = [];
        const before = tf.memory().numTensors;
        let after = before;
        for (let s = 0; s < steps; s++) {
          const r = rng.fork(`step/${s}`);
          const loss = opt.minimize(() => level.loss(x, r), true, level.variables()) as tf.Scalar;
          out.push((await loss.data())[0]);
          loss.dispose();
          if (s === 1) after = tf.memory().numTensors; // Adam's slots exist from the first step on
        }
        assert.equal(tf.memory().numTensors, after, "tensor count constant over the steps");
        opt.dispose();
        x.dispose();
        level.dispose();
        return out;
      } finally {
        fusedConv(prevFused);
        tf.setBackend(prevBackend);
      }
    };
    const a = await losses(true);
    const b = await losses(false);
    let worst = 0;
    for (let s = 0; s < steps; s++) worst = Math.max(worst, Math.abs(a[s] - b[s]) / (1 + Math.abs(b[s])));
    if (process.env.VAELAB_CONV_DIAG)
      console.log(
        `cdvae 100 steps: loss ${b[0].toFixed(3)} → ${b[steps - 1].toFixed(3)} (composed), ${a[steps - 1].toFixed(3)} (fused); max rel |Δ| ${worst.toExponential(2)}`,
      );
    assert.ok(b[0] - b[steps - 1] > 0.05 * Math.abs(b[0]), `the composed run trains (loss ${b[0]} → ${b[steps - 1]})`);
    assert.ok(worst <= 1e-4, `fused vs composed loss trajectories differ by up to ${worst} (relative)`);
  });
});
