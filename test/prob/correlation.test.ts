// Checks total / partial correlation: G = 1 gives exactly 0, the chain rule TC = PC + Σ_g TC_g
// holds per sample, and for a Gaussian aggregate posterior the minibatch estimate approaches the
// closed form −½ log det C + ½ Σ_g log det C_g (seed 002 Eq. 1 and 3).
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import {
  aggregateLogDensities,
  BatchEstimator,
  contiguousGroups,
  gaussianPartialCorrelation,
  logDetSPD,
  pairwiseLogNormal,
  partialCorrelation,
  singletonGroups,
  totalCorrelation,
  validateGroups,
} from "../../lib/prob";
import { assertClose, momentsWithErrors, values } from "./helpers";

before(async () => {
  await initEngine({ quiet: true });
});

function cholesky(a: number[][]): number[][] {
  const n = a.length;
  const L = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
    }
  }
  return L;
}

/**
 * A batch of M posteriors N(μ_n, s²I) whose means are drawn from N(0, C − s²I), so the aggregate
 * posterior (1/N) Σ_n q(z | n) tends to N(0, C) as N grows; z_i ~ q(z | n_i). Returns logQ [M, M, K].
 */
function gaussianAggregateBatch(rng: Rng, C: number[][], s2: number, M: number): tf.Tensor {
  const K = C.length;
  const L = cholesky(C.map((row, i) => row.map((v, j) => v - (i === j ? s2 : 0))));
  const mus = Array.from({ length: M }, () => {
    const e = Array.from({ length: K }, () => rng.normal());
    return L.map((row) => row.reduce((s, v, k) => s + v * e[k], 0));
  });
  return tf.tidy(() => {
    const mu = tf.tensor2d(mus);
    const z = tf.add(mu, tf.mul(Math.sqrt(s2), rng.normalTensor([M, K])));
    return pairwiseLogNormal(z, mu, tf.fill([M, K], Math.log(s2)));
  });
}

describe("closed form for Gaussians", () => {
  test("logDetSPD and gaussianPartialCorrelation on known cases", () => {
    assertClose(
      logDetSPD([
        [4, 2],
        [2, 3],
      ]),
      Math.log(8),
      "log det",
      { abs: 1e-14 },
    );
    assert.throws(
      () =>
        logDetSPD([
          [1, 2],
          [2, 1],
        ]),
      /not positive definite/,
    );
    const rho = 0.6;
    assertClose(
      gaussianPartialCorrelation(
        [
          [1, rho],
          [rho, 2],
        ].map((r, i) => r.map((v, j) => (i === j ? v : rho * Math.sqrt(2)))),
        [[0], [1]],
      ),
      -0.5 * Math.log(1 - rho * rho),
      "bivariate TC = −½ log(1 − ρ²)",
      { abs: 1e-14 },
    );
    const block = [
      [1, 0.5, 0, 0],
      [0.5, 1, 0, 0],
      [0, 0, 2, -0.7],
      [0, 0, -0.7, 1],
    ];
    assertClose(
      gaussianPartialCorrelation(block, [
        [0, 1],
        [2, 3],
      ]),
      0,
      "independent groups: PC = 0",
      { abs: 1e-14 },
    );
    assert.ok(gaussianPartialCorrelation(block, singletonGroups(4)) > 0.1, "but TC > 0");
    assertClose(gaussianPartialCorrelation(block, [[0, 1, 2, 3]]), 0, "one group", { abs: 1e-14 });
  });
});

