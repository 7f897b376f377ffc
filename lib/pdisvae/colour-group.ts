// The background colour of images and the colour set a latent group reaches (PDisVAE, seed 002, Sec. 4.3,
// Fig. 11(b): "the spanned color space by the red-annotated color group", drawn in an HSV cylinder; a
// 1-component group reaches a 1-D colour curve, a 2–3 component group a 2-D/3-D colour set).
//
//  - cornerColours: the mean RGB of the top-left and top-right patch × patch squares of each image
//    [N, S, S, 3] (the bottom corners are left out: shoulders reach them in face images). In the
//    synthetic faces stand-in (lib/data/synthetic-faces) these pixels are always pure background.
//  - hsvCylinder: RGB → the HSV-cylinder point (s·cos 2πh, s·sin 2πh, v): hue as the angle, saturation as
//    the radius, value as the height. It is continuous in RGB (greys sit on the axis), so distances and
//    finite differences are meaningful.
//  - pointSetSpread: the principal standard deviations σ₁ ≥ σ₂ ≥ σ₃ of a point cloud (square roots of the
//    eigenvalues of its covariance, divisor n), their ratios to σ₁ and the participation dimension
//    (Σσ)²/Σσ² ∈ [1, d]. A curved 1-D set can have σ₂ > 0 (a hue arc is curved in the disc), so this is
//    an upper bound on the set's dimension; localDimension measures it directly.
//  - localDimension: the same participation dimension of the singular values of the Jacobian
//    ∂(colour)/∂(z_g) (3 × H) at many points, averaged: ≈ 1 on a curve, ≈ 2 on a surface with equal
//    stretch in two directions, up to 3. A group with H = 1 has exactly 1 (or 0 where the colour does not move).
//  - coverage: for each target colour (e.g. the background of every test image), the distance to the
//    nearest reached colour; the fraction within `radius` and the mean distance.
//  - groupColourSet: decode z with the group's coordinates z_d = base_d + scale_d·ε_d, ε ~ N(0, I) (the
//    prior when base = 0 and scale = 1; with base and scale the mean and standard deviation of the aggregate
//    posterior q(z_d), draws that follow the data's latent distribution when it is not centred at 0), the other
//    coordinates at `base`, read the corner colours, and measure the reached set (spread, local dimension by
//    central differences in ε, total variance).
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import { rgbToHsv } from "../data/synthetic-faces";
import { symmetricEigen } from "./group-components";
import type { ArrayView } from "../data/dataset";
import { checkRows, Rows } from "../eval/linear-fit";

const WHERE = "lib/pdisvae/colour-group";

/** Images as values with shape [N, S, S, 3] (channels last). */

/** Default corner patch: max(1, round(S / 16)) pixels (2 at 32 × 32, 4 at 64 × 64). */
export function defaultPatch(size: number): number {
  return Math.max(1, Math.round(size / 16));
}

/** Mean RGB of the top-left and top-right patch × patch squares of every image, [N][3]. */
export function cornerColours(images: ArrayView, patch?: number): number[][] {
  const sh = images.shape;
  if (sh.length !== 4 || sh[3] !== 3 || sh[1] !== sh[2])
    throw new Error(`${WHERE} cornerColours: images must be [N, S, S, 3], got [${sh.join(", ")}]`);
  const [N, S] = sh;
  if (images.values.length !== N * S * S * 3)
    throw new Error(`${WHERE} cornerColours: ${images.values.length} values for shape [${sh.join(", ")}]`);
  const p = patch ?? defaultPatch(S);
  if (!(Number.isInteger(p) && p >= 1 && 2 * p <= S))
    throw new Error(`${WHERE} cornerColours: patch must be an integer in 1…${S / 2}, got ${p}`);
  const v = images.values,
    per = S * S * 3,
    w = 1 / (2 * p * p);
  const out: number[][] = [];
  for (let i = 0; i < N; i++) {
    const c = [0, 0, 0];
    for (let r = 0; r < p; r++) {
      for (let q = 0; q < p; q++) {
        for (const col of [q, S - 1 - q]) {
          const o = i * per + 3 * (r * S + col);
          c[0] += v[o];
          c[1] += v[o + 1];
          c[2] += v[o + 2];
        }
      }
    }
    out.push(c.map((x) => x * w));
  }
  return out;
}

