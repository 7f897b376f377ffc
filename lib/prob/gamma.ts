// Gamma(concentration, rate) and the standard-gamma sampler shared with Beta.
//
// Samples are reparameterised implicitly (Figurnov, Mohamed & Mnih 2018): a draw z ~ Gamma(α, 1) is held
// at its CDF level u = P(α, z), so dz/dα = −(∂P/∂α)(α, z) / p(z; α), with P the regularised lower
// incomplete gamma function (series / continued fraction in float64) and ∂P/∂α carried through the same series or
// continued fraction (forward mode; a central difference of two P evaluations until 2026-12-07).
// The rate enters as z/β, which autodiff handles. Beta samples X/(X+Y) inherit the gradients.
// On webgpu both the draws and dz/dα are WGSL kernels (lib/engine/webgpu-special; dz/dα there in float32, within 2e-5
// of this file's float64 reference); on native both are kernels too (native/src/gamma_sample.cc draws with the shader's
// Philox generator, since 2026-12-07; dz/dα by this file's method in float64, native/src/special.cc).
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { SPECIAL_KERNELS } from "../engine/special-kernels";
import {
  addAll,
  broadcastShapes,
  Distribution,
  expandTo,
  Param,
  ParamStore,
  sampleShape,
  tfOpSeed,
} from "./distribution";
import { digamma, digammaScalar, lgamma, lgammaScalar } from "./special";

/** Smallest positive normal float32; samples are clamped to it so log-densities stay finite. */
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/** One Gamma(α, 1) draw by Marsaglia & Tsang (2000), with the U^(1/α) boost for α < 1. */
function standardGammaScalar(rng: Rng, alpha: number): number {
  if (!(alpha > 0)) throw new Error(`lib/prob/gamma: concentration must be > 0, got ${alpha}`);
  const boost = alpha < 1;
  const d = (boost ? alpha + 1 : alpha) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
      const g = d * v;
      // 1 − uniform() lies in (0, 1], so the boost never takes log 0.
      return boost ? g * Math.pow(1 - rng.uniform(), 1 / alpha) : g;
    }
  }
}

/** The regularised lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a), a > 0, x ≥ 0 (float64). */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0)) throw new Error(`regularizedGammaP: a must be > 0, got ${a}`);
  if (!(x >= 0)) throw new Error(`regularizedGammaP: x must be ≥ 0, got ${x}`);
  if (x === 0) return 0;
  if (!Number.isFinite(x)) return 1;
  const logPrefix = a * Math.log(x) - x - lgammaScalar(a);
  if (x < a + 1) {
    // series: P = e^{−x} x^a / Γ(a + 1) · Σ_n x^n / ((a + 1)…(a + n))
    let term = 1 / a,
      sum = term;
    for (let n = 1; n < 10000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.min(1, sum * Math.exp(logPrefix));
  }
  // continued fraction for Q = 1 − P (modified Lentz)
  const tiny = 1e-300;
  let b = x + 1 - a,
    c = 1 / tiny,
    d = 1 / b,
    h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.max(0, 1 - Math.exp(logPrefix) * h);
}

/**
 * dz/dα of a Gamma(α, 1) draw z held at its CDF level (implicit reparameterisation); 0 where it is not finite.
 * −(∂P/∂α)/p(z) with ∂/∂α carried through P's series (z < α + 1) or Lentz continued fraction (forward mode); the
 * prefactor z^α e^−z / Γ(·) cancels against the density:
 *   series    P = z^α e^−z / Γ(α + 1) · S,  dz/dα = −(z/α)·(S·(log z − ψ(α + 1)) + ∂S/∂α)
 *   fraction  1 − P = z^α e^−z / Γ(α) · h,  dz/dα = z·(h·(log z − ψ(α)) + ∂h/∂α)
 * The same method as native/src/special.cc and the webgpu kernel (float32 there).
 */
