/**
 * MaxPoolGrad (2D) on wasm (lib/backend/kernels/max-pool-grad-wasm.ts: the unrolled 2x2/2
 * path and the general window argmax), with cpu's stock kernel alongside: value and
 * gradient against the float64 reference.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { maxPoolReference, PadMode, relativeError } from '../../../lib/backend/reference';
import { CPU_BACKENDS, seededPair, useBackend } from '../helpers';

const TOL = 1e-5;

const CASES: Array<[string, number[], number, number, PadMode]> = [
  ['2x2 s2 same (odd size)', [2, 7, 6, 3], 2, 2, 'same'],
  ['2x2 s2 valid (odd size, edge cut)', [2, 7, 9, 3], 2, 2, 'valid'],
  ['2x2 s1 same (overlapping windows)', [2, 5, 6, 2], 2, 1, 'same'],
  ['3x3 s2 valid', [2, 9, 8, 2], 3, 2, 'valid'],
  ['3x3 s2 same (padded)', [1, 7, 8, 2], 3, 2, 'same'],
];

for (const backend of CPU_BACKENDS) {
  describe(`maxPool gradient on ${backend}`, () => {
    it.each(CASES)('%s', async (_name, shape, k, s, pad) => {
      await useBackend(backend);
      const x = seededPair(shape, 61);
      const op = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, k, s, pad);
      const y = op(x.t);
      const r = seededPair(y.shape, 62);
      const ref = maxPoolReference(x.ref, [k, k], [s, s], pad, r.ref);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a), r.t)))(x.t);
      expect(y.shape).toEqual(ref.y.shape);
      expect(relativeError(y.dataSync(), ref.y.data), 'value').toBeLessThan(TOL);
      expect(relativeError(g.dataSync(), ref.dx.data), 'gradient').toBeLessThan(TOL);
      tf.dispose([x.t, r.t, y, g]);
    });
  });
}
