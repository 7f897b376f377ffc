// NumPy .npy files (format versions 1.0, 2.0 and 3.0) for float arrays: a reader that parses the header
// and checks the data against it, and a writer (used by tests and for exporting arrays to Python).
// Supported dtypes: float32 and float64, little- or big-endian ('<f4', '<f8', '>f4', '>f8'); the values
// come back as float32. Fortran-ordered arrays, other dtypes, truncated files, files with bytes beyond
// the array and float64 values beyond the float32 range (which would become ±Infinity) are refused with an
// error that names the file and says what was found.
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
import type { ArrayN } from "./dataset";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export type NpyDtype = "<f4" | "<f8" | ">f4" | ">f8";

/** Values in C (row-major) order, converted to float32. */
export interface NpyArray extends ArrayN {
  /** The dtype stored in the file. */
  dtype: NpyDtype;
}

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
}

/** Parses the header of a .npy file; `name` is used in error messages (usually the path). */
export function parseNpyHeader(buf: Uint8Array, name: string): NpyHeader {
  const bad = (why: string) => new Error(`${name}: not a readable .npy file: ${why}`);
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b))
    throw bad("it does not start with the magic string \\x93NUMPY");
  const major = buf[6];
  let headerLen: number, start: number;
  if (major === 1) {
    headerLen = buf[8] | (buf[9] << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad("truncated header");
    headerLen = (buf[8] | (buf[9] << 8) | (buf[10] << 16)) + buf[11] * 2 ** 24;
    start = 12;
  } else {
    throw bad(`unsupported format version ${major}.${buf[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  if (buf.length < start + headerLen)
    throw bad(`truncated header (needs ${start + headerLen} bytes, the file has ${buf.length})`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(buf.subarray(start, start + headerLen));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw bad(`cannot parse the header ${JSON.stringify(header.trim())}`);
  const dims = shape[1]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, "")));
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw bad(`bad shape (${shape[1]})`);
  return { descr: descr[1], fortranOrder: fortran[1] === "True", shape: dims, dataOffset: start + headerLen };
}

/** Reads a float32/float64 C-ordered .npy file's bytes; `name` is used in error messages. */
export function parseNpy(buf: Uint8Array, name: string): NpyArray {
  const h = parseNpyHeader(buf, name);
  const dtypes: Record<string, { bytes: number; little: boolean }> = {
    "<f4": { bytes: 4, little: true },
    "<f8": { bytes: 8, little: true },
    ">f4": { bytes: 4, little: false },
    ">f8": { bytes: 8, little: false },
  };
  const dt = dtypes[h.descr];
  if (!dt)
    throw new Error(
      `${name}: unsupported dtype '${h.descr}' (supported: float32 '<f4' and float64 '<f8', either byte order); convert it with arr.astype(np.float32)`,
    );
  if (h.fortranOrder)
    throw new Error(
      `${name}: the array is stored in Fortran order (fortran_order: True), which is not supported; save it in C order, e.g. np.save(path, np.ascontiguousarray(arr))`,
    );
  const count = h.shape.reduce((p, d) => p * d, 1);
  const need = count * dt.bytes;
  const have = buf.length - h.dataOffset;
  const what = `shape (${h.shape.join(", ")}) '${h.descr}' needs ${need} bytes of data`;
  if (have < need) throw new Error(`${name}: truncated: the header's ${what}, the file has ${have}`);
  if (have > need)
    throw new Error(`${name}: the header's ${what}, but the file has ${have} (${have - need} bytes too many)`);
  const view = new DataView(buf.buffer, buf.byteOffset + h.dataOffset, need);
  const values = new Float32Array(count);
  if (dt.bytes === 4) for (let i = 0; i < count; i++) values[i] = view.getFloat32(4 * i, dt.little);
  else
    for (let i = 0; i < count; i++) {
      const v = view.getFloat64(8 * i, dt.little);
      values[i] = v;
      if (!Number.isFinite(values[i]) && Number.isFinite(v)) {
        const at: number[] = [];
        for (let k = h.shape.length - 1, r = i; k >= 0; k--) {
          at.unshift(r % h.shape[k]);
          r = Math.floor(r / h.shape[k]);
        }
        throw new Error(
          `${name}: value ${v} at index ${i} (element [${at.join(", ")}]) is outside the float32 range (±3.4028235e38) the values are read into; rescale the array (or store it as float32) before saving`,
        );
      }
    }
  return { values, shape: h.shape, dtype: h.descr as NpyDtype };
}

export interface EncodeNpyOptions {
  /** Stored dtype (default '<f4' for a Float32Array, '<f8' for a Float64Array). */
  dtype?: NpyDtype;
  /** Write fortran_order: True in the header (the values are written as given); for tests. */
  fortranOrder?: boolean;
}

/** Encodes values in C order with the given shape as a version 1.0 .npy file. */
export function encodeNpy(
  values: Float32Array | Float64Array | number[],
  shape: number[],
  opts: EncodeNpyOptions = {},
): Uint8Array {
  const count = shape.reduce((p, d) => p * d, 1);
  if (count !== values.length)
    throw new Error(`encodeNpy: shape (${shape.join(", ")}) holds ${count} values, got ${values.length}`);
  const dtype = opts.dtype ?? (values instanceof Float64Array ? "<f8" : "<f4");
  const bytes = dtype.endsWith("8") ? 8 : 4,
    little = dtype.startsWith("<");
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${dtype}', 'fortran_order': ${opts.fortranOrder ? "True" : "False"}, 'shape': ${shapeText}, }`;
  // pad with spaces so that magic + version + length + header (ending in \n) is a multiple of 64
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, " ") + "\n";
  const out = new Uint8Array(total + count * bytes);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, total);
  for (let i = 0; i < count; i++) {
    if (bytes === 4) view.setFloat32(4 * i, values[i], little);
    else view.setFloat64(8 * i, values[i], little);
  }
  return out;
}
