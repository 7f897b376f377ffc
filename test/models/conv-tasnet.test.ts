// Conv-TasNet: the presets' sizes (librimix ≈ 5.05M parameters, as in the paper's 5.1M), shapes and
// padding, determinism, a finite-difference gradient check of the PIT −SI-SDR loss, a short training
// run that improves separation, and a flat tensor count.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scoped, valuesOf } from "../helpers/read";
import { Rng } from "../../lib/engine/rng";
import { train } from "../../lib/train";
import {
  CONV_TASNET_LIBRIMIX,
  ConvTasNetConfig,
  convTasNetParameterCount,
  convTasNetPreset,
  createConvTasNet,
} from "../../lib/models/conv-tasnet";
import { toneMixtures } from "../../lib/bench/models";
import { DEFAULT_BLR_PRIOR, blrLogEvidence } from "../../lib/objectives/blr";
import { checkDirectionalGradient, engineWithConvGradients, variableValues } from "./model-helpers";

before(async () => {
  await engineWithConvGradients();
});

const TINY: ConvTasNetConfig = {
  kind: "conv-tasnet",
  N: 8,
  L: 4,
  stride: 2,
  B: 4,
  H: 6,
  Sc: 3,
  P: 3,
  X: 3,
  R: 2,
  S: 2,
  maskActivation: "sigmoid",
};

test("the librimix preset has ≈5.05M parameters (paper: 5.1M) and the formula equals the built model's count", () => {
  const c = convTasNetPreset("librimix");
  assert.deepEqual(c, CONV_TASNET_LIBRIMIX);
  const n = convTasNetParameterCount(c);
  // 2·N·L codec + 2N gLN + (N·B + B) bottleneck + 24 blocks × 201,474 + 1 + Sc·S·N + S·N mask head
  assert.equal(n, 2 * 512 * 16 + 2 * 512 + (512 * 128 + 128) + 24 * 201474 + 1 + 128 * 1024 + 1024);
  assert.equal(n, 5050545);
  assert.ok(Math.abs(n - 5.1e6) / 5.1e6 < 0.02, `${n} parameters`);
  const m = createConvTasNet(c, new Rng(0));
  assert.equal(m.parameterCount(), n);
  m.dispose();
  for (const cfg of [convTasNetPreset("synthetic"), TINY]) {
    const s = createConvTasNet(cfg, new Rng(0));
    assert.equal(s.parameterCount(), convTasNetParameterCount(cfg));
    s.dispose();
  }
});

test("synthetic preset: encoder [B, 999, 32] for 1 s at 8 kHz, ReLU masks ≥ 0 (sigmoid option in (0, 1)), separate → [B, 2, 8000]; other lengths are padded and cropped", async () => {
  const m = createConvTasNet(convTasNetPreset("synthetic"), new Rng(1));
  const { mix } = toneMixtures(new Rng(2), 2, 8000);
  const before = tf.memory().numTensors;
  const w = m.encode(mix);
  assert.deepEqual(w.shape, [2, 999, 32]);
  const read = async (s: tf.Tensor) => {
    const v = (await s.data())[0];
    s.dispose();
    return v;
  };
  const minOf = (t: tf.Tensor) => read(tf.min(t));
  const maxOf = (t: tf.Tensor) => read(tf.max(t));
  assert.ok((await minOf(w)) >= 0, "ReLU encoder");
  const masks = m.masks(w);
  assert.deepEqual(masks.shape, [2, 2, 999, 32]);
  // the thesis' (and asteroid's) TasNet masks are ReLU-activated: non-negative, unbounded, some exactly 0
  assert.equal(m.config.maskActivation, "relu");
  const [lo, hi] = [await minOf(masks), await maxOf(masks)];
  assert.ok(lo === 0 && hi > 0, `ReLU masks ≥ 0 with zeros: [${lo}, ${hi}]`);
  // the sigmoid option (Luo & Mesgarani) keeps the same weights and maps the same logits into (0, 1)
  const sig = createConvTasNet({ ...convTasNetPreset("synthetic"), maskActivation: "sigmoid" }, new Rng(1));
  const sigMasks = sig.masks(w);
  const [slo, shi] = [await minOf(sigMasks), await maxOf(sigMasks)];
  assert.ok(slo > 0 && shi < 1, `sigmoid masks in (0, 1): [${slo}, ${shi}]`);
  sigMasks.dispose();
  sig.dispose();
  const est = m.separate(mix);
  assert.deepEqual(est.shape, [2, 2, 8000]);
  const odd = tf.zeros([1, 1001]);
  const estOdd = m.separate(odd);
  assert.deepEqual(estOdd.shape, [1, 2, 1001]);
  assert.equal(m.frames(1001), 125);
  tf.dispose([w, masks, est, odd, estOdd]);
  assert.equal(tf.memory().numTensors, before, "no tensors left behind");
  assert.throws(() => m.separate(tf.zeros([8000])), /mixture must have shape \[B, T\]/);
  assert.throws(() => m.loss(tf.zeros([1, 100]), tf.zeros([1, 3, 100])), /sources must have shape \[1, 2, 100\]/);
  assert.throws(() => createConvTasNet({ ...TINY, P: 2 }, new Rng(0)), /P \(depthwise kernel\) must be odd/);
  tf.dispose(mix);
  m.dispose();
});

