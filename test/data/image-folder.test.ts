// The image-folder (CelebA) loader on small PNG and JPEG files the test writes with the same libraries:
// decoding, centre crop, area resize, file selection and order, errors naming the file; and the
// fall-back to the synthetic faces stand-in.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { celebaOrStandIn, cropResize, decodeImage, listImages, loadImageFolder } from "../../lib/data/image-folder";

const tmp = mkdtempSync(join(tmpdir(), "vaelab-images-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** RGBA bytes of a width × height image from a colour function (8-bit values). */
function rgba(width: number, height: number, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      data.set([r, g, b, 255], 4 * (y * width + x));
    }
  }
  return data;
}

function writePng(
  path: string,
  width: number,
  height: number,
  colour: (x: number, y: number) => [number, number, number],
  colorType: 0 | 2 | 6 = 6,
): void {
  const png = new PNG({ width, height, colorType });
  rgba(width, height, colour).copy(png.data);
  writeFileSync(path, PNG.sync.write(png, { colorType }));
}

function writeJpeg(
  path: string,
  width: number,
  height: number,
  colour: (x: number, y: number) => [number, number, number],
): void {
  writeFileSync(path, jpeg.encode({ width, height, data: rgba(width, height, colour) }, 100).data);
}

// 8 × 4 image: columns 0–1 red, 2–5 a green ramp, 6–7 blue; rows alternate brightness in the ramp
const wide = (x: number, y: number): [number, number, number] =>
  x < 2 ? [255, 0, 0] : x >= 6 ? [0, 0, 255] : [0, 40 * x + 10 * y, 0];

test("PNG: the centred square crop drops the sides, area averaging gives exact block means", () => {
  const dir = join(tmp, "png");
  mkdirSync(dir);
  writePng(join(dir, "a.png"), 8, 4, wide);
  const d = loadImageFolder(dir, { size: 2, testFraction: 0 });
  assert.deepEqual(d.x.shape, [1, 2, 2, 3]);
  assert.deepEqual(d.files, ["a.png"]);
  assert.equal(d.standIn, false);
  // output (r, c) averages source rows 2r…2r+1, columns 2 + 2c … 3 + 2c
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      let g = 0;
      for (let y = 2 * r; y < 2 * r + 2; y++) for (let x = 2 + 2 * c; x < 4 + 2 * c; x++) g += wide(x, y)[1];
      const o = 3 * (r * 2 + c);
      assert.equal(d.x.values[o], 0, "no red from the cropped-off left columns");
      assert.equal(d.x.values[o + 2], 0, "no blue from the cropped-off right columns");
      assert.ok(Math.abs(d.x.values[o + 1] - g / 4 / 255) < 1e-6, `green at (${r}, ${c})`);
    }
  }
  // a non-integer ratio (4 → 3) keeps the crop's mean exactly; values stay in [0, 1]
  const img = decodeImage(
    PNG.sync.write(Object.assign(new PNG({ width: 8, height: 4 }), { data: rgba(8, 4, wide) })),
    "mem",
  );
  const three = cropResize(img, 3);
  let meanOut = 0,
    meanCrop = 0;
  for (let i = 1; i < three.length; i += 3) meanOut += three[i] / 9;
  for (let y = 0; y < 4; y++) for (let x = 2; x < 6; x++) meanCrop += wide(x, y)[1] / 255 / 16;
  assert.ok(Math.abs(meanOut - meanCrop) < 1e-6);
  assert.ok(three.every((v) => v >= 0 && v <= 1));
  // an explicit crop: the central 2 × 2 (columns 3–4, rows 1–2) at 1 × 1
  const c2 = cropResize(img, 1, 2);
  assert.ok(Math.abs(c2[1] - (wide(3, 1)[1] + wide(4, 1)[1] + wide(3, 2)[1] + wide(4, 2)[1]) / 4 / 255) < 1e-6);
  // upscaling (4 → 8) repeats pixels
  const up = cropResize(img, 8);
  assert.ok(
    Math.abs(up[3 * (0 * 8 + 0) + 1] - wide(2, 0)[1] / 255) < 1e-6 &&
      Math.abs(up[3 * (7 * 8 + 7) + 1] - wide(5, 3)[1] / 255) < 1e-6,
  );
});

