// Dependence between variables and between groups of variables on samples (PDisVAE, seed 002, Sec. 3.1,
// Fig. 1 and Appendix A.2): the numbers behind the group-wise synthetic latents and the Table 2 check.
//
//  - correlationMatrix: Pearson correlation of every pair of columns (of two samples: pearson in lib/eval/summary).
//  - pairwiseMutualInformation / groupMutualInformation: KSG k-NN MI (lib/eval/knn-mi) per pair of columns
//    and between two groups of columns.
//  - knnPartialCorrelation: PC = KL(p(z) ‖ Π_g p(z_g)) by the chain rule
//        PC = Σ_{g=2}^{G} I(z_1, …, z_{g−1}; z_g),
//    each term a KSG estimate (exact identity for the true quantities; each estimate nearly unbiased at 0).
//  - permutationNull: the estimator's distribution under independence with the same marginals, by
//    re-pairing the rows of one side with a random permutation; an observed value is judged against it.
//  - linearGaussianPosterior / projectOntoColumns: for x = A z + ε, ε ~ N(0, σ² I) with a flat prior on z,
//    the posterior of z is N(A⁺x, σ²(AᵀA)⁻¹) (A⁺ the pseudo-inverse, by least squares in lib/eval/linear-fit)
//    and the model's reconstruction A A⁺ x is the projection of x onto the columns of A.
//  - isPartialCorrelation: the sample-based PC of PDisVAE (lib/prob/correlation with the IS estimator of
//    Eq. 4) for latents z_n given posteriors q(z | n) = N(z_n, diag s²): in each pass the rows are shuffled
//    and cut into batches of M, z_i ~ q(z | n_i) is drawn for every batch member, and the per-sample
//    log q̂(z_i) − Σ_g log q̂(z_ig) is averaged over all samples of the pass. Passes differ in batches and draws.
//  - plugInMutualInformation / millerMadowBias / pushForward: exact-count plug-in MI of integer-valued
//    samples (no binning), its leading bias (|A|−1)(|B|−1)/(2N) under independence (Miller–Madow), and the
//    distribution of a function of a discrete joint distribution (for Theorem A.1's f(z₁, z₂) = z₁ + z₂);
//    mapRows applies such a function to samples; conditionalMutualInformation is the exact
//    I(A; B | C) = H(A, C) + H(B, C) − H(C) − H(A, B, C) of a table.
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../engine/rng";
import { pairwiseLogNormal } from "../prob/aggregate";
import { partialCorrelation, validateGroups } from "../prob/correlation";
import { entropy, type DiscreteDistribution } from "./discrete-independence";
import { ksgMutualInformation } from "./knn-mi";
import type { ArrayView } from "../data/dataset";
import { checkRows, fitLinear, Rows } from "./linear-fit";

const WHERE = "lib/eval/dependence";

function columnsOf(rows: Rows, cols: readonly number[]): number[][] {
  return rows.map((r) => cols.map((c) => r[c]));
}

/** K×K Pearson correlation of the columns (diagonal 1; a constant column gives NaN off the diagonal). */
export function correlationMatrix(rows: Rows): number[][] {
  const [n, K] = checkRows(rows, "rows", `${WHERE} correlationMatrix`);
  const mean = new Array<number>(K).fill(0);
  for (const r of rows) for (let k = 0; k < K; k++) mean[k] += r[k] / n;
  const cov = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (const r of rows) {
    for (let i = 0; i < K; i++) for (let j = i; j < K; j++) cov[i][j] += (r[i] - mean[i]) * (r[j] - mean[j]);
  }
  return Array.from({ length: K }, (_, i) =>
    Array.from({ length: K }, (_, j) => {
      if (i === j) return 1;
      const [a, b] = i < j ? [i, j] : [j, i];
      return cov[a][b] / Math.sqrt(cov[a][a] * cov[b][b]);
    }),
  );
}

export interface MiOptions {
  /** KSG neighbours (default 3). */
  k?: number;
  /** Jitter stream (default that of lib/eval/knn-mi). */
  rng?: Rng;
}

/** K×K matrix of KSG estimates I(z_i; z_j) in nats, NaN on the diagonal. */
export function pairwiseMutualInformation(rows: Rows, opts: MiOptions = {}): number[][] {
  const [, K] = checkRows(rows, "rows", `${WHERE} pairwiseMutualInformation`);
  const cols = Array.from({ length: K }, (_, k) => columnsOf(rows, [k]));
  const out = Array.from({ length: K }, () => new Array<number>(K).fill(NaN));
  for (let i = 0; i < K; i++) {
    for (let j = i + 1; j < K; j++) {
      out[i][j] = out[j][i] = ksgMutualInformation(cols[i], cols[j], { k: opts.k, rng: opts.rng?.fork(`${i},${j}`) });
    }
  }
  return out;
}

