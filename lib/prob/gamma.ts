// Gamma(concentration, rate) and the standard-gamma sampler shared with Beta.
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { addAll, broadcastShapes, Distribution, expandTo, Param, ParamStore, sampleShape, tfOpSeed } from "./distribution";
import { digamma, lgamma } from "./special";

/** Smallest positive normal float32; samples are clamped to it so log-densities stay finite. */
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/** One Gamma(α, 1) draw by Marsaglia & Tsang (2000), with the U^(1/α) boost for α < 1. */
function standardGammaScalar(rng: Rng, alpha: number): number {
  if (!(alpha > 0)) throw new Error(`lib/prob/gamma: concentration must be > 0, got ${alpha}`);
  const boost = alpha < 1;
  const d = (boost ? alpha + 1 : alpha) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
      const g = d * v;
      // 1 − uniform() lies in (0, 1], so the boost never takes log 0.
      return boost ? g * Math.pow(1 - rng.uniform(), 1 / alpha) : g;
    }
  }
}

/**
 * Gamma(α, 1) samples of shape `shape`, where the concentration tensor broadcasts to `shape`.
 * A single concentration uses tf.randomGamma (rate fixed at 1: tfjs 4.22 multiplies by its `beta`
 * argument although it documents it as a rate). Different concentrations per element use our own
 * Marsaglia–Tsang sampler on the Rng stream, because tf.randomGamma takes only a scalar α.
 */
export function sampleStandardGamma(rng: Rng, concentration: tf.Tensor, shape: number[]): tf.Tensor {
  const alphas = tf.tidy(() => expandTo(concentration, shape).dataSync() as Float32Array);
  if (alphas.length === 0) return tf.zeros(shape);
  const first = alphas[0];
  if (alphas.every((a) => a === first)) {
    if (!(first > 0)) throw new Error(`lib/prob/gamma: concentration must be > 0, got ${first}`);
    return tf.randomGamma(shape, first, 1, "float32", tfOpSeed(rng));
  }
  const out = new Float32Array(alphas.length);
  for (let i = 0; i < alphas.length; i++) out[i] = standardGammaScalar(rng, alphas[i]);
  return tf.tensor(out, shape, "float32");
}

/** Independent Gamma(α = concentration, β = rate): density β^α x^(α−1) e^(−βx) / Γ(α). Not reparameterised. */
export class Gamma implements Distribution {
  readonly name = "Gamma";
  readonly reparameterized = false;
  readonly concentration: tf.Tensor;
  readonly rate: tf.Tensor;
  readonly batchShape: number[];
  private readonly params = new ParamStore("Gamma");

  constructor(concentration: Param = 1, rate: Param = 1) {
    this.concentration = this.params.tensor("concentration", concentration);
    this.rate = this.params.tensor("rate", rate);
    this.batchShape = broadcastShapes("Gamma(concentration, rate)", this.concentration.shape, this.rate.shape);
  }

  /** α log β + (α − 1) log x − β x − lgamma(α), for x > 0. */
  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const a = this.concentration;
      return tf.sub(
        tf.add(tf.mul(a, tf.log(this.rate)), tf.mul(tf.sub(a, 1), tf.log(x))),
        tf.add(tf.mul(this.rate, x), lgamma(a)),
      );
    });
  }

  /** Samples are kept ≥ the smallest normal float32 so that small concentrations never give log 0. */
  sample(rng: Rng, extraShape: number[] = []): tf.Tensor {
    const shape = sampleShape(this.name, this.batchShape, extraShape);
    return tf.tidy(() => tf.maximum(tf.div(sampleStandardGamma(rng, this.concentration, shape), this.rate), FLOAT32_MIN_NORMAL));
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.div(this.concentration, this.rate));
  }

  variance(): tf.Tensor {
    return tf.tidy(() => tf.div(this.concentration, tf.square(this.rate)));
  }

  /** α − log β + lgamma(α) + (1 − α) ψ(α). */
  entropy(): tf.Tensor {
    return tf.tidy(() => {
      const a = this.concentration;
      return addAll(tf.sub(a, tf.log(this.rate)), lgamma(a), tf.mul(tf.sub(1, a), digamma(a)));
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
