/**
 * MaxPool3DGrad on wasm (lib/backend/kernels/max-pool3d-grad-wasm.ts), with cpu alongside:
 * the gradient against the float64 reference, with and without (asymmetric) 'same'
 * padding.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { maxPoolReference, PadMode, relativeError } from '../../../lib/backend/reference';
import { CPU_BACKENDS, seededPair, useBackend } from '../helpers';

const TOL = 1e-5;

const CASES: Array<[string, number[], number, number, PadMode]> = [
  ['2 s2 same (odd sizes: asymmetric padding)', [2, 4, 5, 3, 2], 2, 2, 'same'],
  ['2 s2 valid', [2, 4, 4, 6, 2], 2, 2, 'valid'],
  ['3 s1 same (symmetric padding)', [1, 4, 3, 5, 2], 3, 1, 'same'],
  ['3 s2 same', [1, 5, 6, 4, 1], 3, 2, 'same'],
];

for (const backend of CPU_BACKENDS) {
  describe(`maxPool3d gradient on ${backend}`, () => {
    it.each(CASES)('%s', async (_name, shape, k, s, pad) => {
      await useBackend(backend);
      const x = seededPair(shape, 81);
      const op = (a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, k, s, pad);
      const y = op(x.t);
      const r = seededPair(y.shape, 82);
      const ref = maxPoolReference(x.ref, [k, k, k], [s, s, s], pad, r.ref);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a), r.t)))(x.t);
      expect(relativeError(g.dataSync(), ref.dx.data)).toBeLessThan(TOL);
      tf.dispose([x.t, r.t, y, g]);
    });
  });
}
