// Latent group alignment of PDisVAE (seed 002, Sec. 4.1, Fig. 2 and 3a; Table 4).
//
// Given estimated latents Ẑ (N×K) split into estimated groups and true latents Z (N×K′) split into
// true groups, the R² alignment matrix has entry (g₁, g₂) = R² of the least-squares fit (with intercept)
// of true group g₁ from estimated group g₂ (lib/eval/linear-fit; R² averaged over the true group's
// dimensions "variance_weighted" by default, see there). A linear-sum assignment (lib/eval/assignment)
// matches true to estimated groups maximising the total R²; the "latent R²" is the mean R² over the
// matched pairs. The aligned latents are each true group predicted from its matched estimated group.
//
// The matrix may be rectangular (a different number of true and estimated groups): min(G′, G) pairs are
// matched; unmatched true groups get NaN in matchedR2 and NaN columns in `aligned`, and the latent R²
// is the mean over the matched pairs only. True groups may have different sizes (pdSprites: {x, y} and
// {size}); estimated groups may too.
//
// Methods without groups (VAE, ICA, β-TCVAE): every partition of the K estimated dimensions into
// groups of the given sizes is tried and the one with the largest total matched R² kept (Sec. 4.1: the
// K!/(G!(H!)^G) groupings, 15 for K = 6, G = 3, H = 2). Groups of equal size are unordered; groups of
// different sizes are told apart by size.
//
// Other metrics of Table 4 / Sec. 4.1:
//  - reconstruction R² of observations: r2Score(X, X̂) (variance_weighted: 1 − ‖X − X̂‖²/‖X − X̄‖²);
//  - latent MSE after alignment: each true latent dimension is standardised by its mean and population
//    standard deviation (divisor N) on the evaluation rows, the aligned prediction is mapped by the same
//    affine map, and the MSE is the mean over rows and true dimensions of the squared difference. With
//    in-sample least-squares alignment this equals the mean over true dimensions of (1 − R²_d).
//
// Fits are made on `estimated`/`truth`; pass `evaluateOn` to score R², aligned latents and MSE on other
// rows (e.g. a test set) with the fits from the first.
import { checkRows, fitLinear, LinearFit, R2Average, r2Score, Rows, selectColumns } from "./linear-fit";
import { linearSumAssignment } from "./assignment";
import { validateGroups } from "../prob/correlation";

const WHERE = "lib/eval/alignment";

export interface AlignmentOptions {
  /** How R² averages over a true group's dimensions (default "variance_weighted"). */
  average?: R2Average;
  /** Rank-deficient estimated groups (e.g. a collapsed, constant latent): "error" (default) or "drop". */
  rankDeficient?: "error" | "drop";
  /** Score on these rows (same columns) with the fits made on the main rows. */
  evaluateOn?: { estimated: Rows; truth: Rows };
}

export interface GroupAlignment {
  /** The estimated grouping used (indices into Ẑ's columns). */
  estimatedGroups: number[][];
  trueGroups: number[][];
  /** G′×G matrix: r2[g1][g2] = R² of true group g1 fitted from estimated group g2. */
  r2: number[][];
  /** For each true group, the index of its matched estimated group (−1 if unmatched). */
  assignment: number[];
  /** For each true group, the R² of its matched pair (NaN if unmatched). */
  matchedR2: number[];
  /** Mean matched R² ("latent R²"). */
  latentR2: number;
  /** Sum of the matched R² (what the assignment maximises). */
  totalR2: number;
  /** N×K′ aligned latents on the evaluation rows: true group g's columns predicted from its match. */
  aligned: number[][];
}

/** A copy of `groups` after checking they are disjoint groups of 0…K−1 (alignments may leave dimensions out). */
function disjointGroupsCopy(groups: readonly (readonly number[])[], K: number, name: string): number[][] {
  validateGroups(groups, K, `${WHERE} ${name}`, { covering: false });
  return groups.map((g) => g.slice());
}

/** Shared data of one alignment problem, with fits cached per (estimated subset, true group). */
class AlignmentProblem {
  readonly n: number;
  readonly K: number;
  readonly Kt: number;
  private readonly fits = new Map<string, { fit: LinearFit; r2: number }>();
  private readonly evalEst: Rows;
  private readonly evalTruth: Rows;
  private readonly trueCols: number[][][]; // per true group: truth rows restricted to it (fit rows)
  private readonly trueColsEval: number[][][];

