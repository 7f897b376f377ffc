// Parity of the native matmul, elementwise, reduction and transpose kernels with the cpu backend,
// on random shapes including broadcasting, size-1 and empty dimensions, and their gradients.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng";
import { assertParity, gradsOf, nativeUnavailable, randn, runOn, t } from "./native-harness";

const skip = nativeUnavailable() ?? false;
const rng = new Rng("native-math");
const randShape = (rank: number, max = 5) => Array.from({ length: rank }, () => 1 + rng.int(max));
const gemmTol = (k: number) => ({ rtol: 1e-5, atol: 1e-5 * Math.sqrt(Math.max(k, 1)) });

test(
  "matMul: every transpose combination, batched with broadcast batch dims, size-1 and empty dims",
  { skip },
  async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[7, 5], [5, 3], false, false],
      [[5, 7], [5, 3], true, false],
      [[7, 5], [3, 5], false, true],
      [[5, 7], [3, 5], true, true],
      [[4, 6, 8], [4, 8, 2], false, false],
      [[1, 6, 8], [5, 8, 9], false, false],
      [[1, 1], [1, 1], false, false],
      [[0, 4], [4, 3], false, false], // empty output rows
      [[3, 0], [0, 2], false, false], // empty inner dim: zeros
      [[130, 257], [257, 65], false, false], // larger than one BLAS block
    ];
    for (const [sa, sb, ta, tb] of cases) {
      const a = randn(rng, sa),
        b = randn(rng, sb);
      const k = ta ? sa[sa.length - 2] : sa[sa.length - 1];
      await assertParity(
        `matMul ${sa}${ta ? "ᵀ" : ""} × ${sb}${tb ? "ᵀ" : ""}`,
        () => tf.matMul(t(a), t(b), ta, tb),
        gemmTol(k),
      );
    }
  },
);

test(
  "matMul broadcasts batch dims like numpy ([2,1]×[3] → [2,3]), which the cpu kernel gets wrong",
  { skip },
  async () => {
    // The cpu kernel indexes batches modulo each side's count and returns max(2,3)=3 matrices for a
    // [2,3] output, so the reference here is an explicit tile on the cpu backend.
    const a = randn(rng, [2, 1, 6, 8]),
      b = randn(rng, [3, 8, 2]);
    const [nat] = await runOn("native", () => tf.matMul(t(a), t(b)));
    const [ref] = await runOn("cpu", () =>
      tf.matMul(tf.tile(t(a), [1, 3, 1, 1]), tf.tile(tf.expandDims(t(b), 0), [2, 1, 1, 1])),
    );
    assert.deepEqual(nat.shape, [2, 3, 6, 2]);
    nat.values.forEach((v, i) =>
      assert.ok(Math.abs(v - ref.values[i]) <= 1e-4, `matMul broadcast [${i}]: ${v} vs ${ref.values[i]}`),
    );
  },
);

test("matMul gradients match the cpu backend", { skip }, async () => {
  for (const [sa, sb, ta, tb] of [
    [[6, 4], [4, 3], false, false],
    [[2, 4, 6], [2, 3, 4], true, true],
  ] as [number[], number[], boolean, boolean][]) {
    await assertParity(
      `d matMul ${sa}×${sb}`,
      gradsOf((a, b) => tf.matMul(a, b, ta, tb), [randn(rng, sa), randn(rng, sb)]),
      gemmTol(8),
    );
  }
});

test("fused matMul: bias and every activation, with gradients", { skip }, async () => {
  const a = randn(rng, [9, 6]),
    b = randn(rng, [6, 5]),
    bias = randn(rng, [5]),
    alpha = randn(rng, [5], 0.3);
  for (const activation of ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"] as const) {
    await assertParity(
      `fused matMul ${activation}`,
      () =>
        tf.fused.matMul({
          a: t(a),
          b: t(b),
          bias: t(bias),
          activation,
          preluActivationWeights: activation === "prelu" ? t(alpha) : undefined,
          leakyreluAlpha: 0.15,
        }),
      gemmTol(6),
    );
  }
  await assertParity(
    "d fused matMul relu",
    gradsOf((x, w, c) => tf.fused.matMul({ a: x, b: w, bias: c, activation: "relu" }), [a, b, bias]),
    gemmTol(9),
  );
});

