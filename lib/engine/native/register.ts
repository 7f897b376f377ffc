// The `native` tfjs backend: the pure-JS cpu backend (same tensor storage, every kernel it has)
// with the kernels where training time goes replaced by C++ ones behind N-API (native/src, on
// OpenBLAS). Kernels we do not override are the cpu backend's own, so behaviour is unchanged there.
import * as tf from "@tensorflow/tfjs";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { loadAddon, NativeAddon } from "./addon";
import { registerConvKernels } from "./kernels-conv";
import { registerMathKernels } from "./kernels-math";
import { registerMiscKernels } from "./kernels-misc";
import { registerNormalKernels } from "./kernels-normal";
import { NativeKernel } from "./kernel-util";
import { isPooled, release, retain } from "./buffer-pool";

export const NATIVE_BACKEND = "native";

/**
 * The backend class: the cpu backend under another name (kernels are looked up by backend name), whose data
 * entries count the users of pooled output buffers (./buffer-pool) and whose reads of them copy.
 */
export class NativeBackend extends MathBackendCPU {
  constructor() {
    super();
    // The cpu backend prints a "use tfjs-node" banner on first write in Node; it does not apply here.
    (this as unknown as { firstUse: boolean }).firstUse = false;
    const data = this.data,
      set = data.set.bind(data),
      remove = data.delete.bind(data);
    data.set = (dataId, entry) => {
      if (data.has(dataId)) release(data.get(dataId).values);
      retain(entry.values);
      set(dataId, entry);
    };
    data.delete = (dataId) => {
      if (data.has(dataId)) release(data.get(dataId).values);
      return remove(dataId);
    };
  }

  override readSync(dataId: object): tf.backend_util.BackendValues {
    const v = super.readSync(dataId);
    return isPooled(v) ? (v as Float32Array).slice() : v;
  }
}

const overridden = new Set<string>();

/** Kernel names the native backend implements in C++ (the rest are the cpu backend's). */
export function nativeKernelNames(): string[] {
  return [...overridden].sort();
}

/** Registers the backend and its kernels once; throws a one-line reason when the addon is unavailable. */
export function registerNativeBackend(): NativeAddon {
  const native = loadAddon();
  if (tf.findBackendFactory(NATIVE_BACKEND)) return native;
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
  const mine = new Map<string, NativeKernel>();
  const reg = (name: string, fn: NativeKernel) => {
    mine.set(name, fn);
  };
  registerMathKernels(native, reg);
  registerConvKernels(native, reg);
  registerMiscKernels(native, reg);
  registerNormalKernels(native, reg);
  for (const k of tf.getKernelsForBackend("cpu")) {
    const fn = mine.get(k.kernelName);
    tf.registerKernel({
      ...k,
      backendName: NATIVE_BACKEND,
      ...(fn ? { kernelFunc: fn as unknown as tf.KernelFunc } : {}),
    });
  }
  for (const [name, fn] of mine) {
    overridden.add(name);
    if (!tf.getKernel(name, NATIVE_BACKEND))
      tf.registerKernel({ kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: fn as unknown as tf.KernelFunc });
  }
  return native;
}
