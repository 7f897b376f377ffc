// Exact information quantities of a discrete joint distribution (PDisVAE, seed 002, Sec. 3.1 and
// Appendix A.2, Table 2): pairwise independence between groups does not imply group-wise independence.
// For the XOR table p(0,0,1) = p(0,1,0) = p(1,0,0) = p(1,1,1) = 1/4, every pairwise mutual information is
// 0 while I((z₁, z₂); z₃) = log 2.
//
// A distribution is a list of outcomes (tuples of any numbers) with probabilities; entropies and mutual
// informations are exact sums over the table (nats): I(A; B) = H(A) + H(B) − H(A ∪ B) for disjoint sets
// of variables A, B, with H of a marginal computed by summing the probabilities of equal sub-tuples.

export interface DiscreteDistribution {
  /** Each outcome: the values of the K variables. */
  outcomes: number[][];
  /** Probability of each outcome (non-negative, summing to 1 within 1e-9). */
  probs: number[];
}

/** The XOR table of the paper (Table 2): z₃ = 1 − (z₁ ⊕ z₂), p = 1/4 on each of its four outcomes. */
export function xorTable(): DiscreteDistribution {
  return {
    outcomes: [
      [0, 0, 1],
      [0, 1, 0],
      [1, 0, 0],
      [1, 1, 1],
    ],
    probs: [0.25, 0.25, 0.25, 0.25],
  };
}

function check(dist: DiscreteDistribution, where: string): number {
  const { outcomes, probs } = dist;
  if (outcomes.length === 0 || outcomes.length !== probs.length) {
    throw new Error(
      `${where}: need one probability per outcome, got ${outcomes.length} outcomes and ${probs.length} probabilities`,
    );
  }
  const K = outcomes[0].length;
  let total = 0;
  outcomes.forEach((o, i) => {
    if (o.length !== K) throw new Error(`${where}: outcome ${i} has ${o.length} values, outcome 0 has ${K}`);
    if (!(probs[i] >= 0) || !Number.isFinite(probs[i])) throw new Error(`${where}: probability ${i} is ${probs[i]}`);
    total += probs[i];
  });
  if (Math.abs(total - 1) > 1e-9) throw new Error(`${where}: probabilities sum to ${total}, not 1`);
  return K;
}

function checkVars(vars: readonly number[], K: number, where: string): void {
  if (vars.length === 0) throw new Error(`${where}: empty set of variables`);
  const seen = new Set<number>();
  for (const v of vars) {
    if (!Number.isInteger(v) || v < 0 || v >= K) throw new Error(`${where}: variable ${v} outside 0…${K - 1}`);
    if (seen.has(v)) throw new Error(`${where}: variable ${v} repeated`);
    seen.add(v);
  }
}

/** Marginal distribution of the variables `vars` (in that order). */
export function marginal(dist: DiscreteDistribution, vars: readonly number[]): DiscreteDistribution {
  const where = "lib/eval/discrete-independence marginal";
  const K = check(dist, where);
  checkVars(vars, K, where);
  const acc = new Map<string, { outcome: number[]; p: number }>();
  dist.outcomes.forEach((o, i) => {
    const sub = vars.map((v) => o[v]);
    const key = JSON.stringify(sub);
    const e = acc.get(key);
    if (e) e.p += dist.probs[i];
    else acc.set(key, { outcome: sub, p: dist.probs[i] });
  });
  const entries = [...acc.values()];
  return { outcomes: entries.map((e) => e.outcome), probs: entries.map((e) => e.p) };
}

/** Entropy (nats) of the variables `vars` (all of them by default). */
export function entropy(dist: DiscreteDistribution, vars?: readonly number[]): number {
  const K = check(dist, "lib/eval/discrete-independence entropy");
  const m = marginal(dist, vars ?? Array.from({ length: K }, (_, k) => k));
  let h = 0;
  for (const p of m.probs) if (p > 0) h -= p * Math.log(p);
  return h;
}

/** I(A; B) = H(A) + H(B) − H(A, B) in nats, for disjoint sets of variables A and B. */
export function mutualInformation(dist: DiscreteDistribution, a: readonly number[], b: readonly number[]): number {
  const where = "lib/eval/discrete-independence mutualInformation";
  const K = check(dist, where);
  checkVars(a, K, where);
  checkVars(b, K, where);
  if (a.some((v) => b.includes(v))) throw new Error(`${where}: variable sets [${a}] and [${b}] overlap`);
  const mi = entropy(dist, a) + entropy(dist, b) - entropy(dist, [...a, ...b]);
  return Math.max(0, mi); // exact up to rounding (≥ 0 in theory)
}

/** K×K matrix of I(z_i; z_j) (diagonal: H(z_i)). */
export function pairwiseMutualInformation(dist: DiscreteDistribution): number[][] {
  const K = check(dist, "lib/eval/discrete-independence pairwiseMutualInformation");
  return Array.from({ length: K }, (_, i) =>
    Array.from({ length: K }, (_, j) => (i === j ? entropy(dist, [i]) : mutualInformation(dist, [i], [j]))),
  );
}

/** I(z_group; z_rest), the MI between a group of variables and all the others. */
export function groupVsRestMutualInformation(dist: DiscreteDistribution, group: readonly number[]): number {
  const K = check(dist, "lib/eval/discrete-independence groupVsRestMutualInformation");
  const rest = Array.from({ length: K }, (_, k) => k).filter((k) => !group.includes(k));
  if (rest.length === 0)
    throw new Error(
      `lib/eval/discrete-independence groupVsRestMutualInformation: group [${group}] leaves no other variable`,
    );
  return mutualInformation(dist, group, rest);
}

export interface IndependenceReport {
  /** I(z_i; z_j) for i ≠ j across different groups. */
  crossPairs: { i: number; j: number; mi: number }[];
  /** Max over those pairs. */
  maxCrossPairMI: number;
  /** I(z_g; z_rest) per group. */
  groupVsRest: number[];
  /** Partial correlation KL(p(z) ‖ Π_g p(z_g)) = Σ_g H(z_g) − H(z). */
  partialCorrelation: number;
}

/**
 * For a grouping of the variables: the cross-group pairwise MIs (all 0 under "marginal independence",
 * Eq. 5), each group's MI with the rest and the partial correlation (all 0 only under group-wise independence).
 */
export function independenceReport(
  dist: DiscreteDistribution,
  groups: readonly (readonly number[])[],
): IndependenceReport {
  const where = "lib/eval/discrete-independence independenceReport";
  const K = check(dist, where);
  const flat = groups.flat();
  checkVars(flat, K, where);
  if (flat.length !== K) throw new Error(`${where}: groups ${JSON.stringify(groups)} do not cover all ${K} variables`);
  const groupOf = new Array<number>(K);
  groups.forEach((g, gi) => g.forEach((v) => (groupOf[v] = gi)));
  const crossPairs: { i: number; j: number; mi: number }[] = [];
  for (let i = 0; i < K; i++)
    for (let j = i + 1; j < K; j++)
      if (groupOf[i] !== groupOf[j]) crossPairs.push({ i, j, mi: mutualInformation(dist, [i], [j]) });
  const pc = Math.max(0, groups.reduce((s, g) => s + entropy(dist, g), 0) - entropy(dist));
  return {
    crossPairs,
    maxCrossPairMI: crossPairs.reduce((m, c) => Math.max(m, c.mi), 0),
    groupVsRest: groups.length > 1 ? groups.map((g) => groupVsRestMutualInformation(dist, g)) : [0],
    partialCorrelation: pc,
  };
}
