// Claims: build one from a notebook's verdict, check its fields, and count results and checks apart.
import { CAUSE_CLASSES, CLAIM_KINDS, type Claim, type ClaimCause, type ClaimKind } from "./figure-record";
import type { Preset } from "./preset";

export interface ClaimOptions {
  kind: ClaimKind;
  /** Why the claim fails or is not testable. Pass it unconditionally: it is kept only when the claim does not hold. */
  cause?: ClaimCause;
}

/** At smoke every run is seconds long, so a failing claim without a stated cause fails for that reason. */
export const SMOKE_CAUSE: ClaimCause = {
  class: "scale",
  note: "smoke preset: models trained for seconds, so no verdict is meaningful",
};

/** Build a claim; errors name the claim and the field at fault. */
export function makeClaim(
  text: string,
  paper: string,
  ours: string,
  holds: boolean | null,
  options: ClaimOptions,
  preset: Preset,
): Claim {
  const claim: Claim = { text, paper, ours, holds, kind: options?.kind };
  if (holds !== true) {
    const cause = options?.cause ?? (preset === "smoke" && holds === false ? SMOKE_CAUSE : undefined);
    if (cause) claim.cause = cause;
  }
  const problem = claimProblem(claim, { requireKind: true });
  if (problem) throw new Error(`claim "${text.slice(0, 60)}": ${problem}`);
  return claim;
}

/** The first thing wrong with a claim's fields, or null. `requireKind` is false for records written before kinds. */
export function claimProblem(c: unknown, opts: { requireKind: boolean }): string | null {
  if (!c || typeof c !== "object") return "must be an object";
  const claim = c as Record<string, unknown>;
  if (typeof claim.text !== "string" || claim.text.length === 0) return "text must be a non-empty string";
  if (!(claim.holds === true || claim.holds === false || claim.holds === null))
    return "holds must be true, false or null";
  if (claim.kind === undefined) {
    if (opts.requireKind) return `kind is required (${CLAIM_KINDS.join(" or ")})`;
  } else if (!CLAIM_KINDS.includes(claim.kind as ClaimKind)) {
    return `kind must be ${CLAIM_KINDS.join(" or ")}, not ${JSON.stringify(claim.kind)}`;
  }
  if (claim.cause !== undefined) {
    const cause = claim.cause as Record<string, unknown> | null;
    if (!cause || typeof cause !== "object") return "cause must be {class, note}";
    if (!CAUSE_CLASSES.includes(cause.class as ClaimCause["class"]))
      return `cause.class must be one of ${CAUSE_CLASSES.join(", ")}, not ${JSON.stringify(cause.class)}`;
    if (typeof cause.note !== "string" || cause.note.trim().length === 0)
      return "cause.note must be a non-empty string";
    if (claim.holds === true) return "a claim that holds has no cause";
  }
  return null;
}

export interface Tally {
  holds: number;
  fails: number;
  untestable: number;
}

export interface ClaimTally {
  result: Tally;
  check: Tally;
  /** Claims of records written before kinds existed. */
  unclassified: Tally;
  /** Failing or untestable claims per cause class; "none" counts those without a cause. */
  causes: Record<string, number>;
}

const emptyTally = (): Tally => ({ holds: 0, fails: 0, untestable: 0 });

export function tallyClaims(claims: readonly Claim[]): ClaimTally {
  const t: ClaimTally = { result: emptyTally(), check: emptyTally(), unclassified: emptyTally(), causes: {} };
  for (const c of claims) {
    const bucket = c.kind === "result" ? t.result : c.kind === "check" ? t.check : t.unclassified;
    if (c.holds === true) bucket.holds++;
    else if (c.holds === false) bucket.fails++;
    else bucket.untestable++;
    if (c.holds !== true) {
      const key = c.cause?.class ?? "none";
      t.causes[key] = (t.causes[key] ?? 0) + 1;
    }
  }
  return t;
}

/** Share of testable claims that hold, in [0, 1]; NaN when none is testable. */
export function holdShare(t: Tally): number {
  return t.holds / (t.holds + t.fails);
}

/** "results 3 ✓ · 2 ✗ · 1 –; checks 2 ✓" (groups with no claims are left out). */
export function formatTally(t: ClaimTally): string {
  const part = (name: string, x: Tally) => {
    const n = x.holds + x.fails + x.untestable;
    if (n === 0) return null;
    const bits = [`${x.holds} ✓`];
    if (x.fails) bits.push(`${x.fails} ✗`);
    if (x.untestable) bits.push(`${x.untestable} –`);
    return `${name} ${bits.join(" · ")}`;
  };
  const parts = [part("results", t.result), part("checks", t.check), part("unclassified", t.unclassified)];
  return parts.filter((p) => p !== null).join("; ") || "no claims";
}
