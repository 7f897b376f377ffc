// The three rate-sweep settings of VAEquisition's Sec. 4.6 (seed 001 App. A, Fig. 7–10), built the same
// way by every notebook that uses them so that they share trained models (same run keys) and cached
// metrics:
//  - "synthetic-static":  archetypal audiograms (thresholds on a 5 dB grid), static missingness, no
//                          dequantisation (Fig. 9 row 1);
//  - "synthetic-dynamic": the same data, dynamic missingness and dequantisation; test domains: the test
//                          rows and the small (0.05×) and large (0.5×) archetype corruptions (Fig. 8a–b,
//                          Fig. 9 row 2, Fig. 10a);
//  - "real":              NHANES (or its labelled ISO 7029 stand-in) split 80/10/10, dynamic missingness
//                          and dequantisation; test domains: the NHANES test rows and HÖRSTAT (or its
//                          stand-in), all rows (Fig. 7, Fig. 8c, Fig. 9 row 3, Fig. 10b).
// The synthetic data are quantised to 5 dB (ages to whole years) so that dequantisation means what it
// means for real audiograms; the paper does not say whether its synthetic thresholds were quantised.
import { splitThreeWay, takeRows } from "../data/dataset";
import { archetypalAudiograms, audiogramPart, corruptedAudiograms } from "../data/audiograms";
import { audiogramMatrix, horstatOrStandIn, nhanesOrStandIn } from "../data/nhanes";
import { Preset, pick } from "../notebook/preset";
import { paperTargetRates } from "./runs";
import type { SweepPlan, SweepSetting } from "./sweep";

export type SweepSettingName = "synthetic-static" | "synthetic-dynamic" | "real";
export const SWEEP_SETTING_NAMES: readonly SweepSettingName[] = Object.freeze(["synthetic-static", "synthetic-dynamic", "real"] as SweepSettingName[]);

/** Stopping thresholds of Fig. 9–10: 5 dB on synthetic data, 7 dB on the real data. */
export const STOP_TAU_DB: Readonly<Record<"synthetic" | "real", number>> = Object.freeze({ synthetic: 5, real: 7 });

/** Demo targets: a log-spaced subset of Sec. 4.6's range 0.125 … 15 nats that still resolves the curves. */
export const DEMO_TARGET_RATES: readonly number[] = Object.freeze([0.25, 0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 11, 15]);

/** The sweep plan of a setting at a preset (targets, seeds, training length, evaluation sizes). */
export function sweepPlan(name: SweepSettingName, preset: Preset): SweepPlan {
  const real = name === "real";
  return {
    targets: pick({ smoke: [0.5, 2, 8], demo: DEMO_TARGET_RATES.slice(), paper: paperTargetRates() }, preset),
    // paper: ten seeds on synthetic data, three on the (larger) real data
    seeds: pick({ smoke: [1], demo: [1, 2], paper: real ? [1, 2, 3] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, preset),
    zDim: 8,
    schedule: { epochs: pick({ smoke: 8, demo: 150, paper: 1000 }, preset), learningRate: 1e-3, batchSize: 128 },
    sequences: pick({ smoke: 16, demo: 128, paper: Number.MAX_SAFE_INTEGER }, preset),
    samples: pick({ smoke: 16, demo: 64, paper: 128 }, preset),
    preset,
  };
}

/**
 * Build a named setting at a preset. `note` says which data were used (real files or the labelled
 * stand-in); real-data notebooks must show it.
 */
export async function sweepSetting(name: SweepSettingName, preset: Preset): Promise<{ setting: SweepSetting; note: string }> {
  if (name === "synthetic-static" || name === "synthetic-dynamic") {
    const n = pick({ smoke: 1024, demo: 4096, paper: 4096 }, preset);
    const data = archetypalAudiograms({ seed: "vaequisition-sweep", n, quantize: 5 });
    const tr = audiogramPart(data, "train"), va = audiogramPart(data, "validation"), te = audiogramPart(data, "test");
    const domains = [{ name: "test", key: { data: data.key, part: "test" }, x: te.x, truth: te.clean }];
    if (name === "synthetic-dynamic") {
      for (const [label, scale] of [["small corruption", 0.05], ["large corruption", 0.5]] as const) {
        const c = corruptedAudiograms(data, { scale, seed: `vaequisition-sweep/corruption-${scale}` });
        const ct = audiogramPart(c, "test");
        domains.push({ name: label, key: { data: c.key, part: "test" }, x: ct.x, truth: ct.clean });
      }
    }
    return {
      setting: {
        name,
        dataKey: data.key,
        train: tr.x,
        validation: { name: "validation", key: { data: data.key, part: "validation" }, x: va.x, truth: va.clean },
        domains,
        missingness: name === "synthetic-static" ? "static" : "dynamic",
        dequantize: name === "synthetic-dynamic",
        tau: STOP_TAU_DB.synthetic,
      },
      note: `synthetic archetypal audiograms, N = ${n}, seed "vaequisition-sweep", thresholds quantised to 5 dB; errors against the clean audiograms`,
    };
  }
  if (name !== "real") throw new Error(`sweepSetting: unknown setting ${JSON.stringify(name)} (have ${SWEEP_SETTING_NAMES.join(", ")})`);
  // the stand-ins are smaller below the paper preset (N = 12 813 and 2 986 in the paper)
  const nUs = pick({ smoke: 1024, demo: 4096, paper: 12813 }, preset);
  const nDe = pick({ smoke: 256, demo: 1024, paper: 2986 }, preset);
  const us = await nhanesOrStandIn({ n: nUs });
  const de = await horstatOrStandIn({ n: nDe });
  const um = audiogramMatrix(us.frame), dm = audiogramMatrix(de.frame);
  const split = splitThreeWay(um.x.shape[0], 0.1, 0.1, "vaequisition-real-split", "sweepSetting(real)");
  const source = (s: typeof us) => ({ kind: s.kind, files: s.files, n: s.frame.shape[0], ...(s.kind === "stand-in" ? { standIn: s.note.split(":")[1]?.trim() ?? s.note } : {}) });
  const dataKey = { kind: "audiograms", nhanes: source(us), split: split.seed };
  const test = takeRows(um.x, split.test);
  return {
    setting: {
      name,
      dataKey,
      train: takeRows(um.x, split.train),
      validation: { name: "validation", key: { data: dataKey, part: "validation" }, x: takeRows(um.x, split.validation), truth: takeRows(um.x, split.validation) },
      domains: [
        { name: us.kind === "stand-in" ? "NHANES stand-in" : "NHANES", key: { data: dataKey, part: "test" }, x: test, truth: test },
        { name: de.kind === "stand-in" ? "HÖRSTAT stand-in" : "HÖRSTAT", key: { data: source(de) }, x: dm.x, truth: dm.x },
      ],
      missingness: "dynamic",
      dequantize: true,
      tau: STOP_TAU_DB.real,
      // Fig. 10b's remark: at the synthetic threshold (5 dB) real-data stops would mostly be at the last measurement
      extraTaus: [STOP_TAU_DB.synthetic],
    },
    note: `${us.note}; unseen domain: ${de.note}`,
  };
}
