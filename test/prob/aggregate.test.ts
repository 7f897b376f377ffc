// Checks the minibatch aggregate-posterior estimators (seed 002 Sec. 3.3, App. A.3):
// unbiasedness of IS and MSS by exhaustive enumeration of every batch, MWS's bias, the weight
// matrices against estimateQ, the inverse-weight variances (Eq. 14, 15, 16) against direct
// computation, and the tensor log-space estimator and pairwise log-densities.
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import {
  BatchEstimator,
  estimateQ,
  estimatorOrder,
  estimatorWeights,
  Gamma,
  inverseWeightDataset,
  inverseWeightVariance,
  logAggregatePosterior,
  Normal,
  orderedWeights,
  pairwiseLogNormal,
  pairwiseLogProb,
} from "../../lib/prob";
import { assertClose, mean, popVariance, values } from "./helpers";

before(async () => {
  await initEngine({ quiet: true });
});

/** Every ordered k-tuple of distinct elements of `items`. */
function orderedTuples(items: number[], k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (const x of items) {
    for (const rest of orderedTuples(
      items.filter((y) => y !== x),
      k - 1,
    ))
      out.push([x, ...rest]);
  }
  return out;
}

/** Every k-subset (increasing order) of `items`. */
function subsets(items: number[], k: number): number[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items;
  return [...subsets(rest, k - 1).map((s) => [first, ...s]), ...subsets(rest, k)];
}

/** Arbitrary positive q(z | n), n = 0…N−1, spanning several orders of magnitude. */
function randomQ(rng: Rng, N: number): number[] {
  return Array.from({ length: N }, () => Math.exp(rng.uniformIn(-4, 2)));
}

describe("unbiasedness by exhaustive enumeration of batches", () => {
  const N = 6;
  for (const M of [2, 3, 4, 6]) {
    test(`N=${N}, M=${M}: IS and MSS average to (1/N) Σ q for every n*, MWS does not`, () => {
      const q = randomQ(new Rng(`enum-${M}`), N);
      const truth = mean(q);
      const all = Array.from({ length: N }, (_, n) => n);
      let overallIS = 0;
      let overallMSS = 0;
      for (let star = 0; star < N; star++) {
        const others = all.filter((n) => n !== star);
        // Ordered batches: the M−1 other members drawn in order without replacement from the N−1 others.
        const tuples = orderedTuples(others, M - 1);
        const avg = (method: BatchEstimator, batches: number[][]) =>
          mean(batches.map((t) => estimateQ(method, [q[star], ...t.map((n) => q[n])], N)));
        const is = avg("IS", tuples);
        const mss = avg("MSS", tuples);
        assertClose(is, truth, `IS mean over ${tuples.length} ordered batches, n*=${star}`, { abs: 1e-12 * truth });
        assertClose(mss, truth, `MSS mean over ${tuples.length} ordered batches, n*=${star}`, { abs: 1e-12 * truth });
        // IS is symmetric in the other members, so unordered batches suffice too.
        assertClose(avg("IS", subsets(others, M - 1)), truth, `IS over unordered batches, n*=${star}`, {
          abs: 1e-12 * truth,
        });
        // MWS: E = (1/(NM)) (q* + (M−1)/(N−1) Σ_{n≠n*} q_n), which is not q(z).
        const mws = avg("MWS", tuples);
        const mwsExpected = (q[star] + ((M - 1) / (N - 1)) * others.reduce((s, n) => s + q[n], 0)) / (N * M);
        assertClose(mws, mwsExpected, `MWS mean, n*=${star}`, { abs: 1e-12 * truth });
        assert.ok(Math.abs(mws - truth) > 0.1 * truth, `MWS should be biased: ${mws} vs ${truth}`);
        overallIS += is / N;
        overallMSS += mss / N;
      }
      assertClose(overallIS, truth, "IS over n* and batches", { abs: 1e-12 * truth });
      assertClose(overallMSS, truth, "MSS over n* and batches", { abs: 1e-12 * truth });
    });
  }

  test("MSS depends on which member is last, IS does not", () => {
    const q = [1, 0.2, 3, 0.05];
    const N = 10;
    assert.notEqual(estimateQ("MSS", [q[0], q[1], q[2], q[3]], N), estimateQ("MSS", [q[0], q[3], q[2], q[1]], N));
    assertClose(estimateQ("IS", [q[0], q[1], q[2], q[3]], N), estimateQ("IS", [q[0], q[3], q[2], q[1]], N), "IS", {
      abs: 1e-15,
    });
  });
});

