// The shape every PDisVAE data set in lib/data shares: observations x (N rows, any trailing shape),
// true latents z (N × K, when known), the true latent groups (a partition of 0…K−1 into mutually
// independent blocks), and a seeded train/test split given as row indices. Plain typed arrays and
// shapes, no tensors: a model turns them into tensors where it needs to (tf.tensor(x.values, x.shape)).
// ArrayN, the plain array every part of the library uses, is defined here.
//
// Also the small numeric helpers the generators share (standardising from a reference draw, a seeded
// Gaussian matrix, row subsets). All randomness goes through lib/engine/rng.
import type * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";

/**
 * The library's one plain array: row-major values with their shape; shape[0] is the number of rows
 * (samples). S pins the rank where it is known ([rows, cols], images [N, H, W, C]); V is Float32Array
 * except for integer data (labels) that becomes int32 tensors.
 */
export interface ArrayN<S extends readonly number[] = number[], V extends ArrayLike<number> = Float32Array> {
  values: V;
  shape: S;
}

/** Any ArrayN read as numbers (Float32Array, Float64Array, Int32Array or number[] values): for functions that only read. */
export type ArrayView = ArrayN<readonly number[], ArrayLike<number>>;

/** A 2-D array [rows, cols]. */
export type Matrix = ArrayN<[number, number]>;

/** Examples along axis 0, as a tensor or as plain values (a model makes the tensor where it needs one). */
export type TensorOrArray = tf.Tensor | ArrayN;

/** A train/test split by row index; both lists ascending, disjoint, covering 0…N−1. */
export interface Split {
  /** The seed the split was drawn from. */
  seed: Seed;
  train: number[];
  test: number[];
}

/** What the PDisVAE generators return (each adds its own extras). */
export interface GroupedDataset {
  /** Observations, shape [N, …] (N × D for vectors, N × H × W × C for images). */
  x: ArrayN;
  /** True latents [N, K]. */
  z: Matrix;
  /** A name per latent column. */
  zNames: string[];
  /** True latent groups: a partition of 0…K−1 into blocks that are independent of each other. */
  groups: number[][];
  split: Split;
}

/**
 * A seeded split of N rows: round(N·testFraction) rows go to test, chosen by a permutation from
 * Rng(seed).fork("split"); both index lists are returned in ascending order. The split depends only on
 * (N, testFraction, seed).
 */
export function splitIndices(n: number, testFraction: number, seed: Seed, where = "lib/data/dataset"): Split {
  if (!(testFraction >= 0 && testFraction < 1))
    throw new Error(`${where}: testFraction must be in [0, 1), got ${testFraction}`);
  const nTest = Math.round(n * testFraction);
  const perm = new Rng(seed).fork("split").permutation(n);
  const test = perm.slice(0, nTest).sort((a, b) => a - b);
  const train = perm.slice(nTest).sort((a, b) => a - b);
  return { seed, train, test };
}

/** The rows `idx` of a row-major array (any trailing shape). */
export function takeRows<T extends ArrayN>(a: T, idx: readonly number[]): T {
  const row = a.shape.slice(1).reduce((p, s) => p * s, 1);
  const out = new Float32Array(idx.length * row);
  idx.forEach((r, i) => {
    if (!(Number.isInteger(r) && r >= 0 && r < a.shape[0]))
      throw new Error(`takeRows: row ${r} outside 0…${a.shape[0] - 1}`);
    out.set(a.values.subarray(r * row, (r + 1) * row), i * row);
  });
  return { values: out, shape: [idx.length, ...a.shape.slice(1)] } as unknown as T;
}

/** The train and test parts of a data set's x and z, materialised from its split. */
export function trainTest(d: GroupedDataset): { train: { x: ArrayN; z: Matrix }; test: { x: ArrayN; z: Matrix } } {
  return {
    train: { x: takeRows(d.x, d.split.train), z: takeRows(d.z, d.split.train) },
    test: { x: takeRows(d.x, d.split.test), z: takeRows(d.z, d.split.test) },
  };
}

/** Column j of a row-major [rows, cols] array, as plain numbers. */
export function column(m: Matrix, j: number): number[] {
  const [n, k] = m.shape;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = m.values[i * k + j];
  return out;
}

/** A rows × cols matrix of independent N(0, sd²) entries from `rng` (row-major, plain numbers). */
export function gaussianMatrix(rng: Rng, rows: number, cols: number, sd = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => sd * rng.normal()));
}

/**
 * Per-coordinate mean and standard deviation of a sampler, from `draws` points of its own stream.
 * Used to standardise a distribution by fixed constants (so a point's value never depends on the
 * other points drawn with it).
 */
export function referenceMoments(
  draw: (rng: Rng) => number[],
  rng: Rng,
  draws: number,
): { mean: number[]; sd: number[] } {
  let sum: number[] | null = null,
    sum2: number[] | null = null;
  for (let r = 0; r < draws; r++) {
    const v = draw(rng);
    if (sum === null || sum2 === null) {
      sum = new Array<number>(v.length).fill(0);
      sum2 = new Array<number>(v.length).fill(0);
    }
    for (let j = 0; j < v.length; j++) {
      sum[j] += v[j];
      sum2[j] += v[j] * v[j];
    }
  }
  if (sum === null || sum2 === null) throw new Error("referenceMoments: draws must be ≥ 1");
  const s2 = sum2;
  const mean = sum.map((s) => s / draws);
  const sd = mean.map((m, j) => Math.sqrt(Math.max(s2[j] / draws - m * m, 1e-12)));
  return { mean, sd };
}

/** Checks that n is an integer ≥ min; the error names the generator and field. */
export function checkInt(v: number, field: string, min: number, where: string): void {
  if (!(Number.isInteger(v) && v >= min)) throw new Error(`${where}: ${field} must be an integer ≥ ${min}, got ${v}`);
}

/** Checks that v is a finite number ≥ 0; the error names the generator and field. */
export function checkNonNegative(v: number, field: string, where: string): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${where}: ${field} must be a finite number ≥ 0, got ${v}`);
}

/** A train/validation/test split by row index; all three lists ascending, disjoint, covering 0…N−1. */
export interface ThreeWaySplit {
  seed: Seed;
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * A seeded three-way split of N rows: round(N·testFraction) rows to test, round(N·validationFraction) to
 * validation, the rest to train, by one permutation from Rng(seed).fork("split3"). Depends only on
 * (N, fractions, seed).
 */
export function splitThreeWay(
  n: number,
  validationFraction: number,
  testFraction: number,
  seed: Seed,
  where = "lib/data/dataset",
): ThreeWaySplit {
  for (const [name, f] of [
    ["validationFraction", validationFraction],
    ["testFraction", testFraction],
  ] as const) {
    if (!(f >= 0 && f < 1)) throw new Error(`${where}: ${name} must be in [0, 1), got ${f}`);
  }
  if (!(validationFraction + testFraction < 1))
    throw new Error(
      `${where}: validationFraction + testFraction must be < 1, got ${validationFraction + testFraction}`,
    );
  const nTest = Math.round(n * testFraction);
  const nVal = Math.round(n * validationFraction);
  const perm = new Rng(seed).fork("split3").permutation(n);
  const asc = (a: number[]) => a.sort((p, q) => p - q);
  return {
    seed,
    test: asc(perm.slice(0, nTest)),
    validation: asc(perm.slice(nTest, nTest + nVal)),
    train: asc(perm.slice(nTest + nVal)),
  };
}
