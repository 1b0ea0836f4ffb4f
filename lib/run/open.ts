/**
 * Opening a run folder: its config, meta and checkpoint list, and the network
 * with the weights of one checkpoint — the one way Fisher experiments, predict,
 * eval, notebooks and the CLI read a trained run.
 */
import * as fs from 'fs';
import { createModel, SegmentationModel } from '../model/model';
import { restoreVariables } from '../model/params';
import { TrainConfig } from '../train/config';
import { ClassLayout } from '../train/prepare';
import { checkpointWeights, loadCheckpoint, runCheckpoints } from './checkpoint';
import { isRunFolder, runPaths } from './layout';
import { RunMeta } from './meta';

/** A run folder's config, meta and checkpoints (no weights loaded). */
export interface RunFolder {
  runDir: string;
  config: TrainConfig;
  meta: RunMeta;
  /** Checkpoints in step order; final.ckpt last when present. */
  checkpoints: { step: number; file: string }[];
}

/** A network with the weights of one step and the class layout it was trained with. */
export interface RunModel {
  model: SegmentationModel;
  layout: ClassLayout;
  /** Training step of the weights (0 = the seeded initialisation). */
  step: number;
}

/** A run folder with the network of one of its checkpoints loaded. */
export interface LoadedRun extends RunFolder, RunModel {
  /** The checkpoint file the weights came from (null for step 0). */
  checkpoint: string | null;
}

/**
 * Read a run folder's config, meta and checkpoint list (no weights yet).
 * @throws naming the folder when config.json, meta.json or every checkpoint is missing
 */
export function openRun(runDir: string): RunFolder {
  const p = runPaths(runDir);
  if (!isRunFolder(runDir)) throw new Error(`openRun: ${runDir} is not a training run folder (expected config.json and meta.json)`);
  const config = JSON.parse(fs.readFileSync(p.config, 'utf8')) as TrainConfig;
  const meta = JSON.parse(fs.readFileSync(p.meta, 'utf8')) as RunMeta;
  const checkpoints = runCheckpoints(runDir, config.steps);
  if (checkpoints.length === 0) throw new Error(`openRun: ${runDir} has no checkpoint (expected checkpoints/final.ckpt or checkpoints/step-*.ckpt)`);
  return { runDir, config, meta, checkpoints };
}

/**
 * The network of a run with the weights of one checkpoint (default: the last,
 * i.e. final.ckpt when present). `step: 0` gives the seeded initial weights.
 * @throws naming the folder and the steps it has when there is no checkpoint at `step`
 */
export function loadRunModel(run: RunFolder, step?: number): RunModel & { checkpoint: string | null } {
  const model = createModel(run.meta.modelConfig, run.config.seed);
  const target = step ?? run.checkpoints[run.checkpoints.length - 1].step;
  if (target === 0) return { model, layout: run.meta.layout, step: 0, checkpoint: null };
  const ck = run.checkpoints.find((c) => c.step === target);
  if (!ck) {
    model.dispose();
    throw new Error(`loadRunModel: ${run.runDir} has no checkpoint at step ${target} (has ${run.checkpoints.map((c) => c.step).join(', ')})`);
  }
  restoreVariables(model.variables, checkpointWeights(loadCheckpoint(ck.file)), ck.file);
  return { model, layout: run.meta.layout, step: target, checkpoint: ck.file };
}

/**
 * Open a run folder and load its network at `step` (default: final.ckpt, else the newest checkpoint).
 * @example
 * const run = loadRun('runs/study/backsplit-seed0');
 * const p = await predictCase(run.model, run.layout, c, { patchSize: run.config.patchSize, rule: 'argmaxIsLesion' });
 * run.model.dispose();
 */
export function loadRun(runDir: string, step?: number): LoadedRun {
  const run = openRun(runDir);
  return { ...run, ...loadRunModel(run, step) };
}

/**
 * One line on a run folder: its path, network, parameters, classes and checkpoint steps.
 * @example describeRun(openRun('runs/backsplit')) // "runs/backsplit — unet [4,8], 1234 parameters, 5 classes (background, ...), checkpoints at steps 10, 20, 40"
 */
export function describeRun(r: RunFolder): string {
  return `${r.runDir} — ${r.meta.modelConfig.family} [${r.meta.modelConfig.channels}], ${r.meta.parameterCount} parameters, ` +
    `${r.meta.layout.numClasses} classes (${r.meta.layout.classNames.join(', ')}), checkpoints at steps ${r.checkpoints.map((c) => c.step).join(', ')}`;
}
