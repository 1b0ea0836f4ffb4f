/**
 * lib/eval — every metric a lesion paper reports, with the project's
 * conventions (docs/metrics.md): overlap (Dice, IoU, precision, recall),
 * surface distances (exact EDT in mm; HD95, NSD, ASSD), lesion-wise detection
 * and per-lesion Dice (connected components from lib/core), small-lesion bins, per-class
 * Dice of auxiliary classes (kept separate), and paired BackSplit-vs-binary
 * comparisons (bootstrap CIs, Wilcoxon signed-rank) over tidy result rows,
 * pooled size-bin statistics with case-bootstrap CIs, FROC-style detection curves, the
 * lesion-candidate FROC of the primary endpoint (froc), seed-level statistics (seed-stats), the
 * slices where two lesion masks disagree most, and the thresholds of the secondary endpoints
 * (threshold: the grid, Dice at every grid value, the tuned choice).
 */
export { toBinaryMask, voxelVolumeMl } from './mask';
export { overlapMetrics, describeLesionOverlap } from './overlap';
export { squaredDistanceTransform } from './distance';
export { surfaceMask, percentileOfSorted, surfaceMetrics } from './surface';
export { lesionWiseMetrics, lesionVolumesMl } from './lesions';
export { smallLesionBins, binLabel, countLesionsByVolume, describeLesionVolumes } from './bins';
export { perClassDice, formatClassDice } from './multiclass';
export type { EvalCaseInput } from './evaluate';
export { resolveEvaluationOptions, evaluateSegmentation, toEvalJson, evaluateCases } from './evaluate';
export type { TidyRow, LesionRow } from './tidy';
export {
  LESION_METRICS,
  tidyRows,
  lesionRows,
  pooledBins,
  toCsv,
  tidyRowsToCsv,
  writeTidyCsv,
  writeTidyJson,
  armMetricMeans,
  formatArmMetricMeans,
  countDifferingPairs,
} from './tidy';
export { bootstrapCi, wilcoxonSignedRank, pairedComparison, compareModels, comparisonsToCsv } from './compare';
export { binStatistics } from './stratified';
export {
  detectionCurve,
  detectionCurvesOfRun,
  detectionCurvesOverRuns,
  formatDetectionOperatingPoints,
} from './detection-curve';
export { frocCase, frocEvaluator, frocCurve, sensitivityAtFpRate, partialAuc } from './froc';
export { slicesWhereMasksDiffer, formatSliceDisagreements } from './disagreement';
