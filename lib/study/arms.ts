/**
 * The arms of the study side by side in a notebook: train (or reuse) a
 * binary and a BackSplit run (or any list of arms, lib/train/arms.ts) for every
 * seed with a live progress line, the
 * table of what was trained and how fast, picking the test case with the most
 * lesion voxels, and predicting it with one seed's pair of models. The training
 * itself is lib/run's trainOrReuse with the study's run configs.
 */
import * as fs from 'fs';
import type { BackendReport } from '../backend/index';
import type { SegmentationCase } from '../core/types';
import { formatTable } from '../core/format';
import type { CollapseRule } from '../labels/collapse';
import type { ArmName } from '../train/arms';
import { notebookProgress } from '../train/progress';
import { meanFinalLoss } from '../run/metrics';
import { predictCase, CasePrediction } from '../run/predict';
import { reuseStatus, trainOrReuse, TrainOrReuseResult } from '../run/reuse';
import type { StudyConfig } from './config';
import { studyRunConfig } from './pipeline';

/** One trained (or reused) run of one arm and seed. */
export interface TrainedArm {
  mode: ArmName;
  seed: number;
  result: TrainOrReuseResult;
}

/** Options of {@link trainStudyArms}. */
export interface TrainArmsOptions {
  /** Write (and reuse) run folders at the study's paths; false trains in memory. */
  persist: boolean;
  backendReport?: BackendReport;
  /** With persist: delete each run folder first and train afresh instead of reusing a finished run. */
  retrain?: boolean;
  /** Where the lines saying what is reused and what is trained go (default console.log). */
  log?: (line: string) => void;
  /** The arms to train, in order (default binary then backsplit; all of them: ARM_NAMES). */
  arms?: readonly ArmName[];
}

/**
 * Before training: one line per run folder saying whether its run will be reused, resumed or
 * trained (and where), then how to change that. In memory (persist false) nothing is reused.
 */
export function announceArmRuns(study: StudyConfig, opts: Pick<TrainArmsOptions, 'persist' | 'retrain' | 'arms'>): string[] {
  const runs = study.seeds.flatMap((seed) => (opts.arms ?? (['binary', 'backsplit'] as const)).map((mode) => ({ mode, seed, config: studyRunConfig(study, mode, seed) })));
  if (!opts.persist) return [`training ${runs.length} runs in memory (nothing is read from or written to a run folder)`];
  const lines = runs.map(({ mode, seed, config }) => {
    const dir = config.outputDir;
    const status = opts.retrain ? (fs.existsSync(dir) ? 'discard' : 'train') : reuseStatus(config, dir);
    const what = {
      reuse: 'REUSE the finished run there (same config; trained earlier by npm run reproduce or a previous run of this notebook)',
      resume: 'resume the interrupted run there',
      replace: 'holds a finished run with another config: trainOrReuse will refuse it (delete the folder or set retrain = true)',
      discard: 'retrain = true: delete it and train afresh',
      train: 'train (no run there yet)',
    }[status];
    return `${mode.padEnd(9)} seed ${seed}: ${dir}: ${what}`;
  });
  const reused = lines.filter((l) => l.includes('REUSE')).length;
  lines.push(reused
    ? `${reused} of ${runs.length} runs will be reused, not trained: set retrain = true to train them again.`
    : `all ${runs.length} runs will be trained here (${opts.retrain ? 'retrain = true' : 'none finished yet'}).`);
  return lines;
}

/**
 * Train or reuse the arms (default binary and backsplit) for every seed of the study (seed by
 * seed, arms in the given order), each with a notebook progress line labelled by arm and seed. It first says, per run folder, what will be
 * reused and what trained ({@link announceArmRuns}); `retrain` trains every run afresh.
 */
export async function trainStudyArms(study: StudyConfig, trainCases: SegmentationCase[], opts: TrainArmsOptions): Promise<TrainedArm[]> {
  const log = opts.log ?? ((line: string) => console.log(line));
  for (const line of announceArmRuns(study, opts)) log(line);
  const trained: TrainedArm[] = [];
  for (const seed of study.seeds) {
    for (const mode of opts.arms ?? (['binary', 'backsplit'] as const)) {
      const config = studyRunConfig(study, mode, seed);
      if (opts.persist && opts.retrain) fs.rmSync(config.outputDir, { recursive: true, force: true });
      const progress = notebookProgress({ label: `${mode.padEnd(9)} seed ${seed}` });
      const result = await trainOrReuse({
        config, cases: { trainCases }, runDir: opts.persist ? config.outputDir : null, onProgress: progress.update, backendReport: opts.backendReport,
      });
      progress.done();
      if (result.reused) log(`${mode.padEnd(9)} seed ${seed}: finished run reused from ${config.outputDir}`);
      trained.push({ mode, seed, result });
    }
  }
  return trained;
}

/**
 * One line: how many runs, in how many seconds, and their mean training speed ('all reused' when none trained).
 * @param seconds wall-clock seconds of the whole training
 * @param backendName the backend the speed was measured on
 */
export function describeArmSpeeds(trained: readonly TrainedArm[], seconds: number, backendName: string): string {
  const speeds = trained.filter((t) => t.result.stepsPerSecond !== null);
  return `${trained.length} runs ready in ${seconds.toFixed(1)} s; ` +
    (speeds.length ? `mean speed ${(speeds.reduce((s, t) => s + (t.result.stepsPerSecond as number), 0) / speeds.length).toFixed(2)} steps/s on ${backendName}` : 'all reused');
}

/** Arm, seed, classes, parameters and the mean of the last 5 logged losses, as a table. */
export function formatTrainedArms(trained: readonly TrainedArm[]): string {
  return formatTable(['arm', 'seed', 'classes', 'parameters', 'final loss (mean of last 5 logged)'], trained.map((t) => [
    t.mode, t.seed, t.result.layout.numClasses, t.result.model.parameterCount(), Number(meanFinalLoss(t.result.lossCurve, 5).toFixed(4)),
  ]));
}

/**
 * The run of one arm and seed.
 * @throws Error when there is none
 */
export function armRun(trained: readonly TrainedArm[], mode: ArmName, seed: number): TrainOrReuseResult {
  const found = trained.filter((t) => t.mode === mode && t.seed === seed)[0];
  if (!found) throw new Error(`armRun: no ${mode} run with seed ${seed}`);
  return found.result;
}

/** The case with the most lesion voxels (the first of equals, in the given order). */
export function largestLesionCase<C extends SegmentationCase>(cases: readonly C[]): C {
  if (cases.length === 0) throw new RangeError('largestLesionCase: no cases');
  const voxels = (c: C) => {
    let n = 0;
    for (let v = 0; v < c.lesion.data.length; v++) n += c.lesion.data[v];
    return n;
  };
  return cases.slice().sort((a, b) => voxels(b) - voxels(a))[0];
}

/** Predict one case with a binary and a BackSplit model (binary first), with the same options. */
export async function predictArmPair(
  runs: { binary: TrainOrReuseResult; backsplit: TrainOrReuseResult },
  c: SegmentationCase,
  opts: { patchSize: number[]; overlap: number; rule: CollapseRule },
): Promise<{ binary: CasePrediction; backsplit: CasePrediction }> {
  const binary = await predictCase(runs.binary.model, runs.binary.layout, c, opts);
  const backsplit = await predictCase(runs.backsplit.model, runs.backsplit.layout, c, opts);
  return { binary, backsplit };
}
