// A minimal SAS XPORT (version 5 transport) writer: one member (data set), numeric variables of 8 bytes
// in IBM hexadecimal floating point and character variables padded with blanks. It exists so that the
// tests of lib/data/nhanes can write small NHANES-like .XPT files themselves and read them back through
// the real reader (xport-js); nothing in the library needs to write XPORT files otherwise.
//
// Layout (SAS technical paper TS-140, "The record layout of a data set in SAS transport (XPORT)
// format"): 80-byte records — the library header and two real header records; the member header, the
// descriptor header and two member records (name, created/modified, label, type); the NAMESTR header
// naming the variable count; one 140-byte NAMESTR per variable (type, length, number, name, label,
// formats, position) padded to a whole record; the OBS header; the observations back to back, the last
// record padded with ASCII blanks. A missing numeric is "." followed by seven zero bytes.
import * as fs from "fs";

export interface XportColumn {
  /** Up to 8 characters (SAS v5 names), upper case by convention. */
  name: string;
  label?: string;
  type: "num" | "char";
  /** Bytes: 8 for numbers (the only width written); characters default 8, at most 200. */
  length?: number;
}

export interface XportTable {
  /** Data set name, up to 8 characters (e.g. "AUX_I"). */
  name: string;
  label?: string;
  columns: XportColumn[];
  /** One row per observation; numbers (null or NaN = missing) and strings by column type. */
  rows: (number | string | null)[][];
}

const RECORD = 80;

function padText(s: string, n: number, where: string): string {
  if (s.length > n) throw new Error(`xport-write: ${where} "${s}" is longer than ${n} characters`);
  if (/[^\x20-\x7e]/.test(s)) throw new Error(`xport-write: ${where} "${s}" must be printable ASCII`);
  return s + " ".repeat(n - s.length);
}

