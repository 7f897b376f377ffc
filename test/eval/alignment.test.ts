// Group alignment (R² matrix, max-R² assignment, latent R², aligned latents), grouping enumeration and
// search, reconstruction R² and latent MSE.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import {
  alignGroups,
  countGroupings,
  enumerateGroupings,
  latentMSE,
  r2AlignmentMatrix,
  reconstructionR2,
  searchGrouping,
} from "../../lib/eval/alignment";
import { linearR2, r2Score, rawR2, selectColumns } from "../../lib/eval/linear-fit";
import { near } from "./eval-helpers";

/** Three independent, internally entangled 2-D groups (as Fig. 1): a ring, a parabola, a cross. */
function groupwiseLatents(rng: Rng, n: number): number[][] {
  return Array.from({ length: n }, () => {
    const phi = rng.uniformIn(0, 2 * Math.PI);
    const r = 1 + 0.1 * rng.normal();
    const t = rng.uniformIn(-1, 1);
    const s = rng.uniformIn(-1, 1);
    const arm = rng.uniform() < 0.5;
    return [
      r * Math.cos(phi),
      r * Math.sin(phi),
      t,
      t * t + 0.05 * rng.normal(),
      arm ? s : 0.05 * rng.normal(),
      arm ? 0.05 * rng.normal() : s,
    ];
  });
}
const TRUE_GROUPS = [
  [0, 1],
  [2, 3],
  [4, 5],
];

/** Estimated latents: true group g mixed by an invertible 2×2 map into the columns `place[g]`, plus noise. */
function mixed(rng: Rng, z: number[][], place: number[][], noise: number): number[][] {
  const maps = TRUE_GROUPS.map(() => [
    [rng.normal(), rng.normal()],
    [rng.normal(), rng.normal()],
  ]);
  return z.map((row) => {
    const out = new Array<number>(6).fill(0);
    TRUE_GROUPS.forEach((g, gi) => {
      const [a, b] = [row[g[0]], row[g[1]]];
      const m = maps[gi];
      out[place[gi][0]] = m[0][0] * a + m[0][1] * b + noise * rng.normal() + 3;
      out[place[gi][1]] = m[1][0] * a + m[1][1] * b + noise * rng.normal() - 1;
    });
    return out;
  });
}

test("grouping counts: K!/(G!(H!)^G) = 15 for (6,3,2) and 280 for (9,3,3); mixed sizes; every partition exactly once", () => {
  assert.equal(countGroupings(6, [2, 2, 2]), 15);
  assert.equal(countGroupings(9, [3, 3, 3]), 280);
  assert.equal(countGroupings(4, [2, 2]), 3);
  assert.equal(countGroupings(3, [2, 1]), 3);
  assert.equal(countGroupings(5, [2, 2, 1]), 15);
  assert.equal(countGroupings(6, [1, 1, 1, 1, 1, 1]), 1);
  assert.equal(countGroupings(6, [6]), 1);
  for (const [K, sizes] of [
    [6, [2, 2, 2]],
    [9, [3, 3, 3]],
    [4, [2, 2]],
    [3, [2, 1]],
    [5, [2, 2, 1]],
    [7, [3, 2, 2]],
    [6, [1, 2, 3]],
  ] as [number, number[]][]) {
    const all = enumerateGroupings(K, sizes);
    assert.equal(all.length, countGroupings(K, sizes), `count for K=${K}, sizes [${sizes}]`);
    const keys = new Set<string>();
    for (const groups of all) {
      assert.deepEqual(
        groups.flat().sort((a, b) => a - b),
        Array.from({ length: K }, (_, k) => k),
        "a partition of 0…K−1",
      );
      assert.deepEqual(groups.map((g) => g.length).sort(), sizes.slice().sort(), "group sizes");
      // canonical key of an unordered partition
      keys.add(JSON.stringify(groups.map((g) => g.slice().sort((a, b) => a - b)).sort((a, b) => a[0] - b[0])));
    }
    assert.equal(keys.size, all.length, "no partition twice");
  }
  assert.deepEqual(enumerateGroupings(4, [2, 2]), [
    [
      [0, 1],
      [2, 3],
    ],
    [
      [0, 2],
      [1, 3],
    ],
    [
      [0, 3],
      [1, 2],
    ],
  ]);
  assert.throws(() => countGroupings(6, [2, 2]), /sum to 4, not K = 6/);
  assert.throws(() => enumerateGroupings(20, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]), /exceed the limit/);
});

