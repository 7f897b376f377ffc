// The figure record: the numbers behind one exported figure or table, written to
// figures/<work>/<name>.json. HTML and PNG are renderings of it; the gallery reads it.
import type { Preset } from "./preset";

/** A paper's folder under notebooks/ and figures/, or "tour" for the guided notebooks that are not paper figures. */
export type Work = "pdisvae" | "vaequisition" | "vi-emd" | "cd-vae" | "tour";

/** One claim of the paper and whether our run supports it. holds=null means not testable at this preset. */
export interface Claim {
  text: string;
  paper: string;
  ours: string;
  holds: boolean | null;
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
