// The VI-EMD speech experiment of Table 1 / Table 4 (thesis App. B) in one place, so that the Table 1/4
// notebook and the Fig. 4–5 notebook train (or reload) exactly the same runs:
//  - data: the seen domain's NOISY training mixtures (or, with trainCondition "clean", the clean ones of
//    Table 2/3 and Fig. 3; LibriMix train-100, or the synthetic stand-in), fixed-
//    length segments standardised with the training mixtures' mean and sd; four test sets (seen/unseen ×
//    noisy/clean) with the same standardisation (lib/data/speech-corpus);
//  - models: TasNet (−SI-SDR) and VI-TasNet (Gaussian encodings N(0, 1) prior, log-normal masks LN(0.9, 1)
//    prior, BLR likelihood, analytic KL, adaptive β toward a target TOTAL rate), and the same pair with the
//    SuDoRMRF masker (only the masker replaced, App. J);
//  - sizes and schedules per preset: VI_EMD_SETTINGS[preset].speech (lib/vi-emd/settings).
import type { ArrayN } from "../data/dataset";
import { SpeechSet, Standardiser, speechSegments, speechSet } from "../data/speech-corpus";
import { STANDIN_VERSION } from "../data/speech-standin";
import type { ConvTasNetConfig } from "../models/conv-tasnet";
import { ViTasNetConfig, viTasNetConfig } from "../models/vi-tasnet";
import { SeparationObjective } from "./runs";
import type { SpeechExperimentSettings } from "./settings";

export interface SpeechModelSpec {
  /** "TasNet", "VI-TasNet", "SuDoRMRF", "VI-SuDoRMRF". */
  name: string;
  family: "TasNet" | "SuDoRMRF";
  variational: boolean;
  config: ConvTasNetConfig | ViTasNetConfig;
  objective: SeparationObjective;
}

/** Encoder frames of a T-sample segment (stride L/2, as the models compute them). */
export function encoderFrames(c: ConvTasNetConfig, T: number): number {
  return T <= c.L ? 1 : Math.ceil((T - c.L) / c.stride) + 1;
}

/** The four models of Table 1 at a preset; the target total rate follows the training segment length. */
export function speechModels(s: SpeechExperimentSettings, sampleRate = 8000): SpeechModelSpec[] {
  const T = Math.round(s.seconds * sampleRate);
  const vi = (c: ConvTasNetConfig): { config: ViTasNetConfig; objective: SeparationObjective } => {
    // latent elements per frame: N encodings + S·N mask values
    const target = s.ratePerElement * (c.N + c.S * c.N) * encoderFrames(c, T);
    return {
      config: viTasNetConfig({ tasnet: c, encoding: "gaussian", mask: "lognormal", likelihood: "blr", kl: "analytic" }),
      objective: {
        kind: "target-rate",
        target: Math.round(target * 1000) / 1000,
        initialBeta: s.initialBeta,
        delta: s.delta,
      },
    };
  };
  return [
    { name: "TasNet", family: "TasNet", variational: false, config: s.tasnet, objective: { kind: "si-sdr" } },
    { name: "VI-TasNet", family: "TasNet", variational: true, ...vi(s.tasnet) },
    { name: "SuDoRMRF", family: "SuDoRMRF", variational: false, config: s.sudormrf, objective: { kind: "si-sdr" } },
    { name: "VI-SuDoRMRF", family: "SuDoRMRF", variational: true, ...vi(s.sudormrf) },
  ];
}

export type TestSetName = "seen-noisy" | "unseen-noisy" | "seen-clean" | "unseen-clean";
export const TEST_SETS: readonly TestSetName[] = ["seen-noisy", "unseen-noisy", "seen-clean", "unseen-clean"];

export interface SpeechExperimentData {
  train: { mix: ArrayN; sources: ArrayN; key: unknown; set: SpeechSet; condition?: "noisy" | "clean" };
  test: Record<TestSetName, { mix: ArrayN; sources: ArrayN; set: SpeechSet; ids: string[] }>;
  standardiser: Standardiser;
  /** "real" when every set came from the real corpora, "stand-in" when every set is synthesised, else "mixed". */
  source: "real" | "stand-in" | "mixed";
  labels: string[];
}

/**
 * Load (building the stand-in if needed) and segment the training set and the four test sets. The training
 * mixtures are the noisy condition (Table 1) unless `trainCondition: "clean"` (Table 2, Table 3, Fig. 2
 * bottom, Fig. 3 train on clean LibriMix); the clean condition also enters the data key, so the two never
 * share cached runs (the noisy key is unchanged).
 */
export function speechExperimentData(
  s: SpeechExperimentSettings,
  o: { log?: (line: string) => void; trainCondition?: "noisy" | "clean" } = {},
): SpeechExperimentData {
  const trainCondition = o.trainCondition ?? "noisy";
  if (trainCondition !== "noisy" && trainCondition !== "clean")
    throw new Error(
      `speechExperimentData: trainCondition must be "noisy" or "clean", got ${JSON.stringify(trainCondition)}`,
    );
  const train = speechSet({ domain: "seen", split: "train", condition: trainCondition, n: s.nTrain, log: o.log });
  const seg = speechSegments(train.rows, {
    seconds: s.seconds,
    segmentsPerMixture: s.segmentsPerMixture,
    seed: "vi-emd/train-segments",
  });
  const st = seg.standardiser;
  const sets = {} as SpeechExperimentData["test"];
  for (const name of TEST_SETS) {
    const [domain, condition] = name.split("-") as ["seen" | "unseen", "noisy" | "clean"];
    const set = speechSet({ domain, split: "test", condition, n: s.nTest, log: o.log });
    // the same seed for both conditions: identical segments of the same mixtures
    const t = speechSegments(set.rows, {
      seconds: s.evalSeconds,
      seed: `vi-emd/test-segments/${domain}`,
      standardiser: st,
    });
    sets[name] = { mix: t.mix, sources: t.sources, set, ids: t.ids };
  }
  const all = [train, ...TEST_SETS.map((k) => sets[k].set)];
  const source = all.every((x) => x.source === "real")
    ? "real"
    : all.every((x) => x.source === "stand-in")
      ? "stand-in"
      : "mixed";
  return {
    train: {
      mix: seg.mix,
      sources: seg.sources,
      set: train,
      condition: trainCondition,
      key: {
        corpus: train.corpus,
        source: train.source,
        n: train.rows.length,
        first: train.rows[0]?.id,
        last: train.rows[train.rows.length - 1]?.id,
        seconds: s.seconds,
        segments: s.segmentsPerMixture,
        standardiser: st,
        // the stand-in's synthesis version: a rebuilt corpus never reuses runs trained on an older one
        ...(train.source === "stand-in" ? { standIn: STANDIN_VERSION } : {}),
        ...(trainCondition === "clean" ? { condition: "clean" } : {}),
      },
    },
    test: sets,
    standardiser: st,
    source,
    labels: all.map((x) => x.label),
  };
}