/** KSG estimate of I(z_A; z_B) in nats for two disjoint sets of columns. */
export function groupMutualInformation(
  rows: Rows,
  a: readonly number[],
  b: readonly number[],
  opts: MiOptions = {},
): number {
  const [, K] = checkRows(rows, "rows", `${WHERE} groupMutualInformation`);
  for (const c of [...a, ...b])
    if (!Number.isInteger(c) || c < 0 || c >= K)
      throw new Error(`${WHERE} groupMutualInformation: column ${c} outside 0…${K - 1}`);
  if (a.length === 0 || b.length === 0)
    throw new Error(`${WHERE} groupMutualInformation: both sets of columns must be non-empty`);
  if (a.some((c) => b.includes(c)))
    throw new Error(`${WHERE} groupMutualInformation: column sets [${a}] and [${b}] overlap`);
  return ksgMutualInformation(columnsOf(rows, a), columnsOf(rows, b), opts);
}

export interface KnnPartialCorrelation {
  /** Σ of the chain-rule terms (nats). */
  pc: number;
  /** terms[g−1] = I(z_1…z_{g−1}; z_g) for g = 2…G. */
  terms: number[];
}

/** PC = KL(p(z) ‖ Π_g p(z_g)) as a sum of KSG group MIs (chain rule, see the header). */
export function knnPartialCorrelation(rows: Rows, groups: number[][], opts: MiOptions = {}): KnnPartialCorrelation {
  const [, K] = checkRows(rows, "rows", `${WHERE} knnPartialCorrelation`);
  validateGroups(groups, K, `${WHERE} knnPartialCorrelation`);
  const terms: number[] = [];
  for (let g = 1; g < groups.length; g++)
    terms.push(groupMutualInformation(rows, groups.slice(0, g).flat(), groups[g], opts));
  return { pc: terms.reduce((s, t) => s + t, 0), terms };
}

export interface PermutationNull {
  /** The estimate on the rows as given. */
  observed: number;
  /** The estimate with Y's rows permuted, one per repeat. */
  values: number[];
  mean: number;
  /** Sample standard deviation of `values` (0 with one repeat). */
  sd: number;
  /** (observed − mean)/sd (±Infinity when sd = 0 and observed ≠ mean). */
  z: number;
  /** (1 + #{null ≥ observed}) / (1 + repeats). */
  p: number;
}

/** Summary of `values` against `observed`: mean, sample sd, z-score and one-sided permutation p. */
export function summarizeNull(observed: number, values: number[]): PermutationNull {
  if (values.length === 0) throw new Error(`${WHERE} summarizeNull: no null values`);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  const z = sd > 0 ? (observed - mean) / sd : observed === mean ? 0 : Math.sign(observed - mean) * Infinity;
  const p = (1 + values.filter((v) => v >= observed).length) / (1 + values.length);
  return { observed, values, mean, sd, z, p };
}

/**
 * Null distribution of a dependence estimate `stat(X, Y)` under independence: `repeats` evaluations with
 * Y's rows re-paired by random permutations (drawn from `rng`), which keeps both marginals exactly.
 */
export function permutationNull(
  X: Rows,
  Y: Rows,
  stat: (X: Rows, Y: Rows) => number,
  repeats: number,
  rng: Rng,
): PermutationNull {
  if (X.length !== Y.length) throw new Error(`${WHERE} permutationNull: X has ${X.length} rows, Y has ${Y.length}`);
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error(`${WHERE} permutationNull: repeats must be a positive integer, got ${repeats}`);
  const observed = stat(X, Y);
  const values: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const perm = rng.fork(`perm${r}`).permutation(Y.length);
    values.push(
      stat(
        X,
        perm.map((i) => Y[i]),
      ),
    );
  }
  return summarizeNull(observed, values);
}

export interface LinearGaussianPosterior {
  /** K×D pseudo-inverse A⁺ = (AᵀA)⁻¹Aᵀ: the posterior mean is A⁺x. */
  pinv: number[][];
  /** Posterior covariance σ²(AᵀA)⁻¹ = σ² A⁺A⁺ᵀ, K×K (the same for every x). */
  cov: number[][];
  /** Its diagonal's square roots: the posterior standard deviation of each latent. */
  sd: number[];
}

