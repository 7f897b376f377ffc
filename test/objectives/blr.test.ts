// The BLR evidence (Eq. 52–56) against direct numerical integration over γ and σ², its loss form, its
// behaviour under rescaling, its weak-prior relation to the negative SI-SDR (H.1); the SI-SDR identities of
// Appendix G (Eq. 43 = 47 = 48); the multivariate Cauchy (Eq. 70) against the Cauchy density and its
// normalisation.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { BlrPrior, blrLogEvidence, blrLoss, blrPosterior, mvcLogDensity } from "../../lib/objectives/blr";
import { siSdr } from "../../lib/objectives/si-sdr";
import { lgammaScalar } from "../../lib/prob/special";

const ready = initEngine();
const one = async (t: tf.Tensor) => {
  const v = (await t.data())[0];
  t.dispose();
  return v;
};
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/** log ∫∫ N(s | s̃γ, σ²I) N(γ | μ₀, σ²/λ₀) InvGamma(σ² | a₀, b₀) dγ dσ² by a grid in (γ, u = log σ²). */
function evidenceByQuadrature(s: number[], e: number[], p: BlrPrior): number {
  const T = s.length;
  const logTerms: number[] = [];
  const nu = 1400,
    ng = 1400,
    u0 = -14,
    u1 = 8,
    g0 = -12,
    g1 = 12;
  const du = (u1 - u0) / nu,
    dg = (g1 - g0) / ng;
  for (let i = 0; i < nu; i++) {
    const u = u0 + (i + 0.5) * du,
      v = Math.exp(u);
    // log InvGamma(v) + log v (Jacobian dσ² = v du)
    const lig = p.a0 * Math.log(p.b0) - lgammaScalar(p.a0) - (p.a0 + 1) * u - p.b0 / v + u;
    for (let j = 0; j < ng; j++) {
      const g = g0 + (j + 0.5) * dg;
      let r2 = 0;
      for (let t = 0; t < T; t++) r2 += (s[t] - e[t] * g) ** 2;
      const ll = -0.5 * T * Math.log(2 * Math.PI * v) - r2 / (2 * v);
      const lp = -0.5 * Math.log((2 * Math.PI * v) / p.lambda0) - (p.lambda0 * (g - p.mu0) ** 2) / (2 * v);
      logTerms.push(ll + lp + lig);
    }
  }
  const m = logTerms.reduce((a, b) => Math.max(a, b), -Infinity);
  const sum = logTerms.reduce((acc, l) => acc + Math.exp(l - m), 0);
  return m + Math.log(sum * du * dg);
}

test("BLR evidence (Eq. 55) equals direct numerical integration over γ and σ²", async () => {
  await ready;
  const rng = new Rng("blr");
  for (const [T, prior] of [
    [3, { a0: 2, b0: 0.5, mu0: 0.3, lambda0: 1.5 }],
    [5, { a0: 1.2, b0: 2, mu0: -0.5, lambda0: 0.4 }],
  ] as [number, BlrPrior][]) {
    const e = Array.from({ length: T }, () => rng.normal());
    const s = e.map((v) => 0.8 * v + 0.6 * rng.normal());
    const closed = await one(blrLogEvidence(tf.tensor1d(s), tf.tensor1d(e), prior));
    const quad = evidenceByQuadrature(s, e, prior);
    assert.ok(Math.abs(closed - quad) < 2e-3, `T=${T}: closed form ${closed} vs quadrature ${quad}`);
  }
});

test("BLR loss (Eq. 56) is the negative evidence up to a constant; batched over leading axes", async () => {
  await ready;
  const rng = new Rng("blr2");
  const p: BlrPrior = { a0: 0.7, b0: 0.2, mu0: 0.1, lambda0: 0.3 };
  const S = tf.tensor2d(Array.from({ length: 3 }, () => Array.from({ length: 6 }, () => rng.normal())));
  const E = tf.tensor2d(Array.from({ length: 3 }, () => Array.from({ length: 6 }, () => rng.normal())));
  const ev = Array.from(await blrLogEvidence(S, E, p).data()),
    loss = Array.from(await blrLoss(S, E, p).data());
  const c = ev.map((v, i) => v + loss[i]);
  c.forEach((v) => assert.ok(Math.abs(v - c[0]) < 1e-4, `constant ${v} vs ${c[0]}`));
  assert.throws(() => blrLoss(S, tf.zeros([3, 5])), /same shape \[\.\.\., T\], got \[3,6\] and \[3,5\]/);
  assert.throws(() => blrLogEvidence(S, E, { ...p, b0: 0 }), /need a0, b0, lambda0 > 0/);
});

