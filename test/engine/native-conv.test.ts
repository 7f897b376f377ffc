// Parity of the native convolution kernels (Conv2D, its backprops, depthwise, fused variants, and
// through them conv1d and conv2dTranspose) with the cpu backend, over random geometries; plus checks
// on native alone: a finite-difference gradient, adjoint identities for dilated depthwise backprops
// (which tfjs's gradients and the cpu kernels do not cover), im2col chunking, and argument errors.
//
// Tolerances: |native − cpu| ≤ 1e-5·|cpu| + 1e-5·√K, K the longest sum behind an output element:
// filterH·filterW·inC for the forward, filterH·filterW·outC for dx, batch·outH·outW for dfilter
// (BLAS and the cpu kernels add in different orders, the cpu backprops in doubles).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng";
import { assertParity, gradsOf, nativeUnavailable, randn, runOn, t } from "./native-harness";

const skip = nativeUnavailable() ?? false;
const rng = new Rng("native-conv");
const tol = (...sums: number[]) => ({ rtol: 1e-5, atol: 1e-5 * Math.sqrt(Math.max(1, ...sums)) });
type T4 = tf.Tensor4D;
type Pad = "same" | "valid" | number | [[number, number], [number, number], [number, number], [number, number]];

// eslint-disable-next-line @typescript-eslint/no-var-requires
const addon = () =>
  (require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon")).loadAddon();
// eslint-disable-next-line @typescript-eslint/no-var-requires
const convAddon = () =>
  (require("../../lib/engine/native/kernels-conv") as typeof import("../../lib/engine/native/kernels-conv")).convAddon(
    addon(),
  );

const ENTRY = [
  "conv2d",
  "conv2dBackpropInput",
  "conv2dBackpropFilter",
  "depthwiseConv2d",
  "depthwiseBackpropInput",
  "depthwiseBackpropFilter",
] as const;

/** Runs fn with the addon's conv entry points counted; returns the counts. */
async function counting(fn: () => Promise<void>): Promise<Record<string, number>> {
  const a = addon() as unknown as Record<string, unknown>;
  const counts: Record<string, number> = {};
  const saved = ENTRY.map((name) => a[name]);
  ENTRY.forEach((name, i) => {
    counts[name] = 0;
    const f = saved[i] as (...args: unknown[]) => unknown;
    a[name] = (...args: unknown[]) => {
      counts[name]++;
      return f(...args);
    };
  });
  try {
    await fn();
  } finally {
    ENTRY.forEach((name, i) => (a[name] = saved[i]));
  }
  return counts;
}

/**
 * Registers a parity test twice: Conv2D and its backprops on oneDNN (the default) and on the im2col + sgemm
 * path (the fallback for geometries oneDNN has no primitive for), checking which one ran.
 */
function onPaths(title: string, fn: () => Promise<void>): void {
  for (const dnnl of [true, false])
    test(`${title} [${dnnl ? "oneDNN" : "im2col"}]`, { skip }, async (t) => {
      const native = convAddon();
      if (dnnl && !native.dnnlConvAvailable())
        return t.skip("the engine was built without oneDNN (libdnnl-dev's headers were not found at install)");
      const previous = native.setDnnlConv(dnnl),
        before = native.dnnlConvCalls();
      try {
        await fn();
      } finally {
        native.setDnnlConv(previous);
      }
      const served = native.dnnlConvCalls() - before;
      if (dnnl) assert.ok(served > 0, "oneDNN served none of the convolutions");
      else assert.equal(served, 0, "oneDNN ran while switched off");
    });
}

/** Output [outH, outW] as tfjs computes it (numeric pads use filterH for both dims, a tfjs quirk we mirror). */
function outHW(
  xShape: number[],
  fShape: number[],
  strides: number | [number, number],
  dil: number,
  pad: Pad,
  depthwise = false,
): [number, number] {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    fShape as [number, number, number, number],
    strides,
    dil,
    pad,
    undefined,
    depthwise,
  );
  return [info.outHeight, info.outWidth];
}

function randomPad(): Pad {
  const r = rng.int(4);
  if (r === 0) return "same";
  if (r === 1) return "valid";
  if (r === 2) return rng.int(3);
  return [
    [0, 0],
    [rng.int(3), rng.int(3)],
    [rng.int(3), rng.int(3)],
    [0, 0],
  ];
}

