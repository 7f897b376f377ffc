// k-NN mutual-information estimators (lib/eval/knn-mi): the "strictly within ε" neighbour counts
// (issue 19: 1-D counts compared rounded bounds x₀ ∓ ε instead of distances, so the point that defines ε
// was sometimes counted), and the estimates against independent references:
//  - numpyRaw: a pure-numpy KSG / Ross estimator on the data as given (raw: true), by brute force:
//      dx = |x[:,None] − x[None,:]|, dy likewise, eps_i = k-th smallest max(dx, dy)_ij over j ≠ i,
//      n_x(i) = #{j ≠ i: dx_ij < eps_i}, Î = ψ(k) + ψ(N) − mean(ψ(n_x + 1) + ψ(n_y + 1))   (scipy digamma);
//      Ross: radius_i = k-th smallest |y_j − y_i| over j ≠ i of i's label (k ≤ count − 1),
//      m_i = 1 + #{j ≠ i: |y_j − y_i| < radius_i}, singleton labels dropped. The float comparisons are
//      the same as ours, so the estimates must agree to rounding of the sums.
//  - sklearn: scikit-learn 1.9.1 mutual_info_regression / mutual_info_classif (n_neighbors = k,
//    random_state = 0) with its default preprocessing (scaling, 1e-10 jitter, as ours). Compared only on
//    continuous data without ties (ds3, ds4, mixed): with ties the two jitters order tied points differently.
// Data were drawn in numpy (default_rng(19)) and rounded; ds1/ds2 lie on a 0.1 / 0.01 grid, where the
// rounded bounds went wrong often (before the fix ds1–ds4 and the raw Ross case were off by 7e-4 … 0.11).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ksgMutualInformation, MaxNormSpace, mixedMutualInformation } from "../../lib/eval/knn-mi";
import { near } from "./eval-helpers";

const col = (v: readonly number[]) => v.map((t) => [t]);

test("1-D counts are strictly within ε by distance: points [0.3, 0.9], ε = 0.9 − 0.3 count 0", () => {
  // ε = 0.6000000000000001; 0.9 − ε = 0.29999999999999993 < 0.3 and 0.3 + ε = 0.9000000000000001 > 0.9.
  const r = 0.9 - 0.3;
  const one = new MaxNormSpace(Float64Array.from([0.3, 0.9]), 1);
  assert.equal(one.countWithin(1, r), 0, "count around 0.9");
  assert.equal(one.countWithin(0, r), 0, "count around 0.3");
  const above = r + Number.EPSILON; // the next double above r
  assert.equal(one.countWithin(1, above), 1, "count around 0.9 just above ε");
  assert.equal(one.countWithin(0, above), 1, "count around 0.3 just above ε");
  // The same points with a second (constant) coordinate go through the distance check of the d > 1 path.
  const two = new MaxNormSpace(Float64Array.from([0.3, 0, 0.9, 0]), 2);
  assert.equal(two.countWithin(1, r), 0, "2-D count around 0.9");
  assert.equal(two.countWithin(0, r), 0, "2-D count around 0.3");
});

test("1-D and 2-D counts equal brute-force distance counts for every pairwise distance as ε", () => {
  const xs = [0.1, 0.3, 0.3, 0.7, 0.9, 1.1, -0.2, 0.6, 2.3, 0.45, 1e-3, 0.7 - 0.4];
  const ys = xs.map((_, i) => (i * 0.37) % 1.3);
  const n = xs.length;
  const s1 = new MaxNormSpace(Float64Array.from(xs), 1);
  const s2 = new MaxNormSpace(Float64Array.from(xs.flatMap((x, i) => [x, ys[i]])), 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (const r of [Math.abs(xs[j] - xs[i]), Math.max(Math.abs(xs[j] - xs[i]), Math.abs(ys[j] - ys[i]))]) {
        let c1 = 0,
          c2 = 0;
        for (let q = 0; q < n; q++) {
          if (q === i) continue;
          if (Math.abs(xs[q] - xs[i]) < r) c1++;
          if (Math.max(Math.abs(xs[q] - xs[i]), Math.abs(ys[q] - ys[i])) < r) c2++;
        }
        assert.equal(s1.countWithin(i, r), c1, `1-D count around row ${i} within ${r}`);
        assert.equal(s2.countWithin(i, r), c2, `2-D count around row ${i} within ${r}`);
      }
    }
  }
});