test("R² matrix: entry (g1, g2) is the R² of true group g1 fitted from estimated group g2; the assignment undoes a group permutation", () => {
  const rng = new Rng("alignment/perm");
  const z = groupwiseLatents(rng, 600);
  // true group 0 → estimated dims [4,5], 1 → [0,1], 2 → [2,3]
  const zh = mixed(
    rng,
    z,
    [
      [4, 5],
      [0, 1],
      [2, 3],
    ],
    0.05,
  );
  const est = [
    [0, 1],
    [2, 3],
    [4, 5],
  ];
  const a = alignGroups(zh, est, z, TRUE_GROUPS);
  assert.deepEqual(a.assignment, [2, 0, 1]);
  for (let g1 = 0; g1 < 3; g1++) {
    for (let g2 = 0; g2 < 3; g2++) {
      near(
        a.r2[g1][g2],
        linearR2(selectColumns(zh, est[g2]), selectColumns(z, TRUE_GROUPS[g1])),
        `r2[${g1}][${g2}]`,
        1e-12,
      );
    }
  }
  assert.ok(
    a.matchedR2.every((r) => r > 0.9),
    `matched R² ${a.matchedR2}`,
  );
  for (let g1 = 0; g1 < 3; g1++)
    for (let g2 = 0; g2 < 3; g2++) if (g2 !== a.assignment[g1]) assert.ok(a.r2[g1][g2] < 0.05);
  near(a.latentR2, a.matchedR2.reduce((s, r) => s + r, 0) / 3, "latent R² = mean matched R²");
  near(a.totalR2, 3 * a.latentR2, "total", 1e-12);
  // aligned latents: each true group predicted from its match
  near(r2Score(z, a.aligned), 1 - 0, "aligned ≈ truth", 0.1);
  for (let g = 0; g < 3; g++) {
    near(
      r2Score(selectColumns(z, TRUE_GROUPS[g]), selectColumns(a.aligned, TRUE_GROUPS[g])),
      a.matchedR2[g],
      `aligned group ${g}`,
      1e-12,
    );
  }
  assert.deepEqual(r2AlignmentMatrix(zh, est, z, TRUE_GROUPS), a.r2);
});

test("grouping search finds scattered group dimensions among the 15 groupings and reports every candidate", () => {
  const rng = new Rng("alignment/search");
  const z = groupwiseLatents(rng, 500);
  const zh = mixed(
    rng,
    z,
    [
      [3, 0],
      [5, 1],
      [2, 4],
    ],
    0.05,
  ); // true groups land on {0,3}, {1,5}, {2,4}
  const s = searchGrouping(zh, z, TRUE_GROUPS, [2, 2, 2]);
  assert.equal(s.candidates.length, 15);
  assert.deepEqual(s.best.estimatedGroups, [
    [0, 3],
    [1, 5],
    [2, 4],
  ]);
  assert.deepEqual(s.best.assignment, [0, 1, 2]);
  assert.ok(s.best.latentR2 > 0.9);
  const bestCandidate = Math.max(...s.candidates.map((c) => c.latentR2));
  near(s.best.latentR2, bestCandidate, "best = max over candidates");
  const direct = alignGroups(
    zh,
    [
      [0, 3],
      [1, 5],
      [2, 4],
    ],
    z,
    TRUE_GROUPS,
  );
  near(s.best.latentR2, direct.latentR2, "same as aligning the right grouping directly");
  // every other grouping mixes groups and scores lower
  assert.ok(s.candidates.filter((c) => c.latentR2 > 0.9).length === 1);
});

