// (VI-)TasNet runs: train once and reload; evaluation's SI-SDRi equals SI-SDR(estimate) − SI-SDR(mixture)
// recomputed independently; ELBO = −(D + R_z + R_M); the deterministic TasNet trains on −SI-SDR; mismatched
// objectives and shapes are named; a deterministic TasNet's estimates get the BLR distortion too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as tf from "@tensorflow/tfjs";
import { scalarsOf, valuesOf } from "../helpers/read";
import { initEngine } from "../../lib/engine/backend";
import { pulseBatch, pulseConfig } from "../../lib/data/gaussian-pulses";
import { CONV_TASNET_SYNTHETIC, ConvTasNet } from "../../lib/models/conv-tasnet";
import { blrLogEvidence } from "../../lib/objectives/blr";
import { ViTasNet, viTasNetConfig } from "../../lib/models/vi-tasnet";
import { evaluateSeparation, trainSeparationRun } from "../../lib/vi-emd/runs";
import { pairwiseSiSdr, pitSiSdr } from "../../lib/objectives/si-sdr";
import { Rng } from "../../lib/engine/rng";

let tmp = "";
before(async () => {
  await initEngine();
  tmp = mkdtempSync(join(tmpdir(), "vaelab-sep-runs-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const tiny = { ...CONV_TASNET_SYNTHETIC, X: 3 };

test("VI-TasNet run toward a target rate: trains, reloads, evaluates consistently", { timeout: 120_000 }, async () => {
  const cfg = pulseConfig({ duration: 0.05 });
  const b = pulseBatch(cfg, [100000, 100016]),
    t = pulseBatch(cfg, [102176, 102182]);
  const input = {
    config: viTasNetConfig({ tasnet: tiny, maskPrior: [0, 1] as [number, number] }),
    data: { key: { cfg, range: [100000, 100016] }, train: { mix: b.mixture, sources: b.sources } },
    objective: { kind: "target-rate" as const, target: 20 },
    schedule: { steps: 8, batchSize: 8, learningRate: 1e-3 },
    seed: 1,
    preset: "smoke" as const,
    runsDir: tmp,
    progress: "none" as const,
  };
  const a = await trainSeparationRun(input);
  assert.equal(a.reloaded, false);
  const again = await trainSeparationRun(input);
  assert.equal(again.reloaded, true);
  const ev = await evaluateSeparation(a.model, { mix: t.mixture, sources: t.sources }, { batchSize: 4 });
  assert.equal(ev.n, 6);
  assert.ok(Math.abs(ev.elbo + ev.distortion + ev.rateZ + ev.rateMask) < 1e-6 * Math.abs(ev.elbo));
  // SI-SDRi of the first mixture recomputed: PIT SI-SDR of the mean estimates minus the mixture's SI-SDR, averaged over references
  const [est, mixScore] = await scalarsOf(() => {
    const mix = tf.tensor2d(t.mixture.values.subarray(0, t.mixture.shape[1]), [1, t.mixture.shape[1]]);
    const src = tf.tensor3d(t.sources.values.subarray(0, 2 * t.mixture.shape[1]), [1, 2, t.mixture.shape[1]]);
    const f = (a.model as ViTasNet).forward(mix, src, new Rng(0), { mean: true });
    const pit = pitSiSdr(f.estimates, src).value;
    const mixS = tf.mean(pairwiseSiSdr(tf.stack([mix, mix], 1), src).slice([0, 0, 0], [1, 1, 2]));
    return [pit, mixS];
  });
  assert.ok(Math.abs(ev.perMixture.siSdr[0] - est) < 1e-3);
  assert.ok(Math.abs(ev.perMixture.siSdrImprovement[0] - (est - mixScore)) < 1e-3);
  await assert.rejects(
    trainSeparationRun({ ...input, objective: { kind: "si-sdr" } }),
    /a vi-tasnet trains with an ELBO-type objective, got si-sdr/,
  );
  await assert.rejects(
    trainSeparationRun({ ...input, data: { ...input.data, train: { ...input.data.train, sources: t.sources } } }),
    /mixtures \[n, T\] and sources \[n, S, T\] expected/,
  );
});

test("the deterministic TasNet trains on −SI-SDR and is evaluated without rates", { timeout: 120_000 }, async () => {
  const cfg = pulseConfig({ duration: 0.05 });
  const b = pulseBatch(cfg, [100000, 100016]);
  const r = await trainSeparationRun({
    config: tiny,
    data: { key: "det", train: { mix: b.mixture, sources: b.sources } },
    objective: { kind: "si-sdr" },
    schedule: { steps: 6, batchSize: 8, learningRate: 1e-3 },
    seed: 2,
    preset: "smoke",
    runsDir: tmp,
    progress: "none",
  });
  const ev = await evaluateSeparation(r.model, { mix: b.mixture, sources: b.sources });
  assert.ok(Number.isFinite(ev.siSdr) && Number.isFinite(ev.siSdrImprovement));
  assert.ok(Number.isNaN(ev.rate) && Number.isNaN(ev.elbo));
  // its BLR distortion D_S: the smaller of the two assignments' summed −log p(s_j | ŝ_i), recomputed for mixture 0
  const T = b.mixture.shape[1];
  // log evidence of source j given estimate i, at index 2i + j
  const evidence = await valuesOf(() => {
    const est = (r.model as ConvTasNet).separate(tf.tensor2d(b.mixture.values.subarray(0, T), [1, T]));
    const src = tf.tensor3d(b.sources.values.subarray(0, 2 * T), [1, 2, T]);
    const ev = (i: number, j: number) =>
      blrLogEvidence(src.slice([0, j, 0], [1, 1, T]).reshape([T]), est.slice([0, i, 0], [1, 1, T]).reshape([T]));
    return tf.stack([ev(0, 0), ev(0, 1), ev(1, 0), ev(1, 1)]);
  });
  const nll = (i: number, j: number) => -evidence[2 * i + j];
  const d0 = Math.min(nll(0, 0) + nll(1, 1), nll(0, 1) + nll(1, 0));
  assert.ok(
    Number.isFinite(ev.perMixture.distortion[0]) &&
      Math.abs(ev.perMixture.distortion[0] - d0) < 1e-3 * Math.abs(d0) + 1e-3,
    `D_S ${ev.perMixture.distortion[0]} vs ${d0}`,
  );
  assert.ok(Number.isFinite(ev.distortion));
});

test(
  "a TasNet with loss blr trains on the blr objective (cached apart from the −SI-SDR one); mismatched objectives are named",
  { timeout: 120_000 },
  async () => {
    const cfg = pulseConfig({ duration: 0.05 });
    const b = pulseBatch(cfg, [100000, 100016]);
    const common = {
      data: { key: "det-blr", train: { mix: b.mixture, sources: b.sources } },
      schedule: { steps: 4, batchSize: 8, learningRate: 1e-3 },
      seed: 2,
      preset: "smoke" as const,
      runsDir: tmp,
      progress: "none" as const,
    };
    const r = await trainSeparationRun({ ...common, config: { ...tiny, loss: "blr" }, objective: { kind: "blr" } });
    const s = await trainSeparationRun({ ...common, config: tiny, objective: { kind: "si-sdr" } });
    assert.notEqual(r.hash, s.hash);
    const dBlr = r.history[r.history.length - 1].distortion,
      dSi = s.history[s.history.length - 1].distortion;
    assert.ok(Math.abs(dBlr) > 100 && Math.abs(dSi) < 100, `BLR run distortion ${dBlr} nats, SI-SDR run ${dSi} dB`);
    await assert.rejects(
      () => trainSeparationRun({ ...common, config: tiny, objective: { kind: "blr" } }),
      /must match the TasNet's loss/,
    );
    await assert.rejects(
      () => trainSeparationRun({ ...common, config: { ...tiny, loss: "blr" }, objective: { kind: "si-sdr" } }),
      /must match the TasNet's loss/,
    );
  },
);
