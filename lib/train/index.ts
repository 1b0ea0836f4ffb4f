/**
 * Public surface of lib/train, the step-level machinery: configuration, data
 * preparation, patch sampling, augmentation, optimisers, sliding-window
 * inference and progress reporting (run folders and the training loop: lib/run).
 */
export {
  TrainConfig,
  TrainModelConfig,
  AugmentConfig,
  DEFAULT_TRAIN_CONFIG,
  TrainConfigError,
  resolveTrainConfig,
  modelConfigFor,
} from './config';
export { ClassLayout, PreparedCase, TrainingData, classLayout, prepareCase, loadTrainingData } from './prepare';
export { PatchOrigin, PatchBatch, patch3, forcedCount, samplePatchOrigins, extractBatch, sampleBatch } from './sampler';
export { AugmentRecord, augmentBatch } from './augment';
export { Optimizer, OptimizerSettings, OptimizerState, polyLearningRate, clipByGlobalNorm } from './optimizer';
export {
  SlidingWindowOptions,
  tilePositions,
  gaussianImportance,
  slidingWindowProbabilities,
  argmaxClasses,
} from './inference';
export { TrainProgress, ProgressBarOptions, LineSink, NotebookProgressOptions, formatDuration, formatProgress, createProgressBar, notebookProgress } from './progress';
export { classVoxelCounts, voxelShare, formatClassVoxelCounts, auxClassesOf, formatConfigDifferences, describeTrainConfig } from './describe';
