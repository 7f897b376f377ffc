// VI-EMD's synthetic separation problem (thesis App. B, supplement K.1 and M): two "speakers", each a sum
// of sinusoidal pulses with a Gaussian envelope, mixed and corrupted by noise.
//
// One source: `pulses` (paper: 3) pulses; each draws a fundamental frequency in its speaker's range
// (paper: 300–400 Hz for speaker 0, 100–200 Hz for speaker 1), an amplitude, a phase, an envelope scale
// (sd of the Gaussian envelope, paper training domain [0.05, 0.3] s) and a centre such that at least half
// of the pulse lies in the segment (centre within the segment), and is the fundamental plus overtones
// (paper: "four overtones"; `harmonics` counts the fundamental too, so 5; Fig. 10's "OT" conditions 0 /
// +1 / doubled are harmonics 1 / 6 / 10). The mixture is the sum of the two sources plus noise of sd
// `noiseAmplitude` (paper's "NA", training domain 0.5), white by default, or amplitude-modulated at 2 Hz
// ("AMN"), or band-pass filtered to the speakers' frequency ranges ("BPFN": M, "band-pass filtering of the
// noise … to have the noise only be in the region of the speaker Gaussian pulse frequencies").
// BPFN filters the white noise of sd `noiseAmplitude`: the out-of-band power is removed, not put back, so
// the filtered noise keeps the white noise's spectral density inside the bands and its sd is
// NA·√(bands' share of 0 … fs/2) (0.5·√(200/4000) ≈ 0.11 for the training speakers).
// Choices the paper does not state (ours): amplitudes U[0.5, 1]; overtone k (k = 2, 3, …) has amplitude
// 1/k of the fundamental and its own random phase; AM envelope (1 + sin(2π·2t + φ))/2 (average power 3/8
// of the unmodulated noise); the pass bands of BPFN are the speakers' fundamental ranges (the paper's
// "frequency ranges that define the speakers"), realised as an ideal (brick-wall) filter: white Gaussian
// noise over the next power of two ≥ T samples, its DFT bins outside the bands zeroed, the first T samples
// of the inverse kept.
// Examples are keyed: example i comes from Rng(`${seed}/${i}`), so any example can be made alone, and the
// paper's index ranges (replicate r: training [r·100000, r·100000 + 2048), then 128 validation, then 1024
// per test configuration) are reproduced by `pulseSplits`.
import { Rng, Seed } from "../engine/rng";
import { fft } from "./stft";
import type { ArrayN } from "./dataset";

export interface PulseConfig {
  sampleRate: number;
  /** Seconds per example (paper: 3). */
  duration: number;
  /** Fundamental-frequency range of each speaker, Hz. */
  speakers: [number, number][];
  /** Pulses per source ("OS", overlapping sines; paper: 3). */
  pulses: number;
  /** Sinusoids per pulse: the fundamental and its overtones (paper: 5 = four overtones). */
  harmonics: number;
  /** Amplitude range of a pulse's fundamental. */
  amplitude: [number, number];
  /** Range of the Gaussian envelope's sd, seconds ("GS"; paper: [0.05, 0.3]). */
  pulseScale: [number, number];
  /** Sd of the noise added to the mixture ("NA"; paper training domain: 0.5). */
  noiseAmplitude: number;
  noise: "white" | "am" | "bandpass";
  /** Seed prefix of the examples. */
  seed: Seed;
}

export const PULSE_DEFAULTS: Readonly<PulseConfig> = Object.freeze({
  sampleRate: 8000,
  duration: 3,
  speakers: [
    [300, 400],
    [100, 200],
  ] as [number, number][],
  pulses: 3,
  harmonics: 5,
  amplitude: [0.5, 1] as [number, number],
  pulseScale: [0.05, 0.3] as [number, number],
  noiseAmplitude: 0.5,
  noise: "white" as const,
  seed: "gaussian-pulses",
});

