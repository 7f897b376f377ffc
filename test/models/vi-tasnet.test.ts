// VI-TasNet (lib/models/vi-tasnet): the record's parts against independent computations (the BLR distortion
// under PIT recomputed from the estimates; the analytic rates against the average of single-sample
// Monte-Carlo rates), invariance to the order of the sources, a finite-difference gradient check, every
// encoding × mask family training on Gaussian-pulse mixtures, and named config errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scalarOf, scoped, valuesOf } from "../helpers/read";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { pulseBatch, pulseConfig } from "../../lib/data/gaussian-pulses";
import { CONV_TASNET_SYNTHETIC } from "../../lib/models/conv-tasnet";
import { EncodingFamily, MaskFamily, createViTasNet, viTasNetConfig } from "../../lib/models/vi-tasnet";
import { kl } from "../../lib/prob/kl";
import { Normal } from "../../lib/prob/normal";
import { blrLogEvidence, mvcLogDensity } from "../../lib/objectives/blr";
import { train } from "../../lib/train/loop";

const ready = initEngine();
const tiny = { ...CONV_TASNET_SYNTHETIC, X: 3 };
const data = (n: number, from = 100000) => {
  const b = pulseBatch(pulseConfig({ duration: 0.1 }), [from, from + n]);
  return { mix: tf.tensor(b.mixture.values, b.mixture.shape), sources: tf.tensor(b.sources.values, b.sources.shape) };
};

test("config: defaults follow the paper; bad families and priors are named", () => {
  const c = viTasNetConfig({ tasnet: tiny });
  assert.deepEqual([c.encoding, c.mask, c.likelihood, c.kl], ["gaussian", "lognormal", "blr", "analytic"]);
  assert.deepEqual(c.maskPrior, [0.9, 1]);
  assert.deepEqual(viTasNetConfig({ tasnet: tiny, encoding: "gamma", mask: "beta" }).encodingPrior, [0.5, 1]);
  assert.throws(() => viTasNetConfig({ tasnet: tiny, encoding: "weibull" as EncodingFamily }), /encoding must be/);
  assert.throws(() => viTasNetConfig({ tasnet: tiny, mask: "beta", maskPrior: [0, 1] }), /maskPrior must be/);
  // the deterministic TasNet's mask activation does not apply to a VI-TasNet: the config (and its run key) ignore it
  assert.deepEqual(
    viTasNetConfig({ tasnet: { ...tiny, maskActivation: "relu" } }),
    viTasNetConfig({ tasnet: { ...tiny, maskActivation: "sigmoid" } }),
  );
});

test("distortion = min over assignments of Σ −log BLR evidence, recomputed from the estimates; PIT ignores source order", async () => {
  await ready;
  const m = createViTasNet(viTasNetConfig({ tasnet: tiny }), new Rng(1));
  const { mix, sources } = data(3);
  const [got, want, swapped] = await scoped(async () => {
    const f = m.forward(mix, sources, new Rng(2));
    const e = f.estimates,
      nll = (i: number, j: number) =>
        tf.neg(blrLogEvidence(tf.gather(sources, j, 1), tf.gather(e, i, 1), m.config.blrPrior));
    const ident = tf.add(nll(0, 0), nll(1, 1)),
      cross = tf.add(nll(0, 1), nll(1, 0));
    const swappedSources = tf.concat(
      [tf.slice(sources, [0, 1, 0], [-1, 1, -1]), tf.slice(sources, [0, 0, 0], [-1, 1, -1])],
      1,
    );
    const g = m.forward(mix, swappedSources, new Rng(2));
    return [
      await valuesOf(f.record.distortion),
      await valuesOf(tf.minimum(ident, cross)),
      await valuesOf(g.record.distortion),
    ];
  });
  got.forEach((v, i) => {
    assert.ok(Math.abs(v - want[i]) < 1e-3 * Math.abs(want[i]), `${v} vs ${want[i]}`);
    assert.ok(
      Math.abs(v - swapped[i]) < 1e-3 * Math.abs(v),
      `source order changed the distortion: ${v} vs ${swapped[i]}`,
    );
  });
  m.dispose();
});

