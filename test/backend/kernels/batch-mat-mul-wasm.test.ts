/**
 * BatchMatMul on wasm (lib/backend/kernels/batch-mat-mul-wasm.ts: a transposed operand is
 * transposed explicitly, then multiplied by the stock kernel): every transpose combination,
 * rank 2 and batched rank 3 (also with a broadcast batch of 1), against a float64 product
 * written here, and a matMul gradient (which transposes one operand) against the same.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, seededValues } from '../../../lib/backend/reference';
import { registerBackendKernels } from '../../../lib/backend/kernels';
import { useBackend } from '../helpers';

const TOL = 1e-5;

/** Row-major float64 product of batched matrices with optional transposes; batch 1 broadcasts. */
function matMulRef(a: Float64Array, aShape: number[], b: Float64Array, bShape: number[], ta: boolean, tb: boolean): { data: Float64Array; shape: number[] } {
  const [ab, ar, ac] = aShape.length === 2 ? [1, ...aShape] : aShape;
  const [bb, br, bc] = bShape.length === 2 ? [1, ...bShape] : bShape;
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const n = tb ? br : bc;
  if ((tb ? bc : br) !== k) throw new Error('matMulRef: inner sizes differ');
  const batch = Math.max(ab, bb);
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const ao = (ab === 1 ? 0 : p) * ar * ac;
    const bo = (bb === 1 ? 0 : p) * br * bc;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[ao + (ta ? q * ac + i : i * ac + q)] * b[bo + (tb ? j * bc + q : q * bc + j)];
        out[(p * m + i) * n + j] = s;
      }
  }
  return { data: out, shape: aShape.length === 2 && bShape.length === 2 ? [m, n] : [batch, m, n] };
}

const CASES: Array<[string, number[], number[], boolean, boolean]> = [
  ['rank 2, A transposed (a weight gradient X^T·dY)', [37, 5], [37, 6], true, false],
  ['rank 2, B transposed (an input gradient dY·W^T)', [37, 6], [5, 6], false, true],
  ['rank 2, both transposed', [5, 7], [6, 5], true, true],
  ['rank 2, neither (stock path)', [7, 5], [5, 6], false, false],
  ['rank 3, A transposed', [3, 9, 4], [3, 9, 5], true, false],
  ['rank 3, B transposed, B batch 1 broadcast', [3, 4, 9], [1, 5, 9], false, true],
];

describe('BatchMatMul on wasm', () => {
  it('is installed', () => {
    expect(registerBackendKernels().map((k) => `${k.backend}:${k.kernel}`)).toContain('wasm:BatchMatMul');
  });

  it.each(CASES)('%s', async (_name, aShape, bShape, ta, tb) => {
    await useBackend('wasm');
    const av = seededValues(aShape.reduce((x, y) => x * y, 1), 61);
    const bv = seededValues(bShape.reduce((x, y) => x * y, 1), 62);
    const ref = matMulRef(av, aShape, bv, bShape, ta, tb);
    const a = tf.tensor(Float32Array.from(av), aShape);
    const b = tf.tensor(Float32Array.from(bv), bShape);
    const before = tf.memory().numTensors;
    const y = tf.matMul(a, b, ta, tb);
    expect(y.shape).toEqual(ref.shape);
    expect(relativeError(y.dataSync(), ref.data)).toBeLessThan(TOL);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before); // the kernel's transposes are freed
    tf.dispose([a, b]);
  });

  it('gives matMul gradients (dA = dY·B^T, dB = A^T·dY) equal to the float64 products', async () => {
    await useBackend('wasm');
    const [m, k, n] = [23, 7, 11];
    const av = seededValues(m * k, 71);
    const bv = seededValues(k * n, 72);
    const rv = seededValues(m * n, 73);
    const a = tf.tensor2d(Float32Array.from(av), [m, k]);
    const b = tf.tensor2d(Float32Array.from(bv), [k, n]);
    const r = tf.tensor2d(Float32Array.from(rv), [m, n]);
    const [da, db] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), r)))([a, b]);
    expect(relativeError(da.dataSync(), matMulRef(rv, [m, n], bv, [k, n], false, true).data)).toBeLessThan(TOL);
    expect(relativeError(db.dataSync(), matMulRef(av, [m, k], rv, [m, n], true, false).data)).toBeLessThan(TOL);
    tf.dispose([a, b, r, da, db]);
  });
});
