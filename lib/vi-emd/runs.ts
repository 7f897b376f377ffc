// Cached training and evaluation of (VI-)TasNets for the VI-EMD notebooks (thesis App. B).
//
// A run is (model config, data key, objective, schedule, seed, preset) through lib/train's trainRun:
// re-running a notebook reloads it, an interrupted run resumes. Objectives: the ELBO (β = 1), a target
// total rate with the adaptive β of E.2 (initial β 10⁻⁶, δ = 1 % per step, as K.2), or per-term β and free
// bits (Eq. 37); a deterministic Conv-TasNet trains on −SI-SDR (or, with loss "blr", the BLR evidence).
// Evaluation on a set of mixtures: per mixture the PIT SI-SDR and SI-SDRi of the estimates (means of the
// encoding and mask distributions, or samples), the BLR distortion D_S (also of a deterministic TasNet's
// estimates, under the default BLR prior), the rates R_z and R_M, the ELBO and, for the multitask model, the
// mixture ELBO.
import * as tf from "@tensorflow/tfjs";
import { Rng, Seed } from "../engine/rng";
import type { ArrayN } from "../data/dataset";
import { Objective, TargetRateDefaults, controllerFor } from "../objectives/controllers";
import { pairwiseSiSdr, permutationInvariant } from "../objectives/si-sdr";
import type { Run } from "../train/run-cache";
import { RunRequest, trainRun } from "../train/run";
import { ConvTasNet, ConvTasNetConfig, createConvTasNet, pitBlrDistortion } from "../models/conv-tasnet";
import { ViTasNet, ViTasNetConfig, createViTasNet } from "../models/vi-tasnet";

/** The objectives of a (VI-)TasNet: ELBO-type ones for a VI-TasNet, si-sdr or (loss "blr", Table 3) blr for a deterministic TasNet. */
export type SeparationObjective = Exclude<Objective, { kind: "beta" }>;

/** A target rate's adaptive β by default starts at 10⁻⁶ and moves by 1 % per step (E.2, K.2). */
export const SEPARATION_TARGET_RATE: TargetRateDefaults = { initial: 1e-6, delta: 0.01 };

/** A VI-TasNet config, or a Conv-TasNet config for the deterministic baseline, on mixtures [n, T] and sources [n, S, T]. */
export interface SeparationRunRequest extends RunRequest<
  ViTasNetConfig | ConvTasNetConfig,
  { mix: ArrayN; sources: ArrayN }
> {
  objective: SeparationObjective;
}

/** Train the (VI-)TasNet of `input` (or reload it when this exact run completed before). */
export async function trainSeparationRun(input: SeparationRunRequest): Promise<Run<ViTasNet | ConvTasNet>> {
  const { objective, ...request } = input;
  const { config, schedule } = request,
    data = request.data.train;
  const n = data.mix.shape[0];
  if (
    data.mix.shape.length !== 2 ||
    data.sources.shape.length !== 3 ||
    data.sources.shape[0] !== n ||
    data.sources.shape[2] !== data.mix.shape[1]
  ) {
    throw new Error(
      `trainSeparationRun: mixtures [n, T] and sources [n, S, T] expected, got [${data.mix.shape}] and [${data.sources.shape}]`,
    );
  }
  if (schedule.batchSize > n)
    throw new Error(`trainSeparationRun: batch size ${schedule.batchSize} exceeds the ${n} training mixtures`);
  const deterministic = config.kind === "conv-tasnet";
  if (deterministic !== (objective.kind === "si-sdr" || objective.kind === "blr"))
    throw new Error(
      `trainSeparationRun: a ${config.kind} trains with ${deterministic ? "the si-sdr (or, with loss blr, the blr) objective" : "an ELBO-type objective"}, got ${objective.kind}`,
    );
  if (deterministic && objective.kind !== ((config as ConvTasNetConfig).loss ?? "si-sdr"))
    throw new Error(
      `trainSeparationRun: the objective ${objective.kind} must match the TasNet's loss ${(config as ConvTasNetConfig).loss ?? "si-sdr"}`,
    );
  return trainRun<ViTasNetConfig | ConvTasNetConfig, ViTasNet | ConvTasNet>({
    ...request,
    key: { objective },
    build: (c, rng) => (c.kind === "conv-tasnet" ? createConvTasNet(c, rng) : createViTasNet(c, rng)),
    controller: () => controllerFor(objective, SEPARATION_TARGET_RATE),
    checkpointEvery: 200,
    label: input.label ?? `${config.kind} ${JSON.stringify(objective)}`,
  });
}

