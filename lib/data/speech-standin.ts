// A two-domain speech separation STAND-IN for LibriMix (seen) and VCTK-2mix (unseen), synthesised offline with
// Debian's espeak-ng and flite and passed through a sox channel on the unseen side (the real corpora cannot be
// downloaded here). It is not speech from people. What it keeps is the structure the VI-EMD experiments need —
// two overlapping talkers, 8 kHz, min mode, clean and noisy conditions — and a domain shift of the kind VCTK is
// from LibriSpeech: other speakers and accents, another recording channel, the same kind of talkers otherwise.
//  - seen domain:   espeak-ng, American English voices (en-us + variants m1–m3, f1–f3), dry;
//  - unseen domain: other voices and engines — flite's awb (Scottish male), kal16 (American male) and slt
//                   (American female), espeak-ng's British RP male and Scottish / RP female voices — recorded
//                   through a channel drawn per utterance with sox: band-limiting (high-pass 150–300 Hz,
//                   low-pass 2.8–3.4 kHz), a one-octave peaking EQ of ±8 dB at 0.5–2 kHz and room reverb;
//                   sentences from another vocabulary.
//  - MATCHED prosody: in both domains each talker's median F0 is drawn log-uniformly from the same range per
//    gender (male 85–145 Hz, female 165–255 Hz; 3 male and 3 female voices per domain, two different voices per
//    mixture) and the speaking rate uniformly from 140–190 words per minute (SPEECH_PROSODY). Each engine's
//    pitch and rate controls are calibrated per voice once (two syntheses of a reference sentence: log F0 is
//    linear in espeak-ng's -p and flite's int_f0_target_mean; words per minute scale with espeak-ng's -s and
//    1 / flite's duration_stretch), so the targets are in Hz and words per minute whatever the engine. The
//    measured F0 and rate of every utterance are written next to the corpus (speakers_<split>.json). (Version 1
//    drew espeak-ng's pitch from [20, 80] on the unseen side and [35, 65] on the seen one: the unseen talkers
//    were further apart, which made that domain easier.)
// Mixing follows LibriMix's recipe in spirit: each utterance scaled to a random level in [−33, −25] dB RMS
// (LibriMix uses LUFS), cropped to the shorter one (min mode); the noisy condition adds noise at
// [−38, −30] dB RMS — WHAM! noise is not available, so the noise is synthetic: pink-ish noise (white noise
// through a one-pole low-pass with a random corner) with a slow random amplitude envelope; the sum is scaled
// down if any sample would exceed 0.9.
// Everything is deterministic given the seed (the engines and sox are deterministic; sox runs without dither).
// The corpus is written in the LibriMix layout (<dir>/<corpus>/wav8k/min/{metadata,<split>/{mix_clean,
// mix_both,s1,s2,noise}}) so that lib/data/librimix reads it like the real thing; a build is cached by a key
// that holds STANDIN_VERSION, the domain and the prosody.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Rng, Seed } from "../engine/rng";
import { decodeWav, writeWav } from "./wav";

/** Bumped whenever the synthesis changes: part of every cache key (corpus builds and the VI-EMD data key). */
export const STANDIN_VERSION = 2;

export type SpeechEngine = "espeak-ng" | "flite";

export interface StandInVoice {
  engine: SpeechEngine;
  /** espeak-ng voice (with variant) or flite voice name. */
  voice: string;
  gender: "m" | "f";
  accent: string;
}

/** Ranges of the channel drawn per utterance with sox (null: dry, no channel). */
export interface SpeechChannel {
  highpassHz: [number, number];
  lowpassHz: [number, number];
  eqHz: [number, number];
  eqGainDb: [number, number];
  /** sox reverb: reverberance (%), room scale (%), pre-delay (ms). */
  reverberance: [number, number];
  roomScale: [number, number];
  preDelayMs: [number, number];
}

export interface SpeechDomain {
  name: string;
  voices: StandInVoice[];
  channel: SpeechChannel | null;
  vocabulary: { adjectives: string[]; nouns: string[]; verbs: string[]; places: string[] };
}

/** The prosody both domains share: median F0 per gender (Hz, log-uniform) and speaking rate (words per minute). */
export const SPEECH_PROSODY = Object.freeze({
  f0Hz: Object.freeze({ m: [85, 145] as [number, number], f: [165, 255] as [number, number] }),
  wordsPerMinute: [140, 190] as [number, number],
});

