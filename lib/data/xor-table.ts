// The discrete counterexample of PDisVAE Sec. 3.1 / Appendix A.2, Table 2: three binary latents with
// p(0,0,1) = p(0,1,0) = p(1,0,0) = p(1,1,1) = 0.25, i.e. z3 = 1 − XOR(z1, z2) (the paper calls it "the
// exclusive or"; as tabulated z3 is 1 exactly when z1 = z2, its complement, which does not change the
// argument). Every pair is independent (z1 ⊥ z3, z2 ⊥ z3, z1 ⊥ z2), yet (z1, z2) is not independent of z3:
// marginal independence across groups does not give group-wise independence.
//
// Here: the exact table as data, exact marginals and mutual informations computed from it (nats), and a
// seeded sampler returning plain arrays in the shape of the other PDisVAE data sets, with the true
// grouping [[0, 1], [2]].
import { Rng, Seed } from "../engine/rng";
import { checkInt, Matrix, splitIndices, Split } from "./dataset";

export interface XorRow {
  z: [number, number, number];
  p: number;
}

/** Table 2, row for row. */
export const XOR_TABLE: readonly XorRow[] = Object.freeze([
  { z: [0, 0, 1], p: 0.25 },
  { z: [0, 1, 0], p: 0.25 },
  { z: [1, 0, 0], p: 0.25 },
  { z: [1, 1, 1], p: 0.25 },
] as XorRow[]);

/** p(z1, z2, z3) from the table (0 for combinations it does not list). */
export function xorJoint(z1: number, z2: number, z3: number): number {
  const row = XOR_TABLE.find((r) => r.z[0] === z1 && r.z[1] === z2 && r.z[2] === z3);
  return row ? row.p : 0;
}

/**
 * The exact marginal of the variables `dims` (indices into z1…z3) as a map from the joined values
 * ("0,1") to probability.
 */
export function xorMarginal(dims: number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of XOR_TABLE) {
    const key = dims.map((d) => r.z[d]).join(",");
    out.set(key, (out.get(key) ?? 0) + r.p);
  }
  return out;
}

/** Exact mutual information I(z_A; z_B) in nats between two disjoint sets of variables. */
export function xorMutualInformation(a: number[], b: number[]): number {
  const pa = xorMarginal(a),
    pb = xorMarginal(b),
    pab = xorMarginal([...a, ...b]);
  let mi = 0;
  for (const [key, p] of pab) {
    if (p === 0) continue;
    const parts = key.split(",");
    const ka = parts.slice(0, a.length).join(","),
      kb = parts.slice(a.length).join(",");
    mi += p * Math.log(p / ((pa.get(ka) ?? 0) * (pb.get(kb) ?? 0)));
  }
  return mi;
}

export interface XorSample {
  /** Sampled latents [n, 3] with values 0/1. */
  z: Matrix;
  zNames: string[];
  /** The true grouping: (z1, z2) ⊥̸ z3 although each pair is independent. */
  groups: number[][];
  split: Split;
}

/** n i.i.d. draws from Table 2 (row chosen uniformly by Rng(seed).fork("xor")); split 80/20 by default. */
export function sampleXor(n: number, seed: Seed = 0, testFraction = 0.2): XorSample {
  checkInt(n, "n", 1, "lib/data/xor-table");
  const rng = new Rng(seed).fork("xor");
  const z = new Float32Array(3 * n);
  const cdf: number[] = [];
  XOR_TABLE.reduce((s, r) => (cdf.push(s + r.p), s + r.p), 0);
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    let k = cdf.findIndex((c) => u < c);
    if (k < 0) k = XOR_TABLE.length - 1;
    z.set(XOR_TABLE[k].z, 3 * i);
  }
  return {
    z: { values: z, shape: [n, 3] },
    zNames: ["z1", "z2", "z3"],
    groups: [[0, 1], [2]],
    split: splitIndices(n, testFraction, seed, "lib/data/xor-table"),
  };
}
