/** The tiny run shared by the SIGKILL resume test and its child process. */
import { resolveTrainConfig, TrainConfig } from '../../../lib/train';
import { SegmentationCase } from '../../../lib/core/types';
import { tinyCases } from '../../train/helpers/fixtures';

export function killTestConfig(outputDir: string): TrainConfig {
  return resolveTrainConfig({
    mode: 'backsplit',
    model: { family: 'resenc-unet', channels: [4, 8], encoderBlocks: [1, 1], norm: 'group', groups: 2 },
    patchSize: [8, 8],
    batchSize: 2,
    steps: 30,
    learningRate: 0.01,
    validation: { cases: 0, every: 0, overlap: 0 },
    checkpointEvery: 4,
    keepCheckpoints: 2,
    logEvery: 2,
    outputDir,
  });
}

export function killTestCases(): SegmentationCase[] {
  return tinyCases(3, 7);
}
