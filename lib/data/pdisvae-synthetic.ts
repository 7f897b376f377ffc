// The linear synthetic data sets of PDisVAE (seed 002):
//
// groupwiseSynthetic — Sec. 4.1, Fig. 1. What the paper specifies: N = 2000 points, K = 6 latents in
//   three groups (z1,z2) ⊥ (z3,z4) ⊥ (z5,z6), components within a group "highly entangled"; x = A z + ε in
//   D = 20, ε_d ~ N(0, 0.5²) i.i.d.; linear encoder/decoder because the generative process is linear.
//   What it leaves open (Fig. 1 is not in the text), and what we chose:
//   - the three 2-D group distributions: a ring (angle uniform, radius 1 + 0.1·N(0,1)), two moons
//     (half-circles of radius 1, the second shifted by (1, 0.5) and flipped, N(0, 0.1²) jitter) and a
//     one-arm spiral (1.5 turns, angle 3π·√u, radius ∝ angle, N(0, 0.04²) jitter). Each is non-Gaussian
//     and dependent in a way no linear map of the pair removes (a ring stays a ring after whitening).
//     `shapes` picks others from SHAPES (also "banana": z_b = z_a² − 1 + noise). Options that are
//     not the default must be stated by the notebook that uses them.
//   - each latent coordinate is standardised to mean 0, variance 1 by fixed constants (moments of a
//     100 000-point reference draw of the shape's own stream), so a point's z never depends on the
//     other points and the groups stay exactly independent;
//   - A (D × K) has i.i.d. N(0, 1) entries, drawn from `mapSeed` alone. Then each clean coordinate has
//     variance ≈ K = 6 against noise 0.25, so a perfect model reconstructs x with R² ≈ 0.96, close
//     to the ≈ 0.97 the paper reports for all methods;
//   - train/test: 20 % of the N points are held out (the paper evaluates "PC on the test set" but does
//     not give the split), chosen by a permutation from `splitSeed`.
//
// independentSynthetic — Appendix A.4.2, Fig. 8–9. What the paper specifies: N = 2000, K = 3 mutually
//   independent latents, the same linear map to D = 20 and noise sd 0.5. Their distributions are only
//   drawn (Fig. 8a, 9); we chose three non-Gaussian, unit-variance, zero-mean laws of different kinds:
//   z1 uniform on [−√3, √3] (sub-Gaussian), z2 a symmetric two-component Gaussian mixture
//   ½N(−0.9, 0.19) + ½N(0.9, 0.19) (bimodal), z3 Laplace with scale 1/√2 (super-Gaussian).
//
// Both are deterministic given (seed, mapSeed, splitSeed) and the sizes; latents and noise come from
// Rng(seed) forks, so changing the test fraction never changes a point.
import { Rng, Seed } from "../engine/rng";
import {
  checkInt,
  checkNonNegative,
  gaussianMatrix,
  GroupedDataset,
  Matrix,
  referenceMoments,
  splitIndices,
} from "./dataset";

/** The 2-D shapes available for a group; each returns a raw (unstandardised) point. */
export const SHAPES = {
  ring: (rng: Rng): number[] => {
    const t = 2 * Math.PI * rng.uniform();
    const r = 1 + 0.1 * rng.normal();
    return [r * Math.cos(t), r * Math.sin(t)];
  },
  moons: (rng: Rng): number[] => {
    const t = Math.PI * rng.uniform();
    const upper = rng.uniform() < 0.5;
    const a = upper ? Math.cos(t) : 1 - Math.cos(t);
    const b = upper ? Math.sin(t) : 0.5 - Math.sin(t);
    return [a + 0.1 * rng.normal(), b + 0.1 * rng.normal()];
  },
  spiral: (rng: Rng): number[] => {
    const t = 3 * Math.PI * Math.sqrt(rng.uniform());
    const r = t / (3 * Math.PI);
    return [r * Math.cos(t) + 0.04 * rng.normal(), r * Math.sin(t) + 0.04 * rng.normal()];
  },
  banana: (rng: Rng): number[] => {
    const a = rng.normal();
    return [a, a * a - 1 + 0.3 * rng.normal()];
  },
} as const;
export type ShapeName = keyof typeof SHAPES;

