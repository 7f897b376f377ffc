// The CD-VAE (lib/models/cd-vae): the ELBO's parts against independent computations — the Gaussian and
// Bernoulli distortions against lib/prob log-densities, the initial rate against the closed-form KL, each
// level's path rate against ½(a/σ)²·r²·k for constant drifts set through the networks' biases; the
// composition of the bound for the CD-VAE and the ODE-like variant (whose loss ignores the path rate);
// gradients against central finite differences; evaluation at step sizes that do not divide a level;
// a short training run lowers the loss; bad configs and inputs are named.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scalarOf, scoped } from "../helpers/read";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { CdVae, CdVaeConfig, cdVaeConfig, createCdVae, levelResolutions } from "../../lib/models/cd-vae";
import { Normal } from "../../lib/prob/normal";
import { Bernoulli } from "../../lib/prob/bernoulli";
import { rateDistortion } from "../../lib/objectives/rate-distortion";
import { train } from "../../lib/train/loop";

const ready = initEngine();
const small = (o: Partial<CdVaeConfig> = {}) =>
  cdVaeConfig({
    imageSize: 8,
    likelihood: "gaussian",
    buChannels: 6,
    driftChannels: 6,
    decoderChannels: 6,
    decoderBlocks: 2,
    latentChannels: 2,
    ...o,
  });
const images = (n: number, seed: string, binary = false) =>
  tf.tidy(() => {
    const u = new Rng(seed).uniformTensor([n, 8, 8, 1]);
    return binary ? tf.cast(tf.greater(u, 0.5), "float32") : tf.mul(u, 0.1);
  });
const num = async (t: tf.Tensor) => Array.from(await t.data());

test("cdVaeConfig: resolutions and named errors", async () => {
  assert.deepEqual(levelResolutions(cdVaeConfig({ imageSize: 16, likelihood: "gaussian" })), [1, 2, 4]);
  assert.deepEqual(
    levelResolutions(cdVaeConfig({ imageSize: 32, likelihood: "bernoulli", topResolution: 2 })),
    [2, 4, 8],
  );
  assert.throws(
    () => cdVaeConfig({ imageSize: 12, likelihood: "gaussian" }),
    /imageSize 12 must be the last latent resolution 4/,
  );
  assert.throws(() => cdVaeConfig({ imageSize: 16, likelihood: "poisson" as never }), /likelihood must be/);
  assert.throws(
    () => cdVaeConfig({ imageSize: 16, likelihood: "gaussian", trainStep: 0 }),
    /trainStep must be in \(0, 1\]/,
  );
  assert.throws(
    () => cdVaeConfig({ imageSize: 16, likelihood: "gaussian", variant: "sde" as never }),
    /variant must be/,
  );
  await ready;
  const m = createCdVae(small(), new Rng(1));
  assert.throws(
    () =>
      tf.tidy(() => {
        m.forward(tf.zeros([2, 16, 16, 1]), new Rng(0));
      }),
    /images must have shape \[B, 8, 8, 1\], got \[2,16,16,1\]/,
  );
  m.dispose();
});

test("at initialisation the rates are zero (zero-initialised heads) and the bound is −distortion", async () => {
  await ready;
  const m = createCdVae(small(), new Rng(2));
  const x = images(4, "x");
  const r = await scoped(async () => {
    const f = m.forward(x, new Rng(3));
    return {
      rate: await num(f.record.rate),
      init: await num(f.record.terms.initial),
      path: await num(f.record.terms.path2),
      elbo: await num(f.record.elbo),
      d: await num(f.record.distortion),
    };
  });
  r.rate.forEach((v) => assert.ok(Math.abs(v) < 1e-6));
  r.init.forEach((v) => assert.ok(Math.abs(v) < 1e-6));
  r.path.forEach((v) => assert.ok(Math.abs(v) < 1e-6));
  r.elbo.forEach((v, i) => assert.ok(Math.abs(v + r.d[i]) < 1e-3));
  x.dispose();
  m.dispose();
});

/** Set the bias of the last conv of each level's drifts and of the initial-value head. */
function setHeads(m: CdVae, o: { post?: number; prior?: number; mu?: number; logVar?: number }) {
  const k = m.config.latentChannels;
  m.resolutions.forEach((_, l) => {
    if (o.post !== undefined) m.variables[`td/${l}/post/3/b`].assign(tf.fill([k], o.post));
    if (o.prior !== undefined) m.variables[`td/${l}/prior/3/b`].assign(tf.fill([k], o.prior));
  });
  if (o.mu !== undefined || o.logVar !== undefined)
    m.variables["td/init/b"].assign(tf.concat([tf.fill([k], o.mu ?? 0), tf.fill([k], o.logVar ?? 0)]));
}

