// The MADE autoregressive flow prior: untrained it is N(0, I); each flow is autoregressive in its ordering
// (Jacobian unit-triangular), stacked flows keep volume (|det J| = 1 by finite differences), forward and
// inverse are each other's inverses, and the density integrates to 1 in 2-D.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { ParamStore } from "../../lib/nets/params";
import { MadeFlowPrior } from "../../lib/prob/made-flow";

const ready = initEngine();

function randomized(
  spec: { dim: number; hidden: number[]; flows: number },
  seed: number,
): { prior: MadeFlowPrior; store: ParamStore } {
  const store = new ParamStore(new Rng(seed));
  const prior = new MadeFlowPrior(store, "p", spec);
  // give the zero-initialised output layers weights so that the flows do something
  const rng = new Rng(`w${seed}`);
  for (const name of store.names())
    if (name.endsWith(`/l${spec.hidden.length}/w`)) {
      const v = store.get(name);
      v.assign(tf.mul(rng.normalTensor(v.shape), 0.5));
    }
  return { prior, store };
}

test("untrained prior is the standard normal; bad specs are named", async () => {
  await ready;
  const store = new ParamStore(new Rng(1));
  const p = new MadeFlowPrior(store, "p", { dim: 4, hidden: [8], flows: 2 });
  const z = tf.randomNormal([5, 4], 0, 1, "float32", 1);
  const got = Array.from(await p.logProb(z).data());
  const want = Array.from(await tf.sub(tf.mul(tf.sum(tf.square(z), -1), -0.5), 2 * Math.log(2 * Math.PI)).data());
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5));
  assert.throws(
    () => new MadeFlowPrior(store, "q", { dim: 0, hidden: [4], flows: 1 }),
    /dim must be a positive integer/,
  );
  assert.throws(() => p.logProb(tf.zeros([2, 3])), /last dimension 4/);
});

test("one flow is autoregressive in its ordering: ∂ε_j/∂z_i = 0 for i after j, ∂ε_i/∂z_i = 1", async () => {
  await ready;
  {
    const { prior } = randomized({ dim: 5, hidden: [16, 16], flows: 1 }, 2);
    const z0 = new Rng("z").normals(5);
    const J: number[][] = [];
    for (let i = 0; i < 5; i++) {
      const h = 1e-2;
      const zp = Float32Array.from(z0),
        zm = Float32Array.from(z0);
      zp[i] += h;
      zm[i] -= h;
      const ep = await prior.inverse(tf.tensor2d(zp, [1, 5])).data(),
        em = await prior.inverse(tf.tensor2d(zm, [1, 5])).data();
      J.push(Array.from(ep, (v, j) => (v - em[j]) / (2 * h))); // row i: ∂ε/∂z_i
    }
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        if (j === i) assert.ok(Math.abs(J[i][j] - 1) < 1e-3, `∂ε_${j}/∂z_${i} = ${J[i][j]}`);
        else if (j < i) assert.ok(Math.abs(J[i][j]) < 1e-4, `ε_${j} depends on the later z_${i}: ${J[i][j]}`);
      }
    assert.ok(
      J.some((r, i) => r.some((v, j) => j > i && Math.abs(v) > 1e-3)),
      "the flow does shift later coordinates",
    );
  }
});

test("stacked flows: forward and inverse invert each other; |det J| = 1; the 2-D density integrates to 1", async () => {
  await ready;
  const { prior } = randomized({ dim: 3, hidden: [12], flows: 3 }, 3);
  const eps = tf.randomNormal([6, 3], 0, 1, "float32", 4);
  const back = prior.inverse(prior.forward(eps));
  assert.ok((await tf.max(tf.abs(tf.sub(back, eps))).data())[0] < 1e-4);
  // Jacobian of the composite inverse at one point by central differences
  const z0 = new Rng("z3").normals(3);
  const J: number[][] = [];
  for (let i = 0; i < 3; i++) {
    const zp = Float32Array.from(z0),
      zm = Float32Array.from(z0);
    zp[i] += 1e-2;
    zm[i] -= 1e-2;
    const a = await prior.inverse(tf.tensor2d(zp, [1, 3])).data(),
      b = await prior.inverse(tf.tensor2d(zm, [1, 3])).data();
    J.push(Array.from(a, (v, j) => (v - b[j]) / 2e-2));
  }
  const det =
    J[0][0] * (J[1][1] * J[2][2] - J[1][2] * J[2][1]) -
    J[0][1] * (J[1][0] * J[2][2] - J[1][2] * J[2][0]) +
    J[0][2] * (J[1][0] * J[2][1] - J[1][1] * J[2][0]);
  assert.ok(Math.abs(Math.abs(det) - 1) < 2e-3, `det ${det}`);
  const two = randomized({ dim: 2, hidden: [10], flows: 2 }, 5).prior;
  const n = 240,
    lo = -9,
    hi = 9,
    d = (hi - lo) / n;
  const pts: number[][] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) pts.push([lo + (i + 0.5) * d, lo + (j + 0.5) * d]);
  const lp = await two.logProb(tf.tensor2d(pts)).data();
  const total = Array.from(lp).reduce((s, v) => s + Math.exp(v), 0) * d * d;
  assert.ok(Math.abs(total - 1) < 5e-3, `∫ p = ${total}`);
});
