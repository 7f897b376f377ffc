// WAV (RIFF/WAVE) reading and writing for the speech corpora (LibriMix, VCTK-2mix, the espeak-ng stand-in).
// Reads PCM integer (8-bit unsigned, 16/24/32-bit signed) and IEEE float (32/64-bit) data, plain or in a
// WAVE_FORMAT_EXTENSIBLE wrapper, any channel count (averaged to mono unless a channel is asked for),
// scaled to [−1, 1). Unknown chunks are skipped. Errors name the file and what is wrong. Writes 16-bit PCM
// or 32-bit float mono.
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

/** Decode a WAV buffer (`name` is used in error messages). */
export function decodeWav(buf: Buffer, name = "WAV data", opts: { channel?: number } = {}): WavAudio {
  const fail = (msg: string): never => {
    throw new Error(`readWav: ${name}: ${msg}`);
  };
  if (buf.length < 12 || buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE")
    fail("not a RIFF/WAVE file");
  let pos = 12;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number; blockAlign: number } | null = null;
  let data: Buffer | null = null;
  while (pos + 8 <= buf.length) {
    const id = buf.toString("ascii", pos, pos + 4),
      size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (body + size > buf.length && id !== "data") fail(`chunk "${id}" runs past the end of the file`);
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
    } else if (id === "data") {
      // some writers leave the size 0 or too large when streaming: take what is there
      data = buf.subarray(body, Math.min(buf.length, body + size));
    }
    pos = body + size + (size % 2);
  }
  if (!fmt) return fail("no fmt chunk");
  if (!data) return fail("no data chunk");
  const { format, channels, sampleRate, bits, blockAlign } = fmt;
  if (channels < 1) fail(`${channels} channels`);
  const isPcm = format === FORMAT_PCM && [8, 16, 24, 32].includes(bits),
    isFloat = format === FORMAT_FLOAT && [32, 64].includes(bits);
  if (!isPcm && !isFloat)
    fail(`unsupported encoding (format ${format}, ${bits} bits); PCM 8/16/24/32 and float 32/64 are read`);
  const bytes = bits / 8;
  if (blockAlign !== bytes * channels) fail(`block align ${blockAlign} does not match ${channels} × ${bytes} bytes`);
  const frames = Math.floor(data.length / blockAlign);
  const ch = opts.channel;
  if (ch !== undefined && !(Number.isInteger(ch) && ch >= 0 && ch < channels))
    fail(`channel ${ch} asked, the file has ${channels}`);
  const read = (off: number): number => {
    if (isFloat) return bits === 32 ? data!.readFloatLE(off) : data!.readDoubleLE(off);
    if (bits === 8) return (data!.readUInt8(off) - 128) / 128;
    if (bits === 16) return data!.readInt16LE(off) / 32768;
    if (bits === 24) return data!.readIntLE(off, 3) / 8388608;
    return data!.readInt32LE(off) / 2147483648;
  };
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    const base = i * blockAlign;
    if (ch !== undefined) out[i] = read(base + ch * bytes);
    else {
      let s = 0;
      for (let c = 0; c < channels; c++) s += read(base + c * bytes);
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
