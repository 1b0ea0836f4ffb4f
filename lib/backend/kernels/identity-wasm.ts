/**
 * Identity on wasm without the copy. tfjs clones every tensor that a gradient will need
 * (tf.clone runs the Identity kernel) as soon as a gradient tape records, so a training step
 * runs one Identity per saved input or output: over a hundred in a U-Net step. The stock wasm
 * kernel copies the whole buffer each time; cpu's and webgl's share it. This one shares it as
 * wasm's own Reshape does: the output gets the input's data id and the backend's reference
 * count goes up, so the memory is freed when the last tensor on it is disposed. Safe because
 * no wasm kernel writes into an input buffer (every kernel makes its own output), and
 * Variable.assign swaps data ids instead of writing into them. Strings keep the stock path.
 */
import { KernelArgs, KernelFix, TensorInfo, wrapStock } from './shared';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/** wasm: share the input's memory instead of copying it. */
export const identityWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'Identity',
  speedOnly: true,
  reason: 'stock kernel copies the buffer; every tensor a gradient saves is cloned through it (cpu and webgl share the buffer)',
  requires: 'Identity',
  build: (stock) =>
    wrapStock(stock, (stockFunc) => (args) => {
      const { inputs, backend } = args as unknown as KernelArgs;
      const x = inputs.x as TensorInfo;
      if (x.dtype === 'string') return stockFunc(args);
      (backend as unknown as RefCountingBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }),
};
