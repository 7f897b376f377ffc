// Objectives: the RateDistortion record, the rate controllers that turn it into a training loss, and
// the separation objective (SI-SDR with permutation-invariant training).
export * from "./rate-distortion";
export * from "./controllers";
export * from "./si-sdr";
export * from "./blr";
