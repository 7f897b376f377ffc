// Correlation between images as the CD-VAE figures measure it (Fig. 6: prior samples against the ground truths;
// Fig. 8: samples against their inputs on a coarse grid): Pearson's r over pixels with a tiny constant under the
// square root, so that a blank (constant) image gives r = 0 instead of NaN. The two figures' committed numbers
// were computed with these exact forms (means accumulated differently, different constants), so both are kept.
import { mean } from "../eval/summary";

/**
 * r between the `pix` pixels of `batch` that start at `offset` (one image of a flat batch) and the image `b`;
 * the means are accumulated as Σ v / pix and ε = 1e-30 is added under the square root.
 */
export function batchImageCorrelation(
  batch: ArrayLike<number>,
  offset: number,
  b: ArrayLike<number>,
  pix: number,
): number {
  let ma = 0,
    mb = 0;
  for (let k = 0; k < pix; k++) {
    ma += batch[offset + k] / pix;
    mb += b[k] / pix;
  }
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let k = 0; k < pix; k++) {
    sab += (batch[offset + k] - ma) * (b[k] - mb);
    saa += (batch[offset + k] - ma) ** 2;
    sbb += (b[k] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb + 1e-30);
}

/** r between two equally long pixel vectors (e.g. 7×7 block means), with ε = 1e-12 added under the square root. */
export function coarseImageCorrelation(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length)
    throw new Error(`lib/cd-vae/image-correlation coarseImageCorrelation: ${a.length} vs ${b.length} pixels`);
  const ma = mean(a),
    mb = mean(b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb + 1e-12);
}
