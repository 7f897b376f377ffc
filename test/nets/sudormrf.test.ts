// The improved SuDoRMRF module (lib/nets/sudormrf): parameter count by formula, any frame count (the
// stride-2 pyramid and its upsampling line up), U-blocks reduce to the identity when their residual
// projection is zero, finite-difference gradients, and Conv-TasNet / VI-TasNet with it as the masker
// (shapes, parameter counts, a short training run lowers the loss).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scalarOf, valuesOf } from "../helpers/read";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { ParamStore } from "../../lib/nets/params";
import { createSudormrf, sudormrf, sudormrfParameterCount } from "../../lib/nets/sudormrf";
import { globalLayerNorm, pointwise, prelu } from "../../lib/nets/tcn";
import {
  SUDORMRF_LIBRIMIX,
  SUDORMRF_SYNTHETIC,
  convTasNetParameterCount,
  createConvTasNet,
} from "../../lib/models/conv-tasnet";
import { createViTasNet, viTasNetConfig } from "../../lib/models/vi-tasnet";
import { pulseBatch, pulseConfig } from "../../lib/data/gaussian-pulses";
import { train } from "../../lib/train/loop";

const ready = initEngine();
const spec = { inChannels: 6, bottleneck: 5, hidden: 7, blocks: 2, depth: 3, outChannels: 12 };

test("parameter count by formula; any number of frames; identity U-blocks when the residual projection is zero", async () => {
  await ready;
  const store = new ParamStore(new Rng(1));
  const p = createSudormrf(store, "m", spec);
  assert.equal(store.count(), sudormrfParameterCount(spec));
  for (const F of [1, 7, 37, 64]) {
    const y = tf.tidy(() => sudormrf(tf.randomNormal([2, F, 6], 0, 1, "float32", F), p));
    assert.deepEqual(y.shape, [2, F, 12]);
    y.dispose();
  }
  for (const b of p.blocks) {
    b.res.w.assign(tf.zerosLike(b.res.w));
    b.res.b!.assign(tf.zerosLike(b.res.b!));
  }
  const w = tf.randomNormal([2, 9, 6], 0, 1, "float32", 3);
  const d = await scalarOf(() =>
    tf.max(
      tf.abs(
        tf.sub(
          sudormrf(w, p),
          pointwise(prelu(pointwise(globalLayerNorm(w, p.inNorm), p.bottleneck), p.outPrelu), p.head),
        ),
      ),
    ),
  );
  assert.ok(d < 1e-5, `U-blocks with zero residual projections change the signal by ${d}`);
  assert.throws(() => createSudormrf(store, "bad", { ...spec, depth: 0 }), /depth must be a positive integer/);
  store.dispose();
});

test("directional derivative through the U-blocks matches finite differences", async () => {
  await ready;
  const store = new ParamStore(new Rng(2));
  const p = createSudormrf(store, "m", spec);
  const w = tf.randomNormal([2, 11, 6], 0, 1, "float32", 4);
  const target = tf.randomNormal([2, 11, 12], 0, 1, "float32", 5);
  const v = p.blocks[0].dw[1].w;
  const f = () => tf.tidy(() => tf.sum(tf.mul(sudormrf(w, p), target)) as tf.Scalar);
  const g = await valuesOf(() => Object.values(tf.variableGrads(f, [v]).grads)[0]);
  const v0 = ((await v.data()) as Float32Array).slice();
  const rng = new Rng("dir");
  const dir = Float32Array.from(v0, () => rng.normal());
  const analytic = g.reduce((s, x, i) => s + x * dir[i], 0);
  const at = async (e: number) => {
    v.assign(
      tf.tensor(
        v0.map((x, i) => x + e * dir[i]),
        v.shape,
      ),
    );
    return scalarOf(f);
  };
  // the gLNs make f strongly curved along this direction: the central difference converges only below ε ≈ 3e-3
  const fd = ((await at(1e-3)) - (await at(-1e-3))) / 2e-3;
  assert.ok(Math.abs(analytic - fd) < 0.01 * Math.max(1, Math.abs(fd)), `${analytic} vs ${fd}`);
  store.dispose();
});

test(
  "Conv-TasNet and VI-TasNet with the SuDoRMRF masker: counts, shapes, training lowers the loss",
  { timeout: 120_000 },
  async () => {
    await ready;
    const m = createConvTasNet(SUDORMRF_SYNTHETIC, new Rng(3));
    assert.equal(m.parameterCount(), convTasNetParameterCount(SUDORMRF_SYNTHETIC));
    assert.ok(
      convTasNetParameterCount(SUDORMRF_LIBRIMIX) > 2e6,
      "the LibriMix-sized SuDoRMRF has millions of parameters",
    );
    const b = pulseBatch(pulseConfig({ duration: 0.1 }), [100000, 100016]);
    const out = tf.tidy(() => m.separate(tf.tensor(b.mixture.values, b.mixture.shape)).shape);
    assert.deepEqual(out, [16, 2, 800]);
    const r = await train(m, {
      data: { mix: b.mixture, sources: b.sources },
      batchSize: 8,
      steps: 20,
      learningRate: 3e-3,
      progress: "none",
      rng: 1,
    });
    const first = r.history.slice(0, 4).reduce((s, h) => s + Number(h.loss), 0) / 4,
      last = r.history.slice(-4).reduce((s, h) => s + Number(h.loss), 0) / 4;
    assert.ok(last < first, `SuDoRMRF loss ${first} → ${last}`);
    m.dispose();
    const v = createViTasNet(viTasNetConfig({ tasnet: SUDORMRF_SYNTHETIC }), new Rng(4));
    const rec = await valuesOf(
      () =>
        v.forward(
          tf.tensor(b.mixture.values, b.mixture.shape),
          tf.tensor(b.sources.values, b.sources.shape),
          new Rng(5),
        ).record.elbo,
    );
    assert.ok(rec.every(Number.isFinite));
    v.dispose();
  },
);
