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
export { layersModelVariables, measurePerExampleCost, parameterLayout } from './network';
export type {
  EstimatorOptions,
  FisherBatch,
  FisherEstimate,
  FisherModel,
  Likelihood,
  LogitsFn,
  ParameterBlock,
  PerExampleCost,
  ProgressFn,
  VariableTrace,
} from './network';
export { monteCarloFisher } from './network-monte-carlo';
export type { MonteCarloOptions } from './network-monte-carlo';
export { empiricalFisher } from './network-empirical';
export { exactFisher } from './network-exact';
export type { ExactFisher } from './network-exact';
export { gradientNoise } from './gradient-noise';
export type { GradientNoiseEntry, GradientNoiseStats } from './gradient-noise';
export { fisherReport } from './report';
export type { FisherReport, FisherReportOptions, LikelihoodTraces, ReportKind, ReportModel } from './report';
export { cramerRaoInformation, runCramerRao } from './cramer-rao';
export { gaussHermite } from './cramer-rao-model';
export type { CramerRaoConfig, CramerRaoResult, VarianceComparison } from './cramer-rao';
export {
  uniformSplits, gapSurfaceMaximum, traceShare, traceDifference, cramerRaoRows, cramerRaoSweepRows, formatTrace, describeCramerRaoInformation, describeSweepZ,
} from './summaries';
