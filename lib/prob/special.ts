// Special functions that tfjs lacks: log-gamma, digamma and log-beta, elementwise on tensors
// (float32, differentiable) and on plain numbers (float64, used by simulations and as references).
//
// Method, for x > 0:
//  - x < 2.5: recur to 2 + t with t in [-0.5, 0.5) (Γ(x+1) = xΓ(x)) and use the Taylor series of
//    lgamma / digamma around 2, whose coefficients are (ζ(k) − 1)/k ≈ 2^-k/k. Working around 2 rather
//    than shifting up to a large argument avoids the cancellation that would ruin the relative accuracy
//    near the roots lgamma(1) = lgamma(2) = 0.
//  - x ≥ 2.5: shift up to y ≥ 6 and use the Stirling / asymptotic series.
// Tensor versions run one special-function kernel where the backend has it (the native backend: the
// float64 method above in C++, rounded once to float32; gradients ψ, ψ′ and ψ(a) − ψ(a + b) registered
// below) and composed tfjs ops elsewhere. The composed versions select the region with tf.where after
// clamping each branch's input into its region, so no branch produces Inf/NaN and tf.grad stays finite;
// a VI-TasNet step with beta masks spent half its time in them (≈ 40 small ops per lgamma).
import * as tf from "@tensorflow/tfjs";
import { SPECIAL_KERNELS } from "../engine/special-kernels";
import {
  DG_F32,
  DIGAMMA_ASYMP,
  EULER_GAMMA,
  LG_F32,
  STIRLING,
  digammaSeriesCoeffs,
  lgammaSeriesCoeffs,
} from "../engine/special-coefficients";

export { EULER_GAMMA };

const HALF_LOG_2PI = 0.9189385332046728;
const LG_F64 = lgammaSeriesCoeffs(30);
const DG_F64 = digammaSeriesCoeffs(31);

// Region boundaries shared by the tensor and scalar versions.
const SERIES_MAX = 2.5;
const ASYMP_MIN = 6;

// ---------------------------------------------------------------------------------------------
// Plain-number versions (float64)

function hornerScalar(coeffs: number[], t: number): number {
  let s = 0;
  for (let i = coeffs.length - 1; i >= 0; i--) s = s * t + coeffs[i];
  return s;
}

/** ω(y) for y ≥ 10 (all eight terms: error < 1e-17 there). */
function stirlingCorrectionScalar(y: number): number {
  const r = 1 / y;
  const r2 = r * r;
  let s = 0;
  for (let i = STIRLING.length - 1; i >= 0; i--) s = s * r2 + STIRLING[i];
  return s * r;
}

/** log Γ(x) for x > 0 in float64 (≈1e-15 relative away from the roots 1 and 2). NaN for x ≤ 0 or NaN. */
export function lgammaScalar(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x === Infinity) return Infinity;
  if (x < SERIES_MAX) {
    if (x >= 1.5) return (x - 2) * hornerScalar(LG_F64, x - 2);
    if (x >= 0.5) return (x - 1) * hornerScalar(LG_F64, x - 1) - Math.log(x);
    return x * hornerScalar(LG_F64, x) - Math.log(x) - Math.log1p(x);
  }
  // Shift to y ≥ 10 so the eight-term Stirling series reaches float64 precision.
  let y = x;
  let logProd = 0;
  let prod = 1;
  while (y < 10) {
    prod *= y;
    y += 1;
  }
  if (prod !== 1) logProd = Math.log(prod);
  return (y - 0.5) * Math.log(y) - y + HALF_LOG_2PI + stirlingCorrectionScalar(y) - logProd;
}