/** The Debian package of each program the stand-in runs. */
export const STANDIN_PACKAGES: Readonly<Record<string, string>> = Object.freeze({
  "espeak-ng": "espeak-ng",
  flite: "flite",
  sox: "sox",
});

const v = (engine: SpeechEngine, voice: string, gender: "m" | "f", accent: string): StandInVoice => ({
  engine,
  voice,
  gender,
  accent,
});

export const SEEN_SPEECH_DOMAIN: Readonly<SpeechDomain> = Object.freeze<SpeechDomain>({
  name: "seen",
  voices: [
    v("espeak-ng", "en-us+m1", "m", "American"),
    v("espeak-ng", "en-us+m2", "m", "American"),
    v("espeak-ng", "en-us+m3", "m", "American"),
    v("espeak-ng", "en-us+f1", "f", "American"),
    v("espeak-ng", "en-us+f2", "f", "American"),
    v("espeak-ng", "en-us+f3", "f", "American"),
  ],
  channel: null,
  vocabulary: {
    adjectives: ["quiet", "yellow", "heavy", "narrow", "early", "gentle", "bright", "wooden", "distant", "careful"],
    nouns: ["river", "teacher", "window", "garden", "engine", "letter", "market", "blanket", "ladder", "kettle"],
    verbs: ["carried", "painted", "followed", "opened", "counted", "moved", "cleaned", "watched", "borrowed", "fixed"],
    places: [
      "near the station",
      "after the storm",
      "behind the school",
      "before lunch",
      "across the bridge",
      "in the morning",
    ],
  },
});

export const UNSEEN_SPEECH_DOMAIN: Readonly<SpeechDomain> = Object.freeze<SpeechDomain>({
  name: "unseen",
  voices: [
    v("flite", "awb", "m", "Scottish"),
    v("flite", "kal16", "m", "American"),
    v("espeak-ng", "en-gb-x-rp+m4", "m", "British RP"),
    v("flite", "slt", "f", "American"),
    v("espeak-ng", "en-gb-scotland+f4", "f", "Scottish"),
    v("espeak-ng", "en-gb-x-rp+f5", "f", "British RP"),
  ],
  channel: {
    highpassHz: [150, 300],
    lowpassHz: [2800, 3400],
    eqHz: [500, 2000],
    eqGainDb: [-8, 8],
    reverberance: [30, 70],
    roomScale: [30, 90],
    preDelayMs: [0, 10],
  },
  vocabulary: {
    adjectives: ["rusty", "silver", "crowded", "frozen", "ancient", "tidy", "hollow", "purple", "sudden", "steady"],
    nouns: ["harbour", "pilot", "orchard", "violin", "compass", "tunnel", "lantern", "meadow", "factory", "saddle"],
    verbs: [
      "polished",
      "gathered",
      "repaired",
      "noticed",
      "lifted",
      "traded",
      "measured",
      "guarded",
      "wrapped",
      "tested",
    ],
    places: [
      "along the coast",
      "during the fair",
      "under the arches",
      "at dawn",
      "beside the canal",
      "through the valley",
    ],
  },
});

const choose = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];
const uniform = (rng: Rng, [lo, hi]: readonly [number, number]) => lo + (hi - lo) * rng.uniform();
const logUniform = (rng: Rng, [lo, hi]: readonly [number, number]) => lo * (hi / lo) ** rng.uniform();

/** A sentence from the domain's vocabulary. */
export function standInSentence(d: SpeechDomain, rng: Rng): string {
  const v = d.vocabulary;
  return `The ${choose(rng, v.adjectives)} ${choose(rng, v.nouns)} ${choose(rng, v.verbs)} the ${choose(rng, v.adjectives)} ${choose(rng, v.nouns)} ${choose(rng, v.places)}.`;
}

/** The programs a domain (default: both) needs: its engines, and sox (resampling and the channel). */
export function standInPrograms(
  domains: readonly SpeechDomain[] = [SEEN_SPEECH_DOMAIN, UNSEEN_SPEECH_DOMAIN],
): string[] {
  const p = new Set<string>(["sox"]); // sox resamples every utterance (and applies the channel)
  for (const d of domains) for (const x of d.voices) p.add(x.engine);
  return [...p].sort();
}