test("JPEG and grayscale PNG decode to RGB in [0, 1]; files sorted, filtered, offset/limit, recursive", () => {
  const dir = join(tmp, "mixed");
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeJpeg(join(dir, "b.jpg"), 16, 16, () => [200, 100, 50]);
  writePng(join(dir, "a.PNG"), 10, 10, () => [90, 90, 90], 0);
  writeJpeg(join(dir, "c.jpeg"), 20, 12, (x) => (x < 4 || x >= 16 ? [255, 255, 255] : [0, 0, 0]));
  writeFileSync(join(dir, "notes.txt"), "not an image");
  writePng(join(dir, "sub", "d.png"), 4, 4, () => [0, 255, 0]);
  assert.deepEqual(listImages(dir), ["a.PNG", "b.jpg", "c.jpeg"]);
  assert.deepEqual(listImages(dir, true), ["a.PNG", "b.jpg", "c.jpeg", join("sub", "d.png")]);
  const d = loadImageFolder(dir, { size: 4, testFraction: 0.34, seed: 1 });
  assert.deepEqual(d.x.shape, [3, 4, 4, 3]);
  assert.deepEqual(d.files, ["a.PNG", "b.jpg", "c.jpeg"]);
  assert.equal(d.split.test.length, 1);
  const px = (n: number, r: number, c: number) =>
    Array.from(d.x.values.slice(n * 48 + 3 * (r * 4 + c), n * 48 + 3 * (r * 4 + c) + 3));
  for (const v of px(0, 1, 2)) assert.ok(Math.abs(v - 90 / 255) < 1e-6, `grayscale replicated: ${v}`);
  const [r, g, b] = px(1, 2, 2);
  assert.ok(
    Math.abs(r - 200 / 255) < 3 / 255 && Math.abs(g - 100 / 255) < 3 / 255 && Math.abs(b - 50 / 255) < 3 / 255,
    `JPEG colour ${[r, g, b].map((v) => v * 255)}`,
  );
  // c.jpeg: the central 12 × 12 crop (columns 4–15) is all black: the white sides are cropped off
  for (let i = 0; i < 48; i++) assert.ok(d.x.values[2 * 48 + i] < 0.06, `cropped JPEG value ${d.x.values[2 * 48 + i]}`);
  const some = loadImageFolder(dir, { size: 4, offset: 1, limit: 1 });
  assert.deepEqual(some.files, ["b.jpg"]);
  assert.deepEqual(Array.from(some.x.values), Array.from(d.x.values.slice(48, 96)));
  assert.equal(loadImageFolder(dir, { size: 4, recursive: true }).x.shape[0], 4);
  assert.deepEqual(loadImageFolder(dir, { size: 4 }).x.values, loadImageFolder(dir, { size: 4 }).x.values);
});

test("errors name the folder or file", () => {
  assert.throws(() => loadImageFolder(join(tmp, "absent")), /absent: no such folder/);
  const empty = join(tmp, "empty");
  mkdirSync(empty);
  writeFileSync(join(empty, "readme.md"), "#");
  assert.throws(() => loadImageFolder(empty), /empty: no \.jpg\/\.jpeg\/\.png images/);
  const bad = join(tmp, "bad");
  mkdirSync(bad);
  writeFileSync(join(bad, "broken.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
  assert.throws(() => loadImageFolder(bad), /broken\.png: cannot decode PNG/);
  const bad2 = join(tmp, "bad2");
  mkdirSync(bad2);
  writeFileSync(join(bad2, "text.jpg"), "plain text");
  assert.throws(() => loadImageFolder(bad2), /text\.jpg: neither a PNG nor a JPEG file/);
  const bad3 = join(tmp, "bad3");
  mkdirSync(bad3);
  writeFileSync(join(bad3, "cut.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2]));
  assert.throws(() => loadImageFolder(bad3), /cut\.jpg: cannot decode JPEG/);
  assert.throws(() => loadImageFolder(join(tmp, "png"), { size: 0 }), /size must be an integer ≥ 1/);
});

test("celebaOrStandIn: the folder when given, else the labelled synthetic faces", () => {
  const real = celebaOrStandIn({ dir: join(tmp, "png"), size: 2 });
  assert.equal(real.standIn, false);
  assert.throws(() => celebaOrStandIn({ dir: join(tmp, "nowhere") }), /nowhere: no such folder/);
  const cwd = process.cwd();
  try {
    process.chdir(tmp); // no data/external/celeba here
    const s = celebaOrStandIn({ size: 16, limit: 5, standIn: { supersample: 1 } });
    assert.equal(s.standIn, true);
    assert.match(s.label, /SYNTHETIC FACES/);
    assert.deepEqual(s.x.shape, [5, 16, 16, 3]);
  } finally {
    process.chdir(cwd);
  }
});
