// Synthetic "faces": a clearly labelled stand-in for CelebA (PDisVAE Sec. 4.3, Appendix A.4, Fig. 11–12)
// with known generative factors in known groups, so that a grouped latent can be checked against the
// truth, and the HSV-cylinder analysis of Fig. 11(b) (the colour space spanned by the background-colour
// latent group) has a ground truth to compare with. Nothing here is from the paper except the idea that
// background colour is a 2-D/3-D colour group, not one component; every choice below is ours.
//
// Factors (8), in 5 mutually independent groups (each group from its own Rng fork):
//   group 0, background colour (rank 3, dependent within):
//     hue h ~ U(0, 1);
//     saturation s = clip(0.15 + 0.6·w(h) + 0.08·N(0,1), 0, 1), w(h) = (1 + cos 2π(h − 0.05))/2: warm
//       (red–orange) backgrounds are saturated, cool (cyan) ones pale, so hue and saturation are dependent;
//     value v = 0.35 + 0.6·u^(0.5 + 3s), u ~ U(0, 1): saturated backgrounds are darker on average.
//     As latents: the HSV-cylinder coordinates (s cos 2πh, s sin 2πh, v) (no wrap-around in hue).
//   group 1, skin and hair (rank 2, dependent): skin tone τ ~ U(0, 1) (0 light … 1 dark); hair lightness
//     λ = (1 − τ)·u^0.7, u ~ U(0, 1) (dark skin → dark hair; light skin → any hair), colours interpolated
//     between fixed light/dark skin and black/blond hair RGB values.
//   group 2, face x-position; group 3, face y-position (each U(−1, 1), ±0.12 and ±0.08 of the image);
//   group 4, face scale U(0.8, 1.2).
// Image: background, shoulders (fixed grey), hair (an ellipse behind and above the face), face ellipse
// (skin), two eyes and a mouth (fixed dark colours), painted in that order and anti-aliased by s × s
// supersampling per pixel (default 4 × 4). The corners are always pure background (the face never
// reaches them), so pixel (0, 0) is exactly hsvToRgb(h, s, v).
import { Rng, Seed } from "../engine/rng";
import { ArrayN, checkInt, GroupedDataset, splitIndices } from "./dataset";

/** HSV (each in [0, 1], hue periodic) to RGB in [0, 1]. */
export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const hh = (((h % 1) + 1) % 1) * 6;
  const i = Math.floor(hh),
    f = hh - i;
  const p = v * (1 - s),
    q = v * (1 - s * f),
    t = v * (1 - s * (1 - f));
  switch (i) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** RGB in [0, 1] to HSV in [0, 1] (hue 0 for grays). */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b),
    min = Math.min(r, g, b),
    d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h = (((h / 6) % 1) + 1) % 1;
  }
  return [h, max === 0 ? 0 : d / max, max];
}

export const FACE_FACTOR_NAMES = [
  "bg s·cos(2πh)",
  "bg s·sin(2πh)",
  "bg value",
  "skin tone",
  "hair lightness",
  "face x",
  "face y",
  "face scale",
];
export const FACE_GROUPS = [[0, 1, 2], [3, 4], [5], [6], [7]];
export const FACE_GROUP_NAMES = [
  "background colour",
  "skin & hair",
  "face x-position",
  "face y-position",
  "face scale",
];

export interface SyntheticFacesOptions {
  /** Number of images (default 2000). */
  n?: number;
  /** Image side (default 64; 32 for demos). */
  size?: number;
  /** Supersampling per axis (default 4). */
  supersample?: number;
  /** Fraction held out for test (default 0.2). */
  testFraction?: number;
  /** Seed of the factors (default 0); the split uses the same seed. */
  seed?: Seed;
}

export interface FaceFactors {
  hue: Float32Array;
  saturation: Float32Array;
  value: Float32Array;
  skinTone: Float32Array;
  hairLightness: Float32Array;
  faceX: Float32Array;
  faceY: Float32Array;
  faceScale: Float32Array;
}

export interface SyntheticFaces extends GroupedDataset {
  /** Images [N, S, S, 3] in [0, 1]. */
  x: ArrayN<[number, number, number, number]>;
  /** The raw factors (hue, saturation, value rather than cylinder coordinates). */
  factors: FaceFactors;
  groupNames: string[];
  standIn: true;
  label: string;
  /** The options that made it (plain JSON; a run key). */
  key: { kind: "synthetic-faces"; n: number; size: number; supersample: number; testFraction: number; seed: Seed };
}

const SKIN_LIGHT = [0.96, 0.8, 0.69],
  SKIN_DARK = [0.36, 0.22, 0.14];
const HAIR_DARK = [0.07, 0.05, 0.04],
  HAIR_LIGHT = [0.86, 0.72, 0.42];
const SHOULDERS = [0.32, 0.33, 0.38],
  EYES = [0.1, 0.08, 0.08],
  MOUTH = [0.62, 0.24, 0.26];
const mix = (a: number[], b: number[], t: number) => a.map((v, i) => v + (b[i] - v) * t);
const clip01 = (v: number) => Math.min(1, Math.max(0, v));

/** Skin RGB for a skin tone τ ∈ [0, 1] (0 light … 1 dark). */
export const skinColour = (tau: number): number[] => mix(SKIN_LIGHT, SKIN_DARK, tau);
/** Hair RGB for a hair lightness λ ∈ [0, 1] (0 black … 1 blond). */
export const hairColour = (lambda: number): number[] => mix(HAIR_DARK, HAIR_LIGHT, lambda);
/** Face centre (unit image coordinates, x right, y down) for the position factors in [−1, 1]. */
export const faceCentre = (fx: number, fy: number): [number, number] => [0.5 + 0.12 * fx, 0.55 + 0.08 * fy];

