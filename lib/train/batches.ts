// Seeded batching over in-memory data. The order of epoch e is a permutation drawn from
// rng.fork("epoch/e"), so the batch at any global step is a pure function of (seed, step): a run
// resumed from a checkpoint at step s sees exactly the batches an uninterrupted run would.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import type { ArrayN, TensorOrArray } from "../data/dataset";

/** Plain typed-array data with its shape (examples along axis 0); Int32Array values become int32 tensors. */
type ArrayData = ArrayN | ArrayN<number[], Int32Array>;
/** Data as tensors: one tensor, or named tensors, with examples along axis 0. */
export type TensorDataset = tf.Tensor | Record<string, tf.Tensor>;
/** Training data: tensors or typed arrays, one or named, with examples along axis 0. */
export type Dataset = tf.Tensor | ArrayData | Record<string, tf.Tensor | ArrayData>;
/** A batch has the same structure as its dataset, as tensors. */
export type Batch = tf.Tensor | Record<string, tf.Tensor>;

function isArrayData(x: unknown): x is ArrayData {
  return (
    typeof x === "object" &&
    x !== null &&
    !(x instanceof tf.Tensor) &&
    ArrayBuffer.isView((x as ArrayData).values) &&
    Array.isArray((x as ArrayData).shape)
  );
}

function arrayTensor(a: ArrayData, what: string): tf.Tensor {
  const size = a.shape.reduce((p, q) => p * q, 1);
  if (size !== a.values.length)
    throw new Error(`dataset: ${what} has ${a.values.length} values but shape [${a.shape}] needs ${size}`);
  return tf.tensor(a.values, a.shape, a.values instanceof Int32Array ? "int32" : "float32");
}

/**
 * The dataset as tensors; typed arrays are copied into tensors that `dispose()` frees (given tensors
 * are left alone).
 */
export function toTensorDataset(data: TensorOrArray): { data: tf.Tensor; dispose: () => void };
export function toTensorDataset(data: Dataset): { data: TensorDataset; dispose: () => void };
export function toTensorDataset(data: Dataset): { data: TensorDataset; dispose: () => void } {
  if (data instanceof tf.Tensor) return { data, dispose: () => {} };
  if (isArrayData(data)) {
    const t = arrayTensor(data, "the data");
    return { data: t, dispose: () => t.dispose() };
  }
  const out: Record<string, tf.Tensor> = {};
  const made: tf.Tensor[] = [];
  for (const k of Object.keys(data)) {
    const v = (data as Record<string, tf.Tensor | ArrayData>)[k];
    if (v instanceof tf.Tensor) out[k] = v;
    else if (isArrayData(v)) made.push((out[k] = arrayTensor(v, `"${k}"`)));
    else throw new Error(`dataset: "${k}" is neither a tf.Tensor nor {values, shape}`);
  }
  return { data: out, dispose: () => tf.dispose(made) };
}

/** Number of examples (axis 0), checking that named tensors agree. */
export function datasetSize(data: TensorDataset): number {
  if (data instanceof tf.Tensor) {
    if (data.rank < 1) throw new Error("dataset: a scalar is not a dataset (examples go along axis 0)");
    return data.shape[0];
  }
  const names = Object.keys(data);
  if (names.length === 0) throw new Error("dataset: no tensors");
  const n = data[names[0]].shape[0];
  for (const k of names) {
    const t = data[k];
    if (!(t instanceof tf.Tensor)) throw new Error(`dataset: "${k}" is not a tf.Tensor`);
    if (t.rank < 1 || t.shape[0] !== n)
      throw new Error(`dataset: "${k}" has ${t.shape[0]} examples but "${names[0]}" has ${n}`);
  }
  return n;
}

/** Rows `indices` of every tensor in the dataset (new tensors; the caller disposes them). */
export function gatherBatch(data: TensorDataset, indices: Int32Array): Batch {
  return tf.tidy((): Batch => {
    const idx = tf.tensor1d(indices, "int32");
    if (data instanceof tf.Tensor) return tf.gather(data, idx);
    const out: Record<string, tf.Tensor> = {};
    for (const k of Object.keys(data)) out[k] = tf.gather(data[k], idx);
    return out; // tidy keeps tensors nested in a returned object
  });
}

export function disposeBatch(b: Batch): void {
  if (b instanceof tf.Tensor) b.dispose();
  else tf.dispose(Object.values(b));
}

/** Maps a global step to its epoch and example indices. */
export class BatchPlan {
  readonly stepsPerEpoch: number;
  private cachedEpoch = -1;
  private order: number[] = [];

  constructor(
    readonly n: number,
    readonly batchSize: number,
    private readonly rng: Rng,
    readonly dropRemainder = false,
  ) {
    if (!(Number.isInteger(batchSize) && batchSize >= 1))
      throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    if (n < 1) throw new Error("the dataset is empty");
    if (dropRemainder && batchSize > n)
      throw new Error(`batchSize ${batchSize} exceeds the ${n} examples with dropRemainder`);
    this.stepsPerEpoch = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  }

  epochOf(step: number): number {
    return Math.floor(step / this.stepsPerEpoch);
  }

  /** The permutation used in epoch e. */
  epochOrder(epoch: number): number[] {
    if (epoch !== this.cachedEpoch) {
      this.order = this.rng.fork(`epoch/${epoch}`).permutation(this.n);
      this.cachedEpoch = epoch;
    }
    return this.order;
  }

  /** Example indices of the batch at global step `step`. */
  indices(step: number): Int32Array {
    const epoch = this.epochOf(step);
    const k = step - epoch * this.stepsPerEpoch;
    const order = this.epochOrder(epoch);
    const start = k * this.batchSize;
    return Int32Array.from(order.slice(start, Math.min(start + this.batchSize, this.n)));
  }
}
