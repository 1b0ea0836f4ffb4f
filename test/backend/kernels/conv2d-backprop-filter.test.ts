/**
 * Conv2DBackpropFilter (lib/backend/kernels/conv2d-backprop-filter.ts) on cpu and wasm:
 * the filter gradients of conv2d and conv2dTranspose (and the conv2d forward it is built
 * on) against float64 references and wasm against cpu, over strides 1/2, 'same'/'valid',
 * odd sizes and asymmetric 'same' padding; NCHW is refused; nothing leaks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError } from '../../../lib/backend/reference';
import { makeConv2DBackpropFilter } from '../../../lib/backend/kernels/conv2d-backprop-filter';
import { CPU_BACKENDS, useBackend } from '../helpers';
import { CONV_CASES, conv2dProblem, conv2dTransposeProblem, convForward, convGrad, convLabel } from './conv2d-cases';

const TOL = 1e-5;

const results: Record<string, Record<string, Float32Array[]>> = { cpu: {}, wasm: {} };

for (const backend of CPU_BACKENDS) {
  describe(`conv2d filter gradient on ${backend}`, () => {
    it.each(CONV_CASES.map((c, i) => [convLabel(c), c, i] as const))('%s', async (_name, c, i) => {
      await useBackend(backend);
      const p = conv2dProblem(c, 100 + i * 7);
      const values = [convForward(p), convGrad(p, 1)];
      p.dispose();
      results[backend][`conv ${i}`] = values;
      expect(relativeError(values[0], p.ref.y.data), 'forward').toBeLessThan(TOL);
      expect(relativeError(values[1], p.ref.dFilter.data), 'd filter').toBeLessThan(TOL);
    });
  });
  describe(`conv2dTranspose filter gradient on ${backend}`, () => {
    it.each(CONV_CASES.map((c, i) => [convLabel(c), c, i] as const))('%s', async (_name, c, i) => {
      await useBackend(backend);
      const p = conv2dTransposeProblem(c, 300 + i * 7);
      const values = [convGrad(p, 1)];
      p.dispose();
      results[backend][`convT ${i}`] = values;
      expect(relativeError(values[0], p.ref.dFilter.data), 'd filter').toBeLessThan(TOL);
    });
  });
}

describe('wasm agrees with cpu', () => {
  it('every conv2d value and conv2d / conv2dTranspose filter gradient matches to 1e-5 relative', () => {
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

describe('Conv2DBackpropFilter kernel', () => {
  it('rejects NCHW with a message naming the kernel', async () => {
    await useBackend('cpu');
    const k = makeConv2DBackpropFilter('cpu');
    const x = tf.zeros([1, 4, 4, 1]);
    const dy = tf.zeros([1, 4, 4, 1]);
    expect(() =>
      k({ inputs: { x, dy }, backend: tf.backend(), attrs: { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 1, 1] } }),
    ).toThrow(/Conv2DBackpropFilter \(cpu\): only NHWC/);
    tf.dispose([x, dy]);
  });

  it.each(CPU_BACKENDS)('leaks no tensors or backend buffers on %s', async (backend) => {
    await useBackend(backend);
    expect(tf.getKernel('Conv2DBackpropFilter', backend)).toBeDefined();
    const x = tf.ones([2, 6, 6, 2]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
    const up = tf.ones([2, 2, 3, 2]) as tf.Tensor4D;
    const g = () =>
      tf.tidy(() => {
        // filter grads at strides 2 and 1, and of conv2dTranspose k=s=2
        const gs2 = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 2, 'same')))(f);
        const gw = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')))(f);
        const gk = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2dTranspose(x, w as tf.Tensor4D, [2, 12, 12, 3], 2, 'same')))(up);
        return tf.addN([tf.sum(gs2), tf.sum(gw), tf.sum(gk)]);
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
