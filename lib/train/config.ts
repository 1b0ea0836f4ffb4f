/**
 * The training configuration: one typed object with defaults, validated once
 * (by `resolveTrainConfig`) with errors that name the field, the expected and
 * the actual value. The same object is written to a run folder's config.json
 * and read back by `backsplit predict`.
 *
 * The arms of the study differ only in `mode` (lib/train/arms.ts): it fixes the
 * labels, the head size and the loss kind; the number of output classes follows
 * from the mode and the dataset.
 */
import { DatasetConfigError } from '../data/kinds/kind';
import { DatasetConfig, resolveDatasetConfig } from '../data/registry';
import { ModelConfig, resolveModelConfig } from '../model/config';
import { ModelFamily } from '../model/architectures/index';
import { NormKind } from '../model/norm';
import { LossConfig, validateLossConfig } from '../model/loss';
import { ArmName, armDefinition } from './arms';
import { BACKGROUND_CLASS_LEVELS } from './aux-settings';

/** The architecture part of a training config (classes and input channels are derived). */
export interface TrainModelConfig {
  family: ModelFamily;
  channels: number[];
  norm: NormKind;
  groups: number;
  deepSupervision: boolean;
  encoderBlocks?: number[];
  decoderBlocks?: number;
  leakySlope: number;
}

export interface AugmentConfig {
  /** Probability of mirroring along each spatial axis. */
  flipProbability: number;
  /** Random 90° rotations in the in-plane (H, W) axes (square in-plane patches only). */
  rotate90: boolean;
  /** Probability and range of a multiplicative intensity scale. */
  scaleProbability: number;
  scaleRange: [number, number];
  /** Probability and sd of an additive intensity shift (in z-score units). */
  shiftProbability: number;
  shiftSd: number;
  /** Probability and range of a gamma transform (on the patch rescaled to [0, 1]). */
  gammaProbability: number;
  gammaRange: [number, number];
}

export interface TrainConfig {
  /**
   * The arm (lib/train/arms.ts): 'binary' (background vs lesion), 'backsplit' (background split
   * into the auxiliary classes) or one of the control arms. It sets `loss.kind`.
   */
  mode: ArmName;
  model: TrainModelConfig;
  /** Patch size: [H, W] for a 2D model (axial slices), [D, H, W] for a 3D model. */
  patchSize: number[];
  batchSize: number;
  steps: number;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  /** SGD momentum (Nesterov). */
  momentum: number;
  weightDecay: number;
  /** Poly learning-rate decay exponent: lr · (1 − step/steps)^polyPower. 0 = constant. */
  polyPower: number;
  /** Clip gradients to this global L2 norm (0 = off). */
  gradClipNorm: number;
  loss: LossConfig;
  /** Share of each batch forced to contain a lesion voxel (lesion only, never auxiliary classes). */
  foregroundFraction: number;
  augment: AugmentConfig;
  /** Seed of weight initialisation, sampling and augmentation. */
  seed: number;
  /** Where the cases come from: any kind of the lib/data dataset registry (synthetic, colin, manifest, msd, folder, emidec). */
  dataset: DatasetConfig;
  /** Validation: cases held out (the last `cases` of the dataset), lesion Dice every `every` steps (0 = only at the end). */
  validation: { cases: number; every: number; overlap: number };
  /** Checkpoint every N steps (0 = only the final one). */
  checkpointEvery: number;
  /** Keep this many periodic checkpoints. */
  keepCheckpoints: number;
  /** Training metrics line every N steps. */
  logEvery: number;
  /** Run folder. */
  outputDir: string;
  /** Sliding-window overlap used by predict. */
  inferenceOverlap: number;
  /**
   * The protocol's K axis: merge the auxiliary classes of the synthetic conditions into this many
   * groups by the fixed rule (lib/train/aux-settings; 1, 2, 3 or 5). Absent: the dataset's classes.
   */
  backgroundClasses?: number;
  /** The protocol's label-noise axis: degrade the training cases' auxiliary maps at this level in [0, 1]. Absent: 0. */
  auxLabelNoise?: number;
}

/** Fields a config may set that have no default (absent means "not used"; a stored run's config stays as it was). */
const OPTIONAL_FIELDS = ['backgroundClasses', 'auxLabelNoise'];

/** Defaults: a small fast 2D U-Net on the embedded synthetic dataset. */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  mode: 'binary',
  model: { family: 'unet', channels: [16, 32, 64], norm: 'instance', groups: 8, deepSupervision: false, leakySlope: 0.01 },
  patchSize: [64, 64],
  batchSize: 4,
  steps: 300,
  optimizer: 'adam',
  learningRate: 2e-3,
  momentum: 0.99,
  weightDecay: 0,
  polyPower: 0.9,
  gradClipNorm: 12,
  loss: { kind: 'dice-ce', batchDice: true },
  foregroundFraction: 0.33,
  augment: {
    flipProbability: 0.5,
    rotate90: true,
    scaleProbability: 0.2,
    scaleRange: [0.75, 1.25],
    shiftProbability: 0.2,
    shiftSd: 0.1,
    gammaProbability: 0.2,
    gammaRange: [0.7, 1.5],
  },
  seed: 0,
  dataset: { kind: 'synthetic', cases: 24, seed: 0 },
  validation: { cases: 4, every: 100, overlap: 0.5 },
  checkpointEvery: 100,
  keepCheckpoints: 2,
  logEvery: 10,
  outputDir: 'runs/train',
  inferenceOverlap: 0.5,
};

