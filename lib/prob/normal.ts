// Normal(loc, scale): the Gaussian with standard deviation `scale`.
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { broadcastShapes, Distribution, Param, ParamStore, sampleShape, tfOpSeed } from "./distribution";
import { fusedNormalLogProb } from "./gaussian-kernels";

export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log N(x; loc, exp(logScale)²) elementwise, from the log standard deviation (a decoder's usual output): the
 * scale enters as e^(−logScale) and logScale directly, with no exp/log round trip through Normal's scale.
 */
export function normalLogProbFromLogScale(x: tf.Tensor, loc: tf.Tensor, logScale: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.mul(tf.sub(x, loc), tf.exp(tf.neg(logScale)));
    return tf.sub(tf.neg(tf.add(tf.mul(tf.square(z), 0.5), logScale)), HALF_LOG_2PI);
  });
}

/** Independent normals N(loc, scale²), parameters broadcast to one batch shape. Reparameterised. */
export class Normal implements Distribution {
  readonly name = "Normal";
  readonly reparameterized = true;
  readonly loc: tf.Tensor;
  readonly scale: tf.Tensor;
  readonly batchShape: number[];
  private readonly params = new ParamStore("Normal");

  constructor(loc: Param = 0, scale: Param = 1) {
    this.loc = this.params.tensor("loc", loc);
    this.scale = this.params.tensor("scale", scale);
    this.batchShape = broadcastShapes("Normal(loc, scale)", this.loc.shape, this.scale.shape);
  }

  /** N(mu, exp(logvar)), the usual encoder parameterisation. */
  static fromLogVar(mu: tf.Tensor, logvar: tf.Tensor): Normal {
    const scale = tf.tidy(() => tf.exp(tf.mul(logvar, 0.5)));
    const n = new Normal(mu, scale);
    n.params.adopt(scale);
    return n;
  }

  logProb(x: tf.Tensor): tf.Tensor {
    const fused = fusedNormalLogProb(x, this.loc, this.scale);
    if (fused) return fused;
    return tf.tidy(() => {
      const z = tf.div(tf.sub(x, this.loc), this.scale);
      return tf.sub(tf.neg(tf.add(tf.mul(tf.square(z), 0.5), tf.log(this.scale))), HALF_LOG_2PI);
    });
  }

  sample(rng: Rng, extraShape: number[] = []): tf.Tensor {
    const shape = sampleShape(this.name, this.batchShape, extraShape);
    return tf.tidy(() => tf.add(this.loc, tf.mul(this.scale, tf.randomNormal(shape, 0, 1, "float32", tfOpSeed(rng)))));
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.add(this.loc, tf.zeros(this.batchShape)));
  }

  variance(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.square(this.scale), tf.zeros(this.batchShape)));
  }

  /** ½ log(2πe σ²). */
  entropy(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.add(tf.log(this.scale), 0.5 + HALF_LOG_2PI), tf.zeros(this.batchShape)));
  }

  dispose(): void {
    this.params.dispose();
  }
}