const VERSION_ARGS: Record<string, string[]> = { "espeak-ng": ["--version"], flite: ["-lv"], sox: ["--version"] };

/** Whether one program runs here, and why not (naming the Debian package to install). */
export function programAvailable(program: string): { ok: boolean; reason: string } {
  const pkg = STANDIN_PACKAGES[program] ?? program;
  const r = spawnSync(program, VERSION_ARGS[program] ?? ["--version"], { encoding: "utf8" });
  if (r.error)
    return {
      ok: false,
      reason: `${program} is not installed (${r.error.message.split("\n")[0]}); install Debian's ${pkg} (apt-get install ${pkg})`,
    };
  const line = `${r.stdout || ""}${r.stderr || ""}`.trim().split("\n")[0];
  return r.status === 0
    ? { ok: true, reason: line }
    : { ok: false, reason: `${program} --version exited with ${r.status}; reinstall Debian's ${pkg}` };
}

/**
 * Whether every program the stand-in needs runs here (espeak-ng, flite and sox for both domains), and why not:
 * the reason names each missing Debian package (apt-get install …).
 */
export function standInAvailable(domains?: readonly SpeechDomain[]): { ok: boolean; reason: string } {
  const rs = standInPrograms(domains).map((p) => ({ p, ...programAvailable(p) }));
  const bad = rs.filter((r) => !r.ok);
  if (bad.length)
    return {
      ok: false,
      reason: `${bad.map((r) => r.reason).join("; ")} — the speech stand-in needs: apt-get install ${standInPrograms(
        domains,
      )
        .map((p) => STANDIN_PACKAGES[p] ?? p)
        .join(" ")}`,
    };
  return { ok: true, reason: rs.map((r) => `${r.p}: ${r.reason}`).join("; ") };
}

/**
 * The name the notebooks and tests call: since version 2 it checks every program of the stand-in (espeak-ng,
 * flite, sox), not espeak-ng alone.
 */
export const espeakAvailable = (): { ok: boolean; reason: string } => standInAvailable();

let tmpDir = "";
function scratchFile(name: string): string {
  if (!tmpDir) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "vaelab-standin-"));
    process.once("exit", () => fs.rmSync(tmpDir, { recursive: true, force: true }));
  }
  return path.join(tmpDir, name);
}

function engineError(engine: string, voice: string, e: unknown): Error {
  const a = programAvailable(engine);
  return new Error(
    `synthesize: ${engine} failed for voice ${voice}: ${a.ok ? (e as Error).message.split("\n")[0] : a.reason}`,
  );
}

/**
 * Resample with sox's very-high-quality rate effect (deterministic, no dither; about 30× faster here than the
 * windowed sinc of lib/data/resample, which version 1 used).
 */
function toRate(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x.slice();
  const r = spawnSync(
    "sox",
    [
      "-D",
      "-V1",
      "-t",
      "f32",
      "-r",
      String(from),
      "-c",
      "1",
      "-",
      "-t",
      "f32",
      "-r",
      String(to),
      "-c",
      "1",
      "-",
      "rate",
      "-v",
    ],
    { input: Buffer.from(x.buffer, x.byteOffset, x.byteLength), maxBuffer: 1 << 28 },
  );
  if (r.error || r.status !== 0) {
    const a = programAvailable("sox");
    throw new Error(
      `resample: sox rate ${from} → ${to} failed: ${a.ok ? (r.stderr?.toString() || String(r.error)).trim() : a.reason}`,
    );
  }
  const b = r.stdout;
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + (b.byteLength - (b.byteLength % 4))));
}

/**
 * One utterance at the engine's own controls, resampled to `sampleRate`: espeak-ng (-p pitch 0–99, -s words per
 * minute; 22 050 Hz) or flite (int_f0_target_mean in Hz, duration_stretch; 8 or 16 kHz).
 */
