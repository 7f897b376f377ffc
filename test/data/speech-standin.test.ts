// Windowed-sinc resampling (a tone is kept, content above the new Nyquist frequency is removed) and the
// espeak-ng speech stand-in: disjoint domains, deterministic mixtures at LibriMix-like levels, clean =
// s1 + s2 and noisy = clean + noise, and a corpus in the LibriMix layout that lib/data/librimix reads back.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { Rng } from "../../lib/engine/rng";
import { resample } from "../../lib/data/resample";
import {
  SEEN_SPEECH_DOMAIN,
  UNSEEN_SPEECH_DOMAIN,
  buildSpeechStandIn,
  espeakAvailable,
  standInMixture,
  standInSentence,
} from "../../lib/data/speech-standin";
import { loadMixture, readMixtureMetadata } from "../../lib/data/librimix";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "vaelab-speech-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

const tone = (f: number, fs: number, n: number) =>
  Float32Array.from({ length: n }, (_, t) => Math.sin((2 * Math.PI * f * t) / fs));
const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
const db = (x: Float32Array) => 20 * Math.log10(rms(x));

test("resample: a 1 kHz tone survives 22 050 → 8 000 Hz (and 8 → 16 kHz); a 6 kHz tone is removed", () => {
  const y = resample(tone(1000, 22050, 22050), 22050, 8000);
  assert.equal(y.length, 8000);
  const want = tone(1000, 8000, 8000);
  const inner = (a: Float32Array) => a.subarray(200, a.length - 200);
  const err = rms(inner(y).map((v, i) => v - inner(want)[i]));
  assert.ok(err < 2e-3, `pass-band error ${err}`);
  const alias = resample(tone(6000, 22050, 22050), 22050, 8000);
  assert.ok(rms(inner(alias)) < 1e-3, `6 kHz leaks ${rms(inner(alias))}`);
  const up = resample(tone(500, 8000, 4000), 8000, 16000);
  const upErr = rms(inner(up).map((v, i) => v - inner(tone(500, 16000, 8000))[i]));
  assert.ok(upErr < 2e-3, `upsampling error ${upErr}`);
  assert.throws(() => resample(new Float32Array(4), 0, 8000), /rates must be > 0/);
});

test("domains differ in voices and vocabulary; sentences are seeded", () => {
  assert.equal(SEEN_SPEECH_DOMAIN.voices.filter((v) => UNSEEN_SPEECH_DOMAIN.voices.includes(v)).length, 0);
  assert.equal(
    SEEN_SPEECH_DOMAIN.vocabulary.nouns.filter((w) => UNSEEN_SPEECH_DOMAIN.vocabulary.nouns.includes(w)).length,
    0,
  );
  assert.equal(standInSentence(SEEN_SPEECH_DOMAIN, new Rng(1)), standInSentence(SEEN_SPEECH_DOMAIN, new Rng(1)));
  const s = standInSentence(UNSEEN_SPEECH_DOMAIN, new Rng(2));
  assert.match(s, /^The \w+ \w+ \w+ the \w+ \w+ .+\.$/);
});

const espeak = espeakAvailable();

test(
  "stand-in mixtures: deterministic, two voices, LibriMix-like levels, clean = s1 + s2, noisy = clean + noise",
  { skip: espeak.ok ? false : espeak.reason },
  () => {
    const a = standInMixture(SEEN_SPEECH_DOMAIN, "t", 4),
      b = standInMixture(SEEN_SPEECH_DOMAIN, "t", 4);
    assert.deepEqual(a.clean, b.clean);
    assert.notEqual(a.speakers[0].voice, a.speakers[1].voice);
    assert.equal(a.sources[0].length, a.sources[1].length);
    assert.ok(a.clean.length > 8000, `an utterance lasts more than a second (${a.clean.length} samples)`);
    for (const s of a.sources) assert.ok(db(s) <= -25 + 1e-3 && db(s) > -45, `source level ${db(s)} dB`);
    a.clean.forEach((v, t) => assert.ok(Math.abs(v - a.sources[0][t] - a.sources[1][t]) < 1e-6));
    a.noisy.forEach((v, t) => assert.ok(Math.abs(v - a.clean[t] - a.noise[t]) < 1e-6));
    assert.ok(Math.max(...a.noisy.map(Math.abs)) <= 0.9 + 1e-6);
    const u = standInMixture(UNSEEN_SPEECH_DOMAIN, "t", 4);
    assert.ok(UNSEEN_SPEECH_DOMAIN.voices.includes(u.speakers[0].voice));
  },
);

test(
  "buildSpeechStandIn writes a LibriMix-layout corpus that the LibriMix loader reads; a rebuild is cached",
  { skip: espeak.ok ? false : espeak.reason },
  () => {
    const r = buildSpeechStandIn({ dir, domain: UNSEEN_SPEECH_DOMAIN, split: "test", n: 3, seed: "t" });
    assert.equal(r.built, true);
    const rows = readMixtureMetadata(r.noisy, { corpus: "StandIn2Mix-unseen" });
    assert.equal(rows.length, 3);
    assert.ok(rows[0].noise);
    const m = loadMixture(rows[1]);
    const direct = standInMixture(UNSEEN_SPEECH_DOMAIN, "t", 1);
    assert.equal(m.mixture.length, direct.noisy.length);
    m.mixture.forEach((v, t) => assert.ok(Math.abs(v - direct.noisy[t]) < 1e-6));
    assert.equal(readMixtureMetadata(r.clean, { corpus: "StandIn2Mix-unseen" }).length, 3);
    assert.equal(
      buildSpeechStandIn({ dir, domain: UNSEEN_SPEECH_DOMAIN, split: "test", n: 3, seed: "t" }).built,
      false,
    );
  },
);
