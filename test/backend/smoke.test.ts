/**
 * The gradient smoke test that gates every backend must fail when a gradient kernel is
 * wrong, naming the quantity, and pass on the patched cpu backend.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { smokeTestGradients } from '../../lib/backend/smoke';
import { useBackend } from './helpers';

describe('smokeTestGradients', () => {
  it('passes on cpu with the project kernels', async () => {
    await useBackend('cpu');
    const r = await smokeTestGradients();
    expect(r.ok).toBe(true);
    expect(r.maxRelativeError).toBeLessThan(1e-5);
  });

  it('fails, naming the filter gradient, when Conv2DBackpropFilter is wrong', async () => {
    await useBackend('cpu');
    const good = tf.getKernel('Conv2DBackpropFilter', 'cpu')!;
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel({
      ...good,
      kernelFunc: (args) => {
        const out = good.kernelFunc(args) as tf.TensorInfo;
        const b = args.backend as unknown as { data: { get(id: object): { values: Float32Array } } };
        b.data.get(out.dataId).values[0] += 1; // one wrong entry
        return out;
      },
    });
    try {
      const r = await smokeTestGradients();
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(/^dConvFilter rel err/);
    } finally {
      tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
      tf.registerKernel(good);
    }
    expect((await smokeTestGradients()).ok).toBe(true);
  });

  it('reports a thrown kernel error instead of crashing', async () => {
    await useBackend('cpu');
    const good = tf.getKernel('Conv2DBackpropInput', 'cpu')!;
    tf.unregisterKernel('Conv2DBackpropInput', 'cpu');
    tf.registerKernel({ ...good, kernelFunc: () => { throw new Error('kernel exploded'); } });
    try {
      const r = await smokeTestGradients();
      expect(r.ok).toBe(false);
      expect(r.detail).toBe('threw: kernel exploded');
    } finally {
      tf.unregisterKernel('Conv2DBackpropInput', 'cpu');
      tf.registerKernel(good);
    }
  });
});
