/**
 * Fisher experiments on trained segmentation networks: the thin orchestration
 * that notebook 04 and `backsplit fisher` call, so that they only explain and
 * plot. It connects lib/train's run folders (config.json, meta.json,
 * checkpoints/) to the estimators of this folder:
 *
 *  - evaluation patches: the same image patches, with the labels of both
 *    modes, for every model compared (binary and BackSplit see the same x);
 *  - the Fisher of one model (Monte-Carlo, exact or empirical) under its
 *    multiclass likelihood Y and the lesion-vs-rest likelihood Z, with
 *    per-variable traces named like the network's layers ('enc0/conv1/kernel');
 *  - the Fisher and the gradient noise at every checkpoint of a run;
 *  - small binary + BackSplit training runs for small (smoke) mode.
 *
 * For a binary model (2 classes) Z is Y, so its F_Y and F_Z coincide; the
 * theorem's ordering F_Y ⪰ F_Z at the same θ is visible on a BackSplit model.
 * Two separately trained models sit at different θ: comparing them is an
 * empirical observation, not the theorem's comparison.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Random } from '../data/random';
import { LabelMode, SegmentationCase } from '../data/types';
import { createModel, SegmentationModel } from '../model/model';
import { restoreVariables } from '../model/params';
import { listCheckpoints, loadCheckpoint } from '../train/checkpoint';
import { resolveTrainConfig, TrainConfig } from '../train/config';
import { ClassLayout, classLayout, loadTrainingData, prepareCase } from '../train/prepare';
import { extractBatch, patch3, samplePatchOrigins } from '../train/sampler';
import { checkpointWeights, RunMeta, train } from '../train/trainer';
import { fisherTraceMaps, lesionVsRest } from './closed-form';
import { gradientNoise, GradientNoiseStats } from './gradient-noise';
import { FisherBatch, Likelihood, ProgressFn } from './network';
import { fisherReport, FisherReport, LikelihoodTraces, ReportKind } from './report';

/** Image patches shared by every model compared, with the observed labels of each mode. */
export interface FisherPatches {
  /** Network input, channels last: [N, H, W, C] for 2D patches, [N, D, H, W, C] for 3D. */
  images: Float32Array;
  shape: number[];
  /** Observed class maps [N, ...spatial] per mode ('backsplit' only when every case has an aux map). */
  labels: Partial<Record<LabelMode, Int32Array>>;
  layouts: Partial<Record<LabelMode, ClassLayout>>;
  /** Case id and corner [z, y, x] of each patch. */
  origins: { caseId: string; origin: [number, number, number]; forced: boolean }[];
  /** Share of voxels that are lesion in the patches. */
  lesionFraction: number;
}

/** Options of {@link fisherPatches}. */
export interface FisherPatchOptions {
  /** [H, W] (2D, axial slices) or [D, H, W]. */
  patchSize: number[];
  /** Number of patches (default 16). */
  count?: number;
  /** Share of patches centred on a lesion voxel (default 0.5). */
  foregroundFraction?: number;
  /** Seed of the patch positions (default 0). */
  seed?: number;
}

/**
 * Sample evaluation patches once and cut them from the cases with the labels
 * of both modes, so that binary and BackSplit models are measured on exactly
 * the same inputs.
 * @example
 * const patches = fisherPatches(generateSyntheticDataset({ cases: 4 }), { patchSize: [32, 32], count: 8 });
 * @param cases segmentation cases (BackSplit labels need their aux maps)
 * @param opts patch size (required), count (16), foreground fraction (0.5), seed (0)
 */
