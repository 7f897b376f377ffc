// Presets: smoke (CI, seconds), demo (default, minutes on a laptop CPU), paper (the paper's settings).
// The preset comes from VAELAB_PRESET, or from the notebook's first cell via setPreset(); notebooks read it as
// session.preset (startFigure reads it once), and each work's numbers per preset are in lib/<work>/settings.
export type Preset = "smoke" | "demo" | "paper";
export const PRESETS: readonly Preset[] = ["smoke", "demo", "paper"];

let override: Preset | null = null;

export function parsePreset(s: string, where = "preset"): Preset {
  if ((PRESETS as readonly string[]).includes(s)) return s as Preset;
  throw new Error(`${where}: unknown preset '${s}'; use one of ${PRESETS.join(", ")}`);
}

/** Set the preset from a notebook cell; VAELAB_PRESET still wins so that `npm run figures` controls every notebook. */
export function setPreset(p: Preset): Preset {
  override = parsePreset(p, "setPreset");
  return getPreset();
}

export function getPreset(): Preset {
  const env = process.env.VAELAB_PRESET;
  if (env) return parsePreset(env, "VAELAB_PRESET");
  return override ?? "demo";
}
