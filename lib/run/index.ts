/**
 * Public surface of lib/run, the one owner of a run folder: its layout,
 * meta.json, checkpoints, metrics.jsonl, the training loop that writes it,
 * opening a run, train-or-reuse, and predicting a case with a trained model.
 */
export { checkpointName } from './layout';
export {
  encodeCheckpoint,
  decodeCheckpoint,
  saveCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
} from './checkpoint';
export { readRunMetrics } from './metrics';
export { train } from './train-run';
export { openRun, loadRunModel, loadRun, describeRun } from './open';
