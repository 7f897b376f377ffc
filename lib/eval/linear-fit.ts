// Multi-output linear least squares with an intercept, and the R² score (PDisVAE, seed 002 Sec. 4.1:
// "the R² score by aligning the estimated latent group to the true group via a linear least-squares fit").
//
// Solver: the columns of X are centred (the intercept is then ȳ − x̄ᵀB), scaled to unit norm, and
// factorised by Householder QR with column pivoting; B solves R B = Qᵀ Y by back-substitution. No normal
// equations are formed, so the error grows with cond(X), not cond(X)². A centred column whose norm is
// zero (a constant column: a collapsed latent) or a pivot |R_kk| ≤ rcond·|R_00| after scaling makes X
// rank-deficient: by default that is an error naming the shape and the rank; with
// `rankDeficient: "drop"` the dependent columns get coefficient 0 and the fit is the least-squares
// projection onto the span of the others (the same fitted values and R² as any minimum-norm solution).
//
// R² (1 − SS_res/SS_tot) of a multi-output fit, averaged as sklearn.metrics.r2_score:
//  - "variance_weighted" (our default): 1 − Σ_q SS_res,q / Σ_q SS_tot,q, the fraction of the outputs'
//    total variance that is explained — "summed over output dims". Outputs with more variance weigh more;
//    on standardised outputs (equal SS_tot) it equals the uniform average.
//  - "uniform_average": the mean of the per-output R² (sklearn's default; scale-free per output).
//  - "raw_values": per-output R² (use rawR2).
// As sklearn (force_finite=True), a constant output (SS_tot = 0) scores 1 if it is predicted exactly, else 0;
// "variance_weighted" weighs each output's R² by its SS_tot, so constant outputs drop out of it (their
// SS_res is not added in), and when every output is constant it falls back to the uniform average.
// An output counts as constant when all its values are equal (its SS_tot is then exactly 0; sklearn
// subtracts a rounded mean, which for some constants, e.g. 0.1 in three rows, leaves SS_tot ≈ 1e-33).

import type { ArrayView } from "../data/dataset";

/** A matrix as rows: N rows of P numbers. */
export type Rows = readonly (readonly number[])[];

export type R2Average = "variance_weighted" | "uniform_average";

export interface LinearFitOptions {
  /** Fit an intercept (default true). */
  intercept?: boolean;
  /** What to do when X does not have full column rank (after centring): "error" (default) or "drop". */
  rankDeficient?: "error" | "drop";
  /** Relative pivot threshold for the rank decision on unit-norm columns (default 1e-10). */
  rcond?: number;
  /** Prefix for error messages (default "lib/eval/linear-fit"). */
  where?: string;
}

export interface LinearFit {
  /** P×Q coefficients: ŷ = intercept + xᵀ coef. */
  coef: number[][];
  /** Q intercepts (zeros when intercept: false). */
  intercept: number[];
  /** Numerical rank of the (centred) design. */
  rank: number;
  /** Columns of X that were used (all of them unless rankDeficient: "drop" dropped some). */
  usedColumns: number[];
  /** ŷ for new rows of X (M×P → M×Q). */
  predict(X: Rows): number[][];
}

/** Shape of a row matrix, checking that rows have equal length and finite entries. */
export function checkRows(A: Rows, name: string, where: string): [number, number] {
  const n = A.length;
  if (n === 0) throw new Error(`${where}: ${name} has no rows`);
  const p = A[0].length;
  for (let i = 0; i < n; i++) {
    const row = A[i];
    if (row.length !== p) throw new Error(`${where}: ${name} row ${i} has ${row.length} entries, row 0 has ${p}`);
    for (let j = 0; j < p; j++) {
      if (!Number.isFinite(row[j])) throw new Error(`${where}: ${name}[${i}][${j}] is ${row[j]}`);
    }
  }
  return [n, p];
}

/**
 * Rows of a row-major matrix given as {values, shape: [N, D]} (the shape lib/data uses for latents and
 * observations; a tfjs tensor's arraySync() gives rows directly).
 */
export function rowsOf(m: ArrayView): number[][] {
  if (m.shape.length !== 2)
    throw new Error(`lib/eval/linear-fit rowsOf: expected a 2-D shape, got [${m.shape.join(",")}]`);
  const [n, d] = m.shape;
  if (m.values.length !== n * d)
    throw new Error(`lib/eval/linear-fit rowsOf: ${m.values.length} values do not fill shape [${n},${d}]`);
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => m.values[i * d + j]));
}

/** The columns `cols` of a row matrix, as a new row matrix. */
export function selectColumns(A: Rows, cols: readonly number[]): number[][] {
  return A.map((row) => cols.map((c) => row[c]));
}

/**
 * Least-squares fit Y ≈ 1·b₀ᵀ + X B for X (N×P) and Y (N×Q), by pivoted Householder QR.
 * Throws on non-finite input, mismatched rows, and (by default) rank-deficient X, naming the shape.
 */