describe("estimated partial / total correlation", () => {
  test("one group gives PC ≡ 0 exactly, for every estimator", async () => {
    const logQ = gaussianAggregateBatch(
      new Rng("g1"),
      [
        [1, 0.5, 0.2],
        [0.5, 1, 0.1],
        [0.2, 0.1, 1],
      ],
      0.2,
      32,
    );
    for (const method of ["MWS", "MSS", "IS"] as BatchEstimator[]) {
      for (const groups of [[[0, 1, 2]], [[2, 0, 1]]]) {
        const pc = await values(partialCorrelation(logQ, groups, method, 1000));
        assert.equal(pc.length, 32);
        pc.forEach((v, i) => assert.equal(v, 0, `${method} ${JSON.stringify(groups)} sample ${i}: ${v}`));
      }
    }
  });

  test("chain rule per sample: TC = PC + Σ_g TC(z_g), and TC uses singleton groups", async () => {
    const C = [
      [1, 0.6, 0.2, 0.1],
      [0.6, 1, 0.3, 0.2],
      [0.2, 0.3, 1, 0.4],
      [0.1, 0.2, 0.4, 1],
    ];
    const logQ = gaussianAggregateBatch(new Rng("chain"), C, 0.3, 64);
    const groups = contiguousGroups([2, 2]);
    assert.deepEqual(groups, [
      [0, 1],
      [2, 3],
    ]);
    for (const method of ["MSS", "IS"] as BatchEstimator[]) {
      const tc = await values(totalCorrelation(logQ, method, 500));
      assert.deepEqual(await values(partialCorrelation(logQ, singletonGroups(4), method, 500)), tc);
      const pc = await values(partialCorrelation(logQ, groups, method, 500));
      const within = await Promise.all(groups.map((g) => values(totalCorrelation(tf.gather(logQ, g, 2), method, 500))));
      tc.forEach((t, i) => assertClose(t, pc[i] + within[0][i] + within[1][i], `${method} sample ${i}`, { abs: 1e-4 }));
      // The pieces are consistent with aggregateLogDensities.
      const { logQz, logQGroups } = aggregateLogDensities(logQ, groups, method, 500);
      assert.deepEqual(logQGroups.shape, [64, 2]);
      const jz = await values(logQz);
      const jg = await values(logQGroups);
      pc.forEach((p, i) => assertClose(p, jz[i] - jg[2 * i] - jg[2 * i + 1], "PC from parts", { abs: 1e-5 }));
    }
  });

  /** Mean PC over a batch drawn from the Gaussian construction, with its standard error. */
  async function estimate(
    seed: string,
    C: number[][],
    s2: number,
    groups: number[][],
    M: number,
    N: number,
    method: BatchEstimator,
  ) {
    const logQ = gaussianAggregateBatch(new Rng(seed), C, s2, M);
    const pc = partialCorrelation(logQ, groups, method, N);
    const m = momentsWithErrors(await values(pc));
    tf.dispose([logQ, pc]);
    return m;
  }

  test("bivariate Gaussian aggregate: TC estimate approaches −½ log(1 − ρ²)", async () => {
    const rho = 0.6;
    const C = [
      [1, rho],
      [rho, 1],
    ];
    const truth = gaussianPartialCorrelation(C, singletonGroups(2));
    // The whole dataset as the batch (M = N): IS is then the exact mixture density.
    const full = await estimate("tc2-full", C, 0.35, singletonGroups(2), 1000, 1000, "IS");
    assertClose(full.mean, truth, `TC (M = N = 1000) ${full.mean} ± ${full.meanSe} vs ${truth}`, {
      abs: 4 * full.meanSe + 0.01,
    });
    // A minibatch of 800 from N = 5000 with IS and MSS.
    for (const method of ["IS", "MSS"] as BatchEstimator[]) {
      const mb = await estimate(`tc2-${method}`, C, 0.35, singletonGroups(2), 800, 5000, method);
      assertClose(mb.mean, truth, `${method} TC (M = 800, N = 5000) ${mb.mean} ± ${mb.meanSe} vs ${truth}`, {
        abs: 4 * mb.meanSe + 0.02,
      });
    }
  });

  test("4-D Gaussian aggregate: PC of two groups approaches −½ log det C + ½ Σ_g log det C_g; independent groups give ≈ 0", async () => {
    const C = [
      [1, 0.5, 0.3, 0.2],
      [0.5, 1, 0.2, 0.3],
      [0.3, 0.2, 1, 0.5],
      [0.2, 0.3, 0.5, 1],
    ];
    const groups = [
      [0, 1],
      [2, 3],
    ];
    const truth = gaussianPartialCorrelation(C, groups);
    const pc = await estimate("pc4", C, 0.3, groups, 1000, 1000, "IS");
    assertClose(pc.mean, truth, `PC ${pc.mean} ± ${pc.meanSe} vs ${truth}`, { abs: 4 * pc.meanSe + 0.01 });
    // Block-diagonal covariance: groups independent (PC → 0) while dimensions within a group are not (TC > 0).
    const B = [
      [1, 0.7, 0, 0],
      [0.7, 1, 0, 0],
      [0, 0, 1, -0.6],
      [0, 0, -0.6, 1],
    ];
    const pcB = await estimate("pc4-block", B, 0.25, groups, 1000, 1000, "IS");
    assertClose(pcB.mean, 0, `block PC ${pcB.mean} ± ${pcB.meanSe}`, { abs: 4 * pcB.meanSe + 0.01 });
    const tcB = await estimate("pc4-block", B, 0.25, singletonGroups(4), 1000, 1000, "IS");
    const tcTruth = gaussianPartialCorrelation(B, singletonGroups(4));
    assertClose(tcB.mean, tcTruth, `block TC ${tcB.mean} ± ${tcB.meanSe} vs ${tcTruth}`, {
      abs: 4 * tcB.meanSe + 0.02,
    });
  });

  test("gradients flow to posterior parameters; groups are validated; no leaks", async () => {
    const mu = tf.randomNormal([16, 4], 0, 1, "float32", 7);
    const lv = tf.fill([16, 4], -1);
    const z = tf.randomNormal([16, 4], 0, 1, "float32", 8);
    const [gm, gl] = tf.grads((m: tf.Tensor, l: tf.Tensor) =>
      tf.mean(
        partialCorrelation(
          pairwiseLogNormal(z, m, l),
          [
            [0, 1],
            [2, 3],
          ],
          "IS",
          100,
        ),
      ),
    )([mu, lv]);
    for (const g of [gm, gl]) {
      const v = await values(g);
      assert.ok(v.every(Number.isFinite) && v.some((x) => x !== 0), "finite, non-zero gradient");
    }
    const logQ = tf.zeros([4, 4, 3]);
    assert.throws(
      () =>
        partialCorrelation(
          logQ,
          [
            [0, 1],
            [1, 2],
          ],
          "IS",
          10,
        ),
      /dimension 1 is in more than one group/,
    );
    assert.throws(() => partialCorrelation(logQ, [[0, 1]], "IS", 10), /dimensions 2 are in no group/);
    assert.throws(() => partialCorrelation(logQ, [[0, 1, 2, 3]], "IS", 10), /group index 3 outside/);
    assert.throws(() => partialCorrelation(tf.zeros([4, 3, 2]), [[0, 1]], "IS", 10), /\[M, M, K\]/);
    const before = tf.memory().numTensors;
    tf.dispose([partialCorrelation(logQ, [[0], [1, 2]], "MSS", 10), totalCorrelation(logQ, "MWS", 10)]);
    assert.equal(tf.memory().numTensors, before);
  });
});

test("validateGroups: a partition of 0…K−1 (or, without covering, disjoint groups), errors naming the caller", () => {
  validateGroups([[0, 2], [1]], 3, "t");
  validateGroups([[2]], 3, "t", { covering: false });
  const bad: [number[][], RegExp][] = [
    [[], /^Error: t: groups must not be empty$/],
    [[[0], [], [1, 2]], /^Error: t: empty group in \[\[0\],\[\],\[1,2\]\]$/],
    [[[0, 3]], /^Error: t: group index 3 outside 0…2 in \[\[0,3\]\]$/],
    [[[0, 1.5]], /^Error: t: group index 1.5 outside 0…2/],
    [
      [
        [0, 1],
        [1, 2],
      ],
      /^Error: t: dimension 1 is in more than one group in \[\[0,1\],\[1,2\]\]$/,
    ],
  ];
  for (const [groups, message] of bad) {
    assert.throws(() => validateGroups(groups, 3, "t"), message);
    assert.throws(() => validateGroups(groups, 3, "t", { covering: false }), message);
  }
  assert.throws(
    () => validateGroups([[0], [2]], 3, "t"),
    /^Error: t: dimensions 1 are in no group of \[\[0\],\[2\]\]$/,
  );
});
