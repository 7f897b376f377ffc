// The Gaussian log-density, the KL between Gaussians and a batch's pairwise log-densities as one fused kernel each
// way where the backend has them (native: native/src/normal.cc), with their gradients registered here; the composed
// tfjs ops elsewhere. A VAE's loss repeats them on small tensors, where tfjs's ≈ 25 kernels per term cost more than
// their arithmetic.
import * as tf from "@tensorflow/tfjs";
import { FUSED_KERNELS, fusedSwitch, isSuffixBroadcast } from "../engine/native/fused-kernels";

// Whether the Gaussian terms use the fused kernels where they exist; VAELAB_FUSED_GAUSSIAN=0 keeps the composed ops
// on every backend (before/after timings, parity tests).
export const fusedGaussian = fusedSwitch("VAELAB_FUSED_GAUSSIAN");

/** `kernel` on `inputs` when it is on, the backend has it and the operands are float32 and suffix-broadcast; else null. */
function runFused(kernel: string, inputs: Record<string, tf.Tensor>): tf.Tensor | null {
  if (!fusedGaussian() || !tf.getKernel(kernel, tf.getBackend())) return null;
  const ts = Object.values(inputs);
  if (ts.some((t) => t.dtype !== "float32" || t.size === 0)) return null;
  let out: number[] = [];
  try {
    for (const t of ts) out = tf.backend_util.assertAndGetBroadcastShape(out, t.shape);
  } catch {
    return null; // the composed ops report the shape error
  }
  if (!ts.every((t) => isSuffixBroadcast(t.shape, out))) return null;
  return tf.engine().runKernel(kernel, inputs as tf.NamedTensorMap) as tf.Tensor;
}

/** log N(x | loc, scale) by the fused kernel, or null where it does not apply (then compose the ops). */
export function fusedNormalLogProb(x: tf.Tensor, loc: tf.Tensor, scale: tf.Tensor): tf.Tensor | null {
  return runFused(FUSED_KERNELS.normalLogProb, { x, loc, scale });
}

/** KL(N(locP, scaleP) ‖ N(locQ, scaleQ)) by the fused kernel, or null where it does not apply. */
export function fusedNormalKl(
  locP: tf.Tensor,
  scaleP: tf.Tensor,
  locQ: tf.Tensor,
  scaleQ: tf.Tensor,
): tf.Tensor | null {
  return runFused(FUSED_KERNELS.normalKl, { locP, scaleP, locQ, scaleQ });
}

/** log N(z_i | mu_j, exp(logvar_j)) [M, M, K] for z, mu, logvar [M, K] by the fused kernel, or null where it does not apply. */
export function fusedPairwiseLogNormal(z: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor): tf.Tensor | null {
  if (!fusedGaussian() || !tf.getKernel(FUSED_KERNELS.pairwiseLogNormal, tf.getBackend())) return null;
  if ([z, mu, logvar].some((t) => t.dtype !== "float32" || t.rank !== 2 || t.size === 0)) return null;
  return tf.engine().runKernel(FUSED_KERNELS.pairwiseLogNormal, { z, mu, logvar }) as tf.Tensor;
}

// Every operand's gradient from one backward kernel call, made here (see lib/nets/tcn.ts's gLN gradient for why).
tf.registerGradient({
  kernelName: FUSED_KERNELS.normalLogProb,
  inputsToSave: ["x", "loc", "scale"],
  gradFunc: (dy, saved) => {
    const [x, loc, scale] = saved;
    const [dx, dloc, dscale] = tf
      .engine()
      .runKernel(FUSED_KERNELS.normalLogProbGrad, { dy: dy as tf.Tensor, x, loc, scale }) as tf.Tensor[];
    return { x: () => dx, loc: () => dloc, scale: () => dscale };
  },
});

tf.registerGradient({
  kernelName: FUSED_KERNELS.normalKl,
  inputsToSave: ["locP", "scaleP", "locQ", "scaleQ"],
  gradFunc: (dy, saved) => {
    const [locP, scaleP, locQ, scaleQ] = saved;
    const [dlocP, dscaleP, dlocQ, dscaleQ] = tf
      .engine()
      .runKernel(FUSED_KERNELS.normalKlGrad, { dy: dy as tf.Tensor, locP, scaleP, locQ, scaleQ }) as tf.Tensor[];
    return { locP: () => dlocP, scaleP: () => dscaleP, locQ: () => dlocQ, scaleQ: () => dscaleQ };
  },
});

tf.registerGradient({
  kernelName: FUSED_KERNELS.pairwiseLogNormal,
  inputsToSave: ["z", "mu", "logvar"],
  gradFunc: (dy, saved) => {
    const [z, mu, logvar] = saved;
    const [dz, dmu, dlogvar] = tf
      .engine()
      .runKernel(FUSED_KERNELS.pairwiseLogNormalGrad, { dy: dy as tf.Tensor, z, mu, logvar }) as tf.Tensor[];
    return { z: () => dz, mu: () => dmu, logvar: () => dlogvar };
  },
});
