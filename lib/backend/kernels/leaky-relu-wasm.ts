/**
 * LeakyRelu on wasm through the backend's Prelu kernel. The stock LeakyRelu kernel is a plain
 * loop (47.6 ms for 2.1 M values on one thread), and so is Prelu with one alpha for all values
 * (29 ms); Prelu with one alpha per channel runs XNNPACK's vectorised kernel (2.6 ms, the
 * same values bit for bit). Leaky ReLU is element-wise, so the flat buffer is read as rows
 * of c "channels" (c the largest power of two up to 64 that divides the size; the buffer
 * layout is the same whatever the shape) with alpha repeated c times. Sizes with no such
 * divisor above 1, and non-float inputs, keep the stock kernel. The gradient (tfjs's
 * where(x > 0, dy, alpha·dy)) is not a kernel and does not change.
 */
import type * as tf from '@tensorflow/tfjs';
import { callKernel, KernelBackend, KernelFix, makeFloatOutput, TensorInfo, wrapStock } from './shared';

/** Channels the flat buffer is cut into for Prelu: the largest power of two ≤ 64 dividing `size` (1 when none). */
export function preluChannels(size: number): number {
  let c = 64;
  while (c > 1 && size % c !== 0) c /= 2;
  return c;
}

interface DataIdLookup {
  dataIdMap: { has(dataId: object): boolean };
}

/**
 * One alpha tensor per backend, slope and width, kept for the process: the wasm Prelu caches its
 * XNNPACK operator by the alpha tensor, so a fresh alpha per call would rebuild the operator
 * every time (measured: 27 ms instead of 1.4 ms). A few floats each; made again if the backend
 * no longer holds it.
 */
const alphas = new WeakMap<object, Map<string, TensorInfo>>();

function alphaTensor(backend: KernelBackend, value: number, c: number): TensorInfo {
  let perBackend = alphas.get(backend);
  if (!perBackend) alphas.set(backend, (perBackend = new Map()));
  const key = `${value}/${c}`;
  const known = perBackend.get(key);
  if (known && (backend as unknown as DataIdLookup).dataIdMap.has(known.dataId)) return known;
  const made = makeFloatOutput(backend, [c], new Float32Array(c).fill(value));
  perBackend.set(key, made);
  return made;
}

function makeLeakyReluWasm(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const size = x.shape.reduce((a, b) => a * b, 1);
    const c = preluChannels(size);
    if (x.dtype !== 'float32' || c < 2) return stock(args);
    const backend = args.backend as KernelBackend;
    const alphaValue = (args.attrs as unknown as { alpha: number }).alpha;
    return callKernel('Prelu', 'wasm', backend, { x, alpha: alphaTensor(backend, alphaValue, c) }, {});
  };
}

/** wasm: the stock kernel is a slow loop; per-channel Prelu is XNNPACK's. */
export const leakyReluWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'LeakyRelu',
  speedOnly: true,
  reason: 'stock kernel is a plain loop ~18x slower than XNNPACK per-channel Prelu (same values)',
  requires: 'Prelu',
  build: (stock) => wrapStock(stock, makeLeakyReluWasm),
};