onPaths(
  "conv2d forward and gradients match cpu over random geometries (strides 1–3, kernels 1/3/4/5, every pad kind)",
  async () => {
    let cases = 0;
    const counts = await counting(async () => {
      while (cases < 40) {
        const fh = [1, 3, 4, 5][rng.int(4)],
          fw = [1, 3, 4, 5][rng.int(4)];
        const stride = 1 + rng.int(3),
          strideW = rng.uniform() < 0.3 ? 1 + rng.int(3) : stride;
        const batch = [1, 2, 3][rng.int(3)],
          inC = 1 + rng.int(5),
          outC = 1 + rng.int(6);
        const h = rng.uniform() < 0.15 ? 1 : 1 + rng.int(11),
          w = rng.uniform() < 0.15 ? 1 : 1 + rng.int(11);
        const pad = randomPad();
        const [oh, ow] = outHW([batch, h, w, inC], [fh, fw, inC, outC], [stride, strideW], 1, pad);
        if (oh < 1 || ow < 1) continue;
        cases++;
        const x = randn(rng, [batch, h, w, inC]),
          f = randn(rng, [fh, fw, inC, outC]);
        const label = `conv2d x[${x.shape}] f[${f.shape}] s[${stride},${strideW}] pad ${JSON.stringify(pad)}`;
        const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as T4, b as T4, [stride, strideW], pad);
        await assertParity(label, () => conv(t(x), t(f)), tol(fh * fw * inC));
        await assertParity(`d ${label}`, gradsOf(conv, [x, f]), tol(fh * fw * inC, fh * fw * outC, batch * oh * ow));
      }
    });
    assert.ok(
      counts.conv2d >= 40 && counts.conv2dBackpropInput >= 40 && counts.conv2dBackpropFilter >= 40,
      `native path taken: ${JSON.stringify(counts)}`,
    );
  },
);

onPaths(
  "conv2d with dilations 2 (forward; tfjs has no dilated conv gradients), dimRoundingMode, 1×1 and whole-image filters",
  async () => {
    for (const [shape, fshape, strides, dil, pad] of [
      [[2, 9, 11, 3], [3, 3, 3, 4], 1, 2, "same"],
      [[1, 13, 7, 2], [3, 2, 2, 5], 1, [2, 1], "valid"],
      [[3, 8, 8, 4], [5, 3, 4, 2], 1, [1, 2], 2],
    ] as [number[], number[], number, number | [number, number], Pad][]) {
      const x = randn(rng, shape),
        f = randn(rng, fshape);
      await assertParity(
        `dilated conv2d ${shape} ${fshape} d${dil}`,
        () => tf.conv2d(t(x) as T4, t(f) as T4, strides, pad, "NHWC", dil),
        tol(fshape[0] * fshape[1] * fshape[2]),
      );
    }
    const x = randn(rng, [2, 7, 6, 3]),
      f = randn(rng, [3, 3, 3, 4]);
    await assertParity(
      "conv2d pad 1 stride 2 dimRoundingMode ceil",
      () => tf.conv2d(t(x) as T4, t(f) as T4, 2, 1, "NHWC", 1, "ceil"),
      tol(27),
    );
    await assertParity(
      "conv2d pad 0 stride 2 dimRoundingMode round",
      () => tf.conv2d(t(x) as T4, t(f) as T4, 2, 0, "NHWC", 1, "round"),
      tol(27),
    );
    // 1×1 stride-1 (a direct GEMM, no im2col) and a filter covering the whole image (also direct).
    const one = randn(rng, [1, 1, 3, 5]),
      whole = randn(rng, [7, 6, 3, 4]);
    await assertParity("1×1 conv", () => tf.conv2d(t(x) as T4, t(one) as T4, 1, "same"), tol(3));
    await assertParity(
      "d 1×1 conv",
      gradsOf((a, b) => tf.conv2d(a as T4, b as T4, 1, "valid"), [x, one]),
      tol(5, 2 * 42),
    );
    await assertParity("whole-image conv", () => tf.conv2d(t(x) as T4, t(whole) as T4, 1, "valid"), tol(7 * 6 * 3));
    await assertParity(
      "d whole-image conv",
      gradsOf((a, b) => tf.conv2d(a as T4, b as T4, 1, "valid"), [x, whole]),
      tol(7 * 6 * 4, 2),
    );
  },
);