/** ψ(x) = d/dx log Γ(x) for x > 0 in float64. NaN for x ≤ 0 or NaN. */
export function digammaScalar(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  if (x === Infinity) return Infinity;
  if (x < SERIES_MAX) {
    if (x >= 1.5) return hornerScalar(DG_F64, x - 2);
    if (x >= 0.5) return hornerScalar(DG_F64, x - 1) - 1 / x;
    return hornerScalar(DG_F64, x) - 1 / x - 1 / (x + 1);
  }
  let y = x;
  let corr = 0;
  while (y < 10) {
    corr += 1 / y;
    y += 1;
  }
  const r2 = 1 / (y * y);
  let s = 0;
  for (let i = DIGAMMA_ASYMP.length - 1; i >= 0; i--) s = s * r2 + DIGAMMA_ASYMP[i];
  return Math.log(y) - 0.5 / y - s * r2 - corr;
}

/** log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b) in float64, stable when one argument is large. */
export function lbetaScalar(a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) return NaN;
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 10) return lgammaScalar(a) + lgammaScalar(b) - lgammaScalar(a + b);
  // lgamma(big) − lgamma(big + small) from the Stirling forms, without subtracting two large numbers.
  const d =
    -(big - 0.5) * Math.log1p(small / big) -
    small * Math.log(big + small) +
    small +
    stirlingCorrectionScalar(big) -
    stirlingCorrectionScalar(big + small);
  return lgammaScalar(small) + d;
}

// ---------------------------------------------------------------------------------------------
// Special-function kernels and their gradients

function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

function runKernel(name: string, inputs: tf.NamedTensorMap): tf.Tensor {
  return tf.engine().runKernel(name, inputs) as tf.Tensor;
}

/** Sums a broadcast gradient back to an input's shape (as tfjs' own binary-op gradients do). */
function reduceTo(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
}

tf.registerGradient({
  kernelName: SPECIAL_KERNELS.lgamma,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, digamma(saved[0])) }),
});
// ψ′ needs the kernel: it runs only where digamma ran as one (no second derivative: ψ″ is not registered).
tf.registerGradient({
  kernelName: SPECIAL_KERNELS.digamma,
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => ({ x: () => tf.mul(dy as tf.Tensor, runKernel(SPECIAL_KERNELS.trigamma, { x: saved[0] })) }),
});
tf.registerGradient({
  kernelName: SPECIAL_KERNELS.lbeta,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved) => {
    const [a, b] = saved;
    const d = dy as tf.Tensor;
    const psiSum = () => digamma(tf.add(a, b));
    return {
      a: () => reduceTo(tf.mul(d, tf.sub(digamma(a), psiSum())), a.shape),
      b: () => reduceTo(tf.mul(d, tf.sub(digamma(b), psiSum())), b.shape),
    };
  },
});

// ---------------------------------------------------------------------------------------------
// Tensor versions (float32, differentiable)

function hornerTensor(coeffs: number[], t: tf.Tensor): tf.Tensor {
  let s: tf.Tensor = tf.fill(t.shape, coeffs[coeffs.length - 1]);
  for (let i = coeffs.length - 2; i >= 0; i--) s = tf.add(tf.mul(s, t), coeffs[i]);
  return s;
}

/** ω(y) for y ≥ 6: four terms leave < 1e-10, far below float32 resolution. */
function stirlingCorrectionTensor(y: tf.Tensor): tf.Tensor {
  const r = tf.reciprocal(y);
  const r2 = tf.square(r);
  return tf.mul(hornerTensor(STIRLING.slice(0, 4), r2), r);
}

/**
 * log(1 + x), accurate for small |x| on every backend (the wasm backend's Log1p computes log(1 + x)
 * directly and loses all digits near 0). Uses log(u)·x/(u − 1) with u = 1 + x rounded (Goldberg's
 * trick); its gradient is set to 1/(1 + x) explicitly because autodiff through the trick is inexact.
 */
export const log1p: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  const value = tf.tidy(() => {
    const u = tf.add(x, 1);
    const d = tf.sub(u, 1);
    const exact = tf.equal(d, 0);
    const ratio = tf.div(x, tf.where(exact, tf.onesLike(d), d));
    return tf.where(exact, x, tf.mul(tf.log(u), ratio));
  });
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.div(dy, tf.add(saved[0], 1)) };
}) as never) as unknown as (x: tf.Tensor) => tf.Tensor;

