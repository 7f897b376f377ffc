// Lp-nested symmetric distributions (Sinz & Bethge 2010, JMLR 11:3409) and the ISA form that ISA-VAE
// (Stühmer, Turner & Nowozin 2020) uses as a group-wise independent prior; PDisVAE (seed 002) compares
// against it in Sec. 4.
//
// An Lp-nested function is a tree of Lp norms: every inner node I with exponent p_I and children
// v_1 … v_ℓ computes f_I = (Σ_k |v_k|^{p_I})^{1/p_I}, every leaf is one coordinate z_i. An Lp-nested
// symmetric density depends on z only through f(z); its normaliser needs the "surface" of the unit
// Lp-nested sphere (Sinz & Bethge, Prop. 1 / Eq. 3):
//   S_f(1) = 2^n Π_{inner I} [ p_I^{−(ℓ_I − 1)} Π_{k=1}^{ℓ_I − 1} B( Σ_{i≤k} n_{I,i}/p_I , n_{I,k+1}/p_I ) ],
// n_{I,k} the number of leaves below the k-th child of I, n the number of leaves. For one node with
// p = 2 this is 2π^{n/2}/Γ(n/2), the area of the unit sphere.
//
// The ISA form: G groups z_g of sizes H_g, an inner exponent p₀ inside each group and an outer one p
// across groups (a two-level tree),
//   f(z) = ( Σ_g ‖z_g‖_{p₀}^p )^{1/p},      ‖z_g‖_{p₀} = ( Σ_h |z_{g,h}|^{p₀} )^{1/p₀},
// with the radial law chosen so that the density is
//   p(z) = exp( −f(z)^p / (p·s) ) / Z = Π_g exp( −‖z_g‖_{p₀}^p / (p·s) ) / Z,
//   Z = S_f(1) · (p s)^{n/p} Γ(n/p) / p     (∫ r^{n−1} e^{−r^p/(ps)} dr times the sphere surface).
// The root exponent appearing as the power of f is what makes the groups independent (Sinz & Bethge,
// Sec. "Lp-nested ISA"): the density factorises over groups, each factor an Lp₀-spherically symmetric
// law with Z_g = 2^{H} Γ(1/p₀)^{H} / (p₀^{H−1} Γ(H/p₀)) · (p s)^{H/p} Γ(H/p) / p, and Π_g Z_g = Z.
// p₀ = p = 2 gives N(0, s·I); p = p₀ gives independent generalised normals (ICA); p₀ = 2, p < 2 the
// classical spherical-group ISA prior with heavy-tailed group norms.
//
// Scale: `scale: "unit-variance"` (the default of the ISA-VAE model here) picks s per group so that
// every coordinate has variance 1, like the unit-variance logcosh prior of the ICA baseline; with equal
// group sizes all groups then share one s and the law is exactly Lp-nested symmetric (with unequal sizes
// it is the product of the groups' Lp₀-spherical laws, still group-wise independent). Coordinate
// variance: Var z_{g,h} = (p s)^{2/p} Γ((H+2)/p)/Γ(H/p) · Γ(3/p₀)Γ(H/p₀) / (Γ(1/p₀)Γ((H+2)/p₀)).
//
// Sampling (Sinz & Bethge, Sec. 5): per group, r with r^p/(p s) ~ Gamma(H/p, 1), and a direction
// u/‖u‖_{p₀} with u_h = ±(p₀ τ_h)^{1/p₀}, τ_h ~ Gamma(1/p₀, 1) (the p₀-generalised normal).
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../engine/rng";
import { sampleStandardGamma } from "./gamma";
import { lbetaScalar, lgammaScalar } from "./special";

/** An inner node of an Lp-nested function: exponent p > 0 over its children. */
export interface LpNestedNode {
  p: number;
  children: LpNestedChild[];
}
/** A child is an inner node or a leaf (one coordinate; leaves are numbered depth-first). */
export type LpNestedChild = LpNestedNode | "leaf";

function checkP(p: number, what: string): void {
  if (!(typeof p === "number" && Number.isFinite(p) && p > 0))
    throw new Error(`lib/prob/lp-nested: ${what} must be a finite number > 0, got ${p}`);
}

/** Number of leaves (coordinates) below a node. */
export function lpNestedLeaves(c: LpNestedChild): number {
  if (c === "leaf") return 1;
  if (!Array.isArray(c.children) || c.children.length === 0)
    throw new Error("lib/prob/lp-nested: an inner node needs at least one child");
  return c.children.reduce((s, ch) => s + lpNestedLeaves(ch), 0);
}

/** f(z) for plain numbers (float64), leaves taken in depth-first order. */
export function lpNestedValue(tree: LpNestedNode, z: readonly number[]): number {
  let next = 0;
  const walk = (c: LpNestedChild): number => {
    if (c === "leaf") return Math.abs(z[next++]);
    let s = 0;
    for (const ch of c.children) s += Math.pow(walk(ch), c.p);
    return Math.pow(s, 1 / c.p);
  };
  const n = lpNestedLeaves(tree);
  if (z.length !== n)
    throw new Error(`lib/prob/lp-nested lpNestedValue: the tree has ${n} leaves, got ${z.length} values`);
  return walk(tree);
}

