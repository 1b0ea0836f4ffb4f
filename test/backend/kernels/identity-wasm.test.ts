/**
 * Identity on wasm (lib/backend/kernels/identity-wasm.ts) shares the input's buffer instead of
 * copying it: the clone reads the same values, either tensor can be disposed first without the
 * other losing its data, the memory is freed with the last one, a string tensor still clones,
 * and a training step's gradients (where tfjs clones every saved tensor) match cpu's.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../helpers';

interface WasmBackendView {
  refCount(dataId: object): number;
}

describe('Identity on wasm', () => {
  it('shares the buffer, and the memory lives until the last tensor on it is disposed', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackendView;
    const bytes0 = tf.memory().numBytes;
    const x = tf.tensor1d([1, 2, 3, 4]);
    const y = tf.clone(x);
    expect(backend.refCount(x.dataId)).toBe(2);
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]); // the clone outlives the original
    expect(backend.refCount(y.dataId)).toBe(1);
    const z = tf.clone(y);
    z.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]); // and the original outlives a clone
    y.dispose();
    expect(backend.refCount(y.dataId)).toBe(0);
    expect(tf.memory().numBytes).toBe(bytes0);
  });

  it('still clones a string tensor', async () => {
    await useBackend('wasm');
    const s = tf.tensor1d(['a', 'bc'], 'string');
    const c = tf.clone(s);
    expect(await c.data()).toEqual(['a', 'bc']);
    tf.dispose([s, c]);
  });

  it('leaves a training step unchanged: gradients of a conv + relu + mean match cpu', async () => {
    const grads = async (backend: 'cpu' | 'wasm'): Promise<Float32Array[]> => {
      await useBackend(backend);
      const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 11) as tf.Tensor4D;
      const w = tf.variable(tf.randomNormal([3, 3, 2, 3], 0, 0.5, 'float32', 12));
      const b = tf.variable(tf.randomNormal([3], 0, 0.5, 'float32', 13));
      const before = tf.memory().numTensors;
      const g = tf.variableGrads(() => tf.mean(tf.square(tf.relu(tf.add(tf.conv2d(x, w as unknown as tf.Tensor4D, 1, 'same'), b)))), [w, b]);
      const out = [await g.grads[w.name].data(), await g.grads[b.name].data()] as Float32Array[];
      tf.dispose([g.value, ...Object.values(g.grads)]);
      expect(tf.memory().numTensors).toBe(before); // the saved clones were all freed
      tf.dispose([x, w, b]);
      return out;
    };
    const onCpu = await grads('cpu');
    const onWasm = await grads('wasm');
    for (let i = 0; i < onCpu.length; i++) {
      const scale = Math.max(...Array.from(onCpu[i], Math.abs));
      const err = Math.max(...Array.from(onCpu[i], (v, j) => Math.abs(v - onWasm[i][j])));
      expect(err / scale).toBeLessThan(1e-5);
    }
  });
});
