// The aggregate posterior's minibatch estimate as one kernel each way on `native` (native/src/aggregate.cc,
// lib/prob/correlation aggregateLogDensities): per-group and joint log q̂ and the gradient wrt the pairwise
// log-densities, against (a) the composed tfjs ops and their autodiff on native and on cpu and (b) a float64
// reference, for the three estimators and singleton (TC), contiguous, scattered and single groupings; bad
// memberships refused; thread count; the switch; memory; and β-TCVAE / PDisVAE trained 100 Adam steps fused
// against composed.
//
// Tolerances, elementwise |got − want| ≤ base·(1 + |want|): values base 2e-6 against the composed ops (sums of K
// float32 terms in another order, exp within 2 ulp, the logsumexp's sum in float64 here and float32 there) and 1e-5
// against float64; gradients (softmax weights times dy, each a float32 product) base 1e-5 against both. Training:
// the loss of the two 100-step runs agrees to 1e-3 relative at every step.
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS } from "../../lib/engine/native/fused-kernels";
import { Rng } from "../../lib/engine/rng";
import { aggregateLogDensities, contiguousGroups, fusedAggregate, singletonGroups } from "../../lib/prob/correlation";
import { BatchEstimator, estimatorWeights } from "../../lib/prob/aggregate";
import { kernelNamesOf, nativeUnavailable, on } from "./native-harness";
import { assertSameTrajectory, linearPdisVaeLosses } from "./linear-pdisvae-losses";
import { arraysOf } from "../helpers/read";

const skip = nativeUnavailable();

before(() => {
  tf.setBackend("cpu");
});

interface Case {
  label: string;
  M: number;
  K: number;
  groups: number[][];
  method: BatchEstimator;
  N: number;
}

const CASES: Case[] = [
  { label: "TC (singletons), MWS, M 128, K 6", M: 128, K: 6, groups: singletonGroups(6), method: "MWS", N: 5000 },
  { label: "PC [2, 2, 2], MSS, M 128", M: 128, K: 6, groups: contiguousGroups([2, 2, 2]), method: "MSS", N: 5000 },
  { label: "scattered groups, IS, M 9", M: 9, K: 6, groups: [[0, 3], [1, 2, 5], [4]], method: "IS", N: 40 },
  { label: "one group, MSS, M 5", M: 5, K: 3, groups: [[0, 1, 2]], method: "MSS", N: 12 },
];

/** logQ [M, M, K] like real pairwise log-densities (−1 … −12), and dy [M, G + 1]. */
function data(k: Case): { logQ: Float32Array; dy: Float32Array } {
  const rng = new Rng(`native-aggregate-fused/${k.label}`);
  return {
    logQ: Float32Array.from({ length: k.M * k.M * k.K }, () => -1 - 11 * rng.uniform()),
    dy: Float32Array.from({ length: k.M * (k.groups.length + 1) }, () => rng.normal()),
  };
}

/** [groups and joint [M, G + 1], dlogQ] on the current backend, fused or composed. */
function run(k: Case, fused: boolean): tf.Tensor[] {
  const prev = fusedAggregate();
  fusedAggregate(fused);
  try {
    return tf.tidy(() => {
      const d = data(k);
      const logQ = tf.tensor3d(d.logQ, [k.M, k.M, k.K]);
      const f = (q: tf.Tensor) => {
        const { logQz, logQGroups } = aggregateLogDensities(q, k.groups, k.method, k.N);
        return tf.concat([logQGroups, tf.reshape(logQz, [-1, 1])], 1);
      };
      const { value, grads } = tf.valueAndGrads(f)([logQ], tf.tensor2d(d.dy, [k.M, k.groups.length + 1]));
      return [value, ...grads];
    });
  } finally {
    fusedAggregate(prev);
  }
}

function reference(k: Case): Float64Array[] {
  const d = data(k);
  const G = k.groups.length,
    w = estimatorWeights(k.method, k.M, k.N);
  const out = new Float64Array(k.M * (G + 1)),
    grad = new Float64Array(k.M * k.M * k.K);
  for (let i = 0; i < k.M; i++) {
    const s = (j: number, g: number): number => {
      const dims = g < G ? k.groups[g] : k.groups.flat();
      return dims.reduce((a, kk) => a + d.logQ[(i * k.M + j) * k.K + kk], 0);
    };
    for (let g = 0; g <= G; g++) {
      const t = Array.from({ length: k.M }, (_, j) => Math.log(w[i][j]) + s(j, g));
      const mx = Math.max(...t);
      const lse = mx + Math.log(t.reduce((a, v) => a + Math.exp(v - mx), 0));
      out[i * (G + 1) + g] = lse;
      const dims = g < G ? k.groups[g] : k.groups.flat();
      for (let j = 0; j < k.M; j++)
        for (const kk of dims) grad[(i * k.M + j) * k.K + kk] += d.dy[i * (G + 1) + g] * Math.exp(t[j] - lse);
    }
  }
  return [out, grad];
}

