/**
 * Fisher experiments on run folders: evaluation patches of a run, the Fisher
 * (and gradient noise) at every checkpoint of a run, small binary + BackSplit
 * training runs for notebook 04's small mode, and finding such a pair of runs
 * in a folder. Run folders are read and trained through lib/run.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LabelMode } from '../core/types';
import { GradientNoiseStats } from '../fisher/gradient-noise';
import { ProgressFn } from '../fisher/network';
import { FisherReport } from '../fisher/report';
import { isRunFolder } from '../run/layout';
import { loadRunModel, RunFolder } from '../run/open';
import { trainOrReuse } from '../run/reuse';
import { resolveTrainConfig } from '../train/config';
import { loadTrainingData } from '../train/prepare';
import { FisherPatches, FisherPatchOptions, fisherPatches, modelFisher, ModelFisherOptions, modelGradientNoise } from './fisher';

/**
 * Evaluation patches for a run: cut from its validation cases (held out from
 * training) when it has any, else from its training cases, as its config
 * names them (the synthetic dataset is regenerated from its seed).
 * @param opts patch count, seed and foreground fraction; the patch size is the run's
 * @param baseDir folder a relative manifest path in the run's config is relative to (default cwd)
 */
export function runPatches(run: RunFolder, opts: Omit<FisherPatchOptions, 'patchSize'> = {}, baseDir = process.cwd()): FisherPatches {
  const data = loadTrainingData(run.config, baseDir);
  const cases = data.valCases.length > 0 ? data.valCases : data.trainCases;
  return fisherPatches(cases, { ...opts, patchSize: run.config.patchSize });
}

/** Fisher (and optionally gradient noise) at one checkpoint. */
export interface CheckpointFisher {
  step: number;
  report: FisherReport;
  noise?: GradientNoiseStats;
}

/** Options of {@link fisherThroughTraining}. */
export interface ThroughTrainingOptions extends ModelFisherOptions {
  /** Also measure at the initial weights, step 0 (default true). */
  includeInitial?: boolean;
  /** Also measure gradient noise (minibatches of this many patches) under the run's own labels. */
  gradientNoiseBatchSize?: number;
  /** Called with (checkpoints done, checkpoints in total). */
  onCheckpoint?: ProgressFn;
}

/**
 * Fisher traces at every checkpoint of a run (and at initialisation), on the
 * same patches and with the same label-sampling seed at every step, so that
 * the curves differ only through the weights.
 * @example
 * const run = openRun('runs/backsplit');
 * const points = await fisherThroughTraining(run, runPatches(run, { count: 16 }), { samples: 2 });
 * @param run run folder ({@link openRun})
 * @param patches evaluation patches with labels of the run's mode
 * @param opts Fisher options, includeInitial (true), gradientNoiseBatchSize, onCheckpoint
 */
export async function fisherThroughTraining(run: RunFolder, patches: FisherPatches, opts: ThroughTrainingOptions = {}): Promise<CheckpointFisher[]> {
  const steps = [...((opts.includeInitial ?? true) ? [0] : []), ...run.checkpoints.map((c) => c.step)];
  const out: CheckpointFisher[] = [];
  for (const [i, step] of steps.entries()) {
    const arm = loadRunModel(run, step);
    try {
      const report = await modelFisher(arm, patches, opts);
      const point: CheckpointFisher = { step, report };
      if (opts.gradientNoiseBatchSize) point.noise = await modelGradientNoise(arm, patches, { batchSize: opts.gradientNoiseBatchSize });
      out.push(point);
    } finally {
      arm.model.dispose();
    }
    opts.onCheckpoint?.(i + 1, steps.length);
  }
  return out;
}

/** Options of {@link trainSmallArms}. */
export interface SmallArmsOptions {
  /** Parent folder; runs go to <outDir>/binary and <outDir>/backsplit. */
  outDir: string;
  /** Training config fields over lib/train's defaults (mode and outputDir are set here); its dataset names the cases. */
  config?: Record<string, unknown>;
  /** Called with (mode, step, total steps) after each step. */
  onProgress?: (mode: LabelMode, step: number, total: number) => void;
  /** Called once per arm after it is ready: whether the run was reused rather than trained. */
  onReady?: (mode: LabelMode, runDir: string, reused: boolean) => void;
  /** Delete both run folders first and train afresh (default false: reuse a finished run with the same config). */
  retrain?: boolean;
}

/**
 * Train one binary and one BackSplit model with identical settings (same
 * seed, same cases and patches: only the labels differ) into run folders,
 * e.g. small runs for a notebook's small mode. The cases come from the
 * config's dataset, split as lib/train splits them. A finished run with the
 * same config is reused, an interrupted one resumed, one with another config
 * replaced (lib/run's trainOrReuse).
 * @returns the two run folders
 */
export async function trainSmallArms(opts: SmallArmsOptions): Promise<Record<LabelMode, string>> {
  const dirs = { binary: path.join(opts.outDir, 'binary'), backsplit: path.join(opts.outDir, 'backsplit') };
  for (const mode of ['binary', 'backsplit'] as const) {
    const config = resolveTrainConfig({ ...(opts.config ?? {}), mode, outputDir: dirs[mode] }, `trainSmallArms ${mode}`);
    if (opts.retrain) fs.rmSync(dirs[mode], { recursive: true, force: true });
    const res = await trainOrReuse({
      config,
      cases: () => {
        const data = loadTrainingData(config);
        return { trainCases: data.trainCases, valCases: data.valCases, datasetInfo: data.info };
      },
      otherConfig: 'replace',
      onProgress: (p) => opts.onProgress?.(mode, p.step, p.totalSteps),
    });
    res.model.dispose();
    opts.onReady?.(mode, dirs[mode], res.reused);
  }
  return dirs;
}

/**
 * Find a binary and a BackSplit run folder inside `dir`: either `binary/` and
 * `backsplit/`, or the study layout `binary-seed<N>/` and `backsplit-seed<N>/`
 * (the smallest seed present for both). Returns null when there is no pair.
 */
export function findArmRuns(dir: string): Record<LabelMode, string> | null {
  if (!fs.existsSync(dir)) return null;
  const plain = { binary: path.join(dir, 'binary'), backsplit: path.join(dir, 'backsplit') };
  if (isRunFolder(plain.binary) && isRunFolder(plain.backsplit)) return plain;
  const seeds = fs
    .readdirSync(dir)
    .map((f) => /^binary-seed(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  for (const s of seeds) {
    const pair = { binary: path.join(dir, `binary-seed${s}`), backsplit: path.join(dir, `backsplit-seed${s}`) };
    if (isRunFolder(pair.binary) && isRunFolder(pair.backsplit)) return pair;
  }
  return null;
}