/** Posterior of z for x = A z + N(0, σ² I) under a flat prior (A is D×K with full column rank). */
export function linearGaussianPosterior(mixing: Rows, noiseSd: number): LinearGaussianPosterior {
  const [D, K] = checkRows(mixing, "mixing", `${WHERE} linearGaussianPosterior`);
  if (!(noiseSd >= 0)) throw new Error(`${WHERE} linearGaussianPosterior: noiseSd must be ≥ 0, got ${noiseSd}`);
  if (D < K) throw new Error(`${WHERE} linearGaussianPosterior: A is ${D}×${K}; need D ≥ K`);
  const eye = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 1 : 0)));
  // min_B ‖A B − I‖: B = A⁺ (K×D)
  const pinv = fitLinear(mixing, eye, { intercept: false, where: `${WHERE} linearGaussianPosterior` }).coef;
  const cov = pinv.map((ri) => pinv.map((rj) => noiseSd * noiseSd * ri.reduce((s, v, d) => s + v * rj[d], 0)));
  return { pinv, cov, sd: cov.map((r, k) => Math.sqrt(r[k])) };
}

/** Posterior means A⁺x of every row of x (N×D) and the model's reconstructions A A⁺ x (N×D). */
export function projectOntoColumns(x: Rows, mixing: Rows): { z: number[][]; xHat: number[][] } {
  const [, D] = checkRows(x, "x", `${WHERE} projectOntoColumns`);
  const [Dm, K] = checkRows(mixing, "mixing", `${WHERE} projectOntoColumns`);
  if (Dm !== D) throw new Error(`${WHERE} projectOntoColumns: x has ${D} columns, A has ${Dm} rows`);
  const { pinv } = linearGaussianPosterior(mixing, 0);
  const z = x.map((r) => pinv.map((p) => p.reduce((s, v, d) => s + v * r[d], 0)));
  const xHat = z.map((zr) =>
    mixing.map((a) => {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[k] * zr[k];
      return s;
    }),
  );
  return { z, xHat };
}

export interface IsPartialCorrelationOptions {
  /** Batch size M (default 128, the paper's). */
  batch?: number;
  /** Passes over the rows (default 10). */
  passes?: number;
  /** Rows to use (default all); N of the estimator is their number. */
  indices?: readonly number[];
  /** Randomness of the batches and of the draws z_i ~ q(z | n_i) (default new Rng("lib/eval/dependence")). */
  rng?: Rng;
}

export interface IsPartialCorrelation {
  /** Mean over passes of the per-pass mean PC (nats). */
  mean: number;
  /** Sample standard deviation over passes. */
  sd: number;
  /** Per-pass means. */
  passes: number[];
  N: number;
  M: number;
}

/**
 * Sample-based PC of latents `z` (N×K) whose posteriors are q(z | n) = N(z_n, diag sd²), by the IS
 * estimator in batches (lib/prob/correlation's partialCorrelation), see the header. `sd` is one number for
 * every dimension or one per dimension. Rows left over after the last full batch of a pass are not used.
 */
