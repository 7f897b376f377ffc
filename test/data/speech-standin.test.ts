// Windowed-sinc resampling (a tone is kept, content above the new Nyquist frequency is removed) and the
// espeak-ng / flite / sox speech stand-in: disjoint voices and vocabularies, other engines and a channel on the
// unseen side, the same pitch and rate distributions in both domains (targets met within a few per cent),
// deterministic mixtures at LibriMix-like levels, clean = s1 + s2 and noisy = clean + noise, a corpus in the
// LibriMix layout that lib/data/librimix reads back, and a missing program named with its Debian package.
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
  SPEECH_PROSODY,
  buildSpeechStandIn,
  espeakAvailable,
  programAvailable,
  readStandInSpeakers,
  standInAvailable,
  standInMixture,
  standInPrograms,
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

test("domains differ in voices, engines, channel and vocabulary, not in gender balance; sentences are seeded", () => {
  const names = (d: typeof SEEN_SPEECH_DOMAIN) => d.voices.map((v) => `${v.engine}/${v.voice}`);
  assert.equal(names(SEEN_SPEECH_DOMAIN).filter((v) => names(UNSEEN_SPEECH_DOMAIN).includes(v)).length, 0);
  assert.deepEqual([...new Set(SEEN_SPEECH_DOMAIN.voices.map((v) => v.engine))], ["espeak-ng"]);
  assert.ok(
    UNSEEN_SPEECH_DOMAIN.voices.some((v) => v.engine === "flite"),
    "the unseen side uses another engine",
  );
  assert.equal(SEEN_SPEECH_DOMAIN.channel, null);
  assert.ok(UNSEEN_SPEECH_DOMAIN.channel, "the unseen side has a recording channel");
  for (const d of [SEEN_SPEECH_DOMAIN, UNSEEN_SPEECH_DOMAIN])
    for (const g of ["m", "f"]) assert.equal(d.voices.filter((v) => v.gender === g).length, 3, `${d.name} ${g}`);
  assert.deepEqual(standInPrograms(), ["espeak-ng", "flite", "sox"]);
  assert.equal(
    SEEN_SPEECH_DOMAIN.vocabulary.nouns.filter((w) => UNSEEN_SPEECH_DOMAIN.vocabulary.nouns.includes(w)).length,
    0,
  );
  assert.equal(standInSentence(SEEN_SPEECH_DOMAIN, new Rng(1)), standInSentence(SEEN_SPEECH_DOMAIN, new Rng(1)));
  const s = standInSentence(UNSEEN_SPEECH_DOMAIN, new Rng(2));
  assert.match(s, /^The \w+ \w+ \w+ the \w+ \w+ .+\.$/);
});

test("a missing program is named with the Debian package to install", () => {
  const r = programAvailable("vaelab-no-such-synth");
  assert.equal(r.ok, false);
  assert.match(r.reason, /apt-get install vaelab-no-such-synth/);
  const a = standInAvailable();
  if (!a.ok) assert.match(a.reason, /apt-get install espeak-ng flite sox/);
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
    assert.ok(UNSEEN_SPEECH_DOMAIN.voices.some((v) => v.voice === u.speakers[0].voice));
    assert.ok(
      u.speakers.every((s) => s.channel.includes("reverb")),
      "unseen utterances pass through the channel",
    );
    assert.ok(
      a.speakers.every((s) => s.channel.length === 0),
      "seen utterances are dry",
    );
  },
);

test(
  "matched prosody: F0 and rate targets from the same ranges in both domains, realised within 10 % (F0) by every engine",
  { skip: espeak.ok ? false : espeak.reason, timeout: 120_000 },
  () => {
    for (const d of [SEEN_SPEECH_DOMAIN, UNSEEN_SPEECH_DOMAIN])
      for (let i = 0; i < 4; i++)
        for (const s of standInMixture(d, "prosody", i).speakers) {
          const [lo, hi] = SPEECH_PROSODY.f0Hz[s.gender];
          assert.ok(s.f0 >= lo && s.f0 <= hi, `${s.voice} target F0 ${s.f0}`);
          const [wl, wh] = SPEECH_PROSODY.wordsPerMinute;
          assert.ok(s.wpm >= wl && s.wpm <= wh, `${s.voice} target rate ${s.wpm}`);
          assert.ok(
            Math.abs(Math.log(s.measuredF0 / s.f0)) < 0.1,
            `${s.engine} ${s.voice}: F0 ${s.measuredF0} for ${s.f0}`,
          );
          assert.ok(
            Math.abs(Math.log(s.measuredWpm / s.wpm)) < 0.3,
            `${s.engine} ${s.voice}: ${s.measuredWpm} wpm for ${s.wpm}`,
          );
        }
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
    const talkers = readStandInSpeakers(r.speakers);
    assert.deepEqual(talkers[rows[1].id], JSON.parse(JSON.stringify(direct.speakers)));
    assert.equal(
      buildSpeechStandIn({ dir, domain: UNSEEN_SPEECH_DOMAIN, split: "test", n: 3, seed: "t" }).built,
      false,
    );
  },
);
