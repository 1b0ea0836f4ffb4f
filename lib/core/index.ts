/**
 * lib/core — the ground floor every other folder builds on; it imports nothing from lib.
 *
 * - random: the seeded PRNG (Random, hash32, hashString) used project-wide
 * - volume: Volume, Vec3, Affine, VoxelArray, LabelVolume, makeVolume, affineFromSpacing, voxelCount, mapToUint8
 * - types: SegmentationCase, ClassInfo, LabelMode
 * - grid: assertSameGrid / sameGrid (one tolerance rule), GridMismatchError, checkGrid
 * - morphology: erode, dilate, labelBoundary, labelComponents, neighbourOffsets (connectivity always explicit)
 * - zscore: zscore (values), zscoreInMask (volumes)
 * - atomic: writeFileAtomic
 * - format: plain-text tables, rounded numbers, intervals
 */
export * from './random';
export * from './volume';
export * from './types';
export * from './grid';
export * from './morphology';
export * from './zscore';
export * from './atomic';
export * from './format';
