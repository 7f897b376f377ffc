// The fused Gaussian terms (native/src/normal.cc, lib/prob/gaussian-kernels): Normal.logProb, the
// Normal–Normal KL and the pairwise log-densities of lib/prob/aggregate as one kernel each way on `native`. Values and every operand's gradient against
// (a) the composed tfjs ops and their autodiff, on native and on cpu, and (b) a float64 reference of the
// closed forms and their derivatives, for full-shape operands, operands broadcast by a suffix (a [D] decoder
// scale, [1, D], scalars as in N(0, 1)) and several thread parts; the fallback where the broadcast is not a
// suffix; thread count; the switch; memory; and a partial VAE and a PDisVAE (its PC term on the pairwise
// log-densities) trained 100 Adam steps fused against composed.
//
// Tolerances, elementwise, |got − want| ≤ base·(1 + |want|):
// - values and full-shape gradients: base 2e-6 against the composed ops (the same float32 formula, products in
//   another order; log from libm against V8's Math.log), 1e-5 against the float64 reference;
// - a broadcast operand's gradient (a sum over `terms` elements) also 4·2⁻²⁴·√terms·Σ|term|: the kernel sums in
//   float64, tfjs's Sum in float32 in its own order, whose rounding scales with the terms' magnitudes;
// - training: the loss of the two 100-step runs agrees to 1e-3 nats at every step (partial VAE) and to 1e-3 relative
//   (PDisVAE, whose loss is a few hundred nats).
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS } from "../../lib/engine/native/fused-kernels";
import { Rng } from "../../lib/engine/rng";
import { Normal } from "../../lib/prob/normal";
import { kl } from "../../lib/prob/kl";
import { pairwiseLogNormal } from "../../lib/prob/aggregate";
import { fusedGaussian } from "../../lib/prob/gaussian-kernels";
import { PARTIAL_VAE_BENCHMARK, createPartialVae } from "../../lib/models/partial-vae";
import { createAdam } from "../../lib/train/fused-adam";
import { kernelNamesOf, nativeUnavailable, on } from "./native-harness";
import { assertSameTrajectory, linearPdisVaeLosses } from "./linear-pdisvae-losses";
import { arraysOf } from "../helpers/read";

const skip = nativeUnavailable();

before(() => {
  tf.setBackend("cpu");
});

type Term = "logProb" | "kl";

interface Case {
  label: string;
  term: Term;
  /** Operand shapes: logProb [x, loc, scale]; kl [locP, scaleP, locQ, scaleQ]. */
  shapes: number[][];
}

const CASES: Case[] = [
  {
    label: "logProb, all [4, 37]",
    term: "logProb",
    shapes: [
      [4, 37],
      [4, 37],
      [4, 37],
    ],
  },
  { label: "logProb, a decoder's [15] scale on [128, 15]", term: "logProb", shapes: [[128, 15], [128, 15], [15]] },
  { label: "logProb, N(0, 1) of z [3, 5, 7] (scalar loc and scale)", term: "logProb", shapes: [[3, 5, 7], [], []] },
  {
    label: "logProb, [1, 999] loc and scale on [40, 999] (several parts)",
    term: "logProb",
    shapes: [
      [40, 999],
      [1, 999],
      [1, 999],
    ],
  },
  {
    label: "logProb, x [999] broadcast against [40, 999] parameters",
    term: "logProb",
    shapes: [[999], [40, 999], [40, 999]],
  },
  { label: "kl, q [128, 8] against N(0, 1)", term: "kl", shapes: [[128, 8], [128, 8], [], []] },
  {
    label: "kl, all [6, 11]",
    term: "kl",
    shapes: [
      [6, 11],
      [6, 11],
      [6, 11],
      [6, 11],
    ],
  },
  {
    label: "kl, [40, 999] against a [999] prior (several parts)",
    term: "kl",
    shapes: [[40, 999], [40, 999], [999], [999]],
  },
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Operand values: locations ~ N(0, 1), scales in [0.3, 2.3]; every operand is even index = location. */
function data(k: Case): { ops: Float32Array[]; dy: Float32Array; out: number[] } {
  const rng = new Rng(`native-gaussian-fused/${k.label}`);
  const isScale = (j: number) => (k.term === "logProb" ? j === 2 : j % 2 === 1);
  const ops = k.shapes.map((s, j) =>
    Float32Array.from({ length: size(s) }, () => (isScale(j) ? 0.3 + 2 * rng.uniform() : rng.normal())),
  );
  let out: number[] = [];
  for (const s of k.shapes) out = tf.backend_util.assertAndGetBroadcastShape(out, s);
  return { ops, dy: Float32Array.from({ length: size(out) }, () => rng.normal()), out };
}

function term(k: Case, ts: tf.Tensor[]): tf.Tensor {
  return k.term === "logProb"
    ? new Normal(ts[1], ts[2]).logProb(ts[0])
    : kl(new Normal(ts[0], ts[1]), new Normal(ts[2], ts[3]));
}

/** [value, gradient of every operand] on the current backend, fused or composed (one forward pass). */
function run(k: Case, fused: boolean): tf.Tensor[] {
  const prev = fusedGaussian();
  fusedGaussian(fused);
  try {
    return tf.tidy(() => {
      const d = data(k);
      const ts = d.ops.map((v, j) => tf.tensor(v, k.shapes[j]));
      const dy = tf.tensor(d.dy, d.out);
      const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => term(k, xs))(ts, dy);
      return [value, ...grads];
    });
  } finally {
    fusedGaussian(prev);
  }
}