test("initial rate = closed-form KL; path rate per level = ½((a − b)/σ)²·r²·k for constant drifts", async () => {
  await ready;
  const m = createCdVae(small({ initialDiffusion: 0.7 }), new Rng(4));
  const mu = 0.3,
    lv = -0.5,
    a = 0.4,
    b = -0.2;
  setHeads(m, { post: a, prior: b, mu, logVar: lv });
  const x = images(3, "x2");
  const sig = await m.diffusions();
  for (const step of [0.1, 0.3]) {
    const out = await scoped(async () => {
      const f = m.forward(x, new Rng(5), { step });
      return {
        init: await num(f.record.terms.initial),
        paths: await Promise.all(m.resolutions.map((_, l) => num(f.record.terms[`path${l}`]))),
        rate: await num(f.record.rate),
      };
    });
    const k = m.config.latentChannels;
    const kl = k * 1 * 0.5 * (Math.exp(lv) + mu * mu - lv - 1); // top resolution 1×1
    out.init.forEach((v) => assert.ok(Math.abs(v - kl) < 1e-4, `initial rate ${v} vs ${kl}`));
    m.resolutions.forEach((r, l) => {
      const want = 0.5 * ((a - b) / sig[l]) ** 2 * r * r * k;
      out.paths[l].forEach((v) =>
        assert.ok(Math.abs(v - want) < 1e-3 * want, `level ${l} path rate ${v} vs ${want} (step ${step})`),
      );
    });
    const total = kl + m.resolutions.reduce((t, r, l) => t + 0.5 * ((a - b) / sig[l]) ** 2 * r * r * k, 0);
    out.rate.forEach((v) => assert.ok(Math.abs(v - total) < 1e-3 * total));
  }
  x.dispose();
  m.dispose();
});

test("distortion equals −log p(x | decoder) from lib/prob (Gaussian and Bernoulli)", async () => {
  await ready;
  for (const likelihood of ["gaussian", "bernoulli"] as const) {
    const m = createCdVae(small({ likelihood }), new Rng(6));
    setHeads(m, { post: 0.2, mu: 0.1 });
    const x = images(3, "x3", likelihood === "bernoulli");
    const [got, want] = await scoped(async () => {
      const f = m.forward(x, new Rng(7));
      const lp =
        likelihood === "gaussian"
          ? new Normal(f.mean, tf.exp(f.logScale!)).logProb(x)
          : new Bernoulli(f.logits!).logProb(x);
      return [await num(f.record.distortion), await num(tf.neg(tf.sum(lp, [1, 2, 3])))];
    });
    got.forEach((v, i) =>
      assert.ok(Math.abs(v - want[i]) < 1e-3 * Math.max(1, Math.abs(want[i])), `${likelihood}: ${v} vs ${want[i]}`),
    );
    x.dispose();
    m.dispose();
  }
  // with a cropped border only the central pixels count
  const m = createCdVae(small({ likelihood: "bernoulli", likelihoodCrop: 2 }), new Rng(6));
  const x = images(2, "x3c", true);
  const [got, want] = await scoped(async () => {
    const f = m.forward(x, new Rng(7));
    const lp = tf.slice(new Bernoulli(f.logits!).logProb(x), [0, 2, 2, 0], [2, 4, 4, 1]);
    return [await num(f.record.distortion), await num(tf.neg(tf.sum(lp, [1, 2, 3])))];
  });
  got.forEach((v, i) =>
    assert.ok(Math.abs(v - want[i]) < 1e-3 * Math.max(1, Math.abs(want[i])), `cropped: ${v} vs ${want[i]}`),
  );
  assert.throws(() => small({ likelihoodCrop: 4 }), /likelihoodCrop must be an integer in \[0, 3\]/);
  x.dispose();
  m.dispose();
});

