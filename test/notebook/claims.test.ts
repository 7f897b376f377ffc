import { test } from "node:test";
import assert from "node:assert/strict";
import { claimProblem, formatTally, holdShare, makeClaim, SMOKE_CAUSE, tallyClaims } from "../../lib/notebook/claims";
import type { Claim } from "../../lib/notebook/figure-record";

const cause = { class: "scale", note: "one epoch of the paper's 200" } as const;

test("makeClaim keeps the cause only when the claim does not hold", () => {
  assert.deepEqual(makeClaim("a", "p", "o", true, { kind: "result", cause }, "demo"), {
    text: "a",
    paper: "p",
    ours: "o",
    holds: true,
    kind: "result",
  });
  assert.deepEqual(makeClaim("a", "p", "o", false, { kind: "result", cause }, "demo").cause, cause);
  assert.deepEqual(makeClaim("a", "p", "o", null, { kind: "check", cause }, "demo").cause, cause);
});

test("a failing claim without a cause gets the smoke cause at smoke only", () => {
  assert.deepEqual(makeClaim("a", "p", "o", false, { kind: "result" }, "smoke").cause, SMOKE_CAUSE);
  assert.equal(makeClaim("a", "p", "o", false, { kind: "result" }, "demo").cause, undefined);
  assert.equal(makeClaim("a", "p", "o", null, { kind: "result" }, "smoke").cause, undefined);
});

test("makeClaim refuses a missing kind or a bad cause, naming the claim", () => {
  assert.throws(
    () => makeClaim("rate falls", "p", "o", true, undefined as never, "demo"),
    /claim "rate falls": kind is required \(result or check\)/,
  );
  assert.throws(
    () => makeClaim("x", "p", "o", false, { kind: "result", cause: { class: "luck" as never, note: "n" } }, "demo"),
    /cause\.class must be one of scale, stand-in, protocol, paper, implementation, does-not-reproduce/,
  );
  assert.throws(
    () => makeClaim("x", "p", "o", false, { kind: "result", cause: { class: "paper", note: " " } }, "demo"),
    /cause\.note must be a non-empty string/,
  );
});

test("claimProblem accepts records written before kinds only when asked to", () => {
  const old = { text: "t", paper: "p", ours: "o", holds: true };
  assert.equal(claimProblem(old, { requireKind: false }), null);
  assert.match(claimProblem(old, { requireKind: true })!, /kind is required/);
  assert.match(
    claimProblem({ ...old, kind: "result", cause }, { requireKind: true })!,
    /a claim that holds has no cause/,
  );
});

test("tallyClaims counts results, checks and unclassified claims apart, and the causes", () => {
  const claims: Claim[] = [
    { text: "1", paper: "", ours: "", holds: true, kind: "result" },
    { text: "2", paper: "", ours: "", holds: false, kind: "result", cause },
    { text: "3", paper: "", ours: "", holds: false, kind: "result", cause: { class: "stand-in", note: "n" } },
    { text: "4", paper: "", ours: "", holds: null, kind: "result", cause: { class: "stand-in", note: "n" } },
    { text: "5", paper: "", ours: "", holds: true, kind: "check" },
    { text: "6", paper: "", ours: "", holds: false },
  ];
  const t = tallyClaims(claims);
  assert.deepEqual(t.result, { holds: 1, fails: 2, untestable: 1 });
  assert.deepEqual(t.check, { holds: 1, fails: 0, untestable: 0 });
  assert.deepEqual(t.unclassified, { holds: 0, fails: 1, untestable: 0 });
  assert.deepEqual(t.causes, { scale: 1, "stand-in": 2, none: 1 });
  assert.equal(holdShare(t.result), 1 / 3);
  assert.ok(Number.isNaN(holdShare({ holds: 0, fails: 0, untestable: 2 })));
  assert.equal(formatTally(t), "results 1 ✓ · 2 ✗ · 1 –; checks 1 ✓; unclassified 0 ✓ · 1 ✗");
  assert.equal(formatTally(tallyClaims([])), "no claims");
});
