// Acquisition against closed forms: with a linear decoder, p(x_d | x_O) has mean a_dᵀμ + c_d and variance
// σ²_d + Σ_k A_kd² s²_k for q(z|x_O) = N(μ, diag s²), and e_NLL (Eq. 5) and the partial distortion have
// closed forms too; both variance estimators converge to it. The empty observed set works. Data-unit
// conversion is exact (means scale, NLL shifts by Σ log sd). Sequences: max-variance takes the argmax,
// every candidate once, age first; the final RMSE equals the measurement noise against the truth; random
// and fixed orders; the greedy single-best order reproduced by brute force; curves and areas (Eq. 6).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { PartialVae, createPartialVae, partialVaeConfig } from "../../lib/models/partial-vae";
import {
  AcquisitionModel,
  completeRows,
  curveArea,
  curveSummary,
  fullPosterior,
  informationCurves,
  predictive,
  runAcquisition,
  singleBestOrder,
} from "../../lib/vaequisition/acquisition";

before(async () => {
  await initEngine({ quiet: true });
});

const D = 5,
  K = 2;

function linearModel(seed: number): PartialVae {
  const m = createPartialVae(
    partialVaeConfig({
      xDim: D,
      zDim: K,
      embedDim: 3,
      featureDim: 4,
      featureHidden: [6],
      encoderHidden: [6],
      decoderHidden: [4],
      activation: "tanh",
      initLogVar: -1,
    }),
    new Rng(seed),
  );
  // make the decoder linear: replace tanh by identity on its hidden layer
  m.decoder.layers.forEach((l) => (l.activation = "linear"));
  const rng = new Rng(seed + 1);
  for (const v of Object.values(m.variables))
    tf.tidy(() => v.assign(tf.add(v, tf.mul(rng.normalTensor(v.shape), 0.3))));
  return m;
}

/** Closed-form predictive mean/variance for a linear decoder, model units. */
async function closedForm(
  m: PartialVae,
  mu: number[],
  lv: number[],
): Promise<{ mean: number[]; variance: number[]; A: number[][]; c: number[]; sig2: number[] }> {
  const [W1, b1, W2, b2] = (await Promise.all(
    ["dec/0/w", "dec/0/b", "dec/1/w", "dec/1/b"].map((k) => m.variables[k].array()),
  )) as [number[][], number[], number[][], number[]];
  const A = W1.map((row) => Array.from({ length: D }, (_, d) => row.reduce((s, w, h) => s + w * W2[h][d], 0)));
  const c = Array.from({ length: D }, (_, d) => b1.reduce((s, b, h) => s + b * W2[h][d], 0) + b2[d]);
  const sig2 = ((await m.logVar.array()) as number[]).map(Math.exp);
  const mean = c.map((cd, d) => cd + mu.reduce((s, u, k) => s + u * A[k][d], 0));
  const variance = sig2.map((s2, d) => s2 + lv.reduce((s, l, k) => s + A[k][d] ** 2 * Math.exp(l), 0));
  return { mean, variance, A, c, sig2 };
}