test("ODE-like variant: the bound leaves out the path rate, and so does its training loss", async () => {
  await ready;
  const m = createCdVae(small({ variant: "ode-like" }), new Rng(8));
  setHeads(m, { post: 0.5, mu: 0.2 });
  const x = images(3, "x4");
  const r = await scoped(async () => {
    const f = m.forward(x, new Rng(9));
    return {
      rate: await num(f.record.rate),
      init: await num(f.record.terms.initial),
      path: await num(f.record.terms.path1),
    };
  });
  r.rate.forEach((v, i) => assert.ok(Math.abs(v - r.init[i]) < 1e-6));
  r.path.forEach((v) => assert.ok(v > 0.1, "path rates are still reported"));
  // the loss ignores path terms: a record with huge path terms has the same penalty
  const ctl = m.controller(),
    full = createCdVae(small(), new Rng(8)).controller();
  // records as each variant builds them: the ODE-like rate is the initial rate, the CD-VAE's includes the paths
  const rec = (p: number, ode: boolean) =>
    rateDistortion({
      distortion: tf.tensor1d([1, 1]),
      rate: tf.tensor1d(ode ? [3, 3] : [3 + p, 3 + p]),
      terms: {
        initial: tf.tensor1d([3, 3]),
        path0: tf.tensor1d([p, p]),
        path1: tf.tensor1d([0, 0]),
        path2: tf.tensor1d([0, 0]),
      },
    });
  const pen = (c: typeof ctl, p: number, ode: boolean, step = 5000) => scalarOf(() => c.penalty(rec(p, ode), step));
  assert.equal(await pen(ctl, 0, true), await pen(ctl, 100, true));
  assert.ok(
    (await pen(full, 100, false)) > (await pen(full, 0, false)) + 50,
    "the CD-VAE's loss does penalise path rates",
  );
  // free nats: a term below 1 nat costs 1; warm-up: no penalty at step 0
  assert.ok(Math.abs((await pen(full, 0, false)) - (3 + 1 + 1 + 1)) < 1e-6);
  assert.equal(await pen(full, 5, false, 0), 0);
  x.dispose();
  m.dispose();
});

test("gradient of the loss with respect to a level's diffusion matches central finite differences", async () => {
  await ready;
  const m = createCdVae(small(), new Rng(10));
  setHeads(m, { post: 0.3, prior: -0.1, mu: 0.2, logVar: -0.3 });
  const x = images(4, "x5");
  const v = m.variables["td/1/diffusion"];
  const f = () => tf.tidy(() => tf.neg(tf.mean(m.forward(x, new Rng(11)).record.elbo)) as tf.Scalar);
  const analytic = await scalarOf(
    () => tf.variableGrads(f, [v]).grads["td/1/diffusion"] ?? Object.values(tf.variableGrads(f, [v]).grads)[0],
  );
  const v0 = (await v.data())[0],
    eps = 1e-2;
  v.assign(tf.scalar(v0 + eps));
  const up = await scalarOf(f);
  v.assign(tf.scalar(v0 - eps));
  const down = await scalarOf(f);
  v.assign(tf.scalar(v0));
  const fd = (up - down) / (2 * eps);
  assert.ok(Math.abs(analytic - fd) < 0.03 * Math.max(1, Math.abs(fd)), `grad ${analytic} vs finite difference ${fd}`);
  x.dispose();
  m.dispose();
});

test(
  "evaluate: any step size or steps per level, averaged over samples; a short training run lowers the loss",
  { timeout: 120_000 },
  async () => {
    await ready;
    const m = createCdVae(small({ warmupSteps: 10 }), new Rng(12));
    const xs = images(64, "train");
    const data = { values: (await xs.data()) as Float32Array, shape: xs.shape };
    xs.dispose();
    const res = await train(m, {
      data,
      batchSize: 16,
      steps: 40,
      learningRate: 3e-3,
      controller: m.controller(),
      progress: "none",
      rng: 1,
    });
    const first = res.history.slice(0, 5).reduce((s, r) => s + Number(r.loss), 0) / 5;
    const last = res.history.slice(-5).reduce((s, r) => s + Number(r.loss), 0) / 5;
    assert.ok(last < first, `loss ${first} → ${last}`);
    for (const o of [
      { step: 0.3 },
      { step: 1 / 3 },
      { stepsPerLevel: 2 },
      { step: 0.05, method: "euler-maruyama" as const },
    ]) {
      const e = await m.evaluate(
        { values: data.values.slice(0, 20 * 64), shape: [20, 8, 8, 1] },
        { rng: new Rng("ev"), batchSize: 8, samples: 2, ...o },
      );
      assert.equal(e.n, 20);
      assert.equal(e.samples, 2);
      assert.ok(
        Number.isFinite(e.elbo) &&
          Math.abs(e.elbo + e.distortion + e.rate) < 1e-6 * Math.max(1, Math.abs(e.elbo)) + 1e-4,
      );
      assert.ok(Math.abs(e.rate - (e.initialRate + e.pathRate)) < 1e-4);
      assert.equal(e.pathRates.length, 3);
    }
    const samples = m.samplePrior(5, new Rng("s"), { step: 0.25 });
    assert.deepEqual(samples.shape, [5, 8, 8, 1]);
    samples.dispose();
    m.dispose();
  },
);