onPaths(
  "the Burgess conv VAE's layers (4×4 stride 2 'same', 32 channels) at batch 8: conv2d and conv2dTranspose with gradients",
  async () => {
    // Large enough that the rows are split across threads in tiles (and the c=1 layers take the other paths).
    for (const [xs, c] of [
      [[8, 32, 32, 1], 32],
      [[8, 16, 16, 32], 32],
      [[8, 8, 8, 32], 32],
    ] as [number[], number][]) {
      const x = randn(rng, xs),
        f = randn(rng, [4, 4, xs[3], c], 0.2);
      const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as T4, b as T4, 2, "same");
      await assertParity(
        `burgess conv ${xs}`,
        gradsOf(conv, [x, f]),
        tol(16 * xs[3], 16 * c, (xs[0] * xs[1] * xs[2]) / 4),
      );
      const y = randn(rng, [xs[0], xs[1] / 2, xs[2] / 2, c]),
        g = randn(rng, [4, 4, xs[3], c], 0.2);
      const deconv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(a as T4, b as T4, xs as [number, number, number, number], 2, "same");
      await assertParity(
        `burgess deconv → ${xs}`,
        gradsOf(deconv, [y, g]),
        tol(16 * c, 16 * xs[3], (xs[0] * xs[1] * xs[2]) / 4),
      );
    }
  },
);

onPaths(
  "conv1d as Conv-TasNet uses it: kernel 16 stride 8 encoder on a length-1000 signal, dilated conv1d, the conv2dTranspose decoder",
  async () => {
    const signal = randn(rng, [2, 1000, 1]),
      enc = randn(rng, [16, 1, 32], 0.25);
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv1d(a as tf.Tensor3D, b as tf.Tensor3D, 8, "valid");
    await assertParity("encoder conv1d k16 s8", () => conv(t(signal), t(enc)), tol(16));
    await assertParity("d encoder conv1d k16 s8", gradsOf(conv, [signal, enc]), tol(16 * 32, 2 * 124));
    const seq = randn(rng, [2, 50, 6]),
      fd = randn(rng, [3, 6, 4]);
    for (const d of [2, 4, 16]) {
      await assertParity(
        `conv1d dilation ${d}`,
        () => tf.conv1d(t(seq) as tf.Tensor3D, t(fd) as tf.Tensor3D, 1, "same", "NWC", d),
        tol(18),
      );
    }
    // Decoder: transposed conv1d (kernel 16, stride 8) as conv2dTranspose over [B, 1, T, N].
    const frames = randn(rng, [2, 1, 124, 32]),
      dec = randn(rng, [1, 16, 1, 32], 0.25);
    const deconv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.conv2dTranspose(a as T4, b as T4, [2, 1, 1000, 1], [1, 8], "valid");
    await assertParity("decoder conv2dTranspose k16 s8", () => deconv(t(frames), t(dec)), tol(2 * 32));
    await assertParity("d decoder conv2dTranspose k16 s8", gradsOf(deconv, [frames, dec]), tol(16 * 32, 2 * 124));
  },
);