function check(label: string, got: ArrayLike<number>[], want: ArrayLike<number>[], base: number[]): void {
  got.forEach((g, o) => {
    for (let e = 0; e < g.length; e++) {
      const tol = base[o] * (1 + Math.abs(want[o][e]));
      assert.ok(
        Math.abs(g[e] - want[o][e]) <= tol,
        `${label} output ${o}[${e}] = ${g[e]}, want ${want[o][e]} (tol ${tol})`,
      );
    }
  });
}

function kernelNames(backend: string, k: Case, fused: boolean): string[] {
  return on(backend, () => kernelNamesOf(() => tf.dispose(run(k, fused))));
}

describe("fused aggregate-posterior estimate on native", { skip: skip ?? undefined }, () => {
  test("the kernels are registered on native only, and aggregateLogDensities runs them there", () => {
    for (const name of [FUSED_KERNELS.groupLogAggregate, FUSED_KERNELS.groupLogAggregateGrad]) {
      assert.ok(tf.getKernel(name, "native"), name);
      assert.equal(tf.getKernel(name, "cpu"), undefined, name);
    }
    const vaelab = (names: string[]) => names.filter((n) => n.startsWith("Vaelab"));
    assert.deepEqual(vaelab(kernelNames("native", CASES[1], true)), [
      FUSED_KERNELS.groupLogAggregate,
      FUSED_KERNELS.groupLogAggregateGrad,
    ]);
    assert.equal(vaelab(kernelNames("native", CASES[1], false)).length, 0, "the switch turns them off");
    assert.equal(vaelab(kernelNames("cpu", CASES[1], true)).length, 0);
    const [composed, fused] = [kernelNames("native", CASES[1], false), kernelNames("native", CASES[1], true)];
    assert.ok(composed.length > 2 * fused.length, `composed ${composed.join(" ")}; fused ${fused.join(" ")}`);
  });

  for (const k of CASES) {
    test(`${k.label}: values and dlogQ against the composed ops (native, cpu) and float64`, async () => {
      const fused = await arraysOf(on("native", () => run(k, true)));
      check(`${k.label} fused/composed-native`, fused, await arraysOf(on("native", () => run(k, false))), [2e-6, 1e-5]);
      check(`${k.label} fused/composed-cpu`, fused, await arraysOf(on("cpu", () => run(k, false))), [2e-6, 1e-5]);
      check(`${k.label} fused/float64`, fused, reference(k), [1e-5, 1e-5]);
    });
  }

  test("a membership that is not a partition is refused, naming the dimension", () => {
    on("native", () => {
      const logQ = tf.zeros([3, 3, 2]),
        logW = tf.zeros([3, 3]);
      const call = (membership: number[][]) =>
        tf.engine().runKernel(FUSED_KERNELS.groupLogAggregate, { logQ, membership: tf.tensor2d(membership), logW });
      assert.throws(
        () =>
          call([
            [1, 1],
            [0, 1],
          ]),
        /dimension 0 is in more than one group/,
      );
      assert.throws(
        () =>
          call([
            [1, 0],
            [0, 0],
          ]),
        /dimension 1 is in no group/,
      );
      assert.throws(
        () =>
          call([
            [0.5, 0],
            [0, 1],
          ]),
        /membership must be 0\/1/,
      );
      tf.dispose([logQ, logW]);
    });
  });

  test("results do not depend on the thread count (1 vs 4 pool threads, bit for bit)", async () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadAddon } = require("../../lib/engine/native/addon") as typeof import("../../lib/engine/native/addon");
    const addon = loadAddon();
    const prev = addon.threads();
    try {
      addon.setThreads(1);
      const one = await arraysOf(on("native", () => run(CASES[1], true)));
      addon.setThreads(4);
      const four = await arraysOf(on("native", () => run(CASES[1], true)));
      one.forEach((a, j) => assert.deepEqual(four[j], a, `output ${j}`));
    } finally {
      addon.setThreads(prev);
    }
  });

  test("no tensors leak from the fused forward + backward", () => {
    on("native", () => {
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) for (const k of CASES) tf.dispose(run(k, true));
      assert.equal(tf.memory().numTensors, before);
    });
  });

  for (const method of ["beta-tcvae", "pdisvae"] as const) {
    test(`a ${method} model trained 100 Adam steps with the fused estimate follows the composed one's loss`, async () => {
      const run = (on: boolean) =>
        linearPdisVaeLosses(method, `native-aggregate-fused/${method}`, 100, fusedAggregate, on);
      assertSameTrajectory(`${method}, fused estimate`, await run(true), await run(false), 1e-3);
    });
  }
});