test(
  "analytic rates equal the average of single-sample Monte-Carlo rates (Gaussian/log-normal and gamma/beta)",
  { timeout: 120_000 },
  async () => {
    await ready;
    const { mix, sources } = data(2);
    for (const [encoding, mask] of [
      ["gaussian", "lognormal"],
      ["gamma", "beta"],
    ] as [EncodingFamily, MaskFamily][]) {
      const mk = (klMode: "analytic" | "monte-carlo") =>
        createViTasNet(viTasNetConfig({ tasnet: tiny, encoding, mask, kl: klMode }), new Rng(3));
      const a = mk("analytic"),
        mc = mk("monte-carlo");
      const K = 120;
      const z = { a: [] as number[], mc: [] as number[] },
        mm = { a: [] as number[], mc: [] as number[] };
      for (let k = 0; k < K; k++)
        await scoped(async () => {
          const fa = a.forward(mix, sources, new Rng(`s${k}`)),
            fm = mc.forward(mix, sources, new Rng(`s${k}`));
          z.a.push(await scalarOf(tf.sum(fa.record.terms.z)));
          z.mc.push(await scalarOf(tf.sum(fm.record.terms.z)));
          mm.a.push(await scalarOf(tf.sum(fa.record.terms.mask)));
          mm.mc.push(await scalarOf(tf.sum(fm.record.terms.mask)));
        });
      const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      const se = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1) / v.length);
      // the encoder's q(z|x) does not depend on the sample: its analytic rate is one number
      assert.ok(Math.abs(z.a[0] - z.a[K - 1]) < 1e-3 * Math.abs(z.a[0]) + 1e-4);
      assert.ok(
        Math.abs(mean(z.mc) - z.a[0]) < 4 * se(z.mc) + 1e-3,
        `${encoding}: MC R_z ${mean(z.mc)} ± ${se(z.mc)} vs analytic ${z.a[0]}`,
      );
      const diff = mm.mc.map((v, i) => v - mm.a[i]);
      assert.ok(Math.abs(mean(diff)) < 4 * se(diff) + 1e-3, `${mask}: MC − analytic R_M ${mean(diff)} ± ${se(diff)}`);
      a.dispose();
      mc.dispose();
    }
  },
);

test("directional derivatives of the negative ELBO match finite differences (Richardson-extrapolated)", async () => {
  await ready;
  const b = pulseBatch(pulseConfig({ duration: 0.03 }), [100000, 100002]);
  const mix = tf.tensor(b.mixture.values, b.mixture.shape),
    sources = tf.tensor(b.sources.values, b.sources.shape);
  for (const name of ["enc/w", "masker/mask/w", "dec/w"]) {
    const m = createViTasNet(viTasNetConfig({ tasnet: tiny, encoding: "lognormal" }), new Rng(4));
    const v = m.variables[name];
    const f = () => tf.tidy(() => tf.neg(tf.mean(m.forward(mix, sources, new Rng(5)).record.elbo)) as tf.Scalar);
    const g = await valuesOf(() => Object.values(tf.variableGrads(f, [v]).grads)[0]);
    const v0 = ((await v.data()) as Float32Array).slice();
    const rng = new Rng(`dir/${name}`);
    const d = Float32Array.from(v0, () => rng.normal());
    const norm = Math.sqrt(d.reduce((s, x) => s + x * x, 0));
    const analytic = g.reduce((s, x, i) => s + (x * d[i]) / norm, 0);
    const at = async (e: number) => {
      v.assign(
        tf.tensor(
          v0.map((w, i) => w + (e * d[i]) / norm),
          v.shape,
        ),
      );
      return scalarOf(f);
    };
    const fd = async (e: number) => ((await at(e)) - (await at(-e))) / (2 * e);
    const rich = (4 * (await fd(0.0025)) - (await fd(0.005))) / 3; // cancels the O(ε²) curvature term
    v.assign(tf.tensor(v0, v.shape));
    assert.ok(
      Math.abs(analytic - rich) < 0.02 * Math.max(1, Math.abs(rich)),
      `${name}: directional derivative ${analytic} vs finite difference ${rich}`,
    );
    m.dispose();
  }
});