export function gammaSampleShapeGradient(alpha: number, z: number): number {
  const x = Math.max(z, FLOAT32_MIN_NORMAL),
    a = alpha;
  if (!(a > 0)) return 0;
  const lx = Math.log(x);
  let g: number;
  if (x < a + 1) {
    let t = 1,
      dt = 0,
      s = 1,
      ds = 0;
    for (let n = 1; n < 10000; n++) {
      const inv = 1 / (a + n),
        r = x * inv; // one division a term
      dt = (dt - t * inv) * r;
      t *= r;
      s += t;
      ds += dt;
      if (t <= s * 1e-16 && Math.abs(dt) <= Math.abs(ds) * 1e-16) break;
    }
    g = -(x / a) * (s * (lx - digammaScalar(a + 1)) + ds);
  } else {
    const tiny = 1e-300;
    let b = x + 1 - a,
      c = 1 / tiny,
      dc = 0,
      d = 1 / b,
      dd = d * d,
      h = d,
      dh = dd;
    for (let i = 1; i < 10000; i++) {
      const ai = -i * (i - a);
      b += 2;
      let den = ai * d + b;
      const dden = i * d + ai * dd - 1;
      if (Math.abs(den) < tiny) den = tiny;
      d = 1 / den;
      dd = -dden * d * d;
      const cn = b + ai / c;
      dc = -1 + i / c - (ai * dc) / (c * c);
      c = Math.abs(cn) < tiny ? tiny : cn;
      const del = d * c,
        ddel = dd * c + d * dc;
      dh = dh * del + h * ddel;
      h *= del;
      if (Math.abs(del - 1) < 1e-16 && Math.abs(h * ddel) <= Math.abs(dh) * 1e-16) break;
    }
    g = x * (h * (lx - digammaScalar(a)) + dh);
  }
  return Number.isFinite(g) ? g : 0;
}

/**
 * dz/dα for draws z at concentrations α: one native kernel on the saved tensors where the backend has it,
 * else the float64 JS loop over the same values (kept as arrays by the sampler).
 */
function sampleShapeGradient(alpha: tf.Tensor, draws: tf.Tensor, alphas: Float32Array, z: Float32Array): tf.Tensor {
  if (tf.getKernel(SPECIAL_KERNELS.gammaShapeGrad, tf.getBackend()))
    return tf.engine().runKernel(SPECIAL_KERNELS.gammaShapeGrad, { a: alpha, b: draws }) as tf.Tensor;
  const dz = new Float32Array(z.length);
  for (let i = 0; i < z.length; i++) dz[i] = gammaSampleShapeGradient(alphas[i], Math.max(z[i], FLOAT32_MIN_NORMAL));
  return tf.tensor(dz, draws.shape, "float32");
}

/**
 * Gamma(α, 1) samples of shape `shape`, where the concentration tensor broadcasts to `shape`,
 * reparameterised implicitly: gradients reach the concentration (see the header).
 * Where the backend has the gamma-draw kernel (webgpu: lib/engine/webgpu-special; native: native/src/gamma_sample.cc,
 * the same generator) the draws and their gradient stay with the backend, keyed by two words from `rng`; a
 * concentration ≤ 0 gives NaN there (checking it would read back). Elsewhere the draws are made on the host: a single concentration uses tf.randomGamma (rate fixed at 1:
 * tfjs 4.22 multiplies by its `beta` argument although it documents it as a rate); different concentrations per
 * element use our own Marsaglia–Tsang sampler on the Rng stream, because tf.randomGamma takes only a scalar α.
 */
