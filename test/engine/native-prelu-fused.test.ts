// PReLU with its one-kernel backward (native/src/prelu.cc, lib/nets/tcn.ts prelu): values and both
// gradients (dx, dα) against tfjs's Prelu and its composed gradient on `native` and on `cpu`, for a
// shared slope and one per channel, with zeros and several thread parts; thread count; the switch;
// memory; and a Conv-TasNet trained 100 Adam steps with the fused PReLU against the composed one.
//
// Tolerances, as max |got − want| / (1 + |want|):
// - fused vs composed (native or cpu): y and dx bit for bit (the same formula, the same x > 0 test,
//   x = 0 taking the slope branch as tfjs's greater(x, 0) does); dα (a sum over the rows·C or rows
//   terms dy·x) 1e-6·√terms: the kernel sums in float64, the Sum kernel its own way (observed: equal).
// - training: the −SI-SDR loss (dB) of the two 100-step runs agrees to 0.01 dB at every step (observed:
//   identical, while the loss falls by 30 dB).
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS } from "../../lib/engine/native/fused-kernels";
import { Rng } from "../../lib/engine/rng";
import { fusedPrelu, prelu } from "../../lib/nets/tcn";
import { createConvTasNet, convTasNetPreset } from "../../lib/models/conv-tasnet";
import { toneMixtures } from "../../lib/bench/models";
import { createAdam } from "../../lib/train/fused-adam";
import { kernelNamesOf, maxRelErr, nativeUnavailable, on } from "./native-harness";
import { arraysOf } from "../helpers/read";

const skip = nativeUnavailable();

before(() => {
  tf.setBackend("cpu");
});

interface Case {
  label: string;
  shape: number[];
  alpha: number; // 1 (shared) or C
}

const CASES: Case[] = [
  { label: "[2, 50, 8], shared slope", shape: [2, 50, 8], alpha: 1 },
  { label: "[3, 37, 5], one slope per channel", shape: [3, 37, 5], alpha: 5 },
  { label: "[4, 999, 16], shared (TasNet block shape, several parts)", shape: [4, 999, 16], alpha: 1 },
  { label: "[4, 999, 16], per channel", shape: [4, 999, 16], alpha: 16 },
  { label: "[130, 3] rank 2, per channel", shape: [130, 3], alpha: 3 },
];

interface Data {
  x: Float32Array;
  alpha: Float32Array;
  dy: Float32Array;
}

function data(k: Case): Data {
  const rng = new Rng(`native-prelu-fused/${k.label}`);
  const n = k.shape.reduce((a, b) => a * b, 1);
  // every 7th value exactly 0 (the branch point)
  const x = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : rng.normal()));
  return {
    x,
    alpha: Float32Array.from({ length: k.alpha }, () => 0.25 + 0.1 * rng.normal()),
    dy: Float32Array.from({ length: n }, () => rng.normal()),
  };
}

/** [y, dx, dα] on the current backend through `f`. */
function run(k: Case, d: Data, f: (x: tf.Tensor, a: tf.Variable) => tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.tensor(d.x, k.shape);
    const a = tf.tensor1d(d.alpha);
    const dy = tf.tensor(d.dy, k.shape);
    const g = (xx: tf.Tensor, aa: tf.Tensor) => f(xx, aa as tf.Variable);
    const y = g(x, a);
    const grads = tf.grads(g)([x, a], dy);
    return [y, ...grads];
  });
}

const composed = (x: tf.Tensor, a: tf.Variable) => tf.prelu(x, a);

function checkAgainst(label: string, k: Case, got: Float32Array[], want: Float32Array[]): void {
  assert.deepEqual(got[0], want[0], `${label}: y bit for bit`);
  assert.deepEqual(got[1], want[1], `${label}: dx bit for bit`);
  const n = k.shape.reduce((a, b) => a * b, 1);
  const tol = 1e-6 * Math.sqrt(n / k.alpha);
  const e = maxRelErr(got[2], want[2]);
  if (process.env.VAELAB_PRELU_DIAG) console.log(`${label} dα: ${e.toExponential(2)} (tol ${tol.toExponential(1)})`);
  assert.ok(e <= tol, `${label}: dα max |Δ|/(1+|ref|) = ${e.toExponential(3)} > ${tol}`);
}

function kernelNames(backend: string, k: Case): string[] {
  return on(backend, () => {
    const d = data(k);
    const x = tf.tensor(d.x, k.shape),
      a = tf.tensor1d(d.alpha),
      dy = tf.tensor(d.dy, k.shape);
    try {
      return kernelNamesOf(() =>
        tf.dispose(tf.grads((xx: tf.Tensor, aa: tf.Tensor) => prelu(xx, aa as tf.Variable))([x, a], dy)),
      );
    } finally {
      tf.dispose([x, a, dy]);
    }
  });
}

