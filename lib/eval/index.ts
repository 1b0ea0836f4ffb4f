/**
 * lib/eval — every metric a lesion paper reports, with the project's
 * conventions (docs/metrics.md): overlap (Dice, IoU, precision, recall),
 * surface distances (exact EDT in mm; HD95, NSD, ASSD), lesion-wise detection
 * and per-lesion Dice (connected components from lib/core), small-lesion bins, per-class
 * Dice of auxiliary classes (kept separate), and paired BackSplit-vs-binary
 * comparisons (bootstrap CIs, Wilcoxon signed-rank) over tidy result rows,
 * pooled size-bin statistics with case-bootstrap CIs, and FROC-style detection curves.
 */
export type { VoxelValues, BoundingBox } from './mask';
export { toBinaryMask, voxelVolumeMl, boundingBoxOfMasks, cropMask } from './mask';
export type { OverlapMetrics } from './overlap';
export { overlapMetrics, overlapFromCounts, diceFromCounts, describeLesionOverlap } from './overlap';
export { squaredDistanceTransform } from './distance';
export type { SurfaceDistances, SurfaceMetrics, SurfaceOptions } from './surface';
export { surfaceMask, percentileOfSorted, surfaceDistances, surfaceMetrics, metricsFromDistances } from './surface';
export type { LesionOptions, ReferenceLesion, PredictedLesion, LesionMetrics } from './lesions';
export { lesionWiseMetrics, lesionVolumesMl } from './lesions';
export type { BinnableLesion, LesionBin, LesionCountBin } from './bins';
export { DEFAULT_BIN_EDGES_ML, smallLesionBins, validateBinEdges, binLabel, countLesionsByVolume, describeLesionVolumes } from './bins';
export type { ClassDice, AuxiliaryClassReport, ClassSpec } from './multiclass';
export { perClassDice, formatClassDice } from './multiclass';
export type {
  EvaluationOptions, ResolvedEvaluationOptions, CaseEvaluation, MaskVolume, EvalJson, EvalCaseInput, CaseResult,
} from './evaluate';
export { resolveEvaluationOptions, evaluateSegmentation, toEvalJson, evaluateCases } from './evaluate';
export type { MetricScope, TidyRow, LesionRow, ArmMetricMean } from './tidy';
export {
  LESION_METRICS, tidyRows, lesionRows, pooledBins, toCsv, tidyRowsToCsv, writeTidyCsv, writeTidyJson, armMetricMeans, formatArmMetricMeans,
  countDifferingPairs,
} from './tidy';
export type { PairedComparisonOptions, PairedValue, PairedComparison } from './compare';
export { bootstrapCi, wilcoxonSignedRank, pairedComparison, compareModels, comparisonsToCsv } from './compare';
export type { BinStatistics, BinStatisticsOptions } from './stratified';
export { binStatistics } from './stratified';
export type {
  DetectionCase, DetectionPoint, DetectionCurveOptions, RunPredictions, DetectionSubset, RunDetectionCurve,
} from './detection-curve';
export { detectionCurve, detectionCurvesOfRun, detectionCurvesOverRuns, formatDetectionOperatingPoints } from './detection-curve';
