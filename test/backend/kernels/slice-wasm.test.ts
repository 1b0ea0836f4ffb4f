/**
 * Slice on wasm (lib/backend/kernels/slice-wasm.ts: rank >= 5 slices run on merged-axis
 * views): value and gradient against the float64 reference on wasm and cpu, for crops
 * that merge to rank 3, crops in every axis (stock path) and rank 6.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, sliceReference } from '../../../lib/backend/reference';
import { CPU_BACKENDS, seededPair, useBackend } from '../helpers';

const TOL = 1e-5;

const CASES: Array<[string, number[], number[], number[]]> = [
  ['rank 5 depth crop (merged to rank 3)', [2, 6, 3, 4, 2], [0, 1, 0, 0, 0], [2, 4, 3, 4, 2]],
  ['rank 5 crop in every axis', [2, 5, 4, 4, 3], [1, 1, 0, 1, 1], [1, 3, 4, 2, 2]],
  ['rank 5 crop in depth and width', [2, 4, 3, 5, 2], [0, 1, 0, 1, 0], [2, 2, 3, 3, 2]],
  ['rank 6', [2, 3, 2, 2, 3, 2], [0, 1, 0, 0, 0, 0], [2, 2, 2, 2, 3, 2]],
  ['rank 4 (stock kernel)', [2, 6, 6, 2], [0, 1, 2, 0], [2, 4, 3, 2]],
];

for (const backend of CPU_BACKENDS) {
  describe(`Slice on ${backend}`, () => {
    it.each(CASES)('%s', async (_name, shape, begin, size) => {
      await useBackend(backend);
      const x = seededPair(shape, 51);
      const r = seededPair(size, 52);
      const ref = sliceReference(x.ref, begin, size, r.ref);
      const y = tf.slice(x.t, begin, size);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.slice(a, begin, size), r.t)))(x.t);
      expect(y.shape).toEqual(size);
      expect(relativeError(y.dataSync(), ref.y.data), 'value').toBeLessThan(TOL);
      expect(relativeError(g.dataSync(), ref.dx.data), 'gradient').toBeLessThan(TOL);
      tf.dispose([x.t, r.t, y, g]);
    });
  });
}
