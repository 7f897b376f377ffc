// The fused dense layer act(x·w + b) (native/src/dense.cc, lib/nets/mlp.ts dense): values and the
// three gradients (dx, dw, db) against the composed tfjs ops (matMul, add, activation) on `native` and
// on `cpu`, for every activation the kernel knows, with and without a bias, on [M, K] and [B, D, K]
// inputs; dx only where asked; the switch; memory; and the benchmark's partial VAE trained 100 Adam
// steps with the fused layers against the same model with the composed ops.
//
// Tolerances, as max |got − want| / (1 + |want|):
// - fused vs composed on native: y, dx, dw bit for bit (the same GEMMs with the same arguments, and each
//   activation and its derivative in the composed ops' float32 formula and order, native/src/bias_act.h);
//   db ≤ 1e-6: the kernel sums in float64, the Sum kernel its own way (observed: equal).
// - fused vs composed on cpu: y, dx 1e-5 (sums of K ≤ 784 products in another order; observed ≤ 1.8e-6);
//   dw, db (sums over the M rows) 2e-6·√M (observed ≤ 2.2e-5 at M = 1920, bound 8.8e-5).
// - training: the negative ELBO (nats) of the two 100-step runs agrees to 1e-4 relative at every step
//   (only db's summation could differ; observed: identical).
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { FUSED_ACTIVATIONS, FUSED_KERNELS } from "../../lib/engine/native/fused-kernels";
import { Rng } from "../../lib/engine/rng";
import { Activation, DenseParams, dense, denseComposed, fusedDense } from "../../lib/nets/mlp";
import { benchModel } from "../../lib/bench/models";
import { kernelNamesOf, maxRelErr, nativeUnavailable, on } from "./native-harness";
import { arraysOf } from "../helpers/read";

const skip = nativeUnavailable();

before(() => {
  tf.setBackend("cpu");
});

interface Case {
  label: string;
  x: number[];
  out: number;
  activation: Activation;
  bias: boolean;
}