test("BLR with a weak prior: rescaling the estimate moves the evidence by −log|c| only; the target by −T log|c|", async () => {
  await ready;
  const rng = new Rng("blr3");
  const T = 50;
  const p: BlrPrior = { a0: 1e-3, b0: 1e-12, mu0: 0, lambda0: 1e-12 };
  const e = Array.from({ length: T }, () => rng.normal());
  const s = e.map((v) => 0.5 * v + rng.normal());
  const base = await one(blrLogEvidence(tf.tensor1d(s), tf.tensor1d(e), p));
  for (const c of [0.1, 3, -7]) {
    const est = await one(blrLogEvidence(tf.tensor1d(s), tf.tensor1d(e.map((v) => c * v)), p));
    assert.ok(Math.abs(est - base + Math.log(Math.abs(c))) < 1e-3, `estimate ×${c}: Δ = ${est - base}`);
    const tgt = await one(blrLogEvidence(tf.tensor1d(s.map((v) => c * v)), tf.tensor1d(e), p));
    assert.ok(Math.abs(tgt - base + (T + 2 * p.a0) * Math.log(Math.abs(c))) < 1e-2, `target ×${c}: Δ = ${tgt - base}`);
  }
  // b_T (the part that carries the fit) does not change at all when the estimate is rescaled
  const b1 = await one(blrPosterior(tf.tensor1d(s), tf.tensor1d(e), p).bT),
    b2 = await one(blrPosterior(tf.tensor1d(s), tf.tensor1d(e.map((v) => 4 * v)), p).bT);
  assert.ok(Math.abs(b1 - b2) < 1e-6 * b1);
});

test("H.1: with a weak prior, L_BLR ≈ ½ log s̃ᵀs̃ + (T/2) log ½(sᵀs − (s̃ᵀs)²/s̃ᵀs̃), a function of the cosine like −SI-SDR", async () => {
  await ready;
  const rng = new Rng("blr4");
  const T = 200;
  const p: BlrPrior = { a0: 1e-6, b0: 1e-12, mu0: 0, lambda0: 1e-12 };
  const e = Array.from({ length: T }, () => rng.normal());
  const s = e.map((v) => v + 0.3 * rng.normal());
  const ss = dot(s, s),
    ee = dot(e, e),
    es = dot(e, s);
  const approx = 0.5 * Math.log(ee) + (T / 2) * Math.log(0.5 * (ss - (es * es) / ee));
  const loss = await one(blrLoss(tf.tensor1d(s), tf.tensor1d(e), p));
  assert.ok(Math.abs(loss - approx) < 1e-3 * Math.abs(approx), `${loss} vs Eq. 64 ${approx}`);
  // Eq. 67–69: the dominant term is log(1 − cos²) while NSISDR = 10 log10(cos⁻² − 1)
  const cos2 = (es * es) / (ee * ss);
  const nsisdr = -(await one(siSdr(tf.tensor1d(e), tf.tensor1d(s), { zeroMean: false, eps: 0 })));
  assert.ok(Math.abs(nsisdr - 10 * Math.log10(1 / cos2 - 1)) < 1e-3);
  assert.ok(Math.abs(Math.log(ss - (es * es) / ee) - (Math.log(ss) + Math.log(1 - cos2))) < 1e-9);
});

