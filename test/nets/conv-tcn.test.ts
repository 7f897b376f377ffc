// Conv layers and Conv-TasNet blocks against plain-loop references: dilated depthwise conv (the
// space-to-batch trick), strided conv1d and its transpose (overlap-add), conv2d / conv2dTranspose
// adjointness, global layer norm, PReLU, and the TCN block's shapes and gradients.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng";
import { ParamStore } from "../../lib/nets/params";
import {
  conv1d,
  conv2d,
  convTranspose1d,
  convTranspose2d,
  createConv1d,
  createConv2d,
  createConvTranspose1d,
  createConvTranspose2d,
} from "../../lib/nets/conv";
import {
  createDepthwiseConv1d,
  createGln,
  createPrelu,
  createTcnBlock,
  depthwiseConv1d,
  globalLayerNorm,
  prelu,
  tcnBlock,
  tcnBlockParameterCount,
} from "../../lib/nets/tcn";
import { engineWithConvGradients } from "../models/model-helpers";

before(async () => {
  await engineWithConvGradients();
});

const close = (a: number, b: number, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

function randn(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

test("dilated depthwise conv = the loop definition with zero padding (dilations 1, 2, 3, 4, 8; T not a multiple of d)", async () => {
  const rng = new Rng("dw");
  for (const [T, d, k] of [
    [10, 1, 3],
    [10, 2, 3],
    [11, 3, 3],
    [9, 4, 3],
    [7, 8, 3],
    [13, 2, 5],
  ]) {
    const B = 2,
      C = 3;
    const store = new ParamStore(rng.fork(`p${T}/${d}/${k}`));
    const p = createDepthwiseConv1d(store, "dw", C, k, d);
    p.b!.assign(tf.tensor1d([0.1, -0.2, 0.3]));
    const xv = randn(rng, B * T * C);
    const y = depthwiseConv1d(tf.tensor3d(xv, [B, T, C]), p);
    assert.deepEqual(y.shape, [B, T, C]);
    const yv = await y.data();
    const w = await p.w.data(); // [1, k, C, 1]: w[j·C + c]
    const bias = await p.b!.data();
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let c = 0; c < C; c++) {
          let s = bias[c];
          for (let j = 0; j < k; j++) {
            const u = t + (j - (k - 1) / 2) * d;
            if (u >= 0 && u < T) s += w[j * C + c] * xv[(b * T + u) * C + c];
          }
          assert.ok(
            close(yv[(b * T + t) * C + c], s),
            `T=${T} d=${d} k=${k} [${b},${t},${c}]: ${yv[(b * T + t) * C + c]} vs ${s}`,
          );
        }
    y.dispose();
    store.dispose();
  }
});

test("strided conv1d and its transpose match the loop definitions (the transpose is an overlap-add)", async () => {
  const rng = new Rng("c1");
  const store = new ParamStore(rng);
  const B = 2,
    T = 20,
    L = 4,
    s = 2,
    N = 3;
  const enc = createConv1d(store, "enc", { inChannels: 1, outChannels: N, kernel: L, stride: s, bias: false });
  const dec = createConvTranspose1d(store, "dec", { inChannels: N, outChannels: 1, kernel: L, stride: s, bias: false });
  const x = randn(rng, B * T);
  const w = await enc.w.data(); // [L, 1, N]
  const F = (T - L) / s + 1;
  const e = conv1d(tf.tensor3d(x, [B, T, 1]), enc);
  assert.deepEqual(e.shape, [B, F, N]);
  const ev = await e.data();
  for (let b = 0; b < B; b++)
    for (let f = 0; f < F; f++)
      for (let n = 0; n < N; n++) {
        let v = 0;
        for (let j = 0; j < L; j++) v += w[j * N + n] * x[b * T + f * s + j];
        assert.ok(close(ev[(b * F + f) * N + n], v), `encoder [${b},${f},${n}]`);
      }
  const y = convTranspose1d(e, dec);
  assert.deepEqual(y.shape, [B, T, 1]);
  const yv = await y.data();
  const wd = await dec.w.data(); // [1, L, 1, N]
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++) {
      let v = 0;
      for (let f = 0; f < F; f++) {
        const j = t - f * s;
        if (j >= 0 && j < L) for (let n = 0; n < N; n++) v += wd[j * N + n] * ev[(b * F + f) * N + n];
      }
      assert.ok(close(yv[b * T + t], v), `decoder [${b},${t}]: ${yv[b * T + t]} vs ${v}`);
    }
  tf.dispose([e, y]);
  store.dispose();
});

