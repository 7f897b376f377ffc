// Scale-invariant signal-to-distortion ratio (Le Roux et al. 2019, "SDR — half-baked or well done?"),
// in dB, and utterance-level permutation-invariant training (PIT, Kolbæk et al. 2017):
//   SI-SDR(ŝ, s) = 10 log10( |α s|² / |α s − ŝ|² ),  α = ⟨ŝ, s⟩ / |s|²,
// with ŝ and s made zero-mean over time first. Invariant to rescaling either signal. For separation
// the loss is −SI-SDR under the best assignment of estimated to reference sources.
import * as tf from "@tensorflow/tfjs";

export interface SiSdrOptions {
  /** Subtract each signal's mean over time first (default true, as in the definition). */
  zeroMean?: boolean;
  /** Added to |s|², |αs|² and |αs − ŝ|² so that silence gives finite values (default 1e-8, as asteroid). */
  eps?: number;
}

/** SI-SDR in dB of estimates against references along the last (time) axis: [..., T] × [..., T] → [...]. */
export function siSdr(est: tf.Tensor, ref: tf.Tensor, opts: SiSdrOptions = {}): tf.Tensor {
  const eps = opts.eps ?? 1e-8;
  return tf.tidy(() => {
    let e = est,
      s = ref;
    if (opts.zeroMean ?? true) {
      e = tf.sub(e, tf.mean(e, -1, true));
      s = tf.sub(s, tf.mean(s, -1, true));
    }
    const dot = tf.sum(tf.mul(e, s), -1, true);
    const alpha = tf.div(dot, tf.add(tf.sum(tf.square(s), -1, true), eps));
    const target = tf.mul(alpha, s);
    const noise = tf.sub(e, target);
    const ratio = tf.div(tf.add(tf.sum(tf.square(target), -1), eps), tf.add(tf.sum(tf.square(noise), -1), eps));
    return tf.mul(tf.log(ratio), 10 / Math.LN10);
  });
}

/** SI-SDR of every estimate against every reference: est [B, S, T], ref [B, S, T] → [B, S_est, S_ref]. */
export function pairwiseSiSdr(est: tf.Tensor, ref: tf.Tensor, opts: SiSdrOptions = {}): tf.Tensor3D {
  if (
    est.rank !== 3 ||
    ref.rank !== 3 ||
    est.shape[0] !== ref.shape[0] ||
    est.shape[1] !== ref.shape[1] ||
    est.shape[2] !== ref.shape[2]
  ) {
    throw new Error(
      `pairwiseSiSdr: estimates and references must both have shape [B, S, T], got [${est.shape}] and [${ref.shape}]`,
    );
  }
  return tf.tidy(() => siSdr(tf.expandDims(est, 2), tf.expandDims(ref, 1), opts) as tf.Tensor3D);
}

/** All permutations of 0…n−1 in lexicographic order (the identity first). */
export function permutations(n: number): number[][] {
  if (!(Number.isInteger(n) && n >= 1 && n <= 8))
    throw new Error(`permutations: n must be an integer in 1…8, got ${n}`);
  const out: number[][] = [];
  const rec = (prefix: number[], rest: number[]) => {
    if (rest.length === 0) out.push(prefix);
    rest.forEach((v, i) => rec([...prefix, v], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  rec(
    [],
    Array.from({ length: n }, (_, i) => i),
  );
  return out;
}

export interface PitResult {
  /** [B] the mean over sources of the pairwise score under the best permutation. */
  value: tf.Tensor1D;
  /** [B] int32 index into `perms` of the chosen permutation. */
  perm: tf.Tensor1D;
  /** perms[p][i] = the reference assigned to estimate i under permutation p. */
  perms: number[][];
}

/**
 * Utterance-level PIT on a pairwise score matrix [B, S_est, S_ref]: for each example the permutation π
 * maximising (or minimising) mean_i M[i, π(i)]. Enumerates the S! permutations (fine for S ≤ 4).
 * The gradient flows through the chosen permutation's entries only.
 */
export function permutationInvariant(pairwise: tf.Tensor, mode: "max" | "min" = "max"): PitResult {
  if (pairwise.rank !== 3 || pairwise.shape[1] !== pairwise.shape[2])
    throw new Error(`permutationInvariant: the pairwise scores must have shape [B, S, S], got [${pairwise.shape}]`);
  const S = pairwise.shape[1] as number;
  const perms = permutations(S);
  const [value, perm] = tf.tidy(() => {
    // one 0/1 assignment matrix per permutation: [P, S, S]
    const onehot = new Float32Array(perms.length * S * S);
    perms.forEach((p, k) => p.forEach((j, i) => (onehot[k * S * S + i * S + j] = 1)));
    const P = tf.tensor3d(onehot, [perms.length, S, S]);
    const scores = tf.div(tf.sum(tf.mul(tf.expandDims(pairwise, 1), P), [2, 3]), S); // [B, P]
    return mode === "max" ? [tf.max(scores, 1), tf.argMax(scores, 1)] : [tf.min(scores, 1), tf.argMin(scores, 1)];
  });
  return { value: value as tf.Tensor1D, perm: perm as tf.Tensor1D, perms };
}

/** PIT SI-SDR: est, ref [B, S, T] → the best mean SI-SDR per example [B] (dB) and the permutation chosen. */
export function pitSiSdr(est: tf.Tensor, ref: tf.Tensor, opts: SiSdrOptions = {}): PitResult {
  let perms: number[][] = [];
  const [value, perm] = tf.tidy(() => {
    const r = permutationInvariant(pairwiseSiSdr(est, ref, opts), "max");
    perms = r.perms;
    return [r.value, r.perm];
  });
  return { value: value as tf.Tensor1D, perm: perm as tf.Tensor1D, perms };
}
