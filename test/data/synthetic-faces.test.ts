// The synthetic faces stand-in for CelebA: shapes, factor ranges, the HSV helpers, independent groups
// with dependent factors inside (background hue–saturation, skin–hair), pixels where the factors say,
// and determinism.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  faceCentre,
  FACE_GROUPS,
  hsvToRgb,
  rgbToHsv,
  skinColour,
  syntheticFaces,
} from "../../lib/data/synthetic-faces";
import { column } from "../../lib/data/dataset";
import { binnedMI, corr } from "./stats";

test("HSV ↔ RGB round-trips and hits the primaries", () => {
  const near = (a: number[], b: number[]) =>
    assert.ok(
      a.every((v, i) => Math.abs(v - b[i]) < 1e-12),
      `${a} vs ${b}`,
    );
  near(hsvToRgb(0, 1, 1), [1, 0, 0]);
  near(hsvToRgb(1 / 3, 1, 1), [0, 1, 0]);
  near(hsvToRgb(2 / 3, 1, 1), [0, 0, 1]);
  near(hsvToRgb(1, 1, 1), [1, 0, 0]);
  near(hsvToRgb(0.4, 0, 0.5), [0.5, 0.5, 0.5]);
  for (let i = 0; i < 50; i++) {
    const h = (i * 0.137) % 1,
      s = 0.2 + ((i * 0.31) % 0.8),
      v = 0.3 + ((i * 0.53) % 0.7);
    const [h2, s2, v2] = rgbToHsv(...hsvToRgb(h, s, v));
    assert.ok(
      Math.abs(h2 - h) < 1e-9 && Math.abs(s2 - s) < 1e-9 && Math.abs(v2 - v) < 1e-9,
      `(${h}, ${s}, ${v}) → (${h2}, ${s2}, ${v2})`,
    );
  }
});

test("images, factors and groups; the corner is the background colour, the face centre is skin", () => {
  const d = syntheticFaces({ n: 40, size: 32, seed: 1 });
  assert.deepEqual(d.x.shape, [40, 32, 32, 3]);
  assert.deepEqual(d.z.shape, [40, 8]);
  assert.deepEqual(d.groups, FACE_GROUPS);
  assert.deepEqual(d.groups, [[0, 1, 2], [3, 4], [5], [6], [7]]);
  assert.equal(d.zNames.length, 8);
  assert.equal(d.standIn, true);
  assert.match(d.label, /stand-in for CelebA/);
  assert.equal(d.split.test.length, 8);
  assert.ok(d.x.values.every((v) => v >= 0 && v <= 1));
  const S = 32,
    per = S * S * 3;
  for (let n = 0; n < 40; n++) {
    const f = d.factors;
    const bg = hsvToRgb(f.hue[n], f.saturation[n], f.value[n]);
    for (const [r, c] of [
      [0, 0],
      [0, S - 1],
    ]) {
      for (let ch = 0; ch < 3; ch++)
        assert.ok(
          Math.abs(d.x.values[n * per + 3 * (r * S + c) + ch] - bg[ch]) < 1e-5,
          `image ${n} corner (${r}, ${c})`,
        );
    }
    const [cx, cy] = faceCentre(f.faceX[n], f.faceY[n]);
    const r = Math.floor(cy * S),
      c = Math.floor(cx * S);
    const skin = skinColour(f.skinTone[n]);
    for (let ch = 0; ch < 3; ch++)
      assert.ok(Math.abs(d.x.values[n * per + 3 * (r * S + c) + ch] - skin[ch]) < 1e-5, `image ${n} face centre`);
    // the cylinder coordinates are (s cos 2πh, s sin 2πh, v)
    const z = Array.from(d.z.values.slice(8 * n, 8 * n + 8));
    assert.ok(Math.abs(z[0] - f.saturation[n] * Math.cos(2 * Math.PI * f.hue[n])) < 1e-6);
    assert.ok(Math.abs(z[1] - f.saturation[n] * Math.sin(2 * Math.PI * f.hue[n])) < 1e-6);
    assert.deepEqual(z.slice(2), [
      f.value[n],
      f.skinTone[n],
      f.hairLightness[n],
      f.faceX[n],
      f.faceY[n],
      f.faceScale[n],
    ]);
  }
});

test("groups are independent of each other; background hue–saturation and skin–hair are dependent", () => {
  const d = syntheticFaces({ n: 3000, size: 8, supersample: 1, seed: 2 });
  const cols = Array.from({ length: 8 }, (_, k) => column(d.z, k));
  const groupOf = (k: number) => d.groups.findIndex((g) => g.includes(k));
  for (let i = 0; i < 8; i++) {
    for (let j = i + 1; j < 8; j++) {
      if (groupOf(i) === groupOf(j)) continue;
      assert.ok(
        Math.abs(corr(cols[i], cols[j])) < 0.08,
        `corr(${d.zNames[i]}, ${d.zNames[j]}) = ${corr(cols[i], cols[j])}`,
      );
      assert.ok(
        binnedMI(cols[i], cols[j]) < 0.025,
        `MI(${d.zNames[i]}, ${d.zNames[j]}) = ${binnedMI(cols[i], cols[j])}`,
      );
    }
  }
  const f = d.factors;
  const hue = Array.from(f.hue),
    sat = Array.from(f.saturation),
    val = Array.from(f.value);
  // warm hues (near 0.05) are more saturated than cool ones (near 0.55)
  const warmth = hue.map((h) => Math.cos(2 * Math.PI * (h - 0.05)));
  assert.ok(corr(warmth, sat) > 0.7, `corr(warmth, saturation) = ${corr(warmth, sat)}`);
  assert.ok(binnedMI(hue, sat) > 0.3, `MI(hue, saturation) = ${binnedMI(hue, sat)}`);
  assert.ok(corr(sat, val) < -0.2, `corr(saturation, value) = ${corr(sat, val)}`);
  // in cylinder coordinates the background group spans a restricted 3-D region, not a product
  assert.ok(binnedMI(cols[0], cols[1]) > 0.15, `MI(bg x, bg y) = ${binnedMI(cols[0], cols[1])}`);
  // darker skin → darker hair
  assert.ok(corr(cols[3], cols[4]) < -0.4, `corr(skin tone, hair lightness) = ${corr(cols[3], cols[4])}`);
  // ranges
  assert.ok(
    hue.every((h) => h >= 0 && h < 1) && sat.every((s) => s >= 0 && s <= 1) && val.every((v) => v >= 0.35 && v <= 0.95),
  );
  assert.ok(cols[7].every((s) => s >= 0.8 && s <= 1.2) && cols[5].every((x) => Math.abs(x) <= 1));
});

test("deterministic by seed; the factors do not depend on the image size", () => {
  const a = syntheticFaces({ n: 10, size: 16, seed: 3 });
  const b = syntheticFaces({ n: 10, size: 16, seed: 3 });
  assert.deepEqual(a.x.values, b.x.values);
  assert.deepEqual(a.z.values, b.z.values);
  const c = syntheticFaces({ n: 10, size: 24, seed: 3, supersample: 2 });
  assert.deepEqual(c.z.values, a.z.values);
  assert.notDeepEqual(syntheticFaces({ n: 10, size: 16, seed: 4 }).z.values, a.z.values);
  assert.throws(() => syntheticFaces({ size: 4 }), /size must be an integer ≥ 8/);
});