export interface SeparationEvaluation {
  /** Means over mixtures. */
  siSdr: number;
  siSdrImprovement: number;
  /** BLR distortion D_S (nats per mixture; a deterministic TasNet's estimates are scored with DEFAULT_BLR_PRIOR); VI models: rates and ELBO, NaN for a deterministic TasNet. */
  distortion: number;
  rateZ: number;
  rateMask: number;
  rate: number;
  elbo: number;
  /** Per mixture. */
  perMixture: {
    siSdr: number[];
    siSdrImprovement: number[];
    distortion: number[];
    /** VI models: the rates of each mixture (empty for a deterministic TasNet). */
    rateZ: number[];
    rateMask: number[];
    mixtureElbo?: number[];
  };
  n: number;
}

interface BatchScores {
  siSdr: number[];
  mixScore: number[];
  d: number[] | null;
  rz: number[] | null;
  rm: number[] | null;
  mixElbo: number[] | null;
}

/**
 * Scores of mixtures [i, i + m) as plain numbers (async reads: a GPU backend has none synchronous in Node); every
 * tensor made here is freed before returning.
 */
async function evaluateBatch(
  model: ViTasNet | ConvTasNet,
  data: { mix: ArrayN; sources: ArrayN },
  i: number,
  m: number,
  rng: Rng,
  mean: boolean,
): Promise<BatchScores> {
  const T = data.mix.shape[1],
    S = data.sources.shape[1];
  tf.engine().startScope();
  try {
    const mix = tf.tensor2d(data.mix.values.subarray(i * T, (i + m) * T), [m, T]);
    const src = tf.tensor3d(data.sources.values.subarray(i * S * T, (i + m) * S * T), [m, S, T]);
    // SI-SDR of the unprocessed mixture against each reference (for SI-SDRi), averaged over references
    const mixScore = (await tf
      .mean(
        tf.squeeze(tf.slice(pairwiseSiSdr(tf.tile(tf.expandDims(mix, 1), [1, S, 1]), src), [0, 0, 0], [m, 1, S]), [1]),
        1,
      )
      .array()) as number[];
    if (model instanceof ViTasNet) {
      const f = model.forward(mix, src, rng, { mean });
      const arr = async (t: tf.Tensor) => (await t.array()) as number[];
      return {
        siSdr: await arr(f.siSdr),
        mixScore,
        d: await arr(f.separationDistortion),
        rz: await arr(f.record.terms.z),
        rm: await arr(f.record.terms.mask),
        mixElbo: f.mixtureElbo ? await arr(f.mixtureElbo) : null,
      };
    }
    const est = model.separate(mix);
    const pit = permutationInvariant(pairwiseSiSdr(est, src), "max");
    // the BLR distortion of the deterministic estimates, as the VI model's D_S (PIT over −log p, summed over sources)
    const d = (await pitBlrDistortion(est, src).array()) as number[];
    return { siSdr: (await pit.value.array()) as number[], mixScore, d, rz: null, rm: null, mixElbo: null };
  } finally {
    tf.engine().endScope();
  }
}

/** Evaluate a trained model on mixtures [n, T] / sources [n, S, T] in batches (means of q unless `sample`). */
export async function evaluateSeparation(
  model: ViTasNet | ConvTasNet,
  data: { mix: ArrayN; sources: ArrayN },
  o: { batchSize?: number; sample?: boolean; rng?: Seed } = {},
): Promise<SeparationEvaluation> {
  const n = data.mix.shape[0];
  const bs = o.batchSize ?? 16;
  const rng = new Rng(o.rng ?? "evaluate-separation");
  const acc = {
    siSdr: [] as number[],
    siSdri: [] as number[],
    d: [] as number[],
    rz: [] as number[],
    rm: [] as number[],
    mixElbo: [] as number[],
  };
  for (let i = 0; i < n; i += bs) {
    const m = Math.min(bs, n - i);
    const out = await evaluateBatch(model, data, i, m, rng.fork(`batch/${i}`), !o.sample);
    out.siSdr.forEach((v, k) => {
      acc.siSdr.push(v);
      acc.siSdri.push(v - out.mixScore[k]);
    });
    if (out.d) acc.d.push(...out.d);
    if (out.rz) acc.rz.push(...out.rz);
    if (out.rm) acc.rm.push(...out.rm);
    if (out.mixElbo) acc.mixElbo.push(...out.mixElbo);
    await new Promise((r) => setImmediate(r));
  }
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
  const d = mean(acc.d),
    rz = mean(acc.rz),
    rm = mean(acc.rm);
  // rates are NaN for a deterministic TasNet, so its ELBO is NaN too
  return {
    siSdr: mean(acc.siSdr),
    siSdrImprovement: mean(acc.siSdri),
    distortion: d,
    rateZ: rz,
    rateMask: rm,
    rate: rz + rm,
    elbo: -(d + rz + rm),
    perMixture: {
      siSdr: acc.siSdr,
      siSdrImprovement: acc.siSdri,
      distortion: acc.d,
      rateZ: acc.rz,
      rateMask: acc.rm,
      ...(acc.mixElbo.length ? { mixtureElbo: acc.mixElbo } : {}),
    },
    n,
  };
}
