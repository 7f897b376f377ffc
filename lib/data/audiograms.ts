// Synthetic archetypal audiograms of VAEquisition (seed 001, App. A, Sec. 3.1) and their corrupted
// "unseen domain" variants (Sec. 4.6, Fig. 8).
//
// What the paper specifies: 15 dimensions (age + seven frequencies 0.5, 1, 2, 3, 4, 6, 8 kHz for each
// ear); five archetypes drawn from a 15-D Gaussian whose mean is "roughly a sloping hearing loss on each
// ear" and whose covariance links age and hearing loss (older, worse), neighbouring frequencies, the same
// frequency across ears, and all frequencies of one ear; N = 2¹² = 4096 convex combinations of the
// archetypes with Dir(1) weights; zero-mean Gaussian noise of sd 5 dB (5 years for age); train,
// validation and test partitions. The corrupted variants perturb the archetypes by Gaussian noise of sd
// 0.05 (small) or 0.5 (large) × "the overall standard deviation of the training dataset across all
// dimensions".
//
// What it leaves open, and what we chose (a notebook using other values must say so):
//  - the mean: age 50 years; thresholds 10, 12, 17, 23, 30, 38, 45 dB HL at 0.5…8 kHz on both ears;
//  - the covariance, from a factor model on standardised thresholds t_{e,f} (e ear, f frequency):
//      t_{e,f} = a_f·A + √p·P + √q·E_e + v_f·V_{e,f},   v_f = √(1 − a_f² − p − q),
//    A the standardised age (age = 50 + 22·A), P a person factor (both ears), E_e an ear factor,
//    V_e(f) a smooth-in-frequency factor with Corr(V_{e,f}, V_{e',f'}) = exp(−|log2 f − log2 f'|/ℓ)·(1 if
//    e = e' else r). Defaults: a_f rising linearly in log-frequency from 0.3 (0.5 kHz) to 0.6 (8 kHz),
//    p = 0.25, q = 0.15, ℓ = 1 octave, r = 0.5; archetype sds 25, 25, 30, 35, 40, 45, 50 dB, age 22
//    years. These are 2.5× a population's spreads on purpose: a Dir(1) mix of five archetypes has about
//    0.4× the archetypes' spread, so the data end up with 10–20 dB per threshold (about 8–11 years of
//    age), a realistic audiogram spread and well above the 5 dB noise (with 10–20 dB archetype sds the
//    data would spread by only 3–11 dB, comparable to the noise, and acquisition would gain little).
//    Every correlation the paper names is positive by construction and the matrix is a covariance
//    (a sum of Gram matrices), so it is positive semi-definite for any such settings;
//  - the split: 80 % train, 10 % validation, 10 % test (the paper names the partitions, not the sizes);
//  - `quantize` (off by default): round thresholds to a step (5 dB) and age to whole years after the
//    noise, for the dequantisation experiments (Fig. 9, row 2);
//  - the corrupted variants keep the Dirichlet weights and the observation noise of the base set and
//    change only the archetypes (a paired comparison); "overall standard deviation" is the standard
//    deviation of all entries of the training rows pooled (numpy's X.std()), or per dimension on request.
//
// Column order everywhere in lib/data and lib/vaequisition: AUDIOGRAM_COLUMNS = [age, L500 … L8000,
// R500 … R8000]. The noise-free combinations are kept (`clean`): with measurement noise the final RMSE
// of an acquisition against the clean audiogram is ≈ 5 dB, as the paper's Fig. 3 discussion says.
import { Rng, Seed } from "../engine/rng";
import { Matrix, ThreeWaySplit, checkInt, checkNonNegative, splitThreeWay, takeRows } from "./dataset";