/** One factor draw per group stream. */
function drawFactors(rngs: Rng[]): number[] {
  const [bg, sh, gx, gy, gs] = rngs;
  const h = bg.uniform();
  const s = clip01(0.15 + (0.6 * (1 + Math.cos(2 * Math.PI * (h - 0.05)))) / 2 + 0.08 * bg.normal());
  const v = 0.35 + 0.6 * Math.pow(bg.uniform(), 0.5 + 3 * s);
  const tau = sh.uniform();
  const lambda = (1 - tau) * Math.pow(sh.uniform(), 0.7);
  return [h, s, v, tau, lambda, gx.uniformIn(-1, 1), gy.uniformIn(-1, 1), gs.uniformIn(0.8, 1.2)];
}

/** Paints one face (factors [h, s, v, τ, λ, x, y, scale]) into out[offset …] as size × size × 3. */
export function renderFace(
  f: number[],
  size: number,
  supersample = 4,
  out: Float32Array = new Float32Array(size * size * 3),
  offset = 0,
): Float32Array {
  const [h, s, v, tau, lambda, fx, fy, sc] = f;
  const bgc = hsvToRgb(h, s, v),
    skin = skinColour(tau),
    hair = hairColour(lambda);
  const [cx, cy] = faceCentre(fx, fy);
  // ellipses in unit image coordinates (x right, y down), painted front to back
  const inEllipse = (x: number, y: number, ex: number, ey: number, rx: number, ry: number) =>
    ((x - ex) / rx) ** 2 + ((y - ey) / ry) ** 2 <= 1;
  const colourAt = (x: number, y: number): readonly number[] => {
    if (
      inEllipse(x, y, cx - 0.075 * sc, cy - 0.04 * sc, 0.03 * sc, 0.018 * sc) ||
      inEllipse(x, y, cx + 0.075 * sc, cy - 0.04 * sc, 0.03 * sc, 0.018 * sc)
    )
      return EYES;
    if (inEllipse(x, y, cx, cy + 0.13 * sc, 0.07 * sc, 0.02 * sc)) return MOUTH;
    if (inEllipse(x, y, cx, cy, 0.2 * sc, 0.26 * sc)) return skin;
    if (y < cy + 0.05 * sc && inEllipse(x, y, cx, cy - 0.06 * sc, 0.25 * sc, 0.3 * sc)) return hair;
    if (inEllipse(x, y, cx, 1.05, 0.38 * sc, 0.2 * sc)) return SHOULDERS;
    return bgc;
  };
  const ss = supersample,
    w = 1 / (ss * ss);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let R = 0,
        G = 0,
        B = 0;
      for (let a = 0; a < ss; a++) {
        const y = (r + (a + 0.5) / ss) / size;
        for (let b = 0; b < ss; b++) {
          const col = colourAt((c + (b + 0.5) / ss) / size, y);
          R += col[0];
          G += col[1];
          B += col[2];
        }
      }
      const o = offset + 3 * (r * size + c);
      out[o] = R * w;
      out[o + 1] = G * w;
      out[o + 2] = B * w;
    }
  }
  return out;
}

/** The synthetic faces stand-in with its factors z [N, 8] and groups FACE_GROUPS. */
export function syntheticFaces(opts: SyntheticFacesOptions = {}): SyntheticFaces {
  const where = "lib/data/synthetic-faces";
  const config = {
    kind: "synthetic-faces" as const,
    n: opts.n ?? 2000,
    size: opts.size ?? 64,
    supersample: opts.supersample ?? 4,
    testFraction: opts.testFraction ?? 0.2,
    seed: opts.seed ?? 0,
  };
  checkInt(config.n, "n", 1, where);
  checkInt(config.size, "size", 8, where);
  checkInt(config.supersample, "supersample", 1, where);
  const { n: N, size: S } = config;
  const rng = new Rng(config.seed);
  const rngs = FACE_GROUP_NAMES.map((g) => rng.fork(`group/${g}`));
  const per = S * S * 3;
  const x = new Float32Array(N * per),
    z = new Float32Array(N * 8);
  const factors: FaceFactors = {
    hue: new Float32Array(N),
    saturation: new Float32Array(N),
    value: new Float32Array(N),
    skinTone: new Float32Array(N),
    hairLightness: new Float32Array(N),
    faceX: new Float32Array(N),
    faceY: new Float32Array(N),
    faceScale: new Float32Array(N),
  };
  for (let i = 0; i < N; i++) {
    const f = drawFactors(rngs);
    const [h, s, v, tau, lambda, fx, fy, sc] = f;
    z.set([s * Math.cos(2 * Math.PI * h), s * Math.sin(2 * Math.PI * h), v, tau, lambda, fx, fy, sc], 8 * i);
    factors.hue[i] = h;
    factors.saturation[i] = s;
    factors.value[i] = v;
    factors.skinTone[i] = tau;
    factors.hairLightness[i] = lambda;
    factors.faceX[i] = fx;
    factors.faceY[i] = fy;
    factors.faceScale[i] = sc;
    renderFace(f, S, config.supersample, x, i * per);
  }
  return {
    x: { values: x, shape: [N, S, S, 3] },
    z: { values: z, shape: [N, 8] },
    zNames: FACE_FACTOR_NAMES.slice(),
    groups: FACE_GROUPS.map((g) => g.slice()),
    groupNames: FACE_GROUP_NAMES.slice(),
    factors,
    split: splitIndices(N, config.testFraction, config.seed, where),
    standIn: true,
    label: `SYNTHETIC FACES stand-in for CelebA (${N} images ${S} × ${S}, 8 known factors in 5 groups; real images absent)`,
    key: config,
  };
}
