// Band-limited resampling of mono audio by windowed-sinc interpolation (e.g. espeak-ng's 22 050 Hz to the
// 8 kHz of LibriMix). Each output sample is Σ_k x[k] · h(t·fs_in − k), with h a sinc low-pass at
// `cutoff` × the lower Nyquist frequency, windowed by a Blackman window over ±`halfWidth` zero crossings:
// about −75 dB stop band, so content above the new Nyquist frequency does not alias back.
export interface ResampleOptions {
  /** Fraction of the lower Nyquist frequency kept (default 0.95). */
  cutoff?: number;
  /** Zero crossings of the sinc on each side (default 32). */
  halfWidth?: number;
}

export function resample(x: Float32Array, fromRate: number, toRate: number, o: ResampleOptions = {}): Float32Array {
  if (!(fromRate > 0 && toRate > 0)) throw new Error(`resample: rates must be > 0, got ${fromRate} → ${toRate}`);
  if (fromRate === toRate) return x.slice();
  const cutoff = o.cutoff ?? 0.95,
    Z = o.halfWidth ?? 32;
  if (!(cutoff > 0 && cutoff <= 1)) throw new Error(`resample: cutoff must be in (0, 1], got ${cutoff}`);
  // low-pass at fc (cycles per input sample)
  const fc = (cutoff * Math.min(fromRate, toRate)) / 2 / fromRate;
  const width = Z / (2 * fc); // input samples on each side
  const n = Math.floor((x.length * toRate) / fromRate);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const t = (j * fromRate) / toRate;
    const k0 = Math.max(0, Math.ceil(t - width)),
      k1 = Math.min(x.length - 1, Math.floor(t + width));
    let s = 0;
    for (let k = k0; k <= k1; k++) {
      const d = t - k;
      const sinc = d === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * d) / (Math.PI * d);
      const u = d / width; // in [−1, 1]
      const w = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
      s += x[k] * sinc * w;
    }
    out[j] = s;
  }
  return out;
}
