// The VI-EMD clean-condition prior comparison of Table 3 (thesis App. B, supplement L) in one place, so that
// the Table 3 notebook and the Fig. 3 notebook (uncertainty quantification with the multitask model) train
// (or reload) exactly the same runs on the seen domain's CLEAN training mixtures (speechExperimentData with
// trainCondition "clean"; lib/vi-emd/settings priorSettings for sizes and schedule).
//
// The seven models of Table 3 (all VI models with beta masks, Beta(1, 1) prior, and Monte-Carlo KL as App. J
// says the clean-condition results used):
//   TasNet (−SI-SDR objective), TasNet (BLR likelihood),
//   VI-TasNet Gaussian q / N(0, 1) prior, BLR;  gamma q / Γ(½, 1) prior, BLR;  Gaussian q / MADE flow prior, BLR;
//   gamma q / adaptive prior (Eq. 5) with the multitask objective (App. D), BLR;  gamma q / Γ prior, MVC (App. I).
// Objective of the VI models (our choice, see the notebooks' differences): the adaptive β toward a target total
// rate of Table 1 (the speech settings' ratePerElement per latent element and encoder frame); the paper's clean runs
// used free bits and a static β whose values Table 3 does not give. The multitask model's target also counts
// the single-source encodings (S·N more elements per frame), whose rates enter its total rate.
import { ConvTasNetConfig } from "../models/conv-tasnet";
import { encoderFrames } from "./speech";
import type { SpeechExperimentSettings } from "./settings";
import { ViTasNetConfig, viTasNetConfig } from "../models/vi-tasnet";
import { SeparationObjective } from "./runs";

export interface PriorModelSpec {
  /** Short key used in records and plots. */
  key: string;
  /** Table 3's columns. */
  model: "TasNet" | "VI-TasNet";
  encodingPrior: string;
  likelihood: "(SI-SDR)" | "BLR" | "MVC";
  variational: boolean;
  config: ConvTasNetConfig | ViTasNetConfig;
  objective: SeparationObjective;
}

/** The paper's Table 3 (SI-SDRi, dB): Libri2Mix test, VCTK-2mix test, difference. */
export const TABLE3_PAPER: Readonly<Record<string, [number, number, number]>> = Object.freeze({
  "TasNet (SI-SDR)": [14.36, 12.91, 1.45],
  "TasNet (BLR)": [13.86, 12.13, 1.73],
  "VI N/N": [12.75, 11.52, 1.23],
  "VI Γ/Γ": [12.68, 11.4, 1.28],
  "VI N/flow": [13.13, 11.74, 1.38],
  "VI Γ/adaptive MT": [10.21, 9.11, 1.1],
  "VI Γ/Γ MVC": [11.31, 10.19, 1.11],
});

/** The multitask (adaptive-prior) model's key: the one Fig. 3 uses. */
export const MULTITASK_KEY = "VI Γ/adaptive MT";

/** The seven Table 3 models at a preset's settings (flow: MADE with `flowHidden` units, `flows` flows). */
export function priorModels(
  s: SpeechExperimentSettings,
  o: { sampleRate?: number; flowHidden?: number[]; flows?: number } = {},
): PriorModelSpec[] {
  const T = Math.round(s.seconds * (o.sampleRate ?? 8000));
  const c = s.tasnet;
  const frames = encoderFrames(c, T);
  const target = (extraElements = 0): SeparationObjective => ({
    kind: "target-rate",
    target: Math.round(s.ratePerElement * (c.N + c.S * c.N + extraElements) * frames * 1000) / 1000,
    initialBeta: s.initialBeta,
    delta: s.delta,
  });
  const vi = (p: Partial<ViTasNetConfig>) =>
    viTasNetConfig({ tasnet: c, mask: "beta", likelihood: "blr", kl: "monte-carlo", ...p });
  return [
    {
      key: "TasNet (SI-SDR)",
      model: "TasNet",
      encodingPrior: "–",
      likelihood: "(SI-SDR)",
      variational: false,
      config: c,
      objective: { kind: "si-sdr" },
    },
    {
      key: "TasNet (BLR)",
      model: "TasNet",
      encodingPrior: "–",
      likelihood: "BLR",
      variational: false,
      config: { ...c, loss: "blr" },
      objective: { kind: "blr" },
    },
    {
      key: "VI N/N",
      model: "VI-TasNet",
      encodingPrior: "q N / p N",
      likelihood: "BLR",
      variational: true,
      config: vi({ encoding: "gaussian" }),
      objective: target(),
    },
    {
      key: "VI Γ/Γ",
      model: "VI-TasNet",
      encodingPrior: "q Γ / p Γ",
      likelihood: "BLR",
      variational: true,
      config: vi({ encoding: "gamma" }),
      objective: target(),
    },
    {
      key: "VI N/flow",
      model: "VI-TasNet",
      encodingPrior: "q N / p flow",
      likelihood: "BLR",
      variational: true,
      config: vi({ encoding: "gaussian", prior: { kind: "flow", hidden: o.flowHidden ?? [64], flows: o.flows ?? 2 } }),
      objective: target(),
    },
    {
      key: MULTITASK_KEY,
      model: "VI-TasNet",
      encodingPrior: "q Γ / p adaptive (multitask)",
      likelihood: "BLR",
      variational: true,
      config: vi({ encoding: "gamma", prior: { kind: "adaptive" }, multitask: true }),
      objective: target(c.S * c.N),
    },
    {
      key: "VI Γ/Γ MVC",
      model: "VI-TasNet",
      encodingPrior: "q Γ / p Γ",
      likelihood: "MVC",
      variational: true,
      config: vi({ encoding: "gamma", likelihood: "mvc" }),
      objective: target(),
    },
  ];
}
