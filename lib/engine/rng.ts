// Seeded randomness. Every random draw in vaelab (data generation, batching, initialisation,
// sampling) goes through an Rng so that a run is reproducible from its seed.
// The stream is seedrandom's Alea generator (the same library tfjs uses internally); tfjs random ops
// get integer seeds drawn from the stream, so tensors are reproducible too.
import seedrandom from "seedrandom";
import * as tf from "@tensorflow/tfjs";

/** A seed: a number or a string label. Strings let code derive named sub-streams. */
export type Seed = number | string;

export class Rng {
  private readonly next: () => number;
  private spareNormal: number | null = null;
  readonly seed: string;

  constructor(seed: Seed) {
    this.seed = String(seed);
    this.next = seedrandom.alea(this.seed);
  }

  /** An independent stream derived from this seed and a label (does not advance this stream). */
  fork(label: Seed): Rng {
    return new Rng(`${this.seed}/${label}`);
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Uniform on [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Marsaglia polar method; caches the second draw). */
  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  /** Integer uniform on {0, …, n−1}. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.next() * n);
  }

  /** A 31-bit integer seed for a tfjs random op (tf.randomNormal, tf.randomGamma, …). */
  tfSeed(): number {
    // tfjs treats seed 0 as "no seed" and falls back to Math.random, so never hand it 0.
    return 1 + Math.floor(this.next() * 2147483646);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0…n−1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** k distinct indices from 0…n−1, drawn without replacement, in draw order. */
  sampleWithoutReplacement(n: number, k: number): number[] {
    if (k > n) throw new Error(`Rng.sampleWithoutReplacement: cannot draw ${k} of ${n}`);
    return this.permutation(n).slice(0, k);
  }

  /** Float32Array of n standard normals. */
  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  /** Standard-normal tensor of the given shape, seeded from this stream. */
  normalTensor(shape: number[]): tf.Tensor {
    return tf.randomNormal(shape, 0, 1, "float32", this.tfSeed());
  }

  /** Uniform [lo, hi) tensor of the given shape, seeded from this stream. */
  uniformTensor(shape: number[], lo = 0, hi = 1): tf.Tensor {
    return tf.randomUniform(shape, lo, hi, "float32", this.tfSeed());
  }
}

/** The process-wide default stream, for code that is not handed an Rng. Reset it with setGlobalSeed. */
let globalRng = new Rng(0);

export function setGlobalSeed(seed: Seed): void {
  globalRng = new Rng(seed);
}

export function getGlobalRng(): Rng {
  return globalRng;
}
