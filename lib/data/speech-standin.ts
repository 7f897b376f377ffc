// A two-domain speech separation STAND-IN for LibriMix (seen) and VCTK-2mix (unseen), synthesised with
// Debian's espeak-ng (the real corpora cannot be downloaded here). It is not speech from people: formant
// synthesis with a handful of voices. What it keeps is the structure the VI-EMD experiments need — two
// overlapping talkers, 8 kHz, min mode, clean and noisy conditions, and a domain shift between training
// and an unseen test set:
//  - seen domain:   American English voices (en-us with variants m1–m3, f1–f3), speeds 150–190 wpm, pitches
//                   35–65, sentences from one vocabulary;
//  - unseen domain: British, Scottish and Caribbean English voices (en-gb-x-rp, en-gb-scotland, en-029 with
//                   variants m4–m6, f4–f5), speeds 120–210, pitches 20–80, sentences from another vocabulary.
// Mixing follows LibriMix's recipe in spirit: each utterance scaled to a random level in [−33, −25] dB RMS
// (LibriMix uses LUFS), cropped to the shorter one (min mode); the noisy condition adds noise at
// [−38, −30] dB RMS — WHAM! noise is not available, so the noise is synthetic: pink-ish noise (white noise
// through a one-pole low-pass with a random corner) with a slow random amplitude envelope; the sum is scaled
// down if any sample would exceed 0.9.
// The corpus is written in the LibriMix layout (<dir>/<corpus>/wav8k/min/{metadata,<split>/{mix_clean,
// mix_both,s1,s2,noise}}) so that lib/data/librimix reads it like the real thing; a build is cached by a key.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Rng, Seed } from "../engine/rng";
import { resample } from "./resample";
import { decodeWav, writeWav } from "./wav";

export interface SpeechDomain {
  name: string;
  voices: string[];
  speeds: [number, number];
  pitches: [number, number];
  vocabulary: { adjectives: string[]; nouns: string[]; verbs: string[]; places: string[] };
}