/**
 * The float64 reference: value and per-operand gradients (summed over broadcast elements), and per gradient entry
 * the sum of its terms' magnitudes (what a float32 sum's rounding scales with).
 */
function reference(k: Case): { want: Float64Array[]; magnitude: Float64Array[] } {
  const d = data(k);
  const n = size(d.out);
  const at = (j: number, i: number) => d.ops[j][i % d.ops[j].length];
  const value = new Float64Array(n);
  const grads = d.ops.map((o) => new Float64Array(o.length));
  const magnitude = d.ops.map((o) => new Float64Array(o.length));
  for (let i = 0; i < n; i++) {
    const dy = d.dy[i];
    let g: number[];
    if (k.term === "logProb") {
      const [x, mu, s] = [at(0, i), at(1, i), at(2, i)];
      const z = (x - mu) / s;
      value[i] = -0.5 * z * z - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
      g = [-z / s, z / s, (z * z - 1) / s];
    } else {
      const [mp, sp, mq, sq] = [at(0, i), at(1, i), at(2, i), at(3, i)];
      const r = sp / sq,
        dd = (mp - mq) / sq;
      value[i] = 0.5 * (r * r + dd * dd) - Math.log(r) - 0.5;
      g = [dd / sq, (r - 1 / r) / sq, -dd / sq, (1 - r * r - dd * dd) / sq];
    }
    g.forEach((v, j) => {
      grads[j][i % grads[j].length] += dy * v;
      magnitude[j][i % grads[j].length] += Math.abs(dy * v);
    });
  }
  return { want: [value, ...grads], magnitude };
}

/**
 * |got − want| ≤ base·(1 + |want|) for the value and full-shape gradients; a broadcast operand's gradient, a sum of
 * `terms` products, may also differ by float32 rounding in another order: 4·2⁻²⁴·√terms·Σ|term| on top.
 */
function check(label: string, k: Case, got: ArrayLike<number>[], want: ArrayLike<number>[], base: number): void {
  const n = size(data(k).out);
  const { magnitude } = reference(k);
  got.forEach((g, j) => {
    const terms = j === 0 ? 1 : n / size(k.shapes[j - 1]);
    let worst = 0;
    for (let e = 0; e < g.length; e++) {
      const w = want[j][e];
      const tol = base * (1 + Math.abs(w)) + (terms > 1 ? 4 * 2 ** -24 * Math.sqrt(terms) * magnitude[j - 1][e] : 0);
      worst = Math.max(worst, Math.abs(g[e] - w) / tol);
      assert.ok(
        Math.abs(g[e] - w) <= tol,
        `${label}: output ${j}[${e}] = ${g[e]}, want ${w} (tolerance ${tol.toExponential(2)})`,
      );
    }
    if (process.env.VAELAB_GAUSSIAN_DIAG) console.log(`${label} output ${j}: worst |Δ|/tolerance ${worst.toFixed(3)}`);
  });
}

function kernelNames(backend: string, k: Case, fused = true): string[] {
  return on(backend, () => kernelNamesOf(() => tf.dispose(run(k, fused))));
}