export async function isPartialCorrelation(
  z: Rows,
  sd: number | readonly number[],
  groups: number[][],
  opts: IsPartialCorrelationOptions = {},
): Promise<IsPartialCorrelation> {
  const where = `${WHERE} isPartialCorrelation`;
  const [n, K] = checkRows(z, "z", where);
  validateGroups(groups, K, where);
  const sds = typeof sd === "number" ? new Array<number>(K).fill(sd) : [...sd];
  if (sds.length !== K || sds.some((s) => !(s > 0) || !Number.isFinite(s)))
    throw new Error(`${where}: sd must be positive, one number or ${K} of them; got ${sd}`);
  const idx = opts.indices ? [...opts.indices] : Array.from({ length: n }, (_, i) => i);
  for (const i of idx)
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`${where}: index ${i} outside 0…${n - 1}`);
  const N = idx.length;
  const M = opts.batch ?? 128;
  if (!Number.isInteger(M) || M < 2 || M > N)
    throw new Error(`${where}: need an integer batch 2 ≤ M ≤ N = ${N}, got ${M}`);
  const nPasses = opts.passes ?? 10;
  if (!Number.isInteger(nPasses) || nPasses < 1)
    throw new Error(`${where}: passes must be a positive integer, got ${nPasses}`);
  const rng = opts.rng ?? new Rng("lib/eval/dependence");
  const logvar = sds.map((s) => 2 * Math.log(s));
  const passes: number[] = [];
  for (let p = 0; p < nPasses; p++) {
    const order = rng
      .fork(`pass${p}/order`)
      .permutation(N)
      .map((i) => idx[i]);
    const draws = rng.fork(`pass${p}/draws`);
    let sum = 0,
      count = 0;
    for (let b = 0; b + M <= N; b += M) {
      const mu = order.slice(b, b + M).map((i) => z[i]);
      const zs = mu.map((m) => m.map((v, k) => v + sds[k] * draws.normal()));
      const pcT = tf.tidy(() => {
        const logQ = pairwiseLogNormal(
          tf.tensor2d(zs, [M, K]),
          tf.tensor2d(
            mu.map((r) => [...r]),
            [M, K],
          ),
          tf.tensor2d(
            mu.map(() => logvar),
            [M, K],
          ),
        );
        return partialCorrelation(logQ, groups, "is", N);
      });
      const pc = await pcT.data(); // async: a GPU backend cannot read synchronously in Node
      pcT.dispose();
      for (const v of pc) sum += v;
      count += pc.length;
    }
    passes.push(sum / count);
  }
  const mean = passes.reduce((s, v) => s + v, 0) / passes.length;
  const sdOut =
    passes.length > 1 ? Math.sqrt(passes.reduce((s, v) => s + (v - mean) ** 2, 0) / (passes.length - 1)) : 0;
  return { mean, sd: sdOut, passes, N, M };
}

// ---------------------------------------------------------------------------------------------
// Discrete samples

/** Integer codes of the sub-tuples of `cols` (mixed radix over each column's values 0…max) and their count. */
function tupleCodes(m: ArrayView, cols: readonly number[], where: string): { codes: Float64Array; levels: number } {
  const [n, K] = m.shape;
  const radix: number[] = [];
  for (const c of cols) {
    if (!Number.isInteger(c) || c < 0 || c >= K) throw new Error(`${where}: column ${c} outside 0…${K - 1}`);
    let max = 0;
    for (let i = 0; i < n; i++) {
      const v = m.values[i * K + c];
      if (!Number.isInteger(v) || v < 0)
        throw new Error(`${where}: value [${i}][${c}] is ${v}; plug-in MI needs non-negative integers`);
      if (v > max) max = v;
    }
    radix.push(max + 1);
  }
  if (radix.reduce((a, r) => a * r, 1) > 2 ** 52)
    throw new Error(`${where}: too many value combinations for columns [${cols}]`);
  const codes = new Float64Array(n);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    let code = 0;
    cols.forEach((c, j) => (code = code * radix[j] + m.values[i * K + c]));
    codes[i] = code;
    seen.add(code);
  }
  return { codes, levels: seen.size };
}

function entropyOfCodes(codes: Float64Array): number {
  const counts = new Map<number, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const k of counts.values()) {
    const p = k / codes.length;
    h -= p * Math.log(p);
  }
  return h;
}

export interface PlugInMI {
  /** Ĥ(A) + Ĥ(B) − Ĥ(A, B) from the empirical frequencies (nats, ≥ 0 up to rounding). */
  mi: number;
  /** Distinct values seen of A, of B and of (A, B). */
  levelsA: number;
  levelsB: number;
  levelsAB: number;
}

/** Plug-in MI between the column sets a and b of integer-valued samples (exact counts, no binning). */
export function plugInMutualInformation(m: ArrayView, a: readonly number[], b: readonly number[]): PlugInMI {
  const where = `${WHERE} plugInMutualInformation`;
  if (m.shape.length !== 2 || m.values.length !== m.shape[0] * m.shape[1] || m.shape[0] === 0) {
    throw new Error(`${where}: need a non-empty [n, K] matrix, got shape [${m.shape}] with ${m.values.length} values`);
  }
  if (a.length === 0 || b.length === 0) throw new Error(`${where}: both sets of columns must be non-empty`);
  if (a.some((c) => b.includes(c))) throw new Error(`${where}: column sets [${a}] and [${b}] overlap`);
  const A = tupleCodes(m, a, where),
    B = tupleCodes(m, b, where),
    AB = tupleCodes(m, [...a, ...b], where);
  const mi = entropyOfCodes(A.codes) + entropyOfCodes(B.codes) - entropyOfCodes(AB.codes);
  return { mi: Math.max(0, mi), levelsA: A.levels, levelsB: B.levels, levelsAB: AB.levels };
}

