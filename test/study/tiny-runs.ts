/**
 * Settings of the tiny training runs that several study tests train in seconds: a two-level
 * U-Net for the run-evaluation tests, and the 2/4-channel pair of arms the Fisher experiments
 * measure. One place, so the tests stay comparable.
 */
import { resolveTrainConfig, TrainConfig } from '../../lib/train/config';

/** A 4/8-channel 2D U-Net trained 3 steps on 32×32 patches, no checkpoints but the final one. */
export function tinyTrainConfig(outputDir: string, mode: 'binary' | 'backsplit', dataset: TrainConfig['dataset'], validationCases = 0): TrainConfig {
  return resolveTrainConfig({
    mode,
    model: { channels: [4, 8] },
    patchSize: [32, 32],
    batchSize: 2,
    steps: 3,
    dataset,
    validation: { cases: validationCases, every: 0, overlap: 0 },
    checkpointEvery: 0,
    outputDir,
  });
}

/** The binary/BackSplit arms of the Fisher experiments: 2/4 channels, 4 steps, a checkpoint every 2 (trainSmallArms' config). */
export const TINY_FISHER_ARMS = {
  model: { family: 'unet', channels: [2, 4], norm: 'instance', groups: 1, deepSupervision: false, leakySlope: 0.01 },
  patchSize: [16, 16],
  batchSize: 2,
  steps: 4,
  checkpointEvery: 2,
  keepCheckpoints: 10,
  logEvery: 2,
  dataset: { kind: 'synthetic', cases: 2, seed: 3 },
  validation: { cases: 0, every: 0, overlap: 0.5 },
  seed: 5,
};