test("unary ops agree on random values and at their edge values (0, ±Inf, NaN, thresholds)", { skip }, async () => {
  const edges = new Float32Array([
    0,
    -0,
    1,
    -1,
    1e-8,
    -1e-8,
    15.9,
    -15.9,
    16,
    88,
    -88,
    100,
    -100,
    Infinity,
    -Infinity,
    NaN,
    6,
    7,
    -7,
    0.5,
  ]);
  const pos = (x: tf.Tensor) => tf.abs(x);
  const ops: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ["exp", tf.exp],
    ["log", (x) => tf.log(pos(x))],
    ["neg", tf.neg],
    ["relu", tf.relu],
    ["sigmoid", tf.sigmoid],
    ["tanh", tf.tanh],
    ["softplus", tf.softplus],
    ["sqrt", (x) => tf.sqrt(pos(x))],
    ["square", tf.square],
    ["abs", tf.abs],
    ["log1p", (x) => tf.log1p(pos(x))],
    ["elu", tf.elu],
    ["relu6", tf.relu6],
    ["leakyRelu", (x) => tf.leakyRelu(x, 0.3)],
  ];
  const rnd = randn(rng, [3, 70, 5], 4);
  for (const [name, f] of ops) {
    await assertParity(`${name} random`, () => f(t(rnd)), { rtol: 2e-6, atol: 1e-7 });
    await assertParity(`${name} edges`, () => f(tf.tensor1d(edges)), { rtol: 2e-6, atol: 1e-7 });
    await assertParity(`${name} empty`, () => f(tf.zeros([2, 0, 3])));
  }
  // A large input is split across the thread pool; the split must not change a single value.
  const big = randn(rng, [200000]);
  await assertParity("tanh across the pool", () => tf.tanh(t(big)), { rtol: 2e-6, atol: 1e-7 });
});

test("unary gradients (sigmoid, tanh, softplus, elu, log1p, sqrt) match", { skip }, async () => {
  const x = randn(rng, [4, 7]);
  for (const [name, f] of [
    ["sigmoid", tf.sigmoid],
    ["tanh", tf.tanh],
    ["softplus", tf.softplus],
    ["elu", tf.elu],
    ["log1p", (v: tf.Tensor) => tf.log1p(tf.abs(v))],
    ["sqrt", (v: tf.Tensor) => tf.sqrt(tf.add(tf.abs(v), 0.1))],
  ] as [string, (v: tf.Tensor) => tf.Tensor][]) {
    await assertParity(`d ${name}`, gradsOf(f, [x]), { rtol: 1e-5, atol: 1e-6 });
  }
});

test("binary ops broadcast like numpy over random shapes, size-1 and empty dims", { skip }, async () => {
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["add", tf.add],
    ["sub", tf.sub],
    ["mul", tf.mul],
    ["div", tf.div],
    ["maximum", tf.maximum],
    ["minimum", tf.minimum],
    ["squaredDifference", tf.squaredDifference],
    ["pow", (a, b) => tf.pow(tf.abs(a), b)],
    ["prelu", tf.prelu],
  ];
  for (let trial = 0; trial < 30; trial++) {
    const rank = 1 + rng.int(4);
    const out = randShape(rank);
    // Each operand: drop some leading dims, set some dims to 1.
    const operand = () => out.slice(rng.int(rank)).map((d) => (rng.uniform() < 0.35 ? 1 : d));
    const sa = trial % 5 === 0 ? out : operand(),
      sb = trial % 7 === 0 ? [] : operand();
    const a = randn(rng, sa),
      b = randn(rng, sb);
    for (const [name, f] of ops) {
      if (name === "prelu" && sb.length > sa.length) continue; // prelu's alpha broadcasts into x
      await assertParity(`${name} ${JSON.stringify(sa)} ∘ ${JSON.stringify(sb)}`, () => f(t(a), t(b)), {
        rtol: 2e-6,
        atol: 1e-7,
      });
    }
  }
  await assertParity("add with an empty dim", () => tf.add(tf.ones([3, 0, 2]), tf.ones([1, 1, 2])));
  await assertParity("NaN propagates through maximum/minimum", () => [
    tf.maximum(tf.tensor1d([NaN, 1, -Infinity]), tf.tensor1d([0, NaN, 2])),
    tf.minimum(tf.tensor1d([NaN, 1]), tf.tensor1d([0, NaN])),
  ]);
  await assertParity("int32 add falls back to the cpu kernel", () =>
    tf.add(tf.tensor1d([1, 2], "int32"), tf.tensor1d([3, 4], "int32")),
  );
});

