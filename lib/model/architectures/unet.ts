/**
 * 'unet': nnU-Net's PlainConvUNet — per stage a few conv-norm-LeakyReLU layers,
 * stride-2 convolutions to go down, k2/s2 transposed convolutions to go up, skip
 * connections by concatenation.
 */
import * as tf from '@tensorflow/tfjs';
import { convNormAct, plainDecoder } from './blocks';
import { Architecture, encoderDecoderConvs } from './types';

export const unet: Architecture = {
  description: "nnU-Net's plain-convolution U-Net",
  forward(p, cfg, x, deep) {
    const skips: tf.Tensor[] = [];
    for (let s = 0; s < cfg.channels.length; s++) {
      for (let b = 0; b < cfg.encoderBlocks[s]; b++) {
        x = convNormAct(p, cfg, `enc${s}/conv${b}`, x, cfg.channels[s], s > 0 && b === 0 ? 2 : 1);
      }
      skips.push(x);
    }
    return plainDecoder(p, cfg, skips, deep);
  },
  defaultEncoderBlocks: (stages) => Array.from({ length: stages }, () => 2),
  defaultDecoderBlocks: 2,
  convsPerStage: (cfg) => encoderDecoderConvs(cfg, 1, 1),
};
