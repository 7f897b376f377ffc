// Linear-sum assignment (the "linear-sum assignment problem (Crouse, 2016)" of PDisVAE Sec. 4.1, as
// scipy.optimize.linear_sum_assignment): for an R×C cost matrix pick min(R, C) entries, no two in the
// same row or column, with the smallest (or, with maximize, largest) sum.
//
// Method: the Hungarian algorithm in its shortest-augmenting-path form with row/column potentials
// (Kuhn–Munkres as refined by Jonker–Volgenant; O(R²C) for R ≤ C). Rows are added one at a time; each
// addition runs a Dijkstra-like search over reduced costs c_ij − u_i − v_j ≥ 0 and augments along the
// shortest path. Exact for any real costs (ties and negative values included). A tall matrix (R > C)
// is solved transposed. Entries may be +Infinity (−Infinity with maximize) to forbid a pairing; if no
// complete assignment avoids them, it throws. NaN and the other infinity throw.

export interface Assignment {
  /** Row indices of the chosen entries, ascending (like scipy's row_ind). */
  rows: number[];
  /** The column matched to rows[i] (like scipy's col_ind). */
  cols: number[];
  /** Sum of the chosen entries of the original matrix. */
  total: number;
}

/** Solve the rectangular linear-sum assignment; minimises unless opts.maximize. */
export function linearSumAssignment(
  cost: readonly (readonly number[])[],
  opts: { maximize?: boolean } = {},
): Assignment {
  const where = "lib/eval/assignment linearSumAssignment";
  const maximize = opts.maximize ?? false;
  const R = cost.length;
  const C = R === 0 ? 0 : cost[0].length;
  for (let i = 0; i < R; i++) {
    if (cost[i].length !== C) throw new Error(`${where}: row ${i} has ${cost[i].length} entries, row 0 has ${C}`);
    for (let j = 0; j < C; j++) {
      const x = cost[i][j];
      if (Number.isNaN(x) || x === (maximize ? Infinity : -Infinity)) {
        throw new Error(
          `${where}: entry [${i}][${j}] is ${x} (allowed: finite, or ${maximize ? "-Infinity" : "Infinity"} to forbid)`,
        );
      }
    }
  }
  if (R === 0 || C === 0) return { rows: [], cols: [], total: 0 };
  const transpose = R > C;
  const n = transpose ? C : R;
  const m = transpose ? R : C;
  // a(i, j) for the (possibly transposed) minimisation problem, 0-based.
  const sign = maximize ? -1 : 1;
  const a = (i: number, j: number): number => sign * (transpose ? cost[j][i] : cost[i][j]);

  // 1-based arrays as in the classic formulation; index 0 is the virtual start column.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j]: row matched to column j (0 = free)
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = -1;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      if (j1 < 0 || delta === Infinity)
        throw new Error(
          `${where}: the ${R}×${C} cost matrix is infeasible (forbidden entries block every complete assignment)`,
        );
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    // Augment along the alternating path back to the virtual column.
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }

  const pairs: [number, number][] = [];
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    const r = p[j] - 1;
    const c = j - 1;
    pairs.push(transpose ? [c, r] : [r, c]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  const rows = pairs.map((q) => q[0]);
  const cols = pairs.map((q) => q[1]);
  let total = 0;
  for (let k = 0; k < rows.length; k++) total += cost[rows[k]][cols[k]];
  return { rows, cols, total };
}
