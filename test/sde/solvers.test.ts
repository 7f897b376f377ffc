// SDE solvers (lib/sde/solvers): grids; strong order of Euler–Maruyama on GBM (0.5, Itô, exact solution
// from the same Brownian path) and on an Ornstein–Uhlenbeck process (additive noise: order 1, against a
// very fine solution on the same path); weak order 1 (OU second moment, closed form); Euler–Heun converges
// to the Stratonovich GBM solution and not to the Itô one; both coincide for constant diffusion; the path
// rate equals its closed form for constant drifts and its expectation for an OU posterior against a zero
// prior drift; gradients through a solve match central finite differences.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { scalarOf, valuesOf } from "../helpers/read";
import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { BrownianPath, Sde, SdeMethod, sdeSolve, stepGrid } from "../../lib/sde/solvers";

const ready = initEngine();

/** Least-squares slope of log(err) against log(h). */
function slope(h: number[], err: number[]): number {
  const x = h.map(Math.log),
    y = err.map(Math.log);
  const mx = x.reduce((a, b) => a + b) / x.length,
    my = y.reduce((a, b) => a + b) / y.length;
  let sxy = 0,
    sxx = 0;
  x.forEach((v, i) => {
    sxy += (v - mx) * (y[i] - my);
    sxx += (v - mx) ** 2;
  });
  return sxy / sxx;
}

const meanAbs = (a: tf.Tensor, b: tf.Tensor) => scalarOf(() => tf.mean(tf.abs(tf.sub(a, b))));

test("stepGrid: equal steps, constant steps with a short last step, round-off, errors", () => {
  assert.deepEqual(stepGrid(0, 1, { steps: 4 }), [0, 0.25, 0.5, 0.75, 1]);
  assert.equal(stepGrid(0, 1, { dt: 0.1 }).length, 11);
  assert.equal(stepGrid(1, 2, { dt: 1 / 3 }).length, 4);
  const g = stepGrid(0, 1, { dt: 0.3 });
  assert.equal(g.length, 5);
  assert.ok(Math.abs(g[3] - 0.9) < 1e-12 && g[4] === 1);
  assert.deepEqual(stepGrid(0, 1, { dt: 5 }), [0, 1]);
  assert.throws(() => stepGrid(0, 1, {}), /exactly one of dt and steps/);
  assert.throws(() => stepGrid(0, 1, { dt: 0.1, steps: 3 }), /exactly one/);
  assert.throws(() => stepGrid(1, 1, { steps: 3 }), /s0 < s1/);
  assert.throws(() => stepGrid(0, 1, { dt: -0.1 }), /dt must be > 0/);
  assert.throws(() => stepGrid(0, 1, { steps: 2.5 }), /positive integer/);
});

test("BrownianPath: increments have variance Δs; coarsening sums them and keeps W(T)", async () => {
  await ready;
  const grid = stepGrid(0, 1, { steps: 8 });
  const p = BrownianPath.sample(grid, [20000], new Rng("bm"));
  const v = await scalarOf(() => tf.moments(p.increments[3]).variance);
  assert.ok(Math.abs(v - 0.125) < 0.125 * 0.05, `variance ${v}`);
  const c = p.coarsen(4);
  assert.equal(c.steps, 2);
  assert.deepEqual(c.grid, [0, 0.5, 1]);
  assert.ok((await meanAbs(c.total(), p.total())) < 1e-5);
  const vc = await scalarOf(() => tf.moments(c.increments[0]).variance);
  assert.ok(Math.abs(vc - 0.5) < 0.5 * 0.05, `coarse variance ${vc}`);
  assert.throws(() => p.coarsen(3), /must divide/);
  p.dispose();
});

// geometric Brownian motion dX = μX ds + σX dW
const MU = 0.5,
  SIG = 0.8;
const gbm: Sde = { drift: (z) => tf.mul(z, MU), diffusion: (z) => tf.mul(z, SIG) };

async function gbmErrors(method: SdeMethod, exact: "ito" | "stratonovich"): Promise<{ h: number[]; err: number[] }> {
  const fine = BrownianPath.sample(stepGrid(0, 1, { steps: 256 }), [4000], new Rng("gbm"));
  const W = fine.total();
  const x0 = tf.ones([4000]);
  const xT = tf.tidy(() => tf.exp(tf.add(tf.mul(W, SIG), exact === "ito" ? MU - (SIG * SIG) / 2 : MU)));
  const h: number[] = [],
    err: number[] = [];
  for (const factor of [64, 32, 16, 8, 4]) {
    const p = fine.coarsen(factor);
    err.push(await scalarOf(() => tf.mean(tf.abs(tf.sub(sdeSolve(gbm, x0, { method, brownian: p }).z, xT)))));
    h.push(1 / p.steps);
    p.dispose();
  }
  tf.dispose([W, x0, xT]);
  fine.dispose();
  return { h, err };
}

