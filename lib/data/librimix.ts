// LibriMix / VCTK-2mix loaders for their published layout (Cosentino et al. 2020; the generator at
// github.com/JorisCos/LibriMix):
//   <root>/Libri2Mix/wav8k/min/metadata/mixture_<split>_mix_<clean|both>.csv
//   <root>/Libri2Mix/wav8k/min/<split>/{mix_clean,mix_both,s1,s2,noise}/<mixture_ID>.wav
// with CSV columns mixture_ID, mixture_path, source_1_path, source_2_path, [noise_path], length (samples).
// VCTK-2mix uses the same CSV columns under its own root. The CSVs hold the generating machine's absolute
// paths, so a path that does not exist is re-rooted: its part from the corpus directory name on
// (e.g. "Libri2Mix/…") is joined to the directory holding the corpus here. The CSV is read with arquero.
// Thesis App. B uses 8 kHz, min mode, two speakers; "clean" = mix_clean, "noisy" = mix_both.
import * as fs from "fs";
import * as path from "path";
import * as aq from "arquero";
import { Rng, Seed } from "../engine/rng";
import type { ArrayN } from "./dataset";
import { readWav } from "./wav";

export interface MixtureRow {
  id: string;
  mixture: string;
  sources: string[];
  noise?: string;
  /** Samples. */
  length: number;
  /** The metadata CSV and line this row came from (for error messages). */
  csv?: string;
  line?: number;
}

export interface LibriMixLayout {
  /** Directory holding the corpus directory (e.g. the parent of Libri2Mix/). */
  root: string;
  /** Corpus directory name (default Libri2Mix). */
  corpus?: string;
  sampleRate?: "8k" | "16k";
  mode?: "min" | "max";
  split: string;
  condition: "clean" | "noisy";
}

/** The metadata CSV of a LibriMix split and condition. */
export function librimixMetadataPath(l: LibriMixLayout): string {
  const corpus = l.corpus ?? "Libri2Mix";
  return path.join(
    l.root,
    corpus,
    `wav${l.sampleRate ?? "8k"}`,
    l.mode ?? "min",
    "metadata",
    `mixture_${l.split}_mix_${l.condition === "clean" ? "clean" : "both"}.csv`,
  );
}

/** A path from a metadata CSV made to exist here: as given, relative to `base`, or re-rooted at `corpus`. */
export function resolveCorpusPath(p: string, base: string, corpus: string): string {
  if (path.isAbsolute(p) && fs.existsSync(p)) return p;
  if (!path.isAbsolute(p)) {
    const rel = path.join(base, p);
    if (fs.existsSync(rel)) return rel;
  }
  const parts = p.split(/[\\/]+/);
  const i = parts.lastIndexOf(corpus);
  if (i >= 0) {
    const re = path.join(base, ...parts.slice(i));
    if (fs.existsSync(re)) return re;
  }
  return p;
}

/**
 * Rows of a mixture metadata CSV. `base` is the directory holding the corpus directory (default: found by
 * walking up from the CSV to the `corpus` directory). Errors name the file and the missing column.
 */
export function readMixtureMetadata(
  csvFile: string,
  opts: { corpus?: string; base?: string; sources?: number } = {},
): MixtureRow[] {
  if (!fs.existsSync(csvFile)) throw new Error(`readMixtureMetadata: ${csvFile} does not exist`);
  const corpus = opts.corpus ?? "Libri2Mix";
  const S = opts.sources ?? 2;
  const pathCols = ["mixture_path", ...Array.from({ length: S }, (_, i) => `source_${i + 1}_path`)];
  const need = () => ["mixture_ID", ...pathCols, "length"];
  let base = opts.base;
  if (!base) {
    const parts = path.resolve(csvFile).split(path.sep);
    const i = parts.lastIndexOf(corpus);
    base = i > 0 ? parts.slice(0, i).join(path.sep) || path.sep : path.dirname(csvFile);
  }
  const text = fs.readFileSync(csvFile, "utf8");
  if (text.trim() === "")
    throw new Error(
      `readMixtureMetadata: ${csvFile} is empty (expected a header row ${need().join(",")} and one row per mixture)`,
    );
  const table = aq.fromCSV(text, { parse: { mixture_ID: String } } as never);
  const cols = table.columnNames();
  const missing = need().filter((c) => !cols.includes(c));
  if (missing.length)
    throw new Error(`readMixtureMetadata: ${csvFile} has no column ${missing.join(", ")} (header: ${cols.join(", ")})`);
  const hasNoise = cols.includes("noise_path");
  const objects = table.objects() as Record<string, unknown>[];
  if (objects.length === 0) throw new Error(`readMixtureMetadata: ${csvFile} has a header but no rows`);
  return objects.map((r, i) => {
    const length = Number(r.length);
    if (!(Number.isInteger(length) && length > 0))
      throw new Error(
        `readMixtureMetadata: ${csvFile} row ${i + 2}: length ${JSON.stringify(r.length)} is not a positive integer`,
      );
    for (const c of ["mixture_ID", ...pathCols]) {
      const v = r[c];
      if (v === null || v === undefined || String(v).trim() === "")
        throw new Error(
          `readMixtureMetadata: ${csvFile} line ${i + 2} column ${c} is empty; fill it in or remove the row`,
        );
    }
    const res = (p: unknown) => resolveCorpusPath(String(p), base!, corpus);
    return {
      id: String(r.mixture_ID),
      mixture: res(r.mixture_path),
      sources: Array.from({ length: S }, (_, k) => res(r[`source_${k + 1}_path`])),
      ...(hasNoise && r.noise_path ? { noise: res(r.noise_path) } : {}),
      length,
      csv: csvFile,
      line: i + 2,
    };
  });
}