test("deterministic given the seed", async () => {
  const a = createConvTasNet(TINY, new Rng(3)),
    b = createConvTasNet(TINY, new Rng(3));
  assert.deepEqual(await variableValues(a.variables), await variableValues(b.variables));
  const { mix, sources } = toneMixtures(new Rng(4), 2, 200);
  const [la, lb] = [a.loss(mix, sources), b.loss(mix, sources)];
  assert.equal((await la.data())[0], (await lb.data())[0]);
  tf.dispose([mix, sources, la, lb]);
  a.dispose();
  b.dispose();
});

test("gradient of the PIT −SI-SDR loss matches finite differences along random directions (tiny config)", async () => {
  const m = createConvTasNet(TINY, new Rng(5));
  const { mix, sources } = toneMixtures(new Rng(6), 2, 120);
  await checkDirectionalGradient(m.store.trainable(), () => m.loss(mix, sources), {
    seed: "tasnet",
    directions: 4,
    h: 2e-3,
  });
  tf.dispose([mix, sources]);
  m.dispose();
});

test("a short training run raises the PIT SI-SDR on tone mixtures, with a flat tensor count; step() gives the loop −SI-SDR", async () => {
  const rng = new Rng(7);
  const train_ = toneMixtures(rng.fork("train"), 32, 400);
  const test_ = toneMixtures(rng.fork("test"), 8, 400);
  const m = createConvTasNet({ ...TINY, N: 16, B: 8, H: 16, Sc: 8, X: 4, R: 1, L: 8, stride: 4 }, new Rng(8));
  const score = async () => {
    const l = m.loss(test_.mix, test_.sources);
    const v = -(await l.data())[0];
    l.dispose();
    return v;
  };
  const before = await score();
  const counts: number[] = [];
  const res = await train(m, {
    data: { mix: train_.mix, sources: train_.sources },
    batchSize: 8,
    steps: 30,
    rng: 9,
    learningRate: 1e-2,
    progress: "none",
    onStep: () => void counts.push(tf.memory().numTensors),
  });
  res.optimizer.dispose();
  const after = await score();
  assert.equal(
    counts[1],
    counts[counts.length - 1],
    `numTensors after step 2: ${counts[1]}, after the last: ${counts[counts.length - 1]}`,
  );
  if (process.env.VAELAB_FD_DEBUG) console.error(`tasnet: test SI-SDR ${before} → ${after}`);
  assert.ok(after > before + 3, `test SI-SDR ${before.toFixed(2)} dB → ${after.toFixed(2)} dB`);
  // the loop's record: distortion = −SI-SDR, rate 0
  assert.ok(Math.abs(res.history[res.history.length - 1].rate) === 0);
  tf.dispose([train_.mix, train_.sources, test_.mix, test_.sources]);
  m.dispose();
});

test("loss \"blr\" (Table 3's BLR-trained TasNet): step's distortion = min over assignments of Σ −log BLR evidence of the estimates; training on it raises SI-SDR; bad losses are named", async () => {
  const rng = new Rng(11);
  const train_ = toneMixtures(rng.fork("train"), 32, 400);
  const test_ = toneMixtures(rng.fork("test"), 8, 400);
  const cfg: ConvTasNetConfig = { ...TINY, N: 16, B: 8, H: 16, Sc: 8, X: 4, R: 1, L: 8, stride: 4, loss: "blr" };
  const m = createConvTasNet(cfg, new Rng(8));
  const [got, want] = await scoped(async () => {
    const e = m.separate(test_.mix);
    const nll = (i: number, j: number) =>
      tf.neg(blrLogEvidence(tf.gather(test_.sources, j, 1), tf.gather(e, i, 1), DEFAULT_BLR_PRIOR));
    const best = tf.minimum(tf.add(nll(0, 0), nll(1, 1)), tf.add(nll(0, 1), nll(1, 0)));
    return [await valuesOf(m.blrDistortion(test_.mix, test_.sources)), await valuesOf(best)];
  });
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-3 * Math.abs(want[i]), `${v} vs ${want[i]}`));
  const score = async () => {
    const l = m.loss(test_.mix, test_.sources);
    const v = -(await l.data())[0];
    l.dispose();
    return v;
  };
  const before = await score();
  const res = await train(m, {
    data: { mix: train_.mix, sources: train_.sources },
    batchSize: 8,
    steps: 30,
    rng: 9,
    learningRate: 1e-2,
    progress: "none",
  });
  res.optimizer.dispose();
  const after = await score();
  assert.ok(after > before + 3, `BLR-trained: test SI-SDR ${before.toFixed(2)} dB → ${after.toFixed(2)} dB`);
  // the loop saw the BLR distortion (nats, large), not −SI-SDR (dB, tens)
  const last = res.history[res.history.length - 1];
  assert.ok(Math.abs(last.distortion) > 100, `BLR distortion ${last.distortion}`);
  assert.throws(
    () => createConvTasNet({ ...TINY, loss: "mse" as "blr" }, new Rng(0)),
    /loss must be "si-sdr" or "blr"/,
  );
  tf.dispose([train_.mix, train_.sources, test_.mix, test_.sources]);
  m.dispose();
});