test(
  "Euler–Maruyama on GBM: strong order 0.5 against the exact Itô solution on the same path",
  { timeout: 60_000 },
  async () => {
    await ready;
    const { h, err } = await gbmErrors("euler-maruyama", "ito");
    const p = slope(h, err);
    assert.ok(p > 0.35 && p < 0.75, `strong order ${p.toFixed(3)} (errors ${err.map((e) => e.toFixed(4))})`);
  },
);

test("Euler–Heun on GBM converges to the Stratonovich solution (not the Itô one)", { timeout: 60_000 }, async () => {
  await ready;
  const s = await gbmErrors("euler-heun", "stratonovich");
  const p = slope(s.h, s.err);
  // scalar (hence commutative) noise: the Heun diffusion correction gives order 1 here
  assert.ok(p > 0.8 && p < 1.3, `strong order ${p.toFixed(3)} (errors ${s.err.map((e) => e.toFixed(4))})`);
  const i = await gbmErrors("euler-heun", "ito");
  assert.ok(i.err[i.err.length - 1] > 0.2, `Euler–Heun should miss the Itô solution, error ${i.err[i.err.length - 1]}`);
  assert.ok(i.err[i.err.length - 1] > 0.8 * i.err[0], "the Itô error does not shrink with h");
});

// Ornstein–Uhlenbeck dX = −θX ds + σ dW (additive noise)
const TH = 2,
  SO = 1;
const ou: Sde = { drift: (z) => tf.mul(z, -TH), diffusion: () => SO };

test(
  "Euler–Maruyama on OU (additive noise): strong order 1; Euler–Heun takes identical steps",
  { timeout: 60_000 },
  async () => {
    await ready;
    const fine = BrownianPath.sample(stepGrid(0, 1, { steps: 4096 }), [2000], new Rng("ou"));
    const x0 = tf.fill([2000], 1);
    const ref = sdeSolve(ou, x0, { method: "euler-maruyama", brownian: fine }).z;
    const h: number[] = [],
      err: number[] = [];
    for (const factor of [256, 128, 64, 32]) {
      const p = fine.coarsen(factor);
      const em = sdeSolve(ou, x0, { method: "euler-maruyama", brownian: p }).z;
      const eh = sdeSolve(ou, x0, { method: "euler-heun", brownian: p }).z;
      assert.ok((await meanAbs(em, eh)) < 1e-6, "constant diffusion: Euler–Heun ≡ Euler–Maruyama");
      err.push(await meanAbs(em, ref));
      h.push(1 / p.steps);
      tf.dispose([em, eh]);
      p.dispose();
    }
    const q = slope(h, err);
    assert.ok(q > 0.8 && q < 1.25, `strong order ${q.toFixed(3)} (errors ${err.map((e) => e.toFixed(5))})`);
    tf.dispose([x0, ref]);
    fine.dispose();
  },
);

test("Euler–Maruyama on OU: weak order 1 in E[X_T²] (closed form)", { timeout: 60_000 }, async () => {
  await ready;
  // one fine path coarsened to each h: the Monte-Carlo errors are shared across h, so the slope is stable
  const N = 100000,
    T = 1;
  const exact = Math.exp(-2 * TH * T) + ((SO * SO) / (2 * TH)) * (1 - Math.exp(-2 * TH * T));
  const fine = BrownianPath.sample(stepGrid(0, T, { steps: 64 }), [N], new Rng("weak"));
  const h: number[] = [],
    err: number[] = [];
  for (const factor of [4, 2, 1]) {
    const p = factor === 1 ? fine : fine.coarsen(factor);
    const m2 = await scalarOf(() =>
      tf.mean(tf.square(sdeSolve(ou, tf.ones([N]), { method: "euler-maruyama", brownian: p }).z)),
    );
    err.push(Math.abs(m2 - exact));
    h.push(T / p.steps);
    if (p !== fine) p.dispose();
  }
  fine.dispose();
  const q = slope(h, err);
  assert.ok(q > 0.7 && q < 1.3, `weak order ${q.toFixed(3)} (errors ${err.map((e) => e.toFixed(4))})`);
});

