// Effective components of the latent groups of a linear model x ≈ A z + b (PDisVAE, seed 002, Sec. 4.3,
// Fig. 5: "some groups contain dummy dimensions, so the effective group rank is lower than the specified
// group rank, and hence we only show those effective components").
//
// Inside a group the PDisVAE objective is rotation invariant (the N(0, I) prior and the group-wise PC do
// not change under an orthogonal map of one group's coordinates), so a dummy dimension need not be one of
// the model's axes: it is a direction of the group. For group g with posterior means μ_g [N, H] and decoder
// columns A_g [D, H] we take the principal directions r₁ … r_H of μ_g over the N samples (eigenvectors of
// the covariance of μ_g, `symmetricEigen`) and describe each as one component:
//   map     μ_g r        (its value for every sample; for voltage imaging, a brain map over pixels)
//   series  A_g r        (its decoder column; for voltage imaging, a time series)
// Since the rotation R = [r₁ … r_H] is orthogonal, μ_g A_gᵀ = Σ_i (μ_g r_i)(A_g r_i)ᵀ: the components add up
// to the group's contribution to the reconstruction. Each component's size is the RMS of its centred
// contribution, rms = sd(μ_g r)·‖A_g r‖/√D, and its share is rms² over the sum of rms² of all components
// of the model (cross terms between components are ignored). With log σ² given, each component also gets
// the mean over samples of KL(q(r·z | x) ‖ N(0, 1)), the information it carries (≈ ½ log(1 + SNR) in a
// linear-Gaussian model). A dummy direction has posterior ≈ prior (KL ≈ 0), a ~constant map and a ~zero
// decoder column. A component is *effective* when its share is at least `minShare` (default 0.1 %) and,
// with log σ², its mean KL at least `minKL` (default 0.3 nats: the posterior sd along it is at most
// e^(−0.3) ≈ 0.74 of the prior's). The KL rule also drops the weak directions an unpenalised VAE fits to
// sampling noise (posterior only slightly narrower than the prior). Signs are fixed so that each map's
// largest-magnitude entry is positive.
//
// Two more tools for the same linear setting:
//  - contributionR2: how much of one part of the data (a sum of rank-1 terms map ⊗ series, e.g. a true
//    group of a synthetic movie) another part reproduces (e.g. a learned group, or several), R² =
//    1 − ‖C_true − C_est‖² / ‖C_true‖² on the centred N×D matrices, computed from the factors (no N×D matrix);
//    contributionCoverage: the share of a true part that an estimated part contains, ⟨C_true, C_est⟩ / ‖C_true‖²
//    (1 when the estimate holds all of it, whatever else it holds; ≈ ½ for each half of a split part);
//  - pcaReconstructionRmse: the RMSE of the best rank-K affine reconstruction of the rows (PCA), the floor
//    any linear model with K latents can reach on its training data.
import { checkRows, Rows } from "../eval/linear-fit";

const WHERE = "lib/pdisvae/group-components";

/**
 * Eigen-decomposition of a real symmetric matrix by cyclic Jacobi rotations: values in descending
 * order, vectors[i] the unit eigenvector of values[i]. For the small (H ≤ ~20) matrices of one group.
 */
export function symmetricEigen(
  S: Rows,
  opts: { tol?: number; maxSweeps?: number } = {},
): { values: number[]; vectors: number[][] } {
  const n = S.length;
  if (n === 0) throw new Error(`${WHERE} symmetricEigen: empty matrix`);
  S.forEach((r, i) => {
    if (r.length !== n)
      throw new Error(`${WHERE} symmetricEigen: row ${i} has ${r.length} entries, the matrix is ${n}×${n}`);
    r.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new Error(`${WHERE} symmetricEigen: entry (${i}, ${j}) is ${v}`);
      if (Math.abs(v - S[j][i]) > 1e-9 * (1 + Math.abs(v)))
        throw new Error(`${WHERE} symmetricEigen: not symmetric at (${i}, ${j}): ${v} vs ${S[j][i]}`);
    });
  });
  const a = S.map((r) => r.slice());
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const tol = opts.tol ?? 1e-14;
  const maxSweeps = opts.maxSweeps ?? 100;
  let scale = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) scale += a[i][j] * a[i][j];
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
    if (off <= tol * tol * scale || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p],
            akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k],
            aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p],
            vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => v.map((row) => row[i])) };
}

