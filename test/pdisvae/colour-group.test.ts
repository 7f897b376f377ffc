// Background colours and reached colour sets (lib/pdisvae/colour-group): corner colours of the synthetic
// faces are their true background, HSV-cylinder points of known colours, spread / local dimension of
// sets of known dimension, coverage, and groupColourSet on a decoder whose colour depends on known dims.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng";
import { hsvToRgb, syntheticFaces } from "../../lib/data/synthetic-faces";
import {
  cornerColours,
  coverage,
  defaultPatch,
  groupColourSet,
  hsvCylinder,
  localDimension,
  participationDimension,
  pointSetSpread,
  singularValues,
} from "../../lib/pdisvae/colour-group";
import { near } from "../eval/eval-helpers";

test("cornerColours: the synthetic faces' top corners are exactly their background colour", () => {
  for (const size of [16, 32]) {
    const d = syntheticFaces({ n: 60, size, supersample: 2, seed: 3 });
    const c = cornerColours(d.x);
    assert.equal(c.length, 60);
    assert.equal(defaultPatch(size), size / 16);
    c.forEach((rgb, i) => {
      const want = hsvToRgb(d.factors.hue[i], d.factors.saturation[i], d.factors.value[i]);
      for (let ch = 0; ch < 3; ch++) near(rgb[ch], want[ch], `image ${i} channel ${ch} (S=${size})`, 1e-5);
    });
  }
  // patch averaging: a 4×4 image whose top-left 1×1 is red and top-right 1×1 is blue
  const v = new Float32Array(4 * 4 * 3);
  v.set([1, 0, 0], 0);
  v.set([0, 0, 1], 3 * 3);
  assert.deepEqual(cornerColours({ values: v, shape: [1, 4, 4, 3] }, 1), [[0.5, 0, 0.5]]);
  assert.throws(() => cornerColours({ values: v, shape: [1, 4, 4, 1] }), /\[N, S, S, 3\]/);
  assert.throws(() => cornerColours({ values: v, shape: [1, 4, 4, 3] }, 3), /patch/);
});

test("hsvCylinder: hue is the angle, saturation the radius, value the height", () => {
  const close = (a: number[], b: number[], what: string) => a.forEach((x, i) => near(x, b[i], `${what}[${i}]`, 1e-12));
  close(hsvCylinder([1, 0, 0]), [1, 0, 1], "red");
  close(hsvCylinder([0, 1, 1]), [-1, 0, 1], "cyan");
  close(hsvCylinder([0.5, 0.5, 0.5]), [0, 0, 0.5], "grey");
  close(hsvCylinder([0, 0, 0]), [0, 0, 0], "black");
  const g = hsvCylinder([0, 0.8, 0]); // green, h = 1/3
  close(g, [Math.cos((2 * Math.PI) / 3), Math.sin((2 * Math.PI) / 3), 0.8], "green");
  close(hsvCylinder([1.3, -0.2, 0]), [1, 0, 1], "clipped to red");
  // round trip through hsvToRgb
  const rng = new Rng("colour-group/hsv");
  for (let i = 0; i < 50; i++) {
    const h = rng.uniform(),
      s = rng.uniform(),
      val = rng.uniform();
    close(
      hsvCylinder(hsvToRgb(h, s, val)),
      [s * Math.cos(2 * Math.PI * h), s * Math.sin(2 * Math.PI * h), val],
      `random colour ${i}`,
    );
  }
});

test("pointSetSpread / singularValues / participationDimension / localDimension on sets of known dimension", () => {
  assert.equal(participationDimension([2, 0, 0]), 1);
  near(participationDimension([1, 1, 0]), 2, "two equal");
  near(participationDimension([1, 1, 1]), 3, "three equal");
  assert.equal(participationDimension([0, 0]), 0);
  const rng = new Rng("colour-group/spread");
  const line = Array.from({ length: 500 }, () => {
    const t = rng.normal();
    return [t, 2 * t, -t];
  });
  const sl = pointSetSpread(line);
  near(sl.sd[0], Math.sqrt((6 * sl.totalVariance) / 6), "line: all variance on one axis", 1e-9);
  assert.ok(sl.ratios[1] < 1e-6 && sl.ratios[2] < 1e-6, `line ratios ${sl.ratios}`);
  near(sl.dimension, 1, "line dimension", 1e-5);
  const ball = Array.from({ length: 4000 }, () => [rng.normal(), rng.normal(), rng.normal()]);
  const sb = pointSetSpread(ball);
  assert.ok(sb.dimension > 2.9 && sb.dimension <= 3, `isotropic cloud dimension ${sb.dimension}`);
  near(sb.totalVariance, 3, "isotropic total variance", 0.2);
  const flat = Array.from({ length: 4000 }, () => [rng.normal(), 0.5, rng.normal()]);
  assert.ok(Math.abs(pointSetSpread(flat).dimension - 2) < 0.05, "plane dimension");
  const sv = singularValues([
    [3, 0],
    [0, 4],
    [0, 0],
  ]);
  near(sv[0], 4, "σ₁");
  near(sv[1], 3, "σ₂");
  near(sv[2], 0, "σ₃", 1e-12);
  const ld = localDimension([
    [
      [1, 0],
      [0, 1],
      [0, 0],
    ],
    [[2], [0], [0]],
    [[0], [0], [0]],
  ]);
  assert.deepEqual(
    ld.perPoint.map((x) => Math.round(x * 1e9) / 1e9),
    [2, 1, 0],
  );
  near(ld.mean, 1.5, "mean over moving points only");
  near(ld.meanGain, (1 + 2 + 0) / 3, "mean gain");
  assert.ok(Number.isNaN(localDimension([[[0], [0], [0]]]).mean));
});