test("K = 9 into three groups of 3: 280 candidates, quickly (fits are cached per subset)", () => {
  const rng = new Rng("alignment/k9");
  const n = 300;
  const z = Array.from({ length: n }, () => {
    const a = rng.normal(),
      b = rng.normal(),
      c = rng.normal();
    return [a, b, a * b, c, c * c, rng.normal(), rng.uniform(), rng.uniform(), rng.uniform()];
  });
  const groups = [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7, 8],
  ];
  const perm = [4, 0, 8, 2, 6, 1, 7, 5, 3]; // true column j lands on estimated column perm[j]
  const zh = z.map((r) => {
    const out = new Array<number>(9);
    r.forEach((v, j) => (out[perm[j]] = v + 0.01 * rng.normal()));
    return out;
  });
  const t0 = Date.now();
  const s = searchGrouping(zh, z, groups, [3, 3, 3]);
  assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  assert.equal(s.candidates.length, 280);
  assert.deepEqual(s.best.estimatedGroups, [
    [0, 4, 8],
    [1, 2, 6],
    [3, 5, 7],
  ]);
  assert.deepEqual(s.best.assignment, [0, 1, 2]);
  assert.ok(s.best.latentR2 > 0.99);
});

test("pdSprites shape: true groups {x, y} and {size} of different sizes, two estimated rank-2 groups with a dummy dimension", () => {
  const rng = new Rng("alignment/pdsprites");
  const n = 805;
  const z = Array.from({ length: n }, () => {
    const x = rng.uniform();
    const y = Math.abs(x - 0.5) < 0.2 ? rng.uniformIn(0.3, 0.7) : rng.uniform(); // x and y entangled
    return [x, y, 0.5 + 0.1 * rng.int(5)]; // five sizes
  });
  const zh = z.map(([x, y, s]) => [
    0.3 * s + rng.normal(),
    x + y + 0.02 * rng.normal(),
    5 * s + 0.02 * rng.normal(),
    x - 2 * y + 0.02 * rng.normal(),
  ]);
  // estimated grouping {0, 2} (size + a dummy Gaussian dim) and {1, 3} (location)
  const a = alignGroups(
    zh,
    [
      [0, 2],
      [1, 3],
    ],
    z,
    [[0, 1], [2]],
  );
  assert.deepEqual(a.assignment, [1, 0]);
  assert.ok(a.matchedR2[0] > 0.99 && a.matchedR2[1] > 0.99, `${a.matchedR2}`);
  assert.equal(a.aligned[0].length, 3);
  const s = searchGrouping(zh, z, [[0, 1], [2]], [2, 2]);
  assert.equal(s.candidates.length, 3);
  assert.deepEqual(s.best.estimatedGroups, [
    [0, 2],
    [1, 3],
  ]);
});

test("rectangular: more true groups than estimated ones leaves one unmatched (NaN), latent R² over matched pairs", () => {
  const rng = new Rng("alignment/rect");
  const z = groupwiseLatents(rng, 400);
  const zh = z.map((r) => [r[0] + 0.01 * rng.normal(), r[1], r[4], r[5] + 0.01 * rng.normal()]);
  const a = alignGroups(
    zh,
    [
      [0, 1],
      [2, 3],
    ],
    z,
    TRUE_GROUPS,
  );
  assert.equal(a.r2.length, 3);
  assert.equal(a.r2[0].length, 2);
  assert.deepEqual(a.assignment, [0, -1, 1]);
  assert.ok(Number.isNaN(a.matchedR2[1]));
  near(a.latentR2, (a.matchedR2[0] + a.matchedR2[2]) / 2, "mean over matched");
  assert.ok(a.aligned.every((r) => Number.isNaN(r[2]) && Number.isNaN(r[3]) && Number.isFinite(r[0])));
  // latent MSE skips the unmatched columns
  const mse = latentMSE(z, a.aligned);
  assert.ok(mse < 0.01, `mse ${mse}`);
});

