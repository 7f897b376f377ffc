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
import type { Preset } from "../notebook/preset";
import { VAEQUISITION_SETTINGS } from "./settings";
import type { SweepPlan, SweepSetting } from "./sweep";

export type SweepSettingName = "synthetic-static" | "synthetic-dynamic" | "real";
export const SWEEP_SETTING_NAMES: readonly SweepSettingName[] = Object.freeze([
  "synthetic-static",
  "synthetic-dynamic",
  "real",
] as SweepSettingName[]);

/** Stopping thresholds of Fig. 9–10: 5 dB on synthetic data, 7 dB on the real data. */
export const STOP_TAU_DB: Readonly<Record<"synthetic" | "real", number>> = Object.freeze({ synthetic: 5, real: 7 });

/** The sweep plan of a setting at a preset (targets, seeds, training length, evaluation sizes: VAEQUISITION_SETTINGS). */
export function sweepPlan(name: SweepSettingName, preset: Preset): SweepPlan {
  const s = VAEQUISITION_SETTINGS[preset].sweep;
  return {
    targets: s.targets.slice(),
    seeds: (name === "real" ? s.seeds.real : s.seeds.synthetic).slice(),
    zDim: 8,
    schedule: { epochs: s.epochs, learningRate: 1e-3, batchSize: 128 },
    sequences: s.sequences,
    samples: s.samples,
    preset,
  };
}

/**
 * Build a named setting at a preset. `note` says which data were used (real files or the labelled
 * stand-in); real-data notebooks must show it.
 */
export async function sweepSetting(
  name: SweepSettingName,
  preset: Preset,
): Promise<{ setting: SweepSetting; note: string }> {
  if (name === "synthetic-static" || name === "synthetic-dynamic") {
    const n = VAEQUISITION_SETTINGS[preset].sweep.syntheticRows;
    const data = archetypalAudiograms({ seed: "vaequisition-sweep", n, quantize: 5 });
    const tr = audiogramPart(data, "train"),
      va = audiogramPart(data, "validation"),
      te = audiogramPart(data, "test");
    const domains = [{ name: "test", key: { data: data.key, part: "test" }, x: te.x, truth: te.clean }];
    if (name === "synthetic-dynamic") {
      for (const [label, scale] of [
        ["small corruption", 0.05],
        ["large corruption", 0.5],
      ] as const) {
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
  if (name !== "real")
    throw new Error(`sweepSetting: unknown setting ${JSON.stringify(name)} (have ${SWEEP_SETTING_NAMES.join(", ")})`);
  // the stand-ins are smaller below the paper preset (N = 12 813 and 2 986 in the paper)
  const { nhanes: nUs, horstat: nDe } = VAEQUISITION_SETTINGS[preset].sweep.realRows;
  const us = await nhanesOrStandIn({ n: nUs });
  const de = await horstatOrStandIn({ n: nDe });
  const um = audiogramMatrix(us.frame),
    dm = audiogramMatrix(de.frame);
  const split = splitThreeWay(um.x.shape[0], 0.1, 0.1, "vaequisition-real-split", "sweepSetting(real)");
  const source = (s: typeof us) => ({
    kind: s.kind,
    files: s.files,
    n: s.frame.shape[0],
    ...(s.kind === "stand-in" ? { standIn: s.note.split(":")[1]?.trim() ?? s.note } : {}),
  });
  const dataKey = { kind: "audiograms", nhanes: source(us), split: split.seed };
  const test = takeRows(um.x, split.test);
  return {
    setting: {
      name,
      dataKey,
      train: takeRows(um.x, split.train),
      validation: {
        name: "validation",
        key: { data: dataKey, part: "validation" },
        x: takeRows(um.x, split.validation),
        truth: takeRows(um.x, split.validation),
      },
      domains: [
        {
          name: us.kind === "stand-in" ? "NHANES stand-in" : "NHANES",
          key: { data: dataKey, part: "test" },
          x: test,
          truth: test,
        },
        {
          name: de.kind === "stand-in" ? "HÖRSTAT stand-in" : "HÖRSTAT",
          key: { data: source(de) },
          x: dm.x,
          truth: dm.x,
        },
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
