// WGSL kernels for the webgpu backend's Gamma draws (issue 17): lib/prob/gamma runs these where they are registered,
// so a Gamma, Beta or Lp-nested sample never reads tensor data back to the host (Node's webgpu has no sync read).
//  - VaelabGammaSample: Gamma(α, 1) per element, Marsaglia & Tsang (2000) with the U^(1/α) boost for α < 1. The
//    uniforms come from Philox-4x32-10 (Salmon et al. 2011, counter = (element, attempt, 0, 0), key = two words the
//    caller draws from its Rng), so a draw depends only on the Rng state and the element, not on the thread order.
//    Each attempt takes one Philox block: two words for a normal by the polar form of Box–Muller (no sin/cos, whose
//    WGSL accuracy is only 2^-11 absolute), one to accept, one for the boost.
//  - VaelabGammaShapeGrad: dz/dα of z ~ Gamma(α, 1) held at its CDF level, −(∂P/∂α)/p, in float32 by the float64
//    reference's method (lib/prob/gamma, native/src/special.cc; those used a central difference of P, which float32
//    cannot resolve, until 2026-12-07): the α-derivative is carried through the same series (z < α + 1) or Lentz
//    continued fraction as P itself (forward-mode, as Eigen's igamma does for tf.random.gamma's gradient), and the
//    density's prefactor cancels analytically:
//      series:  dz/dα = −(z/α)·(S·(log z − ψ(α + 1)) + ∂S/∂α),  P = z^α e^−z / Γ(α + 1) · S
//      fraction: dz/dα = z·(h·(log z − ψ(α)) + ∂h/∂α),          1 − P = z^α e^−z / Γ(α) · h
//    so no lgamma or exp enters; ψ is computed in the shader. Like the float64 path: z is clamped to the smallest
//    normal float32 and a non-finite result is 0.
//  - VaelabLgamma, VaelabDigamma, VaelabTrigamma, VaelabLbeta: lib/prob/special's float32 method (series around 2
//    below 2.5, shifted Stirling / asymptotic series above) in one dispatch each, where the composed ops take ≈ 40
//    (each a WebGPU dispatch with its host overhead); their gradients are the ones lib/prob/special registers.
import * as tf from "@tensorflow/tfjs";
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import { SPECIAL_F32_COEFFS } from "./special-coefficients";
import { SPECIAL_KERNELS } from "./special-kernels";

/** The backend's dispatch helpers; the package is loaded only after navigator.gpu exists (lib/engine/webgpu). */
function util(): typeof import("@tensorflow/tfjs-backend-webgpu").webgpu_util {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return (require("@tensorflow/tfjs-backend-webgpu") as typeof import("@tensorflow/tfjs-backend-webgpu")).webgpu_util;
}

/** Horner's rule unrolled into a WGSL expression in `t`. */
function horner(coeffs: readonly number[], t: string): string {
  return coeffs
    .slice(0, -1)
    .reduceRight(
      (acc, c) => `(${acc}) * ${t} + (${c.toPrecision(10)})`,
      `${coeffs[coeffs.length - 1].toPrecision(10)}`,
    );
}

const C = SPECIAL_F32_COEFFS;
// ψ′ tail: ψ′(y) = 1/y + 1/(2y²) + Σ B_2k / y^(2k+1) (four terms below float32 resolution for y ≥ 10)
const TRIGAMMA_ASYMP = [1 / 6, -1 / 30, 1 / 42, -1 / 30];
const SPECIAL_WGSL = `
fn log1pF(x : f32) -> f32 {
  let u = 1.0 + x;
  let d = u - 1.0;
  return select(log(u) * (x / d), x, d == 0.0);
}
// ω(y) = lgamma(y) − [(y − ½) log y − y + ½ log 2π], y ≥ 6
fn stirlingF(y : f32) -> f32 {
  let r = 1.0 / y;
  let r2 = r * r;
  return (${horner(C.stirling, "r2")}) * r;
}
// t = x − 2, x − 1 or x: the series variable of lgamma(2 + t) for x in [1.5, 2.5), [0.5, 1.5), (0, 0.5)
fn seriesT(x : f32) -> f32 { return select(select(x, x - 1.0, x >= 0.5), x - 2.0, x >= 1.5); }
fn lgammaF(x : f32) -> f32 {
  if (!(x > 0.0)) { return select(uniforms.NAN, uniforms.INFINITY, x == 0.0); }
  if (x < 2.5) {
    let t = seriesT(x);
    var s = t * (${horner(C.lgammaSeries, "t")});
    if (x < 1.5) { s = s - log(x); }
    if (x < 0.5) { s = s - log1pF(x); }
    return s;
  }
  if (x >= 3.0e38) { return uniforms.INFINITY; }
  let y = select(x + 4.0, x, x >= 6.0);
  var r = (y - 0.5) * log(y) - y + 0.9189385332046728 + stirlingF(y);
  if (x < 6.0) { r = r - log(x * (x + 1.0) * (x + 2.0) * (x + 3.0)); }
  return r;
}
fn digammaF(x : f32) -> f32 {
  if (!(x > 0.0)) { return select(uniforms.NAN, -uniforms.INFINITY, x == 0.0); }
  if (x < 2.5) {
    let t = seriesT(x);
    var s = ${horner(C.digammaSeries, "t")};
    if (x < 1.5) { s = s - 1.0 / x; }
    if (x < 0.5) { s = s - 1.0 / (x + 1.0); }
    return s;
  }
  let y = select(x + 4.0, x, x >= 6.0);
  let r2 = 1.0 / (y * y);
  var r = log(y) - 0.5 / y - (${horner(C.digammaAsymp, "r2")}) * r2;
  if (x < 6.0) { r = r - (1.0 / x + 1.0 / (x + 1.0) + 1.0 / (x + 2.0) + 1.0 / (x + 3.0)); }
  return r;
}
fn trigammaF(x : f32) -> f32 {
  if (!(x > 0.0)) { return select(uniforms.NAN, uniforms.INFINITY, x == 0.0); }
  var y = x;
  var corr = 0.0;
  while (y < 10.0) { corr = corr + 1.0 / (y * y); y = y + 1.0; }
  let r = 1.0 / y;
  let r2 = r * r;
  return corr + r + 0.5 * r2 + (${horner(TRIGAMMA_ASYMP, "r2")}) * r2 * r;
}
// log B(a, b); for max(a, b) ≥ 6, lgamma(big) − lgamma(big + small) from the Stirling forms (no large difference)
fn lbetaF(a : f32, b : f32) -> f32 {
  if (!(a > 0.0) || !(b > 0.0)) { return uniforms.NAN; }
  let big = max(a, b);
  let small = min(a, b);
  if (big < 6.0) { return lgammaF(a) + lgammaF(b) - lgammaF(a + b); }
  let d = -(big - 0.5) * log1pF(small / big) - small * log(big + small) + small + stirlingF(big) - stirlingF(big + small);
  return lgammaF(small) + d;
}
`;

