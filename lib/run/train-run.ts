/**
 * The training loop that writes a run folder: seeded patch sampling and
 * augmentation, Dice+CE loss, Adam/SGD with poly decay and gradient clipping,
 * validation lesion Dice every N steps, atomic checkpoints every N steps and
 * exact resume.
 *
 * Reproducibility: every random draw of step t comes from a stream forked from
 * (seed, t), weights are initialised in JavaScript from the seed, and a
 * checkpoint holds weights + optimizer slots + step. A run resumed from a
 * checkpoint therefore continues bit-identically on cpu/wasm.
 *
 * The folder's files are named in ./layout.ts; metrics.jsonl is written
 * through ./metrics.ts, checkpoints through ./checkpoint.ts.
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { nextMacrotask } from '../core/process';
import { Random } from '../core/random';
import { SegmentationCase } from '../core/types';
import { createModel, SegmentationModel } from '../model/model';
import { totalLoss, validateLossConfig } from '../model/loss';
import { TrainConfig, modelConfigFor } from '../train/config';
import { ClassLayout, PreparedCase, classLayout, prepareCase } from '../train/prepare';
import { applyAuxLabelSettings } from '../train/aux-settings';
import { patch3, sampleBatch } from '../train/sampler';
import { augmentBatch } from '../train/augment';
import { Optimizer, clipByGlobalNorm, polyLearningRate } from '../train/optimizer';
import { TrainProgress } from '../train/progress';
import { slidingWindowProbabilities } from '../train/inference';
import { overlapMetrics } from '../eval/overlap';
import { writeFileAtomic } from '../core/atomic';
import { checkTrainMemory, datasetVoxels } from '../train/memory';
import { CheckpointData, listCheckpoints, loadCheckpoint, moveAsideCorrupt, pruneCheckpoints, runCheckpoints, saveCheckpoint } from './checkpoint';
import { acquireRunLock } from './lock';
import { checkpointName, FINAL_CHECKPOINT, runPaths, sessionMetaFile } from './layout';
import { runMeta } from './meta';
import { MetricsWriter } from './metrics';
import { lesionMask } from './predict';
import { restoreTrainingState, sameConfig, trainingCheckpoint } from './train-state';

/** One validation pass. */
export interface ValidationResult {
  step: number;
  /** Mean lesion Dice over the validation cases. */
  lesionDice: number;
  perCase: { id: string; lesionDice: number }[];
}

export interface TrainOptions {
  /** Resolved configuration (resolveTrainConfig). */
  config: TrainConfig;
  trainCases: SegmentationCase[];
  valCases?: SegmentationCase[];
  /** Run folder; default config.outputDir; null = keep nothing on disk (no checkpoints). */
  runDir?: string | null;
  /** Continue from the newest checkpoint in the run folder when there is one (default true). */
  resume?: boolean;
  /**
   * When the run folder holds checkpoints but none reads back (all corrupt), move them aside and
   * train from step 0 instead of failing (default false: an error naming the files).
   */
  restart?: boolean;
  /** Memory limit of the pre-flight check (lib/train/memory.ts); default BACKSPLIT_MAX_MEMORY_GB, else 80 % of the machine's memory. */
  maxMemoryGB?: number;
  /** Receives warnings (a corrupt checkpoint moved aside, a stale lock taken over); default: stderr. */
  onWarning?: (message: string) => void;
  /** Called after every step. */
  onProgress?: (p: TrainProgress) => void;
  /** Called after every validation pass. */
  onValidation?: (v: ValidationResult) => void;
  /**
   * p(lesion) of each validation case at each validation pass (the softmax lesion channel, the map
   * lib/run/predict's predictCase gives as lesionProbability), by case id: for a caller that would
   * otherwise predict the validation cases again with the final weights.
   */
  onValidationMaps?: (step: number, maps: ReadonlyMap<string, Float32Array>) => void;
  /** Stop after this many completed steps (for tests of interruption); the run is not finalised. */
  stopAfterStep?: number;
  /** Recorded in meta.json (e.g. the backend selection report). */
  backendReport?: unknown;
  /** Recorded in meta.json (e.g. the dataset hash). */
  datasetInfo?: Record<string, unknown>;
}

