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
