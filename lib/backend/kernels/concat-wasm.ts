/**
 * Concat on wasm with an element loop. The stock kernel (tfjs-backend-wasm 4.22) copies each
 * row with `out.set(in.subarray(...))`: one subarray object per row and input. A U-Net's skip
 * connection concatenates along channels, so a row is 16–64 floats and a 32×64×64 batch has
 * 131 072 rows: 262 144 short-lived objects per concat, 10–16 ms and garbage-collector work,
 * where a plain loop over the same values takes 6–8 ms (measured on the project's 2-core EPYC).
 * Rows of 256 floats or more keep the stock kernel (its `set` is then the faster copy), and so do
 * non-float inputs and a concat with an empty input. The values are copied, never changed.
 */
import type * as tf from '@tensorflow/tfjs';
import { KernelBackend, KernelFix, TensorInfo, wrapStock } from './shared';

/** Widest row (floats per input and outer index) that the loop copies; wider rows go to the stock `set`. */
export const CONCAT_LOOP_MAX_ROW = 256;

interface WasmHeap {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

function makeConcatWasm(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as TensorInfo[];
    const rank = inputs[0]?.shape.length ?? 0;
    const rawAxis = (args.attrs as unknown as { axis: number | number[] }).axis;
    const axis0 = Array.isArray(rawAxis) ? rawAxis[0] : rawAxis;
    const axis = axis0 < 0 ? axis0 + rank : axis0;
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    if (inputs.length < 2 || inputs.some((t) => t.dtype !== 'float32' || size(t.shape) === 0 || t.shape.length !== rank)) return stock(args);
    if (!(axis >= 0 && axis < rank)) return stock(args);
    const outer = size(inputs[0].shape.slice(0, axis));
    const inner = inputs.map((t) => size(t.shape.slice(axis)));
    if (inner.some((n) => n >= CONCAT_LOOP_MAX_ROW)) return stock(args);
    // every other axis must agree; the stock kernel says what is wrong when not
    for (const t of inputs) if (t.shape.some((d, i) => i !== axis && d !== inputs[0].shape[i])) return stock(args);
    const backend = args.backend as unknown as KernelBackend & WasmHeap;
    const outShape = inputs[0].shape.slice();
    outShape[axis] = inputs.reduce((a, t) => a + t.shape[axis], 0);
    const out = backend.makeOutput(outShape, 'float32');
    const dst = backend.typedArrayFromHeap(out);
    const width = inner.reduce((a, b) => a + b, 0);
    let offset = 0;
    for (let i = 0; i < inputs.length; i++) {
      const src = backend.typedArrayFromHeap(inputs[i]);
      const n = inner[i];
      let s = 0;
      for (let r = 0; r < outer; r++) {
        const o = r * width + offset;
        for (let c = 0; c < n; c++) dst[o + c] = src[s++];
      }
      offset += n;
    }
    return out;
  };
}

/** wasm: channel concats of short rows by a plain loop instead of one subarray per row. */
export const concatWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'Concat',
  speedOnly: true,
  reason: 'stock kernel copies each row through a new subarray; rows under 256 floats (channel concats) copied by a plain loop (same values)',
  requires: 'Concat',
  build: (stock) => wrapStock(stock, makeConcatWasm),
};
