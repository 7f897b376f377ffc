// A folder of JPEG/PNG images as a float array [N, S, S, 3] in [0, 1]: the CelebA loader of PDisVAE
// Sec. 4.3 (202 599 face images "cropped and rescaled to (3, 64, 64)"; Appendix A.4, Fig. 11–12).
//
// What the paper specifies: crop and rescale to 64 × 64 RGB; it does not say which crop. We chose:
// - files: *.jpg, *.jpeg, *.png (any case) directly in the folder (or below it with recursive: true),
//   sorted by path, then `offset`/`limit` applied (CelebA at 64 × 64 float32 is 10 GB in all: pass a
//   limit on a laptop);
// - crop: the largest centred square by default (178 × 178 of CelebA's aligned 178 × 218), or a centred
//   square of `crop` pixels (148 is a common CelebA choice), clipped to the image;
// - resize: exact area averaging (each output pixel is the coverage-weighted mean of the source pixels
//   under it), which anti-aliases when shrinking;
// - colour: RGB, 8-bit values / 255; an alpha channel is ignored, grayscale is replicated to RGB (both
//   decoders return RGBA).
// Decoding uses the pure-JS packages jpeg-js and pngjs (no native binaries); the format is detected
// from the file's first bytes, not its extension. Errors name the file.
//
// celebaOrStandIn() returns the folder's images when data/external/celeba/ (or opts.dir) has any, and
// the synthetic faces of lib/data/synthetic-faces.ts otherwise, labelled as a stand-in.
import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import { join, relative, resolve as resolvePath } from "path";
import * as jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { Seed } from "../engine/rng";
import { ArrayN, checkInt, splitIndices, Split } from "./dataset";
import { syntheticFaces, SyntheticFaces, SyntheticFacesOptions } from "./synthetic-faces";

/** Where celebaOrStandIn() looks by default (CelebA's img_align_celeba/*.jpg, flattened or not). */
export const CELEBA_DIR = "data/external/celeba";

export interface DecodedImage {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel, row-major. */
  rgba: Uint8Array;
}

/** Decodes a JPEG or PNG file's bytes (detected by signature); `name` is used in errors. */
export function decodeImage(buf: Uint8Array, name: string): DecodedImage {
  const isPng = buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47;
  const isJpeg = buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.length));
      return {
        width: png.width,
        height: png.height,
        rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length),
      };
    }
    if (isJpeg) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
      return { width: img.width, height: img.height, rgba: img.data };
    }
  } catch (e) {
    throw new Error(`${name}: cannot decode ${isPng ? "PNG" : "JPEG"} (${(e as Error).message})`);
  }
  throw new Error(`${name}: neither a PNG nor a JPEG file (unrecognised first bytes)`);
}

/** Per-axis area-averaging weights: for each output index, [source index, weight] pairs summing to 1. */
function areaWeights(start: number, length: number, out: number, sourceSize: number): [number, number][][] {
  const step = length / out;
  return Array.from({ length: out }, (_, i) => {
    const a = start + i * step,
      b = start + (i + 1) * step;
    const w: [number, number][] = [];
    for (let s = Math.floor(a); s < Math.ceil(b); s++) {
      const o = Math.min(b, s + 1) - Math.max(a, s);
      if (o > 0) w.push([Math.min(Math.max(s, 0), sourceSize - 1), o / step]);
    }
    return w;
  });
}

/**
 * Centre-crops an RGBA image to a square (side `crop`, default the shorter side, clipped to the image)
 * and area-resizes it to size × size RGB in [0, 1], written into out at offset.
 */
export function cropResize(
  img: DecodedImage,
  size: number,
  crop?: number,
  out: Float32Array = new Float32Array(size * size * 3),
  offset = 0,
): Float32Array {
  const side = Math.min(crop ?? Infinity, img.width, img.height);
  const x0 = (img.width - side) / 2,
    y0 = (img.height - side) / 2;
  const wx = areaWeights(x0, side, size, img.width),
    wy = areaWeights(y0, side, size, img.height);
  const W = img.width,
    px = img.rgba;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let R = 0,
        G = 0,
        B = 0;
      for (const [sy, ay] of wy[r]) {
        for (const [sx, ax] of wx[c]) {
          const w = ay * ax,
            q = 4 * (sy * W + sx);
          R += w * px[q];
          G += w * px[q + 1];
          B += w * px[q + 2];
        }
      }
      const o = offset + 3 * (r * size + c);
      out[o] = R / 255;
      out[o + 1] = G / 255;
      out[o + 2] = B / 255;
    }
  }
  return out;
}