/** The independent 1-D laws of the fully independent set (each mean 0, variance 1). */
export const INDEPENDENT_LAWS = {
  uniform: (rng: Rng): number => Math.sqrt(3) * (2 * rng.uniform() - 1),
  bimodal: (rng: Rng): number => (rng.uniform() < 0.5 ? -0.9 : 0.9) + Math.sqrt(1 - 0.81) * rng.normal(),
  laplace: (rng: Rng): number => {
    // inverse CDF of Laplace(0, b) with b = 1/√2 (variance 2b² = 1); u in (−½, ½)
    let u = rng.uniform() - 0.5;
    if (u === -0.5) u = -0.5 + 1e-12;
    return -Math.SQRT1_2 * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  },
} as const;
export type IndependentLaw = keyof typeof INDEPENDENT_LAWS;

const REFERENCE_DRAWS = 100_000;
const momentCache = new Map<ShapeName, { mean: number[]; sd: number[] }>();

/** The fixed standardising constants of a shape (100 000-point reference draw, seed "vaelab-shape/<name>"). */
export function shapeMoments(name: ShapeName): { mean: number[]; sd: number[] } {
  let m = momentCache.get(name);
  if (!m) {
    m = referenceMoments(SHAPES[name], new Rng(`vaelab-shape/${name}`), REFERENCE_DRAWS);
    momentCache.set(name, m);
  }
  return m;
}

/** One standardised draw (mean 0, variance 1 per coordinate) of a named shape. */
export function drawShape(name: ShapeName, rng: Rng): number[] {
  const { mean, sd } = shapeMoments(name);
  return SHAPES[name](rng).map((v, j) => (v - mean[j]) / sd[j]);
}

export interface LinearSyntheticOptions {
  /** Total number of points, train + test (default 2000). */
  n?: number;
  /** Observation dimension D (default 20). */
  dim?: number;
  /** Observation noise standard deviation (default 0.5). */
  noise?: number;
  /** Fraction of points held out for test (default 0.2). */
  testFraction?: number;
  /** Seed of latents and noise (default 0). */
  seed?: Seed;
  /** Seed of the mixing matrix A (default "vaelab-pdisvae-linear"). */
  mapSeed?: Seed;
  /** Seed of the train/test split (default: `seed`). */
  splitSeed?: Seed;
}

export interface GroupwiseSyntheticOptions extends LinearSyntheticOptions {
  /** One shape per group (default ["ring", "moons", "spiral"]). */
  shapes?: ShapeName[];
}

export interface IndependentSyntheticOptions extends LinearSyntheticOptions {
  /** One law per latent (default ["uniform", "bimodal", "laplace"]). */
  laws?: IndependentLaw[];
}

/** The resolved options: plain JSON, to put in a run's config (and hash). */
export interface LinearSyntheticConfig {
  kind: "pdisvae-groupwise" | "pdisvae-independent";
  n: number;
  dim: number;
  noise: number;
  testFraction: number;
  seed: Seed;
  mapSeed: Seed;
  splitSeed: Seed;
  /** The group shapes (groupwise) or the 1-D laws (independent). */
  components: string[];
}

export interface LinearSynthetic extends GroupedDataset {
  /** The noise-free observations z Aᵀ, [N, D]. */
  clean: Matrix;
  /** The mixing matrix A, [D, K] row-major: x = A z + ε. */
  mixing: Matrix;
  /** The options that made it (plain JSON; a run key). */
  key: LinearSyntheticConfig;
}

function resolve(
  o: LinearSyntheticOptions,
  kind: LinearSyntheticConfig["kind"],
  components: string[],
): LinearSyntheticConfig {
  const seed = o.seed ?? 0;
  const c: LinearSyntheticConfig = {
    kind,
    n: o.n ?? 2000,
    dim: o.dim ?? 20,
    noise: o.noise ?? 0.5,
    testFraction: o.testFraction ?? 0.2,
    seed,
    mapSeed: o.mapSeed ?? "vaelab-pdisvae-linear",
    splitSeed: o.splitSeed ?? seed,
    components,
  };
  const where = `lib/data/pdisvae-synthetic (${kind})`;
  checkInt(c.n, "n", 1, where);
  checkInt(c.dim, "dim", 1, where);
  checkNonNegative(c.noise, "noise", where);
  if (!(c.testFraction >= 0 && c.testFraction < 1))
    throw new Error(`${where}: testFraction must be in [0, 1), got ${c.testFraction}`);
  return c;
}

