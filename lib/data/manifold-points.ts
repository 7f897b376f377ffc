// A small synthetic data set for quick VAE runs: points on a curved 2-D manifold embedded in D
// dimensions, plus isotropic Gaussian noise. A latent u ~ N(0, I_k) goes through a fixed random
// one-hidden-layer tanh map f(u) = A·tanh(W u + b) + c, whose output coordinates are standardised (mean 0,
// variance 1 over u ~ N(0, I), estimated once on a 4096-point reference draw of the map's own stream);
// then x = f(u) + σ·ε, ε ~ N(0, I_D). The map depends only on `mapSeed`, the samples only on `seed`,
// so train and test points lie on the same manifold, and changing nTest never changes the training set.
import { Rng, Seed } from "../engine/rng";
import type { Matrix } from "./dataset";

export interface ManifoldPointsOptions {
  nTrain: number;
  nTest: number;
  /** Ambient dimension D (default 16). */
  dim?: number;
  /** Manifold (latent) dimension k (default 2). */
  latentDim?: number;
  /** Width of the random tanh layer (default 32); wider is more curved. */
  hidden?: number;
  /** Noise standard deviation σ per coordinate, relative to the unit-variance clean signal (default 0.1). */
  noise?: number;
  /** Seed of the samples (latents and noise); default 0. */
  seed?: Seed;
  /** Seed of the embedding map; default "vaelab-manifold". */
  mapSeed?: Seed;
}

/** The resolved options: plain JSON, to put in a run's config (and hash). */
export interface ManifoldPointsConfig {
  kind: "manifold-points";
  nTrain: number;
  nTest: number;
  dim: number;
  latentDim: number;
  hidden: number;
  noise: number;
  seed: Seed;
  mapSeed: Seed;
}

export interface ManifoldSplit {
  /** Noisy observations [n, D]. */
  x: Matrix;
  /** The same points without noise, f(u) [n, D]. */
  clean: Matrix;
  /** The latent coordinates u [n, k]. */
  latents: Matrix;
}

export interface ManifoldPoints {
  train: ManifoldSplit;
  test: ManifoldSplit;
  /** The options that made it (plain JSON; a run key). */
  key: ManifoldPointsConfig;
  /** The noise-free embedding f (plain numbers). */
  map: (u: readonly number[]) => number[];
}

const REFERENCE_DRAWS = 4096;

/** Resolve defaults and check the options; errors name the field. */
export function manifoldPointsConfig(o: ManifoldPointsOptions): ManifoldPointsConfig {
  const c: ManifoldPointsConfig = {
    kind: "manifold-points",
    nTrain: o.nTrain,
    nTest: o.nTest,
    dim: o.dim ?? 16,
    latentDim: o.latentDim ?? 2,
    hidden: o.hidden ?? 32,
    noise: o.noise ?? 0.1,
    seed: o.seed ?? 0,
    mapSeed: o.mapSeed ?? "vaelab-manifold",
  };
  const where = "lib/data/manifold-points";
  const int = (v: number, field: string, min: number) => {
    if (!(Number.isInteger(v) && v >= min)) throw new Error(`${where}: ${field} must be an integer ≥ ${min}, got ${v}`);
  };
  int(c.nTrain, "nTrain", 1);
  int(c.nTest, "nTest", 0);
  int(c.dim, "dim", 1);
  int(c.latentDim, "latentDim", 1);
  int(c.hidden, "hidden", 1);
  if (!(c.noise >= 0 && Number.isFinite(c.noise)))
    throw new Error(`${where}: noise must be a finite number ≥ 0, got ${c.noise}`);
  return c;
}

/** The fixed embedding for a config: f(u) with standardised outputs. */
function embedding(c: ManifoldPointsConfig): (u: readonly number[]) => number[] {
  const rng = new Rng(c.mapSeed).fork(`map/${c.latentDim}-${c.hidden}-${c.dim}`);
  const k = c.latentDim,
    H = c.hidden,
    D = c.dim;
  // W ~ N(0, 1) and b ~ N(0, 1): pre-activations of order 1–2 for u ~ N(0, I), so tanh bends the sheet.
  const W = Array.from({ length: H }, () => Array.from({ length: k }, () => rng.normal()));
  const b = Array.from({ length: H }, () => rng.normal());
  const A = Array.from({ length: D }, () => Array.from({ length: H }, () => rng.normal() / Math.sqrt(H)));
  const raw = (u: readonly number[]): number[] => {
    const h = W.map((w, j) => Math.tanh(w.reduce((s, wi, i) => s + wi * u[i], b[j])));
    return A.map((a) => a.reduce((s, aj, j) => s + aj * h[j], 0));
  };
  // Standardise each output coordinate over the latent distribution (a fixed reference draw).
  const ref = rng.fork("reference");
  const sum = new Float64Array(D),
    sum2 = new Float64Array(D);
  for (let r = 0; r < REFERENCE_DRAWS; r++) {
    const y = raw(Array.from({ length: k }, () => ref.normal()));
    for (let d = 0; d < D; d++) {
      sum[d] += y[d];
      sum2[d] += y[d] * y[d];
    }
  }
  const mean = Array.from(sum, (s) => s / REFERENCE_DRAWS);
  const sd = Array.from(sum2, (s, d) => Math.sqrt(Math.max(s / REFERENCE_DRAWS - mean[d] * mean[d], 1e-12)));
  return (u) => raw(u).map((y, d) => (y - mean[d]) / sd[d]);
}

function drawSplit(n: number, c: ManifoldPointsConfig, f: (u: readonly number[]) => number[], rng: Rng): ManifoldSplit {
  const D = c.dim,
    k = c.latentDim;
  const x = new Float32Array(n * D),
    clean = new Float32Array(n * D),
    latents = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const u = Array.from({ length: k }, () => rng.normal());
    const y = f(u);
    for (let j = 0; j < k; j++) latents[i * k + j] = u[j];
    for (let d = 0; d < D; d++) {
      clean[i * D + d] = y[d];
      x[i * D + d] = y[d] + c.noise * rng.normal();
    }
  }
  return {
    x: { values: x, shape: [n, D] },
    clean: { values: clean, shape: [n, D] },
    latents: { values: latents, shape: [n, k] },
  };
}

/**
 * Noisy points on a 2-D (or k-D) nonlinear manifold in D dimensions, split into train and test.
 * Deterministic given (seed, mapSeed) and the sizes.
 */
export function manifoldPoints(opts: ManifoldPointsOptions): ManifoldPoints {
  const config = manifoldPointsConfig(opts);
  const map = embedding(config);
  const rng = new Rng(config.seed);
  return {
    train: drawSplit(config.nTrain, config, map, rng.fork("train")),
    test: drawSplit(config.nTest, config, map, rng.fork("test")),
    key: config,
    map,
  };
}
