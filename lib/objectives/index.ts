// Objectives: the RateDistortion record and the rate controllers that turn it into a training loss.
export * from "./rate-distortion";
export * from "./controllers";