test("conv2dTranspose is the adjoint of conv2d with the same kernel (stride 2, 'same'): ⟨conv(x), y⟩ = ⟨x, convT(y)⟩", async () => {
  const rng = new Rng("adj");
  const store = new ParamStore(rng);
  const conv = createConv2d(store, "c", { inChannels: 2, outChannels: 3, kernel: 4, stride: 2, bias: false });
  const convT = createConvTranspose2d(store, "t", { inChannels: 3, outChannels: 2, kernel: 4, stride: 2, bias: false });
  convT.w.assign(conv.w); // conv2d [kh, kw, 2, 3] and conv2dTranspose [kh, kw, out=2, in=3] share the layout
  const x = tf.tensor4d(randn(rng, 2 * 8 * 8 * 2), [2, 8, 8, 2]);
  const y = tf.tensor4d(randn(rng, 2 * 4 * 4 * 3), [2, 4, 4, 3]);
  const cx = conv2d(x, conv);
  const ty = convTranspose2d(y, convT);
  assert.deepEqual(cx.shape, [2, 4, 4, 3]);
  assert.deepEqual(ty.shape, [2, 8, 8, 2]);
  const lhs = (await tf.sum(tf.mul(cx, y)).data())[0];
  const rhs = (await tf.sum(tf.mul(x, ty)).data())[0];
  assert.ok(close(lhs, rhs, 1e-4), `${lhs} vs ${rhs}`);
  tf.dispose([x, y, cx, ty]);
  store.dispose();
});

test("global layer norm: per example zero mean and unit variance over (T, C), then γ, β per channel", async () => {
  const rng = new Rng("gln");
  const store = new ParamStore(rng);
  const p = createGln(store, "g", 4);
  const x = tf.add(tf.mul(tf.tensor3d(randn(rng, 2 * 6 * 4), [2, 6, 4]), 3), 5);
  const y = globalLayerNorm(x, p);
  for (let b = 0; b < 2; b++) {
    const v = Array.from(await tf.slice(y, [b, 0, 0], [1, -1, -1]).data());
    const m = v.reduce((a, c) => a + c, 0) / v.length;
    const s2 = v.reduce((a, c) => a + (c - m) ** 2, 0) / v.length;
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(s2 - 1) < 1e-4, `example ${b}: mean ${m}, variance ${s2}`);
  }
  p.gamma.assign(tf.tensor1d([1, 2, 3, 4]));
  p.beta.assign(tf.tensor1d([0, 1, 0, -1]));
  const y2 = await globalLayerNorm(x, p).data();
  const y1 = await y.data();
  for (let i = 0; i < y1.length; i++) assert.ok(close(y2[i], y1[i] * [1, 2, 3, 4][i % 4] + [0, 1, 0, -1][i % 4], 1e-5));
  store.dispose();
});

test("PReLU: a shared slope, 0.25 at init", async () => {
  const store = new ParamStore(new Rng(1));
  const a = createPrelu(store, "p");
  assert.deepEqual(Array.from(await prelu(tf.tensor1d([-2, 0, 3]), a).data()), [-0.5, 0, 3]);
  store.dispose();
});

test("TCN block: shapes, parameter count formula, residual = input + res conv, gradients reach every parameter", async () => {
  const rng = new Rng("tcn");
  const store = new ParamStore(rng);
  const spec = { channels: 4, hidden: 6, skip: 3, kernel: 3, dilation: 4 };
  const p = createTcnBlock(store, "b", spec);
  assert.equal(store.count(), tcnBlockParameterCount(spec));
  for (const v of store.trainable())
    tf.tidy(() => v.assign(tf.add(v, tf.tensor(randn(rng, v.size), v.shape).mul(0.1))));
  const x = tf.tensor3d(randn(rng, 2 * 9 * 4), [2, 9, 4]);
  const { residual, skip } = tcnBlock(x, p);
  assert.deepEqual(residual.shape, [2, 9, 4]);
  assert.deepEqual(skip.shape, [2, 9, 3]);
  const { grads } = tf.variableGrads(
    () =>
      tf.tidy(() => {
        const r = tcnBlock(x, p);
        return tf.add(tf.sum(tf.square(r.residual)), tf.sum(tf.square(r.skip))) as tf.Scalar;
      }),
    store.trainable(),
  );
  for (const v of store.trainable()) {
    const g = grads[v.name];
    assert.ok(g, `gradient for ${v.name}`);
    assert.ok((await tf.sum(tf.abs(g)).data())[0] > 0, `nonzero gradient for ${v.name}`);
  }
  tf.dispose([x, residual, skip, ...Object.values(grads)]);
  store.dispose();
});