export interface ImageFolderOptions {
  /** Output side S (default 64; 32 for quick demos). */
  size?: number;
  /** Side of the centred square crop in source pixels (default: the image's shorter side). */
  crop?: number;
  /** Skip this many files (after sorting) and read at most `limit` (default: all). */
  offset?: number;
  limit?: number;
  /** Also read images in sub-folders (default false). */
  recursive?: boolean;
  /** Fraction held out for test (default 0.2) and the split's seed (default 0). */
  testFraction?: number;
  seed?: Seed;
}

export interface ImageFolder {
  /** Images [N, S, S, 3] in [0, 1]. */
  x: ArrayN<[number, number, number, number]>;
  /** The files read, relative to the folder, in row order. */
  files: string[];
  split: Split;
  source: string;
  standIn: false;
  label: string;
}

const IMAGE_FILE = /\.(jpe?g|png)$/i;

/** Image files of a folder, relative paths, sorted. */
export function listImages(dir: string, recursive = false): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`${dir}: no such folder (put the images, e.g. CelebA's img_align_celeba/*.jpg, in ${CELEBA_DIR}/)`);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (recursive) walk(p);
      } else if (IMAGE_FILE.test(name)) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** True when `dir` is a folder holding at least one image (e.g. whether the real CelebA is there). */
export function imageFolderPresent(dir: string, recursive = false): boolean {
  return existsSync(dir) && statSync(dir).isDirectory() && listImages(dir, recursive).length > 0;
}

/** Reads, crops and resizes the folder's images. */
export function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): ImageFolder {
  const where = `lib/data/image-folder (${dir})`;
  const size = opts.size ?? 64,
    offset = opts.offset ?? 0;
  checkInt(size, "size", 1, where);
  checkInt(offset, "offset", 0, where);
  if (opts.limit !== undefined) checkInt(opts.limit, "limit", 1, where);
  if (opts.crop !== undefined) checkInt(opts.crop, "crop", 1, where);
  const all = listImages(dir, opts.recursive ?? false);
  const files = all.slice(offset, opts.limit === undefined ? undefined : offset + opts.limit);
  if (files.length === 0)
    throw new Error(
      `${dir}: no .jpg/.jpeg/.png images${offset > 0 ? ` after skipping ${offset}` : ""} (found ${all.length} in all)`,
    );
  const per = size * size * 3;
  const values = new Float32Array(files.length * per);
  files.forEach((f, i) => {
    const path = join(dir, f);
    cropResize(decodeImage(readFileSync(path), path), size, opts.crop, values, i * per);
  });
  return {
    x: { values, shape: [files.length, size, size, 3] },
    files,
    split: splitIndices(files.length, opts.testFraction ?? 0.2, opts.seed ?? 0, "lib/data/image-folder"),
    source: dir,
    standIn: false,
    label: `${files.length} images from ${dir}, centre-cropped${opts.crop ? ` to ${opts.crop} px` : ""} and resized to ${size} × ${size}`,
  };
}

export interface CelebaOptions extends ImageFolderOptions {
  /** The folder to read (default data/external/celeba under the working directory). */
  dir?: string;
  /** Options of the stand-in used when the folder is absent or empty (its size follows `size`). */
  standIn?: Omit<SyntheticFacesOptions, "size">;
}

/**
 * CelebA from opts.dir (default data/external/celeba) if it holds images, else the synthetic faces
 * stand-in (n defaults to `limit` or 2000). A given opts.dir that does not exist is an error.
 */
export function celebaOrStandIn(opts: CelebaOptions = {}): ImageFolder | SyntheticFaces {
  const dir = opts.dir ?? resolvePath(CELEBA_DIR);
  const present = existsSync(dir) && statSync(dir).isDirectory() && listImages(dir, opts.recursive ?? false).length > 0;
  if (present || opts.dir !== undefined) return loadImageFolder(dir, opts);
  return syntheticFaces({
    n: opts.limit ?? 2000,
    testFraction: opts.testFraction,
    seed: opts.seed,
    ...opts.standIn,
    size: opts.size ?? 64,
  });
}
