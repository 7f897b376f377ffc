// The CD-VAE's Poisson data set (thesis App. C, Sec. 4 and A.2): 16 × 16 images of noisy observations of
// two exact solutions of −Δh = sin(aπx) sin(bπy) on [0, 1]² with h = 0 on the boundary, a = b ∈ {1, 3}:
//   h(x, y) = sin(aπx) sin(bπy) / (π²(a² + b²))
// (Δ of sin(aπx) sin(bπy) is −π²(a² + b²) times itself, and the sines vanish on the boundary).
// Pixels sample h at the cell centres ((i + ½)/16, (j + ½)/16) — the paper does not say where; centres keep
// every pixel inside the domain. 1024 observations, half of each ground truth (alternating before the
// shuffle of the split), each plus N(0, 0.005²) noise per pixel; seeded 80/10/10 split.
// Note the scales: the a = 1 solution peaks at 1/(2π²) ≈ 0.051, the a = 3 one at 1/(18π²) ≈ 0.0056,
// about the noise level — the second class is only barely visible per image.
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
  key: Record<string, unknown>;
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
    key: { kind: "poisson", seed: o.seed, n, size, noiseSd, modes },
  };
}
