// The "scale" line of a notebook's differences, rendered from its work's settings table (lib/<work>/settings.ts)
// so that the stated demo-vs-paper scale is the one the code runs. A line that depends on the preset is given to
// startFigure as a PresetText; startFigure renders it once it has read the preset.
import type { Preset } from "./preset";

/** Text that depends on the preset (a caption or a line of differences), rendered by startFigure. */
export type PresetText = (preset: Preset) => string;

/** The text of `t` at `preset`. */
export function renderText(t: string | PresetText, preset: Preset): string {
  return typeof t === "string" ? t : t(preset);
}

/**
 * The scale line of a recipe: the entry of the run's preset against the paper preset's, e.g.
 * "demo: 32 channels, … (paper preset: 128 channels, …)"; at the paper preset only the paper preset's entry.
 */
export function scaleLine<E>(entryOf: (preset: Preset) => E, describe: (entry: E) => string): PresetText {
  return (preset) => {
    const paper = describe(entryOf("paper"));
    return preset === "paper"
      ? `paper preset: ${paper}`
      : `${preset}: ${describe(entryOf(preset))} (paper preset: ${paper})`;
  };
}

/**
 * A number as the scale lines write it: learning rates and other small values in exponent form (3e-4), counts
 * of 10 000 and more with a space every three digits (50 000), anything else as JavaScript prints it.
 */
export function formatNumber(x: number): string {
  if (x !== 0 && Math.abs(x) < 0.01) return x.toExponential();
  if (Number.isInteger(x) && Math.abs(x) >= 10000) return String(x).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return String(x);
}
