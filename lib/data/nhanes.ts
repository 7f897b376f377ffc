// Real audiogram data for VAEquisition (seed 001, App. A, Sec. 3.1) and the labelled stand-in used when
// the files are absent.
//
// NHANES (CDC): pure-tone air-conduction thresholds from the audiometry examination files (AUX) joined to
// the demographics files (DEMO) on the respondent sequence number SEQN. The paper uses the cycles
// 1999–2004, 2011–12 and 2015–16 (N = 12 813) and the frequencies 0.5, 1, 2, 3, 4, 6, 8 kHz of both ears
// plus age. The files are SAS XPORT v5 transport files (AUX1.XPT, AUX_B.XPT, …, DEMO_I.XPT), read here with
// xport-js. Variables: AUXU500R/L, AUXU1K1R/L (1 kHz, first reading; AUXU1K2* is the retest, not used),
// AUXU2KR/L, AUXU3KR/L, AUXU4KR/L, AUXU6KR/L, AUXU8KR/L in dB HL; RIDAGEYR (age in years at screening, top
// coded) and RIAGENDR (1 male, 2 female). Codes in the threshold variables: 666 "no response" (no
// threshold up to the audiometer's maximum output) and 888 "could not obtain"; 777 and 999 (refused,
// don't know) are treated the same way. By default every such code is missing (NaN); 666 can instead be
// mapped to a censoring value (noResponse: number). Values outside [−10, 120] dB HL are also missing.
//
// Broken files are errors naming the file: an XPORT file shorter than its header's record layout says
// (truncated download), a threshold or demographic variable stored as characters.
//
// HÖRSTAT (von Gablenz & Holube 2015) is not openly downloadable; `loadHorstatCsv` reads a CSV in the
// layout HORSTAT_CSV_COLUMNS below (one row per person: id, age, optional sex, the 14 thresholds); ages
// outside 0–120 years are errors.
//
// Stand-in. When the real files are absent under data/external/, the notebooks use populations drawn
// from published age- and sex-dependent hearing-threshold statistics, ISO 7029:2000 ("Acoustics —
// Statistical distribution of hearing thresholds as a function of age", 2nd ed., identical in content to
// ISO 7029:1984): for otologically normal persons aged 18–70, the median threshold deviation from age 18 is
//     ΔH_md(Y) = α_f,sex·(Y − 18)²,
// and the distribution about it is Gaussian with different spreads above and below the median,
//     s_u = b_u,f + 0.445·ΔH_md,   s_l = b_l,f + 0.356·ΔH_md,
// so the fractile Q has H_Q = ΔH_md + k_Q·s_u (k_Q > 0) or + k_Q·s_l (k_Q < 0), k_Q the standard-normal
// quantile. The constants (ISO 7029:2000 Tables 1 and 2) are ISO7029_ALPHA, ISO7029_B_UPPER, ISO7029_B_LOWER.
// They were transcribed from the standard's tables as widely reproduced; we could not check them against
// the standard's text on this machine. Ages above 70 use the same formula (extrapolated).
// What ISO 7029 does not give, and we chose: a person's fractiles at the 14 thresholds are correlated
// through the same factor structure as the synthetic archetypes (person, ear, smooth in frequency, across
// ears; archetypeDistribution with zero age loading); a per-frequency offset for an unscreened population
// (NHANES is not screened for otological normality); age and sex distributions; 5 dB quantisation and
// clipping to [−10, 120]. The second population ("DE", standing in for the unseen German HÖRSTAT set) is
// an invented shift of the first: older ages, larger high-frequency offsets, 15 % wider spread and a
// lower cross-ear correlation. It is a stand-in, not HÖRSTAT statistics; every frame says so in `source`.
import * as fs from "fs";
import * as path from "path";
import Library from "xport-js";
import type { DataFrame } from "danfojs-node";
import { EXTERNAL_DIR } from "../engine/paths";
import { Rng, Seed } from "../engine/rng";
import { Matrix } from "./dataset";
import { AUDIOGRAM_COLUMNS, EARS, FREQUENCIES_HZ, archetypeDistribution, cholesky } from "./audiograms";
import { ibmToIeee } from "./xport-write";

// ---- reading XPORT -------------------------------------------------------------------------------

export interface XportData {
  name: string;
  columns: { name: string; label: string; type: "num" | "char" }[];
  rows: (number | string | null)[][];
}

/** What xport-js reads for a numeric field of eight ASCII blanks (the padding of the last record). */
const BLANK_NUMBER = ibmToIeee(Buffer.alloc(8, 0x20)) as number;

