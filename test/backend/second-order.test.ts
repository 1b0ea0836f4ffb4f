/**
 * The second-order gradient of Conv2DBackpropFilter (lib/backend/second-order.ts). The filter
 * gradient dW(x, dy) is linear in each argument, so for any directions r (like dy) and s (like x)
 * the exact directional derivatives are ⟨∂⟨G, dW⟩/∂dy, r⟩ = ⟨G, dW(x, r)⟩ and
 * ⟨∂⟨G, dW⟩/∂x, s⟩ = ⟨G, dW(s, dy)⟩: each side is computed by a different kernel (the new
 * gradient's conv2d / transposed convolution against the filter-gradient kernel itself), on cpu
 * and wasm, for strides 1 and 2 and 'same' and 'valid' padding, in float32 (relative 1e-5).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerSecondOrderGradients } from '../../lib/backend/second-order';
import { CPU_BACKENDS, useBackend } from './helpers';

function filterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], strides: number, pad: 'same' | 'valid'): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad, dataFormat: 'NHWC', filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

const dot = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(a, b)).dataSync()[0];

describe('second-order gradient of Conv2DBackpropFilter', () => {
  it.each(CPU_BACKENDS)('%s: the derivatives with respect to dy and x are the filter gradient along any direction', async (backend) => {
    await useBackend(backend);
    registerSecondOrderGradients();
    for (const [strides, pad] of [[1, 'same'], [2, 'same'], [1, 'valid'], [2, 'valid']] as const) {
      const filterShape: [number, number, number, number] = [3, 3, 2, 4];
      const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
      const outShape = tf.conv2d(x, tf.zeros(filterShape) as tf.Tensor4D, strides, pad).shape;
      const dy = tf.randomNormal(outShape, 0, 1, 'float32', 2) as tf.Tensor4D;
      const G = tf.randomNormal(filterShape, 0, 1, 'float32', 3) as tf.Tensor4D;
      const r = tf.randomNormal(outShape, 0, 1, 'float32', 4) as tf.Tensor4D;
      const s = tf.randomNormal(x.shape, 0, 1, 'float32', 5) as tf.Tensor4D;
      const [gx, gdy] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(G, filterGrad(a as tf.Tensor4D, b as tf.Tensor4D, filterShape, strides, pad))))([x, dy]);
      const alongR = dot(G, filterGrad(x, r, filterShape, strides, pad));
      const alongS = dot(G, filterGrad(s, dy, filterShape, strides, pad));
      const tag = `${backend}, strides ${strides}, ${pad}`;
      expect(Math.abs(dot(gdy, r) - alongR) / Math.abs(alongR), `${tag}: dy`).toBeLessThan(1e-5);
      expect(Math.abs(dot(gx, s) - alongS) / Math.abs(alongS), `${tag}: x`).toBeLessThan(1e-5);
      tf.dispose([x, dy, G, r, s, gx, gdy]);
    }
  });
});
