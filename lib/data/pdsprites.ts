// pdSprites ("partial dSprites") of PDisVAE Sec. 4.2, Fig. 4(a), Appendix A.4.3.
//
// What the paper specifies: 805 grayscale 32 × 32 images of a white square with three latents, x-location
// z1, y-location z2 and size z3; (z1, z2) are uniformly distributed on a restricted region (the upper and
// lower triangular areas of the square of locations are empty) so that x and y are entangled, and the size
// takes five evenly spread scales independent of the location: (z1, z2) ⊥ z3. The text also says the
// centre (0, 0) has few samples and that no square appears in the top-middle or bottom-middle of the image.
//
// What we chose where it is silent:
// - Locations: a 17 × 17 grid (i, j) ∈ {−8…8}², z1 = i/8, z2 = j/8 ∈ [−1, 1] (z2 up), keeping the points
//   with |j| ≤ |i|: the two "bow-tie" triangles left and right of centre, diagonals included, with the
//   upper and lower triangles |z2| > |z1| empty and only one location at the centre. This gives
//   Σ_i (2|i| + 1) = 161 admissible locations, and 161 × 5 sizes = 805 images, the paper's count, which
//   suggests this is the paper's grid too (not verifiable: the code is not in the text).
// - Sizes: side length 8·z3 pixels with z3 ∈ {0.5, 0.625, 0.75, 0.875, 1} (dSprites' scale range
//   [0.5, 1] at 5 levels, on an 8-pixel base square), i.e. 4…8 pixels.
// - Placement: the centre is at (16 + 10·z1, 16 − 10·z2) in continuous pixel coordinates (the image covers
//   [0, 32)², pixel (r, c) is the unit square [c, c+1) × [r, r+1)), so centres span 6…26 and the largest
//   square stays ≥ 2 pixels inside the border.
// - Rendering: exact pixel coverage (the area of each pixel inside the square), so intensities are in
//   [0, 1], the total mass is exactly side², and sub-pixel positions are anti-aliased.
// - Order: size-major, then z2 descending, then z1 ascending (like dSprites, a fixed enumeration; nothing
//   is random). The seed only draws the train/test split (default: no test rows, since the paper trains
//   on all 805; pass testFraction for a held-out part).
import { Seed } from "../engine/rng";
import { ArrayN, GroupedDataset, splitIndices } from "./dataset";

export const PDSPRITES_IMAGE_SIZE = 32;
/** Half the number of grid steps per axis: locations i/GRID_HALF for i ∈ {−8…8}. */
export const PDSPRITES_GRID_HALF = 8;
/** The five size scales z3. */
export const PDSPRITES_SCALES: readonly number[] = Object.freeze([0.5, 0.625, 0.75, 0.875, 1]);
/** Side length in pixels of a square with z3 = 1. */
export const PDSPRITES_BASE_SIDE = 8;
/** Pixels from the image centre to a location with |z| = 1. */
export const PDSPRITES_SPAN = 10;

export interface PdSpritesOptions {
  /** Fraction of the 805 images held out for test (default 0: the paper trains on all of them). */
  testFraction?: number;
  /** Seed of the train/test split (default 0). */
  seed?: Seed;
}

export interface PdSprites extends GroupedDataset {
  /** Images [805, 32, 32, 1] in [0, 1]. */
  x: ArrayN<[number, number, number, number]>;
  /** The options that made it (plain JSON; a run key). */
  key: { kind: "pdsprites"; n: number; testFraction: number; seed: Seed };
}

/** Is the location (z1, z2) in the admissible region (outside the empty upper and lower triangles)? */
export function pdSpritesAdmissible(z1: number, z2: number): boolean {
  return Math.abs(z2) <= Math.abs(z1) + 1e-9;
}

/** The 161 admissible locations (z1, z2), ordered z2 descending then z1 ascending. */
export function pdSpritesLocations(): [number, number][] {
  const h = PDSPRITES_GRID_HALF;
  const out: [number, number][] = [];
  for (let j = h; j >= -h; j--) for (let i = -h; i <= h; i++) if (Math.abs(j) <= Math.abs(i)) out.push([i / h, j / h]);
  return out;
}

/** Centre (column, row) in continuous pixel coordinates and side length in pixels of a latent (x, y, size). */
export function pdSpritesGeometry(z1: number, z2: number, z3: number): { cx: number; cy: number; side: number } {
  const c = PDSPRITES_IMAGE_SIZE / 2;
  return { cx: c + PDSPRITES_SPAN * z1, cy: c - PDSPRITES_SPAN * z2, side: PDSPRITES_BASE_SIDE * z3 };
}

/** Length of [a, b] ∩ [lo, lo + 1]. */
function overlap(a: number, b: number, lo: number): number {
  return Math.max(0, Math.min(b, lo + 1) - Math.max(a, lo));
}

/** Renders one square into `out` (size×size, row-major) by exact pixel coverage. */
export function renderSquare(
  z1: number,
  z2: number,
  z3: number,
  out: Float32Array = new Float32Array(PDSPRITES_IMAGE_SIZE ** 2),
  offset = 0,
): Float32Array {
  const S = PDSPRITES_IMAGE_SIZE;
  const { cx, cy, side } = pdSpritesGeometry(z1, z2, z3);
  const x0 = cx - side / 2,
    x1 = cx + side / 2,
    y0 = cy - side / 2,
    y1 = cy + side / 2;
  const wx = Array.from({ length: S }, (_, c) => overlap(x0, x1, c));
  for (let r = 0; r < S; r++) {
    const wy = overlap(y0, y1, r);
    for (let c = 0; c < S; c++) out[offset + r * S + c] = wy * wx[c];
  }
  return out;
}

/** The 805 pdSprites images with their latents (x, y, size) and groups [[0, 1], [2]]. */
export function pdSprites(opts: PdSpritesOptions = {}): PdSprites {
  const testFraction = opts.testFraction ?? 0;
  const seed = opts.seed ?? 0;
  const locations = pdSpritesLocations();
  const S = PDSPRITES_IMAGE_SIZE,
    P = S * S;
  const N = locations.length * PDSPRITES_SCALES.length;
  const x = new Float32Array(N * P);
  const z = new Float32Array(N * 3);
  let n = 0;
  for (const scale of PDSPRITES_SCALES) {
    for (const [z1, z2] of locations) {
      renderSquare(z1, z2, scale, x, n * P);
      z[3 * n] = z1;
      z[3 * n + 1] = z2;
      z[3 * n + 2] = scale;
      n++;
    }
  }
  return {
    x: { values: x, shape: [N, S, S, 1] },
    z: { values: z, shape: [N, 3] },
    zNames: ["x-location", "y-location", "size"],
    groups: [[0, 1], [2]],
    split: splitIndices(N, testFraction, seed, "lib/data/pdsprites"),
    key: { kind: "pdsprites", n: N, testFraction, seed },
  };
}