test("coverage: distances to the nearest reached point", () => {
  const reached = [
    [0, 0, 0],
    [1, 0, 0],
  ];
  const c = coverage(
    reached,
    [
      [0, 0, 0.05],
      [0.5, 0, 0],
      [1, 0.3, 0],
    ],
    0.1,
  );
  near(c.fraction, 1 / 3, "fraction within 0.1");
  near(c.meanDistance, (0.05 + 0.5 + 0.3) / 3, "mean distance");
  near(c.medianDistance, 0.3, "median distance");
  assert.throws(() => coverage(reached, [[0, 0]], 0.1), /coordinates/);
});

test("groupColourSet: a decoder whose colour depends on z₀, z₁ only", async () => {
  await tf.setBackend("cpu");
  const S = 8;
  // background red = sigmoid(z₀), green = sigmoid(z₁), blue 0.2; z₂ changes only the centre pixel
  const decoder = {
    zDim: 3,
    // in tensor ops (decode is synchronous, and a sync read would fail on a GPU backend)
    decode(z: tf.Tensor): tf.Tensor {
      return tf.tidy(() => {
        const n = z.shape[0],
          s = tf.sigmoid(z);
        const background = tf.concat([tf.slice(s, [0, 0], [n, 2]), tf.fill([n, 1], 0.2)], 1).reshape([n, 1, 1, 3]);
        const centre = tf.concat([tf.slice(s, [0, 2], [n, 1]), tf.zeros([n, 2])], 1).reshape([n, 1, 1, 3]);
        const mask = tf.buffer([1, S, S, 1]);
        mask.set(1, 0, 4, 4, 0);
        const m = mask.toTensor();
        return tf.add(tf.mul(background, tf.sub(1, m)), tf.mul(centre, m));
      });
    },
  };
  const one = await groupColourSet(decoder, [0], { samples: 300, jacobianPoints: 40, rng: "t1" });
  assert.equal(one.cylinder.length, 300);
  assert.equal(one.z[0].length, 1);
  near(one.local!.mean, 1, "1-D group", 1e-6);
  assert.ok(one.spread.totalVariance > 0.01);
  const two = await groupColourSet(decoder, [0, 1], { samples: 600, jacobianPoints: 60, rng: "t2" });
  assert.ok(two.local!.mean > 1.4 && two.local!.mean <= 2, `2-D group local dimension ${two.local!.mean}`);
  assert.ok(two.spread.ratios[1] > 0.3, `2-D group spread ratios ${two.spread.ratios}`);
  // the colours reached by (z₀, z₁) contain those of z₀ alone (z₁ = 0 ↔ green 0.5)
  const cov = coverage(two.cylinder, one.cylinder, 0.05);
  assert.ok(cov.fraction > 0.9, `coverage of the 1-D set by the 2-D set ${cov.fraction}`);
  const dead = await groupColourSet(decoder, [2], { samples: 50, jacobianPoints: 10, rng: "t3" });
  near(dead.spread.totalVariance, 0, "background does not move with z₂", 1e-12);
  assert.ok(Number.isNaN(dead.local!.mean));
  near(dead.local!.meanGain, 0, "zero gain", 1e-9);
  // base: z₁ fixed at +3 moves the reached curve
  const shifted = await groupColourSet(decoder, [0], { samples: 50, jacobianPoints: 0, base: [0, 3, 0], rng: "t1" });
  assert.equal(shifted.local, null);
  shifted.rgb.forEach((c) => near(c[1], 1 / (1 + Math.exp(-3)), "green at z₁ = 3", 1e-6));
  // scale: z₀ = 3 + 0.01·ε keeps red at sigmoid(3 ± small); the draws are reported in z units
  const narrow = await groupColourSet(decoder, [0], {
    samples: 40,
    jacobianPoints: 5,
    base: [3, 0, 0],
    scale: [0.01, 1, 1],
    rng: "t4",
  });
  narrow.z.forEach((zz) => assert.ok(Math.abs(zz[0] - 3) < 0.05, `z₀ ${zz[0]}`));
  narrow.rgb.forEach((c) => near(c[0], 1 / (1 + Math.exp(-3)), "red near sigmoid(3)", 3e-3));
  const wider = await groupColourSet(decoder, [0], {
    samples: 40,
    jacobianPoints: 5,
    base: [3, 0, 0],
    scale: [0.02, 1, 1],
    rng: "t4",
  });
  near(wider.local!.meanGain / narrow.local!.meanGain, 2, "the gain per unit ε doubles with the scale", 0.02);
  await assert.rejects(groupColourSet(decoder, [0], { scale: [0, 1, 1] }), /scale/);
  await assert.rejects(groupColourSet(decoder, [3]), /outside/);
});