export function fisherPatches(cases: SegmentationCase[], opts: FisherPatchOptions): FisherPatches {
  if (cases.length === 0) throw new Error('fisherPatches: no cases given');
  const count = opts.count ?? 16;
  if (!Number.isInteger(count) || count < 1) throw new Error(`fisherPatches: count must be a positive integer, got ${count}`);
  const patch = patch3(opts.patchSize);
  const layouts: FisherPatches['layouts'] = { binary: classLayout('binary', cases) };
  if (cases.every((c) => c.aux)) layouts.backsplit = classLayout('backsplit', cases);
  const prepared = { binary: cases.map((c) => prepareCase(c, layouts.binary!)) };
  const origins = samplePatchOrigins(prepared.binary, patch, count, opts.foregroundFraction ?? 0.5, new Random(opts.seed ?? 0).fork('fisher-patches'));
  const labels: FisherPatches['labels'] = {};
  const bin = extractBatch(prepared.binary, origins, patch);
  labels.binary = bin.labels;
  if (layouts.backsplit) {
    const bs = cases.map((c) => prepareCase(c, layouts.backsplit!));
    labels.backsplit = extractBatch(bs, origins, patch).labels;
  }
  const shape = opts.patchSize.length === 2 ? [count, patch[1], patch[2], bin.channels] : [count, ...patch, bin.channels];
  let lesion = 0;
  for (let i = 0; i < bin.labels.length; i++) lesion += bin.labels[i];
  return {
    images: bin.images,
    shape,
    labels,
    layouts,
    origins: origins.map((o) => ({ caseId: cases[o.caseIndex].id, origin: o.origin, forced: o.forced })),
    lesionFraction: lesion / bin.labels.length,
  };
}

/** A trained (or initial) network with the class layout it was trained with. */
export interface ArmModel {
  model: SegmentationModel;
  layout: ClassLayout;
  /** Training step of the weights (0 = initialisation). */
  step: number;
}

/** Options of the Fisher of one model. */
export interface ModelFisherOptions {
  /** 'mc' (default), 'exact' (tiny models only) or 'empirical' (not a Fisher estimate). */
  kind?: ReportKind;
  /** Label samples per patch for 'mc' (default 2). */
  samples?: number;
  /** Seed of the label sampler (default 0). */
  seed?: number;
  onProgress?: ProgressFn;
}

function checkPatches(arm: ArmModel, patches: FisherPatches, fn: string): Int32Array {
  const labels = patches.labels[arm.layout.mode];
  if (!labels) throw new Error(`${fn}: the patches have no '${arm.layout.mode}' labels (do the cases have auxiliary maps?)`);
  const spatial = arm.model.config.spatialDims;
  if (patches.shape.length !== spatial + 2) {
    throw new Error(`${fn}: a ${spatial}D model needs rank-${spatial + 2} patches, got shape [${patches.shape}]`);
  }
  const expected = patches.layouts[arm.layout.mode]!;
  if (expected.numClasses !== arm.layout.numClasses) {
    throw new Error(`${fn}: the model has ${arm.layout.numClasses} classes, the patches' ${arm.layout.mode} labels have ${expected.numClasses}`);
  }
  return labels;
}

/** Store names ('enc0/conv1/kernel') by tfjs variable name ('enc0/conv1/kernel_0_17'). */
function storeNames(model: SegmentationModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, v] of model.variables) out.set(v.name, name);
  return out;
}

function renameLayers(t: LikelihoodTraces, names: Map<string, string>): LikelihoodTraces {
  return { ...t, perLayer: t.perLayer.map((l) => ({ ...l, name: names.get(l.name) ?? l.name })) };
}

/**
 * Fisher traces (total and per variable) of one network under its multiclass
 * likelihood Y and the lesion-vs-rest likelihood Z at the same weights, on the
 * given patches. Variables are named as in the network ('dec0/conv1/kernel').
 * @example
 * const rep = await modelFisher(arm, patches, { kind: 'mc', samples: 2 });
 * console.log(rep.y.trace, rep.z.trace, rep.traceRatio);
 * @param arm the network and its class layout
 * @param patches evaluation patches ({@link fisherPatches})
 * @param opts kind ('mc'), samples (2), seed (0), onProgress
 */
export async function modelFisher(arm: ArmModel, patches: FisherPatches, opts: ModelFisherOptions = {}): Promise<FisherReport> {
  const labels = checkPatches(arm, patches, 'modelFisher');
  const x = tf.tensor(patches.images, patches.shape, 'float32');
  try {
    const report = await fisherReport(
      {
        logits: (input) => arm.model.apply(input, false) as tf.Tensor,
        variables: [...arm.model.variables.values()],
        lesionClass: arm.layout.lesionClass,
        numClasses: arm.layout.numClasses,
      },
      [{ x, labels }],
      { kind: opts.kind ?? 'mc', samples: opts.samples ?? 2, seed: opts.seed ?? 0, onProgress: opts.onProgress },
    );
    const names = storeNames(arm.model);
    return { ...report, y: renameLayers(report.y, names), z: renameLayers(report.z, names) };
  } finally {
    x.dispose();
  }
}