  constructor(
    readonly estimated: Rows,
    readonly truth: Rows,
    readonly trueGroups: number[][],
    readonly opts: AlignmentOptions,
  ) {
    const [n, K] = checkRows(estimated, "estimated", WHERE);
    const [nt, Kt] = checkRows(truth, "truth", WHERE);
    if (nt !== n) throw new Error(`${WHERE}: estimated has ${n} rows, truth has ${nt}`);
    this.n = n;
    this.K = K;
    this.Kt = Kt;
    validateGroups(trueGroups, Kt, `${WHERE} trueGroups`, { covering: false });
    this.evalEst = estimated;
    this.evalTruth = truth;
    if (opts.evaluateOn) {
      const [ne, Ke] = checkRows(opts.evaluateOn.estimated, "evaluateOn.estimated", WHERE);
      const [nte, Kte] = checkRows(opts.evaluateOn.truth, "evaluateOn.truth", WHERE);
      if (Ke !== K || Kte !== Kt || nte !== ne) {
        throw new Error(`${WHERE}: evaluateOn is ${ne}×${Ke} / ${nte}×${Kte}, expected N×${K} / N×${Kt} with equal N`);
      }
      this.evalEst = opts.evaluateOn.estimated;
      this.evalTruth = opts.evaluateOn.truth;
    }
    this.trueCols = trueGroups.map((g) => selectColumns(truth, g));
    this.trueColsEval = trueGroups.map((g) => selectColumns(this.evalTruth, g));
  }

  /** The fit of true group t from estimated dims `est`, and its R² on the evaluation rows. */
  fit(t: number, est: readonly number[]): { fit: LinearFit; r2: number } {
    const key = `${t}|${est.join(",")}`;
    let hit = this.fits.get(key);
    if (!hit) {
      const fit = fitLinear(selectColumns(this.estimated, est), this.trueCols[t], {
        rankDeficient: this.opts.rankDeficient,
        where: `${WHERE}: fitting true group ${t} [${this.trueGroups[t]}] from estimated dims [${est}]`,
      });
      const r2 = r2Score(this.trueColsEval[t], fit.predict(selectColumns(this.evalEst, est)), this.opts.average);
      hit = { fit, r2 };
      this.fits.set(key, hit);
    }
    return hit;
  }

  r2Matrix(estGroups: number[][]): number[][] {
    return this.trueGroups.map((_, t) => estGroups.map((g) => this.fit(t, g).r2));
  }

  /** Assignment and totals only (cheap; used by the grouping search). */
  match(estGroups: number[][]): {
    r2: number[][];
    assignment: number[];
    matchedR2: number[];
    totalR2: number;
    latentR2: number;
  } {
    const r2 = this.r2Matrix(estGroups);
    const sol = linearSumAssignment(r2, { maximize: true });
    const assignment = new Array<number>(this.trueGroups.length).fill(-1);
    sol.rows.forEach((r, k) => (assignment[r] = sol.cols[k]));
    const matchedR2 = assignment.map((g, t) => (g < 0 ? NaN : r2[t][g]));
    return { r2, assignment, matchedR2, totalR2: sol.total, latentR2: sol.total / sol.rows.length };
  }

  align(estGroups: number[][]): GroupAlignment {
    const m = this.match(estGroups);
    const nEval = this.evalTruth.length;
    const aligned = Array.from({ length: nEval }, () => new Array<number>(this.Kt).fill(NaN));
    this.trueGroups.forEach((tg, t) => {
      const g = m.assignment[t];
      if (g < 0) return;
      const pred = this.fit(t, estGroups[g]).fit.predict(selectColumns(this.evalEst, estGroups[g]));
      for (let i = 0; i < nEval; i++) tg.forEach((col, c) => (aligned[i][col] = pred[i][c]));
    });
    return { estimatedGroups: estGroups, trueGroups: this.trueGroups, ...m, aligned };
  }
}