test("conditionLevels: levels below it lose the data; unconditioned 'prior' runs them on the prior drift (zero path rate)", async () => {
  await ready;
  const m = createCdVae(small({ initialDiffusion: 0.7 }), new Rng(14));
  const a = 0.4,
    b = -0.2;
  setHeads(m, { post: a, prior: b });
  const x = images(3, "x-cond");
  const sig = await m.diffusions(),
    k = m.config.latentChannels;
  const paths = (o: Record<string, unknown>) =>
    scoped(async () => {
      const f = m.forward(x, new Rng(15), o);
      return Promise.all(m.resolutions.map((_, l) => num(f.record.terms[`path${l}`])));
    });
  const want = (l: number) => 0.5 * ((a - b) / sig[l]) ** 2 * m.resolutions[l] ** 2 * k;
  // zero-context (default): constant heads ignore the context, so every level keeps its path rate
  (await paths({ conditionLevels: 1 })).forEach((p, l) =>
    p.forEach((v) => assert.ok(Math.abs(v - want(l)) < 1e-3 * want(l), `zero-context level ${l}: ${v} vs ${want(l)}`)),
  );
  // prior: level 0 keeps the posterior drift, levels 1 and 2 follow the prior (path rate 0)
  (await paths({ conditionLevels: 1, unconditioned: "prior" })).forEach((p, l) =>
    p.forEach((v) => {
      if (l === 0) assert.ok(Math.abs(v - want(0)) < 1e-3 * want(0), `level 0 path rate ${v} vs ${want(0)}`);
      else assert.ok(Math.abs(v) < 1e-6, `level ${l} path rate ${v} should be 0 on the prior drift`);
    }),
  );
  // the default conditions every level: unconditioned has no effect without conditionLevels
  const all = await paths({ unconditioned: "prior" });
  all.forEach((p, l) => p.forEach((v) => assert.ok(Math.abs(v - want(l)) < 1e-3 * want(l))));
  // the data matter only through the conditioned levels: with conditionLevels 0 and the prior drift, the
  // decoder output depends on x only through z₀ — equal z₀ heads give equal outputs for different images
  const means = await scalarOf(() => {
    const y = images(3, "x-other");
    const f1 = m.forward(x, new Rng(16), { conditionLevels: 0, unconditioned: "prior" });
    const f2 = m.forward(y, new Rng(16), { conditionLevels: 0, unconditioned: "prior" });
    return tf.max(tf.abs(tf.sub(f1.mean, f2.mean)));
  });
  assert.ok(
    means < 1e-5,
    `outputs differ by ${means} although the init head ignores x (zero-initialised) and no level sees the data`,
  );
  assert.throws(
    () =>
      tf.tidy(() => {
        m.forward(x, new Rng(1), { unconditioned: "bogus" as "prior" });
      }),
    /unconditioned must be/,
  );
  x.dispose();
  m.dispose();
});

test("record: drifts at the posterior states give the recorded rate densities, whose left-point sum is the path rate", async () => {
  await ready;
  const m = createCdVae(small({ initialDiffusion: 0.6 }), new Rng(21));
  // non-trivial drifts: random output biases on both drift networks
  const k = m.config.latentChannels;
  m.resolutions.forEach((_, l) => {
    m.variables[`td/${l}/post/3/b`].assign(new Rng(`pb${l}`).normalTensor([k]));
    m.variables[`td/${l}/prior/3/b`].assign(new Rng(`qb${l}`).normalTensor([k]));
  });
  const x = images(3, "x-rec");
  const sig = await m.diffusions();
  await scoped(async () => {
    const f = m.forward(x, new Rng(22), { step: 0.25, record: true });
    for (const [l, lv] of f.levels.entries()) {
      const K = lv.grid.length - 1;
      assert.equal(lv.states!.length, K + 1);
      assert.equal(lv.prior!.length, K + 1);
      assert.equal(lv.drifts!.posterior.length, K + 1);
      assert.equal(lv.rateDensity!.length, K);
      // both processes start from the same state
      assert.deepEqual(await num(lv.prior![0]), await num(lv.states![0]));
      let cum = [0, 0, 0];
      for (let i = 0; i < K; i++) {
        const u = tf.div(tf.sub(lv.drifts!.posterior[i], lv.drifts!.prior[i]), sig[l]);
        const dens = await num(tf.mul(tf.sum(tf.square(u), [1, 2, 3]), 0.5));
        const rec = await num(lv.rateDensity![i]);
        dens.forEach((v, b) =>
          assert.ok(Math.abs(v - rec[b]) < 1e-4 * Math.max(1, v), `level ${l} step ${i}: ${v} vs ${rec[b]}`),
        );
        cum = cum.map((c, b) => c + rec[b] * (lv.grid[i + 1] - lv.grid[i]));
      }
      const pr = await num(lv.pathRate);
      cum.forEach((c, b) =>
        assert.ok(Math.abs(c - pr[b]) < 1e-4 * Math.max(1, c), `level ${l}: Σ density·Δs ${c} vs path rate ${pr[b]}`),
      );
      // the posterior moves by its drift plus the shared noise: the two processes differ once the drifts do
      assert.ok((await num(tf.max(tf.abs(tf.sub(lv.states![K], lv.prior![K])))))[0] > 1e-3);
    }
  });
  // without record nothing extra is kept
  tf.tidy(() => {
    const f = m.forward(x, new Rng(22), { step: 0.25 });
    assert.equal(f.levels[0].drifts, undefined);
    assert.equal(f.levels[0].states, undefined);
  });
  x.dispose();
  m.dispose();
});