/** Leading-order mean of the plug-in MI of n samples when A ⊥ B: (|A| − 1)(|B| − 1)/(2n) nats. */
export function millerMadowBias(levelsA: number, levelsB: number, n: number): number {
  if (!(levelsA >= 1 && levelsB >= 1 && n >= 1))
    throw new Error(`${WHERE} millerMadowBias: need levels ≥ 1 and n ≥ 1, got ${levelsA}, ${levelsB}, ${n}`);
  return ((levelsA - 1) * (levelsB - 1)) / (2 * n);
}

/** The distribution of f(outcome) for a discrete distribution (equal images are merged, first-seen order). */
export function pushForward(dist: DiscreteDistribution, f: (outcome: number[]) => number[]): DiscreteDistribution {
  if (dist.outcomes.length !== dist.probs.length)
    throw new Error(`${WHERE} pushForward: ${dist.outcomes.length} outcomes but ${dist.probs.length} probabilities`);
  const acc = new Map<string, { outcome: number[]; p: number }>();
  dist.outcomes.forEach((o, i) => {
    const img = f([...o]);
    if (!Array.isArray(img) || img.some((v) => !Number.isFinite(v)))
      throw new Error(
        `${WHERE} pushForward: f(${JSON.stringify(o)}) = ${JSON.stringify(img)} is not an array of finite numbers`,
      );
    const key = JSON.stringify(img);
    const e = acc.get(key);
    if (e) e.p += dist.probs[i];
    else acc.set(key, { outcome: img, p: dist.probs[i] });
  });
  const entries = [...acc.values()];
  return { outcomes: entries.map((e) => e.outcome), probs: entries.map((e) => e.p) };
}

/** p(y | x) of a two-variable distribution over (x, y) as rows {x, y, p}, sorted by x then y. */
export function conditionalTable(dist: DiscreteDistribution): { x: number; y: number; p: number }[] {
  const px = new Map<number, number>();
  dist.outcomes.forEach((o, i) => {
    if (o.length !== 2) throw new Error(`${WHERE} conditionalTable: outcome ${i} has ${o.length} values; need (x, y)`);
    px.set(o[0], (px.get(o[0]) ?? 0) + dist.probs[i]);
  });
  return dist.outcomes
    .map((o, i) => ({ x: o[0], y: o[1], p: dist.probs[i] / (px.get(o[0]) as number) }))
    .sort((u, v) => u.x - v.x || u.y - v.y);
}

/** f applied to every row of an [n, K] matrix: an [n, K′] matrix (K′ = the length of f's result, the same for every row). */
export function mapRows(
  m: ArrayView,
  f: (row: number[]) => number[],
): { values: Float64Array; shape: [number, number] } {
  const [n, K] = m.shape;
  if (m.shape.length !== 2 || m.values.length !== n * K)
    throw new Error(`${WHERE} mapRows: need an [n, K] matrix, got shape [${m.shape}] with ${m.values.length} values`);
  let out: Float64Array | null = null;
  let width = 0;
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let k = 0; k < K; k++) row.push(m.values[i * K + k]);
    const img = f(row);
    if (!out) {
      width = img.length;
      if (width === 0) throw new Error(`${WHERE} mapRows: f returned an empty row`);
      out = new Float64Array(n * width);
    } else if (img.length !== width)
      throw new Error(`${WHERE} mapRows: f returned ${img.length} values for row ${i}, ${width} for row 0`);
    out.set(img, i * width);
  }
  return { values: out ?? new Float64Array(0), shape: [n, width] };
}

/** Exact I(A; B | C) in nats for disjoint sets of variables of a discrete distribution (C may be empty). */
export function conditionalMutualInformation(
  dist: DiscreteDistribution,
  a: readonly number[],
  b: readonly number[],
  c: readonly number[],
): number {
  const all = [...a, ...b, ...c];
  if (a.length === 0 || b.length === 0)
    throw new Error(`${WHERE} conditionalMutualInformation: A and B must be non-empty`);
  if (new Set(all).size !== all.length)
    throw new Error(`${WHERE} conditionalMutualInformation: sets [${a}], [${b}], [${c}] overlap`);
  const H = (v: readonly number[]) => (v.length === 0 ? 0 : entropy(dist, v));
  return Math.max(0, H([...a, ...c]) + H([...b, ...c]) - H(c) - H(all));
}
