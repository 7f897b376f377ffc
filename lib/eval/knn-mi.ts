// Nearest-neighbour mutual-information estimators on point clouds, used by the adapted MIG
// (lib/eval/mig.ts) and the within-group total correlation (lib/eval/within-group-tc.ts).
//
//  - ksgMutualInformation: Kraskov, Stögbauer & Grassberger (2004), algorithm 1, for two continuous
//    (multivariate) variables: with ε_i the max-norm distance from point i to its k-th neighbour in the
//    joint space and n_x(i), n_y(i) the numbers of other points strictly within ε_i in each marginal,
//      Î(X; Y) = ψ(k) + ψ(N) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩.
//    It is consistent, nearly unbiased for near-independent variables, and not clipped (it can be
//    slightly negative). TC of two scalar variables equals their MI.
//  - mixedMutualInformation: Ross (2014), for a discrete label V and a continuous (multivariate) Y:
//    with d_i the distance to the k-th nearest neighbour of y_i among the points with the same label
//    (k capped at that label's count − 1), N_v(i) that label's count and m_i the number of points of any
//    label strictly within d_i (self included),
//      Î(V; Y) = ψ(N) + ⟨ψ(k_i)⟩ − ⟨ψ(N_v(i))⟩ − ⟨ψ(m_i)⟩,
//    points whose label occurs once are dropped (as scikit-learn's mutual_info_classif). Max-norm here.
//
// Preprocessing, as scikit-learn: each continuous column is scaled to unit (population) variance and a
// jitter of 1e-10·N(0, 1) is added so that ties (discrete-valued latents) do not produce zero distances.
// The jitter comes from an Rng (default seed "lib/eval/knn-mi"), so estimates are deterministic.
// Neighbour searches sort the points by their first coordinate and scan outwards (a max-norm distance
// is at least the first-coordinate gap), which is fast for the low dimensions used here (≤ ~6).
import { Rng } from "../engine/rng";
import { digammaScalar } from "../prob/special";

type Rows = readonly (readonly number[])[];

export interface KnnMiOptions {
  /** Number of neighbours (default 3). */
  k?: number;
  /** Jitter source (default new Rng("lib/eval/knn-mi")). */
  rng?: Rng;
  /** Skip standardisation and jitter (the data are used as given). */
  raw?: boolean;
}

/** Column-standardised (unit population variance; constant columns left at 0) and jittered copy, row-major n×d. */
export function preparePoints(
  cols: Rows,
  rng: Rng | null,
  where: string,
): { data: Float64Array; n: number; d: number } {
  const n = cols.length;
  if (n === 0) throw new Error(`${where}: no rows`);
  const d = cols[0].length;
  const data = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const v = cols[i][j];
      if (cols[i].length !== d) throw new Error(`${where}: row ${i} has ${cols[i].length} entries, row 0 has ${d}`);
      if (!Number.isFinite(v)) throw new Error(`${where}: value [${i}][${j}] is ${v}`);
      mean += v;
    }
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (cols[i][j] - mean) ** 2;
    const sd = Math.sqrt(ss / n);
    for (let i = 0; i < n; i++) data[i * d + j] = rng ? (sd > 0 ? (cols[i][j] - mean) / sd : 0) : cols[i][j];
  }
  if (rng) for (let t = 0; t < n * d; t++) data[t] += 1e-10 * rng.normal();
  return { data, n, d };
}

/**
 * A set of points (row-major n×d) under the max-norm, indexed by sorting on the first coordinate.
 * `rows` optionally restricts the set to a subset of rows of `data` (a label class).
 */
export class MaxNormSpace {
  readonly size: number;
  private readonly idx: Int32Array; // member rows sorted by first coordinate
  private readonly keys: Float64Array; // their first coordinates
  private readonly posOf = new Map<number, number>();

  constructor(
    readonly data: Float64Array,
    readonly d: number,
    rows?: ArrayLike<number>,
  ) {
    const n = data.length / d;
    const members = rows ? Array.from(rows) : Array.from({ length: n }, (_, i) => i);
    members.sort((a, b) => data[a * d] - data[b * d] || a - b);
    this.size = members.length;
    this.idx = Int32Array.from(members);
    this.keys = Float64Array.from(members, (r) => data[r * d]);
    members.forEach((r, p) => this.posOf.set(r, p));
  }

  private dist(a: number, b: number): number {
    const d = this.d;
    let m = 0;
    for (let j = 0; j < d; j++) {
      const t = Math.abs(this.data[a * d + j] - this.data[b * d + j]);
      if (t > m) m = t;
    }
    return m;
  }