/**
 * The R² alignment matrix of Fig. 2: r2[g1][g2] = R² of true group g1 from estimated group g2
 * (fits on the given rows; scored on opts.evaluateOn if given).
 */
export function r2AlignmentMatrix(
  estimated: Rows,
  estimatedGroups: readonly (readonly number[])[],
  truth: Rows,
  trueGroups: readonly (readonly number[])[],
  opts: AlignmentOptions = {},
): number[][] {
  const prob = new AlignmentProblem(
    estimated,
    truth,
    trueGroups.map((g) => g.slice()),
    opts,
  );
  return prob.r2Matrix(disjointGroupsCopy(estimatedGroups, prob.K, "estimatedGroups"));
}

/** Align a given estimated grouping to the true groups (R² matrix, max-R² assignment, latent R², aligned latents). */
export function alignGroups(
  estimated: Rows,
  estimatedGroups: readonly (readonly number[])[],
  truth: Rows,
  trueGroups: readonly (readonly number[])[],
  opts: AlignmentOptions = {},
): GroupAlignment {
  const prob = new AlignmentProblem(
    estimated,
    truth,
    trueGroups.map((g) => g.slice()),
    opts,
  );
  return prob.align(disjointGroupsCopy(estimatedGroups, prob.K, "estimatedGroups"));
}

// ---------------------------------------------------------------------------------------------
// Groupings

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

function checkSizes(K: number, sizes: readonly number[], where: string): number[] {
  if (sizes.length === 0 || sizes.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new Error(`${where}: group sizes must be positive integers, got [${sizes}]`);
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== K) throw new Error(`${where}: group sizes [${sizes}] sum to ${total}, not K = ${K}`);
  return sizes.slice().sort((a, b) => b - a);
}

/**
 * Number of ways to partition K labelled dimensions into groups of the given sizes, groups of equal size
 * unordered: K! / (Π_g h_g! · Π_s m_s!) with m_s the number of groups of size s.
 * Equal sizes H: K!/(G!(H!)^G) — 15 for (K, G, H) = (6, 3, 2), 280 for (9, 3, 3).
 */
export function countGroupings(K: number, sizes: readonly number[]): number {
  const s = checkSizes(K, sizes, `${WHERE} countGroupings`);
  let count = factorial(K);
  for (const h of s) count /= factorial(h);
  const mult = new Map<number, number>();
  for (const h of s) mult.set(h, (mult.get(h) ?? 0) + 1);
  for (const m of mult.values()) count /= factorial(m);
  return Math.round(count);
}

/**
 * Every partition of {0, …, K−1} into groups of the given sizes, each exactly once. Each grouping lists its
 * groups in increasing order of their smallest element, each group ascending. Throws if there would be
 * more than `limit` (default 1e6).
 */
export function enumerateGroupings(K: number, sizes: readonly number[], limit = 1e6): number[][][] {
  const where = `${WHERE} enumerateGroupings`;
  checkSizes(K, sizes, where);
  const count = countGroupings(K, sizes);
  if (count > limit)
    throw new Error(`${where}: ${count} groupings of K = ${K} into sizes [${sizes}] exceed the limit ${limit}`);
  // Remaining size multiset as a map size → count; recursion always places the smallest free dimension
  // in the next group, choosing that group's size among the distinct remaining sizes and its other
  // members among the larger free dimensions (combinations in lexicographic order).
  const remaining = new Map<number, number>();
  for (const h of sizes) remaining.set(h, (remaining.get(h) ?? 0) + 1);
  const out: number[][][] = [];
  const free = Array.from({ length: K }, (_, k) => k);
  const current: number[][] = [];
  const recurse = (freeDims: number[]) => {
    if (freeDims.length === 0) {
      out.push(current.map((g) => g.slice()));
      return;
    }
    const first = freeDims[0];
    const rest = freeDims.slice(1);
    const distinct = [...remaining.keys()].filter((h) => (remaining.get(h) ?? 0) > 0).sort((a, b) => b - a);
    for (const h of distinct) {
      remaining.set(h, (remaining.get(h) ?? 0) - 1);
      for (const combo of combinations(rest, h - 1)) {
        current.push([first, ...combo]);
        const chosen = new Set(combo);
        recurse(rest.filter((d) => !chosen.has(d)));
        current.pop();
      }
      remaining.set(h, (remaining.get(h) ?? 0) + 1);
    }
  };
  recurse(free);
  return out;
}

