// Short-time Fourier transform for looking at audio next to learned encodings (VI-EMD Fig. 4–5) and FFT filtering of
// generated signals (band-pass noise); a data-layer primitive like resample.ts, so the data generators can use it:
// Hann-windowed frames of `frame` samples (a power of two) every `hop` samples, no padding, radix-2 FFT;
// power |X_k|² for k = 0 … frame/2 at frequencies k·fs/frame. Also the spectral centroid of a short
// filter (e.g. a TasNet decoder basis function) from its zero-padded DFT, used to order latent channels
// by frequency.

/** In-place iterative radix-2 FFT of (re, im), length a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (im.length !== n || n < 1 || (n & (n - 1)) !== 0)
    throw new Error(`fft: length must be a power of two (got ${n} and ${im.length})`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang),
      wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1,
        ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k,
          b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci,
          ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/** |DFT|² of `x` zero-padded to `n` (a power of two ≥ x.length): bins 0 … n/2. */
export function powerSpectrum(x: ArrayLike<number>, n: number): Float64Array {
  if (x.length > n) throw new Error(`powerSpectrum: signal of ${x.length} samples exceeds the DFT length ${n}`);
  const re = new Float64Array(n),
    im = new Float64Array(n);
  for (let i = 0; i < x.length; i++) re[i] = x[i];
  fft(re, im);
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) out[k] = re[k] * re[k] + im[k] * im[k];
  return out;
}

export interface Spectrogram {
  /** power[k][t]: bin k (row), frame t (column), as plotly heatmaps want z. */
  power: number[][];
  /** Bin centre frequencies (Hz) and frame centre times (s). */
  freqs: number[];
  times: number[];
}

/** Power spectrogram of `x` (Hann window of `frame` samples, a power of two; hop `hop`). */
export function stft(x: ArrayLike<number>, o: { frame: number; hop: number; sampleRate: number }): Spectrogram {
  const { frame, hop, sampleRate } = o;
  if (!(frame >= 2 && (frame & (frame - 1)) === 0))
    throw new Error(`stft: frame must be a power of two ≥ 2, got ${frame}`);
  if (!(Number.isInteger(hop) && hop >= 1)) throw new Error(`stft: hop must be a positive integer, got ${hop}`);
  if (x.length < frame) throw new Error(`stft: the signal (${x.length} samples) is shorter than one frame (${frame})`);
  const frames = Math.floor((x.length - frame) / hop) + 1;
  const win = Array.from({ length: frame }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / frame));
  const K = frame / 2 + 1;
  const power = Array.from({ length: K }, () => new Array<number>(frames).fill(0));
  const re = new Float64Array(frame),
    im = new Float64Array(frame);
  for (let t = 0; t < frames; t++) {
    for (let i = 0; i < frame; i++) {
      re[i] = x[t * hop + i] * win[i];
      im[i] = 0;
    }
    fft(re, im);
    for (let k = 0; k < K; k++) power[k][t] = re[k] * re[k] + im[k] * im[k];
  }
  return {
    power,
    freqs: Array.from({ length: K }, (_, k) => (k * sampleRate) / frame),
    times: Array.from({ length: frames }, (_, t) => (t * hop + frame / 2) / sampleRate),
  };
}

/** 10·log10(power + floor), floor relative to the maximum (default 1e-8 of it): a dB spectrogram. */
export function toDb(power: number[][], relFloor = 1e-8): number[][] {
  let max = 0;
  for (const row of power) for (const v of row) if (v > max) max = v;
  const floor = Math.max(max * relFloor, 1e-30);
  return power.map((row) => row.map((v) => 10 * Math.log10(v + floor)));
}

/** Spectral centroid (Hz) of a short filter from its DFT zero-padded to `n` (default 256) points. */
export function spectralCentroid(filter: ArrayLike<number>, sampleRate: number, n = 256): number {
  const p = powerSpectrum(filter, Math.max(n, 1 << Math.ceil(Math.log2(Math.max(2, filter.length)))));
  const N = 2 * (p.length - 1);
  let num = 0,
    den = 0;
  p.forEach((v, k) => {
    num += (v * (k * sampleRate)) / N;
    den += v;
  });
  return den > 0 ? num / den : 0;
}
