/**
 * Small helpers for the course notebooks 03 (training) and 05 (evaluation):
 * the per-run training config the study uses, train-or-reuse of a run folder,
 * whole-case predictions with the maps a slice view needs, and per-arm metric
 * means. (Notebook 06's MSD helpers live in lib/data/msd.ts and
 * lib/data/synthetic-totalseg.ts.)
 * The library does the work; these only package it for a notebook cell.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { LabelMode, SegmentationCase } from '../data/types';
import type { TidyRow } from '../eval/tidy';
import { makeVolume, Volume } from '../io/volume';
import type { SegmentationModel } from '../model/model';
import { resolveTrainConfig, TrainConfig } from '../train/config';
import { ClassLayout, prepareCase } from '../train/prepare';
import { argmaxClasses, slidingWindowProbabilities } from '../train/inference';
import type { TrainProgress } from '../train/progress';
import { loadRun, train } from '../train/trainer';
import type { StudyConfig } from './config';

/**
 * The resolved training config of one run of the study: the study's shared
 * settings plus mode, seed, run folder and dataset — the same object
 * `runStudy` trains with, so a run trained from a notebook is reused by the study.
 * @param cfg study configuration
 * @param mode 'binary' or 'backsplit'
 * @param seed training seed
 * @example
 * const config = studyRunConfig(studyPreset('default'), 'backsplit', 0); // outputDir runs/study/backsplit-seed0
 */
export function studyRunConfig(cfg: StudyConfig, mode: LabelMode, seed: number): TrainConfig {
  const runDir = path.join(cfg.runsDir, `${mode}-seed${seed}`);
  return resolveTrainConfig({ ...cfg.train, mode, seed, outputDir: runDir, dataset: cfg.dataset }, `study ${mode} seed ${seed}`);
}

export interface TrainOrLoadOptions {
  config: TrainConfig;
  trainCases: SegmentationCase[];
  valCases?: SegmentationCase[];
  /** Run folder (resumable, reused when finished); null = train in memory only. */
  runDir: string | null;
  onProgress?: (p: TrainProgress) => void;
  backendReport?: unknown;
}

export interface TrainOrLoadResult {
  model: SegmentationModel;
  layout: ClassLayout;
  /** Training loss per logged step (every step when trained in memory; every logEvery steps from metrics.jsonl when reused). */
  lossCurve: { step: number; loss: number }[];
  /** Training speed of this call; null when the run was reused. */
  stepsPerSecond: number | null;
  /** True when a finished run was loaded instead of trained. */
  reused: boolean;
}

/** Training-loss points of a run folder's metrics.jsonl (type 'train'). */
export function readLossCurve(runDir: string): { step: number; loss: number }[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  const out: { step: number; loss: number }[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as { type?: string; step?: number; loss?: number };
    if (m.type === 'train' && typeof m.loss === 'number' && typeof m.step === 'number') out.push({ step: m.step, loss: m.loss });
  }
  return out;
}

/**
 * Train a run, or load it when `runDir` already holds a finished run with the same config
 * (a different config is an error naming the folder, as in `runStudy`).
 */
export async function trainOrLoad(opts: TrainOrLoadOptions): Promise<TrainOrLoadResult> {
  const { runDir, config } = opts;
  if (runDir && fs.existsSync(path.join(runDir, 'checkpoints', 'final.ckpt'))) {
    const loaded = loadRun(runDir);
    if (JSON.stringify(loaded.config) !== JSON.stringify(config)) {
      loaded.model.dispose();
      throw new Error(`trainOrLoad: ${runDir} holds a finished run with another config; delete the folder or choose another one`);
    }
    return { model: loaded.model, layout: loaded.meta.layout, lossCurve: readLossCurve(runDir), stepsPerSecond: null, reused: true };
  }
  const res = await train({ config, trainCases: opts.trainCases, valCases: opts.valCases, runDir, resume: true, onProgress: opts.onProgress, backendReport: opts.backendReport });
  return { model: res.model, layout: res.layout, lossCurve: runDir ? readLossCurve(runDir) : res.lossCurve, stepsPerSecond: res.stepsPerSecond, reused: false };
}