/** Thrown for an invalid training configuration. */
export class TrainConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainConfigError';
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function mergeSection<T>(name: string, defaults: T, given: unknown): T {
  if (given === undefined) return JSON.parse(JSON.stringify(defaults));
  if (!isObj(given)) throw new TrainConfigError(`config: '${name}' must be an object, got ${JSON.stringify(given)}`);
  for (const k of Object.keys(given)) {
    if (!(k in (defaults as Obj)) && !(name === 'model' && (k === 'encoderBlocks' || k === 'decoderBlocks')) && !(name === 'loss' && (k === 'classWeights' || k === 'smooth'))) {
      throw new TrainConfigError(`config: unknown field '${name}.${k}' (known: ${Object.keys(defaults as Obj).join(', ')})`);
    }
  }
  return { ...JSON.parse(JSON.stringify(defaults)), ...(given as Partial<T>) };
}

/**
 * Merge a (partial, e.g. parsed JSON) config over the defaults and validate it.
 * @param input partial config; unknown fields are errors
 * @param source label for error messages (e.g. the config file path)
 */
export function resolveTrainConfig(input: unknown = {}, source = 'config'): TrainConfig {
  try {
    return resolveInner(input);
  } catch (err) {
    if (err instanceof TrainConfigError) throw new TrainConfigError(`${source}: ${err.message.replace(/^config: /, '')}`);
    throw err;
  }
}

function resolveInner(input: unknown): TrainConfig {
  if (!isObj(input)) throw new TrainConfigError(`config: must be a JSON object, got ${JSON.stringify(input)}`);
  const d = DEFAULT_TRAIN_CONFIG;
  for (const k of Object.keys(input)) {
    if (!(k in d) && !OPTIONAL_FIELDS.includes(k)) throw new TrainConfigError(`config: unknown field '${k}' (known: ${[...Object.keys(d), ...OPTIONAL_FIELDS].join(', ')})`);
  }
  const c: TrainConfig = {
    ...JSON.parse(JSON.stringify(d)),
    ...(input as Partial<TrainConfig>),
    model: mergeSection('model', d.model, input.model),
    loss: mergeSection('loss', d.loss, input.loss),
    augment: mergeSection('augment', d.augment, input.augment),
    validation: mergeSection('validation', d.validation, input.validation),
    dataset: input.dataset === undefined ? JSON.parse(JSON.stringify(d.dataset)) : (input.dataset as DatasetConfig),
  };
  checkModelAndOptimizer(c);
  checkArmLoss(c, input.loss);
  checkAugment(c.augment);
  if (!num(c.seed) || !Number.isInteger(c.seed)) fail('seed', 'an integer', c.seed);
  try {
    c.dataset = resolveDatasetConfig(c.dataset);
  } catch (err) {
    if (err instanceof DatasetConfigError) throw new TrainConfigError(`config: ${err.message}`);
    throw err;
  }
  checkRunSettings(c);
  if (c.backgroundClasses !== undefined && !BACKGROUND_CLASS_LEVELS.includes(c.backgroundClasses)) {
    fail('backgroundClasses', `one of ${BACKGROUND_CLASS_LEVELS.join(', ')} (the K levels with a merge rule)`, c.backgroundClasses);
  }
  if (c.auxLabelNoise !== undefined && !prob(c.auxLabelNoise)) fail('auxLabelNoise', 'a number in [0, 1]', c.auxLabelNoise);
  return c;
}

const fail = (field: string, expected: string, got: unknown): never => {
  throw new TrainConfigError(`config: '${field}' must be ${expected}, got ${JSON.stringify(got)}`);
};
const posInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
const nonNegInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const prob = (v: unknown) => num(v) && (v as number) >= 0 && (v as number) <= 1;
const range = (v: unknown) => Array.isArray(v) && v.length === 2 && v.every(num) && v[0] <= v[1];