test("held-out scoring (evaluateOn), rank-deficient groups, input checks", () => {
  const rng = new Rng("alignment/heldout");
  const z = groupwiseLatents(rng, 800);
  const zh = mixed(
    rng,
    z,
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
    0.3,
  );
  const train = { z: z.slice(0, 500), zh: zh.slice(0, 500) };
  const testSet = { z: z.slice(500), zh: zh.slice(500) };
  const est = [
    [0, 1],
    [2, 3],
    [4, 5],
  ];
  const inSample = alignGroups(train.zh, est, train.z, TRUE_GROUPS);
  const held = alignGroups(train.zh, est, train.z, TRUE_GROUPS, {
    evaluateOn: { estimated: testSet.zh, truth: testSet.z },
  });
  assert.equal(held.aligned.length, 300);
  assert.ok(Math.abs(held.latentR2 - inSample.latentR2) < 0.05);
  assert.notEqual(held.latentR2, inSample.latentR2);
  // a collapsed (constant) estimated dimension
  const collapsed = zh.map((r) => [r[0], r[1], r[2], 0.5, r[4], r[5]]);
  assert.throws(
    () => alignGroups(collapsed, est, z, TRUE_GROUPS),
    /fitting true group 0 \[0,1\] from estimated dims \[2,3\]: X \(N×P = 800×2\) is rank-deficient.*constant columns: 1/,
  );
  const dropped = alignGroups(collapsed, est, z, TRUE_GROUPS, { rankDeficient: "drop" });
  assert.ok(Number.isFinite(dropped.latentR2));
  assert.throws(
    () =>
      alignGroups(
        zh,
        [
          [0, 1],
          [1, 2],
        ],
        z,
        TRUE_GROUPS,
      ),
    /lib\/eval\/alignment estimatedGroups: dimension 1 is in more than one group/,
  );
  assert.throws(() => alignGroups(zh, est, z, [[0, 1], []]), /lib\/eval\/alignment trueGroups: empty group/);
  assert.throws(
    () => r2AlignmentMatrix(zh, [], z, TRUE_GROUPS),
    /lib\/eval\/alignment estimatedGroups: groups must not be empty/,
  );
  assert.deepEqual(
    r2AlignmentMatrix(zh, [[0, 1]], z, [[4], [2]]).map((r) => r.length),
    [1, 1],
    "groups may leave dimensions out",
  );
  assert.throws(() => alignGroups(zh, est, z.slice(1), TRUE_GROUPS), /estimated has 800 rows, truth has 799/);
  assert.throws(() => alignGroups(zh, [[0, 9]], z, TRUE_GROUPS), /index 9 outside 0…5/);
});

test("latent MSE on standardised truth (= mean over dims of 1 − R²_d in-sample) and reconstruction R²", () => {
  // by hand: truth column [0, 1, 2, 3] (σ² = 1.25), prediction [0, 1, 2, 4]: MSE = (1/4)·1/1.25 = 0.2
  near(latentMSE([[0], [1], [2], [3]], [[0], [1], [2], [4]]), 0.2, "hand example");
  // scale-free: multiplying truth and prediction by 10 does not change it
  near(latentMSE([[0], [10], [20], [30]], [[0], [10], [20], [40]]), 0.2, "scale-free");
  const rng = new Rng("alignment/mse");
  const z = groupwiseLatents(rng, 500);
  const zh = mixed(
    rng,
    z,
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
    0.4,
  );
  const a = alignGroups(
    zh,
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
    z,
    TRUE_GROUPS,
  );
  const perDim = rawR2(z, a.aligned);
  near(latentMSE(z, a.aligned), perDim.reduce((s, r) => s + (1 - r), 0) / 6, "MSE = mean(1 − R²_d)", 1e-12);
  assert.throws(() => latentMSE([[1], [1]], [[1], [2]]), /true dimension 0 is constant/);
  // reconstruction R² = 1 − ‖X − X̂‖² / ‖X − X̄‖²
  const x = [
    [1, 2],
    [3, 5],
    [5, 4],
  ];
  const xh = [
    [1.5, 2],
    [3, 4],
    [4.5, 4.5],
  ];
  // SS_res = 0.5 (column 0) + 1.25 (column 1); SS_tot = 8 (mean 3) + 14/3 (mean 11/3)
  near(reconstructionR2(x, xh), 1 - 1.75 / (8 + 14 / 3), "reconstruction R²", 1e-14);
  near(reconstructionR2(x, xh, "uniform_average"), 1 - (0.5 / 8 + 1.25 / (14 / 3)) / 2, "uniform", 1e-14);
});
