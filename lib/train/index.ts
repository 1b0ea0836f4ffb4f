/**
 * Public surface of lib/train: configuration, data preparation, patch sampling,
 * augmentation, optimisers, checkpoints, the training loop, sliding-window
 * inference and progress reporting.
 */
export {
  TrainConfig,
  TrainModelConfig,
  AugmentConfig,
  DatasetConfig,
  DEFAULT_TRAIN_CONFIG,
  TrainConfigError,
  resolveTrainConfig,
  modelConfigFor,
} from './config';
export { ClassLayout, PreparedCase, classLayout, prepareCase, zScore } from './data';
export { PatchOrigin, PatchBatch, patch3, forcedCount, samplePatchOrigins, extractBatch, sampleBatch } from './sampler';
export { AugmentRecord, augmentBatch } from './augment';
export { Optimizer, OptimizerSettings, OptimizerState, polyLearningRate, clipByGlobalNorm } from './optimizer';
export {
  CheckpointData,
  encodeCheckpoint,
  decodeCheckpoint,
  writeFileAtomic,
  checkpointName,
  saveCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
} from './checkpoint';
export {
  SlidingWindowOptions,
  tilePositions,
  gaussianImportance,
  slidingWindowProbabilities,
  argmaxClasses,
  lesionMaskFromProbabilities,
  binaryDice,
} from './inference';
export { TrainProgress, ProgressBarOptions, LineSink, NotebookProgressOptions, formatDuration, formatProgress, createProgressBar, notebookProgress } from './progress';
export { TrainingData, loadTrainingData } from './dataset';
export { RunMetrics, readRunMetrics } from './metrics';
export {
  TrainOptions,
  TrainResult,
  ValidationResult,
  RunMeta,
  LoadedRun,
  train,
  validateModel,
  loadRun,
  checkpointWeights,
  gitCommit,
} from './trainer';