export interface CasePrediction {
  /** Class-major probabilities probs[k·N + voxel]. */
  probabilities: Float32Array;
  /** p(lesion) per voxel, on the case's grid. */
  lesionProbability: Volume<Float32Array>;
  /** Arg-max class per voxel (the layout's class ids). */
  classMap: Volume<Uint8Array>;
  /** Lesion mask by the arg-max rule (1 = lesion). */
  lesionMask: Volume<Uint8Array>;
  /** Predicted auxiliary classes (arg-max, lesion voxels set to 0); null for a binary layout. */
  auxMap: Volume<Uint8Array> | null;
}

/**
 * Whole-case prediction of a trained model with the maps notebooks plot and evaluate.
 * @param model trained model
 * @param layout its class layout (binary or BackSplit)
 * @param c the case (its lesion/aux maps are only used for the layout's target, not for prediction)
 * @param opts sliding-window patch size and overlap (default 0.5)
 */
export async function predictCase(
  model: SegmentationModel,
  layout: ClassLayout,
  c: SegmentationCase,
  opts: { patchSize: number[]; overlap?: number },
): Promise<CasePrediction> {
  const prepared = prepareCase(c, layout);
  const probs = await slidingWindowProbabilities(model, prepared.channels, prepared.dims, { patchSize: opts.patchSize, overlap: opts.overlap ?? 0.5 });
  const n = prepared.target.length;
  if (probs.length !== n * layout.numClasses) {
    throw new Error(`predictCase: case ${c.id}: expected ${n * layout.numClasses} probabilities (${layout.numClasses} classes), got ${probs.length}`);
  }
  const grid = c.lesion;
  const classes = argmaxClasses(probs, layout.numClasses);
  const lesion = new Uint8Array(n);
  for (let v = 0; v < n; v++) lesion[v] = classes[v] === layout.lesionClass ? 1 : 0;
  let auxMap: Volume<Uint8Array> | null = null;
  if (layout.mode === 'backsplit') {
    const aux = Uint8Array.from(classes, (k) => (k === layout.lesionClass ? 0 : k));
    auxMap = makeVolume(aux, grid.dims, grid.spacing, grid.affine);
  }
  return {
    probabilities: probs,
    lesionProbability: makeVolume(probs.slice(layout.lesionClass * n, (layout.lesionClass + 1) * n), grid.dims, grid.spacing, grid.affine),
    classMap: makeVolume(classes, grid.dims, grid.spacing, grid.affine),
    lesionMask: makeVolume(lesion, grid.dims, grid.spacing, grid.affine),
    auxMap,
  };
}

export interface ArmMetricMean {
  metric: string;
  arm: string;
  /** Mean over cases of the per-case value (each case first averaged over seeds); null when no value. */
  mean: number | null;
  /** Cases with a value. */
  cases: number;
}

/**
 * Per-arm means of lesion-scope metrics, pairing nothing: each case's values are averaged over
 * seeds first, then over cases (the same per-case values the paired comparisons use).
 * @param rows tidy rows (e.g. summarizeStudy(...).rows)
 * @param arms model names, e.g. ['binary', 'backsplit', 'backsplit-sumrule']
 * @param metrics metric names, e.g. ['dice', 'lesion_fp']
 */
export function armMetricMeans(rows: readonly TidyRow[], arms: string[], metrics: string[]): ArmMetricMean[] {
  const out: ArmMetricMean[] = [];
  for (const metric of metrics) {
    for (const arm of arms) {
      const perCase = new Map<string, number[]>();
      for (const r of rows) {
        if (r.model !== arm || r.metric !== metric || r.value === null || !Number.isFinite(r.value)) continue;
        const list = perCase.get(r.case) || [];
        list.push(r.value);
        perCase.set(r.case, list);
      }
      const caseMeans = [...perCase.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
      out.push({ metric, arm, mean: caseMeans.length ? caseMeans.reduce((a, b) => a + b, 0) / caseMeans.length : null, cases: caseMeans.length });
    }
  }
  return out;
}