/** The test conditions of Fig. 10 as changes to the training configuration. */
export const PULSE_CONDITIONS: Readonly<Record<string, Partial<PulseConfig>>> = Object.freeze({
  "NA 0": { noiseAmplitude: 0 },
  "NA 0.1": { noiseAmplitude: 0.1 },
  "NA 0.25": { noiseAmplitude: 0.25 },
  "NA 0.5 (training)": {},
  "NA 0.75": { noiseAmplitude: 0.75 },
  "NA 1.0": { noiseAmplitude: 1 },
  "OS 2": { pulses: 2 },
  "OS 4": { pulses: 4 },
  "OT 0": { harmonics: 1 },
  "OT 6": { harmonics: 6 },
  "OT 10": { harmonics: 10 },
  "AMN 2 Hz": { noise: "am" },
  BPFN: { noise: "bandpass" },
  "GS [0.01, 0.5]": { pulseScale: [0.01, 0.5] },
  "GS [0.01, 0.05]": { pulseScale: [0.01, 0.05] },
  "GS [0.3, 0.5]": { pulseScale: [0.3, 0.5] },
  "FR expanded": {
    speakers: [
      [275, 425],
      [75, 225],
    ],
  },
  "FR nearly overlapping": {
    speakers: [
      [240, 400],
      [100, 235],
    ],
  },
  "FR overlapping": {
    speakers: [
      [200, 400],
      [100, 300],
    ],
  },
});

export function pulseConfig(c: Partial<PulseConfig> = {}): PulseConfig {
  const cfg: PulseConfig = { ...PULSE_DEFAULTS, ...c } as PulseConfig;
  const where = "pulseConfig";
  if (!(cfg.sampleRate > 0 && cfg.duration > 0)) throw new Error(`${where}: sampleRate and duration must be > 0`);
  if (!(Number.isInteger(cfg.pulses) && cfg.pulses >= 1))
    throw new Error(`${where}: pulses must be a positive integer, got ${cfg.pulses}`);
  if (!(Number.isInteger(cfg.harmonics) && cfg.harmonics >= 1))
    throw new Error(`${where}: harmonics must be a positive integer, got ${cfg.harmonics}`);
  if (cfg.speakers.length < 1) throw new Error(`${where}: need at least one speaker`);
  for (const [lo, hi] of [...cfg.speakers, cfg.amplitude, cfg.pulseScale])
    if (!(lo > 0 && hi >= lo)) throw new Error(`${where}: ranges need 0 < lo ≤ hi, got [${lo}, ${hi}]`);
  const nyq = cfg.sampleRate / 2;
  for (const [, hi] of cfg.speakers)
    if (hi * cfg.harmonics > nyq)
      throw new Error(`${where}: the ${cfg.harmonics}th harmonic of ${hi} Hz exceeds the Nyquist frequency ${nyq} Hz`);
  if (!(cfg.noiseAmplitude >= 0)) throw new Error(`${where}: noiseAmplitude must be ≥ 0, got ${cfg.noiseAmplitude}`);
  if (!["white", "am", "bandpass"].includes(cfg.noise))
    throw new Error(`${where}: noise must be "white", "am" or "bandpass", got ${JSON.stringify(cfg.noise)}`);
  return cfg;
}

export interface PulseExample {
  /** [T] the noisy mixture. */
  mixture: Float32Array;
  /** One [T] clean source per speaker. */
  sources: Float32Array[];
  /** The pulses drawn, per speaker. */
  pulses: { f0: number; amplitude: number; centre: number; scale: number }[][];
}

const uniform = (rng: Rng, [lo, hi]: [number, number]) => lo + (hi - lo) * rng.uniform();

/** Example `index` of a configuration (deterministic in (config, index)). */
export function pulseExample(cfg: PulseConfig, index: number): PulseExample {
  if (!(Number.isInteger(index) && index >= 0))
    throw new Error(`pulseExample: index must be a non-negative integer, got ${index}`);
  const T = Math.round(cfg.sampleRate * cfg.duration);
  const rng = new Rng(`${cfg.seed}/${index}`);
  const sources: Float32Array[] = [];
  const drawn: PulseExample["pulses"] = [];
  cfg.speakers.forEach((range, k) => {
    const r = rng.fork(`speaker/${k}`);
    const src = new Float32Array(T);
    const list: PulseExample["pulses"][number] = [];
    for (let p = 0; p < cfg.pulses; p++) {
      const f0 = uniform(r, range),
        amplitude = uniform(r, cfg.amplitude),
        scale = uniform(r, cfg.pulseScale);
      const centre = r.uniform() * cfg.duration;
      const phases = Array.from({ length: cfg.harmonics }, () => 2 * Math.PI * r.uniform());
      list.push({ f0, amplitude, centre, scale });
      // only the samples within 5 sd of the centre matter (the envelope is < 4e-6 beyond)
      const t0 = Math.max(0, Math.floor((centre - 5 * scale) * cfg.sampleRate)),
        t1 = Math.min(T, Math.ceil((centre + 5 * scale) * cfg.sampleRate));
      for (let t = t0; t < t1; t++) {
        const time = t / cfg.sampleRate;
        const env = amplitude * Math.exp(-0.5 * ((time - centre) / scale) ** 2);
        let v = 0;
        for (let h = 1; h <= cfg.harmonics; h++) v += Math.sin(2 * Math.PI * h * f0 * time + phases[h - 1]) / h;
        src[t] += env * v;
      }
    }
    sources.push(src);
    drawn.push(list);
  });
  const mixture = new Float32Array(T);
  for (const s of sources) for (let t = 0; t < T; t++) mixture[t] += s[t];
  if (cfg.noiseAmplitude > 0) {
    const n = noise(cfg, T, rng.fork("noise"));
    for (let t = 0; t < T; t++) mixture[t] += n[t];
  }
  return { mixture, sources, pulses: drawn };
}

