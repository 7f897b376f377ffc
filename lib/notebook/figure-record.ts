// The figure record: the numbers behind one exported figure or table, written to
// figures/<work>/<name>.json. HTML and PNG are renderings of it; the gallery reads it.
import type { Preset } from "./preset";

/** A paper's folder under notebooks/ and figures/, or "tour" for the guided notebooks that are not paper figures. */
export type Work = "pdisvae" | "vaequisition" | "vi-emd" | "cd-vae" | "tour";

/**
 * What a claim is: a `result` is a finding of the paper that could have come out otherwise in our run; a `check`
 * is true by construction or by algebra (it shows the code does what the figure shows, not that a result reproduces).
 */
export type ClaimKind = "result" | "check";
export const CLAIM_KINDS: readonly ClaimKind[] = ["result", "check"];

/**
 * Why a claim does not hold (or is not testable): `scale` (would likely hold at the paper's scale), `stand-in` (the
 * data cannot test it), `protocol` (depends on an evaluation choice the paper leaves open), `paper` (the paper is
 * ambiguous or inconsistent), `implementation` (ours differs and we know how), `does-not-reproduce` (we believe it
 * does not hold).
 */
export type CauseClass = "scale" | "stand-in" | "protocol" | "paper" | "implementation" | "does-not-reproduce";
export const CAUSE_CLASSES: readonly CauseClass[] = [
  "scale",
  "stand-in",
  "protocol",
  "paper",
  "implementation",
  "does-not-reproduce",
];

export interface ClaimCause {
  class: CauseClass;
  /** What we expect or know, e.g. "would likely hold with the paper's 200 epochs: the gap closes with training". */
  note: string;
}

/** One claim of the paper and whether our run supports it. holds=null means not testable at this preset. */
export interface Claim {
  text: string;
  paper: string;
  ours: string;
  holds: boolean | null;
  /** Records written before kinds existed have none; every new claim has one. */
  kind?: ClaimKind;
  /** Why it does not hold or is not testable; absent when it holds. */
  cause?: ClaimCause;
}

export interface FigureRecord {
  work: Work;
  /** As the paper names it, e.g. "Table 3" or "Fig. 6". */
  figure: string;
  /** File stem under figures/<work>/, e.g. "table03-fig06-batch-estimators". */
  name: string;
  /** The paper's caption (or a short paraphrase) for the gallery. */
  caption: string;
  /** Notebook path relative to the repo root. */
  notebook?: string;
  preset: Preset;
  /** describeEngine() line of the run that produced it. */
  engine: string;
  /** Wall time of the notebook run up to export, seconds. */
  seconds: number;
  /** What differs from the paper (stand-in data, scale). */
  differences: string[];
  /** The numbers behind the figure. */
  data: unknown;
  /** The paper's values where the paper states them. */
  paper?: unknown;
  claims: Claim[];
  /** Plotly figures ({data, layout}) rendered for this record. */
  plots?: { title: string; data: unknown[]; layout: Record<string, unknown> }[];
}
