/**
 * 'resenc-unet': nnU-Net's residual-encoder U-Net (ResEnc) — a stem convolution,
 * basic residual blocks (conv-norm-act-conv-norm + shortcut, activation after the
 * sum) in the encoder, the first block of each lower stage strided; the plain
 * U-Net decoder.
 */
import * as tf from '@tensorflow/tfjs';
import { basicBlock, convNormAct, plainDecoder } from './blocks';
import { Architecture, encoderDecoderConvs } from './types';

/** ResEnc-M's blocks per stage (nnU-Net), repeated past the sixth stage. */
const RESENC_M_BLOCKS = [1, 3, 4, 6, 6, 6];

export const resencUnet: Architecture = {
  description: "nnU-Net's residual-encoder U-Net (ResEnc)",
  forward(p, cfg, x, deep) {
    x = convNormAct(p, cfg, 'stem', x, cfg.channels[0]);
    const skips: tf.Tensor[] = [];
    for (let s = 0; s < cfg.channels.length; s++) {
      for (let b = 0; b < cfg.encoderBlocks[s]; b++) {
        x = basicBlock(p, cfg, `enc${s}/block${b}`, x, cfg.channels[s], s > 0 && b === 0 ? 2 : 1);
      }
      skips.push(x);
    }
    return plainDecoder(p, cfg, skips, deep);
  },
  defaultEncoderBlocks: (stages) => Array.from({ length: stages }, (_, i) => RESENC_M_BLOCKS[Math.min(i, 5)]),
  defaultDecoderBlocks: 1,
  convsPerStage: (cfg) => encoderDecoderConvs(cfg, 2, 1),
};
