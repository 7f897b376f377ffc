// The one evaluation loop of the models: a data set in batches, `samples` draws per batch, named quantities
// per example from each draw, without gradients, deterministic for a given stream. Two ways to add up, each
// the exact order that a model's numbers have always been made in:
// - means only (perExample false): each quantity summed over the batch inside the tensors (float32), the
//   draws added and divided by `samples` there, the batch sums added in float64, the means those sums / n
//   (MlpVae, ConvVae, PartialVae, PdisVae);
// - per example (perExample true): each draw read and added per example in float64 as value / samples, one
//   draw at a time; the means are the per-example values added in example order / n (CdVae).
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import type { RateDistortion } from "../objectives/rate-distortion";

export interface EvaluateOptions {
  /** Examples per forward pass (default: the model's, 512 for the VAEs). */
  batchSize?: number;
  /** Stream for the draws (default a fixed stream, so repeated evaluations agree exactly). */
  rng?: Rng | Seed;
  /** Draws per example, averaged (default 1). */
  samples?: number;
}

export interface BatchLoop<Q extends string> {
  /** Examples in the data set. */
  n: number;
  /** The caller, for error messages. */
  where: string;
  /** Seed of the default stream when options.rng is not given (absent: options.rng is required). */
  defaultSeed?: Seed;
  /** Default examples per batch. */
  defaultBatchSize: number;
  /**
   * The quantities of draw `sample` (0…samples−1) for examples [start, start + size): name → [size, …].
   * Runs inside tf.tidy; draws come in order, batch by batch, so a model may draw noise from `rng` in turn.
   */
  draw: (start: number, size: number, sample: number, rng: Rng) => Record<Q, tf.Tensor>;
  /** Quantities taken from the first draw only (closed forms, the same for every draw); the rest are averaged over draws. */
  firstDraw?: readonly Q[];
  /** Keep the values of every example (see the top of this file); default false: means only. */
  perExample?: boolean;
}

export interface BatchResults<Q extends string> {
  /** Means over the examples: name → the mean of each value an example has (one for a [size] quantity). */
  means: Record<Q, number[]>;
  /** With perExample: name → values [n × the values an example has], row-major. */
  perExample?: Record<Q, Float64Array>;
  n: number;
  samples: number;
}

/** Runs `loop` over the data set (see the top of this file for the order of the sums). */
export async function evaluateBatches<Q extends string>(
  loop: BatchLoop<Q>,
  opts: EvaluateOptions = {},
): Promise<BatchResults<Q>> {
  const { n, where } = loop;
  if (n === 0) throw new Error(`${where}: no examples`);
  const bs = opts.batchSize ?? loop.defaultBatchSize;
  const samples = opts.samples ?? 1;
  if (!(Number.isInteger(bs) && bs >= 1)) throw new Error(`${where}: batchSize must be a positive integer, got ${bs}`);
  if (!(Number.isInteger(samples) && samples >= 1))
    throw new Error(`${where}: samples must be a positive integer, got ${samples}`);
  const seed = opts.rng ?? loop.defaultSeed;
  if (seed === undefined) throw new Error(`${where}: rng is required`);
  const rng = seed instanceof Rng ? seed : new Rng(seed);
  const first = new Set<string>(loop.firstDraw ?? []);
  let names: Q[] = [];
  const width: Record<string, number> = {};
  const sums: Record<string, Float64Array> = {};
  /** Reads the quantities of one batch (each flattened, in `names` order) and sizes the sums on first use. */
  const read = async (t: Record<Q, tf.Tensor>, rows: number): Promise<Float32Array> => {
    if (names.length === 0) {
      names = Object.keys(t) as Q[];
      for (const q of names) {
        width[q] = t[q].size / t[q].shape[0];
        sums[q] = new Float64Array(loop.perExample ? n * width[q] : width[q]);
      }
    }
    const flat = tf.tidy(() => tf.concat(names.map((q) => tf.reshape(t[q], [-1]))));
    const v = (await flat.data()) as Float32Array;
    tf.dispose([flat, ...Object.values<tf.Tensor>(t)]);
    if (v.length !== names.reduce((s, q) => s + rows * width[q], 0))
      throw new Error(`${where}: the quantities of a draw changed shape`);
    return v;
  };
  for (let start = 0; start < n; start += bs) {
    const size = Math.min(bs, n - start);
    if (loop.perExample) {
      for (let s = 0; s < samples; s++) {
        const v = await read(
          tf.tidy(() => loop.draw(start, size, s, rng)),
          size,
        );
        let at = 0;
        for (const q of names) {
          const w = width[q],
            out = sums[q],
            keep = !first.has(q);
          if (keep || s === 0)
            for (let i = 0; i < size * w; i++) out[start * w + i] += keep ? v[at + i] / samples : v[at + i];
          at += size * w;
        }
        await new Promise((r) => setImmediate(r)); // let a notebook's output through between batches
      }
    } else {
      const batchSums = tf.tidy(() => {
        const acc: Partial<Record<Q, tf.Tensor>> = {};
        for (let s = 0; s < samples; s++) {
          const d = loop.draw(start, size, s, rng);
          for (const q of Object.keys(d) as Q[]) {
            if (first.has(q)) acc[q] ??= tf.sum(d[q], 0);
            else acc[q] = tf.add(acc[q] ?? tf.zeros(d[q].shape.slice(1)), tf.sum(d[q], 0));
          }
        }
        return Object.fromEntries(
          (Object.keys(acc) as Q[]).map((q) => [
            q,
            tf.reshape(first.has(q) ? acc[q]! : tf.div(acc[q]!, samples), [1, -1]),
          ]),
        ) as Record<Q, tf.Tensor>;
      });
      const v = await read(batchSums, 1);
      let at = 0;
      for (const q of names) {
        for (let k = 0; k < width[q]; k++) sums[q][k] += v[at + k];
        at += width[q];
      }
    }
  }
  const means = {} as Record<Q, number[]>;
  for (const q of names) {
    const w = width[q],
      total = new Float64Array(w);
    if (loop.perExample) for (let i = 0; i < n; i++) for (let k = 0; k < w; k++) total[k] += sums[q][i * w + k];
    else total.set(sums[q]);
    means[q] = Array.from(total, (t) => t / n);
  }
  return { means, ...(loop.perExample ? { perExample: sums as Record<Q, Float64Array> } : {}), n, samples };
}

/** Test-set means of a VAE's record, nats per example. */
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

/**
 * Means over n examples of the closed-form-rate record that `recordOf(start, size, rng)` gives for examples
 * [start, start + size): distortion averaged over the draws, ratePerDim from the first draw (the same for
 * every draw), rate = Σ ratePerDim. `where` names the caller; `defaultSeed` is the default z stream.
 */
export async function evaluateRecords(
  n: number,
  recordOf: (start: number, size: number, rng: Rng) => RateDistortion,
  opts: EvaluateOptions,
  where: string,
  defaultSeed: Seed,
): Promise<VaeEvaluation> {
  const { means } = await evaluateBatches<"distortion" | "ratePerDim">(
    {
      n,
      where,
      defaultSeed,
      defaultBatchSize: 512,
      firstDraw: ["ratePerDim"],
      draw: (start, size, _s, rng) => {
        const rec = recordOf(start, size, rng);
        return { distortion: rec.distortion, ratePerDim: rec.ratePerDim! };
      },
    },
    opts,
  );
  const ratePerDim = means.ratePerDim;
  const rate = ratePerDim.reduce((a, b) => a + b, 0);
  const distortion = means.distortion[0];
  return { distortion, rate, elbo: -(distortion + rate), ratePerDim, n };
}
