/**
 * lib/labels — building split-background (BackSplit) label maps.
 *
 * - buildBackSplitLabels: lesion + auxiliary maps → class map, binary map, class table
 * - grouping specs (TotalSegmentator total / total_mr, SynthSeg/FreeSurfer, tissue): loadGroupSpec, applyGroupSpec
 * - collapse rules for BackSplit predictions: argmaxIsLesion, lesionBeatsBackgroundSum
 * - automatic aux labels: clusterTissues (k-means / GMM)
 * - simulated noisy labels: simulateNoisyLabels and its primitives
 */
export * from './build';
export * from './spec';
export * from './collapse';
export * from './tissue';
export { erodeClass, dilateClass, jitterBoundary, dropComponents, mergeIntoNeighbour, simulateNoisyLabels } from './noisy';
export type { NoisyLabelOptions, NoisyLabelReport } from './noisy';
export * from './from-files';
export * from './case';
