/**
 * ResizeNearestNeighborGrad on cpu and wasm (lib/backend/kernels/resize-nearest-neighbor-grad.ts):
 * value and gradient against the float64 reference, the adjoint identity, and wasm
 * against cpu, for batch > 1, halfPixelCenters, alignCorners and downsampling.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, resizeReference } from '../../../lib/backend/reference';
import { useBackend, seededPair } from '../helpers';

const TOL = 1e-5;

describe('ResizeNearestNeighborGrad replacement (cpu and wasm)', () => {
  // The gradient of a linear map is its adjoint: <resize(x), r> == <x, grad(r)> for any
  // x, r, whatever the index mapping; and wasm's independent kernel must agree.
  const settings: Array<[string, number[], [number, number], boolean, boolean]> = [
    ['x2 batch 3', [3, 4, 5, 2], [8, 10], false, false],
    ['5->8 halfPixelCenters', [2, 5, 3, 1], [8, 7], false, true],
    ['alignCorners', [2, 4, 4, 2], [7, 9], true, false],
    ['downsample', [2, 6, 6, 1], [4, 3], false, false],
  ];
  it.each(settings)('%s', async (_name, shape, size, alignCorners, halfPixel) => {
    const grads: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const x = seededPair(shape, 31);
      const r = seededPair([shape[0], size[0], size[1], shape[3]], 32);
      const ref = resizeReference(x.ref, size, 'nearest', alignCorners, halfPixel, r.ref);
      const op = (a: tf.Tensor) => tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size, alignCorners, halfPixel);
      const y = op(x.t);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a), r.t)))(x.t);
      const yv = y.dataSync();
      const gv = g.dataSync() as Float32Array;
      expect(relativeError(yv, ref.y.data), `${backend} value vs float64`).toBeLessThan(TOL);
      expect(relativeError(gv, ref.dx.data), `${backend} gradient vs float64`).toBeLessThan(TOL);
      let lhs = 0;
      let rhs = 0;
      for (let i = 0; i < yv.length; i++) lhs += yv[i] * r.ref.data[i];
      for (let i = 0; i < gv.length; i++) rhs += x.ref.data[i] * gv[i];
      expect(Math.abs(lhs - rhs), `${backend} adjoint identity`).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
      grads.push(gv);
      tf.dispose([x.t, r.t, y, g]);
    }
    expect(relativeError(grads[0], grads[1]), 'cpu vs wasm gradient').toBeLessThan(TOL);
  });
});
