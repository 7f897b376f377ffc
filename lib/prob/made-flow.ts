// A learned mean-only autoregressive flow prior built from MADE networks (VI-EMD, thesis App. B, supplement
// J "Autoregressive flow prior"; the VLAE's AF prior, Chen et al. 2017; MADE, Germain et al. 2015).
//
// Over vectors z ∈ R^D (for VI-TasNet: the K encoding channels of one frame, frames independent), flow j
// maps ε to z by z_i = ε_i + μ_i(z_{<i}) with μ a MADE (masked MLP whose output i sees only inputs before
// i in the flow's ordering). Its inverse is parallel: ε = z − μ(z), with a unit-triangular Jacobian, so
// log p(z) = log N(ε; 0, I) exactly (volume preserving). Several flows are stacked with reversed orderings.
// Sampling inverts each flow sequentially (D passes). Output layers start at zero, so an untrained prior is N(0, I).
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import { ParamStore, glorotUniform, zeros } from "../nets/params";
import { HALF_LOG_2PI } from "./normal";

export interface MadeFlowSpec {
  /** Dimension D of each vector. */
  dim: number;
  /** Hidden widths of each MADE. */
  hidden: number[];
  /** Number of stacked flows (orderings alternate identity / reversed). */
  flows: number;
}

interface MadeLayer {
  w: tf.Variable;
  b: tf.Variable;
  mask: tf.Tensor;
}

/** MADE masks: degrees 1…D for inputs (in `order`), hidden degrees cycling 1…D−1, output i sees degrees < its own. */
function madeMasks(D: number, hidden: number[], order: number[]): Float32Array[] {
  const degIn = new Array<number>(D);
  order.forEach((d, pos) => (degIn[d] = pos + 1));
  const degs: number[][] = [degIn];
  hidden.forEach((h) => degs.push(Array.from({ length: h }, (_, k) => (D > 1 ? (k % (D - 1)) + 1 : 1))));
  const masks: Float32Array[] = [];
  for (let l = 0; l < hidden.length; l++) {
    const a = degs[l],
      b = degs[l + 1];
    const m = new Float32Array(a.length * b.length);
    for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) m[i * b.length + j] = b[j] >= a[i] ? 1 : 0;
    masks.push(m);
  }
  const last = degs[degs.length - 1];
  const out = new Float32Array(last.length * D);
  for (let i = 0; i < last.length; i++) for (let j = 0; j < D; j++) out[i * D + j] = degIn[j] > last[i] ? 1 : 0;
  masks.push(out);
  return masks;
}

export class MadeFlowPrior {
  readonly name = "MadeFlowPrior";
  private readonly layers: MadeLayer[][];
  readonly orders: number[][];

  constructor(
    store: ParamStore,
    prefix: string,
    readonly spec: MadeFlowSpec,
  ) {
    const { dim: D, hidden, flows } = spec;
    if (!(Number.isInteger(D) && D >= 1)) throw new Error(`MadeFlowPrior: dim must be a positive integer, got ${D}`);
    if (!(Number.isInteger(flows) && flows >= 1))
      throw new Error(`MadeFlowPrior: flows must be a positive integer, got ${flows}`);
    if (!hidden.every((h) => Number.isInteger(h) && h >= 1))
      throw new Error(`MadeFlowPrior: hidden widths must be positive integers, got [${hidden}]`);
    this.orders = Array.from({ length: flows }, (_, j) => {
      const id = Array.from({ length: D }, (_, i) => i);
      return j % 2 === 0 ? id : id.reverse();
    });
    this.layers = this.orders.map((order, j) => {
      const masks = madeMasks(D, hidden, order);
      const widths = [D, ...hidden, D];
      return masks.map((m, l) => ({
        w: store.add(
          `${prefix}/flow${j}/l${l}/w`,
          [widths[l], widths[l + 1]],
          l === masks.length - 1 ? zeros : glorotUniform,
        ),
        b: store.add(`${prefix}/flow${j}/l${l}/b`, [widths[l + 1]], zeros),
        mask: tf.keep(tf.tensor2d(m, [widths[l], widths[l + 1]])),
      }));
    });
  }

  /** μ(z) of flow j for z [n, D]. */
  private shift(j: number, z: tf.Tensor): tf.Tensor {
    const L = this.layers[j];
    let h = z;
    L.forEach((l, i) => {
      h = tf.add(tf.matMul(h, tf.mul(l.w, l.mask)), l.b);
      if (i < L.length - 1) h = tf.relu(h);
    });
    return h;
  }

  /** ε for z (the inverse of the flows, applied last flow first): [..., D] → [..., D]. */
  inverse(z: tf.Tensor): tf.Tensor {
    const D = this.spec.dim;
    if (z.shape[z.rank - 1] !== D)
      throw new Error(`MadeFlowPrior: vectors must have last dimension ${D}, got [${z.shape}]`);
    return tf.tidy(() => {
      let e = tf.reshape(z, [-1, D]);
      for (let j = this.layers.length - 1; j >= 0; j--) e = tf.sub(e, this.shift(j, e));
      return tf.reshape(e, z.shape);
    });
  }

  /** log p(z) summed over the last axis: [..., D] → [...]. */
  logProb(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const e = this.inverse(z);
      return tf.sub(tf.mul(tf.sum(tf.square(e), -1), -0.5), this.spec.dim * HALF_LOG_2PI);
    });
  }

  /** z for ε (sequential inversion of each flow): [..., D] → [..., D]. */
  forward(eps: tf.Tensor): tf.Tensor {
    const D = this.spec.dim;
    return tf.tidy(() => {
      let z = tf.reshape(eps, [-1, D]);
      for (let j = 0; j < this.layers.length; j++) {
        // z' = ε' + μ(z'): fix the coordinates one at a time in the flow's order
        const base = z;
        let cur = base;
        for (let pos = 0; pos < D; pos++) cur = tf.add(base, this.shift(j, cur));
        z = cur;
      }
      return tf.reshape(z, eps.shape);
    });
  }

  /** `n` samples [n, D]. */
  sample(rng: Rng, n: number): tf.Tensor {
    return tf.tidy(() => this.forward(rng.normalTensor([n, this.spec.dim])));
  }

  dispose(): void {
    for (const L of this.layers) for (const l of L) l.mask.dispose();
  }
}
