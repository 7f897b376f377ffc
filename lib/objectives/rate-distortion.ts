// The RateDistortion record: what every vaelab objective returns. Per-example tensors, not a scalar,
// so that RD plots, ELBO tables and training losses all read the same fields, in nats:
//   distortion D_b = −E_q[log p(x_b | z)],  rate R_b = KL(q(z | x_b) ‖ p(z)) (or its estimate),
//   elbo_b = −(D_b + R_b).
// A rate controller (./controllers) turns the record into the scalar training loss.
import * as tf from "@tensorflow/tfjs";

export interface RateDistortion {
  /** [B] distortion per example, nats. */
  distortion: tf.Tensor1D;
  /** [B] total rate per example, nats. */
  rate: tf.Tensor1D;
  /** [B] −(distortion + rate), nats. */
  elbo: tf.Tensor1D;
  /** Named rate parts, each [B] nats (e.g. per-latent rates "z", "mask", or "tc", "pc"). They need not sum to `rate`. */
  terms: Record<string, tf.Tensor1D>;
  /** Optional [B, K] per-dimension decomposition of `rate` (sums over K to `rate`); used by per-dimension free bits. */
  ratePerDim?: tf.Tensor2D;
  /** Optional per-element rates of named terms, [B, E_t] each (sums over E_t to terms[t]); used by per-term free bits (Eq. 37). */
  termElements?: Record<string, tf.Tensor2D>;
}

export interface RateDistortionParts {
  distortion: tf.Tensor;
  /** Total rate; if omitted, the sum of `ratePerDim` over K, else of `terms`. */
  rate?: tf.Tensor;
  terms?: Record<string, tf.Tensor>;
  ratePerDim?: tf.Tensor;
  termElements?: Record<string, tf.Tensor>;
}

function check1D(t: tf.Tensor, what: string, B: number): tf.Tensor1D {
  if (t.rank !== 1 || t.shape[0] !== B)
    throw new Error(`rateDistortion: ${what} must have shape [${B}] (one value per example), got [${t.shape}]`);
  return t as tf.Tensor1D;
}

/**
 * Build a RateDistortion record from its parts, checking shapes and filling in `rate` (from
 * `ratePerDim` or `terms`) and `elbo`. The returned tensors are new or the given ones; call inside tf.tidy.
 */
export function rateDistortion(parts: RateDistortionParts): RateDistortion {
  const { distortion } = parts;
  if (distortion.rank !== 1)
    throw new Error(`rateDistortion: distortion must have shape [B], got [${distortion.shape}]`);
  const B = distortion.shape[0];
  const terms: Record<string, tf.Tensor1D> = {};
  for (const k of Object.keys(parts.terms ?? {})) terms[k] = check1D(parts.terms![k], `terms.${k}`, B);
  let ratePerDim: tf.Tensor2D | undefined;
  if (parts.ratePerDim) {
    const r = parts.ratePerDim;
    if (r.rank !== 2 || r.shape[0] !== B)
      throw new Error(`rateDistortion: ratePerDim must have shape [${B}, K], got [${r.shape}]`);
    ratePerDim = r as tf.Tensor2D;
  }
  let rate: tf.Tensor1D;
  if (parts.rate) rate = check1D(parts.rate, "rate", B);
  else if (ratePerDim) rate = tf.sum(ratePerDim, 1) as tf.Tensor1D;
  else if (Object.keys(terms).length) rate = tf.addN(Object.values(terms)) as tf.Tensor1D;
  else throw new Error("rateDistortion: give rate, ratePerDim or terms");
  let termElements: Record<string, tf.Tensor2D> | undefined;
  if (parts.termElements) {
    termElements = {};
    for (const k of Object.keys(parts.termElements)) {
      const e = parts.termElements[k];
      if (e.rank !== 2 || e.shape[0] !== B)
        throw new Error(`rateDistortion: termElements.${k} must have shape [${B}, E], got [${e.shape}]`);
      if (!terms[k])
        throw new Error(
          `rateDistortion: termElements.${k} has no matching term (terms: ${Object.keys(terms).join(", ") || "none"})`,
        );
      termElements[k] = e as tf.Tensor2D;
    }
  }
  const elbo = tf.neg(tf.add(distortion, rate)) as tf.Tensor1D;
  return {
    distortion: distortion as tf.Tensor1D,
    rate,
    elbo,
    terms,
    ...(ratePerDim ? { ratePerDim } : {}),
    ...(termElements ? { termElements } : {}),
  };
}

/** Every tensor of a record (for disposal or tf.keep). */
export function recordTensors(r: RateDistortion): tf.Tensor[] {
  const out: tf.Tensor[] = [r.distortion, r.rate, r.elbo, ...Object.values(r.terms)];
  if (r.ratePerDim) out.push(r.ratePerDim);
  if (r.termElements) out.push(...Object.values(r.termElements));
  return out;
}

export function disposeRecord(r: RateDistortion): void {
  tf.dispose(recordTensors(r));
}

/** Batch means of a record, as plain numbers (nats per example). */
export interface RateDistortionSummary {
  distortion: number;
  rate: number;
  elbo: number;
  terms: Record<string, number>;
  /** Mean rate per dimension [K], if the record has ratePerDim. */
  ratePerDim?: number[];
}

/** [D, R, elbo, ...terms] batch means stacked into one tensor (one read instead of many). */
export function recordMeans(r: RateDistortion): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.stack([
        tf.mean(r.distortion),
        tf.mean(r.rate),
        tf.mean(r.elbo),
        ...Object.keys(r.terms).map((k) => tf.mean(r.terms[k])),
      ]) as tf.Tensor1D,
  );
}

/** Read a record's batch means. Does not dispose the record. */
export async function summarize(r: RateDistortion): Promise<RateDistortionSummary> {
  const m = recordMeans(r);
  const v = await m.data();
  m.dispose();
  const names = Object.keys(r.terms);
  const terms: Record<string, number> = {};
  names.forEach((k, i) => (terms[k] = v[3 + i]));
  const out: RateDistortionSummary = { distortion: v[0], rate: v[1], elbo: v[2], terms };
  if (r.ratePerDim) {
    const pd = tf.mean(r.ratePerDim, 0);
    out.ratePerDim = Array.from(await pd.data());
    pd.dispose();
  }
  return out;
}
