// Runs the CD-VAE binarized-MNIST notebooks (Fig. 5, Fig. 8) at smoke through the headless runner (real tslab
// kernel), sharing one temporary runs directory (both use the same CD-VAE: Fig. 5 trains it, Fig. 8 must reload it),
// and checks each exported figure record, its claims and the numbers behind them.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { claimOf, finite, smokeSandbox } from "../notebook/smoke-harness";

const sandbox = smokeSandbox("cd-vae", "cdvae-mnist");
after(() => sandbox.cleanup());
const run = (name: string) => sandbox.run(name);

let hash5 = "";

test(
  "Fig. 5 notebook: test −ELBO against the step size, with literature references",
  { timeout: 300_000 },
  async () => {
    const rec = await run("fig05-mnist-step-size");
    assert.equal(rec.figure, "Fig. 5");
    assert.equal(rec.plots?.length, 2);
    const d = rec.data as {
      reloaded: boolean;
      runHash: string;
      nTest: number;
      trainStep: number;
      steps: number[];
      independentPixelNll: number;
      summary: {
        step: number;
        nelbo: number;
        se: number;
        distortion: number;
        rate: number;
        diffVsTrain: number;
        diffSe: number;
      }[];
      references: { name: string; value: number }[];
    };
    assert.equal(d.reloaded, false, "Fig. 5 trains the shared model in a fresh runs dir");
    hash5 = d.runHash;
    assert.equal(d.nTest, 64);
    assert.deepEqual(
      d.summary.map((s) => s.step),
      d.steps,
    );
    assert.ok(d.steps.includes(d.trainStep), "the training step is evaluated");
    for (const s of d.summary) {
      for (const [k, v] of Object.entries(s)) finite(v, `summary[${s.step}].${k}`);
      // −ELBO over 784 Bernoulli pixels: positive, and an untrained-ish model stays below 784·ln 2 ≈ 543 only loosely
      assert.ok(s.nelbo > 0 && s.nelbo < 2000, `−ELBO ${s.nelbo}`);
      assert.ok(s.distortion > 0 && s.rate >= 0, `D ${s.distortion}, R ${s.rate}`);
      assert.ok(Math.abs(s.nelbo - (s.distortion + s.rate)) < 1e-3 * s.nelbo, "−ELBO = D + R");
      assert.ok(s.se > 0);
    }
    const atTrain = d.summary.find((s) => s.step === d.trainStep)!;
    assert.equal(atTrain.diffVsTrain, 0);
    assert.ok(
      d.independentPixelNll > 100 && d.independentPixelNll < 400,
      `independent-pixel NLL ${d.independentPixelNll}`,
    );
    assert.deepEqual(
      d.references.map((r) => r.name),
      ["MADE", "PixelCNN", "Efficient VD-VAE", "CR-NVAE"],
    );
    // the reference lines are drawn on the first plot
    const shapes = (rec.plots![0].layout as { shapes?: unknown[] }).shapes ?? [];
    assert.equal(shapes.length, 5, "training-step line + four reference lines");
    for (const t of [
      "The test ELBO improves as the step size decreases below the training step",
      "Decreasing the step by one to two decades gains about one nat (0.5–2 nats, our band, beyond 2 se)",
      "The CD-VAE lies between MADE and PixelCNN",
    ])
      assert.equal(typeof claimOf(rec, t).holds, "boolean");
    assert.equal(
      claimOf(rec, "The CD-VAE lies between MADE and PixelCNN").holds,
      false,
      "a 20-step smoke model cannot beat MADE",
    );
  },
);

test(
  "Fig. 8 notebook: reconstructions, prior and top-level-only samples (reloads the Fig. 5 model)",
  { timeout: 300_000 },
  async () => {
    const rec = await run("fig08-mnist-samples");
    assert.equal(rec.figure, "Fig. 8");
    assert.equal(rec.plots?.length, 4);
    const d = rec.data as {
      reloaded: boolean;
      runHash: string;
      nEval: number;
      reconstruction: Record<string, number>;
      prior: Record<string, number>;
      topLevelOnly: {
        inputs: number;
        samples: number;
        top: Record<string, number>;
        zeroContext: Record<string, number>;
        full: Record<string, number>;
        spreadDiff: number;
        spreadDiffSe: number;
      };
    };
    if (hash5) {
      assert.equal(d.runHash, hash5, "same model as Fig. 5");
      assert.equal(d.reloaded, true, "the shared model is reloaded, not retrained");
    }
    assert.equal(d.nEval, 32);
    for (const [k, v] of Object.entries(d.reconstruction)) finite(v, `reconstruction.${k}`);
    for (const k of ["accuracy", "baselineAccuracy", "allOffAccuracy"])
      assert.ok(d.reconstruction[k] > 0.5 && d.reconstruction[k] <= 1, `${k} ${d.reconstruction[k]}`);
    assert.ok(d.reconstruction.meanEntropyBits >= 0 && d.reconstruction.meanEntropyBits <= 784);
    finite(d.prior.ink, "prior.ink");
    assert.ok(d.prior.ink > 0 && d.prior.ink < 1);
    assert.equal(d.topLevelOnly.inputs, 8);
    assert.equal(d.topLevelOnly.samples, 4);
    for (const part of [d.topLevelOnly.top, d.topLevelOnly.zeroContext, d.topLevelOnly.full]) {
      for (const [k, v] of Object.entries(part)) finite(v, `topLevelOnly.${k}`);
      assert.ok(part.spread >= 0 && part.spread <= 0.5);
      assert.ok(part.own >= -1 && part.own <= 1 && part.other >= -1 && part.other <= 1);
    }
    // image grids: (a) 3 rows of 10, (b) 4 rows of 10, (c) and its literal reading 7 rows of 8
    const metas = rec.plots!.map((p) => (p.data as { meta?: { rows: number; cols: number } }[])[0].meta);
    assert.deepEqual(
      metas.map((m) => [m?.rows, m?.cols]),
      [
        [3, 10],
        [4, 10],
        [7, 8],
        [7, 8],
      ],
    );
    for (const t of [
      "Reconstructions resemble their inputs (at most half the pixel errors of the training-mean image, paired beyond 2 se; the half is ours)",
      "Top-level-only samples vary more than full reconstructions",
      "Top-level-only samples keep the input's coarse shape (coarse correlation with the own input > 0.5, ours, and above the other inputs' by 2 se)",
    ])
      assert.equal(typeof claimOf(rec, t).holds, "boolean");
    assert.equal(claimOf(rec, "Samples from the learned prior").holds, null);
    assert.equal(claimOf(rec, "Samples from the learned prior").cause?.class, "protocol");
    assert.ok(rec.claims.every((c) => c.kind === "result"));
  },
);
