// Public API of lib/prob: special functions, distributions, KL, minibatch aggregate-posterior
// estimators, total / partial correlation, and the Lp-nested (ISA) prior.
export {
  EULER_GAMMA,
  lgamma,
  digamma,
  lbeta,
  log1p,
  logCosh,
  logSumExp,
  lgammaScalar,
  digammaScalar,
  lbetaScalar,
} from "./special";
export type { Distribution, Param } from "./distribution";
export { broadcastShapes } from "./distribution";
export { Normal, normalLogProbFromLogScale } from "./normal";
export { LogNormal } from "./lognormal";
export { Gamma, sampleStandardGamma } from "./gamma";
export { Beta } from "./beta";
export { Bernoulli } from "./bernoulli";
export { Logcosh, LOGCOSH_UNIT_SCALE } from "./logcosh";
export {
  kl,
  hasClosedFormKl,
  klMonteCarlo,
  klNormalNormal,
  klLogNormalLogNormal,
  klGammaGamma,
  klBetaBeta,
  klBernoulliBernoulli,
} from "./kl";
export type { MonteCarloEstimate } from "./kl";
export {
  BATCH_ESTIMATORS,
  orderedWeights,
  estimatorOrder,
  estimatorWeights,
  estimateQ,
  logAggregatePosterior,
  inverseWeightDataset,
  inverseWeightVariance,
  pairwiseLogNormal,
  pairwiseLogProb,
} from "./aggregate";
export type { BatchEstimator, EstimatorMethod } from "./aggregate";
export {
  singletonGroups,
  contiguousGroups,
  validateGroups,
  aggregateLogDensities,
  partialCorrelation,
  totalCorrelation,
  logDetSPD,
  gaussianPartialCorrelation,
} from "./correlation";
export type { AggregateLogDensities } from "./correlation";
export {
  LpNestedIsa,
  isaTree,
  isaCoordinateVariance,
  isaUnitVarianceScale,
  logUnitSphereSurface,
  lpNestedLeaves,
  lpNestedValue,
} from "./lp-nested";
export type { LpNestedNode, LpNestedChild, LpNestedIsaSpec } from "./lp-nested";
