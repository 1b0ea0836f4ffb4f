/**
 * MaxPoolGrad (2D) for wasm: the stock kernel routes gradients to the wrong inputs (even
 * for 2x2/2 'valid'); replaced by a JS kernel, with the U-Net's 2x2/2 pool unrolled.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, KernelFix, makeFloatOutput, maxPoolArgmax, NamedAttrMap, PoolGeometry, readValues, scatterGrad, TensorInfo } from './shared';

/** Window geometry of a channels-last 2D max pool from its attributes. */
function pool2dGeometry(shape: number[], attrs: NamedAttrMap): PoolGeometry {
  const a = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'same' | 'valid' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  return {
    outSpatial: [info.outHeight, info.outWidth],
    filter: [info.effectiveFilterHeight, info.effectiveFilterWidth],
    strides: [info.strideHeight, info.strideWidth],
    before: [info.padInfo.top, info.padInfo.left],
    padded: info.padInfo.top + info.padInfo.bottom + info.padInfo.left + info.padInfo.right > 0,
  };
}

/** MaxPoolGrad (2D) in JS: wasm's stock kernel routes gradients wrongly (even 2x2/2 'valid'). */
function maxPoolGradJs({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const g = pool2dGeometry(input.shape, attrs || {});
  const xv = readValues(backend, input);
  const dyv = readValues(backend, dy);
  const [kh, kw] = g.filter;
  if (kh === 2 && kw === 2 && g.strides[0] === 2 && g.strides[1] === 2 && g.before[0] === 0 && g.before[1] === 0) {
    return makeFloatOutput(backend, input.shape, maxPool2x2Grad(xv, dyv, input.shape, g.outSpatial));
  }
  const arg = maxPoolArgmax(xv, input.shape, g.outSpatial, g.filter, g.strides, g.before);
  return makeFloatOutput(backend, input.shape, scatterGrad(arg, dyv, tf.util.sizeFromShape(input.shape)));
}

/** The U-Net's 2x2 stride-2 unpadded pool, unrolled (windows are disjoint; edge windows may be cut). */
function maxPool2x2Grad(x: Float32Array, dy: Float32Array, shape: number[], out: number[]): Float32Array {
  const [batch, h, w, ch] = shape;
  const [oh, ow] = out;
  const dx = new Float32Array(x.length);
  const row = w * ch;
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = 2 * oy;
      const hasY1 = y0 + 1 < h;
      for (let ox = 0; ox < ow; ox++) {
        const x0 = 2 * ox;
        const hasX1 = x0 + 1 < w;
        const base = ((b * h + y0) * w + x0) * ch;
        for (let c = 0; c < ch; c++, k++) {
          // window order (0,0), (0,1), (1,0), (1,1); first maximum wins, as in tfjs cpu
          let best = base + c;
          let v = x[best];
          if (hasX1 && x[base + ch + c] > v) {
            best = base + ch + c;
            v = x[best];
          }
          if (hasY1) {
            if (x[base + row + c] > v) {
              best = base + row + c;
              v = x[best];
            }
            if (hasX1 && x[base + row + ch + c] > v) best = base + row + ch + c;
          }
          dx[best] += dy[k];
        }
      }
    }
  }
  return dx;
}

export const maxPoolGradWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'MaxPoolGrad',
  reason: 'stock kernel routes gradients to the wrong inputs',
  requires: 'MaxPool3D',
  build: () => ({ kernelFunc: maxPoolGradJs as unknown as tf.KernelFunc }),
};
