// Native data-movement kernels (concat, slice, gather...) (filled in below).
import { NativeAddon } from "./addon";
import { NativeKernel } from "./kernel-util";

export function registerMiscKernels(_native: NativeAddon, _reg: (name: string, fn: NativeKernel) => void): void {
  /* none yet */
}