test("path rate: constant drifts give ½|(a − b)/σ|²·D·(s1 − s0) on any grid", async () => {
  await ready;
  for (const grid of [stepGrid(0, 1, { dt: 0.1 }), stepGrid(2, 3, { dt: 0.3 }), stepGrid(0, 0.5, { steps: 1 })]) {
    const p = BrownianPath.sample(grid, [3, 2, 2], new Rng("rate"));
    const a = 0.7,
      b = -0.4,
      sigma = 0.5;
    const r = await valuesOf(
      () =>
        sdeSolve({ drift: (z) => tf.fill(z.shape, a), diffusion: () => sigma }, tf.zeros([3, 2, 2]), {
          brownian: p,
          priorDrift: (z) => tf.fill(z.shape, b),
        }).pathRate!,
    );
    const want = 0.5 * ((a - b) / sigma) ** 2 * 4 * (grid[grid.length - 1] - grid[0]);
    r.forEach((v) => assert.ok(Math.abs(v - want) < 1e-4 * want, `path rate ${v} vs ${want}`));
    p.dispose();
  }
});

test("path rate: OU posterior vs zero prior drift matches E∫½Z² ds (closed form)", { timeout: 60_000 }, async () => {
  await ready;
  // posterior dZ = −Z ds + dW, prior dZ = dW, Z0 = z0: KL = E ∫₀¹ ½ Z_s² ds,
  // E Z_s² = z0² e^{−2s} + (1 − e^{−2s})/2, so KL = ½[z0²(1 − e^{−2})/2 + ½ − (1 − e^{−2})/4]
  const z0 = 1.5,
    N = 20000;
  const e2 = 1 - Math.exp(-2);
  const want = 0.5 * ((z0 * z0 * e2) / 2 + 0.5 - e2 / 4);
  const p = BrownianPath.sample(stepGrid(0, 1, { steps: 200 }), [N], new Rng("ou-rate"));
  const r = await valuesOf(
    () =>
      sdeSolve({ drift: (z) => tf.neg(z), diffusion: () => 1 }, tf.fill([N], z0), {
        brownian: p,
        priorDrift: (z) => tf.zerosLike(z),
      }).pathRate!,
  );
  const mean = r.reduce((s, v) => s + v, 0) / N;
  const sd = Math.sqrt(r.reduce((s, v) => s + (v - mean) ** 2, 0) / (N - 1));
  // the Euler bias at h = 0.005 is ~ 0.5 % of the value; allow it plus 4 standard errors
  assert.ok(
    Math.abs(mean - want) < (4 * sd) / Math.sqrt(N) + 0.01 * want,
    `path rate ${mean} vs ${want} (se ${sd / Math.sqrt(N)})`,
  );
  p.dispose();
});

test("gradients through a solve match central finite differences", async () => {
  await ready;
  const p = BrownianPath.sample(stepGrid(0, 1, { dt: 0.1 }), [5], new Rng("grad"));
  const x0 = tf.tensor1d([0.3, -1, 0.5, 2, 1]);
  const loss = (th: tf.Tensor) => {
    const r = sdeSolve(
      { drift: (z) => tf.mul(tf.sin(z), th), diffusion: (z) => tf.add(tf.mul(tf.square(z), 0.1), 0.2) },
      x0,
      { method: "euler-heun", brownian: p, priorDrift: (z) => tf.mul(z, -0.5) },
    );
    return tf.add(tf.sum(tf.square(r.z)), tf.sum(r.pathRate!));
  };
  const th0 = 0.8,
    eps = 1e-2;
  const g = await scalarOf(() => tf.grad((t: tf.Tensor) => loss(t))(tf.scalar(th0)));
  const up = await scalarOf(() => loss(tf.scalar(th0 + eps))),
    down = await scalarOf(() => loss(tf.scalar(th0 - eps)));
  const fd = (up - down) / (2 * eps);
  assert.ok(Math.abs(g - fd) < 1e-2 * Math.max(1, Math.abs(fd)), `grad ${g} vs finite difference ${fd}`);
  p.dispose();
  x0.dispose();
});

test("sdeSolve: shape mismatch and unknown methods are named", async () => {
  await ready;
  const p = BrownianPath.sample(stepGrid(0, 1, { steps: 2 }), [4, 3], new Rng("bad"));
  assert.throws(
    () => sdeSolve(ou, tf.zeros([4, 2]), { brownian: p }),
    /Brownian increments have shape \[4,3\], the state \[4,2\]/,
  );
  assert.throws(
    () => sdeSolve(ou, tf.zeros([4, 3]), { brownian: p, method: "rk4" as SdeMethod }),
    /unknown method "rk4"/,
  );
  p.dispose();
});
