// The common shape of vaelab's distributions and the helpers they share: turning parameters into
// tensors, broadcasting them to one batch shape, and the sample shape convention
// [...extraShape, ...batchShape].
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";

/** A parameter as given by callers: a float tensor or plain numbers (converted to float32). */
export type Param = tf.Tensor | number | number[] | number[][] | number[][][];

/**
 * A batch of independent univariate distributions with parameters broadcast to `batchShape`.
 * Every tensor returned is new and owned by the caller (dispose it or call inside tf.tidy).
 */
export interface Distribution {
  /** Class name, used in error messages and KL dispatch. */
  readonly name: string;
  /** Broadcast shape of the parameters. */
  readonly batchShape: number[];
  /** True when sample() is a differentiable function of the parameters (reparameterisation trick). */
  readonly reparameterized: boolean;
  /** Elementwise log-density (or log-mass); x broadcasts against batchShape, result has the broadcast shape. */
  logProb(x: tf.Tensor): tf.Tensor;
  /** Draw samples of shape [...extraShape, ...batchShape] using only randomness from rng. */
  sample(rng: Rng, extraShape?: number[]): tf.Tensor;
  /** Elementwise mean, shape batchShape. */
  mean(): tf.Tensor;
  /** Elementwise variance, shape batchShape. */
  variance(): tf.Tensor;
  /** Elementwise differential entropy in nats (when closed form exists), shape batchShape. */
  entropy?(): tf.Tensor;
  /** Dispose the parameter tensors this object created from plain numbers (never the caller's tensors). */
  dispose(): void;
}

/**
 * Holds parameter tensors and remembers which ones it created (from numbers) so dispose() frees only those.
 * Created tensors are not tf.keep-ed: a distribution built inside tf.tidy lives as long as that tidy
 * (the usual pattern in a training step); one built outside any tidy is freed by dispose().
 */
export class ParamStore {
  private readonly owned: tf.Tensor[] = [];

  constructor(private readonly owner: string) {}

  /** A float32 tensor for a parameter; plain numbers become owned tensors. */
  tensor(name: string, p: Param): tf.Tensor {
    if (p instanceof tf.Tensor) {
      if (p.dtype !== "float32") throw new Error(`${this.owner}: parameter '${name}' must be float32, got ${p.dtype}`);
      if (p.isDisposed) throw new Error(`${this.owner}: parameter '${name}' is a disposed tensor`);
      return p;
    }
    if (typeof p === "number") {
      return this.adopt(tf.scalar(p, "float32"));
    }
    if (!Array.isArray(p))
      throw new Error(`${this.owner}: parameter '${name}' must be a tensor, number or nested number array`);
    return this.adopt(tf.tensor(p as number[], undefined, "float32"));
  }

  /** Take ownership of a tensor derived for this distribution (freed by dispose()). */
  adopt(t: tf.Tensor): tf.Tensor {
    this.owned.push(t);
    return t;
  }

  dispose(): void {
    for (const t of this.owned) if (!t.isDisposed) t.dispose();
    this.owned.length = 0;
  }
}

/** NumPy-style broadcast of shapes; throws naming `where` and the shapes when they do not broadcast. */
export function broadcastShapes(where: string, ...shapes: number[][]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = new Array(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new Error(`${where}: shapes ${shapes.map((x) => `[${x.join(",")}]`).join(" and ")} do not broadcast`);
      }
    }
  }
  return out;
}

/** Validates an extraShape argument and returns [...extraShape, ...batchShape]. */
export function sampleShape(where: string, batchShape: number[], extraShape: number[] = []): number[] {
  for (const d of extraShape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${where}.sample: extraShape must be non-negative integers, got [${extraShape.join(",")}]`);
  }
  return [...extraShape, ...batchShape];
}

/** Sum of tensors with broadcasting (tf.addN requires equal shapes). */
export function addAll(...ts: tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => ts.slice(1).reduce((acc, t) => tf.add(acc, t), ts[0]));
}

/** Broadcasts a parameter tensor to a full shape (inside a tidy). */
export function expandTo(t: tf.Tensor, shape: number[]): tf.Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  return tf.broadcastTo(t, shape);
}

/**
 * A tfjs op seed from the Rng. tfjs treats seed 0 as "no seed" (it falls back to Math.random),
 * so 0 is mapped to 1.
 */
export function tfOpSeed(rng: Rng): number {
  return rng.tfSeed() || 1;
}
