// WAV reading/writing (PCM 8/16/24/32, float, stereo, extensible; errors naming the file) and the LibriMix /
// VCTK-2mix loader on a miniature corpus the test writes in the published layout, with metadata CSVs
// holding another machine's absolute paths (re-rooted), rate and column errors, fixed-length segments.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { decodeWav, encodeWav, readWav, writeWav } from "../../lib/data/wav";
import { librimixMetadataPath, loadMixture, mixtureSegments, readMixtureMetadata } from "../../lib/data/librimix";

let dir = "";
before(() => (dir = mkdtempSync(join(tmpdir(), "vaelab-wav-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

const sine = (n: number, f: number, fs = 8000, a = 0.5) =>
  Float32Array.from({ length: n }, (_, t) => a * Math.sin((2 * Math.PI * f * t) / fs));

/** A WAV buffer with arbitrary encoding, written by hand. */
function rawWav(frames: number[][], o: { format: number; bits: number; rate?: number; extensible?: boolean }): Buffer {
  const ch = frames[0].length,
    bytes = o.bits / 8,
    dataSize = frames.length * ch * bytes;
  const fmtSize = o.extensible ? 40 : 16;
  const b = Buffer.alloc(12 + 8 + fmtSize + 8 + dataSize);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(b.length - 8, 4);
  b.write("WAVE", 8, "ascii");
  b.write("fmt ", 12, "ascii");
  b.writeUInt32LE(fmtSize, 16);
  b.writeUInt16LE(o.extensible ? 0xfffe : o.format, 20);
  b.writeUInt16LE(ch, 22);
  b.writeUInt32LE(o.rate ?? 8000, 24);
  b.writeUInt32LE((o.rate ?? 8000) * ch * bytes, 28);
  b.writeUInt16LE(ch * bytes, 32);
  b.writeUInt16LE(o.bits, 34);
  if (o.extensible) {
    b.writeUInt16LE(22, 36);
    b.writeUInt16LE(o.bits, 38);
    b.writeUInt16LE(o.format, 44); // sub-format GUID begins with the format code
  }
  let p = 20 + fmtSize;
  b.write("data", p, "ascii");
  b.writeUInt32LE(dataSize, p + 4);
  p += 8;
  for (const fr of frames)
    for (const v of fr) {
      if (o.format === 3) b.writeFloatLE(v, p);
      else if (o.bits === 8) b.writeUInt8(Math.round(v * 128 + 128), p);
      else if (o.bits === 16) b.writeInt16LE(Math.round(v * 32768), p);
      else if (o.bits === 24) b.writeIntLE(Math.round(v * 8388608), p, 3);
      else b.writeInt32LE(Math.round(v * 2147483648), p);
      p += bytes;
    }
  return b;
}

test("WAV: 16-bit and float round trips; 8/24/32-bit, stereo (averaged or one channel), extensible", () => {
  const x = sine(800, 440);
  const f16 = join(dir, "a16.wav"),
    f32 = join(dir, "a32.wav");
  writeWav(f16, x, 8000);
  writeWav(f32, x, 8000, "float32");
  const a = readWav(f16),
    b = readWav(f32);
  assert.equal(a.sampleRate, 8000);
  assert.equal(a.samples.length, 800);
  assert.ok(a.samples.every((v, i) => Math.abs(v - x[i]) < 1 / 32768 + 1e-7));
  assert.deepEqual(b.samples, x);
  const vals = [0.5, -0.25, 0.125, -0.75];
  for (const [bits, format, tol] of [
    [8, 1, 1 / 128],
    [24, 1, 1e-6],
    [32, 1, 1e-8],
    [32, 3, 0],
  ] as const) {
    const w = decodeWav(
      rawWav(
        vals.map((v) => [v]),
        { format, bits },
      ),
      `${bits}-bit`,
    );
    w.samples.forEach((v, i) =>
      assert.ok(Math.abs(v - vals[i]) <= tol + 1e-9, `${bits}-bit format ${format}: ${v} vs ${vals[i]}`),
    );
  }
  const st = rawWav(
    vals.map((v) => [v, -v / 2]),
    { format: 1, bits: 16, extensible: true },
  );
  const avg = decodeWav(st, "stereo"),
    right = decodeWav(st, "stereo", { channel: 1 });
  assert.equal(avg.channels, 2);
  avg.samples.forEach((v, i) => assert.ok(Math.abs(v - vals[i] / 4) < 1e-4));
  right.samples.forEach((v, i) => assert.ok(Math.abs(v + vals[i] / 2) < 1e-4));
  assert.throws(() => decodeWav(Buffer.from("hello world, not a wav"), "x.txt"), /x\.txt: not a RIFF\/WAVE file/);
  assert.throws(
    () => decodeWav(rawWav([[0.1]], { format: 6, bits: 8 }), "alaw.wav"),
    /alaw\.wav: unsupported encoding \(format 6, 8 bits\)/,
  );
  assert.throws(() => decodeWav(st, "stereo", { channel: 2 }), /channel 2 asked, the file has 2/);
  assert.throws(() => readWav(join(dir, "missing.wav")), /cannot read .*missing\.wav/);
  assert.equal(encodeWav(x, 8000).length, 44 + 1600);
});

test("LibriMix layout: metadata with foreign absolute paths is re-rooted; mixtures load; segments stack", () => {
  const corpus = join(dir, "corpora", "Libri2Mix", "wav8k", "min");
  for (const d of ["test/mix_clean", "test/s1", "test/s2", "metadata"]) mkdirSync(join(corpus, d), { recursive: true });
  const lengths = [8000, 6000, 3000];
  const lines = ["mixture_ID,mixture_path,source_1_path,source_2_path,length"];
  lengths.forEach((n, i) => {
    const id = `61-70968-00${i}_8455-210777-00${i}`;
    const s1 = sine(n, 300 + 10 * i),
      s2 = sine(n, 150, 8000, 0.3);
    writeWav(join(corpus, "test/s1", `${id}.wav`), s1, 8000, "float32");
    writeWav(join(corpus, "test/s2", `${id}.wav`), s2, 8000, "float32");
    writeWav(
      join(corpus, "test/mix_clean", `${id}.wav`),
      s1.map((v, t) => v + s2[t]),
      8000,
      "float32",
    );
    const foreign = "/home/someone/storage/Libri2Mix/wav8k/min/test";
    lines.push(`${id},${foreign}/mix_clean/${id}.wav,${foreign}/s1/${id}.wav,${foreign}/s2/${id}.wav,${n}`);
  });
  const csv = librimixMetadataPath({ root: join(dir, "corpora"), split: "test", condition: "clean" });
  assert.ok(csv.endsWith(join("Libri2Mix", "wav8k", "min", "metadata", "mixture_test_mix_clean.csv")));
  writeFileSync(csv, lines.join("\n") + "\n");
  const rows = readMixtureMetadata(csv);
  assert.equal(rows.length, 3);
  assert.ok(rows[0].mixture.startsWith(join(dir, "corpora", "Libri2Mix")), `re-rooted: ${rows[0].mixture}`);
  const m = loadMixture(rows[1]);
  assert.equal(m.mixture.length, 6000);
  m.mixture.forEach((v, t) => assert.ok(Math.abs(v - m.sources[0][t] - m.sources[1][t]) < 1e-6));
  const seg = mixtureSegments(rows, { seconds: 0.5 });
  assert.deepEqual(seg.mixture.shape, [2, 4000]);
  assert.deepEqual(seg.sources.shape, [2, 2, 4000]);
  assert.equal(seg.skipped, 1, "the 3000-sample mixture is shorter than 0.5 s");
  const rnd = mixtureSegments(rows, { seconds: 0.5, random: true, seed: 3 });
  assert.notDeepEqual(rnd.mixture.values, seg.mixture.values);
  assert.throws(
    () => loadMixture(rows[0], { sampleRate: 16000 }),
    /sampled at 8000 Hz, expected 16000 Hz \(mixture 61-70968-000/,
  );
  const bad = join(dir, "bad.csv");
  writeFileSync(bad, "mixture_ID,mixture_path,length\nx,/a.wav,5\n");
  assert.throws(() => readMixtureMetadata(bad), /bad\.csv has no column source_1_path, source_2_path/);
  assert.throws(() => readMixtureMetadata(join(dir, "none.csv")), /none\.csv does not exist/);
  assert.throws(() => mixtureSegments(rows, { seconds: 5 }), /none of the 3 mixtures is 5 s long/);
});
