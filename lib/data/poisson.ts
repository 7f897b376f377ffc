// The CD-VAE's Poisson data set (thesis App. C, Sec. 4 and A.2): 16 × 16 images of noisy observations of
// two exact solutions of −Δh = sin(aπx) sin(bπy) on [0, 1]² with h = 0 on the boundary, a = b ∈ {1, 3}:
//   h(x, y) = sin(aπx) sin(bπy) / (π²(a² + b²))
// (Δ of sin(aπx) sin(bπy) is −π²(a² + b²) times itself, and the sines vanish on the boundary).
// Pixels sample h at the cell centres ((i + ½)/16, (j + ½)/16) — the paper does not say where; centres keep
// every pixel inside the domain. 1024 observations, half of each ground truth (alternating before the
// shuffle of the split), each plus N(0, 0.005²) noise per pixel; seeded 80/10/10 split.
// Note the scales: the a = 1 solution peaks at 1/(2π²) ≈ 0.051, the a = 3 one at 1/(18π²) ≈ 0.0056,
// about the noise level — the second class is only barely visible per image.
//
// Standardisation (`standardizePoisson`): the models learn the data mapped by one global affine map
// (v − mean)/sd, with mean and sd over every pixel of the TRAINING split's noisy observations. The paper does not
// state its scaling, but its −ELBO values (≈ 74 nats for the ODE-like model) are what this map gives: the floor of
// the standardised data (−log N(x; truth, noise²) summed over 256 pixels) is ≈ 73 nats, that of the raw data ≈ −992.
// One global mean and sd, not one per pixel: a per-pixel map would divide the near-zero border pixels (whose spread
// is the noise alone) and the interior pixels (truth + noise) by different amounts, so the noise would no longer be
// one isotropic Gaussian and the images would change shape; the global map keeps both, and every log-density moves
// by exactly P·log sd (P pixels), so nats convert between the scales. The training split alone: the test images
// must not inform the data the model is fitted to.
import { Rng, Seed } from "../engine/rng";
import { ArrayN, ThreeWaySplit, checkInt, checkNonNegative, splitThreeWay } from "./dataset";

export interface PoissonOptions {
  seed: Seed;
  /** Observations (paper: 1024). */
  n?: number;
  /** Image side (paper: 16). */
  size?: number;
  /** Noise sd (paper: 5e-3). */
  noiseSd?: number;
  /** The (a = b) frequencies of the ground truths (paper: [1, 3]). */
  modes?: number[];
}

export interface PoissonDataset {
  /** Noisy observations [n, size, size, 1]. */
  x: ArrayN;
  /** The ground truth of each observation [n, size, size, 1]. */
  clean: ArrayN;
  /** Index into `modes` of each observation. */
  label: number[];
  /** The ground-truth images [modes, size, size, 1]. */
  truths: ArrayN;
  modes: number[];
  split: ThreeWaySplit;
  /** The noise sd in the units of `x` (raw: the option's noiseSd; standardised: noiseSd / scaling.sd). */
  noiseSd: number;
  /** The affine map applied to the raw values, v ↦ (v − mean) / sd (raw data: mean 0, sd 1). */
  scaling: PoissonScaling;
  key: Record<string, unknown>;
}

/** A global affine map of pixel values, v ↦ (v − mean) / sd. */
export interface PoissonScaling {
  mean: number;
  sd: number;
}

/** h(x, y) for −Δh = sin(aπx) sin(bπy), zero on the boundary of the unit square. */
export function poissonSolution(a: number, b: number, x: number, y: number): number {
  return (Math.sin(a * Math.PI * x) * Math.sin(b * Math.PI * y)) / (Math.PI ** 2 * (a * a + b * b));
}

/** The size × size image of the a = b = mode solution at cell centres (row i ↔ y, column j ↔ x). */
export function poissonImage(mode: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) out[i * size + j] = poissonSolution(mode, mode, (j + 0.5) / size, (i + 0.5) / size);
  return out;
}