export interface GroupComponent {
  /** Index of the group and of the component inside it (0 = largest variance of the map). */
  group: number;
  rank: number;
  /** The group's latent dimensions and the unit direction r over them. */
  dims: number[];
  direction: number[];
  /** μ_g r for every sample [N]. */
  map: number[];
  /** A_g r [D]. */
  series: number[];
  /** Standard deviation of the map over samples, ‖series‖, and rms = sd·‖series‖/√D. */
  sd: number;
  norm: number;
  rms: number;
  /** rms² / Σ rms² over every component of the model. */
  share: number;
  /** Mean over samples of KL(q(r·z | x) ‖ N(0, 1)) (NaN without log σ²). */
  meanKL: number;
  effective: boolean;
}

export interface GroupComponentsOptions {
  /** Smallest share of an effective component (default 0.001). */
  minShare?: number;
  /** Smallest mean KL (nats) of an effective component when logVar is given (default 0.3). */
  minKL?: number;
}

export interface GroupComponents {
  /** Per group, its components by decreasing map variance. */
  groups: GroupComponent[][];
  /** The effective components, group by group. */
  effective: GroupComponent[];
  /** Number of effective components per group. */
  effectiveRank: number[];
}

/**
 * Components of every group (see the header): `mu` and `logVar` [N, K] posterior parameters, `decoder`
 * [D, K] the decoder's columns (x ≈ decoder · z + b), `groups` the model's latent groups.
 */
export function groupComponents(
  mu: Rows,
  logVar: Rows | null,
  decoder: Rows,
  groups: readonly (readonly number[])[],
  opts: GroupComponentsOptions = {},
): GroupComponents {
  const [N, K] = checkRows(mu, "mu", WHERE);
  if (logVar) {
    const [nl, kl] = checkRows(logVar, "logVar", WHERE);
    if (nl !== N || kl !== K) throw new Error(`${WHERE}: logVar is ${nl}×${kl}, mu is ${N}×${K}`);
  }
  const [D, Kd] = checkRows(decoder, "decoder", WHERE);
  if (Kd !== K) throw new Error(`${WHERE}: the decoder has ${Kd} columns, mu has K = ${K}`);
  const seen = new Set<number>();
  for (const g of groups)
    for (const k of g) {
      if (!(Number.isInteger(k) && k >= 0 && k < K) || seen.has(k))
        throw new Error(`${WHERE}: groups ${JSON.stringify(groups)} are not disjoint subsets of 0…${K - 1}`);
      seen.add(k);
    }
  const minShare = opts.minShare ?? 0.001;
  const minKL = opts.minKL ?? 0.3;
  const mean = new Array<number>(K).fill(0);
  for (const r of mu) for (let k = 0; k < K; k++) mean[k] += r[k] / N;
  const out: GroupComponent[][] = groups.map((gDims, g) => {
    const dims = gDims.slice();
    const H = dims.length;
    const cov = Array.from({ length: H }, () => new Array<number>(H).fill(0));
    for (const r of mu)
      for (let i = 0; i < H; i++)
        for (let j = i; j < H; j++) cov[i][j] += ((r[dims[i]] - mean[dims[i]]) * (r[dims[j]] - mean[dims[j]])) / N;
    for (let i = 0; i < H; i++) for (let j = 0; j < i; j++) cov[i][j] = cov[j][i];
    const eig = symmetricEigen(cov);
    return eig.vectors.map((r0, rank) => {
      let dir = r0.slice();
      let map = mu.map((row) => dims.reduce((s, k, i) => s + row[k] * dir[i], 0));
      let series = decoder.map((row) => dims.reduce((s, k, i) => s + row[k] * dir[i], 0));
      let peak = 0;
      for (const m of map) if (Math.abs(m) > Math.abs(peak)) peak = m;
      if (peak < 0) {
        dir = dir.map((d) => -d);
        map = map.map((m) => -m);
        series = series.map((s) => -s);
      }
      const sd = Math.sqrt(Math.max(0, eig.values[rank]));
      const norm = Math.sqrt(series.reduce((s, v) => s + v * v, 0));
      let meanKL = NaN;
      if (logVar) {
        meanKL = 0;
        mu.forEach((row, n) => {
          const m = map[n];
          const v = dims.reduce((s, k, i) => s + dir[i] * dir[i] * Math.exp(logVar[n][k]), 0);
          meanKL += (0.5 * (v + m * m - 1 - Math.log(v))) / N;
        });
      }
      return {
        group: g,
        rank,
        dims,
        direction: dir,
        map,
        series,
        sd,
        norm,
        rms: (sd * norm) / Math.sqrt(D),
        share: 0,
        meanKL,
        effective: false,
      };
    });
  });
  const total = out.flat().reduce((s, c) => s + c.rms * c.rms, 0);
  for (const c of out.flat()) {
    c.share = total > 0 ? (c.rms * c.rms) / total : 0;
    c.effective = c.share >= minShare && (Number.isNaN(c.meanKL) || c.meanKL >= minKL);
  }
  return {
    groups: out,
    effective: out.flat().filter((c) => c.effective),
    effectiveRank: out.map((cs) => cs.filter((c) => c.effective).length),
  };
}

