/**
 * MaxPool3DGrad for wasm, in JS: the stock kernel is tied to wasm's wrong padded forward
 * (see max-pool3d-wasm.ts); this one routes through the same window argmax as the fixed
 * forward.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelArgs, KernelFix, makeFloatOutput, maxPoolArgmax, pool3dGeometry, readValues, scatterGrad, TensorInfo } from './shared';

/** MaxPool3DGrad in JS (wasm's stock kernel is tied to its wrong padded forward). */
function maxPool3dGradJs({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const g = pool3dGeometry(input.shape, attrs || {});
  const arg = maxPoolArgmax(readValues(backend, input), input.shape, g.outSpatial, g.filter, g.strides, g.before);
  return makeFloatOutput(backend, input.shape, scatterGrad(arg, readValues(backend, dy), tf.util.sizeFromShape(input.shape)));
}

export const maxPool3dGradWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'MaxPool3DGrad',
  reason: 'consistent with the fixed forward',
  requires: 'MaxPool3D',
  build: () => ({ kernelFunc: maxPool3dGradJs as unknown as tf.KernelFunc }),
};
