// Weighted penalty terms on top of a rate controller:
//   loss = inner.loss(record) + Σ_t w_t · mean_b T_{t,b},
// for objectives that add a named term of the RateDistortion record to the negative ELBO with its own
// weight, outside the rate weight of the inner controller — β-TCVAE and PDisVAE (seed 002, Eq. 1 and
// 3: loss = D + KL + β·TC or β·PC). The record keeps `rate` = the KL to the prior (so RD plots and the
// ELBO read the usual fields) and carries TC/PC as terms; this wrapper is where their weight enters,
// so the model does no loss arithmetic of its own.
import * as tf from "@tensorflow/tfjs";
import { ControllerState, RateController, StepStats, fixedBeta } from "./controllers";
import { RateDistortion } from "./rate-distortion";

class TermPenalties implements RateController {
  readonly name: string;
  private readonly names: string[];

  constructor(
    private readonly inner: RateController,
    private readonly weights: Record<string, number>,
  ) {
    this.names = Object.keys(weights);
    for (const k of this.names) {
      const w = weights[k];
      if (!(typeof w === "number" && Number.isFinite(w) && w >= 0))
        throw new Error(`withTermPenalties: the weight of "${k}" must be a finite number ≥ 0, got ${w}`);
    }
    this.name = this.names.length
      ? `${inner.name} + ${this.names.map((k) => `${weights[k]}·${k}`).join(" + ")}`
      : inner.name;
  }

  /** Σ_t w_t · mean_b T_t (a scalar). */
  private terms(record: RateDistortion): tf.Scalar {
    return tf.tidy(() => {
      let s: tf.Tensor = tf.scalar(0);
      for (const k of this.names) {
        const t = record.terms[k];
        if (!t)
          throw new Error(
            `withTermPenalties: the record has no term "${k}" (has: ${Object.keys(record.terms).join(", ") || "none"})`,
          );
        s = tf.add(s, tf.mul(tf.mean(t), this.weights[k]));
      }
      return s as tf.Scalar;
    });
  }

  loss(record: RateDistortion, step: number): tf.Scalar {
    return tf.tidy(() => tf.add(this.inner.loss(record, step), this.terms(record)) as tf.Scalar);
  }

  penalty(record: RateDistortion, step: number): tf.Scalar {
    return tf.tidy(() => tf.add(this.inner.penalty(record, step), this.terms(record)) as tf.Scalar);
  }

  update(stats: StepStats, step: number): void {
    this.inner.update(stats, step);
  }

  state(): ControllerState {
    const out: ControllerState = { ...this.inner.state() };
    for (const k of this.names) out[`weight_${k}`] = this.weights[k];
    return out;
  }

  load(state: ControllerState): void {
    this.inner.load(state);
  }
}

/**
 * `inner` (default fixedBeta(1), the negative ELBO) plus Σ_t w_t · mean(record.terms[t]). Throws at the
 * first loss if the record lacks a named term. With no weights it behaves exactly like `inner`.
 */
export function withTermPenalties(
  inner: RateController = fixedBeta(1),
  weights: Record<string, number> = {},
): RateController {
  return new TermPenalties(inner, weights);
}
