// Mouse dorsal-cortex voltage imaging for PDisVAE Sec. 4.3, Fig. 5.
//
// What the paper specifies: a trial-averaged widefield voltage-imaging movie (the authors' own, not
// public) of 150 frames of 50 × 50 pixels, recorded during a 0.75 s left-side air puff; each pixel is a
// sample x ∈ R^150 (its time series), modelled linearly as x ~ N(A z, σ² I): the latent z ∈ R^K of a pixel
// is its value in K brain maps and the columns of A are the maps' time series. Reported reconstruction
// RMSEs are ≈ 0.05, so the movie's values are of order 1 (it does not say how it was normalised).
//
// 1. Loader. Put the movie under data/external/ as either
//      voltage-imaging.npy   float32 or float64, C order, shape (frames, height, width), or
//      voltage-imaging.f32   raw little-endian float32 in C order, with voltage-imaging.json beside it
//                            holding {"frames": 150, "height": 50, "width": 50}.
//    loadVoltageImaging(path) reads either (by extension) and returns the movie and the pixels-as-samples
//    matrix [H·W, frames] (row h·W + w is pixel (h, w)'s time series). Bad files give errors that name
//    the file (see lib/data/npy.ts); non-finite values are refused unless nonFinite: "zero".
//
// 2. Stand-in (clearly labelled `standIn: true`): voltageStandIn() makes a synthetic cortex-like movie
//    with known ground truth, for when the real file is absent. Everything below is our choice:
//    - 150 frames at 100 frames/s (1.5 s); the air puff from 0.3 s to 1.05 s (0.75 s, as in the paper);
//      anterior is up, the animal's right hemisphere on the right of the image;
//    - a cortex mask of two half-ellipses (hemispheres: flat medial side, radii 20 × 21 px, a 2-px gap at the midline);
//      outside it the movie is noise only;
//    - regions at fixed atlas-like positions (M2-m anterior-medial, M1 anterior-lateral, S1-bf lateral
//      middle, V1 posterior-lateral), each a Gaussian blob (sd 2.5–4.5 px, ×U(0.85, 1.15)) whose centre is
//      jittered by ±1.5 px from the seed, clipped to the mask;
//    - K_true = 6 components in 4 true groups:
//        [0]    air-puff response: right (contralateral) S1-bf blob plus a 0.3-weight left S1-bf blob;
//               time course: a fast onset transient (rise 20 ms, decay 120 ms), a 0.35 plateau while the
//               puff lasts, and a 0.3 offset transient;
//        [1, 2] fast oscillation (f ~ U(7, 9) Hz) shared by right S1-bf and right M2-m, with a random
//               phase lag between the two regions, its envelope raised during the puff. A pixel's
//               oscillation a·cos(ωt − φ) = a cos φ · cos ωt + a sin φ · sin ωt, so the group is rank 2:
//               maps (a cos φ, a sin φ), series envelope × (cos ωt, sin ωt). The two maps share their
//               support and are dependent: the regions sharing an oscillator form one group;
//        [3, 4] slow oscillation (f ~ U(2.5, 3.5) Hz) shared by left and right M1 with a random lag,
//               constant envelope, built the same way;
//        [5]    a global slow drift (an anterior–posterior gradient over the whole mask times a
//               bleaching-like decay 1 − e^(−t/0.5 s)).
//      The groups are "true" in the sense of the generative process (which maps share a time course). Maps
//      of different groups are drawn from independent streams, but spatial blobs are never exactly
//      independent across pixels (disjoint supports are dependent), so, like the real data, the stand-in
//      is for a qualitative Fig. 5 (which maps and time series a model recovers), not a test of
//      group-wise independence;
//    - amplitudes: maps peak at 1; series amplitudes 1 (response), 0.4 and 0.3 (oscillations), 0.3 (drift);
//      i.i.d. Gaussian noise sd 0.05 (so a perfect model's RMSE is ≈ 0.05, the paper's scale).
//    Deterministic given the seed (blob jitter, widths, frequencies, phases, noise).
//
// voltageImaging(opts) returns the real movie when the file exists and the stand-in otherwise; check
// `standIn` (and print `label`) before claiming anything about real data.
import { existsSync, readFileSync } from "fs";
import { resolve as resolvePath } from "path";
import { Rng, Seed } from "../engine/rng";
import { ArrayN, checkInt, checkNonNegative, Matrix, splitIndices, Split } from "./dataset";
import { parseNpy } from "./npy";

