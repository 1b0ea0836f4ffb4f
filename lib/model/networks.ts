/**
 * The paper's three architecture families as plain functions over a ParamStore:
 *
 * - 'unet': nnU-Net's PlainConvUNet — per stage a few conv-norm-LeakyReLU
 *   layers, stride-2 convolutions to go down, k2/s2 transposed convolutions to
 *   go up, skip connections by concatenation;
 * - 'resenc-unet': nnU-Net's residual-encoder U-Net (ResEnc) — a stem
 *   convolution, basic residual blocks (conv-norm-act-conv-norm + shortcut,
 *   act after the sum) in the encoder, the first block of each lower stage
 *   strided; the plain U-Net decoder;
 * - 'segresnet': MONAI's SegResNet — pre-activation residual blocks
 *   (norm-act-conv-norm-act-conv + identity), stride-2 convolutions down,
 *   upsampling + additive skips, residual blocks in the decoder, a
 *   norm-act-1×1 head.
 *
 * Every network returns logits at full resolution, highest resolution first,
 * plus one output per lower decoder stage when deep supervision is requested.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from './params';
import { ModelConfig } from './config';
import { activation, addSameShape, conv, normalise, pointwise, avgPool2x, upsample2x } from './layers';

type Cfg = Required<ModelConfig>;

function convNormAct(p: ParamStore, cfg: Cfg, name: string, x: tf.Tensor, out: number, stride = 1): tf.Tensor {
  const y = conv(p, `${name}`, x, out, 3, stride, cfg.norm === 'none');
  return activation(normalise(p, `${name}/norm`, y, cfg.norm, cfg.groups), cfg.leakySlope);
}

/** Basic residual block (post-activation, as nnU-Net's ResEnc). */
function basicBlock(p: ParamStore, cfg: Cfg, name: string, x: tf.Tensor, out: number, stride: number): tf.Tensor {
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
function preActBlock(p: ParamStore, cfg: Cfg, name: string, x: tf.Tensor): tf.Tensor {
  const c = x.shape[x.rank - 1];
  let y = activation(normalise(p, `${name}/norm1`, x, cfg.norm, cfg.groups), cfg.leakySlope);
  y = conv(p, `${name}/conv1`, y, c, 3, 1, true);
  y = activation(normalise(p, `${name}/norm2`, y, cfg.norm, cfg.groups), cfg.leakySlope);
  y = conv(p, `${name}/conv2`, y, c, 3, 1, true);
  return addSameShape(x, y);
}

/** Decoder of the U-Net and ResEnc families: upsample, concatenate the skip, plain convs. */
function plainDecoder(p: ParamStore, cfg: Cfg, skips: tf.Tensor[], deep: boolean): tf.Tensor[] {
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

function unet(p: ParamStore, cfg: Cfg, x: tf.Tensor, deep: boolean): tf.Tensor[] {
  const skips: tf.Tensor[] = [];
  for (let s = 0; s < cfg.channels.length; s++) {
    for (let b = 0; b < cfg.encoderBlocks[s]; b++) {
      x = convNormAct(p, cfg, `enc${s}/conv${b}`, x, cfg.channels[s], s > 0 && b === 0 ? 2 : 1);
    }
    skips.push(x);
  }
  return plainDecoder(p, cfg, skips, deep);
}

function resencUnet(p: ParamStore, cfg: Cfg, x: tf.Tensor, deep: boolean): tf.Tensor[] {
  x = convNormAct(p, cfg, 'stem', x, cfg.channels[0]);
  const skips: tf.Tensor[] = [];
  for (let s = 0; s < cfg.channels.length; s++) {
    for (let b = 0; b < cfg.encoderBlocks[s]; b++) {
      x = basicBlock(p, cfg, `enc${s}/block${b}`, x, cfg.channels[s], s > 0 && b === 0 ? 2 : 1);
    }
    skips.push(x);
  }
  return plainDecoder(p, cfg, skips, deep);
}

function segresnet(p: ParamStore, cfg: Cfg, x: tf.Tensor, deep: boolean): tf.Tensor[] {
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
}

/**
 * Run the network of `cfg.family` on `x` ([N,H,W,C] or [N,D,H,W,C]).
 * @param deep return the deep-supervision outputs too
 * @returns logits, highest resolution first
 */
export function forward(p: ParamStore, cfg: Cfg, x: tf.Tensor, deep: boolean): tf.Tensor[] {
  switch (cfg.family) {
    case 'unet':
      return unet(p, cfg, x, deep);
    case 'resenc-unet':
      return resencUnet(p, cfg, x, deep);
    case 'segresnet':
      return segresnet(p, cfg, x, deep);
  }
}
