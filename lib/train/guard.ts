// The NaN/Inf guard: finite checks on the loss, the gradients and the parameters, and the error that
// stops training with the step and the quantity at fault.
import * as tf from "@tensorflow/tfjs";

/** Thrown when training meets a non-finite loss, gradient or parameter. */
export class NonFiniteError extends Error {
  constructor(
    message: string,
    /** Global step (0-based) at which the value appeared. */
    readonly step: number,
    /** What was non-finite, e.g. "loss", "gradient of enc/0/w", "parameter dec/1/b". */
    readonly quantity: string,
    /** Step count of the checkpoint restored into the model, or null if none was. */
    readonly restoredStep: number | null,
  ) {
    super(message);
    this.name = "NonFiniteError";
  }
}

/** 1 where every element of the tensor is finite, else 0; one entry per tensor (null entries count as finite). */
export function finiteFlags(tensors: (tf.Tensor | null | undefined)[]): tf.Tensor1D {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.zeros([0]) as tf.Tensor1D;
    return tf.stack(tensors.map((t) => (t ? tf.cast(tf.all(tf.isFinite(t)), "float32") : tf.scalar(1)))) as tf.Tensor1D;
  });
}

/** Index of the first zero flag, or −1. */
export function firstFalse(flags: ArrayLike<number>): number {
  for (let i = 0; i < flags.length; i++) if (flags[i] !== 1) return i;
  return -1;
}

/** Throw naming the first non-finite variable; used before writing a checkpoint so a NaN state is never saved. */
export async function assertFiniteVariables(vars: Record<string, tf.Variable>, what: string): Promise<void> {
  const names = Object.keys(vars);
  const flags = finiteFlags(names.map((n) => vars[n]));
  const v = await flags.data();
  flags.dispose();
  const i = firstFalse(v);
  if (i >= 0) throw new Error(`${what}: parameter "${names[i]}" is not finite; refusing to save it`);
}

/** Where flat index `i` of an array of `shape` lies: "row r", "row r, column c" or "row r, index [j, k, …] within the row". */
function position(i: number, shape: number[]): string {
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  const row = Math.floor(i / inner);
  if (shape.length <= 1) return `row ${row}`;
  let rest = i - row * inner;
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 1; d--) {
    idx.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return shape.length === 2 ? `row ${row}, column ${idx[0]}` : `row ${row}, index [${idx.join(", ")}] within the row`;
}

/**
 * Throw, naming the field, the first bad row/column and the count, when a float tensor of the training
 * data holds NaN or ±Inf (checked once before training, so that the fault is not reported later as a
 * non-finite loss at some step). `data` is one tensor or named ones.
 */
export async function assertFiniteData(data: tf.Tensor | Record<string, tf.Tensor>): Promise<void> {
  const named: [string | null, tf.Tensor][] =
    data instanceof tf.Tensor ? [[null, data]] : Object.keys(data).map((k) => [k, data[k]]);
  const floats = named.filter(([, t]) => t.dtype === "float32");
  if (floats.length === 0) return;
  const flags = finiteFlags(floats.map(([, t]) => t));
  const ok = await flags.data();
  flags.dispose();
  const f = firstFalse(ok);
  if (f < 0) return;
  const [name, t] = floats[f];
  const values = await t.data();
  let first = -1,
    count = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) continue;
    if (first < 0) first = i;
    count++;
  }
  const what = name === null ? "the training data" : `the training data "${name}"`;
  throw new Error(
    `train: ${what} has a non-finite value (${values[first]}) at ${position(first, t.shape)}` +
      ` (${count} non-finite value${count === 1 ? "" : "s"} in all); fix or drop those rows before training` +
      ` (or pass allowNonFiniteData: true if the model masks them)`,
  );
}
