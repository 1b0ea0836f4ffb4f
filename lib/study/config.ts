/**
 * Configuration of the reproduction study (`npm run reproduce`): which data,
 * how many seeds, how long each arm trains, what the Fisher step measures.
 * One typed object with presets; binary and BackSplit runs share every setting
 * except the label mode.
 */
import type { DatasetConfig } from '../data/registry';
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from '../train/config';

export type StudyPreset = 'quick' | 'default' | 'full';

export interface StudyConfig {
  preset: StudyPreset;
  /** Training seeds; each seed trains both arms. */
  seeds: number[];
  /** Any kind of the lib/data dataset registry: embedded synthetic, Colin27 brain (mricron-data), manifest, MSD folder, case folders. */
  dataset: DatasetConfig;
  /** Split of case ids (seeded, saved with the study). */
  split: { seed: number; train: number; validation: number; test: number };
  /** Settings shared by both arms (mode, seed, dataset and output dir are set per run). */
  train: Partial<TrainConfig>;
  /** Monte-Carlo Fisher at the end of training: patches from test cases and label samples per patch. */
  fisher: { patches: number; samples: number };
  /** Runs folder (resumable) and report folder. */
  runsDir: string;
  reportDir: string;
  /** tfjs backend override (else automatic selection). */
  backend?: string;
}

const BASE_TRAIN: Partial<TrainConfig> = {
  model: { ...DEFAULT_TRAIN_CONFIG.model, family: 'unet', channels: [16, 32, 64] },
  patchSize: [64, 64],
  batchSize: 4,
  validation: { cases: 0, every: 0, overlap: 0.5 },
  checkpointEvery: 50,
  keepCheckpoints: 1,
  logEvery: 10,
};

/**
 * Preset settings. `default` must finish in ≤ 10 minutes on a 2-core CPU machine,
 * `quick` in ≤ 2 minutes; `full` is meant for a GPU or a long CPU run.
 */
export function studyPreset(preset: StudyPreset): StudyConfig {
  const common = { runsDir: 'runs/study', reportDir: 'report', fisher: { patches: 4, samples: 1 } };
  switch (preset) {
    case 'quick':
      return {
        ...common,
        runsDir: 'runs/study-quick',
        reportDir: 'report-quick',
        preset,
        seeds: [0],
        dataset: { kind: 'synthetic', cases: 12, seed: 0 },
        split: { seed: 0, train: 8, validation: 0, test: 4 },
        train: { ...BASE_TRAIN, model: { ...DEFAULT_TRAIN_CONFIG.model, channels: [8, 16, 32] }, steps: 60 },
        fisher: { patches: 2, samples: 1 },
      };
    case 'full':
      return {
        ...common,
        runsDir: 'runs/study-full',
        reportDir: 'report-full',
        preset,
        seeds: [0, 1, 2, 3, 4],
        dataset: { kind: 'synthetic', cases: 48, seed: 0 },
        split: { seed: 0, train: 32, validation: 4, test: 12 },
        train: { ...BASE_TRAIN, model: { ...DEFAULT_TRAIN_CONFIG.model, channels: [16, 32, 64, 128] }, steps: 2000, validation: { cases: 0, every: 0, overlap: 0.5 } },
        fisher: { patches: 8, samples: 4 },
      };
    default:
      return {
        ...common,
        preset: 'default',
        seeds: [0, 1, 2],
        dataset: { kind: 'synthetic', cases: 24, seed: 0 },
        split: { seed: 0, train: 16, validation: 0, test: 8 },
        train: { ...BASE_TRAIN, steps: 250 },
      };
  }
}

/** What {@link smallStudy} changes in a preset: folders, seeds, data, split, steps, width, Fisher sampling. */
export interface SmallStudyOptions {
  runsDir: string;
  reportDir?: string;
  seeds?: number[];
  dataset: DatasetConfig;
  split: StudyConfig['split'];
  /** Training steps per run. */
  steps: number;
  /** U-Net channels per level (default: the preset's). */
  channels?: number[];
  fisher?: StudyConfig['fisher'];
}

/**
 * A shrunk copy of a study config for a notebook's small mode or a demonstration: the given
 * folders, dataset, split and steps replace the preset's; seeds, channels and Fisher sampling
 * only when given. Every other setting is the preset's.
 * @example smallStudy(studyPreset('quick'), { runsDir: 'build/runs', dataset: { kind: 'synthetic', cases: 10, seed: 0 }, split: { seed: 0, train: 6, validation: 0, test: 4 }, steps: 30 })
 */
export function smallStudy(base: StudyConfig, o: SmallStudyOptions): StudyConfig {
  const train: Partial<TrainConfig> = { ...base.train, ...(o.channels ? { model: { ...base.train.model!, channels: o.channels } } : {}), steps: o.steps };
  return {
    ...base,
    runsDir: o.runsDir,
    ...(o.reportDir !== undefined ? { reportDir: o.reportDir } : {}),
    ...(o.seeds ? { seeds: o.seeds } : {}),
    dataset: o.dataset,
    split: o.split,
    train,
    ...(o.fisher ? { fisher: o.fisher } : {}),
  };
}