export function fitLinear(X: Rows, Y: Rows, opts: LinearFitOptions = {}): LinearFit {
  const where = opts.where ?? "lib/eval/linear-fit";
  const intercept = opts.intercept ?? true;
  const rcond = opts.rcond ?? 1e-10;
  const [n, p] = checkRows(X, "X", where);
  const [ny, q] = checkRows(Y, "Y", where);
  if (ny !== n) throw new Error(`${where}: X has ${n} rows, Y has ${ny}`);
  if (p === 0) throw new Error(`${where}: X (${n}×0) has no columns`);

  // Column-major copies, centred when fitting an intercept.
  const xMean = new Float64Array(p);
  const yMean = new Float64Array(q);
  if (intercept) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) xMean[j] += X[i][j];
      for (let j = 0; j < q; j++) yMean[j] += Y[i][j];
    }
    for (let j = 0; j < p; j++) xMean[j] /= n;
    for (let j = 0; j < q; j++) yMean[j] /= n;
  }
  const A: Float64Array[] = [];
  const scale = new Float64Array(p);
  const dead: boolean[] = new Array(p).fill(false);
  for (let j = 0; j < p; j++) {
    const col = new Float64Array(n);
    let maxAbs = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      col[i] = X[i][j] - xMean[j];
      ss += col[i] * col[i];
      maxAbs = Math.max(maxAbs, Math.abs(X[i][j]));
    }
    const norm = Math.sqrt(ss);
    // A constant column centres to rounding noise of size ~ulp(value): treat it as zero.
    if (!(norm > 1e-13 * Math.sqrt(n) * maxAbs) || norm === 0) {
      dead[j] = true;
      scale[j] = 1;
      col.fill(0);
    } else {
      scale[j] = norm;
      for (let i = 0; i < n; i++) col[i] /= norm;
    }
    A.push(col);
  }
  const B: Float64Array[] = [];
  for (let j = 0; j < q; j++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = Y[i][j] - yMean[j];
    B.push(col);
  }

  // Householder QR with column pivoting (largest remaining column norm first); dead columns last.
  const perm = Array.from({ length: p }, (_, j) => j);
  const colNorm2 = A.map((c, j) => (dead[j] ? -1 : dot(c, c, 0, n)));
  const steps = Math.min(n, p);
  const rDiag = new Float64Array(steps);
  let rank = 0;
  let r00 = 0;
  for (let k = 0; k < steps; k++) {
    let best = k;
    for (let j = k + 1; j < p; j++) if (colNorm2[j] > colNorm2[best]) best = j;
    if (best !== k) {
      [A[k], A[best]] = [A[best], A[k]];
      [perm[k], perm[best]] = [perm[best], perm[k]];
      [colNorm2[k], colNorm2[best]] = [colNorm2[best], colNorm2[k]];
    }
    if (colNorm2[k] < 0) break; // only dead columns remain
    const a = A[k];
    const alphaNorm = Math.sqrt(dot(a, a, k, n));
    if (k === 0) r00 = alphaNorm;
    if (!(alphaNorm > rcond * r00) || alphaNorm === 0) break;
    // Reflector v = a[k:] + sign(a_k)‖a[k:]‖ e_1, applied as H = I − 2vvᵀ/vᵀv.
    const alpha = a[k] >= 0 ? -alphaNorm : alphaNorm;
    const v = new Float64Array(n - k);
    for (let i = k; i < n; i++) v[i - k] = a[i];
    v[0] -= alpha;
    const vv = dot(v, v, 0, n - k);
    const reflect = (c: Float64Array) => {
      if (vv === 0) return;
      let s = 0;
      for (let i = k; i < n; i++) s += v[i - k] * c[i];
      const f = (2 * s) / vv;
      for (let i = k; i < n; i++) c[i] -= f * v[i - k];
    };
    for (let j = k; j < p; j++) reflect(A[j]);
    for (let j = 0; j < q; j++) reflect(B[j]);
    rDiag[k] = A[k][k];
    rank = k + 1;
    // Downdate the remaining column norms (recomputed exactly: P is small here).
    for (let j = k + 1; j < p; j++) if (colNorm2[j] >= 0) colNorm2[j] = dot(A[j], A[j], k + 1, n);
  }

  if (rank < p && (opts.rankDeficient ?? "error") === "error") {
    const deadCols = dead.flatMap((d, j) => (d ? [j] : []));
    throw new Error(
      `${where}: X (N×P = ${n}×${p}) is rank-deficient: rank ${rank} < ${p} columns` +
        (intercept ? " after centring (an intercept is fitted)" : "") +
        (deadCols.length ? `; constant columns: ${deadCols.join(", ")}` : "") +
        (n <= p && intercept ? `; need N ≥ P + 1 rows` : "") +
        `. Pass rankDeficient: "drop" to fit on a maximal independent subset of the columns.`,
    );
  }

  // Back-substitution R[:r,:r] C = (QᵀY)[:r] on the leading `rank` pivoted columns.
  const coef: number[][] = Array.from({ length: p }, () => new Array<number>(q).fill(0));
  for (let c = 0; c < q; c++) {
    const sol = new Float64Array(rank);
    for (let k = rank - 1; k >= 0; k--) {
      let s = B[c][k];
      for (let j = k + 1; j < rank; j++) s -= A[j][k] * sol[j];
      sol[k] = s / rDiag[k];
    }
    for (let k = 0; k < rank; k++) coef[perm[k]][c] = sol[k] / scale[perm[k]];
  }
  const b0 = Array.from(yMean);
  if (intercept) for (let c = 0; c < q; c++) for (let j = 0; j < p; j++) b0[c] -= xMean[j] * coef[j][c];
  const usedColumns = perm.slice(0, rank).sort((a, b) => a - b);
  return {
    coef,
    intercept: b0,
    rank,
    usedColumns,
    predict(Xn: Rows): number[][] {
      const [, pn] = checkRows(Xn, "X (predict)", where);
      if (pn !== p) throw new Error(`${where}: predict got ${pn} columns, the fit has ${p}`);
      return Xn.map((row) => {
        const out = b0.slice();
        for (let j = 0; j < p; j++) {
          const x = row[j];
          if (x === 0) continue;
          const cj = coef[j];
          for (let c = 0; c < q; c++) out[c] += x * cj[c];
        }
        return out;
      });
    },
  };
}