/** x = A z + noise·ε for the latents z [N, K]; A from mapSeed, ε from rng. */
function linearObservations(z: Float32Array, K: number, c: LinearSyntheticConfig, rng: Rng) {
  const D = c.dim,
    N = c.n;
  const A = gaussianMatrix(new Rng(c.mapSeed).fork(`A/${D}x${K}`), D, K);
  const clean = new Float32Array(N * D),
    x = new Float32Array(N * D);
  for (let i = 0; i < N; i++) {
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[d][k] * z[i * K + k];
      clean[i * D + d] = s;
      x[i * D + d] = s + c.noise * rng.normal();
    }
  }
  return {
    x: { values: x, shape: [N, D] },
    clean: { values: clean, shape: [N, D] as [number, number] },
    mixing: { values: Float32Array.from(A.flat()), shape: [D, K] as [number, number] },
  };
}

/** The group-wise independent set of Sec. 4.1: three independent rank-2 groups, linearly mixed. */
export function groupwiseSynthetic(opts: GroupwiseSyntheticOptions = {}): LinearSynthetic {
  const shapes = opts.shapes ?? ["ring", "moons", "spiral"];
  for (const s of shapes)
    if (!(s in SHAPES))
      throw new Error(`lib/data/pdisvae-synthetic: unknown shape "${s}" (have ${Object.keys(SHAPES).join(", ")})`);
  if (shapes.length === 0) throw new Error("lib/data/pdisvae-synthetic: shapes must name at least one group");
  const config = resolve(opts, "pdisvae-groupwise", shapes);
  const G = shapes.length,
    K = 2 * G,
    N = config.n;
  const rng = new Rng(config.seed);
  // one stream per group: the groups are independent by construction
  const groupRngs = shapes.map((s, g) => rng.fork(`group${g}/${s}`));
  const z = new Float32Array(N * K);
  for (let i = 0; i < N; i++) {
    for (let g = 0; g < G; g++) {
      const p = drawShape(shapes[g], groupRngs[g]);
      z[i * K + 2 * g] = p[0];
      z[i * K + 2 * g + 1] = p[1];
    }
  }
  const obs = linearObservations(z, K, config, rng.fork("noise"));
  return {
    ...obs,
    z: { values: z, shape: [N, K] },
    zNames: shapes.flatMap((s, g) => [`z${2 * g + 1} (${s} a)`, `z${2 * g + 2} (${s} b)`]),
    groups: shapes.map((_, g) => [2 * g, 2 * g + 1]),
    split: splitIndices(N, config.testFraction, config.splitSeed, "lib/data/pdisvae-synthetic"),
    key: config,
  };
}

/** The fully independent set of Appendix A.4.2: K independent non-Gaussian latents, linearly mixed. */
export function independentSynthetic(opts: IndependentSyntheticOptions = {}): LinearSynthetic {
  const laws = opts.laws ?? ["uniform", "bimodal", "laplace"];
  for (const s of laws)
    if (!(s in INDEPENDENT_LAWS))
      throw new Error(
        `lib/data/pdisvae-synthetic: unknown law "${s}" (have ${Object.keys(INDEPENDENT_LAWS).join(", ")})`,
      );
  if (laws.length === 0) throw new Error("lib/data/pdisvae-synthetic: laws must name at least one latent");
  const config = resolve(opts, "pdisvae-independent", laws);
  const K = laws.length,
    N = config.n;
  const rng = new Rng(config.seed);
  const latentRngs = laws.map((s, k) => rng.fork(`latent${k}/${s}`));
  const z = new Float32Array(N * K);
  for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) z[i * K + k] = INDEPENDENT_LAWS[laws[k]](latentRngs[k]);
  const obs = linearObservations(z, K, config, rng.fork("noise"));
  return {
    ...obs,
    z: { values: z, shape: [N, K] },
    zNames: laws.map((s, k) => `z${k + 1} (${s})`),
    groups: laws.map((_, k) => [k]),
    split: splitIndices(N, config.testFraction, config.splitSeed, "lib/data/pdisvae-synthetic"),
    key: config,
  };
}
