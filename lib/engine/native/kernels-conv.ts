// Native Conv2D, its backprops, depthwise conv and its backprops, fused variants (filled in below).
import { NativeAddon } from "./addon";
import { NativeKernel } from "./kernel-util";

export function registerConvKernels(_native: NativeAddon, _reg: (name: string, fn: NativeKernel) => void): void {
  /* none yet */
}
