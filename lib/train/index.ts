/**
 * Public surface of lib/train, the step-level machinery: configuration, data
 * preparation, patch sampling, augmentation, optimisers, sliding-window
 * inference and progress reporting (run folders and the training loop: lib/run).
 */
export { TrainConfig, AugmentConfig, DEFAULT_TRAIN_CONFIG, resolveTrainConfig, modelConfigFor } from './config';
export { classLayout, prepareCase } from './prepare';
export { PatchBatch, patch3, forcedCount, samplePatchOrigins, extractBatch, sampleBatch } from './sampler';
export { augmentBatch } from './augment';
export { Optimizer, polyLearningRate, clipByGlobalNorm } from './optimizer';
export { tilePositions, gaussianImportance, slidingWindowProbabilities, argmaxClasses } from './inference';
export { TrainProgress, formatDuration, formatProgress, createProgressBar, notebookProgress, notebookWorkProgress } from './progress';
export {
  classVoxelCounts,
  voxelShare,
  formatClassVoxelCounts,
  auxClassesOf,
  formatConfigDifferences,
  describeTrainConfig,
} from './describe';