/** log S_f(1): the log surface of the unit Lp-nested sphere (Sinz & Bethge 2010, Eq. 3). */
export function logUnitSphereSurface(tree: LpNestedNode): number {
  const n = lpNestedLeaves(tree);
  let out = n * Math.LN2;
  const walk = (c: LpNestedChild): void => {
    if (c === "leaf") return;
    checkP(c.p, "an inner node's p");
    const sizes = c.children.map(lpNestedLeaves);
    out -= (sizes.length - 1) * Math.log(c.p);
    let acc = sizes[0];
    for (let k = 1; k < sizes.length; k++) {
      out += lbetaScalar(acc / c.p, sizes[k] / c.p);
      acc += sizes[k];
    }
    c.children.forEach(walk);
  };
  walk(tree);
  return out;
}

/** The ISA tree: a root with exponent `outerP` over groups, each an `innerP` node over its leaves. */
export function isaTree(groupSizes: readonly number[], innerP: number, outerP: number): LpNestedNode {
  return {
    p: outerP,
    children: groupSizes.map((h) => ({ p: innerP, children: new Array<LpNestedChild>(h).fill("leaf") })),
  };
}

/** Spec of the ISA-form prior (plain JSON). */
export interface LpNestedIsaSpec {
  /** H_g for each group; K = Σ H_g. */
  groupSizes: number[];
  /** p₀: the Lp exponent inside a group (2: each group is spherically symmetric). */
  innerP: number;
  /** p: the exponent across groups, and the power of f in the density. */
  outerP: number;
  /** s, shared by all groups, or "unit-variance" (default): s_g such that every coordinate has variance 1. */
  scale?: number | "unit-variance";
}

/** Var z_{g,h} at scale s for a group of size H (see the header). */
export function isaCoordinateVariance(H: number, innerP: number, outerP: number, s: number): number {
  const radial2 = Math.exp(
    (2 / outerP) * Math.log(outerP * s) + lgammaScalar((H + 2) / outerP) - lgammaScalar(H / outerP),
  );
  const dir2 = Math.exp(
    lgammaScalar(3 / innerP) + lgammaScalar(H / innerP) - lgammaScalar(1 / innerP) - lgammaScalar((H + 2) / innerP),
  );
  return radial2 * dir2;
}

/** The scale s giving unit coordinate variance for a group of size H (variance ∝ s^{2/p}). */
export function isaUnitVarianceScale(H: number, innerP: number, outerP: number): number {
  return Math.pow(1 / isaCoordinateVariance(H, innerP, outerP, 1), outerP / 2);
}

/** log Z_g of one group's factor exp(−‖z_g‖_{p₀}^p/(p s)). */
function groupLogNormalizer(H: number, innerP: number, outerP: number, s: number): number {
  const logSurface =
    H * Math.LN2 + H * lgammaScalar(1 / innerP) - (H - 1) * Math.log(innerP) - lgammaScalar(H / innerP);
  return logSurface + (H / outerP) * Math.log(outerP * s) + lgammaScalar(H / outerP) - Math.log(outerP);
}

/** Smoothing inside |z|^{p₀} = (z² + ε)^{p₀/2}, so that the gradient is finite at z = 0. */
const ABS_EPS = 1e-30;

/**
 * The ISA-form Lp-nested prior over z ∈ R^K (a multivariate law: logProb reduces the last axis).
 * Plain-number members; the only tensors it owns are created per call.
 */
export class LpNestedIsa {
  readonly name = "LpNestedIsa";
  readonly groupSizes: number[];
  readonly innerP: number;
  readonly outerP: number;
  /** s_g per group. */
  readonly scales: number[];
  /** K = Σ H_g. */
  readonly dim: number;
  /** log Z_g per group (nats). */
  readonly groupLogNormalizers: number[];
  /** log Z = Σ_g log Z_g. */
  readonly logNormalizer: number;

  constructor(spec: LpNestedIsaSpec) {
    const { groupSizes, innerP, outerP } = spec;
    if (!Array.isArray(groupSizes) || groupSizes.length === 0)
      throw new Error("lib/prob/lp-nested LpNestedIsa: groupSizes must be a non-empty array");
    groupSizes.forEach((h, g) => {
      if (!(Number.isInteger(h) && h >= 1))
        throw new Error(`lib/prob/lp-nested LpNestedIsa: groupSizes[${g}] must be a positive integer, got ${h}`);
    });
    checkP(innerP, "innerP");
    checkP(outerP, "outerP");
    const scale = spec.scale ?? "unit-variance";
    if (scale !== "unit-variance") checkP(scale, "scale");
    this.groupSizes = groupSizes.slice();
    this.innerP = innerP;
    this.outerP = outerP;
    this.dim = groupSizes.reduce((a, b) => a + b, 0);
    this.scales = groupSizes.map((h) => (scale === "unit-variance" ? isaUnitVarianceScale(h, innerP, outerP) : scale));
    this.groupLogNormalizers = groupSizes.map((h, g) => groupLogNormalizer(h, innerP, outerP, this.scales[g]));
    this.logNormalizer = this.groupLogNormalizers.reduce((a, b) => a + b, 0);
  }

