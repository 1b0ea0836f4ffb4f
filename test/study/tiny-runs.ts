/**
 * Settings of the tiny training runs that several study tests train in seconds: a two-level
 * U-Net for the run-evaluation tests, and the 2/4-channel pair of arms the Fisher experiments
 * measure. One place, so the tests stay comparable.
 */
import * as path from 'path';
import { StudyConfig, studyPreset } from '../../lib/study/config';
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

/** What {@link tinyProtocolStudy} varies between the tests that use it. */
export interface TinyProtocolStudyOptions {
  /** arms of the study (default: none given, i.e. binary and backsplit) */
  arms?: string[];
  /** synthetic cases generated (default 9) */
  cases?: number;
  /** training cases drawn per seed (default 3) */
  train?: number;
  /** U-Net channels (default [4, 8]) */
  channels?: number[];
  /** training steps (default 2) */
  steps?: number;
}

/**
 * A protocol study on the mechanism-positive set small enough to train in seconds: 2 seeds, each
 * with its own training draw (trainPerSeed), 3 test cases, no validation, 32×32 patches.
 */
export function tinyProtocolStudy(runsDir: string, o: TinyProtocolStudyOptions = {}): StudyConfig {
  const cfg = studyPreset('quick');
  return {
    ...cfg,
    runsDir,
    reportDir: path.join(runsDir, 'report'),
    seeds: [0, 1],
    ...(o.arms ? { arms: o.arms } : {}),
    dataset: { kind: 'synthetic', condition: 'mechanism-positive', cases: o.cases ?? 9, seed: 4 },
    split: { seed: 0, train: o.train ?? 3, validation: 0, test: 3, trainPerSeed: true },
    protocolDataset: 'synthetic-mechanism',
    train: { ...cfg.train, model: { ...cfg.train.model!, channels: o.channels ?? [4, 8] }, patchSize: [32, 32], batchSize: 2, steps: o.steps ?? 2, logEvery: 1, checkpointEvery: 0 },
    fisher: { patches: 1, samples: 1 },
  };
}