/** Where voltageImaging() looks for the real movie, relative to the working directory (the repo root). */
export const VOLTAGE_IMAGING_FILES = ["data/external/voltage-imaging.npy", "data/external/voltage-imaging.f32"];

export interface VoltageMovie {
  /** The movie [frames, height, width], row-major. */
  movie: ArrayN<[number, number, number]>;
  /** Pixels as samples: [height·width, frames]; row h·width + w is pixel (h, w)'s time series. */
  pixels: Matrix;
  frames: number;
  height: number;
  width: number;
  /** Split of the pixel rows (default: all in train, as in the paper). */
  split: Split;
  /** The file read, or "stand-in". */
  source: string;
  standIn: boolean;
  /** One line saying what this is; notebooks print it. */
  label: string;
}

export interface LoadVoltageOptions {
  /** What to do with NaN/±Inf values: throw (default) or replace them by 0. */
  nonFinite?: "error" | "zero";
  /** Fraction of pixels held out (default 0) and the split's seed (default 0). */
  testFraction?: number;
  seed?: Seed;
}

/** The pixels-as-samples matrix of a movie [F, H, W]: [H·W, F]. */
export function movieToPixels(movie: Float32Array, frames: number, height: number, width: number): Matrix {
  const P = height * width;
  if (movie.length !== frames * P)
    throw new Error(`movieToPixels: ${movie.length} values do not make ${frames} × ${height} × ${width}`);
  const out = new Float32Array(P * frames);
  for (let f = 0; f < frames; f++) for (let p = 0; p < P; p++) out[p * frames + f] = movie[f * P + p];
  return { values: out, shape: [P, frames] };
}

