// The VI-EMD speech sets: real LibriMix / VCTK-2mix files are used when their metadata exist under the
// external directory (a miniature corpus written here), else the synthetic stand-in (built per domain, split
// and size, train and test drawn from different seeds); segments are standardised with the training
// statistics and the sources keep summing to the clean mixture.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { writeWav } from "../../lib/data/wav";
import { fitStandardiser, speechSegments, speechSet } from "../../lib/data/speech-corpus";
import { espeakAvailable } from "../../lib/data/speech-standin";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "vaelab-speech-corpus-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

const tone = (n: number, f: number, a: number) =>
  Float32Array.from({ length: n }, (_, t) => a * Math.sin((2 * Math.PI * f * t) / 8000));

function miniCorpus(root: string, corpus: string, split: string, n: number): void {
  const base = join(root, corpus, "wav8k", "min");
  for (const sub of ["mix_clean", "mix_both", "s1", "s2", "noise", "metadata"])
    mkdirSync(join(base, sub === "metadata" ? "" : split, sub), { recursive: true });
  const clean = ["mixture_ID,mixture_path,source_1_path,source_2_path,length"],
    both = ["mixture_ID,mixture_path,source_1_path,source_2_path,noise_path,length"];
  for (let i = 0; i < n; i++) {
    const id = `${corpus}-${i}`,
      T = 6000 + 100 * i;
    const s1 = tone(T, 200 + 50 * i, 0.1),
      s2 = tone(T, 900 + 30 * i, 0.05),
      nz = tone(T, 3000, 0.01);
    const f = (sub: string) => join("/elsewhere/machine", corpus, "wav8k", "min", split, sub, `${id}.wav`); // another machine's paths: re-rooted
    const w = (sub: string, x: Float32Array) => writeWav(join(base, split, sub, `${id}.wav`), x, 8000, "float32");
    w("s1", s1);
    w("s2", s2);
    w("noise", nz);
    w(
      "mix_clean",
      s1.map((v, t) => v + s2[t]),
    );
    w(
      "mix_both",
      s1.map((v, t) => v + s2[t] + nz[t]),
    );
    clean.push([id, f("mix_clean"), f("s1"), f("s2"), T].join(","));
    both.push([id, f("mix_both"), f("s1"), f("s2"), f("noise"), T].join(","));
  }
  writeFileSync(join(base, "metadata", `mixture_${split}_mix_clean.csv`), clean.join("\n") + "\n");
  writeFileSync(join(base, "metadata", `mixture_${split}_mix_both.csv`), both.join("\n") + "\n");
}

test("real corpora under the external directory are used (LibriMix train-100 / test, VCTK-2mix test), the first n rows", () => {
  const ext = join(dir, "external");
  miniCorpus(ext, "Libri2Mix", "train-100", 5);
  miniCorpus(ext, "VCTK-2mix", "test", 3);
  const tr = speechSet({
    domain: "seen",
    split: "train",
    condition: "noisy",
    n: 4,
    externalDir: ext,
    generatedDir: join(dir, "gen"),
  });
  assert.equal(tr.source, "real");
  assert.equal(tr.corpus, "Libri2Mix");
  assert.equal(tr.rows.length, 4);
  assert.match(tr.rows[0].mixture, /mix_both/);
  assert.ok(tr.rows[0].mixture.startsWith(ext), "re-rooted to the local corpus");
  const un = speechSet({
    domain: "unseen",
    split: "test",
    condition: "clean",
    n: 10,
    externalDir: ext,
    generatedDir: join(dir, "gen"),
  });
  assert.equal(un.source, "real");
  assert.equal(un.rows.length, 3);
  assert.match(un.label, /VCTK-2mix/);
  assert.throws(
    () => speechSet({ domain: "unseen", split: "train", condition: "clean", n: 1, externalDir: ext }),
    /test split only/,
  );
  // segments: standardised with the given statistics; sources + (noise) = mixture up to the shared affine map
  const seg = speechSegments(tr.rows, { seconds: 0.5, segmentsPerMixture: 2, seed: 1 });
  assert.deepEqual(seg.mix.shape, [8, 4000]);
  assert.deepEqual(seg.sources.shape, [8, 2, 4000]);
  const st = fitStandardiser(seg.mix);
  assert.ok(Math.abs(st.mean) < 1e-6 && Math.abs(st.std - 1) < 1e-5, "the training segments come out standardised");
  const te = speechSegments(un.rows, { seconds: 0.5, standardiser: seg.standardiser, seed: 2 });
  const T = 4000;
  for (let t = 0; t < T; t += 97) {
    const m = te.mix.values[t],
      s = te.sources.values[t] + te.sources.values[T + t];
    assert.ok(Math.abs(m - s) < 1e-4, "clean: (x − μ)/σ = Σ_i (s_i − μ/S)/σ");
  }
});