export const FREQUENCIES_HZ: readonly number[] = Object.freeze([500, 1000, 2000, 3000, 4000, 6000, 8000]);
export type Ear = "L" | "R";
export const EARS: readonly Ear[] = Object.freeze(["L", "R"] as Ear[]);
/** [age, L500, L1000, …, L8000, R500, …, R8000]: 15 columns. */
export const AUDIOGRAM_COLUMNS: readonly string[] = Object.freeze([
  "age",
  ...EARS.flatMap((e) => FREQUENCIES_HZ.map((f) => `${e}${f}`)),
]);
export const AGE_INDEX = 0;
/** Column indices of the 14 thresholds (1…14). */
export const THRESHOLD_INDICES: readonly number[] = Object.freeze(Array.from({ length: 14 }, (_, i) => i + 1));

/** Column index of the threshold at `freqHz` on `ear`. */
export function thresholdIndex(ear: Ear, freqHz: number): number {
  const f = FREQUENCIES_HZ.indexOf(freqHz);
  if (f < 0)
    throw new Error(`lib/data/audiograms: no column for ${freqHz} Hz (frequencies: ${FREQUENCIES_HZ.join(", ")})`);
  return 1 + (ear === "L" ? 0 : FREQUENCIES_HZ.length) + f;
}

// ---- the archetype distribution ------------------------------------------------------------------

export interface ArchetypeDistributionOptions {
  ageMean?: number;
  ageSd?: number;
  /** Mean threshold per frequency (both ears), dB HL. */
  thresholdMean?: number[];
  /** Threshold sd per frequency, dB. */
  thresholdSd?: number[];
  /** Age loadings a_f at 0.5 kHz and 8 kHz (linear in log2 f between). */
  ageLoading?: [number, number];
  /** Variance share p of the person factor. */
  personShare?: number;
  /** Variance share q of the ear factor. */
  earShare?: number;
  /** Correlation length ℓ of the frequency factor, octaves. */
  lengthOctaves?: number;
  /** Cross-ear correlation r of the frequency factor. */
  crossEar?: number;
}

export const ARCHETYPE_DEFAULTS: Readonly<Required<ArchetypeDistributionOptions>> = Object.freeze({
  ageMean: 50,
  ageSd: 22,
  thresholdMean: [10, 12, 17, 23, 30, 38, 45],
  thresholdSd: [25, 25, 30, 35, 40, 45, 50],
  ageLoading: [0.3, 0.6] as [number, number],
  personShare: 0.25,
  earShare: 0.15,
  lengthOctaves: 1,
  crossEar: 0.5,
});

/** Mean [15] and covariance [15 × 15] of the archetype distribution (see the header). */
export function archetypeDistribution(opts: ArchetypeDistributionOptions = {}): {
  mean: number[];
  cov: number[][];
  corr: number[][];
} {
  const o = { ...ARCHETYPE_DEFAULTS, ...opts };
  const where = "archetypeDistribution";
  const F = FREQUENCIES_HZ.length;
  if (o.thresholdMean.length !== F || o.thresholdSd.length !== F)
    throw new Error(`${where}: thresholdMean and thresholdSd need ${F} values (one per frequency)`);
  if (!(o.crossEar >= -1 && o.crossEar <= 1))
    throw new Error(`${where}: crossEar must be in [−1, 1], got ${o.crossEar}`);
  if (!(o.lengthOctaves > 0)) throw new Error(`${where}: lengthOctaves must be > 0, got ${o.lengthOctaves}`);
  const lf = FREQUENCIES_HZ.map((f) => Math.log2(f / 500));
  const a = lf.map((l) => o.ageLoading[0] + ((o.ageLoading[1] - o.ageLoading[0]) * l) / lf[F - 1]);
  const v = a.map((af, i) => {
    const rest = 1 - af * af - o.personShare - o.earShare;
    if (!(rest >= 0) || o.personShare < 0 || o.earShare < 0)
      throw new Error(
        `${where}: a_f² + p + q must be ≤ 1 with p, q ≥ 0 (frequency ${FREQUENCIES_HZ[i]} Hz: ${af * af + o.personShare + o.earShare})`,
      );
    return Math.sqrt(rest);
  });
  const D = 1 + 2 * F;
  const corr = Array.from({ length: D }, () => new Array<number>(D).fill(0));
  const sd = [o.ageSd, ...o.thresholdSd, ...o.thresholdSd];
  const mean = [o.ageMean, ...o.thresholdMean, ...o.thresholdMean];
  corr[0][0] = 1;
  for (let e = 0; e < 2; e++) {
    for (let f = 0; f < F; f++) {
      const i = 1 + e * F + f;
      corr[0][i] = corr[i][0] = a[f];
      for (let e2 = 0; e2 < 2; e2++) {
        for (let f2 = 0; f2 < F; f2++) {
          const j = 1 + e2 * F + f2;
          const k = Math.exp(-Math.abs(lf[f] - lf[f2]) / o.lengthOctaves) * (e === e2 ? 1 : o.crossEar);
          corr[i][j] = a[f] * a[f2] + o.personShare + (e === e2 ? o.earShare : 0) + v[f] * v[f2] * k;
        }
      }
    }
  }
  const cov = corr.map((row, i) => row.map((c, j) => c * sd[i] * sd[j]));
  return { mean, cov, corr };
}

