import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scoped } from "../helpers/read";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import {
  RateController,
  adaptiveRate,
  controllerFor,
  fixedBeta,
  freeBits,
  perTermRates,
  rateDistortion,
  ratePenalty,
  summarize,
  warmupWeight,
  withWarmup,
} from "../../lib/objectives";

before(async () => {
  await initEngine({ quiet: true });
});

const close = (a: number, b: number, tol = 1e-5) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const num = async (t: tf.Tensor) => {
  const v = (await t.data())[0];
  t.dispose();
  return v;
};

test("rateDistortion fills rate from ratePerDim or terms, elbo = −(D + R), and checks shapes", async () => {
  const r = tf.tidy(() => {
    const rec = rateDistortion({
      distortion: tf.tensor1d([1, 2]),
      ratePerDim: tf.tensor2d([
        [0.5, 1],
        [2, 3],
      ]),
      terms: { z: tf.tensor1d([1.5, 5]) },
    });
    return rec as unknown as Record<string, tf.Tensor>;
  }) as unknown as ReturnType<typeof rateDistortion>;
  assert.deepEqual(Array.from(await r.rate.data()), [1.5, 5]);
  assert.deepEqual(Array.from(await r.elbo.data()), [-2.5, -7]);
  const s = await summarize(r);
  assert.deepEqual(s, { distortion: 1.5, rate: 3.25, elbo: -4.75, terms: { z: 3.25 }, ratePerDim: [1.25, 2] });
  await scoped(async () => {
    const t = rateDistortion({
      distortion: tf.tensor1d([1, 2]),
      terms: { a: tf.tensor1d([1, 1]), b: tf.tensor1d([2, 3]) },
    });
    assert.deepEqual(Array.from(await t.rate.data()), [3, 4]);
    assert.throws(
      () => rateDistortion({ distortion: tf.tensor1d([1, 2]), rate: tf.tensor1d([1, 2, 3]) }),
      /rate must have shape \[2\]/,
    );
    assert.throws(
      () => rateDistortion({ distortion: tf.tensor2d([[1]]), rate: tf.tensor1d([1]) }),
      /distortion must have shape \[B\]/,
    );
    assert.throws(() => rateDistortion({ distortion: tf.tensor1d([1]) }), /give rate, ratePerDim or terms/);
  });
});

function record(D: number[], perDim: number[][], terms?: Record<string, number[]>) {
  return rateDistortion({
    distortion: tf.tensor1d(D),
    ratePerDim: tf.tensor2d(perDim),
    terms: Object.fromEntries(Object.entries(terms ?? {}).map(([k, v]) => [k, tf.tensor1d(v)])),
  });
}

test("fixed β: loss = mean D + β mean R", async () => {
  await scoped(async () => {
    const rec = record(
      [1, 2, 3],
      [
        [0.5, 0],
        [1, 0],
        [1, 0.5],
      ],
    ); // R = [0.5, 1, 1.5]
    close(await num(fixedBeta(2).loss(rec, 0)), 2 + 2 * 1);
    close(await num(fixedBeta().loss(rec, 0)), 3); // β = 1: negative ELBO
    close(await num(fixedBeta(0.25).penalty(rec, 7)), 0.25);
    assert.deepEqual(fixedBeta(2).state(), { beta: 2 });
  });
});

test("free bits: hand values for per-dimension, total and per-term thresholds", async () => {
  await scoped(async () => {
    // per-dim batch means: [0.2, 3]; R = [2.1, 4.3], mean 3.2
    const rec = record(
      [1, 3],
      [
        [0.1, 2],
        [0.3, 4],
      ],
      { z: [0.1, 0.3], m: [2, 4] },
    );
    close(await num(freeBits({ lambda: 0.5, over: "dims" }).loss(rec, 0)), 2 + (0.5 + 3));
    close(await num(freeBits({ lambda: 0.5, over: "dims", beta: 2 }).loss(rec, 0)), 2 + 2 * (0.5 + 3));
    close(await num(freeBits({ lambda: 4, over: "total" }).loss(rec, 0)), 2 + 4);
    close(await num(freeBits({ lambda: 1, over: "total" }).loss(rec, 0)), 2 + 3.2);
    // Eq. 37 style: λ_z = 1 on term z (mean 0.2 → 1), λ_m = 1 on m (mean 3 → 3), remainder R − z − m = 0
    close(await num(freeBits({ over: { terms: { z: 1, m: 1 } } }).loss(rec, 0)), 2 + 1 + 3);
    // only z thresholded: remainder is the m part, unthresholded
    close(await num(freeBits({ over: { terms: { z: 1 } } }).loss(rec, 0)), 2 + 1 + 3);
    close(await num(ratePenalty(rec)), 3.2);
    assert.throws(() => freeBits({ over: { terms: { q: 1 } } }).loss(rec, 0), /no rate term "q"/);
  });
});

