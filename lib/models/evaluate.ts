// Shared evaluation of a VAE's RateDistortion record over a data set: batch means of distortion,
// rate (and its per-dimension split) and ELBO, without gradients, deterministic for a given stream.
// (MlpVae has its own copy of this loop; ConvVae and PartialVae use this one.)
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import type { RateDistortion } from "../objectives/rate-distortion";

/** Test-set means of the record, nats per example (the fields of MlpVaeEvaluation). */
export interface VaeEvaluation {
  /** Mean −log p(x|z), z ~ q(z|x) (averaged over `samples` draws per example). */
  distortion: number;
  /** Mean KL(q(z|x) ‖ p(z)). */
  rate: number;
  /** Mean ELBO = −(distortion + rate). */
  elbo: number;
  /** Mean KL per latent dimension [K] (sums to `rate`). */
  ratePerDim: number[];
  /** Examples evaluated. */
  n: number;
}

export interface VaeEvaluateOptions {
  /** Examples per forward pass (default 512). */
  batchSize?: number;
  /** Stream for the z draws (default a fixed stream, so repeated evaluations agree exactly). */
  rng?: Rng | Seed;
  /** z draws per example for the distortion (default 1). */
  samples?: number;
}

/**
 * Means over n examples of the record that `recordOf(start, size, rng)` returns for examples
 * [start, start + size) (with a closed-form rate: ratePerDim is taken from the first draw).
 * `where` names the caller in error messages; `defaultSeed` is the default z stream.
 */
export async function evaluateRecords(
  n: number,
  zDim: number,
  recordOf: (start: number, size: number, rng: Rng) => RateDistortion,
  opts: VaeEvaluateOptions,
  where: string,
  defaultSeed: string,
): Promise<VaeEvaluation> {
  if (n === 0) throw new Error(`${where}: no examples`);
  const bs = opts.batchSize ?? 512;
  const samples = opts.samples ?? 1;
  if (!(Number.isInteger(bs) && bs >= 1)) throw new Error(`${where}: batchSize must be a positive integer, got ${bs}`);
  if (!(Number.isInteger(samples) && samples >= 1)) throw new Error(`${where}: samples must be a positive integer, got ${samples}`);
  const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng ?? defaultSeed);
  let sumD = 0;
  const sumPerDim = new Float64Array(zDim);
  for (let start = 0; start < n; start += bs) {
    const size = Math.min(bs, n - start);
    const sums = tf.tidy(() => {
      let d: tf.Tensor = tf.scalar(0);
      let perDim: tf.Tensor | null = null;
      for (let s = 0; s < samples; s++) {
        const rec = recordOf(start, size, rng);
        d = tf.add(d, tf.sum(rec.distortion));
        if (!perDim) perDim = tf.sum(rec.ratePerDim!, 0);
      }
      return tf.concat([tf.reshape(tf.div(d, samples), [1]), perDim!]);
    });
    const v = await sums.data();
    sums.dispose();
    sumD += v[0];
    for (let k = 0; k < zDim; k++) sumPerDim[k] += v[1 + k];
  }
  const ratePerDim = Array.from(sumPerDim, (s) => s / n);
  const rate = ratePerDim.reduce((a, b) => a + b, 0);
  const distortion = sumD / n;
  return { distortion, rate, elbo: -(distortion + rate), ratePerDim, n };
}