export interface TrainResult {
  model: SegmentationModel;
  layout: ClassLayout;
  /** Loss of every step run by this call (a resumed run starts at the checkpoint step). */
  lossCurve: { step: number; loss: number }[];
  validation: ValidationResult[];
  runDir: string | null;
  /** Step the run started from (0, or the checkpoint's step when resumed). */
  startStep: number;
  /** Steps completed in total. */
  stepsDone: number;
  /** Mean training speed of this call (steps per second, excluding validation). */
  stepsPerSecond: number;
}

/**
 * Validation lesion Dice of `model` on prepared cases (sliding window over whole
 * volumes, lesion by the arg-max collapse rule).
 */
export async function validateModel(
  model: SegmentationModel,
  cases: PreparedCase[],
  layout: ClassLayout,
  patchSize: number[],
  overlap: number,
  step: number,
  maps?: Map<string, Float32Array>,
): Promise<ValidationResult> {
  const perCase: ValidationResult['perCase'] = [];
  for (const c of cases) {
    const probs = await slidingWindowProbabilities(model, c.channels, c.dims, { patchSize, overlap });
    if (maps) {
      const n = probs.length / layout.numClasses;
      maps.set(c.id, probs.slice(layout.lesionClass * n, (layout.lesionClass + 1) * n));
    }
    const mask = lesionMask(probs, layout, 'argmaxIsLesion');
    perCase.push({ id: c.id, lesionDice: overlapMetrics(mask, c.lesion).dice });
  }
  const lesionDice = perCase.length ? perCase.reduce((s, c) => s + c.lesionDice, 0) / perCase.length : NaN;
  return { step, lesionDice, perCase };
}

/** Everything one call of `train` works with. */
interface Session {
  opts: TrainOptions;
  config: TrainConfig;
  runDir: string | null;
  layout: ClassLayout;
  prepared: PreparedCase[];
  preparedVal: PreparedCase[];
  modelConfig: ReturnType<typeof modelConfigFor>;
  model: SegmentationModel;
  optimizer: Optimizer;
  varList: tf.Variable[];
  byTfName: Map<string, string>;
  metrics: MetricsWriter;
  root: Random;
  patch: [number, number, number];
  shape: number[];
  labelShape: number[];
  lossCurve: TrainResult['lossCurve'];
  validation: ValidationResult[];
  /** Seconds of the last ≤ 20 steps (speed estimate). */
  recent: number[];
  trainSeconds: number;
  smoothed: number;
  /** Losses since the last 'train' record. */
  window: number[];
  lastVal?: number;
  t0: number;
}

/** Prepare cases, layout, model and optimizer of a training call (nothing on disk yet). */
function createSession(opts: TrainOptions): Session {
  const config = opts.config;
  const runDir = opts.runDir === undefined ? config.outputDir : opts.runDir;
  if (opts.trainCases.length === 0) throw new Error('train: no training cases');
  // the protocol's label axes: K merged classes everywhere, label noise on the training cases only
  const trainCases = applyAuxLabelSettings(opts.trainCases, config, { noisy: true });
  const valCases = applyAuxLabelSettings(opts.valCases ?? [], config, { noisy: false });
  const layout = classLayout(config.mode, [...trainCases, ...valCases], { seed: config.seed });
  if (config.loss.classWeights) validateLossConfig(config.loss, layout.numClasses);
  const prepared = trainCases.map((c) => prepareCase(c, layout));
  const preparedVal = valCases.map((c) => prepareCase(c, layout));
  const inChannels = prepared[0].channels.length;
  const modelConfig = modelConfigFor(config, layout.numClasses, inChannels);
  const model = createModel(modelConfig, config.seed);
  const optimizer = new Optimizer(model.variables, { kind: config.optimizer, momentum: config.momentum, weightDecay: config.weightDecay });
  const byTfName = new Map<string, string>();
  for (const [name, v] of model.variables) byTfName.set(v.name, name);
  const patch = patch3(config.patchSize);
  const shape = config.patchSize.length === 2 ? [config.batchSize, patch[1], patch[2], inChannels] : [config.batchSize, ...patch, inChannels];
  return {
    opts,
    config,
    runDir,
    layout,
    prepared,
    preparedVal,
    modelConfig,
    model,
    optimizer,
    varList: [...model.variables.values()],
    byTfName,
    metrics: new MetricsWriter(runDir),
    root: new Random(config.seed).fork('training'),
    patch,
    shape,
    labelShape: shape.slice(0, shape.length - 1),
    lossCurve: [],
    validation: [],
    recent: [],
    trainSeconds: 0,
    smoothed: NaN,
    window: [],
    t0: 0,
  };
}

