// Table 2 / A.2: exact entropies and mutual informations of discrete tables; the XOR counterexample.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  entropy,
  groupVsRestMutualInformation,
  independenceReport,
  marginal,
  mutualInformation,
  pairwiseMutualInformation,
  xorTable,
} from "../../lib/eval/discrete-independence";
import { near } from "./eval-helpers";

test("XOR table (Table 2): every pairwise MI is 0 but I((z1, z2); z3) = log 2", () => {
  const t = xorTable();
  const pw = pairwiseMutualInformation(t);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) near(pw[i][j], i === j ? Math.log(2) : 0, `pairwise [${i}][${j}]`, 1e-15);
  }
  near(mutualInformation(t, [0, 1], [2]), Math.log(2), "I((z1,z2); z3)", 1e-15);
  near(groupVsRestMutualInformation(t, [2]), Math.log(2), "z3 vs rest", 1e-15);
  near(groupVsRestMutualInformation(t, [0, 1]), Math.log(2), "(z1,z2) vs rest", 1e-15);
  near(entropy(t), 2 * Math.log(2), "H(z)", 1e-15);
  const rep = independenceReport(t, [[0, 1], [2]]);
  assert.equal(rep.crossPairs.length, 2);
  near(rep.maxCrossPairMI, 0, "marginal independence across groups holds", 1e-15);
  near(rep.partialCorrelation, Math.log(2), "but the partial correlation is log 2", 1e-15);
  // p(z3 | z1 + z2): a point mass at 1 when the sum is 0 or 2, at 0 when it is 1 (A.2's Theorem A.1 check)
  const m = marginal(t, [0, 1, 2]);
  for (let k = 0; k < m.outcomes.length; k++) {
    const [a, b, c] = m.outcomes[k];
    assert.equal(c, a + b === 1 ? 0 : 1);
  }
});

test("a group-wise independent table has zero cross-pair MI and zero PC; a correlated pair inside a group does not matter", () => {
  // (z1, z2) perfectly correlated, independent of z3 ~ Bernoulli(0.3)
  const outcomes: number[][] = [];
  const probs: number[] = [];
  for (const a of [0, 1])
    for (const c of [0, 1]) {
      outcomes.push([a, a, c]);
      probs.push(0.5 * (c ? 0.3 : 0.7));
    }
  const d = { outcomes, probs };
  const rep = independenceReport(d, [[0, 1], [2]]);
  near(rep.maxCrossPairMI, 0, "cross pairs", 1e-15);
  near(rep.partialCorrelation, 0, "PC", 1e-15);
  near(mutualInformation(d, [0], [1]), Math.log(2), "within-group MI", 1e-15);
  const h3 = -(0.3 * Math.log(0.3) + 0.7 * Math.log(0.7));
  near(entropy(d, [2]), h3, "H(z3)", 1e-15);
  // singleton groups: PC = TC = I(z1; z2) here
  near(independenceReport(d, [[0], [1], [2]]).partialCorrelation, Math.log(2), "TC", 1e-15);
});

test("input checks", () => {
  assert.throws(() => entropy({ outcomes: [[0], [1]], probs: [0.5, 0.6] }), /sum to 1.1/);
  assert.throws(() => mutualInformation(xorTable(), [0, 1], [1]), /overlap/);
  assert.throws(() => mutualInformation(xorTable(), [0], [3]), /variable 3 outside 0…2/);
  assert.throws(() => independenceReport(xorTable(), [[0], [1]]), /do not cover all 3/);
  assert.throws(() => groupVsRestMutualInformation(xorTable(), [0, 1, 2]), /leaves no other variable/);
});