test("faults in a real corpus: NaN audio names the WAV, a short WAV names the CSV row; NaN segments are not 'silent'", () => {
  const ext = join(dir, "external-faults");
  miniCorpus(ext, "Libri2Mix", "train-100", 3);
  const set = () =>
    speechSet({
      domain: "seen",
      split: "train",
      condition: "clean",
      n: 3,
      externalDir: ext,
      generatedDir: join(dir, "g"),
    });
  const tr = set();
  const x = tone(6100, 300, 0.1);
  x[5] = NaN;
  writeWav(tr.rows[1].mixture, x, 8000, "float32");
  assert.throws(
    () => speechSegments(tr.rows, { seconds: 0.5, seed: 1 }),
    (e: Error) => e.message.includes(tr.rows[1].mixture) && /sample 5 is NaN/.test(e.message),
  );
  writeWav(tr.rows[1].mixture, tone(3000, 300, 0.1), 8000, "float32");
  assert.throws(
    () => speechSegments(set().rows, { seconds: 0.5, seed: 1 }),
    (e: Error) =>
      e.message.includes(tr.rows[1].mixture) &&
      /has 3000 samples, fewer than the length 6100/.test(e.message) &&
      /mixture_train-100_mix_clean\.csv line 3/.test(e.message),
  );
  const v = new Float32Array(8).fill(0.5);
  v[6] = NaN;
  assert.throws(() => fitStandardiser({ values: v, shape: [2, 4] }), /non-finite value.*segment 1, sample 2/);
  assert.throws(() => fitStandardiser({ values: new Float32Array(8), shape: [2, 4] }), /silent/);
});

test(
  "without real corpora: the synthetic stand-in, per split and size, train and test different, with its talkers",
  { skip: espeakAvailable().ok ? false : espeakAvailable().reason, timeout: 120_000 },
  () => {
    const gen = join(dir, "gen2"),
      ext = join(dir, "none");
    const tr = speechSet({
      domain: "seen",
      split: "train",
      condition: "noisy",
      n: 3,
      externalDir: ext,
      generatedDir: gen,
    });
    const te = speechSet({
      domain: "seen",
      split: "test",
      condition: "noisy",
      n: 3,
      externalDir: ext,
      generatedDir: gen,
    });
    const te2 = speechSet({
      domain: "seen",
      split: "test",
      condition: "clean",
      n: 3,
      externalDir: ext,
      generatedDir: gen,
    });
    assert.equal(tr.source, "stand-in");
    assert.match(tr.label, /STAND-IN for LibriMix/);
    assert.match(tr.label, /built now/);
    assert.match(te2.label, /cached/);
    assert.notDeepEqual(
      tr.rows.map((r) => r.length),
      te.rows.map((r) => r.length),
      "train and test are different mixtures",
    );
    assert.deepEqual(
      te.rows.map((r) => r.length),
      te2.rows.map((r) => r.length),
      "clean and noisy test sets are the same mixtures",
    );
    const un = speechSet({
      domain: "unseen",
      split: "test",
      condition: "noisy",
      n: 2,
      externalDir: ext,
      generatedDir: gen,
    });
    assert.match(un.label, /STAND-IN for VCTK-2mix/);
    assert.match(un.label, /flite.*sox channel/);
    assert.match(tr.label, /espeak-ng, dry/);
    assert.ok(un.speakersFile && tr.speakersFile, "stand-in sets name their talkers' file");
  },
);