/** RGB in [0, 1] (clipped) → the HSV-cylinder point [s·cos 2πh, s·sin 2πh, v]. */
export function hsvCylinder(rgb: readonly number[]): [number, number, number] {
  const cl = (x: number) => Math.min(1, Math.max(0, x));
  const [h, s, v] = rgbToHsv(cl(rgb[0]), cl(rgb[1]), cl(rgb[2]));
  return [s * Math.cos(2 * Math.PI * h), s * Math.sin(2 * Math.PI * h), v];
}

/** (Σs)² / Σs² of non-negative values: 1 for one non-zero value, d for d equal ones, 0 for all zero. */
export function participationDimension(s: readonly number[]): number {
  let a = 0,
    b = 0;
  for (const x of s) {
    a += Math.abs(x);
    b += x * x;
  }
  return b > 0 ? (a * a) / b : 0;
}

export interface PointSetSpread {
  /** Principal standard deviations, descending. */
  sd: number[];
  /** sd[i] / sd[0] (NaN when sd[0] = 0). */
  ratios: number[];
  /** Participation dimension of sd. */
  dimension: number;
  /** Total variance Σ sd². */
  totalVariance: number;
}

/** Principal spread of a point cloud (rows = points). */
export function pointSetSpread(points: Rows): PointSetSpread {
  const [n, d] = checkRows(points, "points", `${WHERE} pointSetSpread`);
  const mean = new Array<number>(d).fill(0);
  for (const p of points) for (let j = 0; j < d; j++) mean[j] += p[j] / n;
  const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const p of points) {
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[i][j] += ((p[i] - mean[i]) * (p[j] - mean[j])) / n;
  }
  for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) cov[i][j] = cov[j][i];
  const sd = symmetricEigen(cov).values.map((v) => Math.sqrt(Math.max(0, v)));
  return {
    sd,
    ratios: sd.map((s) => (sd[0] > 0 ? s / sd[0] : NaN)),
    dimension: participationDimension(sd),
    totalVariance: sd.reduce((a, s) => a + s * s, 0),
  };
}

/** Singular values (descending) of a small dense matrix m (rows × cols), via the eigenvalues of m mᵀ. */
export function singularValues(m: Rows): number[] {
  const [r] = checkRows(m, "matrix", `${WHERE} singularValues`);
  const g = Array.from({ length: r }, (_, i) =>
    Array.from({ length: r }, (_, j) => m[i].reduce((a, x, k) => a + x * m[j][k], 0)),
  );
  for (let i = 0; i < r; i++) for (let j = 0; j < i; j++) g[i][j] = g[j][i];
  return symmetricEigen(g).values.map((v) => Math.sqrt(Math.max(0, v)));
}

export interface LocalDimension {
  /** Participation dimension of the Jacobian's singular values at each point. */
  perPoint: number[];
  /** Their mean (points where the colour does not move at all are left out; NaN if all are). */
  mean: number;
  /** Mean over points of s_i / s_1. */
  meanRatios: number[];
  /** Mean over points of the largest singular value (colour change per unit of z). */
  meanGain: number;
}

