// The small latent data set of PDisVAE Fig. 6 (left): N data points, each with a Gaussian posterior
// q(z|n) = N(mean_n, scale² I) in K latent dimensions. The paper shows the predicted means of a trained
// encoder; we draw the means from a seeded three-cluster mixture so that the kernel density has structure.
import { Rng } from "../engine/rng";

export interface LatentPoints {
  /** Posterior means, N rows of K numbers. */
  means: number[][];
  /** Shared isotropic posterior standard deviation. */
  scale: number;
}

export function latentPoints(rng: Rng, n = 10, k = 2, scale = 0.5): LatentPoints {
  if (!(n >= 2 && k >= 1 && scale > 0))
    throw new Error(`latentPoints: need n>=2, k>=1, scale>0; got n=${n}, k=${k}, scale=${scale}`);
  const centres = [0, 1, 2].map(() => Array.from({ length: k }, () => 2 * rng.normal()));
  const means = Array.from({ length: n }, () => {
    const c = centres[rng.int(centres.length)];
    return c.map((x) => x + 0.6 * rng.normal());
  });
  return { means, scale };
}

/** log N(z; mean, scale² I), plain numbers. */
export function logIsoNormal(z: number[], mean: number[], scale: number): number {
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    const d = (z[i] - mean[i]) / scale;
    s += d * d;
  }
  return -0.5 * s - z.length * (Math.log(scale) + 0.5 * Math.log(2 * Math.PI));
}

/** q(z|n) for every data point n, at one z. */
export function conditionalDensities(points: LatentPoints, z: number[]): number[] {
  return points.means.map((m) => Math.exp(logIsoNormal(z, m, points.scale)));
}

/** One z ~ q(z|anchor). */
export function sampleFromPosterior(points: LatentPoints, anchor: number, rng: Rng): number[] {
  return points.means[anchor].map((m) => m + points.scale * rng.normal());
}