/**
 * Checks a SAS XPORT v5 file's size against its header's record layout (80-byte records; observations of
 * the NAMESTRs' summed length after the OBS header, the last record padded with blanks) and throws an
 * error naming the file and the missing bytes when it is truncated. A file cut exactly at an observation
 * boundary that is also a record boundary cannot be told from a whole one. Files whose layout is not the
 * plain one-member v5 layout (v8 headers, several members) are not checked.
 */
export function checkXportSize(file: string, buf: Buffer): void {
  const REC = 80;
  const text = (at: number, n: number) => buf.toString("latin1", at, at + n);
  const cut = (why: string): never => {
    throw new Error(`readXport: ${file} is truncated: ${why} (download the file again)`);
  };
  if (buf.length % REC !== 0)
    cut(
      `it is ${buf.length} bytes, not a whole number of 80-byte records: at least ${REC - (buf.length % REC)} bytes are missing`,
    );
  const HDR = "HEADER RECORD*******";
  if (buf.length < 8 * REC || text(0, 28) !== `${HDR}LIBRARY ` || text(3 * REC, 28) !== `${HDR}MEMBER  `) return;
  if (text(7 * REC, 28) !== `${HDR}NAMESTR `) return;
  const nameLen = Number(text(3 * REC + 74, 4)),
    nvar = Number(text(7 * REC + 54, 4));
  if (!(nameLen === 140 || nameLen === 136) || !(Number.isInteger(nvar) && nvar > 0)) return;
  const namesAt = 8 * REC,
    obsHeader = namesAt + Math.ceil((nvar * nameLen) / REC) * REC;
  if (obsHeader + REC > buf.length) return cut(`the header ends after ${buf.length} bytes`);
  if (text(obsHeader, 28) !== `${HDR}OBS     `) return;
  const dataAt = obsHeader + REC;
  if (buf.indexOf(`${HDR}MEMBER  `, dataAt, "latin1") >= 0) return; // several members: not checked
  let obsLen = 0;
  for (let i = 0; i < nvar; i++) obsLen += buf.readInt16BE(namesAt + i * nameLen + 4);
  if (!(obsLen > 0)) return;
  const rem = (buf.length - dataAt) % obsLen;
  for (let i = buf.length - rem; i < buf.length; i++)
    if (buf[i] !== 0x20 && buf[i] !== 0)
      cut(
        `the last observation is cut off after ${rem} of its ${obsLen} bytes: at least ${obsLen - rem} bytes are missing`,
      );
}

/**
 * Read a one-member SAS XPORT v5 file (all columns, or `keep`). Missing numbers come back as null.
 * A truncated file is an error (checkXportSize).
 * xport-js reads the blank padding of the file's last 80-byte record as extra observations when an
 * observation is shorter than the padding; trailing rows whose every field is blank are dropped here.
 */
export async function readXport(file: string, opts: { keep?: string[] } = {}): Promise<XportData> {
  if (!fs.existsSync(file)) throw new Error(`readXport: no file ${file}`);
  const lib = new Library(file);
  let meta: { dataset: string; name: string; label: string; type: string }[];
  try {
    meta = (await lib.getMetadata()) as typeof meta;
  } catch (e) {
    throw new Error(
      `readXport: ${file} is not a SAS XPORT v5 file (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`,
    );
  }
  checkXportSize(file, fs.readFileSync(file));
  const want = opts.keep?.map((k) => k.toUpperCase());
  if (want) {
    const have = new Set(meta.map((m) => m.name.toUpperCase()));
    const missing = want.filter((k) => !have.has(k));
    if (missing.length)
      throw new Error(
        `readXport: ${file} has no column ${missing.join(", ")} (has: ${meta.map((m) => m.name).join(", ")})`,
      );
  }
  const cols = meta
    .filter((m) => !want || want.includes(m.name.toUpperCase()))
    .map((m) => ({ name: m.name, label: m.label, type: (m.type === "Num" ? "num" : "char") as "num" | "char" }));
  const rows: (number | string | null)[][] = [];
  for await (const r of lib.read({ rowFormat: "array", skipHeader: true, ...(want ? { keep: want } : {}) }))
    rows.push((r as (number | string | null)[]).slice());
  const blank = (row: (number | string | null)[]) =>
    row.every((v, j) => (cols[j].type === "num" ? v === BLANK_NUMBER : v === ""));
  while (rows.length && blank(rows[rows.length - 1])) rows.pop();
  return { name: meta[0]?.dataset ?? "", columns: cols, rows };
}

// ---- NHANES --------------------------------------------------------------------------------------