/** Default warning sink: stderr. */
function warnToStderr(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/**
 * Restore the newest checkpoint that reads back cleanly and return its step. The newer ones that
 * do not read back are moved aside as `*.corrupt` with a warning naming each. When none reads
 * back: an error naming the files (they stay in place), or with `restart` they are moved aside
 * and null is returned (train from step 0).
 */
function resumeFrom(s: Session, runDir: string, existing: { step: number; file: string }[]): number | null {
  const bad: { file: string; reason: string }[] = [];
  const warn = s.opts.onWarning ?? warnToStderr;
  const moveAside = () => {
    for (const b of bad) warn(`checkpoint ${b.file} is unreadable (${b.reason}); moved aside as ${moveAsideCorrupt(b.file)}`);
  };
  for (let i = existing.length - 1; i >= 0; i--) {
    let ck: CheckpointData;
    try {
      ck = loadCheckpoint(existing[i].file);
    } catch (err) {
      bad.push({ file: existing[i].file, reason: (err as Error).message.replace(`${existing[i].file}: `, '') });
      continue;
    }
    moveAside();
    restoreTrainingState(s.model, s.optimizer, ck, existing[i].file);
    return ck.step;
  }
  if (!s.opts.restart) {
    const list = bad.map((b) => `${b.file} (${b.reason})`).join('; ');
    throw new Error(
      `train: ${runDir} holds ${bad.length} checkpoint(s) but none is readable: ${list}. ` +
        `Pass --restart (API: restart: true) to move them aside and train from step 0, or remove them.`,
    );
  }
  moveAside();
  warn(`${runDir}: no readable checkpoint; training from step 0 (--restart)`);
  return null;
}

/**
 * Open the run folder: resume from its newest checkpoint when it holds one (and
 * the config matches), else start it afresh; then write this session's meta.
 * @returns the step training starts from
 */
function openRunFolder(s: Session, runDir: string): number {
  const { config, opts } = s;
  const p = runPaths(runDir);
  fs.mkdirSync(p.checkpoints, { recursive: true });
  let resumed: number | null = null;
  // a finished run (final.ckpt) counts as a checkpoint at the last step: re-running it trains nothing
  const existing = (opts.resume ?? true) ? runCheckpoints(runDir, config.steps) : [];
  if (existing.length > 0 && fs.existsSync(p.config)) {
    const prev = JSON.parse(fs.readFileSync(p.config, 'utf8')) as TrainConfig;
    if (!sameConfig(prev, config)) {
      throw new Error(`train: ${runDir} holds a run with a different config.json; choose another outputDir or delete the folder to start over`);
    }
    resumed = resumeFrom(s, runDir, existing);
  }
  const startStep = resumed ?? 0;
  if (resumed !== null) {
    // drop metrics written after the checkpoint we resume from
    s.metrics.keepUpTo(startStep);
  } else {
    for (const c of listCheckpoints(p.checkpoints)) fs.rmSync(c.file, { force: true });
    fs.rmSync(p.final, { force: true });
    writeFileAtomic(p.config, JSON.stringify(config, null, 2) + '\n');
    s.metrics.reset();
  }
  const meta = runMeta(config, s.layout, s.modelConfig, s.model, {
    trainCases: opts.trainCases,
    valCases: opts.valCases ?? [],
    backendReport: opts.backendReport,
    datasetInfo: opts.datasetInfo,
  });
  writeFileAtomic(sessionMetaFile(runDir, startStep), JSON.stringify(meta, null, 2) + '\n');
  return startStep;
}

/** One optimisation step (0-based `step`): sample, augment, loss, clipped gradients, update. */
async function trainStep(s: Session, step: number): Promise<{ loss: number; gradNorm: number; lr: number }> {
  const { config } = s;
  const rng = s.root.fork(`step-${step}`);
  const batch = sampleBatch(s.prepared, s.patch, config.batchSize, config.foregroundFraction, rng.fork('sample'));
  augmentBatch(batch, config.augment, rng.fork('augment'));
  const lr = polyLearningRate(config.learningRate, step, config.steps, config.polyPower);
  const [lossT, normT] = tf.tidy(() => {
    const x = tf.tensor(batch.images, s.shape, 'float32');
    const y = tf.tensor(batch.labels, s.labelShape, 'int32');
    const { value, grads } = tf.variableGrads(() => totalLoss(s.model.apply(x, true), y, config.loss), s.varList);
    const named = new Map<string, tf.Tensor>();
    for (const [tfName, g] of Object.entries(grads)) named.set(s.byTfName.get(tfName)!, g);
    const clipped = clipByGlobalNorm(named, config.gradClipNorm);
    s.optimizer.apply(clipped.grads, lr);
    return [value, clipped.norm];
  });
  const [loss] = (await lossT.data()) as Float32Array;
  const [gradNorm] = (await normT.data()) as Float32Array;
  lossT.dispose();
  normT.dispose();
  if (!Number.isFinite(loss)) throw new Error(`train: loss is ${loss} at step ${step + 1} (lr ${lr}); lower learningRate or check the data`);
  return { loss, gradNorm, lr };
}

/** Book-keeping after step `done` (1-based): speed, smoothed loss, loss curve, 'train' record. Returns steps/s. */
function recordStep(s: Session, done: number, r: { loss: number; gradNorm: number; lr: number }, dt: number): number {
  s.trainSeconds += dt;
  s.recent.push(dt);
  if (s.recent.length > 20) s.recent.shift();
  const sps = s.recent.length / s.recent.reduce((a, b) => a + b, 0);
  s.smoothed = Number.isNaN(s.smoothed) ? r.loss : 0.9 * s.smoothed + 0.1 * r.loss;
  s.lossCurve.push({ step: done, loss: r.loss });
  s.window.push(r.loss);
  if (done % s.config.logEvery === 0 || done === s.config.steps) {
    const loss = s.window.reduce((a, b) => a + b, 0) / s.window.length;
    s.metrics.train({ step: done, loss, lastLoss: r.loss, lr: r.lr, gradNorm: r.gradNorm, stepsPerSecond: sps });
    s.window = [];
  }
  return sps;
}

/** The progress report after step `done`. */
function progressOf(s: Session, done: number, r: { loss: number; lr: number }, sps: number): TrainProgress {
  return {
    step: done,
    totalSteps: s.config.steps,
    loss: r.loss,
    smoothedLoss: s.smoothed,
    learningRate: r.lr,
    stepsPerSecond: Number.isFinite(sps) ? sps : 0,
    etaSeconds: (s.config.steps - done) / (Number.isFinite(sps) && sps > 0 ? sps : 1),
    elapsedSeconds: (Date.now() - s.t0) / 1000,
    validationDice: s.lastVal,
  };
}

/** A validation pass at `step` (when there are validation cases), recorded and reported. */
async function runValidation(s: Session, step: number): Promise<void> {
  if (s.preparedVal.length === 0) return;
  const maps = s.opts.onValidationMaps ? new Map<string, Float32Array>() : undefined;
  const v = await validateModel(s.model, s.preparedVal, s.layout, s.config.patchSize, s.config.validation.overlap, step, maps);
  s.validation.push(v);
  s.lastVal = v.lesionDice;
  s.metrics.validation(v);
  s.opts.onValidation?.(v);
  if (maps) s.opts.onValidationMaps?.(step, maps);
}

/** Save a checkpoint named `name` after `step` steps (no-op without a run folder). */
async function saveTrainingCheckpoint(s: Session, name: string, step: number): Promise<void> {
  if (!s.runDir) return;
  saveCheckpoint(runPaths(s.runDir).checkpoints, name, await trainingCheckpoint(s.model, s.optimizer, step, s.config));
}

/** Steps startStep … end − 1 with validation, progress and periodic checkpoints. */
async function runSteps(s: Session, startStep: number, end: number): Promise<void> {
  const { config } = s;
  for (let step = startStep; step < end; step++) {
    const ts = Date.now();
    const r = await trainStep(s, step);
    const done = step + 1;
    const sps = recordStep(s, done, r, (Date.now() - ts) / 1000);
    if (config.validation.every > 0 && done % config.validation.every === 0 && done < config.steps) await runValidation(s, done);
    s.opts.onProgress?.(progressOf(s, done, r, sps));
    if (s.runDir && config.checkpointEvery > 0 && done % config.checkpointEvery === 0 && done < config.steps) {
      await saveTrainingCheckpoint(s, checkpointName(done), done);
      pruneCheckpoints(runPaths(s.runDir).checkpoints, config.keepCheckpoints);
    }
    // let the event loop run between steps: SIGINT/SIGTERM handlers (which release the run lock) would otherwise wait for the end
    await nextMacrotask();
  }
}

/** Finish a run that reached its last step: final validation, final.ckpt, the 'end' record. */
async function finishRun(s: Session, startStep: number, end: number): Promise<void> {
  await runValidation(s, s.config.steps);
  await saveTrainingCheckpoint(s, FINAL_CHECKPOINT, s.config.steps);
  s.metrics.end({ step: s.config.steps, seconds: (Date.now() - s.t0) / 1000, trainStepsPerSecond: (end - startStep) / Math.max(s.trainSeconds, 1e-9) });
}

/**
 * Train a model. Writes the run folder as it goes and resumes from its newest
 * readable checkpoint when one exists (and the config matches). The run folder
 * is locked for the duration (./lock.ts); the estimated memory need is checked
 * against the limit before anything is allocated (lib/train/memory.ts).
 *
 * @example
 * const cfg = resolveTrainConfig({ steps: 50, outputDir: 'runs/demo' });
 * const result = await train({ config: cfg, trainCases, valCases });
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const runDir = opts.runDir === undefined ? opts.config.outputDir : opts.runDir;
  checkTrainMemory(opts.config, datasetVoxels([...opts.trainCases, ...(opts.valCases ?? [])]), { maxMemoryGB: opts.maxMemoryGB, source: 'train' });
  // one writer per run folder: taken before anything in it is read or changed, released however this ends
  const release = runDir ? acquireRunLock(runDir, opts.onWarning ?? warnToStderr) : () => undefined;
  let s: Session;
  let startStep: number;
  let end: number;
  try {
    s = createSession(opts);
    startStep = s.runDir ? openRunFolder(s, s.runDir) : 0;
    s.t0 = Date.now();
    end = Math.min(s.config.steps, opts.stopAfterStep ?? Infinity);
    await runSteps(s, startStep, end);
    if (end === s.config.steps && startStep < s.config.steps) await finishRun(s, startStep, end);
  } finally {
    release();
  }
  // The optimizer's slots (Adam moments) live only in checkpoints after this; the caller owns the model.
  s.optimizer.dispose();
  return {
    model: s.model,
    layout: s.layout,
    lossCurve: s.lossCurve,
    validation: s.validation,
    runDir: s.runDir,
    startStep,
    stepsDone: end,
    stepsPerSecond: (end - startStep) / Math.max(s.trainSeconds, 1e-9),
  };
}
