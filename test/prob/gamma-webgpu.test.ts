// Gamma draws and their implicit gradient on the webgpu backend (issue 17): the WGSL kernels of
// lib/engine/webgpu-special, used by lib/prob/gamma's sampleStandardGamma without reading tensor data back.
// On a machine without a GPU Dawn runs on Chromium's SwiftShader (pointed at below); without the packages, the Vulkan
// loader or a driver the file skips in one line. Sizes are small: SwiftShader computes on the CPU.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

// first: points Dawn at SwiftShader where no GPU driver is named (before Dawn loads)
import "../helpers/swiftshader";

import { gammaDrawRef, philox } from "../helpers/philox-gamma";

import { initEngine } from "../../lib/engine/backend";
import { Rng } from "../../lib/engine/rng";
import { SPECIAL_KERNELS } from "../../lib/engine/special-kernels";
import {
  FLOAT32_MIN_NORMAL,
  Gamma,
  gammaSampleShapeGradient,
  regularizedGammaP,
  sampleStandardGamma,
} from "../../lib/prob/gamma";
import { Beta } from "../../lib/prob/beta";
import { klBetaBeta, klGammaGamma } from "../../lib/prob/kl";
import {
  digamma,
  digammaComposed,
  digammaScalar,
  lbeta,
  lbetaScalar,
  lgamma,
  lgammaComposed,
  lgammaScalar,
} from "../../lib/prob/special";

/** Draws of Gamma(α, 1), shape [n], on the current backend. */
async function draws(seed: string, alpha: number, n: number): Promise<Float32Array> {
  const a = tf.scalar(alpha);
  const z = sampleStandardGamma(new Rng(seed), a, [n]);
  const out = (await z.data()) as Float32Array;
  tf.dispose([a, z]);
  return out;
}

/** z with P(α, z) = u, by bisection on log z (float64). */
function gammaQuantile(alpha: number, u: number): number {
  let lo = -745,
    hi = Math.log(alpha + 40 * Math.sqrt(alpha) + 60);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (regularizedGammaP(alpha, Math.exp(mid)) < u) lo = mid;
    else hi = mid;
  }
  return Math.exp((lo + hi) / 2);
}

/** Mean and standard error over batches of a Monte-Carlo gradient. */
function meanSe(xs: number[]): { mean: number; se: number } {
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, se: Math.sqrt(v / xs.length) };
}

/**
 * Gradients of an ELBO-style loss mean(log q(z) − log p(z)), z ~ q, with respect to q's two parameters, one per
 * batch of `n` draws, on the current backend.
 */
async function elboGrads(
  make: (a: tf.Tensor, b: tf.Tensor) => Gamma | Beta,
  prior: Gamma | Beta,
  params: [number, number],
  batches: number,
  n: number,
): Promise<[number[], number[]]> {
  const rng = new Rng(`gamma-webgpu/elbo/${prior.name}`);
  const out: [number[], number[]] = [[], []];
  for (let k = 0; k < batches; k++) {
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const q = make(a, b);
      const z = q.sample(rng, [n]);
      return tf.mean(tf.sub(q.logProb(z), prior.logProb(z)));
    })([tf.scalar(params[0]), tf.scalar(params[1])]);
    const [ga, gb] = await Promise.all(g.map((t) => t.data()));
    out[0].push(ga[0]);
    out[1].push(gb[0]);
    tf.dispose(g);
  }
  return out;
}

