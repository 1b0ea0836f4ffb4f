/**
 * Resolves a training config's dataset into train / validation cases: the
 * embedded synthetic dataset (generated from its seed), the semi-synthetic
 * Colin27 brain set (needs Debian's mricron-data), or a manifest file.
 * The validation cases are the last `validation.cases` cases in dataset order,
 * so the split is the same for every mode and seed.
 */
import * as path from 'path';
import { SegmentationCase } from '../core/types';
import { generateSyntheticDataset, hashCases } from '../data/synthetic';
import { loadManifest } from '../data/manifest';
import { generateColinDataset } from '../data/colin';
import { DatasetConfig, TrainConfig } from './config';

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
  const { cases, info } = loadDatasetCases(config.dataset, baseDir);
  const nVal = config.validation.cases;
  if (nVal >= cases.length) {
    throw new Error(`dataset: validation.cases is ${nVal} but the dataset has only ${cases.length} case(s); at least one must remain for training`);
  }
  return { trainCases: cases.slice(0, cases.length - nVal), valCases: cases.slice(cases.length - nVal), info };
}

/**
 * The cases a dataset config names, with provenance for run metadata.
 * @param dataset synthetic (embedded), colin (mricron-data) or manifest
 * @param baseDir folder that a relative manifest path is relative to (default cwd)
 */
export function loadDatasetCases(dataset: DatasetConfig, baseDir = process.cwd()): { cases: SegmentationCase[]; info: Record<string, unknown> } {
  if (dataset.kind === 'synthetic') {
    const cases = generateSyntheticDataset({ seed: dataset.seed, cases: dataset.cases });
    return { cases, info: { kind: 'synthetic', seed: dataset.seed, cases: cases.length, sha256: hashCases(cases) } };
  }
  if (dataset.kind === 'colin') {
    const cases = generateColinDataset({ seed: dataset.seed, cases: dataset.cases });
    return { cases, info: { kind: 'colin', seed: dataset.seed, cases: cases.length, sha256: hashCases(cases) } };
  }
  const file = path.resolve(baseDir, dataset.path);
  const cases = loadManifest(file).loadAll();
  return { cases, info: { kind: 'manifest', path: file, cases: cases.length } };
}
