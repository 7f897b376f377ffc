// The one way a work trains a model: a cached run (trainOrReload) keyed by
//   {model: config, data: data key, preset, seed, schedule, …the work's own key fields},
// trained with Adam on the schedule under the work's rate controller. Each work keeps only what is its
// own: the checks of its inputs, its model builder, its data preparation and its extra key fields.
import { Rng, Seed } from "../engine/rng";
import type { RateController } from "../objectives/controllers";
import type { Dataset } from "./batches";
import type { TrainableModel } from "./loop";
import type { ProgressMode } from "./progress";
import { Run, RunConfig, trainOrReload } from "./run-cache";

/** How fast a model trains: Adam's learning rate on batches of batchSize. */
interface Pace {
  batchSize: number;
  learningRate: number;
  /** Global gradient-norm clipping (lib/train clipNorm); absent: none (and absent from the run key). */
  clipNorm?: number;
}

/** A schedule counted in optimisation steps. */
export interface StepSchedule extends Pace {
  steps: number;
  epochs?: undefined;
}

/** A schedule counted in epochs (passes over the training data). */
export interface EpochSchedule extends Pace {
  epochs: number;
  steps?: undefined;
}

/** How long and how fast a model trains. The run key holds it as given. */
export type Schedule = StepSchedule | EpochSchedule;

/** What a caller of a work's run function gives: the model config, its training data, schedule, seed, preset. */
export interface RunRequest<Config, Data> {
  config: Config;
  /** The training data and a plain-JSON description of where they came from (part of the run key). */
  data: { key: unknown; train: Data };
  schedule: Schedule;
  seed: Seed;
  /** The notebook preset (lib/notebook's Preset): part of the run key, so presets never share a run. */
  preset: string;
  label?: string;
  progress?: ProgressMode;
  runsDir?: string;
}

/** A work's run: the request with the data as lib/train's train() takes them, and what only the work knows. */
export interface TrainRunInput<Config, M extends TrainableModel> extends RunRequest<Config, Dataset> {
  /** Build the model of `config` (rng: the run's "init" stream). */
  build: (config: Config, rng: Rng) => M | Promise<M>;
  /** The rate controller of the built model. */
  controller: (model: M) => RateController;
  /** The work's run-key fields besides model, data, preset, seed and schedule (objective, scaler, warm start, …). */
  key?: Record<string, unknown>;
  /** Drop each epoch's last partial batch (for estimators that need full batches). */
  dropRemainder?: boolean;
  /** Checkpoint every this many steps. */
  checkpointEvery: number;
  label: string;
}

const SHARED_KEY_FIELDS = ["model", "data", "preset", "seed", "schedule"];

/** The run key of `input` (what trainOrReload hashes): the shared fields and the work's own. */
export function runKey(input: RunRequest<unknown, unknown> & { key?: Record<string, unknown> }): RunConfig {
  const clash = Object.keys(input.key ?? {}).filter((k) => SHARED_KEY_FIELDS.includes(k));
  if (clash.length) throw new Error(`runKey: the work's key fields must not redefine ${clash.join(", ")}`);
  return {
    ...input.key,
    model: input.config,
    data: input.data.key,
    preset: input.preset,
    seed: input.seed,
    schedule: { ...input.schedule },
  };
}

/** Train the model of `input`, or reload it when this exact run completed before (an interrupted one resumes). */
export function trainRun<Config, M extends TrainableModel>(input: TrainRunInput<Config, M>): Promise<Run<M>> {
  const { schedule } = input;
  return trainOrReload(runKey(input), (c, rng) => input.build(c.model as Config, rng), {
    runsDir: input.runsDir,
    checkpointEvery: input.checkpointEvery,
    train: (model) => ({
      data: input.data.train,
      batchSize: schedule.batchSize,
      steps: schedule.steps,
      epochs: schedule.epochs,
      learningRate: schedule.learningRate,
      clipNorm: schedule.clipNorm,
      controller: input.controller(model),
      dropRemainder: input.dropRemainder,
      progress: input.progress ?? "auto",
      label: input.label,
    }),
  });
}