/** Options of {@link modelGradientNoise}. */
export interface GradientNoiseOptions {
  /** Patches per minibatch (default 4); the patches are cut into consecutive minibatches. */
  batchSize?: number;
  /** 'y' (the model's own training labels, default) or 'z' (lesion vs rest). */
  likelihood?: Likelihood;
  onProgress?: ProgressFn;
}

/**
 * Gradient noise of the cross-entropy over minibatches of the patches: per
 * variable, ‖mean gradient‖², the trace of the minibatch-gradient covariance
 * and their ratio (noise-to-signal). Training minimises Dice + CE; this looks
 * at the CE part, which is the likelihood the Fisher describes.
 * @param arm the network and its class layout
 * @param patches evaluation patches; at least 2·batchSize of them
 * @param opts batchSize (4), likelihood ('y'), onProgress
 */
export async function modelGradientNoise(arm: ArmModel, patches: FisherPatches, opts: GradientNoiseOptions = {}): Promise<GradientNoiseStats> {
  const labels = checkPatches(arm, patches, 'modelGradientNoise');
  const B = opts.batchSize ?? 4;
  const N = patches.shape[0];
  const nb = Math.floor(N / B);
  if (!Number.isInteger(B) || B < 1 || nb < 2) throw new Error(`modelGradientNoise: need at least 2 minibatches of ${B} patches, have ${N} patches`);
  const per = patches.images.length / N;
  const perLabel = labels.length / N;
  const batches: FisherBatch[] = [];
  for (let b = 0; b < nb; b++) {
    batches.push({
      x: tf.tensor(patches.images.subarray(b * B * per, (b + 1) * B * per), [B, ...patches.shape.slice(1)], 'float32'),
      labels: labels.subarray(b * B * perLabel, (b + 1) * B * perLabel),
    });
  }
  try {
    const stats = await gradientNoise(
      {
        logits: (input) => arm.model.apply(input, false) as tf.Tensor,
        variables: [...arm.model.variables.values()],
        groups: lesionVsRest(arm.layout.numClasses, arm.layout.lesionClass),
      },
      batches,
      { likelihood: opts.likelihood ?? 'y', onProgress: opts.onProgress },
    );
    const names = storeNames(arm.model);
    return { ...stats, perVariable: stats.perVariable.map((v) => ({ ...v, name: names.get(v.name) ?? v.name })) };
  } finally {
    batches.forEach((b) => b.x.dispose());
  }
}

/**
 * The layer a variable belongs to: its name without the parameter leaf
 * ('enc0/conv1/kernel', 'enc0/conv1/norm/gamma' → 'enc0/conv1').
 */
export function layerOfVariable(name: string): string {
  const parts = name.split('/');
  if (parts.length > 1) parts.pop();
  if (parts.length > 1 && parts[parts.length - 1] === 'norm') parts.pop();
  return parts.join('/');
}

/** Per-layer sums of per-variable traces, in network order. */
export function tracesByLayer(perVariable: { name: string; size: number; trace: number }[]): { name: string; size: number; trace: number }[] {
  const out: { name: string; size: number; trace: number }[] = [];
  for (const v of perVariable) {
    const layer = layerOfVariable(v.name);
    let row = out.find((r) => r.name === layer);
    if (!row) {
      row = { name: layer, size: 0, trace: 0 };
      out.push(row);
    }
    row.size += v.size;
    row.trace += v.trace;
  }
  return out;
}

/** A FisherReport with per-layer (not per-variable) traces, e.g. for plots with one bar per layer. */
export function reportByLayer(report: FisherReport): FisherReport {
  const fold = (t: LikelihoodTraces): LikelihoodTraces => ({
    ...t,
    perLayer: tracesByLayer(t.perLayer).map((l) => ({ name: l.name, shape: [l.size], size: l.size, trace: l.trace })),
  });
  return { ...report, y: fold(report.y), z: fold(report.z) };
}