test("evaluateExamples: per-example −ELBO = distortion + initial rate (+ Σ path rates for the CD-VAE), paired across step sizes", async () => {
  await ready;
  for (const variant of ["cd-vae", "ode-like"] as const) {
    const m = createCdVae(small({ variant }), new Rng(31));
    setHeads(m, { post: 0.3, prior: -0.1, mu: 0.2, logVar: -0.3 });
    const xt = images(5, "x-ex");
    const x = { values: (await xt.data()) as Float32Array, shape: xt.shape };
    const e = await m.evaluateExamples(x, { rng: new Rng(32), batchSize: 2, samples: 3, step: 0.25 });
    assert.equal(e.negElbo.length, 5);
    assert.equal(e.pathRates.length, 3);
    for (let j = 0; j < 5; j++) {
      const paths = e.pathRates.reduce((t, p) => t + p[j], 0);
      const want = e.distortion[j] + e.initialRate[j] + (variant === "cd-vae" ? paths : 0);
      assert.ok(
        Math.abs(e.negElbo[j] - want) < 1e-3 * Math.max(1, Math.abs(want)),
        `${variant} example ${j}: ${e.negElbo[j]} vs ${want}`,
      );
      assert.ok(paths > 0, "constant different drifts give a positive path rate");
    }
    // the initial rate (closed form, before the SDE levels) does not depend on the step size
    const e2 = await m.evaluateExamples(x, { rng: new Rng(32), batchSize: 2, samples: 3, step: 0.1 });
    for (let j = 0; j < 5; j++) assert.ok(Math.abs(e2.initialRate[j] - e.initialRate[j]) < 1e-5);
    const mean = await m.evaluate(x, { rng: new Rng(32), batchSize: 2, samples: 3, step: 0.25 });
    assert.ok(Math.abs(-mean.elbo - e.negElbo.reduce((a, b) => a + b, 0) / 5) < 1e-6);
    await assert.rejects(m.evaluateExamples(x, { rng: new Rng(1), samples: 0 }), /samples must be a positive integer/);
    xt.dispose();
    m.dispose();
  }
});

test("pathResolution: one Brownian path shared across step sizes (zero drift: identical terminal states), else named errors", async () => {
  await ready;
  const m = createCdVae(small({ initialDiffusion: 0.8 }), new Rng(41)); // zero-initialised drift heads: dZ = σ dW
  const x = images(2, "x-path");
  const terminal = (o: { step: number; pathResolution?: number }) =>
    scoped(async () => {
      const f = m.forward(x, new Rng(42), { ...o, record: true });
      const lv = f.levels[f.levels.length - 1];
      return await num(lv.states![lv.states!.length - 1]);
    });
  const a = await terminal({ step: 0.1, pathResolution: 20 }),
    b = await terminal({ step: 0.05, pathResolution: 20 }),
    c = await terminal({ step: 0.25, pathResolution: 20 });
  a.forEach((v, i) =>
    assert.ok(Math.abs(v - b[i]) < 1e-4 && Math.abs(v - c[i]) < 1e-4, `coordinate ${i}: ${v}, ${b[i]}, ${c[i]}`),
  );
  // without a shared path the step sizes draw different noise
  const d = await terminal({ step: 0.1 }),
    e = await terminal({ step: 0.05 });
  assert.ok(
    d.some((v, i) => Math.abs(v - e[i]) > 1e-2),
    "independent paths differ",
  );
  await assert.rejects(terminal({ step: 0.3, pathResolution: 20 }), /pathResolution 20 must be a whole multiple/);
  await assert.rejects(
    terminal({ step: 0.1, pathResolution: 25 }),
    /pathResolution 25 must be a whole multiple of the 10 equal steps/,
  );
  x.dispose();
  m.dispose();
});
