// Shared plumbing for native kernels: reading a tensor's values from the (cpu-derived) backend,
// making outputs, and falling back to the cpu backend's own kernel for cases we do not override
// (non-float32 dtypes, empty tensors), so every kernel keeps the cpu backend's exact semantics there.
import * as tf from "@tensorflow/tfjs";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";

export type Backend = MathBackendCPU;
export type Info = tf.TensorInfo;
export type KernelArgs = { inputs: Record<string, Info>; backend: Backend; attrs?: tf.NamedAttrMap };
export type NativeKernel = (args: KernelArgs) => Info | Info[];

/**
 * The values behind a float32 tensor as a Float32Array. The cpu backend's Cast from int32 or bool
 * to float32 shares the source buffer (no copy), so a float32 tensor can be backed by an Int32Array
 * or Uint8Array; such a buffer is converted here (and the converted copy kept for later reads).
 */
export function values(backend: Backend, t: Info): Float32Array {
  const data = backend.data.get(t.dataId);
  if (data.values instanceof Float32Array) return data.values;
  if (t.dtype !== "float32") throw new Error(`native kernel: expected a float32 tensor, got ${t.dtype}`);
  const converted = Float32Array.from(data.values as ArrayLike<number>);
  data.values = converted;
  return converted;
}

/**
 * The 4-byte words behind a float32 or int32 tensor, for kernels that only move data: a Float32Array
 * for float32 (converting a shared int32/bool buffer, see values()), an Int32Array for int32.
 */
export function words(backend: Backend, t: Info): Float32Array | Int32Array {
  if (t.dtype === "float32") return values(backend, t);
  const data = backend.data.get(t.dataId);
  if (data.values instanceof Int32Array) return data.values;
  const converted = Int32Array.from(data.values as ArrayLike<number>);
  data.values = converted;
  return converted;
}

export function size(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allFloat32(...ts: (Info | undefined)[]): boolean {
  return ts.every((t) => !t || t.dtype === "float32");
}

/** The cpu backend's implementation of a kernel, used where we do not go native. */
export function cpuKernel(name: string): NativeKernel {
  const k = tf.getKernel(name, "cpu");
  if (!k) throw new Error(`tfjs cpu backend has no kernel ${name}`);
  return k.kernelFunc as unknown as NativeKernel;
}

/** A kernel that runs `native` when `useNative` accepts the call, else the cpu kernel. */
export function withFallback(name: string, useNative: (a: KernelArgs) => boolean, native: NativeKernel): NativeKernel {
  const cpu = cpuKernel(name);
  return (args) => (useNative(args) ? native(args) : cpu(args));
}
