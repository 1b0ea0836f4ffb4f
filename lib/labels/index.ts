/**
 * lib/labels — building split-background (BackSplit) label maps.
 *
 * - buildBackSplitLabels: lesion + auxiliary maps → class map, binary map, class table
 * - grouping specs (TotalSegmentator total / total_mr, SynthSeg/FreeSurfer, tissue): loadGroupSpec, applyGroupSpec
 * - collapse rules for BackSplit predictions: argmaxIsLesion, lesionBeatsBackgroundSum; comparing them (collapse-compare)
 * - automatic aux labels: clusterTissues (k-means / GMM)
 * - placebo splits of the background (random Voronoi cells, intensity quantiles): voronoiPlacebo, quantilePlacebo
 * - simulated noisy labels: simulateNoisyLabels and its primitives
 * - describing label maps as text (present ids, grouping summaries, class tables): describe
 */
export * from './build';
export * from './spec';
export * from './collapse';
export * from './collapse-compare';
export * from './tissue';
export {
  erodeClass,
  dilateClass,
  jitterBoundary,
  dropComponents,
  mergeIntoNeighbour,
  simulateNoisyLabels,
} from './noisy';
export * from './from-files';
export * from './case';
export * from './placebo';
export * from './describe';
export * from './precedence';
export * from './tissue-compare';