/** Local dimension of a map from its Jacobians (each out × in) at many points. */
export function localDimension(jacobians: readonly Rows[], minGain = 1e-6): LocalDimension {
  if (jacobians.length === 0) throw new Error(`${WHERE} localDimension: no Jacobians`);
  const perPoint: number[] = [];
  let sumDim = 0,
    used = 0,
    sumGain = 0;
  let sumRatios: number[] | null = null;
  for (const J of jacobians) {
    const s = singularValues(J);
    const dim = s[0] > minGain ? participationDimension(s) : 0;
    perPoint.push(dim);
    sumGain += s[0];
    if (s[0] > minGain) {
      sumDim += dim;
      used++;
      const r = s.map((x) => x / s[0]);
      sumRatios = sumRatios ? sumRatios.map((a, i) => a + r[i]) : r;
    }
  }
  return {
    perPoint,
    mean: used > 0 ? sumDim / used : NaN,
    meanRatios: sumRatios ? sumRatios.map((a) => a / used) : [],
    meanGain: sumGain / jacobians.length,
  };
}

export interface Coverage {
  /** Fraction of targets within `radius` of a reached point. */
  fraction: number;
  /** Mean and median distance of a target to its nearest reached point. */
  meanDistance: number;
  medianDistance: number;
  radius: number;
}

/** How well the reached points cover the targets (Euclidean, brute force). */
export function coverage(reached: Rows, targets: Rows, radius: number): Coverage {
  const [, d] = checkRows(reached, "reached", `${WHERE} coverage`);
  const [, dt] = checkRows(targets, "targets", `${WHERE} coverage`);
  if (d !== dt) throw new Error(`${WHERE} coverage: reached points have ${d} coordinates, targets ${dt}`);
  if (!(radius > 0)) throw new Error(`${WHERE} coverage: radius must be > 0, got ${radius}`);
  const dist = targets.map((t) => {
    let best = Infinity;
    for (const p of reached) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (p[j] - t[j]) ** 2;
      if (s < best) best = s;
    }
    return Math.sqrt(best);
  });
  const sorted = dist.slice().sort((a, b) => a - b);
  const m = sorted.length;
  return {
    fraction: dist.filter((x) => x <= radius).length / m,
    meanDistance: dist.reduce((a, b) => a + b, 0) / m,
    medianDistance: m % 2 ? sorted[(m - 1) / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2,
    radius,
  };
}

/** What groupColourSet needs of a model: K and a decoder to the mean image [B, S, S, 3]. */
export interface ImageDecoder {
  readonly zDim: number;
  decode(z: tf.Tensor): tf.Tensor;
}

export interface GroupColourSetOptions {
  /** Points drawn from N(0, I) in the group's coordinates (default 1000). */
  samples?: number;
  /** Points (the first ones drawn) at which the Jacobian is taken (default 100; 0 skips it). */
  jacobianPoints?: number;
  /** Central-difference step in ε (default 0.05). */
  step?: number;
  /** Centre of every coordinate: the group's draws are centred here, the others fixed here (default all 0). */
  base?: readonly number[];
  /** Standard deviation of the group's draws per latent dimension (default all 1). */
  scale?: readonly number[];
  /** Corner patch (default defaultPatch(S)). */
  patch?: number;
  /** Images per decoder call (default 256). */
  batchSize?: number;
  rng?: Rng | Seed;
}

export interface GroupColourSet {
  /** The group's latent dimensions. */
  dims: number[];
  /** The latent values of the group's coordinates, [samples][H] (base + scale·ε). */
  z: number[][];
  /** Decoded background colours, RGB [samples][3], and as HSV-cylinder points. */
  rgb: number[][];
  cylinder: number[][];
  spread: PointSetSpread;
  /** Local dimension from the Jacobians (null when jacobianPoints = 0). */
  local: LocalDimension | null;
}

/** Decode latent rows (flat [P·K]) in batches; returns the corner colours of the decoded images. */
async function decodeCorners(
  model: ImageDecoder,
  zv: Float32Array,
  P: number,
  patch: number | undefined,
  bs: number,
): Promise<number[][]> {
  const K = model.zDim;
  const out: number[][] = [];
  for (let s = 0; s < P; s += bs) {
    const m = Math.min(bs, P - s);
    const x = tf.tidy(() => model.decode(tf.tensor2d(zv.subarray(s * K, (s + m) * K), [m, K])));
    const shape = x.shape.slice();
    const vals = await x.data();
    x.dispose();
    if (shape.length !== 4 || shape[3] !== 3)
      throw new Error(
        `${WHERE} groupColourSet: the decoder must return RGB images [B, S, S, 3], got [${shape.join(", ")}]`,
      );
    out.push(...cornerColours({ values: vals, shape }, patch));
  }
  return out;
}