const KSG_DATA: Record<string, { k: number; x: number[]; y: number[]; numpyRaw: number; sklearn: number }> = {
  ds1: {
    k: 3,
    x: [0.4, 0.9, 0.3, 0.1, 0.3, 0.7, 0.8, 0.5, 0.3, 0.9, 0.9, 0.4, 0.4, 0.6, 0.7, 0.6],
    y: [0.4, 0.9, 0.4, 0.4, 0, 0.5, 1, 0.5, 0.5, 0.9, 0.9, 0.7, 0.3, 0.7, 0.7, 0.4],
    numpyRaw: 1.0468725718725724,
    sklearn: 0.442559350371851,
  },
  ds2: {
    k: 3,
    x: [
      0.32, -0.16, -1.21, -1.23, 0.05, -1.46, -0.08, -0.19, 1.39, 0.26, 0.56, -0.13, 1.19, -0.47, 0.37, 0.55, -0.45,
      0.95, -1.83, 1, -0.64, 1.4, -0.13, 0.81, 0.91, 1.14, -2.2, -2.71, 1.01, 2.72, -0.98, 0.68, -1.75, -0.69, -0.19,
      0.6, -0.53, -1.74, -1.58, 1.04,
    ],
    y: [
      -0.37, -0.37, -1.12, -0.71, 0.63, -0.48, 0.15, 0.64, 1.5, -0.99, 0.37, 0.12, 0.97, -0.72, 0.81, 0.61, -0.93, 0.97,
      -1.64, 1.23, 0.68, 1.46, -0.78, 1.46, 0.1, 0.46, -1.38, -1.84, 1.23, 2.24, -0.38, 0.18, -1.41, -0.68, 0.25, 1.13,
      0.08, -1.21, -1.55, 0.25,
    ],
    numpyRaw: 0.658075659093996,
    sklearn: 0.6470769253930562,
  },
  ds3: {
    k: 3,
    x: [
      1.4398, 0.537, -0.9824, -0.0705, -0.0912, 0.6146, 0.4827, -1.0035, 1.5323, -1.4922, -1.6101, -1.2597, -0.7462,
      0.9207, 0.5405, -0.2219, -0.7505, 0.9094, -0.0375, 0.9886, -2.108, 1.2613, -0.102, 0.2772, 0.8431, -0.0089,
      1.2191, 0.4462, -1.2049, 0.5401, -0.0913, -1.2287, 1.5802, -0.0402, 0.1149, -1.152, 1.3756, 1.0466, -2.7321,
      -1.4025, 0.4512, -0.361, -0.4726, -0.7258, 0.0992, 0.3025, 0.1792, 1.5616, 0.7494, -1.9593, -0.9982, 1.4696,
      0.2407, 0.3853, -1.5155, -0.3698, -0.9866, 0.9921, 0.2645, -0.4528,
    ],
    y: [
      2.1819, 0.25, -1.2881, -0.6514, -0.5403, -0.6081, 0.9593, 0.0796, 1.6396, -1.0316, -1.5614, -0.9138, -0.3946,
      0.3136, 0.186, -0.3603, -0.9422, 1.3523, 0.4696, 1.1807, -1.7367, 1.1929, -0.295, 0, 0.6174, 0.2805, 0.8826,
      0.1898, -0.9665, 0.6451, -0.2288, -1.062, 1.1253, 0.7989, 0.2419, -0.4329, 1.0641, 1.4196, -1.3807, -0.8649,
      0.2186, -0.5181, -0.6507, -0.6391, -0.0438, -0.2543, 0.6252, 0.4876, 0.7565, -1.9455, -0.4906, 1.927, 1.0163,
      0.4402, -1.6466, -0.7581, -1.0751, 1.064, -0.0041, -0.3813,
    ],
    numpyRaw: 0.8711919847513849,
    sklearn: 0.884149054251933,
  },
  ds4: {
    k: 2,
    x: [
      -1.144, -0.8581, -1.9426, -0.9242, -1.449, 1.0099, 0.6978, -1.6547, 1.7833, -0.1726, 1.8817, -1.0732, 1.9604,
      0.6349, 1.7127, 0.9669, 1.1611, -1.5612, 0.6263, -1.1814, -0.9425, 0.32, 1.3378, 1.8678, -0.5238, -0.6006,
      -1.5371, -0.6772, 0.4363, 0.014, 0.5783, 1.2214, 0.6414, -1.0226, -0.1507, 1.8352, 0.259, -0.1528, -0.2408,
      1.1419, -1.2887, 0.8558, -0.6195, 1.5963, 0.3199, -0.8883, -0.5119, 0.1542, -1.3588, 0.0572,
    ],
    y: [
      0.6794, 0.4433, 3.75, 0.4158, 2.2658, 1.1978, 0.8543, 2.3922, 3.0975, 0.2603, 3.2645, 1.1498, 3.6243, 0.3798,
      2.547, 0.9226, 1.7907, 2.7633, 0.1893, 1.3394, 0.5525, 0.382, 1.8457, 3.7919, 0.2567, 0.1467, 2.5685, 0.07,
      0.1126, 0.3152, 0.1237, 0.6462, 0.0786, 1.5743, -0.1083, 2.9815, -0.1077, 0.4097, -0.1081, 0.9462, 2.1723, 0.7342,
      0.5957, 2.072, 0.5058, 0.8262, 0.7164, 0.3644, 1.8341, 0.0428,
    ],
    numpyRaw: 0.8918993110233981,
    sklearn: 0.8814429618170492,
  },
};

