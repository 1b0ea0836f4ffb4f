/**
 * The training loop: seeded patch sampling and augmentation, Dice+CE loss,
 * Adam/SGD with poly decay and gradient clipping, validation lesion Dice every
 * N steps, atomic checkpoints every N steps and exact resume.
 *
 * Reproducibility: every random draw of step t comes from a stream forked from
 * (seed, t), weights are initialised in JavaScript from the seed, and a
 * checkpoint holds weights + optimizer slots + step. A run resumed from a
 * checkpoint therefore continues bit-identically on cpu/wasm.
 *
 * Run folder (config.outputDir): config.json, meta.json, metrics.jsonl,
 * checkpoints/step-XXXXXXXX.ckpt (periodic) and checkpoints/final.ckpt.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { Random, hashString } from '../data/random';
import { SegmentationCase } from '../data/types';
import { createModel, SegmentationModel } from '../model/model';
import { readVariables, restoreVariables } from '../model/params';
import { totalLoss, validateLossConfig } from '../model/loss';
import { TrainConfig, modelConfigFor } from './config';
import { ClassLayout, PreparedCase, classLayout, prepareCase } from './prepare';
import { patch3, sampleBatch } from './sampler';
import { augmentBatch } from './augment';
import { Optimizer, clipByGlobalNorm, polyLearningRate } from './optimizer';
import {
  CheckpointData,
  checkpointName,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
  writeFileAtomic,
} from './checkpoint';
import { TrainProgress } from './progress';
import { binaryDice, lesionMaskFromProbabilities, slidingWindowProbabilities } from './inference';

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
  /** Called after every step. */
  onProgress?: (p: TrainProgress) => void;
  /** Called after every validation pass. */
  onValidation?: (v: ValidationResult) => void;
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

/** meta.json of a run folder. */
export interface RunMeta {
  backend: string;
  backendReport?: unknown;
  versions: { tfjs: string; node: string; backsplit: string };
  seed: number;
  gitCommit: string | null;
  startedAt: string;
  host: { platform: string; cpus: number };
  layout: ClassLayout;
  modelConfig: ReturnType<typeof modelConfigFor>;
  parameterCount: number;
  trainCases: string[];
  valCases: string[];
  dataset?: Record<string, unknown>;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'unknown';
  }
}

/** The git commit of the source tree, or null when unavailable (read-only `git rev-parse`). */
export function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** Weights + optimizer + sampler state as checkpoint arrays. */
async function checkpointOf(model: SegmentationModel, opt: Optimizer, step: number, config: TrainConfig): Promise<CheckpointData> {
  const arrays: CheckpointData['arrays'] = new Map();
  const weights = await readVariables(model.variables);
  for (const [name, v] of model.variables) arrays.set(`weights/${name}`, { shape: v.shape.slice(), values: weights.get(name)! });
  const st = await opt.getState();
  for (const [name, values] of st.slots) arrays.set(`optimizer/${name}`, { shape: [values.length], values });
  return {
    step,
    arrays,
    meta: {
      configDigest: configDigest(config),
      optimizer: { kind: st.kind, step: st.step },
      // sampling/augmentation streams are forked from (seed, step): this is their whole state
      sampler: { seed: config.seed, nextStep: step },
    },
  };
}

/** Weights of a checkpoint as name → values. */
export function checkpointWeights(ck: CheckpointData): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, a] of ck.arrays) if (k.startsWith('weights/')) out.set(k.slice('weights/'.length), a.values);
  return out;
}

function configDigest(config: TrainConfig): string {
  const { outputDir: _ignored, ...rest } = config;
  return hashString(JSON.stringify(rest)).toString(16);
}

/** Compare two configs ignoring outputDir (a run folder may be moved). */
function sameConfig(a: TrainConfig, b: TrainConfig): boolean {
  const strip = (c: TrainConfig) => JSON.stringify({ ...c, outputDir: '' });
  return strip(a) === strip(b);
}