  /** The Lp-nested tree of f. */
  tree(): LpNestedNode {
    return isaTree(this.groupSizes, this.innerP, this.outerP);
  }

  /** Contiguous groups [[0 … H₁−1], [H₁ …], …]. */
  groups(): number[][] {
    let start = 0;
    return this.groupSizes.map((h) => Array.from({ length: h }, () => start++));
  }

  /** log p(z) for z [..., K] → [...]. */
  logProb(z: tf.Tensor): tf.Tensor {
    const K = this.dim,
      G = this.groupSizes.length;
    if (z.rank < 1 || z.shape[z.rank - 1] !== K)
      throw new Error(`LpNestedIsa.logProb: z must have shape [..., ${K}], got [${z.shape}]`);
    const lead = z.shape.slice(0, -1);
    const membership = this.groups().flatMap((g, gi) => g.map(() => gi)); // group of each dim
    const m = Array.from({ length: K }, (_, k) => Array.from({ length: G }, (_, g) => (membership[k] === g ? 1 : 0)));
    return tf.tidy(() => {
      const flat = tf.reshape(z, [-1, K]);
      const absP = tf.pow(tf.add(tf.square(flat), ABS_EPS), this.innerP / 2); // |z|^{p₀}
      const sums = tf.matMul(absP, tf.tensor2d(m, [K, G])); // Σ_{h∈g} |z|^{p₀}   [B, G]
      const normsP = tf.pow(sums, this.outerP / this.innerP); // ‖z_g‖_{p₀}^p
      const coef = tf.tensor1d(this.scales.map((s) => -1 / (this.outerP * s)));
      const out = tf.sub(tf.sum(tf.mul(normsP, coef), 1), this.logNormalizer);
      return tf.reshape(out, lead);
    });
  }

  /** log p(z) for one point, in float64 (reference for tests and quadrature). */
  logProbValue(z: readonly number[]): number {
    if (z.length !== this.dim) throw new Error(`LpNestedIsa.logProbValue: need ${this.dim} values, got ${z.length}`);
    let lp = -this.logNormalizer,
      k = 0;
    this.groupSizes.forEach((h, g) => {
      let s = 0;
      for (let i = 0; i < h; i++) s += Math.pow(Math.abs(z[k++]), this.innerP);
      lp -= Math.pow(s, this.outerP / this.innerP) / (this.outerP * this.scales[g]);
    });
    return lp;
  }

  /** n independent draws [n, K] (not reparameterised; Gamma variates through lib/prob/gamma). */
  sample(rng: Rng, n: number): tf.Tensor2D {
    if (!(Number.isInteger(n) && n >= 0))
      throw new Error(`LpNestedIsa.sample: n must be a non-negative integer, got ${n}`);
    const p0 = this.innerP,
      p = this.outerP;
    return tf.tidy(() => {
      const parts = this.groupSizes.map((h, g) => {
        const t = sampleStandardGamma(rng, tf.scalar(h / p), [n, 1]);
        const r = tf.pow(tf.mul(t, p * this.scales[g]), 1 / p);
        const tau = sampleStandardGamma(rng, tf.scalar(1 / p0), [n, h]);
        const uAbs = tf.pow(tf.mul(tau, p0), 1 / p0);
        const norm = tf.pow(tf.mul(tf.sum(tau, 1, true), p0), 1 / p0);
        const sign = tf.sub(tf.mul(tf.cast(tf.less(rng.uniformTensor([n, h]), 0.5), "float32"), 2), 1);
        return tf.mul(tf.mul(sign, tf.div(uAbs, norm)), r);
      });
      return tf.concat(parts, 1) as tf.Tensor2D;
    });
  }

  /** Differential entropy (nats): Σ_g (log Z_g + H_g/p), since ‖z_g‖^p/(p s) ~ Gamma(H_g/p, 1). */
  entropy(): number {
    return this.groupSizes.reduce((acc, h, g) => acc + this.groupLogNormalizers[g] + h / this.outerP, 0);
  }

  /** Variance of each coordinate [K] (1 everywhere with scale "unit-variance"). */
  coordinateVariances(): number[] {
    return this.groupSizes.flatMap((h, g) =>
      new Array<number>(h).fill(isaCoordinateVariance(h, this.innerP, this.outerP, this.scales[g])),
    );
  }
}
