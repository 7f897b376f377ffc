import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { estimateQ, inverseWeightVariance } from "../../lib/prob/aggregate";
import {
  enumerateEstimator,
  estimatorVarianceClosedForm,
  estimatorVarianceGap,
  simulateEstimators,
  trueAggregate,
  weightDatasetVariance,
} from "../../lib/pdisvae/batch-estimator-study";
import { conditionalDensities, latentPoints, sampleFromPosterior } from "../../lib/data/latent-points";

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

function randomQ(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => Math.exp(2 * rng.normal()));
}

/** Brute force over every ordered sequence of the M−1 others (independent of the subset shortcut). */
function bruteForce(method: "mws" | "mss" | "is", q: number[], anchor: number, m: number) {
  const others = q.map((_, i) => i).filter((i) => i !== anchor);
  const vals: number[] = [];
  const rec = (seq: number[]) => {
    if (seq.length === m - 1) {
      vals.push(estimateQ(method, [q[anchor], ...seq.map((i) => q[i])], q.length));
      return;
    }
    for (const i of others) if (!seq.includes(i)) rec([...seq, i]);
  };
  rec([]);
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  return { mean, variance: vals.reduce((a, v) => a + (v - mean) ** 2, 0) / vals.length };
}

test("subset enumeration equals brute force over all ordered batches", () => {
  const rng = new Rng(3);
  const q = randomQ(rng, 7);
  for (const m of [2, 3, 4, 5])
    for (const method of ["mws", "mss", "is"] as const) {
      const e = enumerateEstimator(method, q, 2, m),
        b = bruteForce(method, q, 2, m);
      assert.ok(rel(e.mean, b.mean) < 1e-12, `${method} M=${m} mean`);
      assert.ok(
        Math.abs(e.variance - b.variance) < 1e-10 * Math.max(1, b.variance),
        `${method} M=${m} var ${e.variance} vs ${b.variance}`,
      );
    }
});

test("MSS and IS are unbiased, MWS is biased (exact enumeration)", () => {
  const rng = new Rng(11);
  const q = randomQ(rng, 10);
  const truth = trueAggregate(q);
  for (const m of [2, 3, 5, 9])
    for (let anchor = 0; anchor < 10; anchor += 3) {
      assert.ok(rel(enumerateEstimator("mss", q, anchor, m).mean, truth) < 1e-12);
      assert.ok(rel(enumerateEstimator("is", q, anchor, m).mean, truth) < 1e-12);
      assert.ok(rel(enumerateEstimator("mws", q, anchor, m).mean, truth) > 0.1);
    }
});

test("closed-form estimator variances match exact enumeration; the gap is S²(M−2)/(N²(M−1))", () => {
  const rng = new Rng(5);
  for (const n of [6, 10]) {
    const q = randomQ(rng, n);
    for (let m = 2; m <= n; m++)
      for (const method of ["mss", "is"] as const) {
        const exact = enumerateEstimator(method, q, 1, m).variance;
        const closed = estimatorVarianceClosedForm(method, q, 1, m);
        assert.ok(
          Math.abs(exact - closed) <= 1e-9 * exact + 1e-12 * trueAggregate(q) ** 2,
          `${method} N=${n} M=${m}: ${exact} vs ${closed}`,
        );
      }
    // at M=2 the estimators coincide; for M>2 IS has strictly less variance
    assert.ok(Math.abs(estimatorVarianceGap(q, 0, 2)) < 1e-15);
    for (let m = 3; m < n; m++) assert.ok(estimatorVarianceGap(q, 0, m) > 0);
  }
});

test("weight-dataset variances from the estimator's own weights equal Eq. 14-15 and differ by (M-2)/(M(M-1))", () => {
  for (const n of [10, 50])
    for (let m = 2; m <= 9; m++) {
      const is0 = weightDatasetVariance("is", m, n),
        mss0 = weightDatasetVariance("mss", m, n);
      assert.ok(Math.abs(is0 - (n - m) ** 2 / (m * m * (m - 1))) < 1e-9 * (1 + is0));
      assert.ok(Math.abs(mss0 - (2 * m * m - (2 * n + 2) * m + n * n) / (m * m * (m - 1))) < 1e-9 * (1 + mss0));
      assert.ok(Math.abs(mss0 - is0 - (m - 2) / (m * (m - 1))) < 1e-9);
      assert.ok(Math.abs(is0 - inverseWeightVariance("is", m, n)) < 1e-9 * (1 + is0));
    }
});

test("Monte-Carlo repeats agree with the exact moments", () => {
  const rng = new Rng(8);
  const pts = latentPoints(rng.fork("pts"));
  const z = sampleFromPosterior(pts, 4, rng.fork("z"));
  const q = conditionalDensities(pts, z);
  const sim = simulateEstimators(q, 4, 3, 20000, rng.fork("sim"));
  for (const method of ["mws", "mss", "is"] as const) {
    const exact = enumerateEstimator(method, q, 4, 3);
    const s = sim.summary[method];
    assert.ok(Math.abs(s.mean - exact.mean) < 5 * s.standardError + 1e-15, `${method} mean ${s.mean} vs ${exact.mean}`);
    // relative sd of a sample variance is about sqrt(2/n) for near-normal data; allow generously for skew
    if (exact.variance > 0)
      assert.ok(rel(s.variance, exact.variance) < 0.15, `${method} var ${s.variance} vs ${exact.variance}`);
  }
});

test("bad sizes are clear errors", () => {
  assert.throws(() => enumerateEstimator("is", [1, 2, 3], 0, 4), /batch size M=4 must be an integer in \[2, N=3\]/);
  assert.throws(() => simulateEstimators([1, 2, 3], 5, 2, 10, new Rng(1)), /anchor n\*=5/);
});