onPaths(
  "conv2dTranspose forward and gradients (the Burgess decoder's 4×4 stride-2 'same' and random ones)",
  async () => {
    const cases: [number[], number[], number[], number | [number, number], Pad][] = [
      [[3, 4, 4, 8], [4, 4, 5, 8], [3, 8, 8, 5], 2, "same"],
      [[2, 8, 8, 4], [4, 4, 1, 4], [2, 16, 16, 1], 2, "same"],
      [[2, 5, 3, 3], [3, 3, 2, 3], [2, 11, 7, 2], 2, "valid"],
      [[1, 4, 5, 2], [5, 4, 3, 2], [1, 12, 15, 3], 3, "same"],
      [[2, 3, 3, 2], [3, 3, 2, 2], [2, 5, 5, 2], 2, 1],
      [[1, 1, 1, 3], [3, 3, 2, 3], [1, 3, 3, 2], 1, "valid"],
    ];
    for (const [xs, fs, outShape, strides, pad] of cases) {
      const x = randn(rng, xs),
        f = randn(rng, fs);
      const deconv = (a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2dTranspose(a as T4, b as T4, outShape as [number, number, number, number], strides, pad as "same");
      const label = `conv2dTranspose ${xs} → ${outShape} s${strides} ${pad}`;
      await assertParity(label, () => deconv(t(x), t(f)), tol(fs[0] * fs[1] * fs[3]));
      await assertParity(`d ${label}`, gradsOf(deconv, [x, f]), tol(fs[0] * fs[1] * fs[2] * 4, xs[0] * xs[1] * xs[2]));
    }
  },
);

test(
  "depthwise conv2d: multipliers 1/2, strides, dilations, pads; gradients where tfjs has them",
  { skip },
  async () => {
    let cases = 0;
    const counts = await counting(async () => {
      while (cases < 30) {
        const fh = [1, 3, 4, 5][rng.int(4)],
          fw = [1, 3, 4, 5][rng.int(4)],
          m = 1 + rng.int(2);
        const dilated = rng.uniform() < 0.3;
        const stride = dilated ? 1 : 1 + rng.int(3),
          dil = dilated ? 2 : 1;
        const batch = 1 + rng.int(3),
          C = 1 + rng.int(5);
        const h = rng.uniform() < 0.15 ? 1 : 1 + rng.int(11),
          w = 1 + rng.int(11);
        const pad = dilated ? (rng.uniform() < 0.5 ? "same" : "valid") : randomPad();
        const [oh, ow] = outHW([batch, h, w, C], [fh, fw, C, m], stride, dil, pad, true);
        if (oh < 1 || ow < 1) continue;
        cases++;
        const x = randn(rng, [batch, h, w, C]),
          f = randn(rng, [fh, fw, C, m]);
        const label = `depthwise x[${x.shape}] f[${f.shape}] s${stride} d${dil} pad ${JSON.stringify(pad)}`;
        const dw = (a: tf.Tensor, b: tf.Tensor) =>
          tf.depthwiseConv2d(a as T4, b as T4, stride, pad as "same", "NHWC", dil);
        await assertParity(label, () => dw(t(x), t(f)), tol(fh * fw));
        if (!dilated) await assertParity(`d ${label}`, gradsOf(dw, [x, f]), tol(fh * fw * m, batch * oh * ow));
      }
    });
    assert.ok(
      counts.depthwiseConv2d >= 30 && counts.depthwiseBackpropInput > 10 && counts.depthwiseBackpropFilter > 10,
      `native path taken: ${JSON.stringify(counts)}`,
    );
  },
);

test("depthwise conv1d as in Conv-TasNet: kernel 3, dilations up to 64, length 1000", { skip }, async () => {
  const x = randn(rng, [2, 1, 1000, 16]),
    f = randn(rng, [1, 3, 16, 1]);
  for (const d of [1, 2, 8, 64]) {
    await assertParity(
      `depthwise k3 d${d}`,
      () => tf.depthwiseConv2d(t(x) as T4, t(f) as T4, 1, "same", "NHWC", [1, d]),
      tol(3),
    );
  }
  await assertParity(
    "d depthwise k3",
    gradsOf((a, b) => tf.depthwiseConv2d(a as T4, b as T4, 1, "same"), [x, f]),
    tol(3, 2000),
  );
});

test("fused conv2d and fused depthwise: bias, every activation, prelu; gradients with relu", { skip }, async () => {
  const x = randn(rng, [2, 7, 8, 3]),
    f = randn(rng, [3, 3, 3, 4]),
    fd = randn(rng, [3, 3, 3, 2]);
  const bias = randn(rng, [4]),
    biasD = randn(rng, [6]),
    alpha = randn(rng, [4], 0.3),
    alphaD = randn(rng, [6], 0.3);
  const counts = await counting(async () => {
    for (const activation of ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu", "prelu"] as const) {
      const prelu = activation === "prelu";
      await assertParity(
        `fused conv2d ${activation}`,
        () =>
          tf.fused.conv2d({
            x: t(x) as T4,
            filter: t(f) as T4,
            strides: 2,
            pad: "same",
            bias: t(bias),
            activation,
            preluActivationWeights: prelu ? t(alpha) : undefined,
            leakyreluAlpha: 0.15,
          }),
        tol(27),
      );
      await assertParity(
        `fused depthwise ${activation}`,
        () =>
          tf.fused.depthwiseConv2d({
            x: t(x) as T4,
            filter: t(fd) as T4,
            strides: 1,
            pad: "valid",
            bias: t(biasD),
            activation,
            preluActivationWeights: prelu ? t(alphaD) : undefined,
            leakyreluAlpha: 0.15,
          }),
        tol(9),
      );
    }
  });
  assert.ok(counts.conv2d >= 7 && counts.depthwiseConv2d >= 7, `native path taken: ${JSON.stringify(counts)}`);
  await assertParity(
    "fused conv2d without bias",
    () => tf.fused.conv2d({ x: t(x) as T4, filter: t(f) as T4, strides: 1, pad: "valid", activation: "relu" }),
    tol(27),
  );
  await assertParity(
    "d fused conv2d relu",
    gradsOf(
      (a, b, c) =>
        tf.fused.conv2d({ x: a as T4, filter: b as T4, strides: 1, pad: "same", bias: c, activation: "relu" }),
      [x, f, bias],
    ),
    tol(36, 2 * 56),
  );
  await assertParity(
    "d fused depthwise relu",
    gradsOf(
      (a, b, c) =>
        tf.fused.depthwiseConv2d({ x: a as T4, filter: b as T4, strides: 1, pad: "same", bias: c, activation: "relu" }),
      [x, fd, biasD],
    ),
    tol(18, 2 * 56),
  );
});

test("NCHW and other unsupported cases fall back to the cpu kernels", { skip }, async () => {
  const x = randn(rng, [2, 3, 7, 6]),
    f = randn(rng, [3, 3, 3, 4]);
  const counts = await counting(async () => {
    await assertParity("conv2d NCHW", () => tf.conv2d(t(x) as T4, t(f) as T4, 1, "same", "NCHW"), tol(27));
  });
  assert.equal(counts.conv2d, 0);
});

test("finite differences confirm the native conv2d gradients (native only)", { skip }, async () => {
  // The loss Σ conv(x, f)·r is linear in x and in f separately, so a central difference with any
  // step is exact up to float32 rounding; a large step keeps that rounding small.
  const x = randn(rng, [2, 6, 5, 3]),
    f = randn(rng, [3, 2, 3, 4]),
    r = randn(rng, [2, 3, 3, 4]);
  const loss = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(
      tf.mul(
        tf.conv2d(
          a as T4,
          b as T4,
          [2, 2],
          [
            [0, 0],
            [1, 0],
            [0, 1],
            [0, 0],
          ],
        ),
        t(r),
      ),
    );
  const [gx, gf] = await runOn("native", () => tf.grads(loss)([t(x), t(f)]));
  const h = 0.5;
  const check = async (which: 0 | 1, g: Float32Array | Int32Array) => {
    const base = which === 0 ? x : f;
    for (let trial = 0; trial < 12; trial++) {
      const i = rng.int(base.values.length);
      const at = async (delta: number) => {
        const v = base.values.slice();
        v[i] += delta;
        const moved = { shape: base.shape, values: v };
        return (await runOn("native", () => (which === 0 ? loss(t(moved), t(f)) : loss(t(x), t(moved)))))[0].values[0];
      };
      const fd = ((await at(h)) - (await at(-h))) / (2 * h);
      assert.ok(
        Math.abs(fd - g[i]) <= 1e-3 * (1 + Math.abs(fd)),
        `d${which === 0 ? "x" : "f"}[${i}]: finite difference ${fd}, gradient ${g[i]}`,
      );
    }
  };
  await check(0, gx.values);
  await check(1, gf.values);
});

test(
  "dilated depthwise backprops are the adjoints of the forward (native only: ⟨conv(x), dy⟩ = ⟨x, dx⟩ = ⟨f, df⟩)",
  { skip },
  async () => {
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i] * b[i];
      return s;
    };
    for (const [xs, fs, strides, dil, pad] of [
      [[2, 1, 40, 3], [1, 3, 3, 1], 1, [1, 8], "same"],
      [[1, 9, 10, 2], [3, 2, 2, 2], 1, [2, 3], "valid"],
      [[2, 7, 7, 3], [3, 3, 3, 2], 2, 1, "same"],
    ] as [number[], number[], number, number | [number, number], "same" | "valid"][]) {
      const x = randn(rng, xs),
        f = randn(rng, fs);
      const [y] = await runOn("native", () => tf.depthwiseConv2d(t(x) as T4, t(f) as T4, strides, pad, "NHWC", dil));
      const dy = randn(rng, y.shape);
      const attrs = { strides, pad, dilations: dil };
      const [dx] = await runOn(
        "native",
        () =>
          tf
            .engine()
            .runKernel(
              "DepthwiseConv2dNativeBackpropInput",
              { dy: t(dy), filter: t(f) },
              { ...attrs, inputShape: xs },
            ) as tf.Tensor,
      );
      const [df] = await runOn(
        "native",
        () =>
          tf
            .engine()
            .runKernel(
              "DepthwiseConv2dNativeBackpropFilter",
              { x: t(x), dy: t(dy) },
              { ...attrs, filterShape: fs },
            ) as tf.Tensor,
      );
      const lhs = dot(y.values, dy.values);
      const scale = Math.sqrt(y.values.length) * 1e-4;
      assert.ok(
        Math.abs(lhs - dot(x.values, dx.values)) <= scale,
        `⟨x, dx⟩ ${dot(x.values, dx.values)} vs ⟨y, dy⟩ ${lhs} (${xs} d${dil})`,
      );
      assert.ok(
        Math.abs(lhs - dot(f.values, df.values)) <= scale,
        `⟨f, df⟩ ${dot(f.values, df.values)} vs ⟨y, dy⟩ ${lhs} (${xs} d${dil})`,
      );
    }
  },
);

