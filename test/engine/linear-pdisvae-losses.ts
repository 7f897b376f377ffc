// Loss trajectories of Fig. 3's linear PDisVAE-family model for the fused-kernel tests: `steps` Adam steps on native
// with a kernel switch set, on [128, 20] Gaussian data (20-D data, three 2-D groups, MWS over the batch; the record
// computes the TC and PC terms for monitoring), and the largest relative difference between two trajectories.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { createPdisVae, pdisVaePreset } from "../../lib/models/pdisvae";
import { createAdam } from "../../lib/train/fused-adam";

/** Losses of `steps` steps with `setSwitch(on)` applied (restored to `setSwitch(previous)` after). */
export async function linearPdisVaeLosses(
  method: "pdisvae" | "beta-tcvae",
  seed: string,
  steps: number,
  setSwitch: (on?: boolean) => boolean,
  on: boolean,
): Promise<number[]> {
  const prevBackend = tf.getBackend();
  const prev = setSwitch();
  tf.setBackend("native");
  setSwitch(on);
  try {
    const rng = new Rng(seed);
    const m = createPdisVae(pdisVaePreset("groupwise-linear", method, 5000), rng.fork("init"));
    const x = rng.fork("data").normalTensor([128, 20]);
    const opt = createAdam(5e-3);
    const out: number[] = [];
    for (let s = 0; s < steps; s++) {
      const ctx = { step: s, epoch: 0, rng: rng.fork(`step-${s}`) };
      const loss = opt.minimize(() => m.loss(m.step(x, ctx), s), true, Object.values(m.variables)) as tf.Scalar;
      out.push((await loss.data())[0]);
      loss.dispose();
    }
    opt.dispose();
    x.dispose();
    m.dispose();
    return out;
  } finally {
    setSwitch(prev);
    tf.setBackend(prevBackend);
  }
}

/** Asserts that the composed run trains and that the fused one follows it to `tol` relative at every step. */
export function assertSameTrajectory(label: string, fused: number[], composed: number[], tol: number): void {
  let worst = 0;
  for (let s = 0; s < composed.length; s++)
    worst = Math.max(worst, Math.abs(fused[s] - composed[s]) / Math.abs(composed[s]));
  const last = composed.length - 1;
  if (process.env.VAELAB_FUSED_DIAG)
    console.log(
      `${label}: loss ${composed[0].toFixed(3)} → ${composed[last].toFixed(3)} (composed), ${fused[last].toFixed(3)} (fused); max rel |Δ| ${worst.toExponential(2)}`,
    );
  assert.ok(
    composed[0] - composed[last] > 1,
    `${label}: the composed run trains (loss ${composed[0]} → ${composed[last]})`,
  );
  assert.ok(worst <= tol, `${label}: fused vs composed trajectories differ by up to ${worst} relative`);
}