/** Lower-triangular L with A = L Lᵀ (A symmetric positive semi-definite; tiny negative pivots are clamped to 0). */
export function cholesky(A: number[][]): number[][] {
  const n = A.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (s < -1e-9 * Math.max(1, Math.abs(A[i][i])))
          throw new Error(`cholesky: matrix is not positive semi-definite (pivot ${i}: ${s})`);
        L[i][i] = Math.sqrt(Math.max(s, 0));
      } else L[i][j] = L[j][j] > 0 ? s / L[j][j] : 0;
    }
  }
  return L;
}

/** `k` archetypes [k × 15], independent draws of N(mean, cov) from `rng`. */
export function sampleArchetypes(k: number, rng: Rng, opts: ArchetypeDistributionOptions = {}): number[][] {
  checkInt(k, "k", 1, "sampleArchetypes");
  const { mean, cov } = archetypeDistribution(opts);
  const L = cholesky(cov);
  return Array.from({ length: k }, () => {
    const eps = mean.map(() => rng.normal());
    return mean.map((m, i) => m + L[i].reduce((s, l, j) => s + l * eps[j], 0));
  });
}

// ---- the data set --------------------------------------------------------------------------------

export interface ArchetypalAudiogramOptions {
  /** Seed of the archetypes, weights and noise (forks "archetypes", "weights", "noise"). */
  seed: Seed;
  /** Number of audiograms (paper: 4096). */
  n?: number;
  /** Number of archetypes (paper: 5). */
  archetypes?: number;
  /** Observation noise sd of the thresholds, dB (paper: 5). */
  noiseSd?: number;
  /** Observation noise sd of the age, years (paper: 5). */
  ageNoiseSd?: number;
  validationFraction?: number;
  testFraction?: number;
  /** Seed of the split (default: `seed`). */
  splitSeed?: Seed;
  /** Round thresholds to multiples of this step (dB) and age to whole years after the noise (default: off). */
  quantize?: number;
  distribution?: ArchetypeDistributionOptions;
  /** Use these archetypes [k × 15] instead of drawing them (the corrupted variants use this). */
  archetypeValues?: number[][];
}

export interface AudiogramDataset {
  /** Observed audiograms [N, 15] (noisy; quantised if asked), columns AUDIOGRAM_COLUMNS. */
  x: Matrix;
  /** The noise-free convex combinations [N, 15]. */
  clean: Matrix;
  /** Dirichlet weights [N, k]. */
  weights: Matrix;
  /** The archetypes [k, 15]. */
  archetypes: Matrix;
  columns: string[];
  /** Observation noise sd per column [15]. */
  noiseSd: number[];
  split: ThreeWaySplit;
  /** The options that made it (plain JSON; a run key). */
  key: Record<string, unknown>;
}

function toMatrix(rows: number[][], cols: number): Matrix {
  const out = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => out.set(r, i * cols));
  return { values: out, shape: [rows.length, cols] };
}