/** The background colours reached by varying one latent group (its coordinates ~ N(0, I), the others at base). */
export async function groupColourSet(
  model: ImageDecoder,
  dims: readonly number[],
  opts: GroupColourSetOptions = {},
): Promise<GroupColourSet> {
  const K = model.zDim;
  if (dims.length === 0) throw new Error(`${WHERE} groupColourSet: empty group`);
  for (const d of dims)
    if (!(Number.isInteger(d) && d >= 0 && d < K))
      throw new Error(`${WHERE} groupColourSet: dimension ${d} outside 0…${K - 1}`);
  const samples = opts.samples ?? 1000,
    J = Math.min(opts.jacobianPoints ?? 100, samples),
    h = opts.step ?? 0.05,
    bs = opts.batchSize ?? 256;
  if (!(Number.isInteger(samples) && samples >= 2))
    throw new Error(`${WHERE} groupColourSet: samples must be an integer ≥ 2, got ${samples}`);
  const base = opts.base ?? new Array<number>(K).fill(0);
  if (base.length !== K) throw new Error(`${WHERE} groupColourSet: base has ${base.length} values, K = ${K}`);
  const scale = opts.scale ?? new Array<number>(K).fill(1);
  if (scale.length !== K || !scale.every((v) => v > 0 && Number.isFinite(v)))
    throw new Error(`${WHERE} groupColourSet: scale must be ${K} positive numbers`);
  const rng = opts.rng instanceof Rng ? opts.rng : new Rng(opts.rng ?? "colour-group");
  const H = dims.length;
  // standardised draws ε; the latent value of group dim j is base[d] + scale[d]·ε_j
  const eps = Array.from({ length: samples }, () => Array.from({ length: H }, () => rng.normal()));
  // rows: the samples, then for each Jacobian point and group dim the +h and −h neighbours
  const P = samples + 2 * J * H;
  const zv = new Float32Array(P * K);
  const put = (row: number, e: readonly number[]) => {
    for (let k = 0; k < K; k++) zv[row * K + k] = base[k];
    dims.forEach((d, j) => (zv[row * K + d] = base[d] + scale[d] * e[j]));
  };
  eps.forEach((e, i) => put(i, e));
  for (let i = 0; i < J; i++) {
    for (let j = 0; j < H; j++) {
      const up = eps[i].slice(),
        down = eps[i].slice();
      up[j] += h;
      down[j] -= h;
      put(samples + 2 * (i * H + j), up);
      put(samples + 2 * (i * H + j) + 1, down);
    }
  }
  const rgb = await decodeCorners(model, zv, P, opts.patch, bs);
  const cyl = rgb.map(hsvCylinder);
  const cylinder = cyl.slice(0, samples);
  let local: LocalDimension | null = null;
  if (J > 0) {
    const jac: number[][][] = [];
    for (let i = 0; i < J; i++) {
      const Jm = [0, 1, 2].map((c) =>
        Array.from(
          { length: H },
          (_, j) => (cyl[samples + 2 * (i * H + j)][c] - cyl[samples + 2 * (i * H + j) + 1][c]) / (2 * h),
        ),
      );
      jac.push(Jm);
    }
    local = localDimension(jac);
  }
  const z = eps.map((e) => dims.map((d, j) => base[d] + scale[d] * e[j]));
  return { dims: dims.slice(), z, rgb: rgb.slice(0, samples), cylinder, spread: pointSetSpread(cylinder), local };
}