export interface NhanesCycle {
  cycle: string;
  aux: string;
  demo: string;
}

/** The cycles the paper uses (1999–2004, 2011–12, 2015–16) and their file names. */
export const NHANES_CYCLES: readonly NhanesCycle[] = Object.freeze([
  { cycle: "1999-2000", aux: "AUX1.XPT", demo: "DEMO.XPT" },
  { cycle: "2001-2002", aux: "AUX_B.XPT", demo: "DEMO_B.XPT" },
  { cycle: "2003-2004", aux: "AUX_C.XPT", demo: "DEMO_C.XPT" },
  { cycle: "2011-2012", aux: "AUX_G.XPT", demo: "DEMO_G.XPT" },
  { cycle: "2015-2016", aux: "AUX_I.XPT", demo: "DEMO_I.XPT" },
]);

/** NHANES threshold variable of each audiogram column (1 kHz: the first reading). */
export const NHANES_THRESHOLD_VARIABLES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    EARS.flatMap((e) =>
      FREQUENCIES_HZ.map((f) => {
        const code = f === 500 ? "500" : f === 1000 ? "1K1" : `${f / 1000}K`;
        return [`${e}${f}`, `AUXU${code}${e === "L" ? "L" : "R"}`];
      }),
    ),
  ),
);

/** Threshold codes that are not thresholds: 666 no response, 777 refused, 888 could not obtain, 999 don't know. */
export const NHANES_NON_RESPONSE_CODES: readonly number[] = Object.freeze([666, 777, 888, 999]);

/** Columns of every audiogram frame (NHANES, HÖRSTAT CSV, stand-in): id, source, age, sex, 14 thresholds. */
export const AUDIOGRAM_FRAME_COLUMNS: readonly string[] = Object.freeze([
  "id",
  "source",
  "age",
  "sex",
  ...AUDIOGRAM_COLUMNS.slice(1),
]);

export interface ThresholdCleaning {
  /** Codes to treat as not measured (default NHANES_NON_RESPONSE_CODES). */
  codes?: readonly number[];
  /** "missing" (default) or a value (dB HL) that 666 "no response" is censored to. */
  noResponse?: "missing" | number;
  /** Valid threshold range, dB HL (default [−10, 120]); values outside are missing. */
  range?: [number, number];
}

/** A threshold value after the no-response codes and range check (NaN = missing). */
export function cleanThreshold(v: number | null | undefined, c: ThresholdCleaning = {}): number {
  if (v === null || v === undefined || !Number.isFinite(v)) return NaN;
  const codes = c.codes ?? NHANES_NON_RESPONSE_CODES;
  if (v === 666 && typeof c.noResponse === "number") return c.noResponse;
  if (codes.includes(v)) return NaN;
  const [lo, hi] = c.range ?? [-10, 120];
  return v >= lo && v <= hi ? v : NaN;
}

/** Plain columns of an audiogram frame before it becomes a DataFrame. */
export interface AudiogramColumns {
  id: number[];
  source: string[];
  age: number[];
  sex: number[];
  /** Thresholds by column name (L500 … R8000), NaN where missing. */
  thresholds: Record<string, number[]>;
}

/** A danfo DataFrame with AUDIOGRAM_FRAME_COLUMNS (danfo is loaded on first use). */
export async function toDataFrame(c: AudiogramColumns): Promise<DataFrame> {
  const dfd = await import("danfojs-node");
  const obj: Record<string, (number | string)[]> = { id: c.id, source: c.source, age: c.age, sex: c.sex };
  for (const name of AUDIOGRAM_COLUMNS.slice(1)) obj[name] = c.thresholds[name];
  if (c.id.length === 0) throw new Error("toDataFrame: no rows");
  return new dfd.DataFrame(obj, { columns: AUDIOGRAM_FRAME_COLUMNS.slice() });
}

function findFile(dir: string, name: string): string | null {
  if (!fs.existsSync(dir)) return null;
  const hit = fs.readdirSync(dir).find((f) => f.toUpperCase() === name.toUpperCase());
  return hit ? path.join(dir, hit) : null;
}

export interface NhanesLoadOptions extends ThresholdCleaning {
  /** Directory holding the .XPT files (any case of the file names). */
  dir: string;
  /** Cycles to load (default NHANES_CYCLES). */
  cycles?: readonly NhanesCycle[];
  /** Drop participants with no threshold at all (default true). */
  dropEmpty?: boolean;
}

export interface NhanesLoadReport {
  files: string[];
  /** Per cycle: AUX rows, rows joined to DEMO, rows kept. */
  counts: { cycle: string; aux: number; joined: number; kept: number }[];
}