export function poissonDataset(o: PoissonOptions): PoissonDataset {
  const where = "poissonDataset";
  const n = o.n ?? 1024,
    size = o.size ?? 16,
    noiseSd = o.noiseSd ?? 5e-3,
    modes = o.modes ?? [1, 3];
  checkInt(n, "n", 2, where);
  checkInt(size, "size", 2, where);
  checkNonNegative(noiseSd, "noiseSd", where);
  if (modes.length === 0 || !modes.every((m) => Number.isInteger(m) && m >= 1))
    throw new Error(`${where}: modes must be positive integers, got [${modes}]`);
  const P = size * size;
  const truths = modes.map((m) => poissonImage(m, size));
  const rng = new Rng(o.seed).fork("noise");
  const x = new Float32Array(n * P),
    clean = new Float32Array(n * P);
  const label: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % modes.length;
    label.push(k);
    clean.set(truths[k], i * P);
    for (let p = 0; p < P; p++) x[i * P + p] = truths[k][p] + noiseSd * rng.normal();
  }
  const allTruths = new Float32Array(modes.length * P);
  truths.forEach((t, k) => allTruths.set(t, k * P));
  return {
    x: { values: x, shape: [n, size, size, 1] },
    clean: { values: clean, shape: [n, size, size, 1] },
    label,
    truths: { values: allTruths, shape: [modes.length, size, size, 1] },
    modes: modes.slice(),
    split: splitThreeWay(n, 0.1, 0.1, o.seed, where),
    noiseSd,
    scaling: { mean: 0, sd: 1 },
    key: { kind: "poisson", seed: o.seed, n, size, noiseSd, modes },
  };
}

/**
 * One global mean and sd (population sd, ddof 0) over every pixel of the training split's noisy observations —
 * the map `standardizePoisson` applies (see the header for why one global pair and why the training split).
 */
export function trainingScaling(d: PoissonDataset): PoissonScaling {
  const P = d.x.values.length / d.x.shape[0];
  let s = 0,
    s2 = 0;
  for (const i of d.split.train)
    for (let p = 0; p < P; p++) {
      const v = d.x.values[i * P + p];
      s += v;
      s2 += v * v;
    }
  const m = d.split.train.length * P;
  const mean = s / m;
  const sd = Math.sqrt(Math.max(0, s2 / m - mean * mean));
  if (!(sd > 0)) throw new Error(`trainingScaling: the training pixels have sd ${sd}; cannot standardise`);
  return { mean, sd };
}

/**
 * The data set mapped by v ↦ (v − mean) / sd (default: the training split's global mean and sd): observations,
 * ground truths and the noise sd; the key records the map (so a model of standardised data has its own run key).
 */
export function standardizePoisson(d: PoissonDataset, scaling: PoissonScaling = trainingScaling(d)): PoissonDataset {
  if (d.scaling.mean !== 0 || d.scaling.sd !== 1) throw new Error("standardizePoisson: the data are already scaled");
  const { mean, sd } = scaling;
  if (!(sd > 0) || !Number.isFinite(mean)) throw new Error(`standardizePoisson: bad scaling mean ${mean}, sd ${sd}`);
  const map = (a: ArrayN): ArrayN => ({
    values: Float32Array.from(a.values, (v) => (v - mean) / sd),
    shape: a.shape.slice(),
  });
  return {
    ...d,
    x: map(d.x),
    clean: map(d.clean),
    truths: map(d.truths),
    noiseSd: d.noiseSd / sd,
    scaling: { mean, sd },
    key: { ...d.key, standardize: "global mean and sd of the training split's pixels" },
  };
}

/**
 * Per row of `rows`, the negative log-density (nats, summed over the pixels, in the units of `d.x`) of the
 * observation under the true generating model: `conditional` given its ground truth, −log N(x; truth, noiseSd² I)
 * (the distortion of a decoder that knows the truth — the data's floor); `mixture` without the label,
 * −log Σ_k (1/K) N(x; truth_k, noiseSd² I) (the exact NLL, ≤ conditional + log K). No ELBO of a model of these data
 * can beat `mixture` in expectation.
 */
export function poissonTrueNll(
  d: PoissonDataset,
  rows: readonly number[],
): { conditional: Float64Array; mixture: Float64Array } {
  const P = d.x.values.length / d.x.shape[0],
    K = d.modes.length,
    s = d.noiseSd;
  if (!(s > 0)) throw new Error("poissonTrueNll: needs noiseSd > 0");
  const norm = P * (0.5 * Math.log(2 * Math.PI) + Math.log(s));
  const conditional = new Float64Array(rows.length),
    mixture = new Float64Array(rows.length);
  rows.forEach((i, r) => {
    const nll = Array.from({ length: K }, (_, k) => {
      let q = 0;
      for (let p = 0; p < P; p++) q += (d.x.values[i * P + p] - d.truths.values[k * P + p]) ** 2;
      return norm + q / (2 * s * s);
    });
    conditional[r] = nll[d.label[i]];
    const lo = Math.min(...nll);
    mixture[r] = lo + Math.log(K) - Math.log(nll.reduce((t, v) => t + Math.exp(lo - v), 0));
  });
  return { conditional, mixture };
}
