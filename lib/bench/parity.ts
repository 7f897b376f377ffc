// Parity cases for a tfjs backend against the reference cpu backend (issue 17): the kernels our models' steps use,
// values and input gradients, and small versions of lib/bench/models' five models to train for a few Adam steps.
// test/engine/webgpu.test.ts asserts them on whatever adapter Dawn finds (SwiftShader in CI); the prepared GPU
// check (scripts/gpu-check/main.ts) runs the same cases on the GPU box. Shapes are small: a software Vulkan driver
// compiles every shader with LLVM and computes on the CPU.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import { adamBench, toneMixtures, SdeLevel, SDE_LEVEL_BENCHMARK, type BenchInstance } from "./models";
import { createMlpVae, mlpVaePreset } from "../models/mlp-vae";
import { createConvVae, convVaeConfig } from "../models/conv-vae";
import { createConvTasNet, convTasNetPreset } from "../models/conv-tasnet";
import { PARTIAL_VAE_BENCHMARK, createPartialVae } from "../models/partial-vae";
import { fixedBeta } from "../objectives/controllers";
import { depthwiseConv1d, type DepthwiseConv1dParams } from "../nets/tcn";
import type { Batch } from "../train/batches";

/**
 * float32 agreement: |Δ| ≤ atol + rtol·|ref| elementwise (GPU transcendental functions and summation orders differ).
 * Null when they agree, else one line naming the worst element.
 */
export function mismatch(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  what: string,
  rtol = 1e-4,
  atol = 1e-4,
): string | null {
  if (got.length !== ref.length) return `${what}: length ${got.length}, reference ${ref.length}`;
  let worst = 0,
    at = -1;
  for (let i = 0; i < ref.length; i++) {
    const excess = Math.abs(got[i] - ref[i]) - (atol + rtol * Math.abs(ref[i]));
    if (!(excess <= worst) && !(Number.isNaN(got[i]) && Number.isNaN(ref[i]))) {
      worst = Number.isNaN(excess) ? Infinity : excess;
      at = i;
    }
  }
  return at < 0 ? null : `${what}: element ${at} is ${got[at]}, reference ${ref[at]}`;
}

export type ParityCase = {
  name: string;
  shapes: number[][];
  f: (...x: tf.Tensor[]) => tf.Tensor;
  /** inputs that must stay positive (log, sqrt) */
  positive?: boolean;
};

