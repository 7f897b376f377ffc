// Training: the loop, batching, checkpoints, the NaN guard, progress, metrics, and the run cache.
export * from "./batches";
export * from "./history";
export * from "./guard";
export * from "./checkpoint";
export * from "./progress";
export * from "./loop";
export * from "./run-cache";