test("KSG equals a brute-force numpy KSG on raw data, and sklearn's mutual_info_regression on tie-free data", () => {
  for (const [name, s] of Object.entries(KSG_DATA)) {
    near(ksgMutualInformation(col(s.x), col(s.y), { k: s.k, raw: true }), s.numpyRaw, `${name} raw vs numpy`, 1e-12);
    // sklearn clips at 0 (max(0, Î)); these estimates are all well above 0.
    if (name === "ds3" || name === "ds4")
      near(ksgMutualInformation(col(s.x), col(s.y), { k: s.k }), s.sklearn, `${name} vs sklearn`, 1e-12);
  }
});

test("Ross's estimator equals a brute-force numpy version on raw data and sklearn's mutual_info_classif", () => {
  // Labels 0–2 and one singleton label 7 (dropped, as sklearn does).
  const labels = [1, 2, 2, 0, 2, 7, 0, 2, 1, 0, 2, 1, 2, 0, 0, 1, 0, 1, 0, 1, 1, 2, 1, 2, 0, 2, 0, 0, 2, 0];
  const y = [
    -0.001, 2.882, 0.858, 1.365, 0.762, -1.874, -1.27, 1.512, 0.212, -0.626, 0.587, 0.214, 2.245, -0.581, -0.595, 0.314,
    1.12, 0.104, 0.738, -0.079, -0.071, -0.17, -0.374, 0.918, -0.422, 1.083, -1.575, -2.161, 2.709, -1.196,
  ];
  near(mixedMutualInformation(labels, col(y), { k: 3, raw: true }), 0.6970385032103672, "raw vs numpy", 1e-12);
  near(mixedMutualInformation(labels, col(y), { k: 3 }), 0.6970385032103674, "vs sklearn", 1e-12);
});