const CASES: Case[] = [
  { label: "[128, 17] → 32, relu, bias", x: [128, 17], out: 32, activation: "relu", bias: true },
  { label: "[64, 16] → 64, tanh, bias", x: [64, 16], out: 64, activation: "tanh", bias: true },
  { label: "[50, 8] → 15, sigmoid, no bias", x: [50, 8], out: 15, activation: "sigmoid", bias: false },
  { label: "[33, 20] → 12, swish, bias", x: [33, 20], out: 12, activation: "swish", bias: true },
  { label: "[7, 9] → 5, swish, no bias", x: [7, 9], out: 5, activation: "swish", bias: false },
  { label: "[40, 64] → 16, linear, bias", x: [40, 64], out: 16, activation: "linear", bias: true },
  { label: "[128, 784] → 512, relu, no bias (MLP VAE)", x: [128, 784], out: 512, activation: "relu", bias: false },
  // the P-VAE's set encoder: its second layer runs on every (example, dimension) pair
  {
    label: "[128, 15, 32] → 16, relu, bias (P-VAE features)",
    x: [128, 15, 32],
    out: 16,
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

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function data(k: Case): Data {
  const rng = new Rng(`native-dense-fused/${k.label}`);
  const inDim = k.x[k.x.length - 1];
  const normal = (len: number, scale: number) => Float32Array.from({ length: len }, () => scale * rng.normal());
  const yShape = [...k.x.slice(0, -1), k.out];
  return {
    x: normal(prod(k.x), 1),
    w: normal(inDim * k.out, 1 / Math.sqrt(inDim)),
    b: normal(k.out, 0.5),
    dy: normal(prod(yShape), 1),
    yShape,
  };
}

function params(k: Case, w: tf.Tensor, b: tf.Tensor | null): DenseParams {
  return { w: w as tf.Variable, b: b as tf.Variable | null, activation: k.activation };
}

/** [y, dx, dw, db?] on the current backend through `layer`. */
function run(k: Case, d: Data, layer: (x: tf.Tensor, p: DenseParams) => tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.tensor(d.x, k.x);
    const w = tf.tensor2d(d.w, [k.x[k.x.length - 1], k.out]);
    const b = tf.tensor1d(d.b);
    const dy = tf.tensor(d.dy, d.yShape);
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => layer(xx, params(k, ww, k.bias ? bb! : null));
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
    if (process.env.VAELAB_DENSE_DIAG) console.log(`${label} ${names[j]}: ${e.toExponential(2)} (tol ${tols[j]})`);
    assert.ok(e <= tols[j], `${label}: ${names[j]} max |Δ|/(1+|ref|) = ${e.toExponential(3)} > ${tols[j]}`);
  }
}

/** Tolerance of sums over the rows (dw, db): 2e-6·√M. */
function sumTol(k: Case): number {
  return 2e-6 * Math.sqrt(prod(k.x.slice(0, -1)));
}

/** Kernel names run by fn (on the current backend). */
/** Kernels of one forward + backward of dense on `backend`, with dx asked or only the weights' gradients. */
function kernelNames(backend: string, k: Case, askDx: boolean): string[] {
  return on(backend, () => {
    const d = data(k);
    const x = tf.tensor(d.x, k.x),
      w = tf.variable(tf.tensor2d(d.w, [k.x[k.x.length - 1], k.out])),
      b = tf.variable(tf.tensor1d(d.b)),
      dy = tf.tensor(d.dy, d.yShape);
    try {
      return kernelNamesOf(() => {
        if (askDx) tf.dispose(tf.grads((xx: tf.Tensor) => dense(xx, params(k, w, b)))([x], dy));
        else {
          const { value, grads } = tf.variableGrads(
            () => tf.sum(tf.mul(dense(x, params(k, w, b)), dy)) as tf.Scalar,
            [w, b],
          );
          tf.dispose([value, ...Object.values(grads)]);
        }
      });
    } finally {
      tf.dispose([x, w, b, dy]);
    }
  });
}

describe("fused dense layer on native", { skip: skip ?? undefined }, () => {
  test("the kernels are registered on native only, and dense runs them there", () => {
    assert.ok(tf.getKernel(FUSED_KERNELS.denseBiasAct, "native"));
    assert.ok(tf.getKernel(FUSED_KERNELS.denseBiasActGrad, "native"));
    assert.equal(tf.getKernel(FUSED_KERNELS.denseBiasAct, "cpu"), undefined);
    const k = CASES[0];
    const withDx = kernelNames("native", k, true);
    assert.deepEqual(
      withDx.filter((n) => n.startsWith("Vaelab")),
      [FUSED_KERNELS.denseBiasAct, FUSED_KERNELS.denseBiasActGrad],
    );
    // dx = dz·wᵀ by one BatchMatMul; the rest are the tape's Identity clones and matMul's reshapes
    assert.equal(withDx.filter((n) => n === "BatchMatMul").length, 1, withDx.join(" "));
    assert.ok(withDx.length <= 10, `native: ${withDx.length} kernels (${withDx.join(" ")})`);
    const cpu = kernelNames("cpu", k, true);
    assert.ok(!cpu.some((n) => n.startsWith("Vaelab")) && cpu.length >= 7, `cpu: ${cpu.join(" ")}`);
  });

  test("dx is computed only where x needs a gradient (a first layer on data: no dx product)", () => {
    const names = kernelNames("native", CASES[6], false);
    assert.ok(names.includes(FUSED_KERNELS.denseBiasActGrad), names.join(" "));
    assert.ok(!names.includes("BatchMatMul"), names.join(" "));
  });

  for (const k of CASES) {
    test(`${k.label}: values and gradients (fused vs composed on native and on cpu)`, async () => {
      const d = data(k);
      const fused = await arraysOf(on("native", () => run(k, d, dense)));
      const composedNative = await arraysOf(on("native", () => run(k, d, denseComposed)));
      for (let j = 0; j < 3; j++) assert.deepEqual(fused[j], composedNative[j], `${k.label}: ${NAMES[j]} bit for bit`);
      if (k.bias) check(`${k.label} fused/composed-native`, fused.slice(3), composedNative.slice(3), [1e-6], ["db"]);
      const composedCpu = await arraysOf(on("cpu", () => run(k, d, denseComposed)));
      check(`${k.label} fused/composed-cpu`, fused, composedCpu, [1e-5, 1e-5, sumTol(k), sumTol(k)]);
    });
  }

  test("every activation the kernel knows is covered above", () => {
    const covered = new Set(CASES.map((k) => k.activation));
    for (const a of Object.keys(FUSED_ACTIVATIONS)) assert.ok(covered.has(a as Activation), a);
  });

  test("the switch: fusedDense(false) runs the composed ops on native", () => {
    const prev = fusedDense();
    try {
      fusedDense(false);
      assert.ok(!kernelNames("native", CASES[3], true).some((n) => n.startsWith("Vaelab")));
    } finally {
      fusedDense(prev);
    }
  });

  test("an activation the kernel does not know is refused with the kernel's name", () => {
    on("native", () => {
      const x = tf.ones([3, 4]),
        w = tf.ones([4, 2]);
      assert.throws(
        () => tf.engine().runKernel(FUSED_KERNELS.denseBiasAct, { x, w }, { activation: "softplus" }),
        /VaelabDenseBiasAct: activation must be one of linear, relu, tanh, sigmoid, swish, got softplus/,
      );
      tf.dispose([x, w]);
    });
  });

  test("no tensors leak from the fused forward + backward (swish and relu, some or all gradients asked)", () => {
    on("native", () => {
      for (const k of [CASES[0], CASES[3], CASES[7]]) {
        const d = data(k);
        const x = tf.tensor(d.x, k.x),
          w = tf.variable(tf.tensor2d(d.w, [k.x[k.x.length - 1], k.out])),
          b = tf.variable(tf.tensor1d(d.b));
        const p = params(k, w, b);
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) {
          tf.dispose(tf.grads((xx: tf.Tensor) => dense(xx, p))([x]));
          const { value, grads } = tf.variableGrads(() => tf.sum(dense(x, p)) as tf.Scalar, [w, b]);
          tf.dispose([value, ...Object.values(grads)]);
          tf.dispose(dense(x, p));
        }
        assert.equal(tf.memory().numTensors, before, k.label);
        tf.dispose([x, w, b]);
      }
    });
  });

  test("the benchmark's partial VAE trained 100 Adam steps with the fused layers follows the composed one's loss", async () => {
    // the `pvae` bench model (PointNet-plus encoder, 5 fused dense layers), batch 128, lr 1e-3, same noise
    const steps = 100;
    const losses = async (fused: boolean): Promise<number[]> => {
      const prevBackend = tf.getBackend();
      const prevFused = fusedDense();
      tf.setBackend("native");
      fusedDense(fused);
      try {
        const inst = benchModel("pvae").build(0);
        const out: number[] = [];
        let after = 0;
        for (let s = 0; s < steps; s++) {
          await inst.step();
          out.push(inst.lastLoss());
          if (s === 1) after = tf.memory().numTensors; // Adam's slots exist from the first step on
        }
        assert.equal(tf.memory().numTensors, after, "tensor count constant over the steps");
        inst.dispose();
        return out;
      } finally {
        fusedDense(prevFused);
        tf.setBackend(prevBackend);
      }
    };
    const a = await losses(true);
    const b = await losses(false);
    let worst = 0;
    for (let s = 0; s < steps; s++) worst = Math.max(worst, Math.abs(a[s] - b[s]) / (1 + Math.abs(b[s])));
    if (process.env.VAELAB_DENSE_DIAG)
      console.log(
        `pvae 100 steps: loss ${b[0].toFixed(3)} → ${b[steps - 1].toFixed(3)} (composed), ${a[steps - 1].toFixed(3)} (fused); max rel |Δ| ${worst.toExponential(2)}`,
      );
    assert.ok(b[0] - b[steps - 1] > 0.05 * Math.abs(b[0]), `the composed run trains (loss ${b[0]} → ${b[steps - 1]})`);
    assert.ok(worst <= 1e-4, `fused vs composed loss trajectories differ by up to ${worst} (relative)`);
  });
});