function readRawF32(path: string): ArrayN<[number, number, number]> {
  const sidecar = path.replace(/\.f32$/i, ".json");
  if (!existsSync(sidecar))
    throw new Error(`${path}: a raw .f32 movie needs a JSON sidecar ${sidecar} with {"frames", "height", "width"}`);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(readFileSync(sidecar, "utf8"));
  } catch (e) {
    throw new Error(`${sidecar}: not valid JSON (${(e as Error).message})`);
  }
  const dims = (["frames", "height", "width"] as const).map((k) => {
    const v = meta[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
      throw new Error(`${sidecar}: "${k}" must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  }) as [number, number, number];
  const buf = readFileSync(path);
  const need = dims[0] * dims[1] * dims[2] * 4;
  if (buf.length !== need) {
    throw new Error(
      `${path}: ${buf.length < need ? "truncated: " : ""}the sidecar's ${dims.join(" × ")} float32 movie needs ${need} bytes, the file has ${buf.length}`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const values = new Float32Array(need / 4);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
  return { values, shape: dims };
}

/** Reads a movie from a .npy or .f32 (+ .json sidecar) file. */
export function loadVoltageImaging(path: string, opts: LoadVoltageOptions = {}): VoltageMovie {
  if (!existsSync(path))
    throw new Error(`${path}: no such file (put the movie under data/external/, see lib/data/voltage-imaging.ts)`);
  let movie: ArrayN<[number, number, number]>;
  if (/\.npy$/i.test(path)) {
    const a = parseNpy(readFileSync(path), path);
    if (a.shape.length !== 3)
      throw new Error(`${path}: expected a 3-D array (frames, height, width), got shape (${a.shape.join(", ")})`);
    movie = { values: a.values, shape: a.shape as [number, number, number] };
  } else if (/\.f32$/i.test(path)) {
    movie = readRawF32(path);
  } else {
    throw new Error(`${path}: unknown movie format (use .npy, or .f32 with a .json sidecar)`);
  }
  const [F, H, W] = movie.shape;
  if (F < 1) throw new Error(`${path}: the movie has no frames (shape (${movie.shape.join(", ")}))`);
  if (H < 1 || W < 1) throw new Error(`${path}: the movie has no pixels (shape (${movie.shape.join(", ")}))`);
  let bad = 0;
  for (let i = 0; i < movie.values.length; i++) {
    if (!Number.isFinite(movie.values[i])) {
      bad++;
      if (opts.nonFinite === "zero") movie.values[i] = 0;
    }
  }
  if (bad > 0 && opts.nonFinite !== "zero")
    throw new Error(`${path}: ${bad} non-finite values (NaN or ±Inf); pass nonFinite: "zero" to replace them by 0`);
  return {
    movie,
    pixels: movieToPixels(movie.values, F, H, W),
    frames: F,
    height: H,
    width: W,
    split: splitIndices(H * W, opts.testFraction ?? 0, opts.seed ?? 0, "lib/data/voltage-imaging"),
    source: path,
    standIn: false,
    label: `voltage imaging movie ${F} × ${H} × ${W} from ${path}${bad > 0 ? ` (${bad} non-finite values set to 0)` : ""}`,
  };
}

// ---------------------------------------------------------------- stand-in

export interface VoltageStandInOptions {
  frames?: number;
  height?: number;
  width?: number;
  /** Frames per second (default 100). */
  frameRate?: number;
  /** Noise standard deviation (default 0.05). */
  noise?: number;
  /** Seed of jitter, frequencies, phases and noise (default 0). */
  seed?: Seed;
  testFraction?: number;
}

export interface VoltageStandIn extends VoltageMovie {
  /** The movie without noise. */
  clean: ArrayN<[number, number, number]>;
  /** True latents: each pixel's value in the K_true maps, [H·W, K_true]. */
  z: Matrix;
  /** True time series (the columns of A), [frames, K_true]: pixels ≈ z · seriesᵀ. */
  series: Matrix;
  zNames: string[];
  groups: number[][];
  groupNames: string[];
  /** 1 inside the cortex mask, [H·W]. */
  mask: Uint8Array;
  /** Region centres used (row, col in pixels), after jitter. */
  regions: Record<string, [number, number]>;
  frameRate: number;
  /** Air puff onset and duration in seconds. */
  stimulus: { onset: number; duration: number };
  /** The options that made it (plain JSON; a run key). */
  key: {
    kind: "voltage-standin";
    frames: number;
    height: number;
    width: number;
    frameRate: number;
    noise: number;
    seed: Seed;
    testFraction: number;
  };
}

export const STIMULUS_ONSET = 0.3;
export const STIMULUS_DURATION = 0.75;

/** A smooth step from 0 to 1 around t = 0 with time constant tau. */
const smoothStep = (t: number, tau: number) => 1 / (1 + Math.exp(-t / tau));
/** A difference of exponentials normalised to peak 1 (0 before onset). */
function transient(t: number, rise: number, decay: number): number {
  if (t <= 0) return 0;
  const tp = (rise * decay * Math.log(decay / rise)) / (decay - rise);
  const peak = Math.exp(-tp / decay) - Math.exp(-tp / rise);
  return (Math.exp(-t / decay) - Math.exp(-t / rise)) / peak;
}

/** The synthetic cortex-like movie with its true maps, time series and groups. */
export function voltageStandIn(opts: VoltageStandInOptions = {}): VoltageStandIn {
  const where = "lib/data/voltage-imaging (stand-in)";
  const c = {
    kind: "voltage-standin" as const,
    frames: opts.frames ?? 150,
    height: opts.height ?? 50,
    width: opts.width ?? 50,
    frameRate: opts.frameRate ?? 100,
    noise: opts.noise ?? 0.05,
    seed: opts.seed ?? 0,
    testFraction: opts.testFraction ?? 0,
  };
  checkInt(c.frames, "frames", 1, where);
  checkInt(c.height, "height", 8, where);
  checkInt(c.width, "width", 8, where);
  checkNonNegative(c.noise, "noise", where);
  if (!(c.frameRate > 0)) throw new Error(`${where}: frameRate must be > 0, got ${c.frameRate}`);
  const { frames: F, height: H, width: W } = c;
  const P = H * W;
  const rng = new Rng(c.seed);
  // Geometry in a 50 × 50 frame, scaled to the requested size.
  const sy = H / 50,
    sx = W / 50;
  const mid = W / 2;
  const mask = new Uint8Array(P);
  for (let r = 0; r < H; r++) {
    for (let col = 0; col < W; col++) {
      // each hemisphere is half an ellipse (radii 20 × 21 px) with its flat side along the midline
      const dy = (r + 0.5 - 26 * sy) / (21 * sy);
      const side = col + 0.5 - mid;
      const dx = (Math.abs(side) - 0.5 * sx) / (20 * sx);
      if (dx > 0 && dx * dx + dy * dy <= 1) mask[r * W + col] = 1;
    }
  }
  // Atlas-like region centres (row, |offset from midline|) and blob sd, in 50-pixel units.
  const atlas: Record<string, [number, number, number]> = {
    "M2-m": [9, 3, 2.5],
    M1: [16, 9, 3.5],
    "S1-bf": [26, 15, 4],
    V1: [41, 10, 4.5],
  };
  const jitterRng = rng.fork("regions");
  const regions: Record<string, [number, number]> = {};
  const sds: Record<string, number> = {};
  for (const name of Object.keys(atlas)) {
    const [row, off, sd] = atlas[name];
    for (const hemi of ["L", "R"]) {
      const sign = hemi === "R" ? 1 : -1;
      regions[`${hemi} ${name}`] = [
        (row + jitterRng.uniformIn(-1.5, 1.5)) * sy,
        mid + sign * (off + jitterRng.uniformIn(-1.5, 1.5)) * sx,
      ];
      sds[`${hemi} ${name}`] = sd * jitterRng.uniformIn(0.85, 1.15) * Math.sqrt(sx * sy);
    }
  }
  const blob = (name: string): Float64Array => {
    const [r0, c0] = regions[name],
      s = sds[name];
    const out = new Float64Array(P);
    for (let r = 0; r < H; r++)
      for (let col = 0; col < W; col++) {
        const p = r * W + col;
        if (mask[p]) out[p] = Math.exp(-((r + 0.5 - r0) ** 2 + (col + 0.5 - c0) ** 2) / (2 * s * s));
      }
    return out;
  };
  const t = Array.from({ length: F }, (_, f) => f / c.frameRate);
  const on = STIMULUS_ONSET,
    off = STIMULUS_ONSET + STIMULUS_DURATION;
  const maps: Float64Array[] = [];
  const series: number[][] = [];
  // [0] air-puff response
  {
    const r = blob("R S1-bf"),
      l = blob("L S1-bf");
    maps.push(r.map((v, p) => v + 0.3 * l[p]));
    series.push(
      t.map(
        (s) =>
          transient(s - on, 0.02, 0.12) +
          0.35 * smoothStep(s - on - 0.05, 0.03) * (1 - smoothStep(s - off, 0.03)) +
          0.3 * transient(s - off, 0.02, 0.1),
      ),
    );
  }
  // a shared oscillation of two regions → a rank-2 group of maps (a cos φ, a sin φ)
  const oscillation = (
    label: string,
    a: string,
    b: string,
    fLo: number,
    fHi: number,
    amp: number,
    envelope: (s: number) => number,
  ) => {
    const o = rng.fork(label);
    const freq = o.uniformIn(fLo, fHi);
    const phaseA = o.uniformIn(0, 2 * Math.PI);
    const lag = o.uniformIn(Math.PI / 3, (2 * Math.PI) / 3);
    const ma = blob(a),
      mb = blob(b);
    maps.push(ma.map((v, p) => v * Math.cos(phaseA) + mb[p] * Math.cos(phaseA + lag)));
    maps.push(ma.map((v, p) => v * Math.sin(phaseA) + mb[p] * Math.sin(phaseA + lag)));
    series.push(t.map((s) => amp * envelope(s) * Math.cos(2 * Math.PI * freq * s)));
    series.push(t.map((s) => amp * envelope(s) * Math.sin(2 * Math.PI * freq * s)));
  };
  // [1, 2] fast oscillation of right S1-bf and right M2-m, stronger during the puff
  oscillation(
    "fast-oscillation",
    "R S1-bf",
    "R M2-m",
    7,
    9,
    0.4,
    (s) => 0.4 + 0.6 * smoothStep(s - on, 0.05) * (1 - smoothStep(s - off, 0.05)),
  );
  // [3, 4] slow oscillation of left and right M1
  oscillation("slow-oscillation", "L M1", "R M1", 2.5, 3.5, 0.3, () => 1);
  // [5] global drift: anterior–posterior gradient × bleaching-like decay
  {
    const g = new Float64Array(P);
    for (let r = 0; r < H; r++)
      for (let col = 0; col < W; col++) if (mask[r * W + col]) g[r * W + col] = 0.5 + (0.5 * (r + 0.5)) / H;
    maps.push(g);
    series.push(t.map((s) => -0.3 * (1 - Math.exp(-s / 0.5))));
  }
  const K = maps.length;
  const z = new Float32Array(P * K),
    A = new Float32Array(F * K);
  for (let p = 0; p < P; p++) for (let k = 0; k < K; k++) z[p * K + k] = maps[k][p];
  for (let f = 0; f < F; f++) for (let k = 0; k < K; k++) A[f * K + k] = series[k][f];
  const clean = new Float32Array(F * P),
    movie = new Float32Array(F * P);
  const noiseRng = rng.fork("noise");
  for (let f = 0; f < F; f++) {
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += z[p * K + k] * A[f * K + k];
      clean[f * P + p] = s;
      movie[f * P + p] = s + c.noise * noiseRng.normal();
    }
  }
  return {
    movie: { values: movie, shape: [F, H, W] },
    clean: { values: clean, shape: [F, H, W] },
    pixels: movieToPixels(movie, F, H, W),
    frames: F,
    height: H,
    width: W,
    split: splitIndices(P, c.testFraction, c.seed, "lib/data/voltage-imaging"),
    source: "stand-in",
    standIn: true,
    label: `SYNTHETIC STAND-IN for the voltage imaging movie (${F} × ${H} × ${W}; real file absent: put it at ${VOLTAGE_IMAGING_FILES.join(" or ")})`,
    z: { values: z, shape: [P, K] },
    series: { values: A, shape: [F, K] },
    zNames: [
      "puff response (S1-bf)",
      "fast oscillation cos (S1-bf/M2-m)",
      "fast oscillation sin (S1-bf/M2-m)",
      "slow oscillation cos (M1 L/R)",
      "slow oscillation sin (M1 L/R)",
      "global drift",
    ],
    groups: [[0], [1, 2], [3, 4], [5]],
    groupNames: ["air-puff response", "fast oscillation S1-bf/M2-m", "slow oscillation M1", "global drift"],
    mask,
    regions,
    frameRate: c.frameRate,
    stimulus: { onset: STIMULUS_ONSET, duration: STIMULUS_DURATION },
    key: c,
  };
}

export interface VoltageImagingOptions extends LoadVoltageOptions, VoltageStandInOptions {
  /** A file to read instead of the default places (VOLTAGE_IMAGING_FILES). */
  path?: string;
}

/**
 * The real movie if a file is found (opts.path, else VOLTAGE_IMAGING_FILES under the working directory),
 * else the stand-in. A given opts.path that does not exist is an error, not a silent fall-back.
 */
export function voltageImaging(opts: VoltageImagingOptions = {}): VoltageMovie | VoltageStandIn {
  if (opts.path !== undefined) return loadVoltageImaging(opts.path, opts);
  for (const f of VOLTAGE_IMAGING_FILES) {
    const p = resolvePath(f);
    if (existsSync(p)) return loadVoltageImaging(p, opts);
  }
  return voltageStandIn(opts);
}
