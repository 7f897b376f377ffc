// Runs the Table 2 notebook (pairwise vs group-wise independence) at the smoke preset through the headless
// runner (real tslab kernel) and checks the exported figure record, its claims and the exact numbers.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { smokeSandbox } from "../notebook/smoke-harness";

const sandbox = smokeSandbox("pdisvae", "t2");
after(() => sandbox.cleanup());

test("table02 notebook runs at smoke and its claims hold as reported", { timeout: 180_000 }, async () => {
  const rec = await sandbox.run("table02-pairwise-vs-groupwise");
  assert.equal(rec.figure, "Table 2");
  assert.equal(rec.plots?.length, 4);
  const byText = new Map(rec.claims.map((c) => [c.text, c]));
  for (const t of [
    "Pairwise independence holds: z₁ ⊥ z₃, z₂ ⊥ z₃ (and z₁ ⊥ z₂)",
    "Group-wise independence fails: (z₁, z₂) ⊥̸ z₃",
    "Sampled check: plug-in MIs converge to the exact values (pairs → 0, group → log 2)",
    "Theorem A.1: f(z₁, z₂) = z₁ + z₂ is dependent on z₃",
  ]) {
    assert.equal(byText.get(t)?.holds, true, `claim "${t}": ${byText.get(t)?.ours}`);
  }
  // the text's "z₃ = XOR(z₁, z₂)" is reported as not holding: the table is its complement
  const slip = rec.claims.find((c) => c.text.startsWith("z₃ is the exclusive or"));
  assert.equal(slip?.holds, false);
  const data = rec.data as {
    exact: { quantity: string; nats: number }[];
    rowsXOR: number;
    rowsXNOR: number;
    sampled: { n: number; pairMeans: number[]; groupMean: number }[];
    theoremA1: { name: string; exact: number }[];
  };
  const exact = new Map(data.exact.map((q) => [q.quantity, q.nats]));
  for (const q of ["I(z₁; z₂)", "I(z₁; z₃)", "I(z₂; z₃)"])
    assert.ok(Math.abs(exact.get(q)!) < 1e-12, `${q} = ${exact.get(q)}`);
  for (const q of ["I((z₁, z₂); z₃)", "I(z₁; z₃ | z₂)", "PC of groups {z₁, z₂}, {z₃}"])
    assert.ok(Math.abs(exact.get(q)! - Math.log(2)) < 1e-12, `${q} = ${exact.get(q)}`);
  assert.deepEqual([data.rowsXOR, data.rowsXNOR], [0, 4]);
  assert.deepEqual(
    data.sampled.map((s) => s.n),
    [100, 1000, 10000],
  );
  const last = data.sampled[data.sampled.length - 1];
  assert.ok(Math.abs(last.groupMean - Math.log(2)) < 1e-3);
  assert.ok(last.pairMeans.every((m) => m >= 0 && m < 1e-3));
  const thm = new Map(data.theoremA1.map((r) => [r.name, r.exact]));
  assert.ok(Math.abs(thm.get("z₁ + z₂")! - Math.log(2)) < 1e-12);
  assert.ok(Math.abs(thm.get("z₁")!) < 1e-12);
});
