// Training: the loop, batching, checkpoints, the NaN guard, progress, metrics, the run cache and the one run helper.
export * from "./batches";
export * from "./history";
export * from "./guard";
export * from "./checkpoint";
export * from "./progress";
export * from "./loop";
export * from "./run-cache";
export * from "./run";
