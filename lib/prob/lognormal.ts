// LogNormal(mu, sigma): exp of a Normal(mu, sigma); mu and sigma describe the underlying normal.
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { addAll, broadcastShapes, Distribution, Param, ParamStore, sampleShape, tfOpSeed } from "./distribution";
import { HALF_LOG_2PI } from "./normal";

/** Independent log-normals: log X ~ N(mu, sigma²). Reparameterised. */
export class LogNormal implements Distribution {
  readonly name = "LogNormal";
  readonly reparameterized = true;
  readonly mu: tf.Tensor;
  readonly sigma: tf.Tensor;
  readonly batchShape: number[];
  private readonly params = new ParamStore("LogNormal");

  constructor(mu: Param = 0, sigma: Param = 1) {
    this.mu = this.params.tensor("mu", mu);
    this.sigma = this.params.tensor("sigma", sigma);
    this.batchShape = broadcastShapes("LogNormal(mu, sigma)", this.mu.shape, this.sigma.shape);
  }

  /** log p(x) = −log x − log σ − ½ log 2π − (log x − μ)²/(2σ²), for x > 0. */
  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lx = tf.log(x);
      const z = tf.div(tf.sub(lx, this.mu), this.sigma);
      return tf.sub(tf.neg(addAll(tf.mul(tf.square(z), 0.5), tf.log(this.sigma), lx)), HALF_LOG_2PI);
    });
  }

  sample(rng: Rng, extraShape: number[] = []): tf.Tensor {
    const shape = sampleShape(this.name, this.batchShape, extraShape);
    return tf.tidy(() =>
      tf.exp(tf.add(this.mu, tf.mul(this.sigma, tf.randomNormal(shape, 0, 1, "float32", tfOpSeed(rng))))),
    );
  }

  /** exp(μ + σ²/2). */
  mean(): tf.Tensor {
    return tf.tidy(() => tf.exp(tf.add(this.mu, tf.mul(tf.square(this.sigma), 0.5))));
  }

  /** (exp(σ²) − 1) exp(2μ + σ²). */
  variance(): tf.Tensor {
    return tf.tidy(() => {
      const s2 = tf.square(this.sigma);
      return tf.mul(tf.expm1(s2), tf.exp(tf.add(tf.mul(this.mu, 2), s2)));
    });
  }

  /** μ + ½ + log σ + ½ log 2π. */
  entropy(): tf.Tensor {
    return tf.tidy(() => tf.add(tf.add(this.mu, tf.log(this.sigma)), 0.5 + HALF_LOG_2PI));
  }

  dispose(): void {
    this.params.dispose();
  }
}
