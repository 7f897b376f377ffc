// The PDisVAE family on the linear net, against an independent float64 implementation of every method's
// record and loss (Gaussian NLL, closed-form / one-sample KLs, minibatch TC and PC with the estimators'
// weights), its gradient against finite differences, the reductions G = 1 ⇒ VAE and G = K ⇒ β-TCVAE,
// unbiasedness of the Monte-Carlo rates, the evaluation helpers, determinism, the tensor count, and a
// short training run on the group-wise synthetic set.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { fixedBeta } from "../../lib/objectives/controllers";
import { withTermPenalties } from "../../lib/objectives/penalties";
import { RateDistortion, disposeRecord } from "../../lib/objectives/rate-distortion";
import { BatchEstimator, estimatorWeights, pairwiseLogNormal } from "../../lib/prob/aggregate";
import { partialCorrelation } from "../../lib/prob/correlation";
import { kl } from "../../lib/prob/kl";
import { Logcosh } from "../../lib/prob/logcosh";
import { LpNestedIsa } from "../../lib/prob/lp-nested";
import { Normal } from "../../lib/prob/normal";
import { train } from "../../lib/train";
import { groupwiseSynthetic } from "../../lib/data/pdisvae-synthetic";
import { takeRows } from "../../lib/data/dataset";
import {
  PdisVae,
  PdisVaeConfig,
  PdisVaeMethod,
  PDISVAE_METHODS,
  createPdisVae,
  linearNet,
  monteCarloRate,
  pdisVaeConfig,
  pdisVaePreset,
} from "../../lib/models/pdisvae";

before(async () => {
  await initEngine({ quiet: true });
});

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
type Params = Record<string, number[]>;

async function paramsOf(m: PdisVae): Promise<Params> {
  const out: Params = {};
  for (const [k, v] of Object.entries(m.variables)) out[k] = Array.from(await v.data());
  return out;
}

function randomMatrix(rng: Rng, rows: number, cols: number, sd = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => sd * rng.normal()));
}

function perturb(m: PdisVae, rng: Rng, sd = 0.3): void {
  for (const v of Object.values(m.variables))
    tf.tidy(() =>
      v.assign(
        tf.add(
          v,
          tf.tensor(
            Array.from({ length: v.size }, () => sd * rng.normal()),
            v.shape,
          ),
        ),
      ),
    );
}

