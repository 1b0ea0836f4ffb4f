/**
 * Building blocks shared by the architectures: conv-norm-activation, the
 * post-activation residual block (nnU-Net ResEnc), the pre-activation residual
 * block (SegResNet) and the plain U-Net decoder.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../params';
import { activation, addSameShape, avgPool2x, conv, normalise, pointwise, upsample2x } from '../layers';
import { NetworkConfig } from './types';

export function convNormAct(p: ParamStore, cfg: NetworkConfig, name: string, x: tf.Tensor, out: number, stride = 1): tf.Tensor {
  const y = conv(p, `${name}`, x, out, 3, stride, cfg.norm === 'none');
  return activation(normalise(p, `${name}/norm`, y, cfg.norm, cfg.groups), cfg.leakySlope);
}

/** Basic residual block (post-activation, as nnU-Net's ResEnc). */
export function basicBlock(p: ParamStore, cfg: NetworkConfig, name: string, x: tf.Tensor, out: number, stride: number): tf.Tensor {
  const noBias = cfg.norm !== 'none';
  let y = conv(p, `${name}/conv1`, x, out, 3, stride, !noBias);
  y = activation(normalise(p, `${name}/conv1/norm`, y, cfg.norm, cfg.groups), cfg.leakySlope);
  y = conv(p, `${name}/conv2`, y, out, 3, 1, !noBias);
  y = normalise(p, `${name}/conv2/norm`, y, cfg.norm, cfg.groups);
  let shortcut = x;
  if (stride !== 1 || x.shape[x.rank - 1] !== out) {
    const s = stride !== 1 ? avgPool2x(x) : x;
    shortcut = normalise(p, `${name}/skip/norm`, pointwise(p, `${name}/skip`, s, out, !noBias), cfg.norm, cfg.groups);
  }
  return activation(addSameShape(y, shortcut), cfg.leakySlope);
}

/** Pre-activation residual block (SegResNet). Channels in = channels out. */
export function preActBlock(p: ParamStore, cfg: NetworkConfig, name: string, x: tf.Tensor): tf.Tensor {
  const c = x.shape[x.rank - 1];
  let y = activation(normalise(p, `${name}/norm1`, x, cfg.norm, cfg.groups), cfg.leakySlope);
  y = conv(p, `${name}/conv1`, y, c, 3, 1, true);
  y = activation(normalise(p, `${name}/norm2`, y, cfg.norm, cfg.groups), cfg.leakySlope);
  y = conv(p, `${name}/conv2`, y, c, 3, 1, true);
  return addSameShape(x, y);
}

/** Decoder of the U-Net and ResEnc families: upsample, concatenate the skip, plain convs. */
export function plainDecoder(p: ParamStore, cfg: NetworkConfig, skips: tf.Tensor[], deep: boolean): tf.Tensor[] {
  const outs: tf.Tensor[] = [];
  let x = skips[skips.length - 1];
  for (let s = skips.length - 2; s >= 0; s--) {
    const c = cfg.channels[s];
    const up = upsample2x(p, `dec${s}/up`, x, c);
    x = tf.concat([up, skips[s]], x.rank - 1);
    for (let b = 0; b < cfg.decoderBlocks; b++) x = convNormAct(p, cfg, `dec${s}/conv${b}`, x, c);
    if (s === 0) outs.push(pointwise(p, 'head', x, cfg.numClasses));
    else if (deep) outs.push(pointwise(p, `dec${s}/head`, x, cfg.numClasses));
  }
  if (skips.length === 1) outs.push(pointwise(p, 'head', x, cfg.numClasses));
  // outs were pushed from low to high resolution: reverse to highest first.
  return outs.reverse();
}