export function synthesizeRaw(
  text: string,
  voice: StandInVoice,
  pitch: number,
  rate: number,
  sampleRate = 8000,
): Float32Array {
  let buf: Buffer;
  if (voice.engine === "espeak-ng") {
    try {
      buf = execFileSync(
        "espeak-ng",
        ["-v", voice.voice, "-s", String(Math.round(rate)), "-p", String(Math.round(pitch)), "--stdout", text],
        // stderr captured, not forwarded: execFileSync otherwise writes the child's (empty) stderr to ours on
        // every call, a burst of messages that a notebook kernel must send on while this loop keeps it busy
        { maxBuffer: 1 << 27, stdio: ["ignore", "pipe", "pipe"] },
      );
    } catch (e) {
      throw engineError("espeak-ng", voice.voice, e);
    }
  } else if (voice.engine === "flite") {
    const out = scratchFile(`flite-${process.pid}.wav`);
    try {
      execFileSync(
        "flite",
        [
          "-voice",
          voice.voice,
          "--setf",
          `int_f0_target_mean=${pitch.toFixed(3)}`,
          "--setf",
          `duration_stretch=${rate.toFixed(4)}`,
          "-t",
          text,
          "-o",
          out,
        ],
        { maxBuffer: 1 << 27, stdio: ["ignore", "pipe", "pipe"] },
      );
      buf = fs.readFileSync(out);
    } catch (e) {
      throw engineError("flite", voice.voice, e);
    }
  } else throw new Error(`synthesize: unknown engine ${(voice as StandInVoice).engine}`);
  const w = decodeWav(buf, `${voice.engine} (${voice.voice})`);
  return toRate(w.samples, w.sampleRate, sampleRate);
}

/**
 * Median F0 (Hz) of the voiced frames: 40 ms frames every 20 ms above a tenth of the mean power, normalised
 * autocorrelation peak over 60–400 Hz above 0.6. NaN when no frame is voiced.
 */
export function medianF0(x: Float32Array, sampleRate = 8000): number {
  const W = Math.round(0.04 * sampleRate),
    H = Math.round(0.02 * sampleRate),
    lo = Math.floor(sampleRate / 400),
    hi = Math.ceil(sampleRate / 60);
  let e = 0;
  for (let t = 0; t < x.length; t++) e += x[t] * x[t];
  const thr = (0.1 * e) / Math.max(1, x.length);
  const f: number[] = [];
  for (let s = 0; s + W + hi < x.length; s += H) {
    let a = 0;
    for (let t = 0; t < W; t++) a += x[s + t] * x[s + t];
    if (a / W < thr) continue;
    let best = 0,
      lag = 0;
    for (let l = lo; l <= hi; l++) {
      let c = 0,
        b = 0;
      for (let t = 0; t < W; t++) {
        c += x[s + t] * x[s + t + l];
        b += x[s + t + l] * x[s + t + l];
      }
      const r = c / Math.sqrt(a * b + 1e-20);
      if (r > best) {
        best = r;
        lag = l;
      }
    }
    if (best > 0.6) f.push(sampleRate / lag);
  }
  if (!f.length) return NaN;
  f.sort((p, q) => p - q);
  return f[Math.floor(f.length / 2)];
}

/** Seconds between the first and the last sample above 1 % of the peak (leading and trailing silence trimmed). */
export function speechSeconds(x: Float32Array, sampleRate = 8000): number {
  let peak = 0;
  for (let t = 0; t < x.length; t++) peak = Math.max(peak, Math.abs(x[t]));
  const thr = 0.01 * peak;
  let a = 0,
    b = x.length - 1;
  while (a < x.length && Math.abs(x[a]) <= thr) a++;
  while (b > a && Math.abs(x[b]) <= thr) b--;
  return Math.max(0, b - a + 1) / sampleRate;
}

const wordCount = (text: string) => text.trim().split(/\s+/).length;

/** A voice's calibration: log F0 = a + b · pitch control; words per minute at the reference rate control. */
export interface VoiceCalibration {
  a: number;
  b: number;
  refRate: number;
  wpmAtRef: number;
}

const CALIBRATION_TEXT = "The careful pilot counted the purple lanterns before the evening train.";
const CAL_POINTS: Record<SpeechEngine, { pitch: [number, number]; refRate: number }> = {
  "espeak-ng": { pitch: [20, 80], refRate: 175 },
  flite: { pitch: [100, 200], refRate: 1 },
};
const calibrations = new Map<string, VoiceCalibration>();

