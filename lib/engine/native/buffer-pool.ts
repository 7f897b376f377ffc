// Reuse of the native kernels' output buffers. Every output array is external memory to V8, which frees it only
// when a major garbage collection finds it unreachable; a training step writes hundreds of MB of them, so V8 runs
// a full mark-and-sweep every step or two, and its cost grows with everything else on the heap. In a notebook
// kernel (tslab keeps the TypeScript compiler's program on the same heap) that marking took ≈ 60 % of the CPU and
// made a TasNet step 2.4× slower than in a script. The pool instead takes an output buffer back when the last
// tensor that uses it is disposed, and hands it out again for the next output of the same size.
//
// Safety: a buffer returns to the pool only when no tensor data refers to it any more. The backend counts the
// data entries that use each pooled buffer (a tensor, a reshape sharing its data, a slice that is a view of it)
// and releases at zero; reads (`data()`, `dataSync()`, moving data to another backend) get a copy, so no array
// outside the backend ever aliases a pooled buffer.
import { fusedSwitch } from "./fused-kernels";

/** Outputs below this many elements use plain arrays (V8's young generation handles them cheaply). */
export const POOL_MIN_ELEMENTS = 1024;
/** At most this many bytes wait in the pool; beyond it released buffers are left to the garbage collector. */
export const POOL_CAP_BYTES = 256 * 2 ** 20;

/** `VAELAB_BUFFER_POOL=0` turns the pool off (for before/after timings); tests set it directly. */
export const bufferPoolEnabled = fusedSwitch("VAELAB_BUFFER_POOL");

export interface BufferPoolStats {
  /** Buffers handed out from the pool and newly allocated, since the last reset. */
  reused: number;
  allocated: number;
  /** Bytes waiting in the pool now. */
  pooledBytes: number;
}

const free = new Map<number, ArrayBuffer[]>();
/** Pooled buffers (allocated by takeF32 while the pool was on) and how many data entries use each. */
const users = new WeakMap<ArrayBuffer, number>();
let pooledBytes = 0,
  reused = 0,
  allocated = 0;

/** A Float32Array of n elements with garbage contents (the kernel writes every element): reused when one is free. */
export function takeF32(n: number): Float32Array {
  if (n < POOL_MIN_ELEMENTS) return new Float32Array(n);
  const bytes = n * 4;
  const pooled = bufferPoolEnabled();
  let buffer = pooled ? free.get(bytes)?.pop() : undefined;
  if (buffer) {
    pooledBytes -= bytes;
    reused++;
  } else {
    // allocUnsafeSlow: an unshared buffer of exactly n floats, without the zero-fill of `new Float32Array(n)`
    buffer = Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
    if (pooled) allocated++;
  }
  if (pooled) users.set(buffer, 0);
  return new Float32Array(buffer, 0, n);
}

function pooledBuffer(values: unknown): ArrayBuffer | undefined {
  if (!ArrayBuffer.isView(values)) return undefined;
  const b = values.buffer as ArrayBuffer;
  return users.has(b) ? b : undefined;
}

/** True when `values` lies in a pooled buffer (a read must then copy it). */
export function isPooled(values: unknown): boolean {
  return pooledBuffer(values) !== undefined;
}

/** A data entry now uses `values`. */
export function retain(values: unknown): void {
  const b = pooledBuffer(values);
  if (b) users.set(b, users.get(b)! + 1);
}

/** A data entry no longer uses `values`: its buffer returns to the pool when no entry uses it. */
export function release(values: unknown): void {
  const b = pooledBuffer(values);
  if (!b) return;
  const left = users.get(b)! - 1;
  users.set(b, left);
  if (left > 0 || !bufferPoolEnabled() || pooledBytes + b.byteLength > POOL_CAP_BYTES) return;
  // from now on the buffer belongs to the pool; a second release of the same data is ignored
  users.delete(b);
  const list = free.get(b.byteLength);
  if (list) list.push(b);
  else free.set(b.byteLength, [b]);
  pooledBytes += b.byteLength;
}

/** Counters since the last reset. */
export function bufferPoolStats(): BufferPoolStats {
  return { reused, allocated, pooledBytes };
}

/** Empties the pool (its buffers go to the garbage collector) and resets the counters. */
export function resetBufferPool(): void {
  free.clear();
  pooledBytes = 0;
  reused = 0;
  allocated = 0;
}
