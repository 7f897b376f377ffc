// Measured first-run times of the notebooks (notebooks/timings.json): how long a notebook takes when nothing
// it trains is cached yet. Notebook headers print them, `figures --list` estimates the main job from them, and
// `npm run bench -- --notebooks` measures and writes them. A figure record's `seconds` is different: the last
// render's time, which is short when that render reloaded trained runs.
import { existsSync, readFileSync } from "fs";
import { join } from "path";
import { NOTEBOOKS_DIR, writeFileAtomic } from "../engine/paths";
import { PRESETS, Preset } from "../notebook/preset";

/** One measurement of a notebook's first run at one preset. */
export interface FirstRunTiming {
  /** Wall seconds of the whole notebook, kernel start to the last cell. */
  seconds: number;
  /** Day of the measurement, YYYY-MM-DD. */
  measured: string;
  /** What was cached and how loaded the machine was, e.g. "empty run cache, load ≈ 1". */
  conditions: string;
}

export interface TimingsFile {
  /** The machine the times were measured on. */
  machine: string;
  /** Keyed by the notebook's path under notebooks/ (e.g. "vi-emd/table03-priors.ipynb"), then by preset. */
  notebooks: Record<string, Partial<Record<Preset, FirstRunTiming>>>;
}

export const TIMINGS_PATH = join(NOTEBOOKS_DIR, "timings.json");

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Check a parsed timings file; throws naming the file and the field at fault. */
export function validateTimings(value: unknown, file: string): TimingsFile {
  const fail = (where: string, what: string): never => {
    throw new Error(`${file}: ${where} ${what}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("the top level", "must be an object");
  const v = value as Record<string, unknown>;
  if (typeof v.machine !== "string" || v.machine === "") fail("machine", "must be a non-empty string");
  if (typeof v.notebooks !== "object" || v.notebooks === null || Array.isArray(v.notebooks))
    fail("notebooks", "must be an object keyed by notebook path");
  for (const [nb, byPreset] of Object.entries(v.notebooks as Record<string, unknown>)) {
    if (!nb.endsWith(".ipynb")) fail(`notebooks["${nb}"]`, "must be a path ending in .ipynb");
    if (typeof byPreset !== "object" || byPreset === null)
      fail(`notebooks["${nb}"]`, "must be an object keyed by preset");
    for (const [preset, t] of Object.entries(byPreset as Record<string, unknown>)) {
      const at = `notebooks["${nb}"].${preset}`;
      if (!(PRESETS as readonly string[]).includes(preset)) fail(at, `is not a preset (${PRESETS.join(", ")})`);
      const e = t as Record<string, unknown>;
      if (typeof e !== "object" || e === null) fail(at, "must be an object");
      if (typeof e.seconds !== "number" || !Number.isFinite(e.seconds) || e.seconds <= 0)
        fail(`${at}.seconds`, `must be a positive number, got ${JSON.stringify(e.seconds)}`);
      if (typeof e.measured !== "string" || !DAY.test(e.measured))
        fail(`${at}.measured`, `must be a day YYYY-MM-DD, got ${JSON.stringify(e.measured)}`);
      if (typeof e.conditions !== "string" || e.conditions === "")
        fail(`${at}.conditions`, "must be a non-empty string");
    }
  }
  return v as unknown as TimingsFile;
}

/** The timings file at `path` (default notebooks/timings.json); an absent file is an empty table. */
export function readTimings(path = TIMINGS_PATH): TimingsFile {
  if (!existsSync(path)) return { machine: "", notebooks: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return validateTimings(parsed, path);
}

/** Set one notebook's timing at one preset and write the file back (sorted keys, one entry per line). */
export function recordTiming(
  notebook: string,
  preset: Preset,
  timing: FirstRunTiming,
  o: { path?: string; machine?: string } = {},
): TimingsFile {
  const path = o.path ?? TIMINGS_PATH;
  const file = readTimings(path);
  if (o.machine) file.machine = o.machine;
  const entry = { ...(file.notebooks[notebook] ?? {}), [preset]: timing };
  file.notebooks[notebook] = entry;
  validateTimings(file, path);
  const sorted: TimingsFile = {
    machine: file.machine,
    notebooks: Object.fromEntries(
      Object.keys(file.notebooks)
        .sort()
        .map((k) => [k, file.notebooks[k]]),
    ),
  };
  writeFileAtomic(path, JSON.stringify(sorted, null, 2) + "\n");
  return sorted;
}

/** The key of a notebook path ("notebooks/vi-emd/x.ipynb", "./notebooks/…", or already relative). */
export function timingKey(notebookPath: string): string {
  return notebookPath.replace(/\\/g, "/").replace(/^(\.\/)?notebooks\//, "");
}

/** "≈ 11 min", "≈ 40 s", "≈ 1.2 h". */
export function roughDuration(s: number): string {
  if (s < 90) return `≈ ${Math.round(s)} s`;
  if (s < 5400) return `≈ ${Math.round(s / 60)} min`;
  return `≈ ${(s / 3600).toFixed(1)} h`;
}

/** The header line of a notebook at a preset: its measured first-run time, or a line saying there is none. */
export function firstRunLine(notebookPath: string, preset: Preset, file: TimingsFile = readTimings()): string {
  const t = file.notebooks[timingKey(notebookPath)]?.[preset];
  if (!t) return `first run at preset ${preset}: not measured yet (npm run bench -- --notebooks measures it)`;
  return (
    `first run at preset ${preset}: ${roughDuration(t.seconds)} (${Math.round(t.seconds)} s on ${file.machine}, ` +
    `${t.measured}, ${t.conditions}); a re-run reloads the trained models from data/runs/ and is faster`
  );
}
