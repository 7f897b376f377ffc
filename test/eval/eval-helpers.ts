// Small helpers shared by the lib/eval metric tests (no tfjs).
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";

/** Asserts |actual − expected| ≤ abs + rel·|expected|, naming what was compared. */
export function near(actual: number, expected: number, what: string, abs = 1e-12, rel = 0): void {
  const tol = abs + rel * Math.abs(expected);
  assert.ok(
    Math.abs(actual - expected) <= tol || (Number.isNaN(actual) && Number.isNaN(expected)),
    `${what}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)} > tol ${tol})`,
  );
}

/** N×D matrix of standard normals. */
export function normalRows(rng: Rng, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
}

/** A·B for row matrices. */
export function matMul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
}

/** All permutations of 0…n−1. */
export function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(n - 1))
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
  return out;
}