/** SAS date-time text ddMMMyy:hh:mm:ss (16 characters). */
export function sasDateTime(d: Date): string {
  const mon = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"][d.getUTCMonth()];
  const two = (v: number) => String(v).padStart(2, "0");
  return `${two(d.getUTCDate())}${mon}${two(d.getUTCFullYear() % 100)}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/**
 * An IEEE double as an 8-byte IBM hexadecimal float: sign bit, 7-bit base-16 exponent in excess 64,
 * 56-bit fraction f ∈ [1/16, 1) with value (−1)^s·16^(e−64)·f. Exact for every double in IBM's range
 * (a 53-bit significand fits the 56-bit fraction). null or NaN gives the SAS missing value ".".
 */
export function ieeeToIbm(x: number | null): Buffer {
  const out = Buffer.alloc(8, 0);
  if (x === null || Number.isNaN(x)) {
    out[0] = 0x2e;
    return out;
  }
  if (!Number.isFinite(x)) throw new Error(`xport-write: ${x} has no IBM float form`);
  if (x === 0) return out;
  const sign = x < 0 ? 1 : 0;
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a) / 4) + 1;
  let f = a / 2 ** (4 * e);
  while (f >= 1) {
    f /= 16;
    e++;
  }
  while (f < 1 / 16) {
    f *= 16;
    e--;
  }
  if (e + 64 > 127) throw new Error(`xport-write: ${x} overflows the IBM float range`);
  if (e + 64 < 0) return out; // underflow to zero
  let mant = BigInt(f * 2 ** 56); // exact: f has at most 53 significant bits, the lowest at ≥ 2⁻⁵⁶
  out[0] = (sign << 7) | (e + 64);
  for (let i = 7; i >= 1; i--) {
    out[i] = Number(mant & 0xffn);
    mant >>= 8n;
  }
  return out;
}

/** The inverse of ieeeToIbm (for tests): null for a SAS missing value. */
export function ibmToIeee(b: Buffer): number | null {
  if ((b[0] === 0x2e || b[0] === 0x5f || (b[0] >= 0x41 && b[0] <= 0x5a)) && b.subarray(1).every((v) => v === 0))
    return null;
  let mant = 0n;
  for (let i = 1; i < b.length; i++) mant = (mant << 8n) | BigInt(b[i]);
  const sign = b[0] >> 7 ? -1 : 1;
  const e = (b[0] & 0x7f) - 64;
  return sign * Number(mant) * 2 ** (4 * e - 8 * (b.length - 1));
}

function header(kind: string, tail: string): string {
  const s = `HEADER RECORD*******${padText(kind, 8, "header kind")}HEADER RECORD!!!!!!!${tail}`;
  return padText(s, RECORD, "header");
}

/** The bytes of a one-member XPORT v5 file holding `table`. */
export function encodeXport(
  table: XportTable,
  opts: { created?: Date; sasVersion?: string; os?: string } = {},
): Buffer {
  const when = sasDateTime(opts.created ?? new Date(Date.UTC(2020, 0, 1, 0, 0, 0)));
  const ver = padText(opts.sasVersion ?? "9.4", 8, "SAS version");
  const os = padText(opts.os ?? "X64_10PR", 8, "OS name");
  const cols = table.columns.map((c) => ({ ...c, length: c.length ?? 8 }));
  if (cols.length === 0) throw new Error("xport-write: no columns");
  if (cols.length > 9999) throw new Error("xport-write: more than 9999 columns");
  const seen = new Set<string>();
  for (const c of cols) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,7}$/.test(c.name))
      throw new Error(`xport-write: column name "${c.name}" is not a SAS v5 name (≤ 8 letters, digits, _)`);
    if (seen.has(c.name.toUpperCase())) throw new Error(`xport-write: duplicate column "${c.name}"`);
    seen.add(c.name.toUpperCase());
    if (c.type === "num" && c.length !== 8)
      throw new Error(`xport-write: numeric column "${c.name}" must have length 8`);
    if (c.type === "char" && !(c.length >= 1 && c.length <= 200))
      throw new Error(`xport-write: character column "${c.name}" length must be 1…200`);
  }
  const text: string[] = [
    header("LIBRARY", "0".repeat(30) + "  "),
    padText(`SAS     SAS     SASLIB  ${ver}${os}${" ".repeat(24)}${when}`, RECORD, "library record"),
    padText(when, RECORD, "library record 2"),
    header("MEMBER", "0".repeat(17) + "16" + "0".repeat(8) + "140" + "  "), // 160: header length; 140: NAMESTR length
    header("DSCRPTR", "0".repeat(30) + "  "),
    padText(
      `SAS     ${padText(table.name, 8, "data set name")}SASDATA ${ver}${os}${" ".repeat(24)}${when}`,
      RECORD,
      "member record",
    ),
    padText(
      `${when}${" ".repeat(16)}${padText(table.label ?? "", 40, "data set label")}${padText("", 8, "type")}`,
      RECORD,
      "member record 2",
    ),
    header("NAMESTR", `000000${String(cols.length).padStart(4, "0")}${"0".repeat(20)}  `),
  ];
  const parts: Buffer[] = [Buffer.from(text.join(""), "latin1")];
  // NAMESTR records, 140 bytes each
  const names = Buffer.alloc(140 * cols.length, 0);
  let pos = 0;
  cols.forEach((c, i) => {
    const o = 140 * i;
    names.writeInt16BE(c.type === "num" ? 1 : 2, o);
    names.writeInt16BE(0, o + 2);
    names.writeInt16BE(c.length, o + 4);
    names.writeInt16BE(i + 1, o + 6);
    names.write(padText(c.name, 8, "column name"), o + 8, "latin1");
    names.write(padText(c.label ?? "", 40, `label of ${c.name}`), o + 16, "latin1");
    names.write(" ".repeat(8), o + 56, "latin1"); // format name
    // format length/decimals/justification (3 shorts) and 2 filler bytes stay 0
    names.write(" ".repeat(8), o + 72, "latin1"); // informat name
    names.writeInt32BE(pos, o + 84);
    pos += c.length;
  });
  parts.push(names, Buffer.alloc((RECORD - (names.length % RECORD)) % RECORD, 0x20));
  parts.push(Buffer.from(header("OBS", "0".repeat(30) + "  "), "latin1"));
  const obsLen = pos;
  const data = Buffer.alloc(obsLen * table.rows.length, 0x20);
  table.rows.forEach((row, r) => {
    if (row.length !== cols.length)
      throw new Error(`xport-write: row ${r} has ${row.length} values for ${cols.length} columns`);
    let off = r * obsLen;
    cols.forEach((c, j) => {
      const v = row[j];
      if (c.type === "num") {
        if (typeof v === "string")
          throw new Error(`xport-write: row ${r} column ${c.name} is numeric, got the string "${v}"`);
        ieeeToIbm(v).copy(data, off);
      } else {
        data.write(padText(v === null ? "" : String(v), c.length, `row ${r} column ${c.name}`), off, "latin1");
      }
      off += c.length;
    });
  });
  parts.push(data, Buffer.alloc((RECORD - (data.length % RECORD)) % RECORD, 0x20));
  return Buffer.concat(parts);
}

/** Write `table` as an XPORT v5 file at `file`. */
export function writeXport(file: string, table: XportTable, opts: { created?: Date } = {}): void {
  fs.writeFileSync(file, encodeXport(table, opts));
}
