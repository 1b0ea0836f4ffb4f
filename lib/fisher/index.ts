/**
 * lib/fisher — Fisher information of the multiclass (BackSplit) and coarsened
 * (binary) likelihoods: closed forms at the logits, estimators for tfjs
 * networks (exact, Monte-Carlo, empirical), gradient-noise statistics, a
 * JSON report for the CLI, and the Cramér–Rao simulation.
 */
export {
  classToGroup,
  coarsenProbabilities,
  fisherGap,
  fisherTraceMaps,
  fisherTraceTotals,
  fisherY,
  fisherZ,
  gapSurface,
  lesionVsRest,
  softmaxRows,
} from './closed-form';
export type { ClassGroups, FisherTraceMaps, GapSurface } from './closed-form';
export { bilinear, cholesky, choleskySolve, inverseSpd, symmetricEigen } from './linalg';
export type { SymmetricEigen } from './linalg';
export { empiricalFisher, exactFisher, layersModelVariables, measurePerExampleCost, monteCarloFisher, parameterLayout } from './network';
export type {
  EstimatorOptions,
  ExactFisher,
  FisherBatch,
  FisherEstimate,
  FisherModel,
  Likelihood,
  LogitsFn,
  MonteCarloOptions,
  ParameterBlock,
  PerExampleCost,
  ProgressFn,
  VariableTrace,
} from './network';
export { gradientNoise } from './gradient-noise';
export type { GradientNoiseEntry, GradientNoiseStats } from './gradient-noise';
export { fisherReport } from './report';
export type { FisherReport, FisherReportOptions, LikelihoodTraces, ReportKind, ReportModel } from './report';
export { cramerRaoInformation, gaussHermite, runCramerRao } from './cramer-rao';
export type { CramerRaoConfig, CramerRaoResult, VarianceComparison } from './cramer-rao';