test("Gamma draws and dz/dα on webgpu: device kernels, no host reads (issue 17)", async (t) => {
  let backend: string;
  try {
    backend = (await initEngine({ force: "webgpu", quiet: true })).backend;
  } catch (e) {
    return t.skip(`no webgpu here: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`);
  }
  assert.equal(backend, "webgpu");
  assert.ok(tf.getKernel(SPECIAL_KERNELS.gammaSample, "webgpu"), "the draw kernel is registered for webgpu");

  await t.test("mean α and variance α² → α of Gamma(α, 1) for α = 0.1, 0.5, 1, 3, 30 (5 standard errors)", async () => {
    const n = 20000;
    for (const alpha of [0.1, 0.5, 1, 3, 30]) {
      const z = await draws(`gamma-webgpu/moments/${alpha}`, alpha, n);
      const m = z.reduce((s, x) => s + x, 0) / n;
      const v = z.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
      // Var(mean) = α/n; Var(s²) ≈ (μ4 − α²)/n with μ4 = 3α² + 6α
      assert.ok(Math.abs(m - alpha) <= 5 * Math.sqrt(alpha / n), `α = ${alpha}: mean ${m}`);
      assert.ok(
        Math.abs(v - alpha) <= 5 * Math.sqrt((2 * alpha * alpha + 6 * alpha) / n),
        `α = ${alpha}: variance ${v}`,
      );
      assert.ok(
        z.every((x) => x >= 0 && Number.isFinite(x)),
        `α = ${alpha}: draws are finite and ≥ 0`,
      );
    }
  });

  await t.test("Kolmogorov–Smirnov against regularizedGammaP (D < 1.95/√n, p = 0.001)", async () => {
    const n = 4000;
    for (const alpha of [0.05, 0.1, 0.5, 1, 3, 30]) {
      const z = Float64Array.from(await draws(`gamma-webgpu/ks/${alpha}`, alpha, n)).sort();
      let d = 0;
      z.forEach((x, i) => {
        const f = regularizedGammaP(alpha, x);
        d = Math.max(d, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
      });
      assert.ok(d < 1.95 / Math.sqrt(n), `α = ${alpha}: D = ${d}`);
    }
  });

  await t.test(
    "per-element concentrations (broadcast [5] → [3000, 5]): column means α, gradients summed back to [5]",
    async () => {
      const alphas = [0.2, 0.7, 2, 5, 12];
      const a = tf.tensor1d(alphas);
      const z = sampleStandardGamma(new Rng("gamma-webgpu/columns"), a, [3000, 5]);
      const m = (await tf.mean(z, 0).data()) as Float32Array;
      alphas.forEach((al, j) => assert.ok(Math.abs(m[j] - al) <= 5 * Math.sqrt(al / 3000), `column ${j}: ${m[j]}`));
      // the same draws from α already broadcast (the kernel sees the same α per element)
      const full = tf.broadcastTo(a, [3000, 5]);
      const zFull = sampleStandardGamma(new Rng("gamma-webgpu/columns"), full, [3000, 5]);
      assert.deepEqual(await zFull.data(), await z.data());
      // the gradient reaches the [5] concentration as column sums of dz/dα, without tf.broadcastTo's Tile gradient
      // (a slice and an add per repeated row: 6000 dispatches here)
      let grad: tf.Tensor[] = [];
      const profile = await tf.profile(async () => {
        grad = tf.grads((x: tf.Tensor) => tf.sum(sampleStandardGamma(new Rng("gamma-webgpu/columns"), x, [3000, 5])))([
          a,
        ]);
        await grad[0].data();
      });
      assert.ok(profile.kernels.length < 30, `${profile.kernels.length} kernels for one draw and its gradient`);
      const dzFull = tf.engine().runKernel(SPECIAL_KERNELS.gammaShapeGrad, { a: full, b: zFull }) as tf.Tensor;
      const want = await tf.sum(dzFull, 0).data();
      const got = await grad[0].data();
      alphas.forEach((_, j) =>
        assert.ok(Math.abs(got[j] - want[j]) <= 1e-5 * Math.abs(want[j]), `∂/∂α${j}: ${got[j]} vs ${want[j]}`),
      );
      tf.dispose([a, z, full, zFull, dzFull, ...grad]);
    },
  );

  await t.test(
    "the kernel is Philox-4x32-10 + Marsaglia–Tsang: draws equal a float64 mirror of the shader",
    async () => {
      // Random123's known answers, so the mirror is Philox-4x32-10 itself
      const hex = (a: number[]) => a.map((x) => x.toString(16).padStart(8, "0")).join(" ");
      assert.equal(hex(philox([0, 0, 0, 0], [0, 0])), "6627e8d5 e169c58d bc57ac4c 9b00dbd8");
      assert.equal(
        hex(philox([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])),
        "d16cfe09 94fdcceb 5001e420 24126ea1",
      );
      const seed = [0x12345678, 0x9abcdef0];
      for (const alpha of [0.1, 0.5, 1, 3, 30]) {
        const a = tf.fill([2000], alpha);
        const z = tf
          .engine()
          .runKernel(SPECIAL_KERNELS.gammaSample, { alpha: a }, { seed, shape: [2000] }) as tf.Tensor;
        const got = await z.data();
        // float32 in the shader vs float64 here: equal to ~1e-5, bar an accept/reject decision that rounds the other way
        let off = 0;
        got.forEach((g, i) => {
          const want = gammaDrawRef(Math.fround(alpha), i, seed);
          if (!(Math.abs(g - want) <= 1e-4 * want + 1e-30)) off++;
        });
        assert.ok(off <= 4, `α = ${alpha}: ${off} of 2000 draws differ from the mirror`);
        tf.dispose([a, z]);
      }
    },
  );

  await t.test("reproducible for equal Rng state; the stream moves on between calls", async () => {
    const a = await draws("gamma-webgpu/repro", 0.7, 1000);
    const b = await draws("gamma-webgpu/repro", 0.7, 1000);
    assert.deepEqual(a, b);
    const rng = new Rng("gamma-webgpu/repro");
    const al = tf.scalar(0.7);
    const first = await sampleStandardGamma(rng, al, [1000]).data();
    const second = await sampleStandardGamma(rng, al, [1000]).data();
    assert.deepEqual(first, a, "the first call from a fresh Rng is the same draw");
    assert.ok(
      first.some((x, i) => x !== second[i]),
      "a second call on the same Rng draws anew",
    );
    const other = await draws("gamma-webgpu/repro-other", 0.7, 1000);
    assert.ok(other.some((x, i) => x !== a[i]));
  });

  await t.test(
    "dz/dα matches the float64 reference within 2e-5 relative, α ∈ [0.05, 50], on draws and quantiles",
    async () => {
      const alphas = Array.from({ length: 25 }, (_, i) => 0.05 * Math.pow(1000, i / 24));
      // the sampler's own draws and gradient: the gradient of Σ z is dz/dα elementwise
      const a = tf.tensor1d(alphas);
      const n = 400;
      const rng = new Rng("gamma-webgpu/grad");
      const alphaFull = tf.broadcastTo(a, [n, alphas.length]);
      const ones = tf.onesLike(alphaFull);
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => sampleStandardGamma(rng, x, [n, alphas.length]))(
        [alphaFull],
        ones,
      );
      const [z, dz] = await Promise.all([value.data(), grads[0].data()]);
      // and the quantiles of each distribution from 1e-4 to 1 − 1e-4, fed to the kernel directly (α [25, 1]
      // broadcast against z [25, 11], as the native kernel allows)
      const us = [1e-4, 1e-3, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999, 0.9999];
      const qa = alphas.flatMap((al) => us.map(() => al));
      const qz = alphas.flatMap((al) => us.map((u) => gammaQuantile(al, u)));
      const ka = tf.tensor2d(alphas, [alphas.length, 1]);
      const kz = tf.tensor2d(qz, [alphas.length, us.length]);
      const kernel = tf.engine().runKernel(SPECIAL_KERNELS.gammaShapeGrad, { a: ka, b: kz }) as tf.Tensor;
      const dq = await kernel.data();
      let worst = 0;
      const check = (al: number, zi: number, got: number, what: string) => {
        const ref = gammaSampleShapeGradient(al, Math.max(zi, FLOAT32_MIN_NORMAL));
        const err = Math.abs(got - ref) / (Math.abs(ref) + 1e-30);
        worst = Math.max(worst, err);
        assert.ok(err <= 2e-5, `${what} α = ${al}, z = ${zi}: ${got}, float64 ${ref}`);
      };
      for (let i = 0; i < z.length; i++) check(alphas[i % alphas.length], z[i], dz[i], "draw");
      // compare with the quantile as float32, the value the kernel saw
      for (let i = 0; i < qa.length; i++) check(Math.fround(qa[i]), Math.fround(qz[i]), dq[i], "quantile");
      console.log(`dz/dα on webgpu: worst relative error ${worst.toExponential(2)} against float64`);
      tf.dispose([a, alphaFull, ones, value, grads[0], ka, kz, kernel]);
    },
  );

  await t.test(
    "lgamma, digamma, ψ′ and lbeta on webgpu (WGSL kernels, and the composed ops) match float64",
    async () => {
      for (const k of ["lgamma", "digamma", "trigamma", "lbeta"] as const)
        assert.ok(tf.getKernel(SPECIAL_KERNELS[k], "webgpu"), `${k} is a webgpu kernel`);
      const xs = Array.from({ length: 60 }, (_, i) => 0.01 * Math.pow(10000, i / 59)).map(Math.fround);
      const x = tf.tensor1d(xs);
      const [glg] = tf.grads((v: tf.Tensor) => tf.sum(lgamma(v)))([x]);
      const [gdg] = tf.grads((v: tf.Tensor) => tf.sum(digamma(v)))([x]);
      const [lg, dg, d1, d2, lgc, dgc] = await Promise.all(
        [lgamma(x), digamma(x), glg, gdg, lgammaComposed(x), digammaComposed(x)].map((t) => t.data()),
      );
      const close = (got: number, ref: number, what: string) =>
        assert.ok(Math.abs(got - ref) <= 2e-5 * Math.max(1, Math.abs(ref)), `${what} = ${got}, float64 ${ref}`);
      xs.forEach((v, i) => {
        close(lg[i], lgammaScalar(v), `lgamma(${v})`);
        close(lgc[i], lgammaScalar(v), `composed lgamma(${v})`);
        close(dg[i], digammaScalar(v), `digamma(${v})`);
        close(dgc[i], digammaScalar(v), `composed digamma(${v})`);
        close(d1[i], digammaScalar(v), `lgamma′(${v})`);
        // ψ′ by a central difference of the float64 ψ (≈1e-9 relative)
        const h = 1e-4 * v;
        close(d2[i], (digammaScalar(v + h) - digammaScalar(v - h)) / (2 * h), `digamma′(${v})`);
      });
      // lbeta on both branches (max < 6: lgamma sums; ≥ 6: Stirling differences), a [8, 1] against b [8]
      const as = [0.03, 0.4, 1, 2.5, 5.9, 6, 40, 900].map(Math.fround);
      const lb = await lbeta(tf.tensor2d(as, [8, 1]), tf.tensor1d(as)).data();
      as.forEach((a, i) => as.forEach((b, j) => close(lb[i * 8 + j], lbetaScalar(a, b), `lbeta(${a}, ${b})`)));
      tf.dispose([x, glg, gdg]);
    },
  );

  // native where it is built (the suite's default backend), else cpu: the host path there
  const { registerNativeBackend } = await import("../../lib/engine/native/register");
  let ref = "native";
  try {
    registerNativeBackend();
  } catch {
    ref = "cpu";
  }
  const cases = [
    {
      name: "Gamma(α, β) ‖ Gamma(2, 1.5)",
      make: (a: tf.Tensor, b: tf.Tensor) => new Gamma(a, b),
      prior: () => new Gamma(2, 1.5),
      kl: (a: tf.Tensor, b: tf.Tensor, p: Gamma | Beta) => klGammaGamma(new Gamma(a, b), p as Gamma),
      params: [1.3, 0.8] as [number, number],
    },
    {
      name: "Beta(a, b) ‖ Beta(2, 3)",
      make: (a: tf.Tensor, b: tf.Tensor) => new Beta(a, b),
      prior: () => new Beta(2, 3),
      kl: (a: tf.Tensor, b: tf.Tensor, p: Gamma | Beta) => klBetaBeta(new Beta(a, b), p as Beta),
      params: [0.6, 1.7] as [number, number],
    },
  ];
  for (const c of cases)
    await t.test(
      `${c.name}: the ELBO's Monte-Carlo gradient on webgpu agrees with ${ref}'s and with the closed-form KL's`,
      async () => {
        const run = async (b: string) => {
          await tf.setBackend(b);
          const prior = c.prior();
          const out = await elboGrads(c.make, prior, c.params, 12, 2000);
          prior.dispose();
          return out.map(meanSe);
        };
        const gpu = await run("webgpu");
        const host = await run(ref);
        await tf.setBackend(ref);
        const prior = c.prior();
        const exact = await Promise.all(
          tf
            .grads((a: tf.Tensor, b: tf.Tensor) => c.kl(a, b, prior))([tf.scalar(c.params[0]), tf.scalar(c.params[1])])
            .map(async (g) => (await g.data())[0]),
        );
        prior.dispose();
        await tf.setBackend("webgpu");
        for (let j = 0; j < 2; j++) {
          const what = `${c.name} ∂/∂θ${j}: webgpu ${gpu[j].mean} ± ${gpu[j].se}, ${ref} ${host[j].mean} ± ${host[j].se}, exact ${exact[j]}`;
          assert.ok(Math.abs(gpu[j].mean - exact[j]) <= 5 * gpu[j].se + 1e-3, what);
          assert.ok(Math.abs(host[j].mean - exact[j]) <= 5 * host[j].se + 1e-3, what);
          assert.ok(Math.abs(gpu[j].mean - host[j].mean) <= 5 * Math.hypot(gpu[j].se, host[j].se) + 1e-3, what);
        }
      },
    );
});