test("the predictive distribution matches the linear-decoder closed form (both estimators), for partial and empty observed sets", async () => {
  const m = linearModel(1);
  const am: AcquisitionModel = { model: m, samples: 6000 };
  const rng = new Rng(3);
  const x = [0, 1, 2].map(() => Array.from({ length: D }, () => rng.normal()));
  const masks = [
    [1, 0, 1, 0, 0],
    [0, 0, 0, 0, 0],
    [1, 1, 1, 1, 1],
  ];
  const st = await predictive(am, x, masks, new Rng(4));
  for (const [b, p] of st.entries()) {
    const cf = await closedForm(m, p.zMean, p.zLogVar);
    for (let d = 0; d < D; d++) {
      const sdMean = Math.sqrt(cf.variance[d] / 6000);
      assert.ok(Math.abs(p.mean[d] - cf.mean[d]) < 5 * sdMean, `row ${b} mean[${d}] ${p.mean[d]} vs ${cf.mean[d]}`);
      for (const [name, v] of [
        ["analytic", p.varianceAnalytic[d]],
        ["sampled", p.varianceSampled[d]],
      ] as const) {
        assert.ok(Math.abs(v / cf.variance[d] - 1) < 0.06, `row ${b} ${name} variance[${d}] ${v} vs ${cf.variance[d]}`);
      }
      assert.equal(
        p.variance[d],
        p.varianceSampled[d],
        "the default estimator is the sampled one (Eq. 3 as approximated in the paper)",
      );
      // x̂ and the acquisition function
      assert.equal(p.estimate[d], masks[b][d] ? x[b][d] : p.mean[d]);
      assert.equal(p.acquisition[d], masks[b][d] ? 0 : p.variance[d]);
    }
    // e_RMSE (Eq. 4) against the truth (here x)
    const rmse = Math.sqrt(p.estimate.reduce((s, v, d) => s + (x[b][d] - v) ** 2, 0) / D);
    assert.ok(Math.abs(p.rmse - rmse) < 1e-12);
    // e_NLL (Eq. 5): E_z Σ_d [½log 2πσ²_d + ((x_d − m̄_d)² + Σ_k A²_kd s²_k)/(2σ²_d)]
    const nll = cf.sig2.reduce(
      (s, s2, d) =>
        s + 0.5 * Math.log(2 * Math.PI * s2) + ((x[b][d] - cf.mean[d]) ** 2 + (cf.variance[d] - s2)) / (2 * s2),
      0,
    );
    assert.ok(Math.abs(p.nll - nll) < 0.03 * Math.abs(nll) + 0.05, `row ${b} NLL ${p.nll} vs ${nll}`);
    // partial ELBO (Eq. 1): the same over observed columns, plus the closed-form KL
    const dist = cf.sig2.reduce(
      (s, s2, d) =>
        masks[b][d]
          ? s + 0.5 * Math.log(2 * Math.PI * s2) + ((x[b][d] - cf.mean[d]) ** 2 + (cf.variance[d] - s2)) / (2 * s2)
          : s,
      0,
    );
    const kl = p.zMean.reduce((s, u, k) => s + 0.5 * (u * u + Math.exp(p.zLogVar[k]) - 1 - p.zLogVar[k]), 0);
    assert.ok(
      Math.abs(p.partialDistortion - dist) < 0.03 * Math.abs(dist) + 0.05,
      `row ${b} partial distortion ${p.partialDistortion} vs ${dist}`,
    );
    assert.ok(Math.abs(p.rate - kl) < 1e-5 && Math.abs(p.partialElbo + p.partialDistortion + p.rate) < 1e-9);
  }
  assert.equal(st[1].partialDistortion, 0, "nothing observed: no distortion");
  assert.ok(
    st[1].mean.every(Number.isFinite) && st[1].variance.every((v) => v > 0),
    "the empty set gives the prior predictive",
  );
  // the full posterior equals the fully observed row's posterior
  const full = (await fullPosterior(am, [x[2]]))[0];
  full.zMean.forEach((v, k) => assert.ok(Math.abs(v - st[2].zMean[k]) < 1e-6));
  m.dispose();
});

test("data units: the predictive mean is mean + sd·(model units), variance ·sd², NLL and ELBO shift by Σ log sd", async () => {
  const m = linearModel(5);
  const sc = { mean: [50, 10, 20, 30, 40], sd: [15, 10, 12, 14, 20] };
  const rng = new Rng(6);
  const z = [0, 1].map(() => Array.from({ length: D }, () => rng.normal()));
  const xData = z.map((r) => r.map((v, d) => sc.mean[d] + sc.sd[d] * v));
  const masks = [
    [1, 0, 0, 1, 0],
    [1, 1, 1, 1, 1],
  ];
  const a = await predictive({ model: m, samples: 50 }, z, masks, new Rng(7));
  const b = await predictive({ model: m, samples: 50, scaler: sc }, xData, masks, new Rng(7));
  const logSd = sc.sd.reduce((s, v) => s + Math.log(v), 0);
  for (let i = 0; i < 2; i++) {
    for (let d = 0; d < D; d++) {
      assert.ok(Math.abs(b[i].mean[d] - (sc.mean[d] + sc.sd[d] * a[i].mean[d])) < 1e-4);
      assert.ok(Math.abs(b[i].variance[d] / (a[i].variance[d] * sc.sd[d] ** 2) - 1) < 1e-5);
    }
    assert.ok(Math.abs(b[i].nll - (a[i].nll + logSd)) < 1e-3);
    const obsLogSd = sc.sd.reduce((s, v, d) => (masks[i][d] ? s + Math.log(v) : s), 0);
    assert.ok(Math.abs(b[i].partialElbo - (a[i].partialElbo - obsLogSd)) < 1e-3);
    assert.ok(Math.abs(b[i].rmse - 0) < 1e-12 || i === 0);
  }
  m.dispose();
});