// The kernels of our models' steps: dense layers, convs (conv-vae, cdvae drifts), the TCN blocks of Conv-TasNet
// (1×1 conv, PReLU, global layer norm, dilated depthwise conv, residual and skip sums), likelihoods and rates.
const gLN = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
  const m = tf.mean(x, [1, 2], true);
  const v = tf.mean(tf.square(tf.sub(x, m)), [1, 2], true);
  return tf.add(tf.mul(tf.div(tf.sub(x, m), tf.sqrt(tf.add(v, 1e-8))), g), b);
};
export const PARITY_CASES: ParityCase[] = [
  {
    name: "matMul",
    shapes: [
      [5, 7],
      [7, 3],
    ],
    f: (a, b) => tf.matMul(a, b),
  },
  {
    name: "matMul transposeB, batched",
    shapes: [
      [2, 4, 6],
      [2, 5, 6],
    ],
    f: (a, b) => tf.matMul(a, b, false, true),
  },
  {
    name: "conv2d 3×3 same",
    shapes: [
      [2, 6, 6, 3],
      [3, 3, 3, 4],
    ],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same"),
  },
  {
    name: "conv2d 4×4 stride 2",
    shapes: [
      [2, 8, 8, 2],
      [4, 4, 2, 3],
    ],
    f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, "same"),
  },
  {
    name: "conv2dTranspose 4×4 stride 2",
    shapes: [
      [2, 4, 4, 3],
      [4, 4, 2, 3],
    ],
    f: (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 2], 2, "same"),
  },
  {
    name: "conv1d (1×1 bottleneck)",
    shapes: [
      [2, 9, 4],
      [1, 4, 3],
    ],
    f: (x, w) => tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, 1, "same"),
  },
  {
    name: "depthwise conv",
    shapes: [
      [2, 1, 12, 4],
      [1, 3, 4, 1],
    ],
    f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same"),
  },
  {
    name: "dilated depthwise conv1d (lib/nets/tcn: space-to-batch, dilation 2)",
    shapes: [
      [2, 12, 4],
      [1, 3, 4, 1],
    ],
    f: (x, w) => depthwiseConv1d(x, { w, b: null, dilation: 2 } as unknown as DepthwiseConv1dParams),
  },

  { name: "prelu", shapes: [[3, 5, 4], [4]], f: (x, a) => tf.prelu(x, a) },
  { name: "global layer norm", shapes: [[2, 6, 4], [4], [4]], f: gLN },
  {
    name: "add/sub/mul/div broadcast",
    shapes: [[3, 4], [4]],
    f: (a, b) => tf.div(tf.mul(tf.add(a, b), tf.sub(a, b)), tf.add(tf.square(b), 1)),
  },
  { name: "relu, sigmoid, tanh", shapes: [[4, 5]], f: (x) => tf.add(tf.add(tf.relu(x), tf.sigmoid(x)), tf.tanh(x)) },
  { name: "softplus, exp, log", shapes: [[4, 5]], f: (x) => tf.add(tf.softplus(x), tf.log(tf.add(tf.exp(x), 1))) },
  {
    name: "log, sqrt, rsqrt (positive)",
    shapes: [[4, 5]],
    positive: true,
    f: (x) => tf.add(tf.log(x), tf.mul(tf.sqrt(x), tf.rsqrt(x))),
  },
  {
    name: "sum, mean, max, logSumExp",
    shapes: [[3, 4, 5]],
    f: (x) => tf.add(tf.add(tf.sum(x, 2), tf.sum(tf.mean(x, 1))), tf.add(tf.max(x, 2), tf.logSumExp(x, 2))),
  },
  {
    name: "transpose, concat, slice, pad",
    shapes: [
      [2, 3, 4],
      [2, 3, 4],
    ],
    f: (a, b) =>
      tf.pad(tf.slice(tf.concat([tf.transpose(a, [0, 2, 1]), tf.transpose(b, [0, 2, 1])], 1), [0, 1, 0], [2, 5, 3]), [
        [0, 0],
        [1, 0],
        [0, 2],
      ]),
  },
  {
    name: "sigmoid cross-entropy (Bernoulli likelihood)",
    shapes: [
      [4, 6],
      [4, 6],
    ],
    f: (l, y) => tf.sum(tf.sub(tf.softplus(l), tf.mul(tf.step(y), l))),
  },
];

/** Values and input gradients (for a fixed random cotangent) of `c` on `backend`, as host arrays. */
export async function evaluateCase(c: ParityCase, backend: string, seed: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const rng = new Rng(`webgpu-parity/${c.name}/${seed}`);
  const host = c.shapes.map((s) => {
    const v = rng.normals(s.reduce((a, b) => a * b, 1));
    return c.positive ? v.map((x) => Math.abs(x) + 0.1) : v;
  });
  const xs = host.map((v, i) => tf.tensor(v, c.shapes[i]));
  const y = c.f(...xs);
  const dy = tf.tensor(rng.normals(y.size), y.shape);
  const { grads } = { grads: tf.grads((...a: tf.Tensor[]) => c.f(...a))(xs, dy) };
  const out = [await y.data(), ...(await Promise.all(grads.map((g) => g.data())))] as Float32Array[];
  tf.dispose([...xs, y, dy, ...grads]);
  return out;
}

