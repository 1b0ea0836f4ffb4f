/**
 * MaxPool3D for wasm: the stock kernel is wrong with asymmetric 'same' padding.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelBackend, KernelFix, makeFloatOutput, maxPoolArgmax, pool3dGeometry, readValues, TensorInfo, wrapStock } from './shared';

/**
 * MaxPool3D for wasm: the stock kernel is right without padding and wrong with
 * (asymmetric) 'same' padding; padded cases run in JS, the rest on the stock kernel.
 */
function makeMaxPool3dWasm(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const backend = args.backend as KernelBackend;
    const g = pool3dGeometry(x.shape, args.attrs || {});
    if (!g.padded) return stock(args);
    const xv = readValues(backend, x);
    const arg = maxPoolArgmax(xv, x.shape, g.outSpatial, g.filter, g.strides, g.before);
    const out = new Float32Array(arg.length);
    for (let i = 0; i < arg.length; i++) out[i] = xv[arg[i]];
    return makeFloatOutput(backend, [x.shape[0], ...g.outSpatial, x.shape[4]], out);
  };
}

export const maxPool3dWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'MaxPool3D',
  reason: "stock kernel wrong with asymmetric 'same' padding (padded cases run in JS)",
  requires: 'MaxPool3D',
  build: (stock) => wrapStock(stock, makeMaxPool3dWasm),
};