function logSumExp(a: number[]): number {
  const m = Math.max(...a);
  return m + Math.log(a.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** log p(z) of the unit-variance logcosh prior: log(π/(4√3)) − 2 log cosh(π z/(2√3)). */
function logcoshRef(z: number): number {
  const u = Math.abs((Math.PI * z) / (2 * Math.sqrt(3)));
  return Math.log(Math.PI / (4 * Math.sqrt(3))) - 2 * (u + Math.log1p(Math.exp(-2 * u)) - Math.LN2);
}

/** The whole objective in float64, from the formulas: per-example D, R, PC, TC and the loss. */
function reference(c: PdisVaeConfig, p: Params, x: number[][], eps: number[][]) {
  const net = c.net as ReturnType<typeof linearNet>;
  const D = net.xDim,
    K = net.zDim,
    B = x.length;
  const enc = x.map((xi) => {
    const h = Array.from(
      { length: 2 * K },
      (_, j) => p["enc/0/b"][j] + xi.reduce((s, v, i) => s + v * p["enc/0/w"][i * 2 * K + j], 0),
    );
    return { mu: h.slice(0, K), lv: h.slice(K) };
  });
  const z = enc.map((e, b) => e.mu.map((m, k) => m + Math.exp(0.5 * e.lv[k]) * eps[b][k]));
  const distortion = x.map((xi, b) => {
    let nll = 0;
    for (let d = 0; d < D; d++) {
      const out = p["dec/0/b"][d] + z[b].reduce((s, v, k) => s + v * p["dec/0/w"][k * D + d], 0);
      const ls = p["dec/logstd"][d];
      const r = (xi[d] - out) / Math.exp(ls);
      nll += 0.5 * r * r + ls + HALF_LOG_2PI;
    }
    return nll;
  });
  const isa =
    c.method === "isa-vae"
      ? new LpNestedIsa({ groupSizes: c.groupSizes, innerP: c.isa.innerP, outerP: c.isa.outerP, scale: c.isa.scale })
      : null;
  const rate = enc.map((e, b) => {
    const logQ = e.lv.map(
      (lv, k) => (c.rateEstimator === "sample" ? -0.5 * eps[b][k] ** 2 : -0.5) - 0.5 * lv - HALF_LOG_2PI,
    );
    if (c.method === "ica") return logQ.reduce((s, v, k) => s + v - logcoshRef(z[b][k]), 0);
    if (isa) return logQ.reduce((s, v) => s + v, 0) - isa.logProbValue(z[b]);
    return e.mu.reduce((s, m, k) => s + 0.5 * (m * m + Math.exp(e.lv[k]) - 1 - e.lv[k]), 0);
  });
  // minibatch aggregate: log q̂(z_i restricted to S) = log Σ_j w_ij Π_{k∈S} q(z_ik | n_j)
  const W = estimatorWeights(c.estimator, B, c.datasetSize);
  const lq = (i: number, j: number, k: number) =>
    -0.5 * ((z[i][k] - enc[j].mu[k]) ** 2 / Math.exp(enc[j].lv[k]) + enc[j].lv[k]) - HALF_LOG_2PI;
  const logAgg = (i: number, dims: number[]) =>
    logSumExp(Array.from({ length: B }, (_, j) => Math.log(W[i][j]) + dims.reduce((s, k) => s + lq(i, j, k), 0)));
  const all = Array.from({ length: K }, (_, k) => k);
  let start = 0;
  const groups = c.groupSizes.map((h) => Array.from({ length: h }, () => start++));
  const pc = z.map((_, i) => logAgg(i, all) - groups.reduce((s, g) => s + logAgg(i, g), 0));
  const tc = z.map((_, i) => logAgg(i, all) - all.reduce((s, k) => s + logAgg(i, [k]), 0));
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const term = c.method === "pdisvae" ? mean(pc) : c.method === "beta-tcvae" ? mean(tc) : 0;
  return { distortion, rate, pc, tc, loss: mean(distortion) + mean(rate) + c.beta * term };
}

const D0 = 5,
  K0 = 4,
  B0 = 6,
  N0 = 40;
function tinyConfig(method: PdisVaeMethod, extra: Partial<Parameters<typeof pdisVaeConfig>[0]> = {}): PdisVaeConfig {
  return pdisVaeConfig({
    method,
    net: linearNet(D0, K0, { kind: "gaussian", variance: "learned", std: 0.8 }),
    datasetSize: N0,
    groupSizes: [2, 2],
    beta: 2.5,
    ...extra,
  });
}

const VARIANTS: [string, PdisVaeConfig][] = [
  ...PDISVAE_METHODS.map((m): [string, PdisVaeConfig] => [m, tinyConfig(m)]),
  ["pdisvae, MSS", tinyConfig("pdisvae", { estimator: "MSS" })],
  ["beta-tcvae, MWS", tinyConfig("beta-tcvae", { estimator: "mws" })],
  ["ica, entropy rate", tinyConfig("ica", { rateEstimator: "entropy" })],
  [
    "isa-vae, p0=1.5 p=0.8 s=0.7, entropy rate",
    tinyConfig("isa-vae", { isa: { innerP: 1.5, outerP: 0.8, scale: 0.7 }, rateEstimator: "entropy" }),
  ],
  ["pdisvae, groups [1, 3]", tinyConfig("pdisvae", { groupSizes: [1, 3] })],
];

async function arr(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

for (const [label, config] of VARIANTS) {
  test(`record and loss match the float64 reference (${label})`, async () => {
    const rng = new Rng(`ref/${label}`);
    const m = createPdisVae(config, rng.fork("init"));
    perturb(m, rng.fork("perturb"));
    const x = randomMatrix(rng, B0, D0, 1.5),
      eps = randomMatrix(rng, B0, K0);
    const want = reference(config, await paramsOf(m), x, eps);
    const xT = tf.tensor2d(x),
      epsT = tf.tensor2d(eps);
    const rec = m.record(xT, epsT);
    const loss = m.loss(rec);
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${what}: ${a} vs reference ${b}`);
    const [Dv, Rv, Ev, PCv, TCv] = await Promise.all([
      arr(rec.distortion),
      arr(rec.rate),
      arr(rec.elbo),
      arr(rec.terms.pc),
      arr(rec.terms.tc),
    ]);
    for (let b = 0; b < B0; b++) {
      close(Dv[b], want.distortion[b], `distortion[${b}]`);
      close(Rv[b], want.rate[b], `rate[${b}]`);
      close(Ev[b], -(want.distortion[b] + want.rate[b]), `elbo[${b}]`);
      close(PCv[b], want.pc[b], `pc[${b}]`);
      close(TCv[b], want.tc[b], `tc[${b}]`);
    }
    close((await loss.data())[0], want.loss, "loss");
    if (config.method !== "isa-vae") {
      const per = await rec.ratePerDim!.array();
      per.forEach((r, b) =>
        close(
          r.reduce((s, v) => s + v, 0),
          want.rate[b],
          `Σ ratePerDim[${b}]`,
        ),
      );
    } else assert.equal(rec.ratePerDim, undefined, "the ISA prior does not factorise over dimensions");
    assert.ok(
      want.pc.some((v) => Math.abs(v) > 0.01) && want.tc.some((v) => Math.abs(v) > 0.01),
      "non-trivial PC and TC",
    );
    disposeRecord(rec);
    tf.dispose([xT, epsT, loss]);
    m.dispose();
  });
}

for (const [label, config] of VARIANTS.filter(([l]) =>
  ["pdisvae", "beta-tcvae", "isa-vae", "ica", "pdisvae, MSS"].includes(l),
)) {
  test(`gradient of the loss matches central finite differences of the float64 reference (${label})`, async () => {
    const rng = new Rng(`grad/${label}`);
    const m = createPdisVae(config, rng.fork("init"));
    perturb(m, rng.fork("perturb"));
    const x = randomMatrix(rng, B0, D0, 1.5),
      eps = randomMatrix(rng, B0, K0);
    const xT = tf.tensor2d(x),
      epsT = tf.tensor2d(eps);
    const names = Object.keys(m.variables);
    const ctl = m.controller();
    const { grads, value } = tf.variableGrads(
      () => ctl.loss(m.record(xT, epsT), 0),
      names.map((k) => m.variables[k]),
    );
    const p = await paramsOf(m);
    const lossRef = (q: Params) => reference(config, q, x, eps).loss;
    const L = lossRef(p);
    assert.ok(Math.abs((await value.data())[0] - L) < 1e-4 * Math.max(1, Math.abs(L)), "loss value");
    const h = 1e-6;
    let checked = 0;
    for (const k of names) {
      const g = await grads[m.variables[k].name].data();
      for (let i = 0; i < p[k].length; i++) {
        const plus = { ...p, [k]: p[k].slice() },
          minus = { ...p, [k]: p[k].slice() };
        plus[k][i] += h;
        minus[k][i] -= h;
        const fd = (lossRef(plus) - lossRef(minus)) / (2 * h);
        assert.ok(
          Math.abs(g[i] - fd) < 2e-3 * Math.max(1, Math.abs(fd)),
          `∂loss/∂${k}[${i}]: autodiff ${g[i]}, finite differences ${fd}`,
        );
        checked++;
      }
    }
    assert.equal(checked, m.parameterCount());
    tf.dispose([xT, epsT, value, ...Object.values(grads)]);
    m.dispose();
  });
}

/** Loss value and gradients of a model at fixed x, ε. */
async function lossAndGrads(
  m: PdisVae,
  x: tf.Tensor,
  eps: tf.Tensor,
): Promise<{ loss: number; grads: Record<string, number[]>; rec: Record<string, number[]> }> {
  const ctl = m.controller();
  const names = Object.keys(m.variables);
  // the loss closure is synchronous: keep the rate terms out of its tidy and read them after
  let kept: Record<string, tf.Tensor> = {};
  const { grads, value } = tf.variableGrads(
    () => {
      const r = m.record(x, eps);
      kept = Object.fromEntries(Object.entries(r.terms).map(([k, t]) => [k, tf.keep(t)]));
      return ctl.loss(r, 0);
    },
    names.map((k) => m.variables[k]),
  );
  const terms: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(kept)) terms[k] = Array.from(await t.data());
  tf.dispose(Object.values(kept));
  const out: Record<string, number[]> = {};
  for (const k of names) out[k] = Array.from(await grads[m.variables[k].name].data());
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out, rec: terms };
}

test("G = 1: PC ≡ 0 and the PDisVAE loss and gradients equal the VAE's exactly", async () => {
  const rng = new Rng("g1");
  const x = tf.tensor2d(randomMatrix(rng, 16, D0, 1.5)),
    eps = tf.tensor2d(randomMatrix(rng, 16, K0));
  const cfg = (method: PdisVaeMethod) => tinyConfig(method, { groupSizes: [K0], beta: 4 });
  const [vae, pd] = [createPdisVae(cfg("vae"), new Rng("same")), createPdisVae(cfg("pdisvae"), new Rng("same"))];
  perturb(vae, new Rng("p"));
  perturb(pd, new Rng("p"));
  const a = await lossAndGrads(vae, x, eps),
    b = await lossAndGrads(pd, x, eps);
  assert.ok(
    b.rec.pc.every((v) => v === 0),
    `PC is exactly 0 with one group: ${b.rec.pc}`,
  );
  assert.equal(b.loss, a.loss, "loss");
  for (const k of Object.keys(a.grads)) assert.deepEqual(b.grads[k], a.grads[k], `gradient of ${k}`);
  tf.dispose([x, eps]);
  vae.dispose();
  pd.dispose();
});

test("G = K: the PDisVAE PC term equals the β-TCVAE TC term, and so do the losses and gradients", async () => {
  const rng = new Rng("gk");
  const x = tf.tensor2d(randomMatrix(rng, 16, D0, 1.5)),
    eps = tf.tensor2d(randomMatrix(rng, 16, K0));
  for (const estimator of ["IS", "MSS", "MWS"] as BatchEstimator[]) {
    const cfg = (method: PdisVaeMethod) => tinyConfig(method, { groupSizes: [1, 1, 1, 1], beta: 4, estimator });
    const [tcv, pd] = [
      createPdisVae(cfg("beta-tcvae"), new Rng("same")),
      createPdisVae(cfg("pdisvae"), new Rng("same")),
    ];
    perturb(tcv, new Rng("p"));
    perturb(pd, new Rng("p"));
    const a = await lossAndGrads(tcv, x, eps),
      b = await lossAndGrads(pd, x, eps);
    assert.deepEqual(b.rec.pc, a.rec.tc, `${estimator}: PC(G = K) = TC`);
    assert.ok(
      a.rec.tc.some((v) => Math.abs(v) > 0.01),
      "non-trivial TC",
    );
    assert.equal(b.loss, a.loss, `${estimator}: loss`);
    for (const k of Object.keys(a.grads)) assert.deepEqual(b.grads[k], a.grads[k], `${estimator}: gradient of ${k}`);
    tcv.dispose();
    pd.dispose();
  }
  tf.dispose([x, eps]);
});

test("one-sample Monte-Carlo rates are unbiased: Gaussian prior vs the closed-form KL, logcosh prior vs quadrature", async () => {
  const mus = [0, 0.8, -1.5, 2.2],
    lvs = [0, -1.2, 0.7, -3];
  const S = 40000,
    K = mus.length;
  const mean = tf.tensor2d([mus], [1, K]),
    logVar = tf.tensor2d([lvs], [1, K]);
  const mu = tf.tile(mean, [S, 1]),
    lv = tf.tile(logVar, [S, 1]);
  const eps = new Rng("mc").normalTensor([S, K]);
  const closed = await arr(tf.tidy(() => kl(Normal.fromLogVar(mean, logVar), new Normal(0, 1))));
  // KL(N(μ, σ²) ‖ logcosh) = −H[q] − E_q[log p]: E_q by Gauss–Hermite-free brute force on a fine grid
  const logcoshKl = mus.map((m, k) => {
    const s = Math.exp(0.5 * lvs[k]);
    let e = 0;
    const n = 20000,
      L = 10;
    for (let i = 0; i < n; i++) {
      const u = -L + ((i + 0.5) * 2 * L) / n;
      e += (Math.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI)) * logcoshRef(m + s * u) * ((2 * L) / n);
    }
    return -(0.5 * Math.log(2 * Math.PI * Math.E) + 0.5 * lvs[k]) - e;
  });
  for (const mode of ["sample", "entropy"] as const) {
    for (const [prior, want] of [
      ["gaussian", closed],
      ["logcosh", logcoshKl],
    ] as const) {
      const r = tf.tidy(() =>
        monteCarloRate(
          mu,
          lv,
          eps,
          (z) => (prior === "gaussian" ? new Normal(0, 1).logProb(z) : new Logcosh().logProb(z)),
          mode,
        ),
      );
      const v = await arr(r);
      r.dispose();
      for (let k = 0; k < K; k++) {
        let m = 0,
          m2 = 0;
        for (let i = 0; i < S; i++) {
          m += v[i * K + k];
          m2 += v[i * K + k] ** 2;
        }
        m /= S;
        const se = Math.sqrt(Math.max(m2 / S - m * m, 0) / S);
        assert.ok(
          Math.abs(m - want[k]) < 4 * se + 2e-4,
          `${mode} rate vs ${prior} KL, dim ${k}: MC ${m} ± ${se}, exact ${want[k]}`,
        );
      }
    }
  }
  // the non-factorised form (log p returning [B]) sums the per-dim log q
  const joint = tf.tidy(() => monteCarloRate(mu, lv, eps, (z) => tf.sum(new Normal(0, 1).logProb(z), -1)));
  const perDim = tf.tidy(() =>
    tf.sum(
      monteCarloRate(mu, lv, eps, (z) => new Normal(0, 1).logProb(z)),
      -1,
    ),
  );
  const [a, b] = [await arr(joint), await arr(perDim)];
  a.slice(0, 50).forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-4 * Math.max(1, Math.abs(v))));
  tf.dispose([mean, logVar, mu, lv, eps, joint, perDim]);
});

test("config: defaults, presets, errors naming the field; the controller adds β·term and rejects missing terms", async () => {
  const c = pdisVaeConfig({ method: "pdisvae", net: linearNet(20, 6), datasetSize: 1600, groups: 3 });
  assert.deepEqual(c.groupSizes, [2, 2, 2]);
  assert.equal(c.beta, 4);
  assert.equal(c.estimator, "IS");
  assert.equal(c.rateEstimator, "sample");
  assert.deepEqual(c.isa, { innerP: 2, outerP: 1, scale: "unit-variance" });
  assert.deepEqual(
    pdisVaeConfig({ method: "beta-tcvae", net: linearNet(20, 6), datasetSize: 10 }).groupSizes,
    [1, 1, 1, 1, 1, 1],
  );
  assert.deepEqual(pdisVaePreset("groupwise-linear", "isa-vae", 1600), { ...c, method: "isa-vae" });
  const m = createPdisVae(c, new Rng(0));
  const shapes = Object.fromEntries(Object.entries(m.variables).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, {
    "enc/0/w": [20, 12],
    "enc/0/b": [12],
    "dec/0/w": [6, 20],
    "dec/0/b": [20],
    "dec/logstd": [20],
  });
  assert.deepEqual(m.groups, [
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  m.dispose();
  const conv = pdisVaePreset("pdsprites-conv", "pdisvae", 805);
  assert.equal(conv.net.kind, "conv-vae");
  assert.deepEqual(conv.groupSizes, [2, 2]);
  assert.throws(() => pdisVaeConfig({ method: "pdisvae", net: linearNet(20, 6), datasetSize: 10 }), /give groups/);
  assert.throws(
    () => pdisVaeConfig({ method: "pdisvae", net: linearNet(20, 6), datasetSize: 10, groups: 4 }),
    /must divide K = 6/,
  );
  assert.throws(
    () => pdisVaeConfig({ method: "pdisvae", net: linearNet(20, 6), datasetSize: 10, groupSizes: [2, 3] }),
    /sum to 5/,
  );
  assert.throws(
    () => pdisVaeConfig({ method: "nope" as PdisVaeMethod, net: linearNet(20, 6), datasetSize: 10, groups: 3 }),
    /method must be one of/,
  );
  assert.throws(
    () => pdisVaeConfig({ method: "pdisvae", net: linearNet(20, 6), datasetSize: 1, groups: 3 }),
    /datasetSize/,
  );
  assert.throws(
    () => pdisVaeConfig({ method: "pdisvae", net: linearNet(20, 6), datasetSize: 10, groups: 3, beta: -1 }),
    /beta/,
  );
  assert.throws(
    () => pdisVaeConfig({ method: "isa-vae", net: linearNet(20, 6), datasetSize: 10, groups: 3, isa: { outerP: 0 } }),
    /isa.outerP/,
  );

  // the controller: loss = mean(D) + mean(R) + β·mean(term)
  const rec: RateDistortion = tf.tidy(() => {
    const distortion = tf.tensor1d([1, 3]),
      rate = tf.tensor1d([0.5, 0.5]);
    return {
      distortion,
      rate,
      elbo: tf.neg(tf.add(distortion, rate)),
      terms: { pc: tf.tensor1d([0.2, 0.4]), tc: tf.tensor1d([1, 1]) },
    } as unknown as tf.TensorContainer;
  }) as unknown as RateDistortion;
  const val = async (t: tf.Scalar) => {
    const v = (await t.data())[0];
    t.dispose();
    return v;
  };
  assert.ok(
    Math.abs((await val(withTermPenalties(fixedBeta(1), { pc: 4 }).loss(rec, 0))) - (2 + 0.5 + 4 * 0.3)) < 1e-6,
  );
  assert.ok(
    Math.abs((await val(withTermPenalties(fixedBeta(2), { pc: 4, tc: 1 }).loss(rec, 0))) - (2 + 1 + 1.2 + 1)) < 1e-6,
  );
  assert.equal(await val(withTermPenalties(fixedBeta(1)).loss(rec, 0)), await val(fixedBeta(1).loss(rec, 0)));
  assert.deepEqual(withTermPenalties(fixedBeta(1), { pc: 4 }).state(), { beta: 1, weight_pc: 4 });
  assert.throws(() => withTermPenalties(fixedBeta(1), { mi: 1 }).loss(rec, 0), /no term "mi" \(has: pc, tc\)/);
  assert.throws(() => withTermPenalties(fixedBeta(1), { pc: -1 }), /finite number ≥ 0/);
  disposeRecord(rec);
  for (const method of PDISVAE_METHODS) {
    const mm = createPdisVae(tinyConfig(method), new Rng(1));
    assert.equal(mm.penaltyTerm, method === "pdisvae" ? "pc" : method === "beta-tcvae" ? "tc" : null);
    mm.dispose();
  }
});

test("batches: named {x}, shape errors, batch larger than N, a batch of 1 with IS; monitor off computes only the penalised term", () => {
  const m = createPdisVae(tinyConfig("pdisvae"), new Rng(1));
  const ctx = { step: 0, epoch: 0, rng: new Rng(2) };
  tf.tidy(() => {
    const rec = m.step({ x: tf.zeros([3, D0]) }, ctx);
    assert.deepEqual(rec.distortion.shape, [3]);
    assert.deepEqual(Object.keys(rec.terms).sort(), ["pc", "tc"]);
  });
  assert.throws(
    () =>
      tf.tidy(() => {
        m.step({ y: tf.zeros([3, D0]) }, ctx);
      }),
    /needs an "x" tensor \(has: y\)/,
  );
  assert.throws(
    () =>
      tf.tidy(() => {
        m.step(tf.zeros([N0 + 1, D0]), ctx);
      }),
    /exceeds datasetSize N = 40/,
  );
  assert.throws(
    () =>
      tf.tidy(() => {
        m.step(tf.zeros([1, D0]), ctx);
      }),
    /needs batches of ≥ 2/,
  );
  assert.throws(
    () =>
      tf.tidy(() => {
        m.record(tf.zeros([3, D0]), tf.zeros([3, 2]));
      }),
    /eps must have shape \[3, 4\]/,
  );
  m.dispose();
  const quiet = createPdisVae(tinyConfig("pdisvae", { monitor: false }), new Rng(1));
  tf.tidy(() => assert.deepEqual(Object.keys(quiet.step(tf.zeros([3, D0]), ctx).terms), ["pc"]));
  quiet.dispose();
  const vae = createPdisVae(tinyConfig("vae", { monitor: false }), new Rng(1));
  tf.tidy(() =>
    assert.deepEqual(
      Object.keys(vae.step(tf.zeros([1, D0]), ctx).terms),
      [],
      "the VAE without monitoring needs no estimator (a batch of 1 is fine)",
    ),
  );
  vae.dispose();
});

test("datasetCorrelation equals partialCorrelation over the whole set as one batch; evaluate, encodeData, reconstruct, traverse", async () => {
  const rng = new Rng("eval");
  const m = createPdisVae(tinyConfig("pdisvae", { groupSizes: [1, 3] }), rng.fork("init"));
  perturb(m, rng.fork("perturb"), 0.5);
  const n = 23;
  const xv = Float32Array.from(randomMatrix(rng, n, D0, 1.5).flat());
  const data = { values: xv, shape: [n, D0] };
  const before = tf.memory().numTensors;
  for (const sample of [true, false]) {
    const got = await m.datasetCorrelation(data, { sample, chunk: 5, rng: 9 });
    // the same z as datasetCorrelation draws: one normalTensor [n, K] from Rng(9)
    const x = tf.tensor2d(xv, [n, D0]);
    const [pcRef, tcRef] = tf.tidy(() => {
      const { mean, logVar } = m.encode(x);
      const z = sample ? tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), new Rng(9).normalTensor([n, K0]))) : mean;
      const logQ = pairwiseLogNormal(z, mean, logVar);
      return [
        tf.mean(partialCorrelation(logQ, m.groups, "IS", n)),
        tf.mean(partialCorrelation(logQ, [[0], [1], [2], [3]], "IS", n)),
      ];
    });
    const [a, b] = [(await pcRef.data())[0], (await tcRef.data())[0]];
    assert.ok(Math.abs(got.pc - a) < 1e-4 * Math.max(1, Math.abs(a)), `PC (sample=${sample}): ${got.pc} vs ${a}`);
    assert.ok(Math.abs(got.tc - b) < 1e-4 * Math.max(1, Math.abs(b)), `TC (sample=${sample}): ${got.tc} vs ${b}`);
    assert.ok(Math.abs(got.pc) > 0.01, "non-trivial PC");
    assert.equal(got.pcPerExample.length, n);
    tf.dispose([x, pcRef, tcRef]);
  }
  const [c1, c2, c3] = [
    await m.datasetCorrelation(data, { rng: 3 }),
    await m.datasetCorrelation(data, { rng: 3 }),
    await m.datasetCorrelation(data, { rng: 3, chunk: 7 }),
  ];
  assert.deepEqual(c1, c2, "deterministic for a given rng");
  // the minibatch IS version: with one batch of all rows it is the whole-set aggregate; with M = 8, 16 of 23 rows
  const whole = await m.datasetCorrelation(data, { rng: 3, batch: n });
  assert.ok(
    Math.abs(whole.pc - c1.pc) < 1e-4 * Math.max(1, Math.abs(c1.pc)) &&
      Math.abs(whole.tc - c1.tc) < 1e-4 * Math.max(1, Math.abs(c1.tc)),
    `batch = N: ${whole.pc} vs ${c1.pc}`,
  );
  const part = await m.datasetCorrelation(data, { rng: 3, batch: 8 });
  assert.equal(part.n, 16);
  assert.equal(Array.from(part.pcPerExample).filter(Number.isNaN).length, 7);
  assert.ok(Number.isFinite(part.pc) && Number.isFinite(part.tc));
  await assert.rejects(m.datasetCorrelation(data, { batch: 1 }), /batch must be in 2…23/);
  assert.ok(
    Math.abs(c1.pc - c3.pc) < 1e-6 * Math.max(1, Math.abs(c1.pc)) &&
      Math.abs(c1.tc - c3.tc) < 1e-6 * Math.max(1, Math.abs(c1.tc)),
    "independent of the chunk size",
  );

  const ev = await m.evaluate(data, { batchSize: 7 });
  const ev2 = await m.evaluate(data, { batchSize: 50 });
  assert.equal(ev.n, n);
  assert.ok(Math.abs(ev.elbo + ev.distortion + ev.rate) < 1e-9);
  assert.ok(Math.abs(ev.rate - ev2.rate) < 1e-4 * Math.abs(ev.rate), "closed-form rate does not depend on batching");

  const enc = await m.encodeData(data, { batchSize: 4 });
  assert.deepEqual(enc.mean.shape, [n, K0]);
  const rec = await m.reconstruct(data, { batchSize: 6 });
  assert.deepEqual(rec.shape, [n, D0]);
  const direct = tf.tidy(() => m.decode(tf.tensor2d(enc.mean.values, [n, K0])));
  const dv = await direct.data();
  direct.dispose();
  rec.values.forEach((v, i) => assert.ok(Math.abs(v - dv[i]) < 1e-5));

  const t1 = await m.traverse({ dim: 2, values: [-2, 0, 2] });
  assert.deepEqual(t1.z.shape, [3, K0]);
  assert.deepEqual(Array.from(t1.z.values), [0, 0, -2, 0, 0, 0, 0, 0, 0, 0, 2, 0]);
  assert.deepEqual(t1.x.shape, [3, D0]);
  const t2 = await m.traverse({ group: 1, values: [-1, 1] }); // group 1 = dims 1, 2, 3: a 2×2×2 grid
  assert.deepEqual(t2.z.shape, [8, K0]);
  assert.deepEqual(Array.from(t2.z.values.slice(0, 8)), [0, -1, -1, -1, 0, -1, -1, 1]);
  assert.deepEqual(Array.from(t2.z.values.slice(28)), [0, 1, 1, 1]);
  const zero = tf.tidy(() => m.decode(tf.zeros([1, K0])));
  const zv = await zero.data();
  zero.dispose();
  t1.x.values
    .slice(D0, 2 * D0)
    .forEach((v, i) => assert.ok(Math.abs(v - zv[i]) < 1e-6, "the middle of the traversal decodes z = 0"));
  await assert.rejects(m.traverse({ values: [1] }), /exactly one of dim or group/);
  await assert.rejects(m.traverse({ group: 5, values: [1] }), /group 5 does not exist/);
  assert.equal(tf.memory().numTensors, before, "evaluation helpers leave no tensors behind");
  m.dispose();
});

test("training: deterministic given the seeds, flat tensor count (validation hook included)", async () => {
  const rng = new Rng("det");
  const x = { values: Float32Array.from(randomMatrix(rng, 40, D0, 1.5).flat()), shape: [40, D0] };
  const run = async () => {
    const m = createPdisVae(tinyConfig("pdisvae", { datasetSize: 40 }), new Rng("init"));
    const counts: number[] = [];
    const res = await train(m, {
      data: x,
      batchSize: 8,
      steps: 25,
      rng: 5,
      progress: "none",
      controller: m.controller(),
      learningRate: 1e-2,
      validate: { every: 5, fn: async () => ({ pc: (await m.datasetCorrelation(x)).pc }) },
      onStep: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    const params = await paramsOf(m);
    res.optimizer.dispose();
    m.dispose();
    return { history: res.history.map(({ ms, ...r }) => r), params, counts };
  };
  const a = await run(),
    b = await run();
  assert.deepEqual(a.history, b.history, "same history");
  assert.deepEqual(a.params, b.params, "same parameters");
  assert.ok(
    a.history.every((r) => Number.isFinite(r.term_pc) && Number.isFinite(r.term_tc)),
    "pc and tc are logged every step",
  );
  assert.equal(a.counts[1], a.counts[24], `numTensors after step 2: ${a.counts[1]}, after step 25: ${a.counts[24]}`);
});

test("a short run of PDisVAE on the group-wise synthetic set lowers the loss and the test-set PC", async () => {
  const d = groupwiseSynthetic();
  const tr = takeRows(d.x, d.split.train),
    te = takeRows(d.x, d.split.test);
  const m = createPdisVae(pdisVaePreset("groupwise-linear", "pdisvae", tr.shape[0]), new Rng(1));
  const pc0 = await m.datasetCorrelation(te);
  const steps = 250;
  const res = await train(m, {
    data: tr,
    batchSize: 128,
    steps,
    rng: 2,
    progress: "none",
    controller: m.controller(),
    learningRate: 5e-3,
    dropRemainder: true,
  });
  const pc1 = await m.datasetCorrelation(te);
  const mean = (rows: typeof res.history, k: string) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
  const l0 = mean(res.history.slice(0, 10), "loss"),
    l1 = mean(res.history.slice(-10), "loss");
  console.log(
    `# pdisvae groupwise: loss ${l0.toFixed(2)} → ${l1.toFixed(2)}, test PC ${pc0.pc.toFixed(3)} → ${pc1.pc.toFixed(3)}, ${(res.elapsedMs / steps).toFixed(1)} ms/step`,
  );
  assert.ok(l1 < 0.5 * l0, `loss ${l0} → ${l1}`);
  assert.ok(pc1.pc < 0.5 * pc0.pc, `test PC ${pc0.pc} → ${pc1.pc}`);
  res.optimizer.dispose();
  m.dispose();
});