/** Rows of a Matrix as plain numbers. */
export function matrixRows(m: Matrix): number[][] {
  const [n, d] = m.shape;
  return Array.from({ length: n }, (_, i) => Array.from(m.values.subarray(i * d, (i + 1) * d)));
}

/** Dir(1, …, 1) weights of length k: normalised Exp(1) draws. */
export function dirichletOnes(k: number, rng: Rng): number[] {
  const g = Array.from({ length: k }, () => {
    let u = rng.uniform();
    while (u <= 0) u = rng.uniform();
    return -Math.log(u);
  });
  const s = g.reduce((p, q) => p + q, 0);
  return g.map((v) => v / s);
}

/** The synthetic archetypal audiograms of Sec. 3.1 (see the header for the choices). */
export function archetypalAudiograms(opts: ArchetypalAudiogramOptions): AudiogramDataset {
  const where = "archetypalAudiograms";
  const n = opts.n ?? 4096;
  const kArch = opts.archetypeValues?.length ?? opts.archetypes ?? 5;
  const noiseSd = opts.noiseSd ?? 5;
  const ageNoiseSd = opts.ageNoiseSd ?? 5;
  checkInt(n, "n", 1, where);
  checkInt(kArch, "archetypes", 1, where);
  checkNonNegative(noiseSd, "noiseSd", where);
  checkNonNegative(ageNoiseSd, "ageNoiseSd", where);
  if (opts.quantize !== undefined && !(opts.quantize > 0))
    throw new Error(`${where}: quantize must be a step > 0, got ${opts.quantize}`);
  const D = AUDIOGRAM_COLUMNS.length;
  const root = new Rng(opts.seed);
  const arch = opts.archetypeValues ?? sampleArchetypes(kArch, root.fork("archetypes"), opts.distribution);
  arch.forEach((a, i) => {
    if (a.length !== D || !a.every(Number.isFinite))
      throw new Error(`${where}: archetype ${i} must have ${D} finite values`);
  });
  const wRng = root.fork("weights"),
    nRng = root.fork("noise");
  const sds = [ageNoiseSd, ...new Array<number>(D - 1).fill(noiseSd)];
  const W: number[][] = [],
    C: number[][] = [],
    X: number[][] = [];
  for (let i = 0; i < n; i++) {
    const w = dirichletOnes(kArch, wRng);
    const c = new Array<number>(D).fill(0);
    for (let k = 0; k < kArch; k++) for (let d = 0; d < D; d++) c[d] += w[k] * arch[k][d];
    const x = c.map((v, d) => v + sds[d] * nRng.normal());
    if (opts.quantize !== undefined) {
      const q = opts.quantize;
      x[0] = Math.round(x[0]);
      for (let d = 1; d < D; d++) x[d] = q * Math.round(x[d] / q);
    }
    W.push(w);
    C.push(c);
    X.push(x);
  }
  const split = splitThreeWay(
    n,
    opts.validationFraction ?? 0.1,
    opts.testFraction ?? 0.1,
    opts.splitSeed ?? opts.seed,
    where,
  );
  const key: Record<string, unknown> = {
    kind: "archetypal-audiograms",
    seed: opts.seed,
    n,
    archetypes: kArch,
    noiseSd,
    ageNoiseSd,
    validationFraction: opts.validationFraction ?? 0.1,
    testFraction: opts.testFraction ?? 0.1,
    splitSeed: opts.splitSeed ?? opts.seed,
    ...(opts.quantize !== undefined ? { quantize: opts.quantize } : {}),
    ...(opts.distribution ? { distribution: opts.distribution } : {}),
    ...(opts.archetypeValues ? { archetypeValues: opts.archetypeValues } : {}),
  };
  return {
    x: toMatrix(X, D),
    clean: toMatrix(C, D),
    weights: toMatrix(W, kArch),
    archetypes: toMatrix(arch, D),
    columns: AUDIOGRAM_COLUMNS.slice(),
    noiseSd: sds,
    split,
    key,
  };
}

