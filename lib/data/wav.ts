// WAV (RIFF/WAVE) reading and writing for the speech corpora (LibriMix, VCTK-2mix, the espeak-ng stand-in).
// Reads PCM integer (8-bit unsigned, 16/24/32-bit signed) and IEEE float (32/64-bit) data, plain or in a
// WAVE_FORMAT_EXTENSIBLE wrapper, any channel count (averaged to mono unless a channel is asked for),
// scaled to [−1, 1). Unknown chunks are skipped. Errors name the file and what is wrong (chunk ids printed
// with non-printable bytes escaped): truncated data chunks, no samples, sample rate 0, NaN/±Inf or far out of
// range float samples (see decodeWav). Writes 16-bit PCM or 32-bit float mono.
import * as fs from "fs";

export interface WavAudio {
  sampleRate: number;
  /** Mono samples in [−1, 1). */
  samples: Float32Array;
  channels: number;
  bitsPerSample: number;
  format: "pcm" | "float";
}

const FORMAT_PCM = 1,
  FORMAT_FLOAT = 3,
  FORMAT_EXTENSIBLE = 0xfffe;

/** Largest magnitude accepted in a float WAV (+12 dBFS): float data may overshoot ±1, but not by this much. */
export const WAV_FLOAT_LIMIT = 4;

/** Data-chunk sizes that streaming writers leave when they cannot seek back (0xffffffff: ffmpeg; ≥ 0x7ffff000: espeak-ng, sox). */
const STREAMING_SIZE = 0x7ffff000;

