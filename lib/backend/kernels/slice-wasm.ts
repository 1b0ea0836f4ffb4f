/**
 * Slice for wasm: the stock kernel is ~400x slower on rank >= 5; such slices are run on
 * merged-axis views of rank <= 4.
 */
import * as tf from '@tensorflow/tfjs';
import { callKernel, KernelBackend, KernelFix, TensorInfo, withIntermediates, wrapStock } from './shared';

/**
 * Slice for wasm: the stock kernel takes a generic path for rank >= 5 that is ~400x
 * slower than a rank-3 slice (7.3 s vs 19 ms for a depth crop of 2x32x64x64x16). Axes
 * taken whole are merged into their outer neighbour (a free reshape), so typical crops
 * run as rank <= 4 slices; anything that cannot be reduced goes to the stock kernel.
 */
function makeSliceWasm(stock: tf.KernelFunc): tf.KernelFunc {
  const name = 'wasm';
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.shape.length < 5) return stock(args);
    const backend = args.backend as KernelBackend;
    const a = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, a.begin, a.size);
    // merge from the innermost axis outwards while the inner group is taken whole
    const shape: number[] = [];
    const b: number[] = [];
    const sz: number[] = [];
    for (let i = x.shape.length - 1; i >= 0; i--) {
      const groupFull = shape.length > 0 && b[0] === 0 && sz[0] === shape[0];
      if (groupFull) {
        shape[0] *= x.shape[i];
        b[0] = begin[i] * (shape[0] / x.shape[i]);
        sz[0] = size[i] * (shape[0] / x.shape[i]);
      } else {
        shape.unshift(x.shape[i]);
        b.unshift(begin[i]);
        sz.unshift(size[i]);
      }
    }
    if (shape.length >= 5) return stock(args);
    return withIntermediates(backend, (temp) => {
      const view = temp(callKernel('Reshape', name, backend, { x }, { shape }));
      const cut = temp(stock({ inputs: { x: view }, backend: args.backend, attrs: { begin: b, size: sz } }) as TensorInfo);
      return callKernel('Reshape', name, backend, { x: cut }, { shape: size });
    });
  };
}

export const sliceWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'Slice',
  speedOnly: true,
  reason: 'stock kernel ~400x slower for rank >= 5; whole inner axes are merged to reach rank <= 4',
  requires: 'Slice',
  build: (stock) => wrapStock(stock, makeSliceWasm),
};