export const SEEN_SPEECH_DOMAIN: Readonly<SpeechDomain> = Object.freeze({
  name: "seen",
  voices: ["en-us+m1", "en-us+m2", "en-us+m3", "en-us+f1", "en-us+f2", "en-us+f3"],
  speeds: [150, 190] as [number, number],
  pitches: [35, 65] as [number, number],
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

export const UNSEEN_SPEECH_DOMAIN: Readonly<SpeechDomain> = Object.freeze({
  name: "unseen",
  voices: ["en-gb-x-rp+m4", "en-gb-scotland+m5", "en-029+m6", "en-gb-x-rp+f4", "en-gb-scotland+f5"],
  speeds: [120, 210] as [number, number],
  pitches: [20, 80] as [number, number],
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

/** A sentence from the domain's vocabulary. */
export function standInSentence(d: SpeechDomain, rng: Rng): string {
  const v = d.vocabulary;
  return `The ${choose(rng, v.adjectives)} ${choose(rng, v.nouns)} ${choose(rng, v.verbs)} the ${choose(rng, v.adjectives)} ${choose(rng, v.nouns)} ${choose(rng, v.places)}.`;
}

/** Whether espeak-ng runs here, and why not. */
export function espeakAvailable(): { ok: boolean; reason: string } {
  const r = spawnSync("espeak-ng", ["--version"], { encoding: "utf8" });
  if (r.error)
    return {
      ok: false,
      reason: `espeak-ng is not installed (${r.error.message.split("\n")[0]}); install Debian's espeak-ng (apt-get install espeak-ng)`,
    };
  return {
    ok: r.status === 0,
    reason: r.status === 0 ? (r.stdout || "").trim() : `espeak-ng --version exited with ${r.status}`,
  };
}

/** One utterance: espeak-ng's 22 050 Hz output resampled to `sampleRate`. */
export function synthesize(text: string, voice: string, speed: number, pitch: number, sampleRate = 8000): Float32Array {
  let buf: Buffer;
  try {
    buf = execFileSync(
      "espeak-ng",
      ["-v", voice, "-s", String(Math.round(speed)), "-p", String(Math.round(pitch)), "--stdout", text],
      { maxBuffer: 1 << 27 },
    );
  } catch (e) {
    const a = espeakAvailable();
    throw new Error(
      `synthesize: espeak-ng failed for voice ${voice}: ${a.ok ? (e as Error).message.split("\n")[0] : a.reason}`,
    );
  }
  const w = decodeWav(buf, `espeak-ng (${voice})`);
  return resample(w.samples, w.sampleRate, sampleRate);
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

export interface StandInMixture {
  id: string;
  sources: Float32Array[];
  noise: Float32Array;
  clean: Float32Array;
  noisy: Float32Array;
  speakers: { voice: string; speed: number; pitch: number; text: string }[];
}

/** Mixture `index` of a domain (deterministic in (domain, seed, index)). */
export function standInMixture(d: SpeechDomain, seed: Seed, index: number, sampleRate = 8000): StandInMixture {
  const rng = new Rng(`${seed}/${d.name}/${index}`);
  const v1 = choose(rng, d.voices);
  let v2 = choose(rng, d.voices);
  while (v2 === v1 && d.voices.length > 1) v2 = choose(rng, d.voices);
  const speakers = [v1, v2].map((voice) => ({
    voice,
    speed: uniform(rng, d.speeds),
    pitch: uniform(rng, d.pitches),
    text: standInSentence(d, rng),
  }));
  const raw = speakers.map((s) => synthesize(s.text, s.voice, s.speed, s.pitch, sampleRate));
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

/**
 * Write mixtures [0, n) of a domain and split into `<dir>/<corpus>/wav8k/min` (LibriMix layout, both
 * conditions), unless a build with the same key is there. Returns the two metadata CSVs. Mixture i depends on
 * (domain, seed, i) only, not on the split's name: give each split its own seed (lib/data/speech-corpus does).
 */
export function buildSpeechStandIn(o: {
  dir: string;
  domain: SpeechDomain;
  split: string;
  n: number;
  seed?: Seed;
  corpus?: string;
  log?: (s: string) => void;
}): { clean: string; noisy: string; corpusDir: string; built: boolean } {
  const seed = o.seed ?? "speech-standin";
  const corpus = o.corpus ?? `StandIn2Mix-${o.domain.name}`;
  const root = path.join(o.dir, corpus, "wav8k", "min");
  const md = path.join(root, "metadata");
  const clean = path.join(md, `mixture_${o.split}_mix_clean.csv`),
    noisy = path.join(md, `mixture_${o.split}_mix_both.csv`);
  const keyFile = path.join(md, `build_${o.split}.json`);
  const key = JSON.stringify({ domain: o.domain, n: o.n, seed, version: 1 });
  if (
    fs.existsSync(keyFile) &&
    fs.readFileSync(keyFile, "utf8") === key &&
    fs.existsSync(clean) &&
    fs.existsSync(noisy)
  )
    return { clean, noisy, corpusDir: path.join(o.dir, corpus), built: false };
  const a = espeakAvailable();
  if (!a.ok) throw new Error(`buildSpeechStandIn: ${a.reason}`);
  for (const sub of ["mix_clean", "mix_both", "s1", "s2", "noise"])
    fs.mkdirSync(path.join(root, o.split, sub), { recursive: true });
  fs.mkdirSync(md, { recursive: true });
  const rowsClean = ["mixture_ID,mixture_path,source_1_path,source_2_path,length"];
  const rowsNoisy = ["mixture_ID,mixture_path,source_1_path,source_2_path,noise_path,length"];
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
    if (o.log && (i + 1) % 50 === 0)
      o.log(`${corpus} ${o.split}: ${i + 1}/${o.n} mixtures (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  fs.writeFileSync(clean, rowsClean.join("\n") + "\n");
  fs.writeFileSync(noisy, rowsNoisy.join("\n") + "\n");
  fs.writeFileSync(keyFile, key);
  return { clean, noisy, corpusDir: path.join(o.dir, corpus), built: true };
}