test(
  "every encoding × mask family, the adaptive multitask model and the flow prior train on pulse mixtures: finite records, the loss falls",
  { timeout: 180_000 },
  async () => {
    await ready;
    const b = pulseBatch(pulseConfig({ duration: 0.1 }), [100000, 100016]);
    const variants: [EncodingFamily, MaskFamily, Partial<Parameters<typeof viTasNetConfig>[0]>][] = [
      ["gaussian", "lognormal", {}],
      ["lognormal", "beta", {}],
      ["gamma", "beta", {}],
      ["gamma", "beta", { prior: { kind: "adaptive" }, multitask: true }],
      ["gaussian", "lognormal", { prior: { kind: "flow", hidden: [16], flows: 2 } }],
    ];
    for (const [encoding, mask, extra] of variants) {
      const m = createViTasNet(viTasNetConfig({ tasnet: tiny, encoding, mask, ...extra }), new Rng(6));
      const r = await train(m, {
        data: { mix: b.mixture, sources: b.sources },
        batchSize: 8,
        steps: 24,
        learningRate: 3e-3,
        progress: "none",
        rng: 1,
      });
      const first = r.history.slice(0, 4).reduce((s, h) => s + Number(h.loss), 0) / 4,
        last = r.history.slice(-4).reduce((s, h) => s + Number(h.loss), 0) / 4;
      const what = `${encoding}/${mask} ${JSON.stringify(extra)}`;
      assert.ok(
        r.history.every((h) => Number.isFinite(Number(h.loss))),
        `${what}: non-finite loss`,
      );
      assert.ok(last < first, `${what}: loss ${first} → ${last}`);
      m.dispose();
    }
  },
);

test("flow prior: untrained it gives the static N(0, 1) Monte-Carlo rate; it adds trainable parameters", async () => {
  await ready;
  const { mix, sources } = data(2);
  const flow = createViTasNet(
    viTasNetConfig({ tasnet: tiny, prior: { kind: "flow", hidden: [24], flows: 2 } }),
    new Rng(7),
  );
  const mc = createViTasNet(viTasNetConfig({ tasnet: tiny, kl: "monte-carlo" }), new Rng(7));
  assert.ok(flow.parameterCount() > mc.parameterCount());
  const [a, b] = await scoped(async () => [
    await valuesOf(flow.forward(mix, sources, new Rng(8)).record.terms.z),
    await valuesOf(mc.forward(mix, sources, new Rng(8)).record.terms.z),
  ]);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-3 * Math.max(1, Math.abs(b[i])), `${v} vs ${b[i]}`));
  flow.dispose();
  mc.dispose();
});

test("adaptive prior (Eq. 5): R_z = KL(q(z|x) ‖ N(μ_a + μ_b, σ_a² + σ_b²)), plus the sources' rates; multitask adds both autoencoding distortions", async () => {
  await ready;
  const { mix, sources } = data(2);
  const m = createViTasNet(viTasNetConfig({ tasnet: tiny, prior: { kind: "adaptive" }, multitask: true }), new Rng(9));
  const out = await scoped(async () => {
    const f = m.forward(mix, sources, new Rng(10));
    const qx = m.encodingDistribution(mix) as Normal;
    const [qa, qb] = [0, 1].map(
      (i) => m.encodingDistribution(tf.squeeze(tf.slice(sources, [0, i, 0], [-1, 1, -1]), [1])) as Normal,
    );
    const conv = new Normal(tf.add(qa.loc, qb.loc), tf.sqrt(tf.add(tf.square(qa.scale), tf.square(qb.scale))));
    const want = tf.sum(kl(qx, conv), [1, 2]);
    const wantSources = tf.add(tf.sum(kl(qa, new Normal(0, 1)), [1, 2]), tf.sum(kl(qb, new Normal(0, 1)), [1, 2]));
    return {
      z: await valuesOf(f.record.terms.z),
      want: await valuesOf(want),
      src: await valuesOf(f.record.terms.sources),
      wantSrc: await valuesOf(wantSources),
      total: await valuesOf(f.record.distortion),
      sep: await valuesOf(f.separationDistortion),
      mixD: await valuesOf(f.mixtureDistortion!),
      mixElbo: await valuesOf(f.mixtureElbo!),
    };
  });
  out.z.forEach((v, i) =>
    assert.ok(Math.abs(v - out.want[i]) < 1e-3 * Math.abs(out.want[i]) + 1e-3, `R_z ${v} vs ${out.want[i]}`),
  );
  out.src.forEach((v, i) => assert.ok(Math.abs(v - out.wantSrc[i]) < 1e-3 * Math.abs(out.wantSrc[i]) + 1e-3));
  out.total.forEach((v, i) =>
    assert.ok(v > out.sep[i] + out.mixD[i] - 1e-3, "the record's distortion adds the autoencoding terms"),
  );
  out.mixElbo.forEach((v, i) => assert.ok(Number.isFinite(v) && v < -out.mixD[i] + 1e-3, "mixture ELBO ≤ −D_mix"));
  assert.throws(
    () => viTasNetConfig({ tasnet: tiny, encoding: "lognormal", prior: { kind: "adaptive" } }),
    /adaptive prior needs encodings with closed-form sums/,
  );
  m.dispose();
});