describe("fused PReLU backward on native", { skip: skip ?? undefined }, () => {
  test("the kernels are registered on native only, and prelu runs them there", () => {
    assert.ok(tf.getKernel(FUSED_KERNELS.prelu, "native"));
    assert.ok(tf.getKernel(FUSED_KERNELS.preluGrad, "native"));
    assert.equal(tf.getKernel(FUSED_KERNELS.prelu, "cpu"), undefined);
    const nat = kernelNames("native", CASES[1]);
    assert.deepEqual(
      nat.filter((n) => n.startsWith("Vaelab")),
      [FUSED_KERNELS.prelu, FUSED_KERNELS.preluGrad],
    );
    assert.ok(nat.length <= 4, `native: ${nat.join(" ")}`);
    const cpu = kernelNames("cpu", CASES[1]);
    assert.ok(!cpu.some((n) => n.startsWith("Vaelab")) && cpu.length >= 7, `cpu: ${cpu.join(" ")}`);
  });

  for (const k of CASES) {
    test(`${k.label}: values and gradients (fused vs composed on native and on cpu)`, async () => {
      const d = data(k);
      const fused = await arraysOf(on("native", () => run(k, d, prelu)));
      checkAgainst(
        `${k.label} fused/composed-native`,
        k,
        fused,
        await arraysOf(on("native", () => run(k, d, composed))),
      );
      checkAgainst(`${k.label} fused/composed-cpu`, k, fused, await arraysOf(on("cpu", () => run(k, d, composed))));
    });
  }

  test("results do not depend on the thread count (1 vs 4 pool threads, bit for bit)", async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadAddon } = require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon");
    const addon = loadAddon();
    const prev = addon.threads();
    const k = CASES[3];
    const d = data(k);
    try {
      addon.setThreads(1);
      const one = await arraysOf(on("native", () => run(k, d, prelu)));
      addon.setThreads(4);
      const four = await arraysOf(on("native", () => run(k, d, prelu)));
      for (let j = 0; j < 3; j++) assert.deepEqual(four[j], one[j]);
    } finally {
      addon.setThreads(prev);
    }
  });

  test("the switch: fusedPrelu(false) runs tfjs's Prelu on native", () => {
    const prev = fusedPrelu();
    try {
      fusedPrelu(false);
      assert.ok(!kernelNames("native", CASES[0]).some((n) => n.startsWith("Vaelab")));
    } finally {
      fusedPrelu(prev);
    }
  });

  test("no tensors leak from the fused forward + backward", () => {
    on("native", () => {
      const k = CASES[1];
      const d = data(k);
      const x = tf.tensor(d.x, k.shape),
        a = tf.variable(tf.tensor1d(d.alpha));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        tf.dispose(tf.grads((xx: tf.Tensor) => prelu(xx, a))([x]));
        const { value, grads } = tf.variableGrads(() => tf.sum(prelu(x, a)) as tf.Scalar, [a]);
        tf.dispose([value, ...Object.values(grads)]);
      }
      assert.equal(tf.memory().numTensors, before);
      tf.dispose([x, a]);
    });
  });

  test("a Conv-TasNet trained 100 Adam steps with the fused PReLU follows the composed one's loss", async () => {
    // The 'synthetic' Conv-TasNet (8 TCN blocks, 17 PReLUs) on [2, 800] tone mixtures, lr 1e-3.
    const steps = 100;
    const losses = async (fused: boolean): Promise<number[]> => {
      const prevBackend = tf.getBackend();
      const prevFused = fusedPrelu();
      tf.setBackend("native");
      fusedPrelu(fused);
      try {
        const rng = new Rng("native-prelu-fused/tasnet");
        const m = createConvTasNet(convTasNetPreset("synthetic"), rng.fork("init"));
        const { mix, sources } = toneMixtures(rng.fork("data"), 2, 800);
        const opt = createAdam(1e-3);
        const out: number[] = [];
        let after = 0;
        for (let s = 0; s < steps; s++) {
          const loss = opt.minimize(() => m.loss(mix, sources), true, m.store.trainable()) as tf.Scalar;
          out.push((await loss.data())[0]);
          loss.dispose();
          if (s === 1) after = tf.memory().numTensors;
        }
        assert.equal(tf.memory().numTensors, after, "tensor count constant over the steps");
        opt.dispose();
        tf.dispose([mix, sources]);
        m.dispose();
        return out;
      } finally {
        fusedPrelu(prevFused);
        tf.setBackend(prevBackend);
      }
    };
    const a = await losses(true);
    const b = await losses(false);
    let worst = 0;
    for (let s = 0; s < steps; s++) worst = Math.max(worst, Math.abs(a[s] - b[s]));
    if (process.env.VAELAB_PRELU_DIAG)
      console.log(
        `tasnet 100 steps: loss ${b[0].toFixed(3)} → ${b[steps - 1].toFixed(3)} dB (composed), ${a[steps - 1].toFixed(3)} (fused); max |Δ| ${worst.toExponential(2)}`,
      );
    assert.ok(b[0] - b[steps - 1] > 1, `the composed run trains (loss ${b[0]} → ${b[steps - 1]})`);
    assert.ok(worst <= 0.01, `fused vs composed −SI-SDR trajectories differ by up to ${worst} dB`);
  });
});
