/**
 * Train-or-reuse of a run folder: reuse the run when it has finished with the
 * same config, resume it when it was interrupted, else train it — the one
 * place the study pipeline, the notebooks and the Fisher experiments decide
 * whether a run needs training.
 */
import * as fs from 'fs';
import type { SegmentationCase } from '../core/types';
import type { SegmentationModel } from '../model/model';
import type { TrainConfig } from '../train/config';
import type { ClassLayout } from '../train/prepare';
import type { TrainProgress } from '../train/progress';
import { checkTrainMemory } from '../train/memory';
import { isFinishedRun, isRunFolder, runPaths } from './layout';
import { lossCurve, readRunMetrics } from './metrics';
import { loadRun } from './open';
import { train, TrainOptions, TrainResult } from './train-run';

/** The cases a run trains on (`valCases` for validation). */
export interface RunCases {
  trainCases: SegmentationCase[];
  valCases?: SegmentationCase[];
  /** Recorded in meta.json (e.g. the dataset hash). */
  datasetInfo?: Record<string, unknown>;
}

export interface TrainOrReuseOptions {
  config: TrainConfig;
  /** The training cases, or a function giving them, called only when the run needs training. */
  cases: RunCases | (() => RunCases);
  /** Run folder (resumable, reused when finished); null = train in memory only. Default config.outputDir. */
  runDir?: string | null;
  /**
   * What a folder holding a run with another config gets: 'error' (default; the message names the
   * folder) or 'replace' (train it afresh, discarding the old run).
   */
  otherConfig?: 'error' | 'replace';
  /** See TrainOptions.restart: train from step 0 when the folder's checkpoints are all unreadable (default: error). */
  restart?: boolean;
  /** Called once, right before training starts (not when the run is reused). */
  onTrainStart?: () => void;
  onProgress?: (p: TrainProgress) => void;
  /** Passed to train (TrainOptions.onValidationMaps); never called when the run is reused. */
  onValidationMaps?: TrainOptions['onValidationMaps'];
  /** Recorded in meta.json. */
  backendReport?: unknown;
}

export interface TrainOrReuseResult {
  model: SegmentationModel;
  layout: ClassLayout;
  /** Training loss per logged step (every step when trained in memory; every logEvery steps from metrics.jsonl otherwise). */
  lossCurve: { step: number; loss: number }[];
  /** Training speed of this call; null when the run was reused. */
  stepsPerSecond: number | null;
  /** True when a finished run was loaded instead of trained. */
  reused: boolean;
  /** The training call's result (absent when reused). */
  trained?: TrainResult;
}

/** The config.json a run folder holds, or undefined when it has none (or it does not parse). */
export function storedConfig(runDir: string): TrainConfig | undefined {
  try {
    return JSON.parse(fs.readFileSync(runPaths(runDir).config, 'utf8')) as TrainConfig;
  } catch {
    return undefined;
  }
}

/**
 * What {@link trainOrReuse} will do with `runDir` for `config`, without doing it: 'reuse' a finished
 * run with this config, 'resume' an interrupted one, 'replace' (or refuse) a finished run with
 * another config, or 'train' an empty folder.
 */
export function reuseStatus(config: TrainConfig, runDir: string): 'reuse' | 'resume' | 'replace' | 'train' {
  if (!fs.existsSync(runDir) || !isRunFolder(runDir)) return 'train';
  const same = JSON.stringify(storedConfig(runDir)) === JSON.stringify(config);
  if (isFinishedRun(runDir)) return same ? 'reuse' : 'replace';
  return same ? 'resume' : 'replace';
}

/**
 * Reuse a finished run with exactly this config (outputDir included), resume an interrupted
 * one, else train. A folder with another config is an error naming it, or (otherConfig
 * 'replace') trained afresh.
 * @example
 * const res = await trainOrReuse({ config, cases: { trainCases, valCases } });
 * if (res.reused) console.log(`reused ${config.outputDir}`);
 */
export async function trainOrReuse(opts: TrainOrReuseOptions): Promise<TrainOrReuseResult> {
  const { config } = opts;
  const runDir = opts.runDir === undefined ? config.outputDir : opts.runDir;
  const replace = opts.otherConfig === 'replace';
  let resume = true;
  if (runDir) {
    const same = JSON.stringify(storedConfig(runDir)) === JSON.stringify(config);
    if (isFinishedRun(runDir) && same) {
      const run = loadRun(runDir);
      return { model: run.model, layout: run.layout, lossCurve: lossCurve(readRunMetrics(runDir, { missingOk: true })), stepsPerSecond: null, reused: true };
    }
    if (isFinishedRun(runDir) && !replace) {
      throw new Error(`trainOrReuse: ${runDir} holds a finished run with another config; delete the folder or choose another one`);
    }
    // an interrupted run with the same config resumes; one with another config is refused by train() unless replaced
    if (!same && replace) resume = false;
  }
  // refuse a config that cannot fit before its cases are generated or loaded
  checkTrainMemory(config, null, { source: `trainOrReuse ${runDir ?? '(in memory)'}` });
  const cases = typeof opts.cases === 'function' ? opts.cases() : opts.cases;
  opts.onTrainStart?.();
  const res = await train({
    config,
    trainCases: cases.trainCases,
    valCases: cases.valCases,
    runDir,
    resume,
    restart: opts.restart,
    onProgress: opts.onProgress,
    onValidationMaps: opts.onValidationMaps,
    backendReport: opts.backendReport,
    datasetInfo: cases.datasetInfo,
  });
  const curve = runDir ? lossCurve(readRunMetrics(runDir, { missingOk: true })) : res.lossCurve;
  return { model: res.model, layout: res.layout, lossCurve: curve, stepsPerSecond: res.stepsPerSecond, reused: false, trained: res };
}