/** Which of the cycles' files exist in `dir` (both AUX and DEMO needed per cycle). */
export function nhanesFilesPresent(
  dir: string,
  cycles: readonly NhanesCycle[] = NHANES_CYCLES,
): { present: NhanesCycle[]; missing: string[] } {
  const present: NhanesCycle[] = [],
    missing: string[] = [];
  for (const c of cycles) {
    const a = findFile(dir, c.aux),
      d = findFile(dir, c.demo);
    if (a && d) present.push(c);
    else missing.push(...(a ? [] : [c.aux]), ...(d ? [] : [c.demo]));
  }
  return { present, missing };
}

/** Plain columns of the NHANES audiograms in `opts.dir` (AUX ⋈ DEMO on SEQN, codes cleaned). */
export async function loadNhanesColumns(
  opts: NhanesLoadOptions,
): Promise<{ columns: AudiogramColumns; report: NhanesLoadReport }> {
  const cycles = opts.cycles ?? NHANES_CYCLES;
  const out: AudiogramColumns = {
    id: [],
    source: [],
    age: [],
    sex: [],
    thresholds: Object.fromEntries(AUDIOGRAM_COLUMNS.slice(1).map((c) => [c, [] as number[]])),
  };
  const report: NhanesLoadReport = { files: [], counts: [] };
  const thrNames = AUDIOGRAM_COLUMNS.slice(1);
  const thrVars = thrNames.map((c) => NHANES_THRESHOLD_VARIABLES[c]);
  for (const c of cycles) {
    const auxFile = findFile(opts.dir, c.aux),
      demoFile = findFile(opts.dir, c.demo);
    if (!auxFile || !demoFile)
      throw new Error(
        `loadNhanes: cycle ${c.cycle} needs ${c.aux} and ${c.demo} in ${opts.dir} (missing: ${[auxFile ? "" : c.aux, demoFile ? "" : c.demo].filter(Boolean).join(", ")})`,
      );
    report.files.push(auxFile, demoFile);
    const aux = await readXport(auxFile, { keep: ["SEQN", ...thrVars] });
    const demo = await readXport(demoFile, { keep: ["SEQN", "RIDAGEYR", "RIAGENDR"] });
    // a numeric variable stored as characters would come back as all-missing (and every row kept)
    for (const [d, f] of [
      [aux, auxFile],
      [demo, demoFile],
    ] as const) {
      const chars = d.columns.filter((k) => k.type !== "num").map((k) => k.name);
      if (chars.length)
        throw new Error(
          `loadNhanes: ${f}: column ${chars.join(", ")} ${chars.length > 1 ? "are" : "is"} stored as characters, not numbers; this is not the CDC's file (use the .XPT as downloaded from the NHANES site)`,
        );
    }
    const col = (d: XportData, name: string) => d.columns.findIndex((k) => k.name.toUpperCase() === name);
    const dSeqn = col(demo, "SEQN"),
      dAge = col(demo, "RIDAGEYR"),
      dSex = col(demo, "RIAGENDR");
    const byId = new Map<number, (number | string | null)[]>();
    for (const r of demo.rows) byId.set(r[dSeqn] as number, r);
    const aSeqn = col(aux, "SEQN");
    const aThr = thrVars.map((v) => col(aux, v));
    let joined = 0,
      kept = 0;
    for (const r of aux.rows) {
      const id = r[aSeqn] as number;
      const d = byId.get(id);
      if (!d) continue;
      joined++;
      const thr = aThr.map((j) => cleanThreshold(r[j] as number | null, opts));
      if ((opts.dropEmpty ?? true) && thr.every(Number.isNaN)) continue;
      kept++;
      out.id.push(id);
      out.source.push(`NHANES ${c.cycle}`);
      const age = d[dAge],
        sex = d[dSex];
      out.age.push(typeof age === "number" ? age : NaN);
      out.sex.push(sex === 1 || sex === 2 ? sex : NaN);
      thrNames.forEach((n, k) => out.thresholds[n].push(thr[k]));
    }
    report.counts.push({ cycle: c.cycle, aux: aux.rows.length, joined, kept });
  }
  return { columns: out, report };
}

/** The NHANES audiograms in `opts.dir` as a danfo DataFrame (AUDIOGRAM_FRAME_COLUMNS). */
export async function loadNhanes(opts: NhanesLoadOptions): Promise<{ frame: DataFrame; report: NhanesLoadReport }> {
  const { columns, report } = await loadNhanesColumns(opts);
  if (columns.id.length === 0) throw new Error(`loadNhanes: no participants with thresholds in ${opts.dir}`);
  return { frame: await toDataFrame(columns), report };
}

