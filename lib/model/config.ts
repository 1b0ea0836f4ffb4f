/**
 * Model configuration: one typed object that sizes every network family the
 * project trains (U-Net, residual-encoder U-Net, SegResNet), validated once.
 *
 * The only field that differs between the binary and the BackSplit arm of the
 * study is `numClasses` (the width of the output head).
 */

import { ARCHITECTURES, ModelFamily, isModelFamily } from './architectures/index';
import { NormKind } from './norm';

export interface ModelConfig {
  family: ModelFamily;
  /** 2 → NHWC inputs, 3 → NDHWC inputs. */
  spatialDims: 2 | 3;
  /** Image channels in. */
  inChannels: number;
  /** Output classes (2 for binary, 1 + aux groups + 1 for BackSplit). */
  numClasses: number;
  /** Feature channels per resolution stage, highest resolution first. */
  channels: number[];
  /**
   * Encoder blocks per stage: convolutions for 'unet' (nnU-Net uses 2), residual
   * blocks for 'resenc-unet' (nnU-Net ResEnc-M uses 1,3,4,6,...) and 'segresnet'
   * (MONAI uses 1,2,2,4). Default depends on the family.
   */
  encoderBlocks?: number[];
  /** Decoder convolutions ('unet', 'resenc-unet') or residual blocks ('segresnet') per stage. Default 1 for ResEnc/SegResNet, 2 for U-Net. */
  decoderBlocks?: number;
  norm: NormKind;
  /** Groups for group norm (channels must be divisible; falls back to gcd). */
  groups: number;
  /** Return one logits tensor per decoder resolution (highest first) in training mode. */
  deepSupervision: boolean;
  /** Negative slope of the leaky ReLU (0 = ReLU). */
  leakySlope: number;
}

/** Defaults: a small 2D U-Net, instance norm, no deep supervision. */
export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  family: 'unet',
  spatialDims: 2,
  inChannels: 1,
  numClasses: 2,
  channels: [16, 32, 64],
  norm: 'instance',
  groups: 8,
  deepSupervision: false,
  leakySlope: 0.01,
};

/** Thrown for an invalid model configuration; the message names the field. */
export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

function positiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/**
 * Fill defaults and validate a (partial) model configuration.
 * @param partial fields to override; unknown fields are an error
 * @returns a complete config with encoderBlocks/decoderBlocks resolved
 */
export function resolveModelConfig(partial: Partial<ModelConfig> = {}): Required<ModelConfig> {
  const known = new Set([...Object.keys(DEFAULT_MODEL_CONFIG), 'encoderBlocks', 'decoderBlocks']);
  for (const k of Object.keys(partial)) {
    if (!known.has(k)) throw new ModelConfigError(`model config: unknown field '${k}' (known: ${[...known].join(', ')})`);
  }
  const c = { ...DEFAULT_MODEL_CONFIG, ...partial } as ModelConfig;
  if (!isModelFamily(c.family)) {
    throw new ModelConfigError(`model config: family must be one of ${Object.keys(ARCHITECTURES).join('|')}, got '${c.family}'`);
  }
  const architecture = ARCHITECTURES[c.family];
  if (c.spatialDims !== 2 && c.spatialDims !== 3) throw new ModelConfigError(`model config: spatialDims must be 2 or 3, got ${c.spatialDims}`);
  if (!positiveInt(c.inChannels)) throw new ModelConfigError(`model config: inChannels must be a positive integer, got ${c.inChannels}`);
  if (!positiveInt(c.numClasses) || c.numClasses < 2) throw new ModelConfigError(`model config: numClasses must be an integer ≥ 2, got ${c.numClasses}`);
  if (!Array.isArray(c.channels) || c.channels.length < 1 || !c.channels.every(positiveInt)) {
    throw new ModelConfigError(`model config: channels must be a non-empty list of positive integers, got ${JSON.stringify(c.channels)}`);
  }
  const norms: NormKind[] = ['instance', 'group', 'none'];
  if (!norms.includes(c.norm)) throw new ModelConfigError(`model config: norm must be one of ${norms.join('|')}, got '${c.norm}'`);
  if (!positiveInt(c.groups)) throw new ModelConfigError(`model config: groups must be a positive integer, got ${c.groups}`);
  if (typeof c.deepSupervision !== 'boolean') throw new ModelConfigError(`model config: deepSupervision must be boolean`);
  if (typeof c.leakySlope !== 'number' || !(c.leakySlope >= 0 && c.leakySlope < 1)) {
    throw new ModelConfigError(`model config: leakySlope must be in [0, 1), got ${c.leakySlope}`);
  }
  const stages = c.channels.length;
  const encoderBlocks = c.encoderBlocks ?? architecture.defaultEncoderBlocks(stages);
  if (!Array.isArray(encoderBlocks) || encoderBlocks.length !== stages || !encoderBlocks.every(positiveInt)) {
    throw new ModelConfigError(
      `model config: encoderBlocks must list ${stages} positive integers (one per stage), got ${JSON.stringify(encoderBlocks)}`,
    );
  }
  const decoderBlocks = c.decoderBlocks ?? architecture.defaultDecoderBlocks;
  if (!positiveInt(decoderBlocks)) throw new ModelConfigError(`model config: decoderBlocks must be a positive integer, got ${decoderBlocks}`);
  return { ...c, channels: [...c.channels], encoderBlocks: [...encoderBlocks], decoderBlocks };
}