test("Appendix G: NSISDR by Eq. 43, Eq. 47 and Eq. 48 agree with siSdr", async () => {
  await ready;
  const rng = new Rng("g");
  for (let k = 0; k < 4; k++) {
    const s = Array.from({ length: 64 }, () => rng.normal());
    const e = s.map((v) => (k + 1) * 0.7 * v + rng.normal());
    const alpha = dot(s, e) / dot(s, s);
    const eq43 =
      -10 * Math.log10((dot(s, s) * alpha * alpha) / s.reduce((acc, v, i) => acc + (alpha * v - e[i]) ** 2, 0));
    const eq47 = 10 * Math.log10((dot(s, s) * dot(e, e)) / dot(s, e) ** 2 - 1);
    const cos = dot(e, s) / Math.sqrt(dot(e, e) * dot(s, s));
    const eq48 = 10 * Math.log10(cos ** -2 - 1);
    const lib = -(await one(siSdr(tf.tensor1d(e), tf.tensor1d(s), { zeroMean: false, eps: 0 })));
    for (const v of [eq47, eq48, lib]) assert.ok(Math.abs(v - eq43) < 1e-3, `${v} vs Eq. 43 ${eq43}`);
  }
});

test("multivariate Cauchy (Eq. 70): T = 1 is the Cauchy density; T = 2 integrates to 1", async () => {
  await ready;
  for (const [x, mu, sc] of [
    [0.3, -1, 2],
    [5, 0, 0.5],
  ]) {
    const lib = await one(mvcLogDensity(tf.tensor1d([x]), tf.tensor1d([mu]), tf.tensor1d([sc])));
    const want = -Math.log(Math.PI * sc * (1 + ((x - mu) / sc) ** 2));
    assert.ok(Math.abs(lib - want) < 1e-5, `${lib} vs ${want}`);
  }
  // identity Σ in 2-D: ∫ 2πr p(r) dr over r ∈ [0, ∞) with r = tan θ to cover the heavy tail
  const n = 20000;
  let total = 0;
  const xs: number[][] = [];
  for (let i = 0; i < n; i++) {
    const th = ((i + 0.5) / n) * (Math.PI / 2);
    xs.push([Math.tan(th), 0]);
  }
  const dens = Array.from(await mvcLogDensity(tf.tensor2d(xs), tf.zeros([n, 2]), tf.ones([n, 2])).data());
  dens.forEach((l, i) => {
    const th = ((i + 0.5) / n) * (Math.PI / 2),
      r = Math.tan(th);
    total += 2 * Math.PI * r * Math.exp(l) * (1 / Math.cos(th) ** 2) * (Math.PI / 2 / n);
  });
  assert.ok(Math.abs(total - 1) < 2e-3, `∫ p = ${total}`);
});

test("blrLoss keeps float32 precision when the estimate fits well (long T, high SNR): matches a float64 evaluation", async () => {
  await ready;
  const r = new Rng("blr-precision");
  for (const [T, snr] of [
    [4000, 40],
    [16000, 30],
    [16000, 40],
  ] as const) {
    const s = Array.from({ length: T }, (_, t) => Math.sin(t * 0.05) + 0.5 * Math.sin(t * 0.31 + 1));
    const n = Array.from({ length: T }, () => r.normal());
    const sig = Math.sqrt(dot(s, s) / dot(n, n) / 10 ** (snr / 10));
    const e = s.map((v, t) => v + sig * n[t]);
    const p = { a0: 0.5, b0: 1e-6, mu0: 0, lambda0: 1e-6 };
    const lT = dot(e, e) + p.lambda0,
      muT = (p.lambda0 * p.mu0 + dot(e, s)) / lT;
    const bT = p.b0 + 0.5 * (dot(s, s) + p.lambda0 * p.mu0 ** 2 - lT * muT ** 2);
    const exact = 0.5 * Math.log(lT) + (p.a0 + T / 2) * Math.log(bT);
    const got = await one(blrLoss(tf.tensor1d(s), tf.tensor1d(e), p));
    // the former sᵀs − λ_T μ_T² form was off by 0.4 (T 16 000, 30 dB) to 4.6 nats (40 dB) in float32
    assert.ok(Math.abs(got - exact) < 0.05, `T ${T}, ${snr} dB: ${got} vs float64 ${exact}`);
  }
});
