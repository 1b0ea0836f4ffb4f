/**
 * What an architecture is to the rest of lib/model: a function from parameters,
 * a resolved configuration and an input to logits, plus its default depths.
 * Kept apart from the registry so architecture files and the config module can
 * both use it without importing each other.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../params';
import { NormKind } from '../norm';

/** The configuration an architecture receives: every field resolved. */
export interface NetworkConfig {
  family: string;
  spatialDims: 2 | 3;
  inChannels: number;
  numClasses: number;
  channels: number[];
  encoderBlocks: number[];
  decoderBlocks: number;
  norm: NormKind;
  groups: number;
  deepSupervision: boolean;
  leakySlope: number;
}

export interface Architecture {
  /** One line for `--help` and the docs. */
  description: string;
  /**
   * Build the forward pass.
   * @param x input, [N,H,W,C] or [N,D,H,W,C]
   * @param deep also return one output per lower decoder stage (deep supervision)
   * @returns logits, highest resolution first
   */
  forward(p: ParamStore, cfg: NetworkConfig, x: tf.Tensor, deep: boolean): tf.Tensor[];
  /** Encoder blocks per stage when the config gives none. */
  defaultEncoderBlocks(stages: number): number[];
  /** Decoder blocks per stage when the config gives none. */
  defaultDecoderBlocks: number;
  /**
   * Convolutions per resolution stage (encoder and decoder together), for the memory
   * estimate of a training config (lib/train/memory.ts) before anything is allocated.
   */
  convsPerStage(cfg: Pick<NetworkConfig, 'channels' | 'encoderBlocks' | 'decoderBlocks'>): number[];
}

/**
 * Convolutions per stage of an encoder–decoder: `perEncoderBlock` per encoder block, and on every
 * stage but the lowest `perDecoderBlock` per decoder block plus one up-convolution.
 */
export function encoderDecoderConvs(
  cfg: Pick<NetworkConfig, 'channels' | 'encoderBlocks' | 'decoderBlocks'>,
  perEncoderBlock: number,
  perDecoderBlock: number,
): number[] {
  const stages = cfg.channels.length;
  return cfg.channels.map((_, s) => cfg.encoderBlocks[s] * perEncoderBlock + (s < stages - 1 ? cfg.decoderBlocks * perDecoderBlock + 1 : 0));
}
