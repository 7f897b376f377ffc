// Async tensor reads for the tests (issue 17): a GPU backend in Node cannot serve dataSync()/arraySync() (tfjs
// reads back through an OffscreenCanvas that Node lacks), so tests read with `await t.data()` / `await t.array()`
// or through these, which also take a function to run in tf.tidy and dispose its result after the read.
import * as tf from "@tensorflow/tfjs";

type Source = tf.Tensor | (() => tf.Tensor);

async function read(src: Source): Promise<tf.TypedArray> {
  if (typeof src !== "function") return (await src.data()) as tf.TypedArray;
  const t = tf.tidy(src);
  try {
    return (await t.data()) as tf.TypedArray;
  } finally {
    t.dispose();
  }
}

/** The first value of the tensor (or of the one `f` makes inside tf.tidy). */
export async function scalarOf(src: Source): Promise<number> {
  return (await read(src))[0];
}

/** All values, flattened in row-major order, as plain numbers. */
export async function valuesOf(src: Source): Promise<number[]> {
  return Array.from(await read(src));
}

/** The first value of each tensor `f` makes inside tf.tidy (all disposed after the read). */
export async function scalarsOf(f: () => tf.Tensor[]): Promise<number[]> {
  const ts = tf.tidy(f);
  try {
    return await Promise.all(ts.map(async (t) => (await t.data())[0]));
  } finally {
    tf.dispose(ts);
  }
}

/**
 * tf.tidy for an async body (tf.tidy refuses a Promise): the tensors made while `f` runs are disposed when it
 * ends, so it returns plain values only. The tests run one at a time, so no other code allocates tensors into
 * the scope meanwhile.
 */
export async function scoped<T>(f: () => Promise<T>): Promise<T> {
  tf.engine().startScope();
  try {
    return await f();
  } finally {
    tf.engine().endScope();
  }
}

/** The values of each tensor as a Float32Array (float32 tensors), then disposes them. */
export async function arraysOf(ts: tf.Tensor[]): Promise<Float32Array[]> {
  try {
    return (await Promise.all(ts.map((t) => t.data()))) as Float32Array[];
  } finally {
    tf.dispose(ts);
  }
}