describe("weight matrices", () => {
  test("values, row sums and consistency with estimateQ", () => {
    const rng = new Rng("weights");
    for (const [M, N] of [
      [2, 5],
      [3, 6],
      [4, 6],
      [5, 100],
      [8, 8],
    ]) {
      for (const method of ["MWS", "MSS", "IS"] as BatchEstimator[]) {
        const W = estimatorWeights(method, M, N);
        assert.equal(W.length, M);
        for (let i = 0; i < M; i++) {
          const rowSum = W[i].reduce((a, b) => a + b, 0);
          assertClose(rowSum, method === "MWS" ? 1 / N : 1, `${method} M=${M} N=${N} row ${i} sum`, { abs: 1e-14 });
          if (method !== "MWS") assertClose(W[i][i], 1 / N, `${method} diagonal`, { abs: 1e-16 });
          // Row i applied to q(z_i | n_j) equals estimateQ with n* = i first and the rest in estimatorOrder.
          const q = randomQ(rng, M);
          const order = estimatorOrder(i, M);
          assert.equal(order[0], i);
          const viaRow = W[i].reduce((s, w, j) => s + w * q[j], 0);
          assertClose(
            viaRow,
            estimateQ(
              method,
              order.map((j) => q[j]),
              N,
            ),
            `${method} row ${i} vs estimateQ`,
            { abs: 1e-15 },
          );
        }
      }
      if (M >= 3) {
        // IS: every off-diagonal weight (N−1)/((M−1)N).
        const W = estimatorWeights("IS", M, N);
        for (let i = 0; i < M; i++)
          for (let j = 0; j < M; j++)
            if (i !== j) assertClose(W[i][j], (N - 1) / ((M - 1) * N), "IS off-diagonal", { abs: 1e-16 });
        // MSS: one stratum weight (N−M+1)/(N(M−1)) per row, every column holding it once (cyclic order).
        const S = estimatorWeights("MSS", M, N);
        const strat = (N - M + 1) / (N * (M - 1));
        const perColumn = new Array(M).fill(0);
        for (let i = 0; i < M; i++) {
          const j = (i + M - 1) % M;
          assertClose(S[i][j], strat, `MSS stratum weight row ${i}`, { abs: 1e-16 });
          perColumn[j]++;
          for (let k = 0; k < M; k++)
            if (k !== i && k !== j) assertClose(S[i][k], 1 / (M - 1), "MSS other weight", { abs: 1e-16 });
        }
        assert.deepEqual(perColumn, new Array(M).fill(1));
      }
    }
  });

  test("argument checks", () => {
    assert.throws(() => estimatorWeights("IS", 1, 10), /IS needs a batch of M ≥ 2/);
    assert.throws(() => estimatorWeights("MSS", 5, 4), /1 ≤ M ≤ N/);
    assert.throws(() => estimatorWeights("XYZ" as BatchEstimator, 2, 4), /unknown estimator 'XYZ'/);
    assert.deepEqual(estimatorWeights("MWS", 1, 3), [[1 / 3]]);
    // Lower-case names are accepted.
    assert.deepEqual(estimatorWeights("mss", 4, 9), estimatorWeights("MSS", 4, 9));
    assert.equal(inverseWeightVariance("is", 3, 10), inverseWeightVariance("IS", 3, 10));
  });
});

describe("inverse-importance-weight datasets (Eq. 13–16)", () => {
  const settings = [
    [2, 2],
    [2, 10],
    [3, 10],
    [4, 6],
    [10, 60000],
    [64, 1000],
    [128, 737],
    [256, 256],
  ];
  test("datasets are N × ordered weights, with mean N/M", () => {
    for (const [M, N] of settings) {
      for (const method of ["IS", "MSS"] as const) {
        const d = inverseWeightDataset(method, M, N);
        assert.equal(d.length, M);
        orderedWeights(method, M, N).forEach((w, k) =>
          assertClose(d[k], N * w, `${method} element ${k}`, { rel: 1e-14 }),
        );
        assertClose(mean(d), N / M, `${method} mean, M=${M}, N=${N}`, { rel: 1e-13 });
      }
    }
  });

  test("closed-form variances equal the directly computed population variances", () => {
    for (const [M, N] of settings) {
      for (const method of ["IS", "MSS"] as const) {
        const direct = popVariance(inverseWeightDataset(method, M, N));
        assertClose(inverseWeightVariance(method, M, N), direct, `${method} variance, M=${M}, N=${N}`, {
          abs: 1e-12,
          rel: 1e-10,
        });
      }
      // Eq. 15 written out: (N − M)² / (M²(M − 1)); Eq. 14: (2M² − (2N + 2)M + N²) / (M²(M − 1)).
      assertClose(inverseWeightVariance("IS", M, N), (N - M) ** 2 / (M * M * (M - 1)), "Eq. 15", {
        rel: 1e-14,
        abs: 1e-15,
      });
      assertClose(
        inverseWeightVariance("MSS", M, N),
        (2 * M * M - (2 * N + 2) * M + N * N) / (M * M * (M - 1)),
        "Eq. 14",
        { rel: 1e-14, abs: 1e-15 },
      );
      // Eq. 16: Var[MSS0] − Var[IS0] = (M − 2)/(M(M − 1)) ≥ 0.
      const diff = inverseWeightVariance("MSS", M, N) - inverseWeightVariance("IS", M, N);
      assertClose(diff, (M - 2) / (M * (M - 1)), `Eq. 16, M=${M}, N=${N}`, {
        abs: 1e-9 * (1 + inverseWeightVariance("IS", M, N)),
      });
      assert.ok(diff >= -1e-12);
    }
    // The paper's setting (N = 10, M = 3): Var[IS0] = 49/18, Var[MSS0] = 52/18.
    assertClose(inverseWeightVariance("IS", 3, 10), 49 / 18, "IS N=10 M=3", { rel: 1e-15 });
    assertClose(inverseWeightVariance("MSS", 3, 10), 52 / 18, "MSS N=10 M=3", { rel: 1e-15 });
  });
});