test("runAcquisition: max-variance takes the argmax, each candidate once after age; the final RMSE is the measurement noise", async () => {
  const m = linearModel(8);
  const rng = new Rng(9);
  const n = 12;
  const clean = Array.from({ length: n }, () => Array.from({ length: D }, () => rng.normal()));
  const noisy = clean.map((r) => r.map((v) => v + 0.3 * rng.normal()));
  const mat = (r: number[][]) => ({ values: Float32Array.from(r.flat()), shape: [r.length, D] as [number, number] });
  const am: AcquisitionModel = { model: m, samples: 32, observedVariance: 0.09 };
  const traces = await runAcquisition(am, mat(noisy), {
    policy: { kind: "max-variance" },
    truth: mat(clean),
    rng: 10,
    includePrior: true,
  });
  assert.equal(traces.length, n);
  for (const t of traces) {
    assert.equal(t.steps.length, D, "m = 0 … M with M = 4 candidates");
    assert.deepEqual(t.steps[0].observed, [0]);
    assert.deepEqual([...t.order].sort(), [1, 2, 3, 4]);
    t.steps.forEach((s, k) => {
      assert.equal(s.m, k);
      if (k < D - 1) {
        const unobs = [1, 2, 3, 4].filter((d) => !s.observed.includes(d));
        const best = unobs.reduce((p, q) => (s.variance[q] > s.variance[p] ? q : p));
        assert.equal(s.next, best, `step ${k}: argmax of the predictive variance`);
        assert.equal(s.acquisition[0], 0.09, "observed columns show observedVariance");
      } else assert.equal(s.next, undefined);
      const cands = [1, 2, 3, 4];
      assert.ok(Math.abs(s.acquisitionSummary - cands.reduce((a, d) => a + s.acquisition[d], 0) / 4) < 1e-12);
    });
    const last = t.steps[D - 1];
    const row = noisy[t.row],
      tr = clean[t.row];
    const noiseRmse = Math.sqrt(row.reduce((s, v, d) => s + (Math.fround(v) - Math.fround(tr[d])) ** 2, 0) / D);
    assert.ok(Math.abs(last.rmse - noiseRmse) < 1e-6, "fully observed: x̂ = x, so e_RMSE is the noise");
    assert.ok(t.prior && t.prior.partialDistortion === 0);
  }
  // deterministic
  const again = await runAcquisition(am, mat(noisy), { policy: { kind: "max-variance" }, truth: mat(clean), rng: 10 });
  assert.deepEqual(
    again.map((t) => t.order),
    traces.map((t) => t.order),
  );
  // random: permutations that differ between sequences; fixed: followed as given
  const rnd = await runAcquisition(am, mat(noisy), { policy: { kind: "random" }, rng: 11 });
  assert.ok(rnd.every((t) => [...t.order].sort().join() === "1,2,3,4"));
  assert.ok(new Set(rnd.map((t) => t.order.join())).size > 3);
  const fx = await runAcquisition(am, mat(noisy), { policy: { kind: "fixed", order: [3, 1, 4, 2] }, rng: 12 });
  assert.ok(fx.every((t) => t.order.join() === "3,1,4,2"));
  await assert.rejects(
    () => runAcquisition(am, mat(noisy), { policy: { kind: "fixed", order: [3, 1] }, rng: 1 }),
    /permutation of the candidates/,
  );
  const withNaN = mat(noisy);
  withNaN.values[7] = NaN;
  await assert.rejects(
    () => runAcquisition(am, withNaN, { policy: { kind: "random" }, rng: 1 }),
    /row 1 has missing values/,
  );
  assert.deepEqual(completeRows(withNaN), [0, ...Array.from({ length: n - 2 }, (_, i) => i + 2)]);
  // curves and areas (Eq. 6)
  const curves = informationCurves(traces, "rmse");
  assert.equal(curves[0].length, D);
  assert.equal(
    curveArea(curves[0]),
    curves[0].reduce((s, v) => s + v, 0),
  );
  const sm = curveSummary(curves);
  assert.ok(Math.abs(sm.mean[2] - curves.reduce((s, c) => s + c[2], 0) / n) < 1e-12);
  assert.ok(Math.abs(sm.sd[2] - Math.sqrt(curves.reduce((s, c) => s + (c[2] - sm.mean[2]) ** 2, 0) / n)) < 1e-12);
  assert.ok(Math.abs(sm.meanArea - sm.areas.reduce((s, a) => s + a, 0) / n) < 1e-12);
  m.dispose();
});

test("singleBestOrder: each step is the brute-force argmin of the validation mean RMSE", async () => {
  const m = linearModel(13);
  const rng = new Rng(14);
  const rows = Array.from({ length: 20 }, () => Array.from({ length: D }, () => rng.normal()));
  const x = { values: Float32Array.from(rows.flat()), shape: [20, D] as [number, number] };
  const am: AcquisitionModel = { model: m, samples: 16 };
  const { order, meanRmse } = await singleBestOrder(am, x, { rng: 15 });
  assert.deepEqual([...order].sort(), [1, 2, 3, 4]);
  const X = rows.map((r) => r.map((v) => Math.fround(v)));
  const prefix: number[] = [0];
  for (const [t, chosen] of order.entries()) {
    const errs: { u: number; e: number }[] = [];
    for (const u of [1, 2, 3, 4].filter((u) => !prefix.includes(u))) {
      const obs = [...prefix, u];
      const st = await predictive(
        am,
        X,
        X.map(() => Array.from({ length: D }, (_, d) => (obs.includes(d) ? 1 : 0))),
        new Rng(15).fork(`greedy/${t}/${u}`),
      );
      errs.push({ u, e: st.reduce((s, p) => s + p.rmse, 0) / st.length });
    }
    const best = errs.reduce((p, q) => (q.e < p.e ? q : p));
    assert.equal(chosen, best.u, `step ${t}`);
    assert.ok(Math.abs(meanRmse[t] - best.e) < 1e-12);
    prefix.push(chosen);
  }
  assert.equal(meanRmse[meanRmse.length - 1], 0, "everything observed against itself: no error");
  m.dispose();
});