const PHILOX = `
fn mulhilo(a : u32, b : u32) -> vec2<u32> {
  let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;
  let lh = al * bh; let hl = ah * bl;
  let mid = ((al * bl) >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}
fn philox(counter : vec4<u32>, key0 : vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key0;
  for (var r = 0; r < 10; r++) {
    let p0 = mulhilo(0xD2511F53u, c.x);
    let p1 = mulhilo(0xCD9E8D57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}
// uniform on (0, 1): 24 bits, never 0 or 1
fn unitOpen(w : u32) -> f32 { return (f32(w >> 8u) + 0.5) * 5.9604644775390625e-8; }
`;

class GammaSampleProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = "vaelabGammaSample";
  variableNames = ["A"];
  uniforms = "seed : vec2<u32>,";
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = util().flatDispatchLayout(shape);
    this.dispatch = util().computeDispatch(this.dispatchLayout, shape, this.workgroupSize);
  }

  getUserCode(): string {
    return `${PHILOX}
fn main(index : i32) {
  if (index >= uniforms.size) { return; }
  let alpha = getAByOutputIndex(index);
  if (!(alpha > 0.0)) { setOutputAtIndex(index, uniforms.NAN); return; }
  let boost = alpha < 1.0;
  let d = select(alpha, alpha + 1.0, boost) - 1.0 / 3.0;
  let c = 1.0 / sqrt(9.0 * d);
  // each attempt is accepted with probability > 0.95 · π/4; 256 failures do not happen
  var g = d;
  for (var attempt = 0u; attempt < 256u; attempt++) {
    let r = philox(vec4<u32>(u32(index), attempt, 0u, 0u), uniforms.seed);
    let p = 2.0 * vec2<f32>(unitOpen(r.x), unitOpen(r.y)) - 1.0;
    let s = dot(p, p);
    if (s >= 1.0 || s == 0.0) { continue; }
    let x = p.x * sqrt(-2.0 * log(s) / s);
    var v = 1.0 + c * x;
    if (v <= 0.0) { continue; }
    v = v * v * v;
    let u = unitOpen(r.z);
    let x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2 || log(u) < 0.5 * x2 + d * (1.0 - v + log(v))) {
      g = d * v;
      if (boost) { g = g * exp(log(unitOpen(r.w)) / alpha); }
      break;
    }
  }
  setOutputAtIndex(index, g);
}`;
  }
}

class GammaShapeGradProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey = "vaelabGammaShapeGrad";
  variableNames = ["A", "B"];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = util().flatDispatchLayout(shape);
    this.dispatch = util().computeDispatch(this.dispatchLayout, shape, this.workgroupSize);
  }

  getUserCode(): string {
    return `${SPECIAL_WGSL}
fn shapeGrad(a : f32, z : f32) -> f32 {
  let x = max(z, 1.1754943508222875e-38);
  let lx = log(x);
  if (x < a + 1.0) {
    // S = Σ t_n, t_0 = 1, t_n = t_(n−1)·x/(a + n); dt_n = (dt_(n−1) − t_(n−1)/(a + n))·x/(a + n)
    var t = 1.0; var dt = 0.0; var s = 1.0; var ds = 0.0;
    for (var n = 1; n < 1000; n++) {
      let an = a + f32(n);
      dt = (dt - t / an) * x / an;
      t = t * x / an;
      s = s + t;
      ds = ds + dt;
      if (t <= s * 1e-8 && abs(dt) <= abs(ds) * 1e-8) { break; }
    }
    return -(x / a) * (s * (lx - digammaF(a + 1.0)) + ds);
  }
  // modified Lentz for h (Numerical Recipes' gcf), each quantity with its α-derivative (b' = −1, a_i' = i)
  var b = x + 1.0 - a;
  var c = 1e30; var dc = 0.0;
  var d = 1.0 / b; var dd = d * d;
  var h = d; var dh = dd;
  for (var i = 1; i < 1000; i++) {
    let fi = f32(i);
    let ai = -fi * (fi - a);
    b = b + 2.0;
    var den = ai * d + b;
    let dden = fi * d + ai * dd - 1.0;
    if (abs(den) < 1e-30) { den = 1e-30; }
    d = 1.0 / den;
    dd = -dden * d * d;
    let cn = b + ai / c;
    dc = -1.0 + fi / c - ai * dc / (c * c);
    c = cn;
    if (abs(c) < 1e-30) { c = 1e-30; }
    let del = d * c;
    let ddel = dd * c + d * dc;
    dh = dh * del + h * ddel;
    h = h * del;
    if (abs(del - 1.0) < 1e-7 && abs(h * ddel) <= abs(dh) * 1e-7) { break; }
  }
  return x * (h * (lx - digammaF(a)) + dh);
}
fn main(index : i32) {
  if (index >= uniforms.size) { return; }
  let g = shapeGrad(getAByOutputIndex(index), getBByOutputIndex(index));
  // a non-finite gradient (overflow at extreme draws) is 0, as on the host
  setOutputAtIndex(index, select(0.0, g, abs(g) <= 3.4028234663852886e38));
}`;
  }
}

/** One of the functions above, elementwise over one input or two broadcast ones. */
class SpecialProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames: string[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(
    private readonly fn: string,
    arity: 1 | 2,
    shape: number[],
  ) {
    this.outputShape = shape;
    this.shaderKey = `vaelab_${fn}`;
    this.variableNames = arity === 1 ? ["A"] : ["A", "B"];
    this.dispatchLayout = util().flatDispatchLayout(shape);
    this.dispatch = util().computeDispatch(this.dispatchLayout, shape, this.workgroupSize);
  }

  getUserCode(): string {
    const args = this.variableNames.map((v) => `get${v}ByOutputIndex(index)`).join(", ");
    return `${SPECIAL_WGSL}
fn main(index : i32) {
  if (index < uniforms.size) { setOutputAtIndex(index, ${this.fn}(${args})); }
}`;
  }
}

function float32(kernel: string, ...xs: tf.TensorInfo[]): void {
  for (const x of xs) if (x.dtype !== "float32") throw new Error(`${kernel}: expected float32, got ${x.dtype}`);
}

/** Register the kernels above for tfjs's webgpu backend (once; lib/engine/backend calls it when webgpu loads). */
export function registerWebgpuSpecialKernels(): void {
  if (tf.getKernel(SPECIAL_KERNELS.gammaSample, "webgpu")) return;
  tf.registerKernel({
    kernelName: SPECIAL_KERNELS.gammaSample,
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const alpha = inputs.alpha as tf.TensorInfo;
      const { seed, shape } = attrs as unknown as { seed: [number, number]; shape: number[] };
      float32(SPECIAL_KERNELS.gammaSample, alpha);
      // α broadcasts to the draws' shape (the shader's getAByOutputIndex maps each element)
      tf.backend_util.assertAndGetBroadcastShape(alpha.shape, shape);
      return (backend as WebGPUBackend).runWebGPUProgram(new GammaSampleProgram(shape), [alpha], "float32", [
        { type: "uint32", data: seed },
      ]);
    },
  });
  for (const [name, fn] of [
    [SPECIAL_KERNELS.lgamma, "lgammaF"],
    [SPECIAL_KERNELS.digamma, "digammaF"],
    [SPECIAL_KERNELS.trigamma, "trigammaF"],
  ])
    tf.registerKernel({
      kernelName: name,
      backendName: "webgpu",
      kernelFunc: ({ inputs, backend }) => {
        const x = inputs.x as tf.TensorInfo;
        float32(name, x);
        return (backend as WebGPUBackend).runWebGPUProgram(new SpecialProgram(fn, 1, x.shape), [x], "float32");
      },
    });
  tf.registerKernel({
    kernelName: SPECIAL_KERNELS.lbeta,
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      float32(SPECIAL_KERNELS.lbeta, a, b);
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return (backend as WebGPUBackend).runWebGPUProgram(new SpecialProgram("lbetaF", 2, shape), [a, b], "float32");
    },
  });
  tf.registerKernel({
    kernelName: SPECIAL_KERNELS.gammaShapeGrad,
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend }) => {
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      // a and b broadcast, as in the native kernel (the shader's getXByOutputIndex maps each element)
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return (backend as WebGPUBackend).runWebGPUProgram(new GammaShapeGradProgram(shape), [a, b], "float32");
    },
  });
}
