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

/** A 16-bit mono WAV written by hand: `declared` data-chunk size, `bytes` of data present, extra chunks. */
function wavWith(o: {
  declared: number;
  bytes: number;
  rate?: number;
  format?: number;
  bits?: number;
  before?: Buffer;
  after?: Buffer;
}): Buffer {
  const bits = o.bits ?? 16,
    rate = o.rate ?? 8000;
  const fmt = Buffer.alloc(24);
  fmt.write("fmt ", 0, "ascii");
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(o.format ?? 1, 8);
  fmt.writeUInt16LE(1, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE((rate * bits) / 8, 16);
  fmt.writeUInt16LE(bits / 8, 20);
  fmt.writeUInt16LE(bits, 22);
  const dh = Buffer.alloc(8);
  dh.write("data", 0, "ascii");
  dh.writeUInt32LE(o.declared, 4);
  const data = Buffer.alloc(o.bytes);
  for (let i = 0; i + 1 < o.bytes; i += 2) data.writeInt16LE(((i * 37) % 2000) - 1000, i);
  const body = Buffer.concat([
    Buffer.from("WAVE", "ascii"),
    o.before ?? Buffer.alloc(0),
    fmt,
    dh,
    data,
    o.after ?? Buffer.alloc(0),
  ]);
  const riff = Buffer.alloc(8);
  riff.write("RIFF", 0, "ascii");
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

/** Every character of an error message is printable (no raw bytes from the file). */
const printable = (e: unknown) => {
  const m = (e as Error).message;
  assert.ok(!/[\x00-\x1f\x7f-\x9f\ufffd]/.test(m), `raw bytes in: ${JSON.stringify(m)}`);
  return true;
};

test("WAV faults: truncated data chunk, no samples, rate 0, NaN/Inf/out-of-range floats are errors naming the file", () => {
  // header says 1600 bytes (800 samples), 600 present
  assert.throws(
    () => decodeWav(wavWith({ declared: 1600, bytes: 600 }), "cut.wav"),
    (e: Error) =>
      printable(e) &&
      /cut\.wav: .*data chunk declares 1600 bytes \(800 samples\) but only 600 \(300 samples\) are present/.test(
        e.message,
      ),
  );
  const f = join(dir, "cut.wav");
  writeFileSync(f, wavWith({ declared: 1600, bytes: 600 }));
  assert.throws(
    () => readWav(f),
    (e: Error) => e.message.includes(f) && /truncated/.test(e.message),
  );
  // header only: no samples
  assert.throws(() => decodeWav(wavWith({ declared: 0, bytes: 0 }), "empty.wav"), /empty\.wav: .*no samples/);
  assert.throws(() => decodeWav(encodeWav(new Float32Array(0), 8000), "e2.wav"), /e2\.wav: .*no samples/);
  // sample rate 0
  assert.throws(() => decodeWav(wavWith({ declared: 20, bytes: 20, rate: 0 }), "r0.wav"), /r0\.wav: .*sample rate 0/);
  // float samples: NaN, Inf, far outside [−1, 1]
  for (const [bad, what] of [
    [NaN, /sample 3 is NaN/],
    [Infinity, /sample 3 is Infinity/],
    [-Infinity, /sample 3 is -Infinity/],
    [32767, /sample 3 is 32767, outside \[−4, 4\]/],
  ] as const) {
    const x = Float32Array.from([0.1, -0.2, 0.3, bad, 0.5, NaN]);
    assert.throws(
      () => decodeWav(encodeWav(x, 8000, "float32"), "f.wav"),
      (e: Error) => printable(e) && e.message.includes("f.wav") && what.test(e.message),
      String(bad),
    );
  }
  // modest overshoot of a float file (headroom) is kept as it is
  const loud = Float32Array.from([0.5, 1.5, -3.9, 4]);
  assert.deepEqual(decodeWav(encodeWav(loud, 8000, "float32"), "loud.wav").samples, loud);
});

test("WAV streaming sizes (0, 0x7ffff000, 0xffffffff) run to the end of the file; missing pad bytes; printable messages", () => {
  const whole = decodeWav(wavWith({ declared: 600, bytes: 600 }), "whole.wav").samples;
  assert.equal(whole.length, 300);
  for (const declared of [0, 0x7ffff000, 0xffffffff]) {
    const w = decodeWav(wavWith({ declared, bytes: 600 }), `stream-${declared}.wav`);
    assert.deepEqual(w.samples, whole, `declared ${declared}`);
  }
  // a genuinely empty data chunk followed by another chunk is empty, not the chunk's bytes
  const list = Buffer.alloc(8 + 4);
  list.write("LIST", 0, "ascii");
  list.writeUInt32LE(4, 4);
  list.write("INFO", 8, "ascii");
  assert.throws(() => decodeWav(wavWith({ declared: 0, bytes: 0, after: list }), "e.wav"), /e\.wav: .*no samples/);
  // an odd-sized chunk before fmt whose writer left out the pad byte
  const odd = Buffer.alloc(8 + 5);
  odd.write("junk", 0, "ascii");
  odd.writeUInt32LE(5, 4);
  odd.write("abcde", 8, "ascii");
  assert.deepEqual(decodeWav(wavWith({ declared: 600, bytes: 600, before: odd }), "nopad.wav").samples, whole);
  // with the pad byte it reads the same
  const padded = Buffer.concat([odd, Buffer.alloc(1)]);
  assert.deepEqual(decodeWav(wavWith({ declared: 600, bytes: 600, before: padded }), "pad.wav").samples, whole);
  // a chunk with binary bytes for an id that runs past the end: the id is printed escaped
  const junk = Buffer.from([0x01, 0xff, 0x41, 0x0a, 0xff, 0xff, 0x00, 0x00]);
  assert.throws(
    () => decodeWav(wavWith({ declared: 600, bytes: 600, before: junk }), "bin.wav"),
    (e: Error) => printable(e) && /bin\.wav: chunk "\\x01\\xffA\\x0a" .*runs past the end/.test(e.message),
  );
});

/** A small LibriMix-layout corpus with one mixture per entry of `n` (samples in the files) and CSV `length`s. */
function brokenCorpus(name: string, n: number[], lengths: number[], cells?: (id: string, i: number) => string[]) {
  const root = join(dir, name),
    corpus = join(root, "Libri2Mix", "wav8k", "min");
  for (const d of ["train/mix_clean", "train/s1", "train/s2", "metadata"])
    mkdirSync(join(corpus, d), { recursive: true });
  const lines = ["mixture_ID,mixture_path,source_1_path,source_2_path,length"];
  n.forEach((len, i) => {
    const id = `m${i}`;
    const p = (sub: string) => join(corpus, "train", sub, `${id}.wav`);
    writeWav(p("s1"), sine(len, 300), 8000, "float32");
    writeWav(p("s2"), sine(len, 150, 8000, 0.3), 8000, "float32");
    writeWav(
      p("mix_clean"),
      sine(len, 300).map((v, t) => v + 0.3 * Math.sin((2 * Math.PI * 150 * t) / 8000)),
      8000,
      "float32",
    );
    lines.push((cells ? cells(id, i) : [id, p("mix_clean"), p("s1"), p("s2"), String(lengths[i])]).join(","));
  });
  const csv = librimixMetadataPath({ root, split: "train", condition: "clean" });
  writeFileSync(csv, lines.join("\n") + "\n");
  return { csv, corpus };
}

test("LibriMix faults: WAV shorter than the CSV length, empty CSV, empty path cell, NaN audio: errors naming the file", () => {
  // the second mixture's files hold 4000 samples, the CSV says 16000: no zero padding into the segments
  const { csv, corpus } = brokenCorpus("short", [16000, 4000], [16000, 16000]);
  const rows = readMixtureMetadata(csv);
  assert.throws(
    () => mixtureSegments(rows, { seconds: 2 }),
    (e: Error) =>
      e.message.includes(join(corpus, "train", "mix_clean", "m1.wav")) &&
      /has 4000 samples, fewer than the length 16000/.test(e.message) &&
      e.message.includes(`${csv} line 3`),
  );
  assert.throws(() => loadMixture(rows[1]), /m1\.wav has 4000 samples, fewer than the length 16000/);
  // empty CSV, header-only CSV
  const empty = join(dir, "empty.csv");
  writeFileSync(empty, "");
  assert.throws(
    () => readMixtureMetadata(empty),
    (e: Error) => e.message.includes(empty) && /is empty/.test(e.message),
  );
  writeFileSync(empty, "\n\n");
  assert.throws(() => readMixtureMetadata(empty), /empty\.csv is empty/);
  writeFileSync(empty, "mixture_ID,mixture_path,source_1_path,source_2_path,length\n");
  assert.throws(() => readMixtureMetadata(empty), /empty\.csv has a header but no rows/);
  // an empty path cell
  const holes = brokenCorpus("holes", [800, 800], [800, 800], (id, i) => [
    id,
    join(dir, "x.wav"),
    i === 1 ? "" : join(dir, "y.wav"),
    join(dir, "z.wav"),
    "800",
  ]);
  assert.throws(
    () => readMixtureMetadata(holes.csv),
    (e: Error) => e.message.includes(holes.csv) && /line 3 column source_1_path is empty/.test(e.message),
  );
  // NaN in a mixture: the WAV is named
  const nan = brokenCorpus("nan", [800], [800]);
  const nanRows = readMixtureMetadata(nan.csv);
  const x = sine(800, 300);
  x[17] = NaN;
  writeWav(nanRows[0].mixture, x, 8000, "float32");
  assert.throws(
    () => mixtureSegments(nanRows, { seconds: 0.1 }),
    (e: Error) => e.message.includes(nanRows[0].mixture) && /sample 17 is NaN/.test(e.message),
  );
});