/** Four bytes of a chunk id as printable text (other bytes as \xNN). */
function chunkId(buf: Buffer, at: number): string {
  let s = "";
  for (let i = at; i < at + 4 && i < buf.length; i++) {
    const b = buf[i];
    s += b >= 0x20 && b <= 0x7e && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** Whether a chunk header (four printable ASCII bytes and a size that fits the buffer) starts at `at`. */
function chunkHeaderAt(buf: Buffer, at: number): boolean {
  if (at + 8 > buf.length) return false;
  for (let i = at; i < at + 4; i++) if (buf[i] < 0x20 || buf[i] > 0x7e) return false;
  return at + 8 + buf.readUInt32LE(at + 4) <= buf.length;
}

/**
 * Decode a WAV buffer (`name` is used in error messages). Refused with an error naming `name`: a data
 * chunk shorter than its header says (a truncated file), no samples, sample rate 0, float samples that are
 * NaN/±Inf or outside ±WAV_FLOAT_LIMIT. A data-chunk size of 0 or a streaming placeholder (≥ 0x7ffff000)
 * that does not fit the file means the data runs to the end of the file. A pad byte left out after an
 * odd-sized chunk is tolerated.
 */
export function decodeWav(buf: Buffer, name = "WAV data", opts: { channel?: number } = {}): WavAudio {
  const fail = (msg: string): never => {
    throw new Error(`readWav: ${name}: ${msg}`);
  };
  if (buf.length < 12 || buf.toString("latin1", 0, 4) !== "RIFF" || buf.toString("latin1", 8, 12) !== "WAVE")
    fail("not a RIFF/WAVE file");
  let pos = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  let data: Buffer | null = null;
  let truncated: { declared: number; present: number } | null = null;
  while (pos + 8 <= buf.length) {
    const id = buf.toString("latin1", pos, pos + 4),
      size = buf.readUInt32LE(pos + 4);
    const body = pos + 8,
      end = body + size;
    if (id === "data") {
      // streaming writers leave the size 0 or a placeholder: the data then run to the end of the file
      // (a size of 0 followed by another chunk is a genuinely empty data chunk)
      const streaming =
        (size >= STREAMING_SIZE && end > buf.length) || (size === 0 && body < buf.length && !chunkHeaderAt(buf, body));
      if (streaming) {
        data = buf.subarray(body);
        break;
      }
      if (end > buf.length) {
        truncated = { declared: size, present: buf.length - body };
        break;
      }
      data = buf.subarray(body, end);
    } else if (end > buf.length)
      fail(
        `chunk "${chunkId(buf, pos)}" of ${size} bytes at byte ${pos} runs past the end of the file (${buf.length} bytes): the file is truncated or not a WAV file`,
      );
    if (id === "fmt ") {
      if (size < 16) fail(`fmt chunk of ${size} bytes is too short`);
      let format = buf.readUInt16LE(body);
      const channels = buf.readUInt16LE(body + 2),
        sampleRate = buf.readUInt32LE(body + 4),
        blockAlign = buf.readUInt16LE(body + 12),
        bits = buf.readUInt16LE(body + 14);
      if (format === FORMAT_EXTENSIBLE) {
        if (size < 40) fail("WAVE_FORMAT_EXTENSIBLE fmt chunk is too short");
        format = buf.readUInt16LE(body + 24); // the sub-format GUID starts with the format code
      }
      fmt = { format, channels, sampleRate, bits, blockAlign };
    }
    // chunks are padded to an even size; some writers leave the pad byte out
    let next = end + (size % 2);
    if (size % 2 === 1 && !chunkHeaderAt(buf, next) && chunkHeaderAt(buf, end)) next = end;
    pos = next;
  }
  if (!fmt) return fail("no fmt chunk");
  const { format, channels, sampleRate, bits, blockAlign } = fmt;
  if (truncated) {
    const frames = (n: number) => (blockAlign > 0 ? ` (${Math.floor(n / blockAlign)} samples)` : "");
    fail(
      `truncated: the data chunk declares ${truncated.declared} bytes${frames(truncated.declared)} but only ${truncated.present}${frames(truncated.present)} are present; copy or download the file again`,
    );
  }
  if (!data) return fail("no data chunk");
  if (channels < 1) fail(`${channels} channels`);
  if (sampleRate < 1) fail(`sample rate ${sampleRate} Hz in the fmt chunk`);
  const isPcm = format === FORMAT_PCM && [8, 16, 24, 32].includes(bits),
    isFloat = format === FORMAT_FLOAT && [32, 64].includes(bits);
  if (!isPcm && !isFloat)
    fail(`unsupported encoding (format ${format}, ${bits} bits); PCM 8/16/24/32 and float 32/64 are read`);
  const bytes = bits / 8;
  if (blockAlign !== bytes * channels) fail(`block align ${blockAlign} does not match ${channels} × ${bytes} bytes`);
  const frames = Math.floor(data.length / blockAlign);
  if (frames === 0) fail(`no samples (the data chunk holds ${data.length} bytes)`);
  const ch = opts.channel;
  if (ch !== undefined && !(Number.isInteger(ch) && ch >= 0 && ch < channels))
    fail(`channel ${ch} asked, the file has ${channels}`);
  const badFloat = (v: number, i: number, c: number): never =>
    fail(
      `float sample ${i}${channels > 1 ? ` (channel ${c})` : ""} is ${v}${Number.isFinite(v) ? `, outside [−${WAV_FLOAT_LIMIT}, ${WAV_FLOAT_LIMIT}] (float WAV data are scaled to [−1, 1]); the file is corrupt or holds unscaled values` : "; the file is corrupt or was written from data holding NaN/Inf"}`,
    );
  const read = (i: number, c: number): number => {
    const off = i * blockAlign + c * bytes;
    if (isFloat) {
      const v = bits === 32 ? data!.readFloatLE(off) : data!.readDoubleLE(off);
      if (!(Math.abs(v) <= WAV_FLOAT_LIMIT)) badFloat(v, i, c);
      return v;
    }
    if (bits === 8) return (data!.readUInt8(off) - 128) / 128;
    if (bits === 16) return data!.readInt16LE(off) / 32768;
    if (bits === 24) return data!.readIntLE(off, 3) / 8388608;
    return data!.readInt32LE(off) / 2147483648;
  };
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    if (ch !== undefined) out[i] = read(i, ch);
    else {
      let s = 0;
      for (let c = 0; c < channels; c++) s += read(i, c);
      out[i] = s / channels;
    }
  }
  return { sampleRate, samples: out, channels, bitsPerSample: bits, format: isFloat ? "float" : "pcm" };
}

export function readWav(file: string, opts: { channel?: number } = {}): WavAudio {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`readWav: cannot read ${file} (${(e as Error).message.split("\n")[0]})`);
  }
  return decodeWav(buf, file, opts);
}

/** Encode mono samples as 16-bit PCM (clipped to [−1, 1)) or 32-bit float WAV. */
export function encodeWav(samples: Float32Array, sampleRate: number, format: "pcm16" | "float32" = "pcm16"): Buffer {
  const bytes = format === "pcm16" ? 2 : 4;
  const dataSize = samples.length * bytes;
  const b = Buffer.alloc(44 + dataSize);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(36 + dataSize, 4);
  b.write("WAVE", 8, "ascii");
  b.write("fmt ", 12, "ascii");
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(format === "pcm16" ? FORMAT_PCM : FORMAT_FLOAT, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * bytes, 28);
  b.writeUInt16LE(bytes, 32);
  b.writeUInt16LE(bytes * 8, 34);
  b.write("data", 36, "ascii");
  b.writeUInt32LE(dataSize, 40);
  for (let i = 0; i < samples.length; i++) {
    if (format === "pcm16")
      b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), 44 + 2 * i);
    else b.writeFloatLE(samples[i], 44 + 4 * i);
  }
  return b;
}

export function writeWav(
  file: string,
  samples: Float32Array,
  sampleRate: number,
  format: "pcm16" | "float32" = "pcm16",
): void {
  fs.writeFileSync(file, encodeWav(samples, sampleRate, format));
}