// (SquaredDifference and Maximum are left out: tfjs's own gradients for them do not reduce broadcast dims, on any backend;
// both are covered unbroadcast by the end-to-end model tests.)
test("binary gradients with broadcasting reduce back to the operand shapes", { skip }, async () => {
  const a = randn(rng, [3, 1, 4]),
    b = randn(rng, [5, 1]);
  for (const [name, f] of [
    ["add", tf.add],
    ["mul", tf.mul],
    ["div", (x: tf.Tensor, y: tf.Tensor) => tf.div(x, tf.add(tf.abs(y), 0.5))],
    ["pow", (x: tf.Tensor, y: tf.Tensor) => tf.pow(tf.add(tf.abs(x), 0.5), y)],
  ] as [string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor][]) {
    await assertParity(`d ${name}`, gradsOf(f, [a, b]), { rtol: 1e-5, atol: 1e-6 });
  }
});

test("reductions over every axis subset, keepDims, size-1 dims, NaN", { skip }, async () => {
  for (let trial = 0; trial < 12; trial++) {
    const shape = randShape(1 + rng.int(4), 6);
    const x = randn(rng, shape);
    const rank = shape.length;
    for (let mask = 1; mask < 1 << rank; mask++) {
      const axes = [...Array(rank).keys()].filter((i) => mask & (1 << i));
      const keepDims = (mask + trial) % 2 === 0;
      const k = axes.reduce((p, i) => p * shape[i], 1);
      for (const [name, f] of [
        ["sum", tf.sum],
        ["mean", tf.mean],
        ["max", tf.max],
        ["min", tf.min],
      ] as [string, typeof tf.sum][]) {
        await assertParity(`${name} ${shape} axes ${axes}`, () => f(t(x), axes, keepDims), {
          rtol: 1e-5,
          atol: 1e-6 * Math.sqrt(k),
        });
      }
    }
  }
  await assertParity("reduce all, default axis", () => [
    tf.sum(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    ),
    tf.mean(tf.tensor1d([1, 2, 3])),
  ]);
  await assertParity("max with NaN", () => [
    tf.max(tf.tensor1d([1, NaN, 3])),
    tf.min(
      tf.tensor2d([
        [1, NaN],
        [3, 4],
      ]),
      0,
    ),
  ]);
  await assertParity("sum of an empty axis falls back", () => tf.sum(tf.zeros([3, 0]), 1));
  await assertParity(
    "d sum/mean/max",
    gradsOf((v) => tf.add(tf.sum(v, 1), tf.add(tf.mean(v, 1), tf.max(v, 1))), [randn(rng, [4, 6])]),
    { rtol: 1e-5, atol: 1e-6 },
  );
});

test("transpose: every permutation of rank ≤ 4, float32 and int32, large tiled planes", { skip }, async () => {
  const perms = (n: number): number[][] =>
    n === 1
      ? [[0]]
      : perms(n - 1).flatMap((p) => [...Array(n).keys()].map((i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
  for (let rank = 1; rank <= 4; rank++) {
    const shape = randShape(rank, 6);
    const x = randn(rng, shape);
    for (const perm of perms(rank)) {
      await assertParity(`transpose ${shape} ${perm}`, () => tf.transpose(t(x), perm));
      await assertParity(`transpose int32 ${shape} ${perm}`, () => tf.transpose(tf.cast(t(x), "int32"), perm));
    }
  }
  // A float32 tensor cast from int32 shares the int32 buffer on the cpu backend: its words are not floats.
  await assertParity("transpose of a float32 cast from int32", () =>
    tf.transpose(
      tf.cast(
        tf.tensor2d(
          [
            [1, 2],
            [3, 4],
          ],
          [2, 2],
          "int32",
        ),
        "float32",
      ),
    ),
  );
  const big = randn(rng, [3, 67, 130]);
  await assertParity("tiled transpose", () => tf.transpose(t(big), [0, 2, 1]));
  await assertParity("transpose with empty dim", () => tf.transpose(tf.zeros([2, 0, 3]), [2, 0, 1]));
});

test("the addon rejects bad arguments with a message naming the function and argument", { skip }, () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { loadAddon } = require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon");
  const native = loadAddon();
  assert.throws(
    () =>
      native.gemm(
        new Float32Array(5),
        new Float32Array(6),
        new Float32Array(4),
        1,
        2,
        2,
        3,
        false,
        false,
        null,
        null,
        1,
        1,
      ),
    /gemm: a has 5 elements, expected 6/,
  );
  assert.throws(
    () => native.binary(0, new Float32Array(2), [2], new Float32Array(3), [3], new Float32Array(2), [2]),
    /binary: bShape does not broadcast/,
  );
  assert.throws(
    () => native.transpose(new Float32Array(6), [2, 3], [0, 0], new Float32Array(6)),
    /transpose: perm is not a permutation/,
  );
  assert.throws(() => native.unary(99, new Float32Array(1), new Float32Array(1), 0), /unary: unknown op code 99/);
});
