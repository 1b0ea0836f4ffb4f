/**
 * ResizeBilinearGrad on cpu and wasm (lib/backend/kernels/resize-bilinear-grad.ts): value
 * and gradient against the float64 reference and wasm against cpu, with height != width
 * (cpu's stock kernel returned a wrongly shaped gradient), halfPixelCenters (ignored by
 * wasm's), alignCorners and downsampling.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, resizeReference } from '../../../lib/backend/reference';
import { seededPair, useBackend } from '../helpers';

const TOL = 1e-5;

describe('ResizeBilinearGrad replacement (cpu and wasm)', () => {
  const settings: Array<[string, number[], [number, number], boolean, boolean]> = [
    ['x2, H != W', [2, 5, 4, 3], [10, 8], false, false],
    ['halfPixelCenters', [2, 5, 4, 2], [9, 7], false, true],
    ['alignCorners', [3, 4, 4, 1], [7, 7], true, false],
    ['downsample halfPixelCenters', [2, 7, 6, 2], [4, 3], false, true],
  ];
  it.each(settings)('%s', async (_name, shape, size, alignCorners, halfPixel) => {
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const x = seededPair(shape, 41);
      const r = seededPair([shape[0], size[0], size[1], shape[3]], 42);
      const ref = resizeReference(x.ref, size, 'bilinear', alignCorners, halfPixel, r.ref);
      const op = (a: tf.Tensor) => tf.image.resizeBilinear(a as tf.Tensor4D, size, alignCorners, halfPixel);
      const y = op(x.t);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a), r.t)))(x.t);
      expect(g.shape, `${backend} gradient shape`).toEqual(shape);
      expect(relativeError(y.dataSync(), ref.y.data), `${backend} value vs float64`).toBeLessThan(TOL);
      const gv = g.dataSync() as Float32Array;
      expect(relativeError(gv, ref.dx.data), `${backend} gradient vs float64`).toBeLessThan(TOL);
      grads.push(gv);
      tf.dispose([x.t, r.t, y, g]);
    }
    expect(relativeError(grads[0], grads[1]), 'cpu vs wasm gradient').toBeLessThan(TOL);
  });
});