test("MVC likelihood (App. I): distortion = min over assignments of Σ −log MVC(s_j; ŝ_i, σ_i) recomputed from the estimates and the scale decoder; the scale decoder trains", async () => {
  await ready;
  const cfg = viTasNetConfig({ tasnet: tiny, encoding: "gamma", mask: "beta", likelihood: "mvc" });
  const m = createViTasNet(cfg, new Rng(1));
  const blrTwin = createViTasNet(viTasNetConfig({ tasnet: tiny, encoding: "gamma", mask: "beta" }), new Rng(1));
  assert.equal(
    m.parameterCount() - blrTwin.parameterCount(),
    tiny.N * tiny.L + 1,
    "a transposed conv N → 1 with bias for the scales",
  );
  const { mix, sources } = data(3);
  const T = mix.shape[1] as number;
  const [got, want, blrD] = await scoped(async () => {
    const f = m.forward(mix, sources, new Rng(2), { mean: true });
    const scale = m.decodeScale(tf.mul(f.masks, tf.expandDims(f.z, 1)), T);
    assert.ok(
      (await valuesOf(scale)).every((v) => v > 0),
      "scales are positive",
    );
    const e = f.estimates,
      nll = (i: number, j: number) =>
        tf.neg(mvcLogDensity(tf.gather(sources, j, 1), tf.gather(e, i, 1), tf.gather(scale, i, 1)));
    const ident = tf.add(nll(0, 0), nll(1, 1)),
      cross = tf.add(nll(0, 1), nll(1, 0));
    const b = blrTwin.forward(mix, sources, new Rng(2), { mean: true });
    return [
      await valuesOf(f.separationDistortion),
      await valuesOf(tf.minimum(ident, cross)),
      await valuesOf(b.separationDistortion),
    ];
  });
  got.forEach((v, i) => {
    assert.ok(Number.isFinite(v));
    assert.ok(Math.abs(v - want[i]) < 1e-3 * Math.abs(want[i]) + 1e-3, `${v} vs ${want[i]}`);
    assert.ok(Number.isFinite(blrD[i]));
  });
  // the likelihood depends on the modelled scale (the BLR has none): a larger scale-decoder bias changes D_S
  const bias = Object.entries(m.variables).find(([k]) => k.startsWith("dec-scale") && /b(ias)?$/.test(k));
  assert.ok(bias, `scale-decoder bias among ${Object.keys(m.variables).join(", ")}`);
  const old = bias![1].clone();
  bias![1].assign(tf.add(old, 2));
  const shifted = await valuesOf(() => m.forward(mix, sources, new Rng(2), { mean: true }).separationDistortion);
  bias![1].assign(old);
  old.dispose();
  shifted.forEach((v, i) => assert.ok(Math.abs(v - got[i]) > 1, `raising the scales left D_S at ${v} (was ${got[i]})`));
  assert.throws(() => blrTwin.decodeScale(tf.zeros([1, 2, 3, tiny.N]), 16), /only the mvc likelihood/);
  // the scale decoder receives gradients
  const vars = Object.entries(m.variables).filter(([k]) => k.startsWith("dec-scale"));
  assert.ok(vars.length > 0, `scale-decoder variables: ${Object.keys(m.variables).join(", ")}`);
  const g = tf.variableGrads(
    () => tf.mean(m.forward(mix, sources, new Rng(3)).record.distortion) as tf.Scalar,
    vars.map(([, v]) => v),
  );
  let norm = 0;
  for (const t of Object.values(g.grads)) norm += await scalarOf(() => tf.sum(tf.square(t)));
  assert.ok(norm > 0 && Number.isFinite(norm), `scale-decoder gradient norm² ${norm}`);
  tf.dispose([g.value, ...Object.values(g.grads)]);
  assert.throws(
    () => viTasNetConfig({ tasnet: tiny, likelihood: "cauchy" as "mvc" }),
    /likelihood must be blr, si-sdr or mvc/,
  );
  m.dispose();
  blrTwin.dispose();
  tf.dispose([mix, sources]);
});