/** A run folder written by lib/train, read for Fisher measurements. */
export interface FisherRun {
  runDir: string;
  config: TrainConfig;
  meta: RunMeta;
  /** Checkpoints in step order; 'final' last when present. */
  checkpoints: { step: number; file: string }[];
}

/**
 * Read a run folder's config, meta and checkpoint list (no weights yet).
 * @throws naming the folder when config.json, meta.json or every checkpoint is missing
 */
export function openRun(runDir: string): FisherRun {
  const cfgFile = path.join(runDir, 'config.json');
  const metaFile = path.join(runDir, 'meta.json');
  if (!fs.existsSync(cfgFile) || !fs.existsSync(metaFile)) {
    throw new Error(`openRun: ${runDir} is not a training run folder (expected config.json and meta.json)`);
  }
  const config = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as TrainConfig;
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as RunMeta;
  const ckDir = path.join(runDir, 'checkpoints');
  const checkpoints: FisherRun['checkpoints'] = fs.existsSync(ckDir) ? listCheckpoints(ckDir).map((c) => ({ step: c.step, file: c.file })) : [];
  const finalFile = path.join(ckDir, 'final.ckpt');
  if (fs.existsSync(finalFile) && !checkpoints.some((c) => c.step === config.steps)) checkpoints.push({ step: config.steps, file: finalFile });
  if (checkpoints.length === 0) throw new Error(`openRun: ${runDir} has no checkpoint (expected checkpoints/final.ckpt or checkpoints/step-*.ckpt)`);
  return { runDir, config, meta, checkpoints };
}

/**
 * The network of a run with the weights of one checkpoint (default: the last,
 * i.e. final.ckpt when present). `step: 0` gives the seeded initial weights.
 */
export function loadArm(run: FisherRun, step?: number): ArmModel {
  const model = createModel(run.meta.modelConfig, run.config.seed);
  const target = step ?? run.checkpoints[run.checkpoints.length - 1].step;
  if (target !== 0) {
    const ck = run.checkpoints.find((c) => c.step === target);
    if (!ck) {
      model.dispose();
      throw new Error(`loadArm: ${run.runDir} has no checkpoint at step ${target} (has ${run.checkpoints.map((c) => c.step).join(', ')})`);
    }
    restoreVariables(model.variables, checkpointWeights(loadCheckpoint(ck.file)), ck.file);
  }
  return { model, layout: run.meta.layout, step: target };
}

/**
 * Evaluation patches for a run: cut from its validation cases (held out from
 * training) when it has any, else from its training cases, as its config
 * names them (the synthetic dataset is regenerated from its seed).
 * @param opts patch count, seed and foreground fraction; the patch size is the run's
 * @param baseDir folder a relative manifest path in the run's config is relative to (default cwd)
 */