test(
  "im2col chunking (oneDNN off): results do not change when every chunk is one row or a few rows",
  { skip },
  async () => {
    const native = convAddon();
    const x = randn(rng, [3, 9, 8, 2]),
      f = randn(rng, [3, 4, 2, 3]),
      xt = randn(rng, [2, 5, 4, 3]),
      ft = randn(rng, [4, 4, 2, 3]);
    const conv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as T4, b as T4, 2, "same");
    const deconv = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as T4, b as T4, [2, 10, 8, 2], 2, "same");
    const dnnl = native.setDnnlConv(false); // chunks belong to the im2col path
    for (const bytes of [1, 24 * 4 * 5]) {
      const previous = native.setConvChunkBytes(bytes);
      try {
        await assertParity(`conv2d chunk ${bytes} B`, () => conv(t(x), t(f)), tol(24));
        await assertParity(`d conv2d chunk ${bytes} B`, gradsOf(conv, [x, f]), tol(36, 60));
        await assertParity(`d conv2dTranspose chunk ${bytes} B`, gradsOf(deconv, [xt, ft]), tol(48, 40));
      } finally {
        native.setConvChunkBytes(previous);
      }
    }
    native.setDnnlConv(dnnl);
  },
);

test("the conv entry points reject bad arguments with a message naming the function and argument", { skip }, () => {
  const native = convAddon();
  const geom = [1, 4, 4, 2, 2, 2, 3, 3, 3, 1, 1, 1, 1, 0, 0]; // x [1,4,4,2], f [3,3,2,3], y [1,2,2,3]
  const F = (n: number) => new Float32Array(n);
  native.conv2d(F(32), F(54), F(12), geom);
  assert.throws(() => native.conv2d(F(32), F(53), F(12), geom), /conv2d: filter has 53 elements, expected 54/);
  assert.throws(
    () => native.conv2dBackpropInput(F(12), F(54), F(31), geom),
    /conv2dBackpropInput: out has 31 elements, expected 32/,
  );
  assert.throws(
    () => native.conv2dBackpropFilter(F(32), F(11), F(54), geom),
    /conv2dBackpropFilter: dy has 11 elements, expected 12/,
  );
  assert.throws(
    () => native.conv2d(F(32), F(54), F(12), geom.slice(0, 14)),
    /conv2d: geom has 14 entries, expected 15/,
  );
  assert.throws(
    () => native.conv2d(F(32), F(54), F(12), [...geom.slice(0, 9), 0, ...geom.slice(10)]),
    /conv2d: geom strides must be ≥ 1/,
  );
  assert.throws(
    () => native.depthwiseConv2d(F(32), F(54), F(12), geom),
    /depthwiseConv2d: outC \(3\) must be a multiple of inC \(2\)/,
  );
  assert.throws(
    () =>
      native.depthwiseBackpropFilter(
        new Int32Array(32) as unknown as Float32Array,
        F(12),
        F(36),
        [1, 4, 4, 2, 2, 2, 4, 3, 3, 1, 1, 1, 1, 0, 0],
      ),
    /depthwiseBackpropFilter: x has the wrong element type/,
  );
});
