// The VI-EMD speech data (thesis App. B, Table 1/4, Fig. 4–5): LibriMix (seen domain) and VCTK-2mix (unseen
// domain) when their files are under data/external/, else the synthetic STAND-IN of lib/data/speech-standin
// (espeak-ng American voices, dry = seen; flite and espeak-ng Scottish/British/American voices through a sox
// channel, same pitch and rate distributions = unseen), built once under
// data/generated/speech-standin/ (or $VAELAB_GENERATED_DIR/speech-standin/; gitignored).
//   real:     data/external/Libri2Mix/wav8k/min/metadata/mixture_{train-100,test}_mix_{clean,both}.csv
//             data/external/VCTK-2mix/wav8k/min/metadata/mixture_test_mix_{clean,both}.csv
//   stand-in: <generated>/speech-standin/<domain>-<split>-n<n>/StandIn2Mix-{seen,unseen}/wav8k/min/… (same layout)
// Each stand-in split is drawn from its own seed ("vi-emd/<split>"): speech-standin's mixture i depends on
// (domain, seed, i) only, not on the split name, so train and test must not share a seed.
// speechSegments() stacks fixed-length segments and standardises them with the TRAINING mixtures' mean and
// standard deviation (as App. J: "the LibriMix train set values … were used for standardization" of every
// test set); the sources get the same affine map minus the mean, so SI-SDR is unchanged.
import * as fs from "fs";
import * as path from "path";
import { EXTERNAL_DIR, generatedRoot } from "../engine/paths";
import { Seed } from "../engine/rng";
import type { ArrayN } from "./dataset";
import { MixtureRow, librimixMetadataPath, mixtureSegments, readMixtureMetadata } from "./librimix";
import { SEEN_SPEECH_DOMAIN, UNSEEN_SPEECH_DOMAIN, buildSpeechStandIn } from "./speech-standin";

export type SpeechDomainName = "seen" | "unseen";
export type SpeechCondition = "clean" | "noisy";

export interface SpeechSet {
  domain: SpeechDomainName;
  split: "train" | "test";
  condition: SpeechCondition;
  rows: MixtureRow[];
  /** "real" (LibriMix / VCTK-2mix files) or "stand-in" (espeak-ng / flite synthesis). */
  source: "real" | "stand-in";
  corpus: string;
  /** Stand-in only: the talkers of each mixture (lib/data/speech-standin readStandInSpeakers). */
  speakersFile?: string;
  /** One line for the notebook's output. */
  label: string;
}

/** The real corpus and split name of a domain and split. */
function realCorpus(
  domain: SpeechDomainName,
  split: "train" | "test",
): { corpus: string; split: string; name: string } {
  if (domain === "seen")
    return { corpus: "Libri2Mix", split: split === "train" ? "train-100" : "test", name: "LibriMix" };
  if (split === "train") throw new Error("speechSet: the unseen domain (VCTK-2mix) has a test split only");
  return { corpus: "VCTK-2mix", split: "test", name: "VCTK-2mix" };
}

/**
 * The mixtures of one domain, split and condition: the real corpus when its metadata CSV exists under
 * `externalDir` (default data/external), else the first `n` stand-in mixtures (built if needed).
 * With real data the first `n` rows are used as well.
 */
