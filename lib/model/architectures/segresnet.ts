/**
 * 'segresnet': MONAI's SegResNet — pre-activation residual blocks
 * (norm-act-conv-norm-act-conv + identity), stride-2 convolutions down,
 * upsampling + additive skips, residual blocks in the decoder, a norm-act-1×1 head.
 */
import * as tf from '@tensorflow/tfjs';
import { activation, addSameShape, conv, normalise, pointwise, upsample2x } from '../layers';
import { preActBlock } from './blocks';
import { Architecture, encoderDecoderConvs } from './types';

/** MONAI's default blocks per stage, repeated past the fourth stage. */
const SEGRESNET_BLOCKS = [1, 2, 2, 4];

export const segresnet: Architecture = {
  description: "MONAI's SegResNet",
  forward(p, cfg, x, deep) {
    x = conv(p, 'stem', x, cfg.channels[0], 3, 1, true);
    const skips: tf.Tensor[] = [];
    for (let s = 0; s < cfg.channels.length; s++) {
      if (s > 0) x = conv(p, `enc${s}/down`, x, cfg.channels[s], 3, 2, true);
      for (let b = 0; b < cfg.encoderBlocks[s]; b++) x = preActBlock(p, cfg, `enc${s}/block${b}`, x);
      skips.push(x);
    }
    const head = (name: string, y: tf.Tensor) =>
      pointwise(p, `${name}`, activation(normalise(p, `${name}/norm`, y, cfg.norm, cfg.groups), cfg.leakySlope), cfg.numClasses);
    const outs: tf.Tensor[] = [];
    for (let s = skips.length - 2; s >= 0; s--) {
      x = addSameShape(upsample2x(p, `dec${s}/up`, x, cfg.channels[s]), skips[s]);
      for (let b = 0; b < cfg.decoderBlocks; b++) x = preActBlock(p, cfg, `dec${s}/block${b}`, x);
      if (s === 0) outs.push(head('head', x));
      else if (deep) outs.push(head(`dec${s}/head`, x));
    }
    if (skips.length === 1) outs.push(head('head', x));
    return outs.reverse();
  },
  defaultEncoderBlocks: (stages) => Array.from({ length: stages }, (_, i) => SEGRESNET_BLOCKS[Math.min(i, 3)]),
  defaultDecoderBlocks: 1,
  convsPerStage: (cfg) => encoderDecoderConvs(cfg, 2, 2),
};
