// Bernoulli(logits): the decoder likelihood for binary (or binarised, [0, 1]-valued) images.
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { Distribution, Param, ParamStore, sampleShape, tfOpSeed } from "./distribution";

/**
 * Independent Bernoulli variables parameterised by logits l = log(p / (1 − p)).
 * logProb(x) = x·l − softplus(l) is stable for any l and is also the (negative binary cross-entropy)
 * used for x in [0, 1]. Not reparameterised.
 */
export class Bernoulli implements Distribution {
  readonly name = "Bernoulli";
  readonly reparameterized = false;
  readonly logits: tf.Tensor;
  readonly batchShape: number[];
  private readonly params = new ParamStore("Bernoulli");

  constructor(logits: Param) {
    this.logits = this.params.tensor("logits", logits);
    this.batchShape = this.logits.shape.slice();
  }

  /** A Bernoulli from probabilities p in (0, 1) (logits = log p − log(1 − p)). */
  static fromProbs(probs: tf.Tensor): Bernoulli {
    const logits = tf.tidy(() => tf.sub(tf.log(probs), tf.log(tf.sub(1, probs))));
    const b = new Bernoulli(logits);
    b.params.adopt(logits);
    return b;
  }

  /** sigmoid(logits). */
  probs(): tf.Tensor {
    return tf.sigmoid(this.logits);
  }

  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.sub(tf.mul(x, this.logits), tf.softplus(this.logits)));
  }

  /** 0/1 floats. */
  sample(rng: Rng, extraShape: number[] = []): tf.Tensor {
    const shape = sampleShape(this.name, this.batchShape, extraShape);
    return tf.tidy(() =>
      tf.cast(tf.less(tf.randomUniform(shape, 0, 1, "float32", tfOpSeed(rng)), tf.sigmoid(this.logits)), "float32"),
    );
  }

  mean(): tf.Tensor {
    return tf.sigmoid(this.logits);
  }

  variance(): tf.Tensor {
    return tf.tidy(() => {
      const p = tf.sigmoid(this.logits);
      return tf.mul(p, tf.sub(1, p));
    });
  }

  /** softplus(l) − l·sigmoid(l) = −p log p − (1−p) log(1−p). */
  entropy(): tf.Tensor {
    return tf.tidy(() => tf.sub(tf.softplus(this.logits), tf.mul(this.logits, tf.sigmoid(this.logits))));
  }

  dispose(): void {
    this.params.dispose();
  }
}