export function speechSet(o: {
  domain: SpeechDomainName;
  split: "train" | "test";
  condition: SpeechCondition;
  n: number;
  externalDir?: string;
  generatedDir?: string;
  log?: (s: string) => void;
}): SpeechSet {
  const rc = realCorpus(o.domain, o.split);
  const ext = o.externalDir ?? EXTERNAL_DIR;
  const csv = librimixMetadataPath({ root: ext, corpus: rc.corpus, split: rc.split, condition: o.condition });
  if (fs.existsSync(csv)) {
    const rows = readMixtureMetadata(csv, { corpus: rc.corpus, base: ext }).slice(0, o.n);
    return {
      domain: o.domain,
      split: o.split,
      condition: o.condition,
      rows,
      source: "real",
      corpus: rc.corpus,
      label: `${rc.name} ${rc.split} ${o.condition}: ${rows.length} real mixtures from ${csv}`,
    };
  }
  // one directory per (domain, split, n): builds of different sizes (smoke vs demo) never overwrite each other
  const dir = path.join(o.generatedDir ?? generatedRoot(), "speech-standin", `${o.domain}-${o.split}-n${o.n}`);
  const domain = o.domain === "seen" ? SEEN_SPEECH_DOMAIN : UNSEEN_SPEECH_DOMAIN;
  const b = buildSpeechStandIn({ dir, domain, split: o.split, n: o.n, seed: `vi-emd/${o.split}`, log: o.log });
  const corpus = `StandIn2Mix-${domain.name}`;
  const rows = readMixtureMetadata(o.condition === "clean" ? b.clean : b.noisy, { corpus });
  return {
    domain: o.domain,
    split: o.split,
    condition: o.condition,
    rows,
    source: "stand-in",
    corpus,
    speakersFile: b.speakers,
    label: `STAND-IN for ${rc.name} (${rc.corpus} not found at ${csv}): ${rows.length} synthetic mixtures (${[...new Set(domain.voices.map((v) => v.engine))].join(" + ")}${domain.channel ? ", sox channel" : ", dry"}), ${o.domain} voices, ${o.split} ${o.condition}, ${b.built ? "built now" : "cached"} in ${b.corpusDir}`,
  };
}

export interface Standardiser {
  mean: number;
  std: number;
}

/** Mean and standard deviation of all samples of `mix` (the training mixtures); NaN/Inf or silence is an error. */
export function fitStandardiser(mix: ArrayN): Standardiser {
  let s = 0,
    ss = 0;
  const v = mix.values;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  for (let i = 0; i < v.length; i++) ss += (v[i] - mean) ** 2;
  const std = Math.sqrt(ss / v.length);
  if (!Number.isFinite(mean) || !Number.isFinite(std)) {
    const i = v.findIndex((x) => !Number.isFinite(x));
    const T = mix.shape[mix.shape.length - 1] ?? v.length;
    throw new Error(
      `fitStandardiser: the training mixtures hold a non-finite value (${v[i]} at segment ${Math.floor(i / T)}, sample ${i % T}); check the corpus files for NaN/Inf`,
    );
  }
  if (!(std > 0)) throw new Error("fitStandardiser: the training mixtures are silent");
  return { mean, std };
}

/**
 * `segmentsPerMixture` segments of `seconds` from each row (random starts drawn with `seed`; one
 * segment starting at 0 when `random` is false), standardised with `st` (mixture: (x − mean)/std,
 * sources: (s − mean/S)/std so that they still sum to the clean part of the mixture).
 */
export function speechSegments(
  rows: MixtureRow[],
  o: { seconds: number; segmentsPerMixture?: number; random?: boolean; seed?: Seed; standardiser?: Standardiser },
): { mix: ArrayN; sources: ArrayN; ids: string[]; skipped: number; standardiser: Standardiser } {
  const k = o.segmentsPerMixture ?? 1;
  const parts = Array.from({ length: k }, (_, j) =>
    mixtureSegments(rows, {
      seconds: o.seconds,
      random: o.random ?? true,
      seed: `${o.seed ?? "speech-segments"}/${j}`,
    }),
  );
  const n = parts.reduce((a, p) => a + p.mixture.shape[0], 0),
    T = parts[0].mixture.shape[1],
    S = parts[0].sources.shape[1];
  const mix = new Float32Array(n * T),
    src = new Float32Array(n * S * T);
  let off = 0;
  for (const p of parts) {
    mix.set(p.mixture.values, off * T);
    src.set(p.sources.values, off * S * T);
    off += p.mixture.shape[0];
  }
  const st = o.standardiser ?? fitStandardiser({ values: mix, shape: [n, T] });
  for (let i = 0; i < mix.length; i++) mix[i] = (mix[i] - st.mean) / st.std;
  for (let i = 0; i < src.length; i++) src[i] = (src[i] - st.mean / S) / st.std;
  return {
    mix: { values: mix, shape: [n, T] },
    sources: { values: src, shape: [n, S, T] },
    ids: parts.flatMap((p) => p.ids),
    skipped: parts[0].skipped,
    standardiser: st,
  };
}