// Small versions of lib/bench/models' five models (same factories, fewer channels, shorter inputs, small batches).
const ctl = fixedBeta(1);
const binary = (r: Rng, s: number[]) => tf.tidy(() => tf.cast(tf.less(r.uniformTensor(s), 0.3), "float32"));
export const SMALL_MODELS: Readonly<Record<string, () => BenchInstance>> = {
  "mlp-vae": () => {
    const r = new Rng("webgpu/mlp-vae");
    const m = createMlpVae(
      { ...mlpVaePreset("mlp-vae"), xDim: 64, zDim: 8, encoderHidden: [32], decoderHidden: [32] },
      r.fork("init"),
    );
    const x = binary(r.fork("data"), [8, 64]);
    return adamBench(
      m.store.trainable(),
      (s, g) => ctl.loss(m.step(x, { step: s, epoch: 0, rng: g }), s),
      r.fork("steps"),
      m.parameterCount(),
      () => {
        x.dispose();
        m.dispose();
      },
    );
  },
  "conv-vae": () => {
    const r = new Rng("webgpu/conv-vae");
    const m = createConvVae(convVaeConfig({ imageSize: 16, convChannels: 8, hidden: 32, zDim: 4 }), r.fork("init"));
    const x = binary(r.fork("data"), [2, 16, 16, 1]);
    return adamBench(
      m.store.trainable(),
      (s, g) => ctl.loss(m.step(x, { step: s, epoch: 0, rng: g }), s),
      r.fork("steps"),
      m.parameterCount(),
      () => {
        x.dispose();
        m.dispose();
      },
    );
  },
  tasnet: () => {
    const r = new Rng("webgpu/tasnet");
    const m = createConvTasNet({ ...convTasNetPreset("synthetic"), X: 2 }, r.fork("init"));
    const { mix, sources } = toneMixtures(r.fork("data"), 1, 400);
    return adamBench(
      m.store.trainable(),
      () => m.loss(mix, sources),
      r.fork("steps"),
      m.parameterCount(),
      () => {
        tf.dispose([mix, sources]);
        m.dispose();
      },
    );
  },
  pvae: () => {
    const r = new Rng("webgpu/pvae");
    const m = createPartialVae(PARTIAL_VAE_BENCHMARK, r.fork("init"));
    const batch = { x: r.fork("data").normalTensor([16, 15]), mask: binary(r.fork("mask"), [16, 15]) };
    return adamBench(
      m.store.trainable(),
      (s, g) => ctl.loss(m.step(batch as unknown as Batch, { step: s, epoch: 0, rng: g }), s),
      r.fork("steps"),
      m.parameterCount(),
      () => {
        tf.dispose([batch.x, batch.mask]);
        m.dispose();
      },
    );
  },
  cdvae: () => {
    const r = new Rng("webgpu/cdvae");
    const level = new SdeLevel(
      { ...SDE_LEVEL_BENCHMARK, size: 4, stateChannels: 4, hidden: 8, steps: 2 },
      r.fork("init"),
    );
    const x = r.fork("data").normalTensor([4, 4, 4, 1]);
    return adamBench(
      level.variables(),
      (_s, g) => level.loss(x, g),
      r.fork("steps"),
      level.parameterCount(),
      () => {
        x.dispose();
        level.dispose();
      },
    );
  },
};

/** The losses of `steps` Adam steps of small model `model` on `backend`. */
export async function smallModelLosses(model: string, backend: string, steps = 3): Promise<number[]> {
  await tf.setBackend(backend);
  const inst = SMALL_MODELS[model]();
  const out: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      await inst.step();
      out.push(inst.lastLoss());
    }
  } finally {
    inst.dispose();
  }
  return out;
}

/** A variable after 2 steps of tfjs's Adam on `backend` (fixed gradients). */
export async function adamParity(backend: string): Promise<Float32Array> {
  await tf.setBackend(backend);
  const rng = new Rng("webgpu/adam");
  const v = tf.variable(tf.tensor(rng.normals(40), [8, 5]));
  const opt = tf.train.adam(0.01);
  for (let s = 0; s < 2; s++) {
    const g = tf.tensor(rng.normals(40), [8, 5]);
    opt.applyGradients([{ name: v.name, tensor: g }]);
    g.dispose();
  }
  const out = (await v.data()) as Float32Array;
  opt.dispose();
  v.dispose();
  return out;
}
