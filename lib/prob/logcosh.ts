// The logcosh prior of nonlinear ICA (PDisVAE, seed 002 Sec. 2.2):
//   p(z) = π sech²(π z / (2√3)) / (4√3),
// which is the logistic density with unit variance. With loc and scale it is the logistic with mean
// `loc` and standard deviation `scale` (logistic scale s = scale·√3/π).
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { broadcastShapes, Distribution, Param, ParamStore, sampleShape, tfOpSeed } from "./distribution";
import { log1p, logCosh } from "./special";

/** Logistic scale of the unit-variance logcosh density, √3/π. */
export const LOGCOSH_UNIT_SCALE = Math.sqrt(3) / Math.PI;

// Clamp for inverse-CDF uniforms: float32 uniforms can be exactly 0 or round up to 1.
const U_EPS = 2 ** -24;

/**
 * Independent logcosh (logistic) variables with mean `loc` and standard deviation `scale`;
 * Logcosh() is the unit-variance prior of the paper. Sampled by inverse CDF (reparameterised).
 */
export class Logcosh implements Distribution {
  readonly name = "Logcosh";
  readonly reparameterized = true;
  readonly loc: tf.Tensor;
  readonly scale: tf.Tensor;
  readonly batchShape: number[];
  private readonly params = new ParamStore("Logcosh");

  constructor(loc: Param = 0, scale: Param = 1) {
    this.loc = this.params.tensor("loc", loc);
    this.scale = this.params.tensor("scale", scale);
    this.batchShape = broadcastShapes("Logcosh(loc, scale)", this.loc.shape, this.scale.shape);
  }

  /** Logistic scale s = scale·√3/π. */
  logisticScale(): tf.Tensor {
    return tf.mul(this.scale, LOGCOSH_UNIT_SCALE);
  }

  /** −log(4s) − 2 log cosh((x − loc) / (2s)). */
  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const s = this.logisticScale();
      const u = tf.div(tf.sub(x, this.loc), tf.mul(s, 2));
      return tf.sub(tf.neg(tf.log(tf.mul(s, 4))), tf.mul(logCosh(u), 2));
    });
  }

  /** CDF sigmoid((x − loc)/s). */
  cdf(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.sigmoid(tf.div(tf.sub(x, this.loc), this.logisticScale())));
  }

  /** loc + s·logit(u), u ~ U(0, 1). */
  sample(rng: Rng, extraShape: number[] = []): tf.Tensor {
    const shape = sampleShape(this.name, this.batchShape, extraShape);
    return tf.tidy(() => {
      const u = tf.clipByValue(tf.randomUniform(shape, 0, 1, "float32", tfOpSeed(rng)), U_EPS, 1 - U_EPS);
      const logit = tf.sub(tf.log(u), log1p(tf.neg(u)));
      return tf.add(this.loc, tf.mul(this.logisticScale(), logit));
    });
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.zeros(this.batchShape)));
  }

  variance(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.square(this.scale), tf.zeros(this.batchShape)));
  }

  /** log s + 2. */
  entropy(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.add(tf.log(this.logisticScale()), 2), tf.zeros(this.batchShape)));
  }

  dispose(): void {
    this.params.dispose();
  }
}