// ---- HÖRSTAT-style CSV ---------------------------------------------------------------------------

/**
 * The CSV layout `loadHorstatCsv` expects: a header row naming (in any order, any letter case) `id`,
 * `age`, optionally `sex` (1/2, m/f, male/female), and the 14 thresholds L500 … L8000, R500 … R8000 in
 * dB HL. Separator "," or ";" or tab (from the header); with ";" or tab a decimal comma is accepted.
 * Empty, "NA", "NaN" and "." cells, and the NHANES no-response codes, are missing. Ages outside
 * HORSTAT_AGE_RANGE (0–120 years) are errors.
 */
export const HORSTAT_CSV_COLUMNS: readonly string[] = Object.freeze([
  "id",
  "age",
  "sex",
  ...AUDIOGRAM_COLUMNS.slice(1),
]);
const HORSTAT_REQUIRED = ["id", "age", ...AUDIOGRAM_COLUMNS.slice(1)];
/** Ages (years) `loadHorstatCsv` accepts; others are errors (an empty cell is missing). */
export const HORSTAT_AGE_RANGE: readonly [number, number] = Object.freeze([0, 120] as [number, number]);

function splitCsvLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "",
    quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** Plain columns of a HÖRSTAT-style CSV (see HORSTAT_CSV_COLUMNS); errors name the file, line and column. */
export function readHorstatCsvColumns(file: string, cleaning: ThresholdCleaning = {}): AudiogramColumns {
  if (!fs.existsSync(file)) throw new Error(`loadHorstatCsv: no file ${file}`);
  const lines = fs
    .readFileSync(file, "utf8")
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/);
  const headerLine = lines[0] ?? "";
  const sep = headerLine.includes(";") ? ";" : headerLine.includes("\t") ? "\t" : ",";
  const header = splitCsvLine(headerLine, sep).map((h) => h.toLowerCase());
  const missing = HORSTAT_REQUIRED.filter((c) => !header.includes(c.toLowerCase()));
  if (missing.length)
    throw new Error(
      `loadHorstatCsv: ${file} has no column ${missing.join(", ")} (header: ${header.join(", ")}; expected ${HORSTAT_CSV_COLUMNS.join(", ")})`,
    );
  const idx = (c: string) => header.indexOf(c.toLowerCase());
  const out: AudiogramColumns = {
    id: [],
    source: [],
    age: [],
    sex: [],
    thresholds: Object.fromEntries(AUDIOGRAM_COLUMNS.slice(1).map((c) => [c, [] as number[]])),
  };
  const num = (cell: string, line: number, col: string): number => {
    if (cell === "" || /^(na|nan|\.)$/i.test(cell)) return NaN;
    const t = sep !== "," ? cell.replace(",", ".") : cell;
    const v = Number(t);
    if (!Number.isFinite(v))
      throw new Error(`loadHorstatCsv: ${file} line ${line} column ${col}: "${cell}" is not a number`);
    return v;
  };
  const sexOf = (cell: string, line: number): number => {
    const s = cell.toLowerCase();
    if (s === "" || s === "na") return NaN;
    if (s === "1" || s === "m" || s === "male") return 1;
    if (s === "2" || s === "f" || s === "female" || s === "w") return 2;
    throw new Error(`loadHorstatCsv: ${file} line ${line} column sex: "${cell}" is not 1/2, m/f or male/female`);
  };
  const base = path.basename(file);
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    const cells = splitCsvLine(lines[i], sep);
    const line = i + 1;
    if (cells.length !== header.length)
      throw new Error(
        `loadHorstatCsv: ${file} line ${line} has ${cells.length} fields, the header has ${header.length}`,
      );
    const id = num(cells[idx("id")], line, "id");
    if (Number.isNaN(id)) throw new Error(`loadHorstatCsv: ${file} line ${line} column id is empty`);
    out.id.push(id);
    out.source.push(`HÖRSTAT-style CSV ${base}`);
    const age = num(cells[idx("age")], line, "age");
    if (age < HORSTAT_AGE_RANGE[0] || age > HORSTAT_AGE_RANGE[1])
      throw new Error(
        `loadHorstatCsv: ${file} line ${line} column age: ${cells[idx("age")]} is outside the accepted range ${HORSTAT_AGE_RANGE[0]}–${HORSTAT_AGE_RANGE[1]} years; fix the row or leave the cell empty (missing)`,
      );
    out.age.push(age);
    out.sex.push(idx("sex") >= 0 ? sexOf(cells[idx("sex")], line) : NaN);
    for (const c of AUDIOGRAM_COLUMNS.slice(1))
      out.thresholds[c].push(cleanThreshold(num(cells[idx(c)], line, c), cleaning));
  }
  if (out.id.length === 0) throw new Error(`loadHorstatCsv: ${file} has a header but no rows`);
  return out;
}

