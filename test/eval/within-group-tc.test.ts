// Minimum within-group TC over linear transformations (whitening + rotation, KSG MI per angle).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/engine/rng";
import { minWithinGroupTC, pairTC } from "../../lib/eval/within-group-tc";
import { near } from "./eval-helpers";

const S3 = Math.sqrt(3);

function rotated(rng: Rng, n: number, deg: number, scale: [number, number] = [1, 1]): number[][] {
  const a = (deg * Math.PI) / 180;
  return Array.from({ length: n }, () => {
    const u = scale[0] * rng.uniformIn(-S3, S3);
    const v = scale[1] * rng.uniformIn(-S3, S3);
    return [Math.cos(a) * u - Math.sin(a) * v + 5, Math.sin(a) * u + Math.cos(a) * v - 2];
  });
}

test("independent uniforms rotated by 30°: minimum TC ≈ 0, found near −30°; other angles clearly > 0", () => {
  const rng = new Rng("wgtc/uniform");
  const r = minWithinGroupTC(rotated(rng, 2000, 30), { angles: 45 });
  assert.ok(Math.abs(r.tc) < 0.03, `min TC ${r.tc}`);
  assert.ok(Math.abs(r.angleDeg + 30) < 3, `angle ${r.angleDeg}°`);
  assert.equal(r.curve.length, 45);
  assert.ok(Math.max(...r.curve.map((c) => c.tc)) > 0.15, "the unrotated group is dependent");
  // the transform maps the group to (nearly) the two independent uniforms: check unit variance and decorrelation
  const data = rotated(new Rng("wgtc/uniform"), 2000, 30);
  const c = data.map(([x, y]) =>
    [0, 1].map((i) => r.transform[i][0] * (x - r.mean[0]) + r.transform[i][1] * (y - r.mean[1])),
  );
  const cov = [0, 1].map((i) => [0, 1].map((j) => c.reduce((s, row) => s + row[i] * row[j], 0) / c.length));
  near(cov[0][0], 1, "var 0", 1e-9);
  near(cov[1][1], 1, "var 1", 1e-9);
  near(cov[0][1], 0, "cov", 1e-9);
});

test("the angle is found for anisotropic sources and other rotations (mod 90°, reported in [−45°, 45°))", () => {
  const rng = new Rng("wgtc/aniso");
  // unequal scales: whitening turns the linear mix back into a rotation of the sources
  const r = minWithinGroupTC(rotated(rng, 1500, -20, [3, 0.5]), { angles: 45 });
  assert.ok(r.tc < 0.03, `${r.tc}`);
  const r2 = minWithinGroupTC(rotated(rng, 1500, 70), { angles: 45 });
  assert.ok(
    Math.abs(r2.angleDeg - 20) < 4,
    `70° ≡ −20° mod 90°, so the undoing rotation is +20° (got ${r2.angleDeg}°)`,
  );
  assert.ok(r2.angle >= -Math.PI / 4 && r2.angle < Math.PI / 4);
});

test("entangled groups (a ring, a parabola) keep TC clearly > 0 at every angle; a Gaussian group is ≈ 0 at every angle", () => {
  const rng = new Rng("wgtc/ring");
  const ring = Array.from({ length: 1500 }, () => {
    const phi = rng.uniformIn(0, 2 * Math.PI);
    const rad = 1 + 0.1 * rng.normal();
    return [rad * Math.cos(phi), 0.5 * rad * Math.sin(phi)];
  });
  const r = minWithinGroupTC(ring, { angles: 30 });
  assert.ok(r.tc > 0.3, `ring min TC ${r.tc}`);
  const parabola = Array.from({ length: 1500 }, () => {
    const t = rng.uniformIn(-1, 1);
    return [t, t * t + 0.05 * rng.normal()];
  });
  assert.ok(minWithinGroupTC(parabola, { angles: 30 }).tc > 0.3);
  const gauss = Array.from({ length: 1500 }, () => {
    const a = rng.normal(),
      b = rng.normal();
    return [a + 0.8 * b, 0.5 * b];
  });
  const g = minWithinGroupTC(gauss, { angles: 30 });
  // KSG noise at N = 1500 is ~0.01 (slightly negative-biased here)
  const worst = Math.max(...g.curve.map((c) => Math.abs(c.tc)));
  assert.ok(worst < 0.05, `a whitened Gaussian is independent at every angle (max |TC| ${worst})`);
});

test("pairTC (between-group pairs) ≈ 0 for independent components; input checks; subsampling", () => {
  const rng = new Rng("wgtc/pair");
  const ind = Array.from({ length: 1500 }, () => [rng.normal(), rng.uniform()]);
  const p = pairTC(ind);
  assert.ok(Math.abs(p) < 0.04, `pair TC ${p}`);
  assert.throws(() => minWithinGroupTC([[1, 2, 3]]), /row 0 has 3 entries, expected 2/);
  assert.throws(
    () => minWithinGroupTC(Array.from({ length: 50 }, (_, i) => [i, 2 * i])),
    /is singular; the group is not rank 2/,
  );
  const big = rotated(rng, 5000, 10);
  const r = minWithinGroupTC(big, { maxPoints: 800, angles: 30, refine: 0 });
  assert.equal(r.curve.length, 30);
  assert.ok(Math.abs(r.angleDeg + 10) <= 4, `${r.angleDeg}`);
});