function asFloat(x: tf.Tensor, fn: string): tf.Tensor {
  if (x.dtype !== "float32") throw new Error(`lib/prob/special ${fn}: expected a float32 tensor, got ${x.dtype}`);
  return x;
}

/**
 * The parts shared by lgamma and digamma: which region each element is in, the series variable t
 * (clamped to [−0.5, 0.5]) and the asymptotic argument y = x + 4 for 2.5 ≤ x < 6, else x.
 * Masks use greaterEqual only: tfjs has a (zero) gradient for GreaterEqual but none for Less,
 * and tf.grad backpropagates into the condition of tf.where.
 */
function regions(x: tf.Tensor) {
  const ge05 = tf.greaterEqual(x, 0.5);
  const ge15 = tf.greaterEqual(x, 1.5);
  const ge25 = tf.greaterEqual(x, SERIES_MAX);
  const ge6 = tf.greaterEqual(x, ASYMP_MIN);
  const zeros = tf.zerosLike(x);
  const ones = tf.onesLike(x);
  // Number of upward recurrence steps to land in [1.5, 2.5): 2 below 0.5, 1 below 1.5, else 0.
  const up = tf.where(ge15, zeros, tf.where(ge05, ones, tf.fill(x.shape, 2)));
  const t = tf.clipByValue(tf.sub(tf.add(x, up), 2), -0.5, 0.5);
  // Safe inputs for the recurrence terms (their unselected values must stay finite).
  const xLow = tf.where(ge15, ones, x);
  const xMid = tf.minimum(x, ASYMP_MIN);
  const y = tf.where(ge6, x, tf.add(x, 4));
  return { ge05, ge15, ge25, ge6, zeros, t, xLow, xMid, y };
}

/** Elementwise log Γ(x) for a float32 tensor, x > 0 (≈1e-6 relative on [1e-3, 1e4], absolute near the roots 1, 2). */
export function lgamma(x: tf.Tensor): tf.Tensor {
  asFloat(x, "lgamma");
  return hasKernel(SPECIAL_KERNELS.lgamma) ? runKernel(SPECIAL_KERNELS.lgamma, { x }) : lgammaComposed(x);
}

/** lgamma from composed tfjs ops (backends without the kernel). */
export function lgammaComposed(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const r = regions(x);
    // Series branch: lgamma(2+t) − [x < 1.5] log x − [x < 0.5] log(1+x).
    let series = tf.mul(r.t, hornerTensor(LG_F32, r.t));
    series = tf.sub(series, tf.where(r.ge15, r.zeros, tf.log(r.xLow)));
    series = tf.sub(series, tf.where(r.ge05, r.zeros, log1p(r.xLow)));
    // Asymptotic branch: Stirling at y, minus log(x(x+1)(x+2)(x+3)) when shifted.
    const xm = r.xMid;
    const logProd = tf.log(tf.mul(tf.mul(xm, tf.add(xm, 1)), tf.mul(tf.add(xm, 2), tf.add(xm, 3))));
    let asym = tf.add(tf.sub(tf.mul(tf.sub(r.y, 0.5), tf.log(r.y)), r.y), HALF_LOG_2PI);
    asym = tf.add(asym, stirlingCorrectionTensor(r.y));
    asym = tf.sub(asym, tf.where(r.ge6, r.zeros, logProd));
    return tf.where(r.ge25, asym, series);
  });
}

/** Elementwise ψ(x) = d/dx log Γ(x) for a float32 tensor, x > 0. */
export function digamma(x: tf.Tensor): tf.Tensor {
  asFloat(x, "digamma");
  return hasKernel(SPECIAL_KERNELS.digamma) ? runKernel(SPECIAL_KERNELS.digamma, { x }) : digammaComposed(x);
}