/** mode, patch size, architecture, optimiser, loss and foreground fraction. */
function checkModelAndOptimizer(c: TrainConfig): void {
  try {
    armDefinition(c.mode);
  } catch (err) {
    throw new TrainConfigError(`config: ${(err as Error).message}`);
  }
  if (!Array.isArray(c.patchSize) || (c.patchSize.length !== 2 && c.patchSize.length !== 3) || !c.patchSize.every(posInt)) {
    fail('patchSize', '[H, W] (2D) or [D, H, W] (3D) positive integers', c.patchSize);
  }
  const spatialDims = c.patchSize.length as 2 | 3;
  try {
    resolveModelConfig({ ...c.model, spatialDims, inChannels: 1, numClasses: 2 });
  } catch (err) {
    throw new TrainConfigError(`config: model: ${(err as Error).message.replace(/^model config: /, '')}`);
  }
  const divisor = 2 ** (c.model.channels.length - 1);
  if (!c.patchSize.every((p) => p % divisor === 0)) {
    fail('patchSize', `multiples of ${divisor} (2^(stages-1) for ${c.model.channels.length} stages)`, c.patchSize);
  }
  if (!posInt(c.batchSize)) fail('batchSize', 'a positive integer', c.batchSize);
  if (!posInt(c.steps)) fail('steps', 'a positive integer', c.steps);
  if (c.optimizer !== 'adam' && c.optimizer !== 'sgd') fail('optimizer', "'adam' or 'sgd'", c.optimizer);
  if (!num(c.learningRate) || c.learningRate <= 0) fail('learningRate', 'a positive number', c.learningRate);
  if (!num(c.momentum) || c.momentum < 0 || c.momentum >= 1) fail('momentum', 'in [0, 1)', c.momentum);
  if (!num(c.weightDecay) || c.weightDecay < 0) fail('weightDecay', 'a non-negative number', c.weightDecay);
  if (!num(c.polyPower) || c.polyPower < 0) fail('polyPower', 'a non-negative number', c.polyPower);
  if (!num(c.gradClipNorm) || c.gradClipNorm < 0) fail('gradClipNorm', 'a non-negative number (0 = off)', c.gradClipNorm);
  try {
    validateLossConfig(c.loss, 2);
  } catch (err) {
    // class weights are checked against the real class count once the dataset is known
    if (!(c.loss.classWeights && /classWeights must list/.test((err as Error).message))) {
      throw new TrainConfigError(`config: ${(err as Error).message}`);
    }
  }
  if (!prob(c.foregroundFraction)) fail('foregroundFraction', 'in [0, 1]', c.foregroundFraction);
}

/** The arm sets loss.kind: a config may leave it out or state the same kind. */
function checkArmLoss(c: TrainConfig, givenLoss: unknown): void {
  const arm = armDefinition(c.mode);
  if (isObj(givenLoss) && givenLoss.kind !== undefined && givenLoss.kind !== arm.loss) {
    throw new TrainConfigError(`config: 'loss.kind' is '${String(givenLoss.kind)}' but mode '${c.mode}' trains with '${arm.loss}'; leave loss.kind out, or choose the arm with that loss (lib/train/arms.ts)`);
  }
  c.loss.kind = arm.loss;
}

function checkAugment(a: AugmentConfig): void {
  for (const k of ['flipProbability', 'scaleProbability', 'shiftProbability', 'gammaProbability'] as const) {
    if (!prob(a[k])) fail(`augment.${k}`, 'in [0, 1]', a[k]);
  }
  if (typeof a.rotate90 !== 'boolean') fail('augment.rotate90', 'true or false', a.rotate90);
  if (!range(a.scaleRange) || a.scaleRange[0] <= 0) fail('augment.scaleRange', '[lo, hi] with 0 < lo ≤ hi', a.scaleRange);
  if (!num(a.shiftSd) || a.shiftSd < 0) fail('augment.shiftSd', 'a non-negative number', a.shiftSd);
  if (!range(a.gammaRange) || a.gammaRange[0] <= 0) fail('augment.gammaRange', '[lo, hi] with 0 < lo ≤ hi', a.gammaRange);
}

/** Validation, checkpoints, logging, run folder and inference overlap. */
function checkRunSettings(c: TrainConfig): void {
  const v = c.validation;
  if (!nonNegInt(v.cases)) fail('validation.cases', 'a non-negative integer', v.cases);
  if (!nonNegInt(v.every)) fail('validation.every', 'a non-negative integer (0 = only at the end)', v.every);
  if (!num(v.overlap) || v.overlap < 0 || v.overlap >= 1) fail('validation.overlap', 'in [0, 1)', v.overlap);
  if (!nonNegInt(c.checkpointEvery)) fail('checkpointEvery', 'a non-negative integer', c.checkpointEvery);
  if (!posInt(c.keepCheckpoints)) fail('keepCheckpoints', 'a positive integer', c.keepCheckpoints);
  if (!posInt(c.logEvery)) fail('logEvery', 'a positive integer', c.logEvery);
  if (typeof c.outputDir !== 'string' || !c.outputDir) fail('outputDir', 'a folder path', c.outputDir);
  if (!num(c.inferenceOverlap) || c.inferenceOverlap < 0 || c.inferenceOverlap >= 1) fail('inferenceOverlap', 'in [0, 1)', c.inferenceOverlap);
}

/** The full model configuration for a training config and a class count. */
export function modelConfigFor(c: TrainConfig, numClasses: number, inChannels: number): Required<ModelConfig> {
  return resolveModelConfig({ ...c.model, spatialDims: c.patchSize.length as 2 | 3, numClasses, inChannels });
}