test("free bits give zero gradient to dimensions whose batch-mean rate is below λ", async () => {
  const perDim = tf.tensor2d([
    [0.1, 2, 0.4],
    [0.3, 4, 0.8],
  ]); // means [0.2, 3, 0.6]
  const D = tf.tensor1d([1, 3]);
  const ctl = freeBits({ lambda: 0.5, over: "dims" });
  const g = tf.grad((r: tf.Tensor) => ctl.loss(rateDistortion({ distortion: D, ratePerDim: r }), 0))(perDim);
  const gv = (await g.array()) as number[][];
  // d/dr_{b,k} of Σ_k max(λ, mean_b r_{b,k}) = 1/B above λ, 0 below
  assert.deepEqual(gv, [
    [0, 0.5, 0.5],
    [0, 0.5, 0.5],
  ]);
  // on the total: below λ no gradient at all
  const gTot = tf.grad((r: tf.Tensor) =>
    freeBits({ lambda: 10, over: "total" }).loss(rateDistortion({ distortion: D, ratePerDim: r }), 0),
  )(perDim);
  assert.deepEqual(await gTot.array(), [
    [0, 0, 0],
    [0, 0, 0],
  ]);
  // without free bits every dimension gets 1/B
  const gPlain = tf.grad((r: tf.Tensor) => fixedBeta(1).loss(rateDistortion({ distortion: D, ratePerDim: r }), 0))(
    perDim,
  );
  assert.deepEqual(await gPlain.array(), [
    [0.5, 0.5, 0.5],
    [0.5, 0.5, 0.5],
  ]);
  tf.dispose([perDim, D, g, gTot, gPlain]);
});

test("adaptive β follows the Dieleman et al. update: ×(1+δ) above the band, ÷(1+δ) below, unchanged inside", async () => {
  const ctl = adaptiveRate({ target: 2, initial: 1, delta: 0.1, tolerance: 0.05 });
  const st = (rate: number) => ({ loss: 0, distortion: 0, rate, elbo: 0, terms: { z: rate / 2 } });
  ctl.update(st(3), 0);
  close(ctl.state().beta as number, 1.1);
  ctl.update(st(2.08), 1); // inside [1.9, 2.1]
  close(ctl.state().beta as number, 1.1);
  ctl.update(st(1), 2);
  close(ctl.state().beta as number, 1);
  ctl.update(st(1), 3);
  close(ctl.state().beta as number, 1 / 1.1);
  await scoped(async () => {
    const rec = record(
      [1, 3],
      [
        [1, 0],
        [3, 0],
      ],
    );
    close(await num(ctl.loss(rec, 4)), 2 + (1 / 1.1) * 2);
  });
  // checkpoint round trip of the state
  const other = adaptiveRate({ target: 2, initial: 1, delta: 0.1 });
  other.load(ctl.state());
  close(other.state().beta as number, 1 / 1.1);
  // measuring a term instead of the total
  const onTerm = adaptiveRate({ target: 2, initial: 1, delta: 0.1, term: "z" });
  onTerm.update(st(3), 0); // z = 1.5 < target → decrease
  close(onTerm.state().beta as number, 1 / 1.1);
  assert.throws(() => adaptiveRate({ target: 1, term: "q" }).update(st(1), 0), /no rate term "q"/);
  // clamps
  const clamped = adaptiveRate({ target: 1, initial: 1, delta: 1, maxBeta: 3 });
  for (let i = 0; i < 5; i++) clamped.update(st(10), i);
  assert.equal(clamped.state().beta, 3);
});

/**
 * Toy: a linear Gaussian VAE on x ~ N(0, 4) with closed-form expectations (no sampling noise).
 * q(z|x) = N(a x, σ²), p(z) = N(0, 1), p(x|z) = N(c z, σx²) with σx = 0.5:
 *   R(x) = ½(a²x² + σ² − 1 − log σ²),  D(x) = ½ log(2πσx²) + ((x − c a x)² + c²σ²)/(2σx²).
 * At β = 1 the optimum rate is ≈ ½ log(var x / σx²) = ½ log 16 ≈ 1.39 nats; targets on both sides
 * require the controller to push β up or down.
 */
