/**
 * BatchMatMul on wasm with a transposed operand. The stock kernel runs XNNPACK only when
 * neither operand is transposed; with transposeA or transposeB it takes a generic loop that is
 * 2–20× slower than an explicit Transpose followed by the plain product (measured on one thread:
 * the gradient X^T·dY of a [16384, 16] × [16, 64] pointwise projection 33 ms vs 4 ms, dY·W^T
 * 72 ms vs 3 ms). Every matMul gradient asks for a transposed operand, so a U-Net's 1×1
 * projections (up-sampling, head) spent ~75 ms of a ~300 ms training step there. This kernel
 * transposes the flagged operand(s) with the backend's Transpose (last two axes) and hands the
 * plain product to the stock kernel.
 */
import { callKernel, KernelBackend, KernelFix, TensorInfo, withIntermediates, wrapStock } from './shared';
import type * as tf from '@tensorflow/tfjs';

/** The permutation that swaps the last two axes of a rank-r tensor. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

function makeBatchMatMulWasm(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return stock(args);
    const backend = args.backend as KernelBackend;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return stock(args);
    return withIntermediates(backend, (temp) => {
      const transposed = (t: TensorInfo) => temp(callKernel('Transpose', 'wasm', backend, { x: t }, { perm: swapLastTwo(t.shape.length) }));
      const aa = attrs.transposeA ? transposed(a) : a;
      const bb = attrs.transposeB ? transposed(b) : b;
      return stock({ ...args, inputs: { a: aa, b: bb }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    });
  };
}

/** wasm: the stock kernel's transposed-operand path is a slow loop. */
export const batchMatMulWasm: KernelFix = {
  backend: 'wasm',
  kernel: 'BatchMatMul',
  speedOnly: true,
  reason: 'stock kernel runs a transposed operand through a loop 2-20x slower than Transpose + XNNPACK (every matMul gradient transposes one)',
  requires: 'BatchMatMul',
  build: (stock) => wrapStock(stock, makeBatchMatMulWasm),
};
