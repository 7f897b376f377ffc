// Parity harness for the native backend: runs the same computation on the pure-JS cpu backend and
// on `native`, and compares element by element with stated float32 tolerances. Skips (with the
// reason) when the addon is not built, so a machine without OpenBLAS still passes the rest.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";

let reason: string | null | undefined;

/** null when the native backend is usable here, else why not. */
export function nativeUnavailable(): string | null {
  if (reason !== undefined) return reason;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    (
      require("../../lib/engine/native/register") as typeof import("../../lib/engine/native/register")
    ).registerNativeBackend();
    reason = null;
    // Start from the cpu backend so that runOn never triggers tfjs's own asynchronous backend pick.
    tf.setBackend("cpu");
  } catch (e) {
    reason = e instanceof Error ? e.message : String(e);
  }
  return reason;
}

export type Arrays = { shape: number[]; values: Float32Array | Int32Array }[];

/** Runs fn under `backend`, returning every output as plain arrays (tensors are disposed). */
export async function runOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<Arrays> {
  const prev = tf.getBackend();
  tf.setBackend(backend);
  let out: tf.Tensor[] = [];
  try {
    out = tf.tidy(() => {
      const r = fn();
      return Array.isArray(r) ? r : [r];
    });
    return await Promise.all(
      out.map(async (t) => ({ shape: t.shape.slice(), values: (await t.data()) as Float32Array | Int32Array })),
    );
  } finally {
    tf.dispose(out);
    tf.setBackend(prev);
  }
}

/**
 * |native − cpu| ≤ atol + rtol·|cpu| everywhere, same shapes, same NaN/Inf positions.
 * Elementwise ops use rtol 1e-6 (one float32 rounding, libm vs V8 Math); sums over K terms use
 * rtol 1e-5 and atol 1e-5·√K, since BLAS and the cpu kernels add in different orders.
 */
export async function assertParity(
  label: string,
  fn: () => tf.Tensor | tf.Tensor[],
  tol: { rtol?: number; atol?: number } = {},
): Promise<void> {
  const rtol = tol.rtol ?? 1e-6,
    atol = tol.atol ?? 1e-6;
  const cpu = await runOn("cpu", fn);
  const nat = await runOn("native", fn);
  assert.equal(nat.length, cpu.length, `${label}: output count`);
  cpu.forEach((c, o) => {
    const n = nat[o];
    assert.deepEqual(n.shape, c.shape, `${label}: output ${o} shape`);
    assert.equal(n.values.length, c.values.length, `${label}: output ${o} size`);
    for (let i = 0; i < c.values.length; i++) {
      const e = c.values[i],
        a = n.values[i];
      if (Number.isNaN(e) || !Number.isFinite(e)) {
        assert.ok(
          Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)),
          `${label}: output ${o}[${i}] native ${a}, cpu ${e}`,
        );
        continue;
      }
      assert.ok(
        Math.abs(a - e) <= atol + rtol * Math.abs(e),
        `${label}: output ${o}[${i}] native ${a}, cpu ${e} (|Δ|=${Math.abs(a - e)}, tol ${atol + rtol * Math.abs(e)})`,
      );
    }
  });
}

/** Gradients of sum(f(xs)·w) with respect to every input, a fixed random w making every output matter. */
export function gradsOf(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: { shape: number[]; values: Float32Array }[],
  seed = 1,
): () => tf.Tensor[] {
  return () => {
    const xs = inputs.map((x) => tf.tensor(x.values, x.shape));
    const g = tf.grads((...args: tf.Tensor[]) => {
      const y = f(...args);
      const w = tf.tensor(new Rng(seed).normals(y.size), y.shape);
      return tf.sum(tf.mul(y, w));
    });
    return g(xs);
  };
}

/** A random float32 input of the given shape (normal values, seeded). */
export function randn(rng: Rng, shape: number[], scale = 1): { shape: number[]; values: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = rng.normals(n);
  for (let i = 0; i < n; i++) v[i] *= scale;
  return { shape, values: v };
}

export const t = (x: { shape: number[]; values: Float32Array | Int32Array }, dtype: "float32" | "int32" = "float32") =>
  tf.tensor(x.values, x.shape, dtype);

/** Runs `fn` (synchronous) with `backend` as tfjs's current backend, restoring the previous one after. */
export function on<T>(backend: string, fn: () => T): T {
  const prev = tf.getBackend();
  tf.setBackend(backend);
  try {
    return fn();
  } finally {
    tf.setBackend(prev);
  }
}

/** max over i of |got − want| / (1 + |want|); Infinity where that is NaN (a NaN on either side). */
export function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length);
  let m = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(e <= m)) m = Number.isNaN(e) ? Infinity : Math.max(m, e);
  }
  return m;
}

/** The names of the kernels `fn` dispatches, in order (every engine runKernel call, nested ones included). */
export function kernelNamesOf(fn: () => void): string[] {
  const names: string[] = [];
  const engine = tf.engine() as unknown as { runKernel: (...r: unknown[]) => unknown };
  const orig = engine.runKernel;
  engine.runKernel = function (this: unknown, name: unknown, ...rest: unknown[]) {
    names.push(String(name));
    return orig.call(this, name, ...rest);
  };
  try {
    fn();
  } finally {
    engine.runKernel = orig;
  }
  return names;
}
