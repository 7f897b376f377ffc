// pdSprites: 805 = 161 locations × 5 sizes, the empty upper and lower triangles, size independent of
// location, and each image's square where z says (centre of mass, mass = side²).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  pdSprites,
  pdSpritesAdmissible,
  pdSpritesGeometry,
  pdSpritesLocations,
  PDSPRITES_SCALES,
  renderSquare,
} from "../../lib/data/pdsprites";
import { column } from "../../lib/data/dataset";

test("805 images of 32 × 32 × 1 in [0, 1]; 161 admissible locations × 5 sizes; groups [[0, 1], [2]]", () => {
  const d = pdSprites();
  assert.deepEqual(d.x.shape, [805, 32, 32, 1]);
  assert.deepEqual(d.z.shape, [805, 3]);
  assert.deepEqual(d.groups, [[0, 1], [2]]);
  assert.deepEqual(d.zNames, ["x-location", "y-location", "size"]);
  assert.equal(pdSpritesLocations().length, 161);
  let lo = Infinity,
    hi = -Infinity;
  for (const v of d.x.values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.ok(lo >= 0 && hi <= 1 && hi === 1, `range [${lo}, ${hi}]`);
  // every (location, size) pair exactly once
  const keys = new Set<string>();
  for (let n = 0; n < 805; n++) keys.add(Array.from(d.z.values.slice(3 * n, 3 * n + 3)).join(","));
  assert.equal(keys.size, 805);
  assert.deepEqual([...new Set(column(d.z, 2))].sort(), [...PDSPRITES_SCALES].sort());
  // default: no test rows (the paper trains on all 805); a held-out fraction splits by seed
  assert.equal(d.split.train.length, 805);
  const s = pdSprites({ testFraction: 0.2, seed: 3 });
  assert.equal(s.split.test.length, 161);
  assert.deepEqual(s.x.values, d.x.values, "the images do not depend on the seed");
  assert.deepEqual(pdSprites({ testFraction: 0.2, seed: 3 }).split, s.split);
  assert.notDeepEqual(pdSprites({ testFraction: 0.2, seed: 4 }).split.test, s.split.test);
});

test("the location group: uniform on the bow-tie grid, upper and lower triangles empty, x and y entangled; size independent", () => {
  const d = pdSprites();
  const x = column(d.z, 0),
    y = column(d.z, 1),
    size = column(d.z, 2);
  for (let n = 0; n < 805; n++)
    assert.ok(
      pdSpritesAdmissible(x[n], y[n]) && Math.abs(y[n]) <= Math.abs(x[n]) + 1e-6,
      `location (${x[n]}, ${y[n]})`,
    );
  // the grid: 17 values per axis, steps of 1/8, everything in [−1, 1]
  assert.deepEqual([...new Set(x)].length, 17);
  assert.ok(x.every((v) => Math.abs(v * 8 - Math.round(v * 8)) < 1e-6 && Math.abs(v) <= 1));
  // entangled: the conditional distribution of y depends on x (at x = 0 only y = 0; at |x| = 1 all 17 values)
  const yAt = (xv: number) => new Set(y.filter((_, n) => Math.abs(x[n] - xv) < 1e-6));
  assert.deepEqual([...yAt(0)], [0]);
  assert.equal(yAt(1).size, 17);
  assert.equal(yAt(-0.5).size, 9);
  // the top-middle and bottom-middle of the image are empty too: a square of side ≤ 8 centred in the
  // bow-tie |dy| ≤ |dx| inks only pixels with |dy| ≤ |dx| + 8 + 1 (its corner, plus the pixel's extent),
  // so every pixel whose centre has |dy| > |dx| + 9 (pixel units from the image centre) stays 0
  const S = 32;
  let tested = 0;
  for (let r = 0; r < S; r++) {
    for (let c = 0; c < S; c++) {
      const dx = c + 0.5 - 16,
        dy = 16 - (r + 0.5);
      if (Math.abs(dy) <= Math.abs(dx) + 9) continue;
      tested++;
      for (let n = 0; n < 805; n++)
        assert.equal(d.x.values[n * S * S + r * S + c], 0, `pixel (${r}, ${c}) of image ${n} should be empty`);
    }
  }
  assert.ok(tested >= 40, `${tested} pixels in the empty triangles`);
  // while the left and right of the image do get ink at the same distances from the centre
  const inked = (r: number, c: number) => {
    for (let n = 0; n < 805; n++) if (d.x.values[n * S * S + r * S + c] > 0) return true;
    return false;
  };
  assert.ok(inked(16, 2) && inked(16, 29) && inked(3, 2) && inked(28, 29));
  assert.ok(!inked(2, 16) && !inked(29, 16));
  // size ⊥ location: each location has each of the 5 sizes exactly once
  const perLocation = new Map<string, number[]>();
  for (let n = 0; n < 805; n++) {
    const key = `${x[n]},${y[n]}`;
    perLocation.set(key, [...(perLocation.get(key) ?? []), size[n]]);
  }
  assert.equal(perLocation.size, 161);
  for (const sizes of perLocation.values()) assert.deepEqual(sizes.sort(), [...PDSPRITES_SCALES].sort());
});

test("each square is where z says: centre of mass = location, mass = side², exact coverage at sub-pixel positions", () => {
  const d = pdSprites();
  const S = 32;
  for (let n = 0; n < 805; n++) {
    const [z1, z2, z3] = Array.from(d.z.values.slice(3 * n, 3 * n + 3));
    const { cx, cy, side } = pdSpritesGeometry(z1, z2, z3);
    let m = 0,
      mx = 0,
      my = 0;
    for (let r = 0; r < S; r++) {
      for (let c = 0; c < S; c++) {
        const v = d.x.values[n * S * S + r * S + c];
        m += v;
        mx += v * (c + 0.5);
        my += v * (r + 0.5);
      }
    }
    assert.ok(Math.abs(m - side * side) < 1e-3, `image ${n}: mass ${m} vs side² ${side * side}`);
    assert.ok(
      Math.abs(mx / m - cx) < 0.15 && Math.abs(my / m - cy) < 0.15,
      `image ${n}: centre of mass (${mx / m}, ${my / m}) vs (${cx}, ${cy})`,
    );
    // the square stays inside the image with a margin
    assert.ok(cx - side / 2 >= 1 && cx + side / 2 <= S - 1 && cy - side / 2 >= 1 && cy + side / 2 <= S - 1);
  }
  // larger z3 → larger square; z1 right, z2 up
  const g = (z1: number, z2: number, z3: number) => pdSpritesGeometry(z1, z2, z3);
  assert.ok(g(0.5, 0, 1).cx > g(-0.5, 0, 1).cx);
  assert.ok(g(1, 0.5, 1).cy < g(1, -0.5, 1).cy, "z2 > 0 is higher in the image (smaller row)");
  assert.equal(g(0, 0, 0.5).side * 2, g(0, 0, 1).side);
  // a square with a fractional edge: interior pixels 1, edge pixels equal to the covered fraction
  const img = renderSquare(0.125, 0, 0.625); // centre (17.25, 16), side 5: columns 14.75…19.75, rows 13.5…18.5
  assert.equal(img[15 * S + 16], 1);
  assert.ok(Math.abs(img[15 * S + 14] - 0.25) < 1e-6, `left edge coverage ${img[15 * S + 14]}`);
  assert.ok(Math.abs(img[15 * S + 19] - 0.75) < 1e-6, `right edge coverage ${img[15 * S + 19]}`);
  assert.ok(Math.abs(img[13 * S + 16] - 0.5) < 1e-6, `top edge coverage ${img[13 * S + 16]}`);
  assert.ok(Math.abs(img[13 * S + 14] - 0.125) < 1e-6, `corner coverage ${img[13 * S + 14]}`);
  assert.equal(img[12 * S + 16], 0);
});
