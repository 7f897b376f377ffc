// Beta(a, b) on (0, 1).
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { addAll, broadcastShapes, Distribution, Param, ParamStore, sampleShape } from "./distribution";
import { FLOAT32_MIN_NORMAL, sampleStandardGamma } from "./gamma";
import { digamma, lbeta, log1p } from "./special";

/** Independent Beta(a, b): density x^(a−1) (1−x)^(b−1) / B(a, b). Sampled as X/(X+Y), X~Γ(a), Y~Γ(b), reparameterised through the gammas' implicit gradients. */
export class Beta implements Distribution {
  readonly name = "Beta";
  readonly reparameterized = true;
  readonly a: tf.Tensor;
  readonly b: tf.Tensor;
  readonly batchShape: number[];
  private readonly params = new ParamStore("Beta");

  constructor(a: Param = 1, b: Param = 1) {
    this.a = this.params.tensor("a", a);
    this.b = this.params.tensor("b", b);
    this.batchShape = broadcastShapes("Beta(a, b)", this.a.shape, this.b.shape);
  }

  /** (a − 1) log x + (b − 1) log(1 − x) − log B(a, b), for 0 < x < 1. */
  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() =>
      tf.sub(
        tf.add(tf.mul(tf.sub(this.a, 1), tf.log(x)), tf.mul(tf.sub(this.b, 1), log1p(tf.neg(x)))),
        lbeta(this.a, this.b),
      ),
    );
  }

  /**
   * Samples are clamped to [smallest normal float32, 1 − 2⁻²⁴]: in float32, X/(X+Y) rounds to exactly 0 or 1
   * often enough for a, b < 1 that log p would otherwise be infinite.
   */
  sample(rng: Rng, extraShape: number[] = []): tf.Tensor {
    const shape = sampleShape(this.name, this.batchShape, extraShape);
    return tf.tidy(() => {
      const x = sampleStandardGamma(rng, this.a, shape);
      const y = sampleStandardGamma(rng, this.b, shape);
      return tf.clipByValue(tf.div(x, tf.add(x, y)), FLOAT32_MIN_NORMAL, 1 - 2 ** -24);
    });
  }

  /** a / (a + b). */
  mean(): tf.Tensor {
    return tf.tidy(() => tf.div(this.a, tf.add(this.a, this.b)));
  }

  /** ab / ((a + b)² (a + b + 1)). */
  variance(): tf.Tensor {
    return tf.tidy(() => {
      const s = tf.add(this.a, this.b);
      return tf.div(tf.mul(this.a, this.b), tf.mul(tf.square(s), tf.add(s, 1)));
    });
  }

  /** log B(a, b) − (a − 1)ψ(a) − (b − 1)ψ(b) + (a + b − 2)ψ(a + b). */
  entropy(): tf.Tensor {
    return tf.tidy(() => {
      const s = tf.add(this.a, this.b);
      return addAll(
        lbeta(this.a, this.b),
        tf.neg(tf.mul(tf.sub(this.a, 1), digamma(this.a))),
        tf.neg(tf.mul(tf.sub(this.b, 1), digamma(this.b))),
        tf.mul(tf.sub(s, 2), digamma(s)),
      );
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
