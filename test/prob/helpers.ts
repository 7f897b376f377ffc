// Small numeric helpers shared by the lib/prob tests.
import * as assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";

/** Asserts |actual − expected| ≤ abs + rel·|expected|, with a message naming what was compared. */
export function assertClose(
  actual: number,
  expected: number,
  what: string,
  opts: { abs?: number; rel?: number } = {},
): void {
  const abs = opts.abs ?? 0;
  const rel = opts.rel ?? 0;
  const tol = abs + rel * Math.abs(expected);
  assert.ok(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tol,
    `${what}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)} > tol ${tol})`,
  );
}

/** The tensor's values as a plain number array (copies; an async read, so every backend serves it). */
export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Mean of numbers. */
export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Population variance (divisor n). */
export function popVariance(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / xs.length;
}

/** Column j of a row-major [n, k] array. */
export function column(data: ArrayLike<number>, k: number, j: number): number[] {
  const out: number[] = [];
  for (let i = j; i < data.length; i += k) out.push(data[i]);
  return out;
}

/**
 * Sample mean and variance with their standard errors (the variance SE from the fourth central moment),
 * so moment checks can say "within a few standard errors".
 */
export function momentsWithErrors(xs: ArrayLike<number>): {
  mean: number;
  meanSe: number;
  variance: number;
  varianceSe: number;
} {
  const n = xs.length;
  const m = mean(xs);
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (xs[i] - m) ** 2;
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  return { mean: m, meanSe: Math.sqrt(m2 / n), variance: m2, varianceSe: Math.sqrt(Math.max(m4 - m2 * m2, 0) / n) };
}
