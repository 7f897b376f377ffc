// Minimum within-group total correlation over linear transformations (PDisVAE, seed 002, Fig. 3(b):
// "the TC shows the minimum TC under all possible linear transformations"; A.4.2 "within-group TCs").
//
// For a rank-2 group ẑ (N×2) we search, as linear ICA does, over the maps c = W(ẑ − μ) whose outputs are
// uncorrelated: independent outputs are uncorrelated, and TC is invariant to rescaling or flipping an
// output, so W can be taken with W Σ Wᵀ = I, i.e. W = R(θ)·Σ^{-1/2} (symmetric whitening w = Σ^{-1/2}(ẑ − μ)
// followed by a rotation R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]]; a reflection is a rotation and a flip).
// After whitening TC depends on θ only:
//     minTC = min_θ TC(c(θ)) = min_θ I(c₁(θ); c₂(θ)),
// estimated by the KSG k-NN estimator (lib/eval/knn-mi, k = 3) on the point cloud. TC(c(θ)) has period
// 90° (R(90°) swaps the components up to sign), so θ is scanned over [−45°, 45°) (default 1° steps) and
// then refined by golden-section search in the best grid cell. For a group that is a rotation by α of
// two independent non-Gaussian components, the minimum is ≈ 0 at θ ≈ −α (mod 90°); for an entangled
// group (e.g. a ring) every angle keeps TC clearly > 0. (A Gaussian group gives ≈ 0 at every angle:
// whitened Gaussian components are independent — the rank-deficient "dummy" case of A.4.2.)
import { Rng } from "../engine/rng";
import { ksgMutualInformation } from "./knn-mi";

type Rows = readonly (readonly number[])[];

export interface WithinGroupTCOptions {
  /** Grid angles in [−45°, 45°) (default 90). */
  angles?: number;
  /** Golden-section refinement steps in the best grid cell (default 12; 0 = none). */
  refine?: number;
  /** KSG neighbours (default 3). */
  k?: number;
  /** Use at most this many rows, drawn without replacement by `rng` (default 2000). */
  maxPoints?: number;
  /** Randomness for subsampling and the estimator's jitter (default new Rng("lib/eval/within-group-tc")). */
  rng?: Rng;
}

export interface WithinGroupTC {
  /** Minimum TC found (nats). */
  tc: number;
  /** Rotation angle of the whitened group at the minimum, radians in [−π/4, π/4). */
  angle: number;
  angleDeg: number;
  /** 2×2 map W (rows = output components) with c = W (ẑ − mean): R(θ)·Σ^{-1/2}. */
  transform: number[][];
  mean: [number, number];
  /** TC on the grid, angle in radians. */
  curve: { angle: number; tc: number }[];
}

/** Symmetric inverse square root of a 2×2 SPD matrix [[a, b], [b, c]]. */
function invSqrt2x2(a: number, b: number, c: number): number[][] {
  // Eigen-decomposition in closed form.
  const tr = a + c;
  const det = a * c - b * b;
  if (!(a > 0) || !(c > 0) || !(det > 1e-12 * a * c))
    throw new Error(
      `lib/eval/within-group-tc: the group's covariance [[${a}, ${b}], [${b}, ${c}]] is singular; the group is not rank 2`,
    );
  const disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  const l1 = tr / 2 + disc;
  const l2 = tr / 2 - disc;
  // eigenvector of l1
  let vx: number, vy: number;
  if (Math.abs(b) > 1e-300) {
    vx = l1 - c;
    vy = b;
  } else if (a >= c) {
    vx = 1;
    vy = 0;
  } else {
    vx = 0;
    vy = 1;
  }
  const nv = Math.hypot(vx, vy);
  vx /= nv;
  vy /= nv;
  const s1 = 1 / Math.sqrt(l1);
  const s2 = 1 / Math.sqrt(l2);
  // V diag(s) Vᵀ with V = [[vx, −vy], [vy, vx]]
  return [
    [s1 * vx * vx + s2 * vy * vy, (s1 - s2) * vx * vy],
    [(s1 - s2) * vx * vy, s1 * vy * vy + s2 * vx * vx],
  ];
}

function rotate(w: number[][], th: number): number[][] {
  const c = Math.cos(th),
    s = Math.sin(th);
  return w.map(([x, y]) => [c * x - s * y, s * x + c * y]);
}

