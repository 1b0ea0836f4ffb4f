/**
 * Public surface of lib/run, the one owner of a run folder: its layout,
 * meta.json, checkpoints, metrics.jsonl, the training loop that writes it,
 * opening a run, train-or-reuse, and predicting a case with a trained model.
 */
export { RunPaths, FINAL_CHECKPOINT, runPaths, sessionMetaFile, checkpointName, checkpointStep, isRunFolder, isFinishedRun } from './layout';
export { RunMeta, SessionInfo, runMeta } from './meta';
export {
  CheckpointData,
  encodeCheckpoint,
  decodeCheckpoint,
  saveCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  checkpointWeights,
  runCheckpoints,
} from './checkpoint';
export { TrainRecord, ValidationRecord, EndRecord, RunMetrics, MetricsWriter, readRunMetrics, lossCurve, meanFinalLoss } from './metrics';
export { TrainOptions, TrainResult, ValidationResult, train, validateModel } from './train-run';
export { RunFolder, RunModel, LoadedRun, openRun, loadRunModel, loadRun, describeRun } from './open';
export { RunCases, TrainOrReuseOptions, TrainOrReuseResult, trainOrReuse } from './reuse';
export { PredictOptions, CasePrediction, predictProbabilities, lesionMask, predictCase } from './predict';
