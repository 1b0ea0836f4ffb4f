/**
 * Conv2DBackpropInput on wasm (lib/backend/kernels/conv2d-backprop-input-wasm.ts: stride
 * 1, kernel == stride and sub-pixel paths) with cpu's stock kernel alongside: the input
 * gradient of conv2d, the conv2dTranspose forward (this kernel) and its input gradient
 * against float64 references and wasm against cpu, over strides 1/2, 'same'/'valid', odd
 * sizes and asymmetric 'same' padding; nothing leaks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError } from '../../../lib/backend/reference';
import { CPU_BACKENDS, useBackend } from '../helpers';
import { CONV_CASES, conv2dProblem, conv2dTransposeProblem, convForward, convGrad, convLabel } from './conv2d-cases';

const TOL = 1e-5;

const results: Record<string, Record<string, Float32Array[]>> = { cpu: {}, wasm: {} };

for (const backend of CPU_BACKENDS) {
  describe(`conv2d input gradient on ${backend}`, () => {
    it.each(CONV_CASES.map((c, i) => [convLabel(c), c, i] as const))('%s', async (_name, c, i) => {
      await useBackend(backend);
      const p = conv2dProblem(c, 100 + i * 7);
      const values = [convGrad(p, 0)];
      p.dispose();
      results[backend][`conv ${i}`] = values;
      expect(relativeError(values[0], p.ref.dx.data), 'd input').toBeLessThan(TOL);
    });
  });
  describe(`conv2dTranspose value and input gradient on ${backend}`, () => {
    it.each(CONV_CASES.map((c, i) => [convLabel(c), c, i] as const))('%s', async (_name, c, i) => {
      await useBackend(backend);
      const p = conv2dTransposeProblem(c, 300 + i * 7);
      const values = [convForward(p), convGrad(p, 0)];
      p.dispose();
      results[backend][`convT ${i}`] = values;
      expect(relativeError(values[0], p.ref.y.data), 'forward').toBeLessThan(TOL);
      expect(relativeError(values[1], p.ref.dx.data), 'd input').toBeLessThan(TOL);
    });
  });
}

describe('wasm agrees with cpu', () => {
  it('every conv2d input gradient and conv2dTranspose value / input gradient matches to 1e-5 relative', () => {
    const keys = Object.keys(results.cpu);
    expect(keys.length).toBe(CONV_CASES.length * 2);
    for (const k of keys) {
      const a = results.cpu[k];
      const b = results.wasm[k];
      expect(b, `wasm result for ${k}`).toBeDefined();
      for (let j = 0; j < a.length; j++) expect(relativeError(b[j], a[j]), `${k} output ${j}`).toBeLessThan(TOL);
    }
  });
});

describe('Conv2DBackpropInput kernel', () => {
  it.each(CPU_BACKENDS)('leaks no tensors or backend buffers on %s', async (backend) => {
    await useBackend(backend);
    const x = tf.ones([2, 6, 6, 2]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
    const up = tf.ones([2, 2, 3, 2]) as tf.Tensor4D;
    const g = () =>
      tf.tidy(() => {
        // input grads at strides 2 and 1, conv2dTranspose k=s=2 forward and input grad
        const gs2x = tf.grad((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, f, 2, 'same')))(x);
        const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, f, 1, 'same')))(x);
        const gu = tf.grad((a: tf.Tensor) => tf.sum(tf.conv2dTranspose(a as tf.Tensor4D, up, [2, 12, 12, 3], 2, 'same')))(x);
        return tf.addN([tf.sum(gs2x), tf.sum(gx), tf.sum(gu)]);
      });
    g().dispose(); // warm-up
    const before = tf.memory().numTensors;
    const dataBefore = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    for (let i = 0; i < 3; i++) g().dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataBefore);
    tf.dispose([x, f, up]);
  });
});

afterAll(() => {
  tf.disposeVariables();
});