function dot(a: Float64Array, b: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] * b[i];
  return s;
}

/** Per-output residual and total sums of squares. */
export function sumsOfSquares(
  yTrue: Rows,
  yPred: Rows,
  where = "lib/eval/linear-fit r2",
): { ssRes: number[]; ssTot: number[] } {
  const [n, q] = checkRows(yTrue, "yTrue", where);
  const [np, qp] = checkRows(yPred, "yPred", where);
  if (np !== n || qp !== q) throw new Error(`${where}: yTrue is ${n}×${q}, yPred is ${np}×${qp}`);
  const mean = new Array<number>(q).fill(0);
  for (const row of yTrue) for (let c = 0; c < q; c++) mean[c] += row[c];
  for (let c = 0; c < q; c++) mean[c] /= n;
  const ssRes = new Array<number>(q).fill(0);
  const ssTot = new Array<number>(q).fill(0);
  const constant = new Array<boolean>(q).fill(true);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < q; c++) {
      const r = yTrue[i][c] - yPred[i][c];
      const d = yTrue[i][c] - mean[c];
      ssRes[c] += r * r;
      ssTot[c] += d * d;
      if (yTrue[i][c] !== yTrue[0][c]) constant[c] = false;
    }
  }
  // A constant output's rounded mean can differ from its value by an ulp: its SS_tot is exactly 0.
  for (let c = 0; c < q; c++) if (constant[c]) ssTot[c] = 0;
  return { ssRes, ssTot };
}

function r2FromSums(ssRes: number, ssTot: number): number {
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** Per-output R² (sklearn r2_score multioutput="raw_values"). */
export function rawR2(yTrue: Rows, yPred: Rows): number[] {
  const { ssRes, ssTot } = sumsOfSquares(yTrue, yPred);
  return ssRes.map((r, c) => r2FromSums(r, ssTot[c]));
}

/** R² of predictions, averaged over outputs as `average` says (default "variance_weighted", see the header). */
export function r2Score(yTrue: Rows, yPred: Rows, average: R2Average = "variance_weighted"): number {
  const { ssRes, ssTot } = sumsOfSquares(yTrue, yPred);
  if (average === "uniform_average") return ssRes.reduce((s, r, c) => s + r2FromSums(r, ssTot[c]), 0) / ssRes.length;
  if (average !== "variance_weighted") throw new Error(`lib/eval/linear-fit r2Score: unknown average '${average}'`);
  // Σ_q SS_tot,q·R²_q / Σ_q SS_tot,q = 1 − Σ SS_res,q / Σ SS_tot,q over the non-constant outputs (sklearn).
  let res = 0;
  let tot = 0;
  for (let c = 0; c < ssRes.length; c++) {
    if (ssTot[c] === 0) continue;
    res += ssRes[c];
    tot += ssTot[c];
  }
  // Every output constant: sklearn's weights are all 0 and it takes the uniform average.
  // (No outputs at all: 1, as before.)
  if (tot === 0) return ssRes.length ? ssRes.reduce((s, r) => s + r2FromSums(r, 0), 0) / ssRes.length : 1;
  return 1 - res / tot;
}

/** Fit Y from X by least squares with intercept and score the fit on the same rows. */
export function linearR2(X: Rows, Y: Rows, opts: LinearFitOptions & { average?: R2Average } = {}): number {
  const fit = fitLinear(X, Y, opts);
  return r2Score(Y, fit.predict(X), opts.average);
}
