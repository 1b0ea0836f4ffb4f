/**
 * MaxPool3D on wasm (lib/backend/kernels/max-pool3d-wasm.ts: padded cases in JS, the rest
 * on the stock kernel), with cpu alongside: the value against the float64 reference, with
 * and without (asymmetric) 'same' padding.
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
  describe(`maxPool3d value on ${backend}`, () => {
    it.each(CASES)('%s', async (_name, shape, k, s, pad) => {
      await useBackend(backend);
      const x = seededPair(shape, 71);
      const y = tf.maxPool3d(x.t as tf.Tensor5D, k, s, pad);
      const ref = maxPoolReference(x.ref, [k, k, k], [s, s, s], pad);
      expect(y.shape).toEqual(ref.y.shape);
      expect(relativeError(y.dataSync(), ref.y.data)).toBeLessThan(TOL);
      tf.dispose([x.t, y]);
    });
  });
}