  /** Max-norm distance from member row `row` to its k-th nearest other member (k < size). */
  kthDistance(row: number, k: number): number {
    const p = this.posOf.get(row);
    if (p === undefined) throw new Error(`lib/eval/knn-mi: row ${row} is not in this space`);
    if (k < 1 || k >= this.size) throw new Error(`lib/eval/knn-mi: need 1 ≤ k < ${this.size}, got k=${k}`);
    const best: number[] = []; // ascending, length ≤ k
    const x0 = this.keys[p];
    const offer = (dd: number) => {
      if (best.length === k) {
        if (dd >= best[k - 1]) return;
        best[k - 1] = dd;
      } else best.push(dd);
      for (let at = best.length - 1; at > 0 && best[at - 1] > best[at]; at--) {
        const t = best[at];
        best[at] = best[at - 1];
        best[at - 1] = t;
      }
    };
    let lo = p - 1;
    let hi = p + 1;
    for (;;) {
      const bound = best.length === k ? best[k - 1] : Infinity;
      const gapLo = lo >= 0 ? x0 - this.keys[lo] : Infinity;
      const gapHi = hi < this.size ? this.keys[hi] - x0 : Infinity;
      if (Math.min(gapLo, gapHi) >= bound || (gapLo === Infinity && gapHi === Infinity)) break;
      if (gapLo <= gapHi) offer(this.dist(row, this.idx[lo--]));
      else offer(this.dist(row, this.idx[hi++]));
    }
    return best[k - 1];
  }

  /**
   * Number of members other than `row` (which need not be a member) strictly within max-norm distance r of it.
   * "Within" compares distances |x_j − x_0| < r, computed exactly as kthDistance computes them, so the
   * point at distance exactly r (the one that defined r) is never counted.
   */
  countWithin(row: number, r: number): number {
    if (!(r > 0)) return 0;
    const x0 = this.data[row * this.d];
    // The sorted positions [from, to) whose first coordinate is strictly within r of x0. The bounds
    // x0 ∓ r are rounded, so they only seed the search: a key at distance exactly r can fall on
    // either side of a rounded bound (points [0.3, 0.9], r = 0.9 − 0.3: 0.9 − r < 0.3). The edges are
    // then moved until they agree with |key − x0| < r, which (float subtraction being monotone) holds
    // on one contiguous run of the sorted keys.
    const keys = this.keys;
    const inside = (q: number) => Math.abs(keys[q] - x0) < r;
    let from = lowerBound(keys, x0 - r, true);
    let to = lowerBound(keys, x0 + r, false);
    while (from > 0 && inside(from - 1)) from--;
    while (from < to && !inside(from)) from++;
    while (to < this.size && inside(to)) to++;
    while (to > from && !inside(to - 1)) to--;
    let c = 0;
    if (this.d === 1) {
      c = to - from;
      if (this.posOf.has(row)) c -= 1;
      return c;
    }
    for (let q = from; q < to; q++) {
      const other = this.idx[q];
      if (other !== row && this.dist(row, other) < r) c++;
    }
    return c;
  }
}

/** First index with keys[i] > v (strict) or keys[i] ≥ v (non-strict). */
function lowerBound(keys: Float64Array, v: number, strictGreater: boolean): number {
  let lo = 0,
    hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strictGreater ? keys[mid] <= v : keys[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function concatColumns(a: Float64Array, da: number, b: Float64Array, db: number, n: number): Float64Array {
  const d = da + db;
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < da; j++) out[i * d + j] = a[i * da + j];
    for (let j = 0; j < db; j++) out[i * d + da + j] = b[i * db + j];
  }
  return out;
}

/** KSG (algorithm 1) estimate of I(X; Y) in nats for X (N×p) and Y (N×q) rows. */
export function ksgMutualInformation(X: Rows, Y: Rows, opts: KnnMiOptions = {}): number {
  const where = "lib/eval/knn-mi ksgMutualInformation";
  const k = opts.k ?? 3;
  if (X.length !== Y.length) throw new Error(`${where}: X has ${X.length} rows, Y has ${Y.length}`);
  const n = X.length;
  if (!Number.isInteger(k) || k < 1 || k >= n)
    throw new Error(`${where}: need an integer 1 ≤ k < N = ${n}, got k=${k}`);
  const rng = opts.raw ? null : (opts.rng ?? new Rng("lib/eval/knn-mi"));
  const px = preparePoints(X, rng, where);
  const py = preparePoints(Y, rng, where);
  const joint = new MaxNormSpace(concatColumns(px.data, px.d, py.data, py.d, n), px.d + py.d);
  const sx = new MaxNormSpace(px.data, px.d);
  const sy = new MaxNormSpace(py.data, py.d);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const eps = joint.kthDistance(i, k);
    acc += digammaScalar(sx.countWithin(i, eps) + 1) + digammaScalar(sy.countWithin(i, eps) + 1);
  }
  return digammaScalar(k) + digammaScalar(n) - acc / n;
}