/** TC (= MI) of two scalar variables given as the columns of N×2 rows, by KSG. */
export function pairTC(samples: Rows, opts: { k?: number; rng?: Rng } = {}): number {
  return ksgMutualInformation(
    samples.map((r) => [r[0]]),
    samples.map((r) => [r[1]]),
    { k: opts.k, rng: opts.rng },
  );
}

/** Minimum TC of a rank-2 group over linear transformations (rotation of the whitened group), see the header. */
export function minWithinGroupTC(samples: Rows, opts: WithinGroupTCOptions = {}): WithinGroupTC {
  const where = "lib/eval/within-group-tc minWithinGroupTC";
  const rng = opts.rng ?? new Rng("lib/eval/within-group-tc");
  const nAngles = opts.angles ?? 90;
  const refineSteps = opts.refine ?? 12;
  const k = opts.k ?? 3;
  samples.forEach((r, i) => {
    if (r.length !== 2) throw new Error(`${where}: row ${i} has ${r.length} entries, expected 2 (a rank-2 group)`);
    if (!Number.isFinite(r[0]) || !Number.isFinite(r[1])) throw new Error(`${where}: row ${i} is [${r}]`);
  });
  let rows: Rows = samples;
  const maxPoints = opts.maxPoints ?? 2000;
  if (samples.length > maxPoints)
    rows = rng
      .fork("subsample")
      .sampleWithoutReplacement(samples.length, maxPoints)
      .map((i) => samples[i]);
  const n = rows.length;
  if (n <= k + 1) throw new Error(`${where}: needs more than ${k + 1} rows, got ${n}`);
  let mx = 0,
    my = 0;
  for (const [x, y] of rows) {
    mx += x;
    my += y;
  }
  mx /= n;
  my /= n;
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (const [x, y] of rows) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  const Wh = invSqrt2x2(sxx / n, sxy / n, syy / n);
  const white = rows.map(([x, y]) => [
    Wh[0][0] * (x - mx) + Wh[0][1] * (y - my),
    Wh[1][0] * (x - mx) + Wh[1][1] * (y - my),
  ]);
  // One jitter stream for every angle, so the curve is not roughened by re-drawn jitter.
  const seed = rng.fork("ksg").seed;
  const tcAt = (th: number) => pairTC(rotate(white, th), { k, rng: new Rng(seed) });
  const step = Math.PI / 2 / nAngles;
  const curve: { angle: number; tc: number }[] = [];
  let best = { angle: -Math.PI / 4, tc: Infinity };
  for (let a = 0; a < nAngles; a++) {
    const th = -Math.PI / 4 + a * step;
    const tc = tcAt(th);
    curve.push({ angle: th, tc });
    if (tc < best.tc) best = { angle: th, tc };
  }
  if (refineSteps > 0) {
    // Golden-section search on [θ* − step, θ* + step].
    const g = (Math.sqrt(5) - 1) / 2;
    let lo = best.angle - step,
      hi = best.angle + step;
    let x1 = hi - g * (hi - lo),
      x2 = lo + g * (hi - lo);
    let f1 = tcAt(x1),
      f2 = tcAt(x2);
    for (let it = 0; it < refineSteps; it++) {
      if (f1 < f2) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - g * (hi - lo);
        f1 = tcAt(x1);
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + g * (hi - lo);
        f2 = tcAt(x2);
      }
    }
    const cand = f1 < f2 ? { angle: x1, tc: f1 } : { angle: x2, tc: f2 };
    if (cand.tc < best.tc) best = cand;
  }
  // Wrap into [−π/4, π/4).
  let angle = best.angle;
  while (angle < -Math.PI / 4) angle += Math.PI / 2;
  while (angle >= Math.PI / 4) angle -= Math.PI / 2;
  const c = Math.cos(best.angle),
    s = Math.sin(best.angle);
  const transform = [
    [c * Wh[0][0] - s * Wh[1][0], c * Wh[0][1] - s * Wh[1][1]],
    [s * Wh[0][0] + c * Wh[1][0], s * Wh[0][1] + c * Wh[1][1]],
  ];
  return { tc: best.tc, angle, angleDeg: (angle * 180) / Math.PI, transform, mean: [mx, my], curve };
}