/** digamma from composed tfjs ops (backends without the kernel). */
export function digammaComposed(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const r = regions(x);
    let series = hornerTensor(DG_F32, r.t);
    series = tf.sub(series, tf.where(r.ge15, r.zeros, tf.reciprocal(r.xLow)));
    series = tf.sub(series, tf.where(r.ge05, r.zeros, tf.reciprocal(tf.add(r.xLow, 1))));
    const xm = r.xMid;
    const shiftSum = tf.addN([
      tf.reciprocal(xm),
      tf.reciprocal(tf.add(xm, 1)),
      tf.reciprocal(tf.add(xm, 2)),
      tf.reciprocal(tf.add(xm, 3)),
    ]);
    const r2 = tf.reciprocal(tf.square(r.y));
    let asym = tf.sub(tf.log(r.y), tf.div(0.5, r.y));
    asym = tf.sub(asym, tf.mul(hornerTensor(DIGAMMA_ASYMP.slice(0, 4), r2), r2));
    asym = tf.sub(asym, tf.where(r.ge6, r.zeros, shiftSum));
    return tf.where(r.ge25, asym, series);
  });
}

/**
 * Elementwise log B(a, b) for broadcastable float32 tensors, stable when one argument is large.
 * big/small are picked with one tf.where on a ≥ b rather than tf.maximum/tf.minimum: on a tie a == b
 * those two both pass their gradient to a (b got none), and their gradients do not reduce over
 * broadcast axes. With one condition, a tie sends ∂/∂big to a and ∂/∂small to b, which are equal there.
 */
export function lbeta(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  asFloat(a, "lbeta");
  asFloat(b, "lbeta");
  return hasKernel(SPECIAL_KERNELS.lbeta) ? runKernel(SPECIAL_KERNELS.lbeta, { a, b }) : lbetaComposed(a, b);
}

/** lbeta from composed tfjs ops (backends without the kernel). */
export function lbetaComposed(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const aIsBig = tf.greaterEqual(a, b);
    const big = tf.where(aIsBig, a, b);
    const small = tf.where(aIsBig, b, a);
    const direct = tf.sub(tf.add(lgamma(a), lgamma(b)), lgamma(tf.add(a, b)));
    // For big ≥ 6: lgamma(small) + [lgamma(big) − lgamma(big + small)] from the Stirling forms.
    const bigSafe = tf.maximum(big, ASYMP_MIN);
    const sum = tf.add(bigSafe, small);
    let d = tf.neg(tf.mul(tf.sub(bigSafe, 0.5), log1p(tf.div(small, bigSafe))));
    d = tf.add(tf.sub(d, tf.mul(small, tf.log(sum))), small);
    d = tf.add(d, tf.sub(stirlingCorrectionTensor(bigSafe), stirlingCorrectionTensor(sum)));
    const stable = tf.add(lgamma(small), d);
    return tf.where(tf.greaterEqual(big, ASYMP_MIN), stable, direct);
  });
}

/** Numerically stable log cosh(x) = |x| + log1p(e^−2|x|) − log 2. */
export function logCosh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const ax = tf.abs(x);
    return tf.sub(tf.add(ax, log1p(tf.exp(tf.mul(ax, -2)))), Math.LN2);
  });
}

/**
 * log Σ exp(x) over one axis (values exactly those of tf.logSumExp), with the gradient dy·softmax(x)
 * written directly. tfjs differentiates its logSumExp through the max it subtracts, whose gradient
 * needs an Equal kernel over the whole input (the native backend runs it on the slow cpu path; in
 * exact arithmetic that part of the gradient cancels anyway).
 */
export function logSumExp(x: tf.Tensor, axis: number): tf.Tensor {
  const ax = axis < 0 ? axis + x.rank : axis;
  if (!(Number.isInteger(ax) && ax >= 0 && ax < x.rank))
    throw new Error(`lib/prob/special logSumExp: axis ${axis} is outside a rank-${x.rank} tensor`);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor,
      save = args[1] as tf.GradSaveFunc;
    const value = tf.logSumExp(input, ax);
    save([input, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [inp, v] = saved;
        const keep = v.shape.slice();
        keep.splice(ax, 0, 1);
        return tf.mul(tf.reshape(dy, keep), tf.exp(tf.sub(inp, tf.reshape(v, keep))));
      },
    };
  });
  return f(x);
}