/** Ross (2014) estimate of I(V; Y) in nats for integer labels V (length N) and continuous Y (N×q). */
export function mixedMutualInformation(labels: ArrayLike<number>, Y: Rows, opts: KnnMiOptions = {}): number {
  const where = "lib/eval/knn-mi mixedMutualInformation";
  const k = opts.k ?? 3;
  if (labels.length !== Y.length) throw new Error(`${where}: ${labels.length} labels, Y has ${Y.length} rows`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`${where}: k must be a positive integer, got ${k}`);
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l)) throw new Error(`${where}: label ${i} is ${l}, not an integer`);
    let list = byLabel.get(l);
    if (!list) byLabel.set(l, (list = []));
    list.push(i);
  }
  // Keep the points whose label occurs at least twice.
  const kept: number[] = [];
  for (const rows of byLabel.values()) if (rows.length > 1) kept.push(...rows);
  kept.sort((a, b) => a - b);
  const n = kept.length;
  if (n < 2) throw new Error(`${where}: no label occurs twice`);
  const rng = opts.raw ? null : (opts.rng ?? new Rng("lib/eval/knn-mi"));
  const py = preparePoints(
    kept.map((i) => Y[i]),
    rng,
    where,
  );
  const keptLabel = kept.map((i) => labels[i]);
  const classRows = new Map<number, number[]>();
  keptLabel.forEach((l, r) => {
    let list = classRows.get(l);
    if (!list) classRows.set(l, (list = []));
    list.push(r);
  });
  const all = new MaxNormSpace(py.data, py.d);
  let sumPsiK = 0,
    sumPsiNv = 0,
    sumPsiM = 0;
  for (const rows of classRows.values()) {
    const space = new MaxNormSpace(py.data, py.d, rows);
    const kk = Math.min(k, rows.length - 1);
    const psiK = digammaScalar(kk);
    const psiNv = digammaScalar(rows.length);
    for (const r of rows) {
      const radius = space.kthDistance(r, kk);
      const m = all.countWithin(r, radius) + 1; // self included
      sumPsiK += psiK;
      sumPsiNv += psiNv;
      sumPsiM += digammaScalar(m);
    }
  }
  return digammaScalar(n) + (sumPsiK - sumPsiNv - sumPsiM) / n;
}

// ---------------------------------------------------------------------------------------------
// Discretisation and discrete entropy

export interface Discretized {
  /** Dense codes 0…levels−1, one per row. */
  codes: Int32Array;
  levels: number;
}

/**
 * Joint discretisation of the rows' columns: a column with at most `bins` distinct values keeps them as
 * categories; otherwise it is cut into `bins` equal-frequency bins by rank (equal values share a bin).
 * The joint code of a row is its tuple of per-column codes, relabelled densely 0…levels−1.
 */
export function discretize(rows: Rows, bins: number): Discretized {
  const where = "lib/eval/knn-mi discretize";
  if (!Number.isInteger(bins) || bins < 2) throw new Error(`${where}: bins must be an integer ≥ 2, got ${bins}`);
  const n = rows.length;
  if (n === 0) throw new Error(`${where}: no rows`);
  const d = rows[0].length;
  const perCol: Int32Array[] = [];
  for (let j = 0; j < d; j++) {
    const vals = rows.map((r, i) => {
      const v = r[j];
      if (!Number.isFinite(v)) throw new Error(`${where}: value [${i}][${j}] is ${v}`);
      return v;
    });
    const order = vals.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const codes = new Int32Array(n);
    const distinct = new Set(vals).size;
    if (distinct <= bins) {
      let c = -1;
      let prev = NaN;
      for (const i of order) {
        if (vals[i] !== prev) c++;
        prev = vals[i];
        codes[i] = c;
      }
    } else {
      let firstRank = 0;
      for (let r = 0; r < n; r++) {
        if (r > 0 && vals[order[r]] !== vals[order[r - 1]]) firstRank = r;
        codes[order[r]] = Math.min(bins - 1, Math.floor((firstRank * bins) / n));
      }
    }
    perCol.push(codes);
  }
  const dense = new Map<string, number>();
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const key = perCol.map((c) => c[i]).join(",");
    let c = dense.get(key);
    if (c === undefined) dense.set(key, (c = dense.size));
    codes[i] = c;
  }
  return { codes, levels: dense.size };
}

/** Plug-in entropy (nats) of integer codes: −Σ p̂ log p̂. */
export function discreteEntropy(codes: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < codes.length; i++) counts.set(codes[i], (counts.get(codes[i]) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / codes.length;
    h -= p * Math.log(p);
  }
  return h;
}