export function runPatches(run: FisherRun, opts: Omit<FisherPatchOptions, 'patchSize'> = {}, baseDir = process.cwd()): FisherPatches {
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
export async function fisherThroughTraining(run: FisherRun, patches: FisherPatches, opts: ThroughTrainingOptions = {}): Promise<CheckpointFisher[]> {
  const steps = [...((opts.includeInitial ?? true) ? [0] : []), ...run.checkpoints.map((c) => c.step)];
  const out: CheckpointFisher[] = [];
  for (const [i, step] of steps.entries()) {
    const arm = loadArm(run, step);
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
}

/**
 * Train one binary and one BackSplit model with identical settings (same
 * seed, same cases and patches: only the labels differ) into run folders,
 * e.g. small runs for a notebook's small mode. The cases come from the
 * config's dataset, split as lib/train splits them. A finished run with the
 * same config is reused, not retrained.
 * @returns the two run folders
 */
export async function trainSmallArms(opts: SmallArmsOptions): Promise<Record<LabelMode, string>> {
  const dirs = { binary: path.join(opts.outDir, 'binary'), backsplit: path.join(opts.outDir, 'backsplit') };
  for (const mode of ['binary', 'backsplit'] as const) {
    const config = resolveTrainConfig({ ...(opts.config ?? {}), mode, outputDir: dirs[mode] }, `trainSmallArms ${mode}`);
    const cfgFile = path.join(dirs[mode], 'config.json');
    if (fs.existsSync(path.join(dirs[mode], 'checkpoints', 'final.ckpt')) && fs.existsSync(cfgFile)) {
      if (fs.readFileSync(cfgFile, 'utf8') === JSON.stringify(config, null, 2) + '\n') continue;
    }
    const data = loadTrainingData(config);
    const res = await train({
      config,
      trainCases: data.trainCases,
      valCases: data.valCases,
      runDir: dirs[mode],
      resume: false,
      datasetInfo: data.info,
      onProgress: (p) => opts.onProgress?.(mode, p.step, p.totalSteps),
    });
    res.model.dispose();
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
  const isRun = (d: string) => fs.existsSync(path.join(d, 'config.json')) && fs.existsSync(path.join(d, 'meta.json'));
  const plain = { binary: path.join(dir, 'binary'), backsplit: path.join(dir, 'backsplit') };
  if (isRun(plain.binary) && isRun(plain.backsplit)) return plain;
  const seeds = fs
    .readdirSync(dir)
    .map((f) => /^binary-seed(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  for (const s of seeds) {
    const pair = { binary: path.join(dir, `binary-seed${s}`), backsplit: path.join(dir, `backsplit-seed${s}`) };
    if (isRun(pair.binary) && isRun(pair.backsplit)) return pair;
  }
  return null;
}

/** Per-voxel maps of one 2D patch, as rows [H][W] for heat maps. */
export interface PatchTraceMaps {
  caseId: string;
  /** First image channel (z-scored). */
  image: number[][];
  /** Observed label of the model's mode. */
  labels: number[][];
  /** Model probability of the lesion class. */
  lesionProbability: number[][];
  /** Per-voxel traces of I_Y, I_Z and the gap I_Y − I_Z at the model's softmax. */
  y: number[][];
  z: number[][];
  gap: number[][];
}

/**
 * Where in an image the split background adds information: the closed-form
 * per-voxel traces of I_Y, I_Z and their gap at a model's own softmax output,
 * for one 2D patch.
 * @param arm the network (BackSplit for a non-zero gap: with 2 classes the gap is 0)
 * @param patches 2D evaluation patches
 * @param index which patch (default: the one with the most lesion voxels)
 */
export function patchTraceMaps(arm: ArmModel, patches: FisherPatches, index?: number): PatchTraceMaps {
  const labels = checkPatches(arm, patches, 'patchTraceMaps');
  if (patches.shape.length !== 4) throw new Error(`patchTraceMaps: needs 2D patches [N, H, W, C], got shape [${patches.shape}]`);
  const [N, H, W, C] = patches.shape;
  const V = H * W;
  let n = index ?? -1;
  if (n < 0) {
    let best = -1;
    for (let i = 0; i < N; i++) {
      let count = 0;
      for (let v = 0; v < V; v++) if (labels[i * V + v] === arm.layout.lesionClass) count++;
      if (count > best) {
        best = count;
        n = i;
      }
    }
  }
  if (!Number.isInteger(n) || n < 0 || n >= N) throw new Error(`patchTraceMaps: patch index must be in [0, ${N - 1}], got ${n}`);
  const K = arm.layout.numClasses;
  const probs = tf.tidy(() => {
    const x = tf.tensor(patches.images.subarray(n * V * C, (n + 1) * V * C), [1, H, W, C], 'float32');
    return tf.softmax(arm.model.apply(x, false) as tf.Tensor).dataSync() as Float32Array;
  });
  const maps = fisherTraceMaps(probs, lesionVsRest(K, arm.layout.lesionClass));
  const rows = (get: (v: number) => number): number[][] => Array.from({ length: H }, (_, r) => Array.from({ length: W }, (_, c) => get(r * W + c)));
  return {
    caseId: patches.origins[n].caseId,
    image: rows((v) => patches.images[(n * V + v) * C]),
    labels: rows((v) => labels[n * V + v]),
    lesionProbability: rows((v) => probs[v * K + arm.layout.lesionClass]),
    y: rows((v) => maps.y[v]),
    z: rows((v) => maps.z[v]),
    gap: rows((v) => maps.gap[v]),
  };
}