/** All r-element subsets of `items` in lexicographic order of positions. */
function combinations<T>(items: readonly T[], r: number): T[][] {
  const out: T[][] = [];
  const idx = Array.from({ length: r }, (_, i) => i);
  if (r > items.length) return out;
  if (r === 0) return [[]];
  for (;;) {
    out.push(idx.map((i) => items[i]));
    let i = r - 1;
    while (i >= 0 && idx[i] === items.length - r + i) i--;
    if (i < 0) return out;
    idx[i]++;
    for (let j = i + 1; j < r; j++) idx[j] = idx[j - 1] + 1;
  }
}

export interface GroupingSearch {
  /** The alignment of the grouping with the largest total matched R² (first such in enumeration order). */
  best: GroupAlignment;
  /** Every grouping tried, with its R² matrix and latent R² (the panels of Fig. 2). */
  candidates: { groups: number[][]; r2: number[][]; assignment: number[]; latentR2: number }[];
}

/**
 * Post-hoc grouping for methods without groups (Sec. 4.1): try every partition of Ẑ's K dimensions into
 * groups of `groupSizes` and keep the one whose max-R² assignment to the true groups has the largest
 * total R². Linear fits are cached per (estimated subset, true group), so the cost is C(K, h)·G′ fits.
 */
export function searchGrouping(
  estimated: Rows,
  truth: Rows,
  trueGroups: readonly (readonly number[])[],
  groupSizes: readonly number[],
  opts: AlignmentOptions & { limit?: number } = {},
): GroupingSearch {
  const prob = new AlignmentProblem(
    estimated,
    truth,
    trueGroups.map((g) => g.slice()),
    opts,
  );
  const groupings = enumerateGroupings(prob.K, groupSizes, opts.limit);
  let bestIdx = -1;
  let bestTotal = -Infinity;
  const candidates = groupings.map((groups, k) => {
    const m = prob.match(groups);
    if (m.totalR2 > bestTotal) {
      bestTotal = m.totalR2;
      bestIdx = k;
    }
    return { groups, r2: m.r2, assignment: m.assignment, latentR2: m.latentR2 };
  });
  return { best: prob.align(groupings[bestIdx]), candidates };
}

// ---------------------------------------------------------------------------------------------
// Table 4 / Sec. 4.1 scalar metrics

/** Reconstruction R² of observations, 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖² by default (see linear-fit's header). */
export function reconstructionR2(x: Rows, xHat: Rows, average: R2Average = "variance_weighted"): number {
  return r2Score(x, xHat, average);
}

/**
 * Latent MSE after alignment on standardised true latents: with μ_d, σ_d the mean and population
 * standard deviation of true dimension d over the rows, MSE = mean_{n,d} ((ẑ_nd − z_nd)/σ_d)².
 * Columns that are NaN in `aligned` (unmatched true groups) are skipped; throws if a true dimension is constant.
 */
export function latentMSE(truth: Rows, aligned: readonly (readonly number[])[]): number {
  const [n, K] = checkRows(truth, "truth", `${WHERE} latentMSE`);
  if (aligned.length !== n || aligned.some((r) => r.length !== K)) {
    throw new Error(`${WHERE} latentMSE: aligned must be ${n}×${K} like truth`);
  }
  let total = 0;
  let dims = 0;
  for (let d = 0; d < K; d++) {
    if (aligned.some((r) => Number.isNaN(r[d]))) continue;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += truth[i][d];
    mean /= n;
    let varSum = 0;
    let err = 0;
    for (let i = 0; i < n; i++) {
      varSum += (truth[i][d] - mean) ** 2;
      err += (aligned[i][d] - truth[i][d]) ** 2;
    }
    if (!(varSum > 0))
      throw new Error(`${WHERE} latentMSE: true dimension ${d} is constant; it cannot be standardised`);
    total += err / varSum; // = mean_n ((ẑ − z)/σ)² since σ² = varSum / n
    dims++;
  }
  if (dims === 0) throw new Error(`${WHERE} latentMSE: no aligned dimensions`);
  return total / dims;
}
