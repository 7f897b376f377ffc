// Hungarian / Jonker–Volgenant linear-sum assignment against brute force over all (partial) permutations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { linearSumAssignment } from "../../lib/eval/assignment";
import { near } from "./eval-helpers";

/** Best total over injective maps from the smaller side into the larger, by enumeration. */
function bruteForce(c: number[][], maximize: boolean): number {
  const R = c.length,
    C = c[0].length;
  const small = Math.min(R, C),
    large = Math.max(R, C);
  const at = (s: number, l: number) => (R <= C ? c[s][l] : c[l][s]);
  let best = maximize ? -Infinity : Infinity;
  const used = new Array<boolean>(large).fill(false);
  const rec = (s: number, acc: number) => {
    if (s === small) {
      best = maximize ? Math.max(best, acc) : Math.min(best, acc);
      return;
    }
    for (let l = 0; l < large; l++) {
      if (used[l]) continue;
      used[l] = true;
      rec(s + 1, acc + at(s, l));
      used[l] = false;
    }
  };
  rec(0, 0);
  return best;
}

function checkValid(c: number[][], sol: { rows: number[]; cols: number[]; total: number }): void {
  const R = c.length,
    C = c[0].length;
  assert.equal(sol.rows.length, Math.min(R, C));
  assert.equal(new Set(sol.rows).size, sol.rows.length);
  assert.equal(new Set(sol.cols).size, sol.cols.length);
  for (let k = 1; k < sol.rows.length; k++) assert.ok(sol.rows[k] > sol.rows[k - 1], "rows ascending");
  near(
    sol.total,
    sol.rows.reduce((s, r, k) => s + c[r][sol.cols[k]], 0),
    "total is the sum of the chosen entries",
    1e-12,
  );
}

test("matches brute force on random matrices up to 7×7 (square and rectangular; continuous, tied integer and negative values)", () => {
  const rng = new Rng("assignment/brute");
  const kinds: [string, () => number][] = [
    ["normal", () => rng.normal() * 10],
    ["ties", () => rng.int(3) - 1], // {−1, 0, 1}: many ties
    ["negative", () => -rng.uniformIn(0, 100)],
    ["integers", () => rng.int(20) - 10],
  ];
  let cases = 0;
  for (let R = 1; R <= 7; R++) {
    for (let C = 1; C <= 7; C++) {
      for (const [kind, draw] of kinds) {
        const reps = R === 7 && C === 7 ? 2 : 3;
        for (let rep = 0; rep < reps; rep++) {
          const c = Array.from({ length: R }, () => Array.from({ length: C }, draw));
          for (const maximize of [false, true]) {
            const sol = linearSumAssignment(c, { maximize });
            checkValid(c, sol);
            near(sol.total, bruteForce(c, maximize), `${R}×${C} ${kind} ${maximize ? "max" : "min"} rep ${rep}`, 1e-9);
            cases++;
          }
        }
      }
    }
  }
  assert.ok(cases > 1000);
});

test("scipy's documented example, all-equal costs, and edge cases", () => {
  // scipy.optimize.linear_sum_assignment([[4,1,3],[2,0,5],[3,2,2]]) → row_ind [0,1,2], col_ind [1,0,2], cost 5
  assert.deepEqual(
    linearSumAssignment([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]),
    { rows: [0, 1, 2], cols: [1, 0, 2], total: 5 },
  );
  assert.deepEqual(
    linearSumAssignment(
      [
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ],
      { maximize: true },
    ).total,
    11,
  );
  const flat = linearSumAssignment([
    [1, 1, 1],
    [1, 1, 1],
  ]);
  assert.equal(flat.total, 2);
  // tall matrix: rows are reported ascending with their columns
  const tall = linearSumAssignment([
    [5, 9],
    [1, 8],
    [7, 2],
  ]);
  assert.deepEqual(tall, { rows: [1, 2], cols: [0, 1], total: 3 });
  assert.deepEqual(linearSumAssignment([]), { rows: [], cols: [], total: 0 });
  assert.deepEqual(linearSumAssignment([[]]), { rows: [], cols: [], total: 0 });
  assert.deepEqual(linearSumAssignment([[-3.5]], { maximize: true }), { rows: [0], cols: [0], total: -3.5 });
});

test("forbidden entries (±Infinity), infeasibility and bad input", () => {
  const I = Infinity;
  assert.deepEqual(
    linearSumAssignment([
      [I, 1],
      [2, I],
    ]),
    { rows: [0, 1], cols: [1, 0], total: 3 },
  );
  assert.deepEqual(
    linearSumAssignment(
      [
        [-I, 1],
        [2, -I],
      ],
      { maximize: true },
    ),
    { rows: [0, 1], cols: [1, 0], total: 3 },
  );
  assert.throws(
    () =>
      linearSumAssignment([
        [I, 1],
        [I, 2],
      ]),
    /2×2 cost matrix is infeasible/,
  );
  assert.throws(() => linearSumAssignment([[NaN, 1]]), /entry \[0\]\[0\] is NaN/);
  assert.throws(() => linearSumAssignment([[-I, 1]]), /entry \[0\]\[0\] is -Infinity/);
  assert.throws(() => linearSumAssignment([[I, 1]], { maximize: true }), /entry \[0\]\[0\] is Infinity/);
  assert.throws(() => linearSumAssignment([[1, 2], [3]]), /row 1 has 1 entries, row 0 has 2/);
});