/** Calibrate a voice's pitch and rate controls (two syntheses of a fixed sentence; cached per process). */
export function calibrateVoice(voice: StandInVoice): VoiceCalibration {
  const k = `${voice.engine}/${voice.voice}`;
  const got = calibrations.get(k);
  if (got) return got;
  const cp = CAL_POINTS[voice.engine];
  const xs = cp.pitch.map((p) => synthesizeRaw(CALIBRATION_TEXT, voice, p, cp.refRate));
  const f = xs.map((x) => medianF0(x));
  if (!f.every((y) => Number.isFinite(y) && y > 0))
    throw new Error(`calibrateVoice: no voiced frames from ${k} (F0 ${f.join(", ")})`);
  const b = (Math.log(f[1]) - Math.log(f[0])) / (cp.pitch[1] - cp.pitch[0]);
  if (!(b > 0))
    throw new Error(
      `calibrateVoice: ${k} ignores its pitch control (F0 ${f.map((y) => y.toFixed(0)).join(" → ")} Hz for ${cp.pitch.join(" → ")})`,
    );
  const a = Math.log(f[0]) - b * cp.pitch[0];
  const secs = (speechSeconds(xs[0]) + speechSeconds(xs[1])) / 2;
  const c = { a, b, refRate: cp.refRate, wpmAtRef: (60 * wordCount(CALIBRATION_TEXT)) / secs };
  calibrations.set(k, c);
  return c;
}

/** The engine controls that give a median F0 of `f0` Hz at `wpm` words per minute (clamped to the engine's range). */
export function voiceControls(voice: StandInVoice, f0: number, wpm: number): { pitch: number; rate: number } {
  const c = calibrateVoice(voice);
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  const p = (Math.log(f0) - c.a) / c.b;
  if (voice.engine === "espeak-ng")
    return { pitch: clamp(Math.round(p), 0, 99), rate: clamp(Math.round((c.refRate * wpm) / c.wpmAtRef), 80, 450) };
  return { pitch: clamp(p, 40, 400), rate: clamp((c.refRate * c.wpmAtRef) / wpm, 0.4, 2.5) };
}

/** One utterance at a target median F0 (Hz) and speaking rate (words per minute). */
export function synthesize(
  text: string,
  voice: StandInVoice,
  f0: number,
  wpm: number,
  sampleRate = 8000,
): Float32Array {
  const c = voiceControls(voice, f0, wpm);
  return synthesizeRaw(text, voice, c.pitch, c.rate, sampleRate);
}

/** One draw of a channel: the sox effect chain's arguments. */
export function drawChannel(ch: SpeechChannel, rng: Rng): string[] {
  const r = (x: number, d = 0) => x.toFixed(d);
  return [
    "highpass",
    r(uniform(rng, ch.highpassHz)),
    "lowpass",
    r(uniform(rng, ch.lowpassHz)),
    "equalizer",
    r(logUniform(rng, ch.eqHz)),
    "1o",
    r(uniform(rng, ch.eqGainDb), 1),
    "reverb",
    r(uniform(rng, ch.reverberance)),
    "50",
    r(uniform(rng, ch.roomScale)),
    "100",
    r(uniform(rng, ch.preDelayMs)),
    "0",
  ];
}

/** Pass mono audio through a sox effect chain (32-bit float in and out, no dither), same length as the input. */
export function applyChannel(x: Float32Array, effects: string[], sampleRate = 8000): Float32Array {
  const fmt = ["-t", "f32", "-r", String(sampleRate), "-c", "1"];
  const r = spawnSync("sox", ["-D", "-V1", ...fmt, "-", ...fmt, "-", ...effects, "channels", "1"], {
    input: Buffer.from(x.buffer, x.byteOffset, x.byteLength),
    maxBuffer: 1 << 28,
  });
  if (r.error || r.status !== 0) {
    const a = programAvailable("sox");
    throw new Error(
      `applyChannel: sox ${effects.join(" ")} failed: ${a.ok ? (r.stderr?.toString() || String(r.error)).trim() : a.reason}`,
    );
  }
  const b = r.stdout;
  const y = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + (b.byteLength - (b.byteLength % 4))));
  const out = new Float32Array(x.length);
  out.set(y.subarray(0, x.length));
  for (let t = 0; t < out.length; t++)
    if (!Number.isFinite(out[t])) throw new Error(`applyChannel: sox gave ${out[t]} at sample ${t}`);
  return out;
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));
const scaleTo = (x: Float32Array, db: number) => {
  const r = rms(x);
  const g = r > 0 ? 10 ** (db / 20) / r : 0;
  return x.map((v) => v * g);
};