/** A HÖRSTAT-style CSV as a danfo DataFrame (AUDIOGRAM_FRAME_COLUMNS). */
export async function loadHorstatCsv(file: string, cleaning: ThresholdCleaning = {}): Promise<DataFrame> {
  return toDataFrame(readHorstatCsvColumns(file, cleaning));
}

// ---- frames to model matrices --------------------------------------------------------------------

/**
 * x [N, 15] in AUDIOGRAM_COLUMNS order (age first) with NaN where missing, the observation mask (1 =
 * present), ids, and how many rows/entries are missing.
 */
export function audiogramMatrix(frame: DataFrame): { x: Matrix; mask: Matrix; ids: number[]; missingEntries: number } {
  const cols = frame.columns;
  const need = ["id", ...AUDIOGRAM_COLUMNS];
  const absent = need.filter((c) => !cols.includes(c));
  if (absent.length) throw new Error(`audiogramMatrix: the frame has no column ${absent.join(", ")}`);
  const n = frame.shape[0],
    D = AUDIOGRAM_COLUMNS.length;
  const x = new Float32Array(n * D),
    mask = new Float32Array(n * D);
  let missing = 0;
  AUDIOGRAM_COLUMNS.forEach((c, d) => {
    const v = frame[c].values as (number | null)[];
    for (let i = 0; i < n; i++) {
      const val = v[i];
      const ok = typeof val === "number" && Number.isFinite(val);
      x[i * D + d] = ok ? (val as number) : NaN;
      mask[i * D + d] = ok ? 1 : 0;
      if (!ok) missing++;
    }
  });
  return {
    x: { values: x, shape: [n, D] },
    mask: { values: mask, shape: [n, D] },
    ids: (frame["id"].values as number[]).slice(),
    missingEntries: missing,
  };
}

// ---- the ISO 7029 stand-in -----------------------------------------------------------------------

/** ISO 7029:2000 Table 1: α (dB/year²) of ΔH_md = α·(Y − 18)², by frequency (Hz). */
export const ISO7029_ALPHA: Readonly<Record<"male" | "female", Readonly<Record<number, number>>>> = Object.freeze({
  male: Object.freeze({
    125: 0.003,
    250: 0.003,
    500: 0.0035,
    1000: 0.004,
    1500: 0.0055,
    2000: 0.007,
    3000: 0.0115,
    4000: 0.016,
    6000: 0.018,
    8000: 0.022,
  }),
  female: Object.freeze({
    125: 0.003,
    250: 0.003,
    500: 0.0035,
    1000: 0.004,
    1500: 0.005,
    2000: 0.006,
    3000: 0.0075,
    4000: 0.009,
    6000: 0.012,
    8000: 0.012,
  }),
});
/** ISO 7029:2000 Table 2: b_u (dB) of the spread above the median, s_u = b_u + 0.445·ΔH_md. */
export const ISO7029_B_UPPER: Readonly<Record<number, number>> = Object.freeze({
  125: 7.23,
  250: 6.67,
  500: 6.12,
  1000: 6.12,
  1500: 6.67,
  2000: 7.23,
  3000: 7.78,
  4000: 8.34,
  6000: 9.45,
  8000: 10.56,
});
/** ISO 7029:2000 Table 2: b_l (dB) of the spread below the median, s_l = b_l + 0.356·ΔH_md. */
export const ISO7029_B_LOWER: Readonly<Record<number, number>> = Object.freeze({
  125: 5.78,
  250: 5.34,
  500: 4.89,
  1000: 4.89,
  1500: 5.34,
  2000: 5.78,
  3000: 6.23,
  4000: 6.67,
  6000: 7.56,
  8000: 8.45,
});
export const ISO7029_K_UPPER = 0.445;
export const ISO7029_K_LOWER = 0.356;

export type Sex = "male" | "female";

function isoConst(table: Readonly<Record<number, number>>, f: number, what: string): number {
  const v = table[f];
  if (v === undefined)
    throw new Error(`ISO 7029: no ${what} for ${f} Hz (frequencies: ${Object.keys(table).join(", ")})`);
  return v;
}