describe("tensor estimator in log space", () => {
  test("logAggregatePosterior equals the plain-number estimator row by row, with trailing axes", async () => {
    const rng = new Rng("logagg");
    const M = 5;
    const N = 40;
    const D = 3;
    const logQ = Array.from({ length: M }, () =>
      Array.from({ length: M }, () => Array.from({ length: D }, () => rng.uniformIn(-8, 1))),
    );
    const t = tf.tensor3d(logQ);
    for (const method of ["MWS", "MSS", "IS"] as BatchEstimator[]) {
      const out = logAggregatePosterior(method, t, N);
      assert.deepEqual(out.shape, [M, D]);
      const v = await values(out);
      for (let i = 0; i < M; i++) {
        for (let d = 0; d < D; d++) {
          const q = estimatorOrder(i, M).map((j) => Math.exp(logQ[i][j][d]));
          assertClose(v[i * D + d], Math.log(estimateQ(method, q, N)), `${method} (${i}, ${d})`, { abs: 2e-6 });
        }
      }
      // Shift invariance: log-densities of −1000 do not underflow.
      const shifted = await values(logAggregatePosterior(method, tf.sub(t, 1000), N));
      shifted.forEach((s, k) => assertClose(s, v[k] - 1000, `${method} shifted`, { abs: 1e-3 }));
    }
    assert.throws(() => logAggregatePosterior("IS", tf.zeros([3, 4]), 10), /shape \[M, M, \.\.\.\]/);
  });

  test("pairwiseLogNormal against the Gaussian formula and against pairwiseLogProb(Normal)", async () => {
    const rng = new Rng("pairwise");
    const M = 4;
    const K = 3;
    const gen = (lo: number, hi: number) =>
      Array.from({ length: M }, () => Array.from({ length: K }, () => rng.uniformIn(lo, hi)));
    const z = gen(-2, 2);
    const mu = gen(-2, 2);
    const lv = gen(-3, 1);
    const out = pairwiseLogNormal(tf.tensor2d(z), tf.tensor2d(mu), tf.tensor2d(lv));
    assert.deepEqual(out.shape, [M, M, K]);
    const v = await values(out);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < M; j++) {
        for (let k = 0; k < K; k++) {
          const expected = -0.5 * (Math.log(2 * Math.PI) + lv[j][k] + (z[i][k] - mu[j][k]) ** 2 / Math.exp(lv[j][k]));
          assertClose(v[(i * M + j) * K + k], expected, `[${i},${j},${k}]`, { abs: 1e-5, rel: 1e-6 });
        }
      }
    }
    const viaDist = await values(pairwiseLogProb(Normal.fromLogVar(tf.tensor2d(mu), tf.tensor2d(lv)), tf.tensor2d(z)));
    viaDist.forEach((x, k) => assertClose(x, v[k], `pairwiseLogProb ${k}`, { abs: 1e-5 }));
    // Other factorised posteriors: a Gamma batch.
    const g = new Gamma(tf.tensor2d(gen(0.5, 3)), tf.tensor2d(gen(0.5, 2)));
    const gz = tf.tensor2d(gen(0.1, 2));
    const pg = pairwiseLogProb(g, gz);
    assert.deepEqual(pg.shape, [M, M, K]);
    const direct = await values(g.logProb(tf.tile(tf.expandDims(gz, 1), [1, M, 1])));
    (await values(pg)).forEach((x, k) => assertClose(x, direct[k], `gamma pairwise ${k}`, { abs: 1e-6 }));
    assert.throws(
      () => pairwiseLogNormal(tf.zeros([4, 3]), tf.zeros([4, 2]), tf.zeros([4, 3])),
      /mu has shape \[4,2\]/,
    );
  });

  test("no tensor leaks", () => {
    const before = tf.memory().numTensors;
    const z = tf.randomNormal([6, 2], 0, 1, "float32", 3);
    const lq = tf.zeros([6, 6, 2]);
    tf.dispose([pairwiseLogNormal(z, z, z), logAggregatePosterior("MSS", lq, 60), z, lq]);
    assert.equal(tf.memory().numTensors, before);
  });
});