/** Synthetic noise: white noise through a one-pole low-pass (corner 200–2000 Hz) with a slow random envelope. */
export function standInNoise(n: number, rng: Rng, sampleRate = 8000): Float32Array {
  const corner = 200 + 1800 * rng.uniform();
  const a = Math.exp((-2 * Math.PI * corner) / sampleRate);
  const out = new Float32Array(n);
  let y = 0;
  const f = 0.2 + 0.6 * rng.uniform(),
    ph = 2 * Math.PI * rng.uniform();
  for (let t = 0; t < n; t++) {
    y = a * y + (1 - a) * rng.normal();
    out[t] = y * (1 + 0.5 * Math.sin((2 * Math.PI * f * t) / sampleRate + ph));
  }
  return out;
}

/** One talker of a mixture: voice, the drawn targets, what was measured on the dry utterance, and the channel. */
export interface StandInSpeaker {
  engine: SpeechEngine;
  voice: string;
  gender: "m" | "f";
  accent: string;
  text: string;
  /** Target median F0 (Hz) and rate (words per minute), and the engine controls that realised them. */
  f0: number;
  wpm: number;
  controls: { pitch: number; rate: number };
  /** Measured on the dry utterance before cropping: median F0 (Hz) and words per minute of the trimmed speech. */
  measuredF0: number;
  measuredWpm: number;
  /** sox effects of the channel (empty when dry). */
  channel: string[];
}

export interface StandInMixture {
  id: string;
  sources: Float32Array[];
  noise: Float32Array;
  clean: Float32Array;
  noisy: Float32Array;
  speakers: StandInSpeaker[];
}