function noise(cfg: PulseConfig, T: number, rng: Rng): Float32Array {
  const out = new Float32Array(T);
  const sd = cfg.noiseAmplitude;
  if (cfg.noise === "bandpass") return bandpassNoise(cfg, T, rng);
  const ph = 2 * Math.PI * rng.uniform();
  for (let t = 0; t < T; t++) {
    const env = cfg.noise === "am" ? (1 + Math.sin(2 * Math.PI * 2 * (t / cfg.sampleRate) + ph)) / 2 : 1;
    out[t] = sd * env * rng.normal();
  }
  return out;
}

/** The share of 0 … fs/2 that BPFN's pass bands (the speakers' fundamental ranges, overlaps counted once) cover. */
export function bandpassShare(cfg: PulseConfig): number {
  const nyq = cfg.sampleRate / 2;
  const bands = cfg.speakers.map(([lo, hi]) => [Math.min(lo, nyq), Math.min(hi, nyq)]).sort((a, b) => a[0] - b[0]);
  let covered = 0,
    end = -Infinity;
  for (const [lo, hi] of bands) {
    const a = Math.max(lo, end);
    if (hi > a) covered += hi - a;
    end = Math.max(end, hi);
  }
  return covered / nyq;
}

/** White Gaussian noise of sd NA, ideally band-pass filtered to the speakers' ranges (out-of-band power removed). */
function bandpassNoise(cfg: PulseConfig, T: number, rng: Rng): Float32Array {
  let n = 1;
  while (n < T) n <<= 1;
  const re = new Float64Array(n),
    im = new Float64Array(n);
  for (let t = 0; t < n; t++) re[t] = cfg.noiseAmplitude * rng.normal();
  fft(re, im);
  const pass = (k: number) => {
    const f = (Math.min(k, n - k) * cfg.sampleRate) / n;
    return cfg.speakers.some(([lo, hi]) => f >= lo && f <= hi);
  };
  for (let k = 0; k < n; k++)
    if (!pass(k)) {
      re[k] = 0;
      im[k] = 0;
    }
  // inverse DFT through the forward one: ifft(X) = conj(fft(conj(X))) / n
  for (let k = 0; k < n; k++) im[k] = -im[k];
  fft(re, im);
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) out[t] = re[t] / n;
  return out;
}

/** The paper's index ranges of replicate r (r ≥ 1): 2048 training, 128 validation, then 1024 per test configuration. */
export function pulseSplits(
  replicate: number,
  sizes: { train?: number; validation?: number; test?: number } = {},
): { train: [number, number]; validation: [number, number]; test: [number, number] } {
  if (!(Number.isInteger(replicate) && replicate >= 1))
    throw new Error(`pulseSplits: replicate must be an integer ≥ 1, got ${replicate}`);
  const base = replicate * 100000,
    nt = sizes.train ?? 2048,
    nv = sizes.validation ?? 128,
    ns = sizes.test ?? 1024;
  return {
    train: [base, base + nt],
    validation: [base + nt, base + nt + nv],
    test: [base + nt + nv, base + nt + nv + ns],
  };
}

/** Examples [from, to) stacked: mixtures [n, T] and sources [n, S, T] (row-major). */
export function pulseBatch(cfg: PulseConfig, [from, to]: [number, number]): { mixture: ArrayN; sources: ArrayN } {
  const n = to - from;
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`pulseBatch: empty or invalid range [${from}, ${to})`);
  const T = Math.round(cfg.sampleRate * cfg.duration),
    S = cfg.speakers.length;
  const mix = new Float32Array(n * T),
    src = new Float32Array(n * S * T);
  for (let i = 0; i < n; i++) {
    const e = pulseExample(cfg, from + i);
    mix.set(e.mixture, i * T);
    e.sources.forEach((s, k) => src.set(s, (i * S + k) * T));
  }
  return { mixture: { values: mix, shape: [n, T] }, sources: { values: src, shape: [n, S, T] } };
}
