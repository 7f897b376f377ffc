// Shared helpers for the model tests: an engine whose convolutions have gradients, a directional
// finite-difference gradient check, and a flat-tensor-count check over training steps.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";

/**
 * The default engine (or VAELAB_BACKEND's), unless it cannot differentiate convolutions (tfjs's wasm
 * backend has no Conv2DBackpropFilter): then the pure-JS cpu backend. Returns the tf backend used.
 */
export async function engineWithConvGradients(): Promise<string> {
  await initEngine({ quiet: true });
  const needed = ["Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput"];
  if (needed.some((k) => !tf.getKernel(k, tf.getBackend()))) {
    await tf.setBackend("cpu");
    await tf.ready();
  }
  return tf.getBackend();
}

/**
 * Checks ∇loss against central finite differences along random unit directions v over all `vars`:
 * ⟨∇L, v⟩ ≈ (L(θ + h v) − L(θ − h v)) / 2h. The first direction is ∇L/|∇L| itself, the rest random. Float32 arithmetic, so the tolerance is relative
 * (`rel`, default 1%) plus `abs` (default 1e-6 · max(1, |L|) / h). Restores the parameters.
 */
export async function checkDirectionalGradient(
  vars: tf.Variable[],
  loss: () => tf.Scalar,
  opts: { seed?: string; directions?: number; h?: number; rel?: number; abs?: number } = {},
): Promise<{ analytic: number; numeric: number }[]> {
  const rng = new Rng(opts.seed ?? "fd");
  const h = opts.h ?? 1e-2;
  const { grads, value } = tf.variableGrads(loss, vars);
  const L0 = (await value.data())[0];
  value.dispose();
  // float32 rounding of L (a few ulps of |L|) divided by 2h, with room to spare
  const abs = opts.abs ?? (1e-6 * Math.max(1, Math.abs(L0))) / h;
  const rel = opts.rel ?? 0.01;
  const saved = vars.map((v) => v.clone());
  const out: { analytic: number; numeric: number }[] = [];
  try {
    for (let k = 0; k < (opts.directions ?? 3); k++) {
      // direction 0 is the gradient itself (so the check is never vacuous), the others are random
      const dirs =
        k === 0
          ? await Promise.all(
              vars.map(async (v) =>
                grads[v.name] ? Float32Array.from(await grads[v.name].data()) : new Float32Array(v.size),
              ),
            )
          : vars.map((v) => Float32Array.from({ length: v.size }, () => rng.normal()));
      const norm = Math.sqrt(dirs.reduce((s, d) => s + d.reduce((a, b) => a + b * b, 0), 0));
      dirs.forEach((d) => d.forEach((_, i) => (d[i] /= norm)));
      let analytic = 0;
      for (let i = 0; i < vars.length; i++) {
        const g = grads[vars[i].name];
        if (!g) continue;
        const gv = await g.data();
        for (let j = 0; j < gv.length; j++) analytic += gv[j] * dirs[i][j];
      }
      const at = async (sign: number) => {
        vars.forEach((v, i) =>
          tf.tidy(() => v.assign(tf.add(saved[i], tf.mul(tf.tensor(dirs[i], v.shape), sign * h)))),
        );
        const l = tf.tidy(loss);
        const r = (await l.data())[0];
        l.dispose();
        return r;
      };
      const numeric = ((await at(1)) - (await at(-1))) / (2 * h);
      vars.forEach((v, i) => v.assign(saved[i]));
      assert.ok(
        Number.isFinite(analytic) && Math.abs(analytic - numeric) <= abs + rel * Math.abs(numeric),
        `direction ${k}: autodiff ⟨∇L, v⟩ = ${analytic}, finite differences ${numeric} (L = ${L0})`,
      );
      out.push({ analytic, numeric });
      if (process.env.VAELAB_FD_DEBUG)
        console.error(`fd: L=${L0} direction ${k}: autodiff ${analytic}, finite differences ${numeric}`);
    }
  } finally {
    vars.forEach((v, i) => v.assign(saved[i]));
    tf.dispose(saved);
    tf.dispose(Object.values(grads));
  }
  assert.ok(
    out.some((o) => Math.abs(o.analytic) > 10 * abs),
    "at least one direction has a derivative well above the tolerance (the check is not vacuous)",
  );
  return out;
}

/** All values of every variable, for determinism comparisons. */
export async function variableValues(vars: Record<string, tf.Variable>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(vars)) out[k] = Array.from(await v.data());
  return out;
}