/** Median hearing threshold deviation from age 18 (dB): α·(age − 18)² for age ≥ 18, else 0. */
export function iso7029Median(age: number, freqHz: number, sex: Sex): number {
  const y = Math.max(0, age - 18);
  return isoConst(ISO7029_ALPHA[sex], freqHz, `α (${sex})`) * y * y;
}

/** The spreads above and below the median (dB) at this age. */
export function iso7029Spread(age: number, freqHz: number, sex: Sex): { upper: number; lower: number } {
  const m = iso7029Median(age, freqHz, sex);
  return {
    upper: isoConst(ISO7029_B_UPPER, freqHz, "b_u") + ISO7029_K_UPPER * m,
    lower: isoConst(ISO7029_B_LOWER, freqHz, "b_l") + ISO7029_K_LOWER * m,
  };
}

/** The threshold deviation at standard-normal quantile k: ΔH_md + k·s_u (k ≥ 0) or + k·s_l (k < 0). */
export function iso7029Quantile(age: number, freqHz: number, sex: Sex, k: number): number {
  const s = iso7029Spread(age, freqHz, sex);
  return iso7029Median(age, freqHz, sex) + k * (k >= 0 ? s.upper : s.lower);
}

export interface StandInPopulation {
  /** Shown in the frame's `source` column, prefixed with "STAND-IN". */
  name: string;
  /** Ages are drawn on [lo, hi] with density ∝ (age − lo + 1)^ageSkew (0: uniform), whole years. */
  ageRange: [number, number];
  ageSkew: number;
  /** Share of males. */
  maleShare: number;
  /** Per-frequency offset (dB) added to the ISO 7029 value: an unscreened population hears worse. */
  offsetDb: number[];
  /** Multiplier of the ISO 7029 spreads. */
  spreadFactor: number;
  /** Factor structure of a person's 14 fractiles (see archetypeDistribution). */
  personShare: number;
  earShare: number;
  lengthOctaves: number;
  crossEar: number;
}

/** Standing in for NHANES (ages 20–69 as in its audiometry exams; offsets our choice, not fitted). */
export const STAND_IN_US: Readonly<StandInPopulation> = Object.freeze({
  name: "ISO 7029 population 'US' (stand-in for NHANES)",
  ageRange: [20, 69] as [number, number],
  ageSkew: 0,
  maleShare: 0.5,
  offsetDb: [3, 3, 3, 4, 5, 6, 6],
  spreadFactor: 1,
  personShare: 0.3,
  earShare: 0.15,
  lengthOctaves: 1.2,
  crossEar: 0.6,
});

/** Standing in for the unseen German set: an invented shift of STAND_IN_US (older, worse at high f, wider, less symmetric). */
export const STAND_IN_DE: Readonly<StandInPopulation> = Object.freeze({
  name: "ISO 7029 population 'DE', shifted (stand-in for HÖRSTAT)",
  ageRange: [18, 85] as [number, number],
  ageSkew: 0.6,
  maleShare: 0.47,
  offsetDb: [2, 2, 4, 6, 8, 10, 11],
  spreadFactor: 1.15,
  personShare: 0.3,
  earShare: 0.15,
  lengthOctaves: 1.2,
  crossEar: 0.45,
});

/** Correlation [14 × 14] of a person's threshold fractiles (L500 … R8000). */
export function standInCorrelation(p: StandInPopulation): number[][] {
  const { corr } = archetypeDistribution({
    ageLoading: [0, 0],
    personShare: p.personShare,
    earShare: p.earShare,
    lengthOctaves: p.lengthOctaves,
    crossEar: p.crossEar,
  });
  return corr.slice(1).map((r) => r.slice(1));
}