async function trainToy(ctl: RateController, steps: number): Promise<{ rates: number[]; betas: number[] }> {
  const rng = new Rng(11);
  const x = tf.tensor1d(Array.from({ length: 256 }, () => 2 * rng.normal()));
  const a = tf.variable(tf.scalar(0.1)),
    s = tf.variable(tf.scalar(0)),
    c = tf.variable(tf.scalar(0.1));
  const sx2 = 0.25;
  const opt = tf.train.adam(0.05);
  const rates: number[] = [],
    betas: number[] = [];
  for (let t = 0; t < steps; t++) {
    let stats: tf.Tensor | null = null;
    opt.minimize(
      () => {
        const sig2 = tf.exp(tf.mul(2, s));
        const mu = tf.mul(a, x);
        const rate = tf.mul(0.5, tf.sub(tf.add(tf.square(mu), sig2), tf.add(1, tf.mul(2, s)))) as tf.Tensor1D;
        const resid = tf.sub(x, tf.mul(c, mu));
        const dist = tf.add(
          0.5 * Math.log(2 * Math.PI * sx2),
          tf.div(tf.add(tf.square(resid), tf.mul(tf.square(c), sig2)), 2 * sx2),
        ) as tf.Tensor1D;
        const rec = rateDistortion({ distortion: dist, rate });
        const loss = ctl.loss(rec, t);
        stats = tf.keep(tf.stack([loss, tf.mean(rec.distortion), tf.mean(rec.rate)]));
        return loss;
      },
      false,
      [a, s, c],
    );
    const v = await (stats as unknown as tf.Tensor).data();
    (stats as unknown as tf.Tensor).dispose();
    ctl.update({ loss: v[0], distortion: v[1], rate: v[2], elbo: -v[1] - v[2], terms: {} }, t);
    rates.push(v[2]);
    betas.push(ctl.state().beta as number);
  }
  tf.dispose([x, a, s, c]);
  opt.dispose();
  return { rates, betas };
}

const mean = (xs: number[]) => xs.reduce((p, q) => p + q, 0) / xs.length;

test("the adaptive controller drives a toy VAE's rate to the target (above and below the β = 1 rate)", async () => {
  const free = await trainToy(fixedBeta(1), 1500);
  const r1 = mean(free.rates.slice(-100));
  assert.ok(Math.abs(r1 - 0.5 * Math.log(16)) < 0.1, `β = 1 rate ${r1} should be near ½ log 16`);
  for (const target of [0.5, 3]) {
    const run = await trainToy(adaptiveRate({ target, initial: 0.1, delta: 0.02, tolerance: 0.01 }), 1500);
    const r = mean(run.rates.slice(-100));
    assert.ok(Math.abs(r - target) < 0.05 * target, `target ${target}: final rate ${r}`);
    assert.ok(
      Math.abs(r1 - target) > 0.3,
      "the target differs from what β = 1 gives, so the controller had work to do",
    );
    const beta = run.betas[run.betas.length - 1];
    assert.ok(target < r1 ? beta > 1 : beta < 1, `β ${beta} moved to the side the target needs`);
  }
});

test("sigmoid warm-up: 0 at the start, ½ at the midpoint, 1 from the end on; hand values in between", () => {
  const w = { steps: 1000 };
  assert.equal(warmupWeight(0, w), 0);
  close(warmupWeight(500, w), 0.5, 1e-12);
  assert.equal(warmupWeight(1000, w), 1);
  assert.equal(warmupWeight(5000, w), 1);
  close(warmupWeight(250, w), 0.07010371654510814, 1e-12);
  close(warmupWeight(100, w), 0.011446579538697647, 1e-12);
  close(warmupWeight(750, w), 0.9298962834548918, 1e-12);
  close(warmupWeight(300, { steps: 1000, shape: "linear" }), 0.3, 1e-12);
  for (let t = 1; t <= 1000; t++) assert.ok(warmupWeight(t, w) >= warmupWeight(t - 1, w), "monotone");
});

test("warm-up composes with other controllers: loss = mean D + w(step)·(inner penalty)", async () => {
  await scoped(async () => {
    const rec = record(
      [1, 3],
      [
        [0.1, 2],
        [0.3, 4],
      ],
    ); // mean D 2, mean R 3.2, per-dim means [0.2, 3]
    const ctl = withWarmup(fixedBeta(2), { steps: 100 });
    close(await num(ctl.loss(rec, 0)), 2);
    close(await num(ctl.loss(rec, 50)), 2 + 0.5 * 2 * 3.2);
    close(await num(ctl.loss(rec, 100)), 2 + 2 * 3.2);
    const fb = withWarmup(freeBits({ lambda: 0.5, over: "dims" }), { steps: 100 });
    close(await num(fb.loss(rec, 50)), 2 + 0.5 * 3.5);
    const ad = withWarmup(adaptiveRate({ target: 1, initial: 1, delta: 0.5 }), { steps: 100 });
    ad.update({ loss: 0, distortion: 0, rate: 5, elbo: 0, terms: {} }, 50);
    const st = ad.state();
    close(st.beta as number, 1.5);
    close(st.warmup as number, 0.5, 1e-12);
    close(await num(ad.loss(rec, 50)), 2 + 0.5 * 1.5 * 3.2);
    const re = withWarmup(adaptiveRate({ target: 1, initial: 1, delta: 0.5 }), { steps: 100 });
    re.load(st);
    assert.deepEqual(re.state(), st);
  });
});

