/**
 * Resolves a training config's dataset into train / validation cases: the
 * embedded synthetic dataset (generated from its seed) or a manifest file.
 * The validation cases are the last `validation.cases` cases in dataset order,
 * so the split is the same for every mode and seed.
 */
import * as path from 'path';
import { SegmentationCase } from '../data/types';
import { generateSyntheticDataset, hashCases } from '../data/synthetic';
import { loadManifest } from '../data/manifest';
import { TrainConfig } from './config';

export interface TrainingData {
  trainCases: SegmentationCase[];
  valCases: SegmentationCase[];
  /** Provenance for meta.json. */
  info: Record<string, unknown>;
}

/**
 * Load the cases a config names and split off the validation cases.
 * @param config resolved training config
 * @param baseDir folder that a relative manifest path is relative to (default cwd)
 */
export function loadTrainingData(config: TrainConfig, baseDir = process.cwd()): TrainingData {
  let cases: SegmentationCase[];
  let info: Record<string, unknown>;
  if (config.dataset.kind === 'synthetic') {
    cases = generateSyntheticDataset({ seed: config.dataset.seed, cases: config.dataset.cases });
    info = { kind: 'synthetic', seed: config.dataset.seed, cases: cases.length, sha256: hashCases(cases) };
  } else {
    const file = path.resolve(baseDir, config.dataset.path);
    cases = loadManifest(file).loadAll();
    info = { kind: 'manifest', path: file, cases: cases.length };
  }
  const nVal = config.validation.cases;
  if (nVal >= cases.length) {
    throw new Error(`dataset: validation.cases is ${nVal} but the dataset has only ${cases.length} case(s); at least one must remain for training`);
  }
  return { trainCases: cases.slice(0, cases.length - nVal), valCases: cases.slice(cases.length - nVal), info };
}