/** Plain columns of `n` stand-in audiograms from population `pop` (5 dB steps, clipped to [−10, 120]). */
export function standInColumns(n: number, pop: StandInPopulation, seed: Seed): AudiogramColumns {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`standInAudiograms: n must be a positive integer, got ${n}`);
  if (pop.offsetDb.length !== FREQUENCIES_HZ.length)
    throw new Error(`standInAudiograms: offsetDb needs ${FREQUENCIES_HZ.length} values`);
  const L = cholesky(standInCorrelation(pop));
  const rng = new Rng(seed).fork(`stand-in/${pop.name}`);
  const [lo, hi] = pop.ageRange;
  const F = FREQUENCIES_HZ.length;
  const out: AudiogramColumns = {
    id: [],
    source: [],
    age: [],
    sex: [],
    thresholds: Object.fromEntries(AUDIOGRAM_COLUMNS.slice(1).map((c) => [c, [] as number[]])),
  };
  const ageW = Array.from({ length: hi - lo + 1 }, (_, i) => (i + 1) ** pop.ageSkew);
  const ageTot = ageW.reduce((s, w) => s + w, 0);
  const source = `STAND-IN: ${pop.name}`;
  for (let i = 0; i < n; i++) {
    let u = rng.uniform() * ageTot,
      a = 0;
    while (a < ageW.length - 1 && u >= ageW[a]) u -= ageW[a++];
    const age = lo + a;
    const sex: Sex = rng.uniform() < pop.maleShare ? "male" : "female";
    const eps = Array.from({ length: 2 * F }, () => rng.normal());
    const k = L.map((row) => row.reduce((s, l, j) => s + l * eps[j], 0));
    out.id.push(i + 1);
    out.source.push(source);
    out.age.push(age);
    out.sex.push(sex === "male" ? 1 : 2);
    AUDIOGRAM_COLUMNS.slice(1).forEach((c, j) => {
      const f = FREQUENCIES_HZ[j % F];
      const v = iso7029Quantile(age, f, sex, k[j] * pop.spreadFactor) + pop.offsetDb[j % F];
      out.thresholds[c].push(Math.min(120, Math.max(-10, 5 * Math.round(v / 5))));
    });
  }
  return out;
}

/** `n` stand-in audiograms as a DataFrame; `source` says STAND-IN on every row. */
export async function standInAudiograms(n: number, pop: StandInPopulation, seed: Seed): Promise<DataFrame> {
  return toDataFrame(standInColumns(n, pop, seed));
}

// ---- real data or the labelled stand-in ----------------------------------------------------------

export interface AudiogramSource {
  frame: DataFrame;
  /** "nhanes" / "horstat-csv" when real files were read, else "stand-in". */
  kind: "nhanes" | "horstat-csv" | "stand-in";
  /** One line for a notebook's header and differences list. */
  note: string;
  files: string[];
}

/** Default locations of the real files. */
export const NHANES_DIR = path.join(EXTERNAL_DIR, "nhanes");
export const HORSTAT_FILE = path.join(EXTERNAL_DIR, "horstat", "horstat.csv");

/**
 * NHANES from `dir` when every cycle's AUX and DEMO files are there; otherwise the STAND_IN_US
 * population (n = 12 813 as in the paper unless given), labelled as such.
 */
export async function nhanesOrStandIn(
  opts: { dir?: string; cycles?: readonly NhanesCycle[]; seed?: Seed; n?: number } & ThresholdCleaning = {},
): Promise<AudiogramSource> {
  const dir = opts.dir ?? NHANES_DIR;
  const { present, missing } = nhanesFilesPresent(dir, opts.cycles ?? NHANES_CYCLES);
  if (missing.length === 0 && present.length > 0) {
    const { frame, report } = await loadNhanes({ ...opts, dir, cycles: present });
    const kept = report.counts.reduce((s, c) => s + c.kept, 0);
    return {
      frame,
      kind: "nhanes",
      note: `NHANES ${present.map((c) => c.cycle).join(", ")} from ${dir} (${kept} participants)`,
      files: report.files,
    };
  }
  const n = opts.n ?? 12813;
  return {
    frame: await standInAudiograms(n, STAND_IN_US, opts.seed ?? "nhanes-stand-in"),
    kind: "stand-in",
    note: `NHANES files absent from ${dir} (missing ${missing.slice(0, 4).join(", ")}${missing.length > 4 ? ", …" : ""}): STAND-IN population of ${n} drawn from ISO 7029 age/sex statistics, not NHANES`,
    files: [],
  };
}

/** The HÖRSTAT-style CSV at `file` when present; otherwise the shifted STAND_IN_DE population (n = 2986 as in the paper). */
export async function horstatOrStandIn(
  opts: { file?: string; seed?: Seed; n?: number } & ThresholdCleaning = {},
): Promise<AudiogramSource> {
  const file = opts.file ?? HORSTAT_FILE;
  if (fs.existsSync(file)) {
    const frame = await loadHorstatCsv(file, opts);
    return {
      frame,
      kind: "horstat-csv",
      note: `HÖRSTAT-style CSV ${file} (${frame.shape[0]} participants)`,
      files: [file],
    };
  }
  const n = opts.n ?? 2986;
  return {
    frame: await standInAudiograms(n, STAND_IN_DE, opts.seed ?? "horstat-stand-in"),
    kind: "stand-in",
    note: `HÖRSTAT file absent (${file}): STAND-IN population of ${n}, an invented shift of the ISO 7029 population, not HÖRSTAT`,
    files: [],
  };
}