/**
 * Validation lesion Dice of `model` on prepared cases (sliding window over whole volumes).
 */
export async function validateModel(
  model: SegmentationModel,
  cases: PreparedCase[],
  layout: ClassLayout,
  patchSize: number[],
  overlap: number,
  step: number,
): Promise<ValidationResult> {
  const perCase: ValidationResult['perCase'] = [];
  for (const c of cases) {
    const probs = await slidingWindowProbabilities(model, c.channels, c.dims, { patchSize, overlap });
    const mask = lesionMaskFromProbabilities(probs, layout.numClasses, layout.lesionClass);
    perCase.push({ id: c.id, lesionDice: binaryDice(mask, c.lesion) });
  }
  const lesionDice = perCase.length ? perCase.reduce((s, c) => s + c.lesionDice, 0) / perCase.length : NaN;
  return { step, lesionDice, perCase };
}

/**
 * Train a model. Writes the run folder as it goes and resumes from its newest
 * checkpoint when one exists (and the config matches).
 *
 * @example
 * const cfg = resolveTrainConfig({ steps: 50, outputDir: 'runs/demo' });
 * const result = await train({ config: cfg, trainCases, valCases });
 */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const config = opts.config;
  const runDir = opts.runDir === undefined ? config.outputDir : opts.runDir;
  const valCases = opts.valCases ?? [];
  if (opts.trainCases.length === 0) throw new Error('train: no training cases');
  const layout = classLayout(config.mode, [...opts.trainCases, ...valCases]);
  if (config.loss.classWeights) validateLossConfig(config.loss, layout.numClasses);
  const prepared = opts.trainCases.map((c) => prepareCase(c, layout));
  const preparedVal = valCases.map((c) => prepareCase(c, layout));
  const inChannels = prepared[0].channels.length;
  const modelConfig = modelConfigFor(config, layout.numClasses, inChannels);
  const model = createModel(modelConfig, config.seed);
  const optimizer = new Optimizer(model.variables, { kind: config.optimizer, momentum: config.momentum, weightDecay: config.weightDecay });
  const varList = [...model.variables.values()];
  const byTfName = new Map<string, string>();
  for (const [name, v] of model.variables) byTfName.set(v.name, name);

  const ckDir = runDir ? path.join(runDir, 'checkpoints') : null;
  const metricsFile = runDir ? path.join(runDir, 'metrics.jsonl') : null;
  let startStep = 0;
  if (runDir) {
    fs.mkdirSync(ckDir!, { recursive: true });
    const cfgFile = path.join(runDir, 'config.json');
    const finalFile = path.join(ckDir!, 'final.ckpt');
    // a finished run (final.ckpt) counts as a checkpoint at the last step: re-running it trains nothing
    const existing =
      (opts.resume ?? true) ? [...listCheckpoints(ckDir!), ...(fs.existsSync(finalFile) ? [{ step: config.steps, file: finalFile }] : [])] : [];
    if (existing.length > 0 && fs.existsSync(cfgFile)) {
      const prev = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as TrainConfig;
      if (!sameConfig(prev, config)) {
        throw new Error(`train: ${runDir} holds a run with a different config.json; choose another outputDir or delete the folder to start over`);
      }
      // newest checkpoint that reads back cleanly (an atomic write never leaves a torn one, but be safe)
      for (let i = existing.length - 1; i >= 0; i--) {
        let ck: CheckpointData;
        try {
          ck = loadCheckpoint(existing[i].file);
        } catch {
          continue;
        }
        restoreVariables(model.variables, checkpointWeights(ck), existing[i].file);
        const slots = new Map<string, Float32Array>();
        for (const [k, a] of ck.arrays) if (k.startsWith('optimizer/')) slots.set(k.slice('optimizer/'.length), a.values);
        const o = ck.meta.optimizer as { kind: 'adam' | 'sgd'; step: number };
        optimizer.setState({ kind: o.kind, step: o.step, slots }, existing[i].file);
        startStep = ck.step;
        break;
      }
      if (metricsFile && fs.existsSync(metricsFile)) {
        // drop metrics written after the checkpoint we resume from
        const kept = fs
          .readFileSync(metricsFile, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .filter((l) => {
            try {
              return (JSON.parse(l) as { step: number }).step <= startStep;
            } catch {
              return false;
            }
          });
        writeFileAtomic(metricsFile, kept.map((l) => l + '\n').join(''));
      }
    } else {
      for (const c of listCheckpoints(ckDir!)) fs.rmSync(c.file, { force: true });
      fs.rmSync(path.join(ckDir!, 'final.ckpt'), { force: true });
      writeFileAtomic(path.join(runDir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
      writeFileAtomic(metricsFile!, '');
    }
    const meta: RunMeta = {
      backend: tf.getBackend(),
      backendReport: opts.backendReport,
      versions: { tfjs: tf.version.tfjs, node: process.version, backsplit: packageVersion() },
      seed: config.seed,
      gitCommit: gitCommit(),
      startedAt: new Date().toISOString(),
      host: { platform: `${os.platform()}-${os.arch()}`, cpus: os.cpus().length },
      layout,
      modelConfig,
      parameterCount: model.parameterCount(),
      trainCases: opts.trainCases.map((c) => c.id),
      valCases: valCases.map((c) => c.id),
      dataset: opts.datasetInfo,
    };
    writeFileAtomic(path.join(runDir, startStep > 0 ? `meta.resumed-${startStep}.json` : 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  }
  const logMetric = (obj: Record<string, unknown>) => {
    if (metricsFile) fs.appendFileSync(metricsFile, JSON.stringify(obj) + '\n');
  };

  const root = new Random(config.seed).fork('training');
  const patch = patch3(config.patchSize);
  const shape = config.patchSize.length === 2 ? [config.batchSize, patch[1], patch[2], inChannels] : [config.batchSize, ...patch, inChannels];
  const labelShape = shape.slice(0, shape.length - 1);
  const lossCurve: TrainResult['lossCurve'] = [];
  const validation: ValidationResult[] = [];
  const recent: number[] = [];
  let trainSeconds = 0;
  let smoothed = NaN;
  let window: number[] = [];
  let lastVal: number | undefined;
  const t0 = Date.now();
  const end = Math.min(config.steps, opts.stopAfterStep ?? Infinity);

  const runValidation = async (step: number) => {
    if (preparedVal.length === 0) return;
    const v = await validateModel(model, preparedVal, layout, config.patchSize, config.validation.overlap, step);
    validation.push(v);
    lastVal = v.lesionDice;
    logMetric({ type: 'val', step, lesionDice: v.lesionDice, perCase: v.perCase });
    opts.onValidation?.(v);
  };

  for (let step = startStep; step < end; step++) {
    const ts = Date.now();
    const rng = root.fork(`step-${step}`);
    const batch = sampleBatch(prepared, patch, config.batchSize, config.foregroundFraction, rng.fork('sample'));
    augmentBatch(batch, config.augment, rng.fork('augment'));
    const lr = polyLearningRate(config.learningRate, step, config.steps, config.polyPower);
    const [lossT, normT] = tf.tidy(() => {
      const x = tf.tensor(batch.images, shape, 'float32');
      const y = tf.tensor(batch.labels, labelShape, 'int32');
      const { value, grads } = tf.variableGrads(() => totalLoss(model.apply(x, true), y, config.loss), varList);
      const named = new Map<string, tf.Tensor>();
      for (const [tfName, g] of Object.entries(grads)) named.set(byTfName.get(tfName)!, g);
      const clipped = clipByGlobalNorm(named, config.gradClipNorm);
      optimizer.apply(clipped.grads, lr);
      return [value, clipped.norm];
    });
    const [loss] = (await lossT.data()) as Float32Array;
    const [gradNorm] = (await normT.data()) as Float32Array;
    lossT.dispose();
    normT.dispose();
    if (!Number.isFinite(loss)) throw new Error(`train: loss is ${loss} at step ${step + 1} (lr ${lr}); lower learningRate or check the data`);
    const done = step + 1;
    const dt = (Date.now() - ts) / 1000;
    trainSeconds += dt;
    recent.push(dt);
    if (recent.length > 20) recent.shift();
    const sps = recent.length / recent.reduce((a, b) => a + b, 0);
    smoothed = Number.isNaN(smoothed) ? loss : 0.9 * smoothed + 0.1 * loss;
    lossCurve.push({ step: done, loss });
    window.push(loss);
    if (done % config.logEvery === 0 || done === config.steps) {
      logMetric({ type: 'train', step: done, loss: window.reduce((a, b) => a + b, 0) / window.length, lastLoss: loss, lr, gradNorm, stepsPerSecond: sps });
      window = [];
    }
    if (config.validation.every > 0 && done % config.validation.every === 0 && done < config.steps) await runValidation(done);
    opts.onProgress?.({
      step: done,
      totalSteps: config.steps,
      loss,
      smoothedLoss: smoothed,
      learningRate: lr,
      stepsPerSecond: Number.isFinite(sps) ? sps : 0,
      etaSeconds: (config.steps - done) / (Number.isFinite(sps) && sps > 0 ? sps : 1),
      elapsedSeconds: (Date.now() - t0) / 1000,
      validationDice: lastVal,
    });
    if (ckDir && config.checkpointEvery > 0 && done % config.checkpointEvery === 0 && done < config.steps) {
      saveCheckpoint(ckDir, checkpointName(done), await checkpointOf(model, optimizer, done, config));
      pruneCheckpoints(ckDir, config.keepCheckpoints);
    }
  }
  const stepsDone = end;
  if (end === config.steps && startStep < config.steps) {
    await runValidation(config.steps);
    if (ckDir) saveCheckpoint(ckDir, 'final.ckpt', await checkpointOf(model, optimizer, config.steps, config));
    logMetric({ type: 'end', step: config.steps, seconds: (Date.now() - t0) / 1000, trainStepsPerSecond: (end - startStep) / Math.max(trainSeconds, 1e-9) });
  }
  // The optimizer's slots (Adam moments) live only in checkpoints after this; the caller owns the model.
  optimizer.dispose();
  return {
    model,
    layout,
    lossCurve,
    validation,
    runDir,
    startStep,
    stepsDone,
    stepsPerSecond: (end - startStep) / Math.max(trainSeconds, 1e-9),
  };
}

/** A trained run loaded from its folder. */
export interface LoadedRun {
  config: TrainConfig;
  meta: RunMeta;
  model: SegmentationModel;
  /** The checkpoint file the weights came from. */
  checkpoint: string;
  step: number;
}

/**
 * Load a run folder's model: final.ckpt when present, else the newest periodic checkpoint.
 * @param runDir folder written by `train`
 */
export function loadRun(runDir: string): LoadedRun {
  const cfgFile = path.join(runDir, 'config.json');
  const metaFile = path.join(runDir, 'meta.json');
  if (!fs.existsSync(cfgFile) || !fs.existsSync(metaFile)) throw new Error(`loadRun: ${runDir} is not a run folder (config.json or meta.json missing)`);
  const config = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as TrainConfig;
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as RunMeta;
  const ckDir = path.join(runDir, 'checkpoints');
  const finalFile = path.join(ckDir, 'final.ckpt');
  const periodic = listCheckpoints(ckDir);
  const file = fs.existsSync(finalFile) ? finalFile : periodic.length ? periodic[periodic.length - 1].file : null;
  if (!file) throw new Error(`loadRun: ${runDir} has no checkpoint (expected ${finalFile} or checkpoints/step-*.ckpt)`);
  const ck = loadCheckpoint(file);
  const model = createModel(meta.modelConfig, config.seed);
  restoreVariables(model.variables, checkpointWeights(ck), file);
  return { config, meta, model, checkpoint: file, step: ck.step };
}