/** Mixture `index` of a domain (deterministic in (domain, seed, index)). */
export function standInMixture(d: SpeechDomain, seed: Seed, index: number, sampleRate = 8000): StandInMixture {
  const rng = new Rng(`${seed}/${d.name}/${index}`);
  const i1 = rng.int(d.voices.length);
  let i2 = rng.int(d.voices.length - 1);
  if (i2 >= i1) i2++;
  const speakers: StandInSpeaker[] = [];
  const raw = [i1, i2].map((i) => {
    const voice = d.voices[i];
    const f0 = logUniform(rng, SPEECH_PROSODY.f0Hz[voice.gender]);
    const wpm = uniform(rng, SPEECH_PROSODY.wordsPerMinute);
    const text = standInSentence(d, rng);
    const channel = d.channel ? drawChannel(d.channel, rng) : [];
    const controls = voiceControls(voice, f0, wpm);
    const dry = synthesizeRaw(text, voice, controls.pitch, controls.rate, sampleRate);
    speakers.push({
      ...voice,
      text,
      f0,
      wpm,
      controls,
      measuredF0: medianF0(dry, sampleRate),
      measuredWpm: (60 * wordCount(text)) / Math.max(1e-3, speechSeconds(dry, sampleRate)),
      channel,
    });
    return channel.length ? applyChannel(dry, channel, sampleRate) : dry;
  });
  const T = Math.min(...raw.map((x) => x.length));
  let sources = raw.map((x) => scaleTo(x.subarray(0, T), -33 + 8 * rng.uniform()));
  let noise = scaleTo(standInNoise(T, rng.fork("noise"), sampleRate), -38 + 8 * rng.uniform());
  let clean = new Float32Array(T),
    noisy = new Float32Array(T);
  const sum = () => {
    clean = sources[0].map((v, t) => v + sources[1][t]);
    noisy = clean.map((v, t) => v + noise[t]);
  };
  sum();
  const peak = Math.max(...[...sources, clean, noisy].map((x) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
  if (peak > 0.9) {
    const g = 0.9 / peak;
    sources = sources.map((x) => x.map((v) => v * g));
    noise = noise.map((v) => v * g);
    sum();
  }
  return { id: `${d.name}-${String(index).padStart(5, "0")}`, sources, noise, clean, noisy, speakers };
}

/** The talkers of a built split (speakers_<split>.json next to the metadata), by mixture id. */
export function readStandInSpeakers(speakersFile: string): Record<string, StandInSpeaker[]> {
  return JSON.parse(fs.readFileSync(speakersFile, "utf8")) as Record<string, StandInSpeaker[]>;
}

/**
 * Write mixtures [0, n) of a domain and split into `<dir>/<corpus>/wav8k/min` (LibriMix layout, both
 * conditions) and the talkers into metadata/speakers_<split>.json, unless a build with the same key is there.
 * Returns the two metadata CSVs. Mixture i depends on (domain, seed, i) only, not on the split's name: give
 * each split its own seed (lib/data/speech-corpus does). A missing program is an error naming its package.
 */
export function buildSpeechStandIn(o: {
  dir: string;
  domain: SpeechDomain;
  split: string;
  n: number;
  seed?: Seed;
  corpus?: string;
  log?: (s: string) => void;
}): { clean: string; noisy: string; speakers: string; corpusDir: string; built: boolean } {
  const seed = o.seed ?? "speech-standin";
  const corpus = o.corpus ?? `StandIn2Mix-${o.domain.name}`;
  const root = path.join(o.dir, corpus, "wav8k", "min");
  const md = path.join(root, "metadata");
  const clean = path.join(md, `mixture_${o.split}_mix_clean.csv`),
    noisy = path.join(md, `mixture_${o.split}_mix_both.csv`),
    speakers = path.join(md, `speakers_${o.split}.json`);
  const keyFile = path.join(md, `build_${o.split}.json`);
  const key = JSON.stringify({ domain: o.domain, prosody: SPEECH_PROSODY, n: o.n, seed, version: STANDIN_VERSION });
  const out = { clean, noisy, speakers, corpusDir: path.join(o.dir, corpus) };
  if (
    fs.existsSync(keyFile) &&
    fs.readFileSync(keyFile, "utf8") === key &&
    [clean, noisy, speakers].every((f) => fs.existsSync(f))
  )
    return { ...out, built: false };
  const a = standInAvailable([o.domain]);
  if (!a.ok) throw new Error(`buildSpeechStandIn: ${a.reason}`);
  if (fs.existsSync(keyFile)) fs.rmSync(keyFile); // a half-written rebuild must not pass for the old one
  for (const sub of ["mix_clean", "mix_both", "s1", "s2", "noise"])
    fs.mkdirSync(path.join(root, o.split, sub), { recursive: true });
  fs.mkdirSync(md, { recursive: true });
  const rowsClean = ["mixture_ID,mixture_path,source_1_path,source_2_path,length"];
  const rowsNoisy = ["mixture_ID,mixture_path,source_1_path,source_2_path,noise_path,length"];
  const talkers: Record<string, StandInSpeaker[]> = {};
  const t0 = Date.now();
  for (let i = 0; i < o.n; i++) {
    const m = standInMixture(o.domain, seed, i);
    const f = (sub: string) => path.join(root, o.split, sub, `${m.id}.wav`);
    writeWav(f("s1"), m.sources[0], 8000, "float32");
    writeWav(f("s2"), m.sources[1], 8000, "float32");
    writeWav(f("noise"), m.noise, 8000, "float32");
    writeWav(f("mix_clean"), m.clean, 8000, "float32");
    writeWav(f("mix_both"), m.noisy, 8000, "float32");
    rowsClean.push([m.id, f("mix_clean"), f("s1"), f("s2"), m.clean.length].join(","));
    rowsNoisy.push([m.id, f("mix_both"), f("s1"), f("s2"), f("noise"), m.noisy.length].join(","));
    talkers[m.id] = m.speakers;
    if (o.log && (i + 1) % 50 === 0)
      o.log(`${corpus} ${o.split}: ${i + 1}/${o.n} mixtures (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  fs.writeFileSync(clean, rowsClean.join("\n") + "\n");
  fs.writeFileSync(noisy, rowsNoisy.join("\n") + "\n");
  fs.writeFileSync(speakers, JSON.stringify(talkers, null, 1) + "\n");
  fs.writeFileSync(keyFile, key);
  return { ...out, built: true };
}