describe("fused Gaussian log-density and KL on native", { skip: skip ?? undefined }, () => {
  test("the kernels are registered on native only, and Normal.logProb / kl run them there", () => {
    for (const name of [
      FUSED_KERNELS.normalLogProb,
      FUSED_KERNELS.normalLogProbGrad,
      FUSED_KERNELS.normalKl,
      FUSED_KERNELS.normalKlGrad,
    ]) {
      assert.ok(tf.getKernel(name, "native"), name);
      assert.equal(tf.getKernel(name, "cpu"), undefined, name);
    }
    const vaelab = (names: string[]) => names.filter((n) => n.startsWith("Vaelab"));
    assert.deepEqual(vaelab(kernelNames("native", CASES[1])), [
      FUSED_KERNELS.normalLogProb,
      FUSED_KERNELS.normalLogProbGrad,
    ]);
    assert.deepEqual(vaelab(kernelNames("native", CASES[5])), [FUSED_KERNELS.normalKl, FUSED_KERNELS.normalKlGrad]);
    assert.equal(vaelab(kernelNames("cpu", CASES[1])).length, 0);
    // the composed log-density and its gradient take many more kernels
    assert.ok(kernelNames("native", CASES[1], false).length > 3 * kernelNames("native", CASES[1]).length);
  });

  for (const k of CASES) {
    test(`${k.label}: value and gradients against the composed ops (native, cpu) and a float64 reference`, async () => {
      const fused = await arraysOf(on("native", () => run(k, true)));
      check(`${k.label} fused/composed-native`, k, fused, await arraysOf(on("native", () => run(k, false))), 2e-6);
      check(`${k.label} fused/composed-cpu`, k, fused, await arraysOf(on("cpu", () => run(k, false))), 2e-6);
      check(`${k.label} fused/float64`, k, fused, reference(k).want, 1e-5);
    });
  }

  for (const [M, K] of [
    [7, 3],
    [128, 6],
    [130, 1],
  ]) {
    test(`pairwise log-normal [${M}, ${K}] → [${M}, ${M}, ${K}]: value and gradients against the composed ops and float64`, async () => {
      const rng = new Rng(`native-gaussian-fused/pairwise/${M}/${K}`);
      const draw = (f: () => number) => Float32Array.from({ length: M * K }, f);
      const [z, mu, lv] = [draw(() => rng.normal()), draw(() => rng.normal()), draw(() => rng.uniform() * 3 - 2)];
      const dy = Float32Array.from({ length: M * M * K }, () => rng.normal());
      const go = (fused: boolean) => () => {
        const prev = fusedGaussian();
        fusedGaussian(fused);
        try {
          return tf.tidy(() => {
            const ts = [z, mu, lv].map((v) => tf.tensor2d(v, [M, K]));
            const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
              pairwiseLogNormal(a, b, c),
            )(ts, tf.tensor3d(dy, [M, M, K]));
            return [value, ...grads];
          });
        } finally {
          fusedGaussian(prev);
        }
      };
      // float64 reference and the magnitudes of each gradient's M terms
      const want = [
        new Float64Array(M * M * K),
        new Float64Array(M * K),
        new Float64Array(M * K),
        new Float64Array(M * K),
      ];
      const mag = [new Float64Array(M * K), new Float64Array(M * K), new Float64Array(M * K)];
      for (let i = 0; i < M; i++)
        for (let j = 0; j < M; j++)
          for (let k = 0; k < K; k++) {
            const d = z[i * K + k] - mu[j * K + k],
              inv = Math.exp(-lv[j * K + k]),
              g = dy[(i * M + j) * K + k];
            want[0][(i * M + j) * K + k] = -0.5 * (d * d * inv + lv[j * K + k]) - 0.5 * Math.log(2 * Math.PI);
            const terms = [-g * d * inv, g * d * inv, 0.5 * g * (d * d * inv - 1)];
            const at = [i * K + k, j * K + k, j * K + k];
            terms.forEach((t, o) => {
              want[o + 1][at[o]] += t;
              mag[o][at[o]] += Math.abs(t);
            });
          }
      const fused = await arraysOf(on("native", go(true)));
      const compare = (label: string, ref: ArrayLike<number>[], base: number) =>
        fused.forEach((g, o) => {
          for (let e = 0; e < g.length; e++) {
            const tol = base * (1 + Math.abs(ref[o][e])) + (o > 0 ? 4 * 2 ** -24 * Math.sqrt(M) * mag[o - 1][e] : 0);
            assert.ok(
              Math.abs(g[e] - ref[o][e]) <= tol,
              `${label} output ${o}[${e}] = ${g[e]}, want ${ref[o][e]} (tol ${tol})`,
            );
          }
        });
      compare("fused/composed-native", await arraysOf(on("native", go(false))), 2e-6);
      compare("fused/composed-cpu", await arraysOf(on("cpu", go(false))), 2e-6);
      compare("fused/float64", want, 1e-5);
      // one kernel each way on native
      const names = on("native", () => kernelNamesOf(() => tf.dispose(go(true)())));
      assert.deepEqual(
        names.filter((n) => n.startsWith("Vaelab")),
        [FUSED_KERNELS.pairwiseLogNormal, FUSED_KERNELS.pairwiseLogNormalGrad],
      );
    });
  }

  test("a broadcast that is not a suffix ([128, 1] scale) falls back to the composed ops", async () => {
    const k: Case = {
      label: "logProb, [128, 1] scale",
      term: "logProb",
      shapes: [
        [128, 15],
        [128, 15],
        [128, 1],
      ],
    };
    assert.equal(kernelNames("native", k).filter((n) => n.startsWith("Vaelab")).length, 0);
    // bit for bit the composed ops on native (the float64 reference reads operands by suffix, so it cannot serve here)
    const got = await arraysOf(on("native", () => run(k, true)));
    const want = await arraysOf(on("native", () => run(k, false)));
    got.forEach((g, j) => assert.deepEqual(g, want[j], `output ${j}`));
  });

  test("results do not depend on the thread count (1 vs 4 pool threads, bit for bit)", async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadAddon } = require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon");
    const addon = loadAddon();
    const prev = addon.threads();
    try {
      for (const k of [CASES[3], CASES[7]]) {
        addon.setThreads(1);
        const one = await arraysOf(on("native", () => run(k, true)));
        addon.setThreads(4);
        const four = await arraysOf(on("native", () => run(k, true)));
        one.forEach((a, j) => assert.deepEqual(four[j], a, `${k.label} output ${j}`));
      }
    } finally {
      addon.setThreads(prev);
    }
  });

  test("the switch: fusedGaussian(false) runs the composed ops on native", () => {
    assert.equal(kernelNames("native", CASES[0], false).filter((n) => n.startsWith("Vaelab")).length, 0);
  });

  test("no tensors leak from the fused forward + backward", () => {
    on("native", () => {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) for (const k of CASES) tf.dispose(run(k, true));
      assert.equal(tf.memory().numTensors, before);
    });
  });

  test("a partial VAE trained 100 Adam steps with the fused terms follows the composed one's −ELBO", async () => {
    // The `pvae` benchmark model (15-D data, K = 8) on [128, 15] Gaussian data, 70 % observed, lr 1e-3.
    const steps = 100;
    const losses = async (fused: boolean): Promise<number[]> => {
      const prevBackend = tf.getBackend();
      const prevFused = fusedGaussian();
      tf.setBackend("native");
      fusedGaussian(fused);
      try {
        const rng = new Rng("native-gaussian-fused/pvae");
        const m = createPartialVae(PARTIAL_VAE_BENCHMARK, rng.fork("init"));
        const x = rng.fork("data").normalTensor([128, 15]);
        const mask = tf.tidy(() => tf.cast(tf.less(rng.fork("mask").uniformTensor([128, 15]), 0.7), "float32"));
        const opt = createAdam(1e-3);
        const stepRng = rng.fork("steps");
        const out: number[] = [];
        let after = 0;
        for (let s = 0; s < steps; s++) {
          const eps = stepRng.normalTensor([128, 8]);
          const loss = opt.minimize(
            () =>
              tf.tidy(() => {
                const r = m.record(x, mask, eps);
                return tf.mean(tf.add(r.distortion, r.rate)) as tf.Scalar;
              }),
            true,
            m.store.trainable(),
          ) as tf.Scalar;
          out.push((await loss.data())[0]);
          tf.dispose([loss, eps]);
          if (s === 1) after = tf.memory().numTensors;
        }
        assert.equal(tf.memory().numTensors, after, "tensor count constant over the steps");
        opt.dispose();
        tf.dispose([x, mask]);
        m.dispose();
        return out;
      } finally {
        fusedGaussian(prevFused);
        tf.setBackend(prevBackend);
      }
    };
    const a = await losses(true);
    const b = await losses(false);
    let worst = 0;
    for (let s = 0; s < steps; s++) worst = Math.max(worst, Math.abs(a[s] - b[s]));
    if (process.env.VAELAB_GAUSSIAN_DIAG)
      console.log(
        `pvae 100 steps: −ELBO ${b[0].toFixed(3)} → ${b[steps - 1].toFixed(3)} (composed), ${a[steps - 1].toFixed(3)} (fused); max |Δ| ${worst.toExponential(2)}`,
      );
    assert.ok(b[0] - b[steps - 1] > 1, `the composed run trains (−ELBO ${b[0]} → ${b[steps - 1]})`);
    assert.ok(worst <= 1e-3, `fused vs composed −ELBO trajectories differ by up to ${worst} nats`);
  });

  test("a PDisVAE trained 100 Adam steps with the fused terms follows the composed one's loss", async () => {
    const run = (on: boolean) =>
      linearPdisVaeLosses("pdisvae", "native-gaussian-fused/pdisvae", 100, fusedGaussian, on);
    assertSameTrajectory("pdisvae, fused Gaussian terms", await run(true), await run(false), 1e-3);
  });
});