test("perTermRates (VI-EMD Eq. 37): β and free bits per term on per-element rates, remainder unweighted", async () => {
  const zEl = tf.tensor2d([
      [0.1, 0.5, 1.0],
      [0.1, 0.3, 2.0],
    ]),
    mEl = tf.tensor2d([
      [0.2, 0.4],
      [0.6, 0.8],
    ]);
  const make = (z: tf.Tensor, m: tf.Tensor) =>
    rateDistortion({
      distortion: tf.tensor1d([3, 5]),
      rate: tf.add(tf.add(tf.sum(z, 1), tf.sum(m, 1)), tf.tensor1d([0.5, 1.5])),
      terms: { z: tf.sum(z, 1), mask: tf.sum(m, 1) },
      termElements: { z, mask: m },
    });
  const ctl = perTermRates({ z: { beta: 0.5, freeBits: 0.2 }, mask: { beta: 2 } });
  // z element means 0.1, 0.4, 1.5 → max(0.2, ·) = 0.2, 0.4, 1.5; mask mean total (0.6 + 1.4)/2 = 1; remainder mean 1
  const want = 0.5 * (0.2 + 0.4 + 1.5) + 2 * 1 + 1;
  assert.ok(Math.abs((await ctl.penalty(make(zEl, mEl), 0).data())[0] - want) < 1e-5);
  assert.ok(Math.abs((await ctl.loss(make(zEl, mEl), 0).data())[0] - (4 + want)) < 1e-5);
  // no gradient for an element below its free bits; β/B otherwise
  const g = (await tf
    .grad((z: tf.Tensor) => ctl.penalty(make(z, mEl), 0))(zEl)
    .array()) as number[][];
  assert.deepEqual(
    g.map((r) => r.map((v) => Math.round(v * 1e6) / 1e6)),
    [
      [0, 0.25, 0.25],
      [0, 0.25, 0.25],
    ],
  );
  assert.throws(
    () =>
      perTermRates({ z: { freeBits: 0.1 } }).penalty(
        rateDistortion({ distortion: tf.tensor1d([1]), terms: { z: tf.tensor1d([1]) } }),
        0,
      ),
    /need the record's per-element rates termElements\.z/,
  );
  assert.throws(() => perTermRates({ w: {} }).penalty(make(zEl, mEl), 0), /no rate term "w"/);
  assert.throws(() => perTermRates({ z: { beta: -1 } }), /beta of "z" must be ≥ 0/);
});

test("controllerFor: each objective's controller; a target rate's unset fields from the defaults, else adaptiveRate's", () => {
  assert.equal(controllerFor({ kind: "elbo" }).name, "beta=1");
  assert.equal(controllerFor({ kind: "si-sdr" }).name, "beta=1");
  assert.equal(controllerFor({ kind: "blr" }).name, "beta=1");
  assert.equal(controllerFor({ kind: "beta", beta: 4 }).name, "beta=4");
  assert.deepEqual(controllerFor({ kind: "per-term", z: { beta: 2 }, mask: { freeBits: 0.5 } }).state(), {
    beta_z: 2,
    freeBits_z: 0,
    beta_mask: 1,
    freeBits_mask: 0.5,
  });
  const stepAbove = (c: RateController) => {
    c.update({ loss: 0, distortion: 0, rate: 2.03, elbo: 0, terms: {} }, 0);
    return c.state().beta as number;
  };
  // no defaults: adaptiveRate's (β₀ 1e-6, δ 0.01, ±1 % band: 2.03 is above a target of 2)
  close(stepAbove(controllerFor({ kind: "target-rate", target: 2 })), 1e-6 * 1.01, 1e-12);
  const defaults = { initial: 1, delta: 0.1, tolerance: 0.05 };
  assert.equal(
    stepAbove(controllerFor({ kind: "target-rate", target: 2 }, defaults)),
    1,
    "inside the defaults' ±5 % band",
  );
  // the objective's own fields win over the defaults, and the objective is left as given
  const o = { kind: "target-rate" as const, target: 2, initialBeta: 3, tolerance: 0.01 };
  close(stepAbove(controllerFor(o, defaults)), 3 * 1.1, 1e-12);
  assert.deepEqual(o, { kind: "target-rate", target: 2, initialBeta: 3, tolerance: 0.01 });
});