/**
 * One mixture and its sources as mono float samples, checked for rate and length: a file with fewer
 * samples than the row's `length` is an error (it would otherwise be zero-padded into segments).
 */
export function loadMixture(
  row: MixtureRow,
  opts: { sampleRate?: number } = {},
): { mixture: Float32Array; sources: Float32Array[]; sampleRate: number } {
  const want = opts.sampleRate ?? 8000;
  const read = (f: string) => {
    const w = readWav(f);
    if (w.sampleRate !== want)
      throw new Error(`loadMixture: ${f} is sampled at ${w.sampleRate} Hz, expected ${want} Hz (mixture ${row.id})`);
    if (w.samples.length < row.length)
      throw new Error(
        `loadMixture: ${f} has ${w.samples.length} samples, fewer than the length ${row.length} given for mixture ${row.id}${row.csv ? ` in ${row.csv} line ${row.line}` : ""}; the file is truncated or the metadata belong to another version of the corpus (regenerate the file or remove the row)`,
      );
    return w.samples;
  };
  const mixture = read(row.mixture);
  const sources = row.sources.map(read);
  // min mode: all the same length; otherwise keep the common part
  const T = Math.min(mixture.length, ...sources.map((s) => s.length));
  return { mixture: mixture.subarray(0, T), sources: sources.map((s) => s.subarray(0, T)), sampleRate: want };
}

/**
 * Fixed-length segments of `rows` stacked for training or evaluation: mixtures [n, T] and sources
 * [n, S, T]. Mixtures shorter than the segment are skipped (`skipped` counts them); the segment start is
 * 0 or drawn uniformly with `seed`.
 */
export function mixtureSegments(
  rows: MixtureRow[],
  o: { seconds: number; sampleRate?: number; limit?: number; seed?: Seed; random?: boolean },
): { mixture: ArrayN; sources: ArrayN; ids: string[]; skipped: number } {
  const fs_ = o.sampleRate ?? 8000;
  const T = Math.round(o.seconds * fs_);
  if (!(T > 0)) throw new Error(`mixtureSegments: seconds must be > 0, got ${o.seconds}`);
  const usable = rows.filter((r) => r.length >= T).slice(0, o.limit ?? Infinity);
  if (usable.length === 0)
    throw new Error(`mixtureSegments: none of the ${rows.length} mixtures is ${o.seconds} s long`);
  const S = usable[0].sources.length;
  const mix = new Float32Array(usable.length * T),
    src = new Float32Array(usable.length * S * T);
  const rng = new Rng(o.seed ?? "mixture-segments");
  usable.forEach((r, i) => {
    const m = loadMixture(r, { sampleRate: fs_ });
    const start = o.random ? Math.floor(rng.uniform() * (m.mixture.length - T + 1)) : 0;
    mix.set(m.mixture.subarray(start, start + T), i * T);
    m.sources.forEach((s, k) => src.set(s.subarray(start, start + T), (i * S + k) * T));
  });
  return {
    mixture: { values: mix, shape: [usable.length, T] },
    sources: { values: src, shape: [usable.length, S, T] },
    ids: usable.map((r) => r.id),
    skipped: rows.filter((r) => r.length < T).length,
  };
}