/** A part of an N×D data matrix as a sum of rank-1 terms Σ_i maps[i] ⊗ series[i] (maps [N], series [D]). */
export interface LowRankPart {
  maps: readonly (readonly number[])[];
  series: readonly (readonly number[])[];
}

/** The components of one group (or several: concatenate) as a LowRankPart. */
export function partOf(components: readonly GroupComponent[]): LowRankPart {
  return { maps: components.map((c) => c.map), series: components.map((c) => c.series) };
}

function centred(v: readonly number[]): number[] {
  const m = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  return v.map((x) => x - m);
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

/** ⟨A, B⟩ of two centred low-rank parts (maps centred over the N samples). */
function inner(
  a: { maps: number[][]; series: readonly (readonly number[])[] },
  b: { maps: number[][]; series: readonly (readonly number[])[] },
): number {
  let s = 0;
  for (let i = 0; i < a.maps.length; i++)
    for (let j = 0; j < b.maps.length; j++) s += dot(a.maps[i], b.maps[j]) * dot(a.series[i], b.series[j]);
  return s;
}

function checkPart(p: LowRankPart, name: string, N: number, D: number): void {
  if (p.maps.length !== p.series.length)
    throw new Error(`${WHERE}: ${name} has ${p.maps.length} maps and ${p.series.length} series`);
  p.maps.forEach((m, i) => {
    if (m.length !== N) throw new Error(`${WHERE}: ${name} map ${i} has ${m.length} values, expected N = ${N}`);
  });
  p.series.forEach((s, i) => {
    if (s.length !== D) throw new Error(`${WHERE}: ${name} series ${i} has ${s.length} values, expected D = ${D}`);
  });
}

/**
 * r2[t][e] = 1 − ‖C_t − C_e‖² / ‖C_t‖² for every truth part t and estimate part e, each C the centred N×D
 * matrix Σ_i (map_i − mean) ⊗ series_i. 1: e reproduces t exactly; ≤ 0: e is no better than nothing
 * (e.g. it holds another part of the data). An empty estimate part scores 0.
 */
export function contributionR2(truth: readonly LowRankPart[], estimates: readonly LowRankPart[]): number[][] {
  const first = [...truth, ...estimates].find((p) => p.maps.length > 0);
  if (!first) throw new Error(`${WHERE} contributionR2: every part is empty`);
  const N = first.maps[0].length,
    D = first.series[0].length;
  truth.forEach((p, t) => checkPart(p, `truth[${t}]`, N, D));
  estimates.forEach((p, e) => checkPart(p, `estimates[${e}]`, N, D));
  const prep = (p: LowRankPart) => ({ maps: p.maps.map(centred), series: p.series });
  const T = truth.map(prep),
    E = estimates.map(prep);
  const tt = T.map((p) => inner(p, p)),
    ee = E.map((p) => inner(p, p));
  return T.map((p, t) => {
    if (!(tt[t] > 0)) throw new Error(`${WHERE} contributionR2: truth[${t}] is zero after centring`);
    return E.map((q, e) => 1 - (tt[t] + ee[e] - 2 * inner(p, q)) / tt[t]);
  });
}

/**
 * c[t][e] = ⟨C_t, C_e⟩ / ‖C_t‖²: how much of truth part t estimate part e contains (1: all of it, even if e
 * also holds other parts; ≈ the fraction when t is split over several estimates with near-orthogonal pieces;
 * ≈ 0 for an unrelated part). Unlike contributionR2 it does not penalise what else e holds.
 */
export function contributionCoverage(truth: readonly LowRankPart[], estimates: readonly LowRankPart[]): number[][] {
  const first = [...truth, ...estimates].find((p) => p.maps.length > 0);
  if (!first) throw new Error(`${WHERE} contributionCoverage: every part is empty`);
  const N = first.maps[0].length,
    D = first.series[0].length;
  truth.forEach((p, t) => checkPart(p, `truth[${t}]`, N, D));
  estimates.forEach((p, e) => checkPart(p, `estimates[${e}]`, N, D));
  const prep = (p: LowRankPart) => ({ maps: p.maps.map(centred), series: p.series });
  const T = truth.map(prep),
    E = estimates.map(prep);
  return T.map((p, t) => {
    const tt = inner(p, p);
    if (!(tt > 0)) throw new Error(`${WHERE} contributionCoverage: truth[${t}] is zero after centring`);
    return E.map((q) => inner(p, q) / tt);
  });
}

/**
 * RMSE of the best rank-K affine reconstruction of `rows` (N×D, column means as the bias) for every K in
 * `ks`: sqrt(Σ_{i>K} λ_i / D) with λ the eigenvalues of the D×D covariance (divisor N).
 */
export function pcaReconstructionRmse(rows: Rows, ks: readonly number[]): { k: number; rmse: number }[] {
  const [N, D] = checkRows(rows, "rows", WHERE);
  const mean = new Array<number>(D).fill(0);
  for (const r of rows) for (let d = 0; d < D; d++) mean[d] += r[d] / N;
  const cov = Array.from({ length: D }, () => new Array<number>(D).fill(0));
  const c = new Array<number>(D);
  for (const r of rows) {
    for (let d = 0; d < D; d++) c[d] = r[d] - mean[d];
    for (let i = 0; i < D; i++) {
      const ci = c[i] / N,
        row = cov[i];
      for (let j = i; j < D; j++) row[j] += ci * c[j];
    }
  }
  for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) cov[i][j] = cov[j][i];
  const lambda = symmetricEigen(cov, { tol: 1e-12 }).values.map((l) => Math.max(0, l));
  return ks.map((k) => {
    if (!(Number.isInteger(k) && k >= 0))
      throw new Error(`${WHERE} pcaReconstructionRmse: K must be an integer ≥ 0, got ${k}`);
    const rest = lambda.slice(Math.min(k, D)).reduce((a, b) => a + b, 0);
    return { k, rmse: Math.sqrt(rest / D) };
  });
}