export function sampleStandardGamma(rng: Rng, concentration: tf.Tensor, shape: number[]): tf.Tensor {
  if (tf.getKernel(SPECIAL_KERNELS.gammaSample, tf.getBackend())) return sampleOnDevice(rng, concentration, shape);
  const alphaFull = expandTo(concentration, shape);
  // host draws inside a synchronous loss closure, so this reads synchronously (webgpu takes the branch above)
  const alphas = alphaFull.dataSync() as Float32Array;
  if (alphas.length === 0) return tf.zeros(shape);
  const first = alphas[0];
  let z: Float32Array;
  if (alphas.every((a) => a === first)) {
    if (!(first > 0)) throw new Error(`lib/prob/gamma: concentration must be > 0, got ${first}`);
    z = tf.tidy(() => tf.randomGamma(shape, first, 1, "float32", tfOpSeed(rng)).dataSync() as Float32Array);
  } else {
    z = new Float32Array(alphas.length);
    for (let i = 0; i < alphas.length; i++) z[i] = standardGammaScalar(rng, alphas[i]);
  }
  const draw = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    // the backward pass reads α and z from these tensors rather than uploading the arrays again
    const value = tf.tensor(z, shape, "float32");
    save([a, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, sampleShapeGradient(saved[0], saved[1], alphas, z)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor) => tf.Tensor;
  return draw(alphaFull);
}

/**
 * The device path: one draw kernel forward, one gammaShapeGrad kernel backward, no read of α or z. The kernels
 * broadcast α themselves and the gradient is summed back to α's shape here: tf.broadcastTo's gradient (Tile's) is
 * one slice and one add per repetition, thousands of dispatches for a scalar α.
 */
function sampleOnDevice(rng: Rng, concentration: tf.Tensor, shape: number[]): tf.Tensor {
  const out = tf.backend_util.assertAndGetBroadcastShape(concentration.shape, shape);
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i]))
    throw new Error(
      `lib/prob/gamma: concentration of shape ${JSON.stringify(concentration.shape)} does not broadcast to ${JSON.stringify(shape)}`,
    );
  const seed = [Math.floor(rng.uniform() * 2 ** 32), Math.floor(rng.uniform() * 2 ** 32)];
  if (shape.some((d) => d === 0)) return tf.zeros(shape);
  const alpha = concentration.dtype === "float32" ? concentration : tf.cast(concentration, "float32");
  const draw = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    const value = tf.engine().runKernel(SPECIAL_KERNELS.gammaSample, { alpha: a }, { seed, shape }) as tf.Tensor;
    save([a, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [al, z] = saved;
        const g = tf.mul(dy, tf.engine().runKernel(SPECIAL_KERNELS.gammaShapeGrad, { a: al, b: z }) as tf.Tensor);
        const axes = tf.backend_util.getReductionAxes(al.shape, g.shape);
        return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, al.shape);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor) => tf.Tensor;
  return draw(alpha);
}

/** Independent Gamma(α = concentration, β = rate): density β^α x^(α−1) e^(−βx) / Γ(α). Reparameterised (implicitly). */
export class Gamma implements Distribution {
  readonly name = "Gamma";
  readonly reparameterized = true;
  readonly concentration: tf.Tensor;
  readonly rate: tf.Tensor;
  readonly batchShape: number[];
  private readonly params = new ParamStore("Gamma");

  constructor(concentration: Param = 1, rate: Param = 1) {
    this.concentration = this.params.tensor("concentration", concentration);
    this.rate = this.params.tensor("rate", rate);
    this.batchShape = broadcastShapes("Gamma(concentration, rate)", this.concentration.shape, this.rate.shape);
  }

  /** α log β + (α − 1) log x − β x − lgamma(α), for x > 0. */
  logProb(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const a = this.concentration;
      return tf.sub(
        tf.add(tf.mul(a, tf.log(this.rate)), tf.mul(tf.sub(a, 1), tf.log(x))),
        tf.add(tf.mul(this.rate, x), lgamma(a)),
      );
    });
  }

  /** Samples are kept ≥ the smallest normal float32 so that small concentrations never give log 0. */
  sample(rng: Rng, extraShape: number[] = []): tf.Tensor {
    const shape = sampleShape(this.name, this.batchShape, extraShape);
    return tf.tidy(() =>
      tf.maximum(tf.div(sampleStandardGamma(rng, this.concentration, shape), this.rate), FLOAT32_MIN_NORMAL),
    );
  }

  mean(): tf.Tensor {
    return tf.tidy(() => tf.div(this.concentration, this.rate));
  }

  variance(): tf.Tensor {
    return tf.tidy(() => tf.div(this.concentration, tf.square(this.rate)));
  }

  /** α − log β + lgamma(α) + (1 − α) ψ(α). */
  entropy(): tf.Tensor {
    return tf.tidy(() => {
      const a = this.concentration;
      return addAll(tf.sub(a, tf.log(this.rate)), lgamma(a), tf.mul(tf.sub(1, a), digamma(a)));
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