/** The rows of one partition: x, clean and weights. */
export function audiogramPart(
  d: AudiogramDataset,
  part: "train" | "validation" | "test",
): { x: Matrix; clean: Matrix; weights: Matrix; rows: number[] } {
  const rows = d.split[part];
  return { x: takeRows(d.x, rows), clean: takeRows(d.clean, rows), weights: takeRows(d.weights, rows), rows };
}

/**
 * Standard deviation of the given rows of x: pooled over every entry around the grand mean
 * (numpy's X.std(), "the overall standard deviation across all dimensions"), or one per column.
 */
export function overallSd(
  x: Matrix,
  rows: readonly number[] | undefined,
  mode: "pooled" | "per-dimension" = "pooled",
): number[] {
  const [n, D] = x.shape;
  const idx = rows ?? Array.from({ length: n }, (_, i) => i);
  if (idx.length === 0) throw new Error("overallSd: no rows");
  if (mode === "pooled") {
    let s = 0,
      s2 = 0;
    for (const i of idx) for (let d = 0; d < D; d++) s += x.values[i * D + d];
    const m = s / (idx.length * D);
    for (const i of idx) for (let d = 0; d < D; d++) s2 += (x.values[i * D + d] - m) ** 2;
    return [Math.sqrt(s2 / (idx.length * D))];
  }
  return Array.from({ length: D }, (_, d) => {
    let s = 0,
      s2 = 0;
    for (const i of idx) s += x.values[i * D + d];
    const m = s / idx.length;
    for (const i of idx) s2 += (x.values[i * D + d] - m) ** 2;
    return Math.sqrt(s2 / idx.length);
  });
}

export interface CorruptionOptions {
  /** Multiple of the training data's standard deviation (paper: 0.05 small, 0.5 large). */
  scale: number;
  /** Seed of the archetype perturbation. */
  seed: Seed;
  /** "pooled" (default): one sd over all entries; "per-dimension": each column's own sd. */
  sdMode?: "pooled" | "per-dimension";
}

/**
 * The unseen-domain variant of Sec. 4.6: the base set's archetypes plus N(0, (scale·sd)²) noise, sd from
 * the base set's training rows; the same Dirichlet weights, noise draws, split and options otherwise.
 */
export function corruptedAudiograms(
  base: AudiogramDataset,
  c: CorruptionOptions,
): AudiogramDataset & { corruption: { scale: number; sd: number[]; delta: number[][] } } {
  checkNonNegative(c.scale, "scale", "corruptedAudiograms");
  const sdMode = c.sdMode ?? "pooled";
  const sd = overallSd(base.x, base.split.train, sdMode);
  const rng = new Rng(c.seed).fork("corrupt-archetypes");
  const arch = matrixRows(base.archetypes);
  const delta = arch.map((a) => a.map((_, d) => c.scale * sd[sdMode === "pooled" ? 0 : d] * rng.normal()));
  const perturbed = arch.map((a, k) => a.map((v, d) => v + delta[k][d]));
  const k = base.key as Record<string, unknown> & { seed: Seed };
  const out = archetypalAudiograms({
    seed: k.seed,
    n: base.x.shape[0],
    noiseSd: k.noiseSd as number,
    ageNoiseSd: k.ageNoiseSd as number,
    validationFraction: k.validationFraction as number,
    testFraction: k.testFraction as number,
    splitSeed: k.splitSeed as Seed,
    ...(k.quantize !== undefined ? { quantize: k.quantize as number } : {}),
    archetypeValues: perturbed,
  });
  const { archetypeValues: _drop, ...rest } = out.key;
  void _drop;
  out.key = {
    ...rest,
    kind: "corrupted-archetypal-audiograms",
    base: base.key,
    corruption: { scale: c.scale, seed: c.seed, sdMode },
  };
  return { ...out, corruption: { scale: c.scale, sd, delta } };
}
