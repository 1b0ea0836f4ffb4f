/**
 * Layer checks against tfjs's own ops: the matMul + depth-to-space upsampling is
 * exactly a k2/s2 transposed convolution; the reshape average pooling equals
 * tf.avgPool; instance/group normalisation is per example (no batch coupling).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ParamStore, avgPool2x, normalise, upsample2x, effectiveGroups, groupNormCore } from '../../lib/model';
import { useBackend } from '../backend/helpers';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('upsample2x', () => {
  it('equals tf.conv2dTranspose (kernel 2, stride 2) with the same weights in 2D', () => {
    const p = new ParamStore(3);
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
    const y = upsample2x(p, 'up', x, 6);
    const w = p.variables.get('up/kernel')!; // [cin, (bh*2+bw)*C + o]
    const f = tf.transpose(tf.reshape(w, [5, 2, 2, 6]), [1, 2, 3, 0]) as tf.Tensor4D; // [kh,kw,out,in]
    const ref = tf.conv2dTranspose(x as tf.Tensor4D, f, [2, 6, 8, 6], 2, 'same');
    expect(y.shape).toEqual([2, 6, 8, 6]);
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-5);
  });

  it('equals tf.conv3dTranspose (kernel 2, stride 2) with the same weights in 3D', () => {
    const p = new ParamStore(4);
    const x = tf.randomNormal([2, 2, 3, 4, 5], 0, 1, 'float32', 2);
    const y = upsample2x(p, 'up', x, 6);
    const w = p.variables.get('up/kernel')!;
    const f = tf.transpose(tf.reshape(w, [5, 2, 2, 2, 6]), [1, 2, 3, 4, 0]) as tf.Tensor5D;
    const ref = tf.conv3dTranspose(x as tf.Tensor5D, f, [2, 4, 6, 8, 6], 2, 'same');
    expect(y.shape).toEqual([2, 4, 6, 8, 6]);
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-5);
  });

  it('has a gradient in 3D (tf.conv3dTranspose has none)', () => {
    const p = new ParamStore(5);
    const x = tf.randomNormal([1, 2, 2, 2, 3], 0, 1, 'float32', 3);
    upsample2x(p, 'up', x, 2);
    const w = p.variables.get('up/kernel')!;
    const g = tf.grad((xx: tf.Tensor) => tf.sum(upsample2x(p, 'up', xx, 2)))(x);
    // d/dx Σ y = Σ over the 8·2 output copies of each weight row
    const expected = tf.sum(w, 1);
    const got = tf.reshape(g, [-1, 3]);
    expect(maxAbsDiff(got, tf.broadcastTo(expected, [8, 3]))).toBeLessThan(1e-5);
  });
});

describe('avgPool2x', () => {
  it('equals tf.avgPool in 2D and tf.avgPool3d in 3D', () => {
    const x2 = tf.randomNormal([2, 4, 6, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    expect(maxAbsDiff(avgPool2x(x2), tf.avgPool(x2, 2, 2, 'valid'))).toBeLessThan(1e-6);
    const x3 = tf.randomNormal([2, 2, 4, 6, 3], 0, 1, 'float32', 5) as tf.Tensor5D;
    expect(maxAbsDiff(avgPool2x(x3), tf.avgPool3d(x3, 2, 2, 'valid'))).toBeLessThan(1e-6);
  });

  it('rejects odd sizes with the shape in the message', () => {
    expect(() => avgPool2x(tf.zeros([1, 3, 4, 1]))).toThrow(/must be even.*\[1,3,4,1\]/);
  });
});

describe('normalise', () => {
  it('instance norm gives zero mean and unit variance per example and channel', () => {
    const p = new ParamStore(1);
    const x = tf.add(tf.mul(tf.randomNormal([3, 8, 8, 4], 0, 1, 'float32', 6), 5), 2);
    const y = normalise(p, 'n', x, 'instance', 8);
    const { mean, variance } = tf.moments(y, [1, 2]);
    expect(tf.max(tf.abs(mean)).dataSync()[0]).toBeLessThan(1e-4);
    expect(tf.max(tf.abs(tf.sub(variance, 1))).dataSync()[0]).toBeLessThan(1e-3);
  });

  it('instance and group norm outputs of one example do not depend on the others (per-example gradients stay defined)', () => {
    for (const kind of ['instance', 'group'] as const) {
      const p = new ParamStore(1);
      const a = tf.randomNormal([1, 4, 4, 4], 0, 1, 'float32', 7);
      const b1 = tf.randomNormal([1, 4, 4, 4], 0, 1, 'float32', 8);
      const b2 = tf.mul(tf.randomNormal([1, 4, 4, 4], 0, 1, 'float32', 9), 10);
      const y1 = tf.slice(normalise(p, 'n', tf.concat([a, b1]), kind, 2), [0], [1]);
      const y2 = tf.slice(normalise(p, 'n', tf.concat([a, b2]), kind, 2), [0], [1]);
      expect(maxAbsDiff(y1, y2)).toBeLessThan(1e-6);
    }
  });

  it('group norm equals the textbook formula (moments over voxels and channels of each group), gamma/beta applied', () => {
    const p = new ParamStore(1);
    const x = tf.add(tf.mul(tf.randomNormal([2, 4, 4, 6], 0, 1, 'float32', 12), 3), 1);
    normalise(p, 'g', x, 'group', 3);
    p.variables.get('g/gamma')!.assign(tf.tensor1d([1, 2, 3, 4, 5, 6]));
    p.variables.get('g/beta')!.assign(tf.tensor1d([0, -1, 1, 0, 2, 0]));
    const y = normalise(p, 'g', x, 'group', 3);
    const grouped = tf.reshape(x, [2, 16, 3, 2]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const ref = tf.add(tf.mul(tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, 1e-5))), [2, 4, 4, 6]), tf.tensor1d([1, 2, 3, 4, 5, 6])), tf.tensor1d([0, -1, 1, 0, 2, 0]));
    expect(maxAbsDiff(y, ref)).toBeLessThan(1e-4);
  });

  it('hand-written gradient equals autodiff of the textbook formula (instance and group norm)', () => {
    const x = tf.add(tf.mul(tf.randomNormal([2, 5, 6], 0, 1, 'float32', 13), 2), 0.5) as tf.Tensor3D;
    const gamma = tf.tensor1d([1, -2, 0.5, 3, 1, 0.7]);
    const beta = tf.tensor1d([0, 1, -1, 0.5, 0, 2]);
    const w = tf.randomNormal([2, 5, 6], 0, 1, 'float32', 14); // a generic upstream gradient
    for (const g of [6, 3, 2]) {
      const textbook = (xx: tf.Tensor, gm: tf.Tensor, bt: tf.Tensor) => {
        const grouped = tf.reshape(xx, [2, 5, g, 6 / g]);
        const { mean, variance } = tf.moments(grouped, [1, 3], true);
        const xhat = tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, 1e-5))), [2, 5, 6]);
        return tf.sum(tf.mul(tf.add(tf.mul(xhat, gm), bt), w));
      };
      const mine = (xx: tf.Tensor, gm: tf.Tensor, bt: tf.Tensor) => tf.sum(tf.mul(groupNormCore(xx as tf.Tensor3D, gm, bt, g), w));
      const ref = tf.grads(textbook)([x, gamma, beta]);
      const got = tf.grads(mine)([x, gamma, beta]);
      expect(Math.abs(mine(x, gamma, beta).dataSync()[0] - textbook(x, gamma, beta).dataSync()[0])).toBeLessThan(1e-3);
      ref.forEach((r, i) => {
        const scale = tf.max(tf.abs(r)).dataSync()[0];
        expect(maxAbsDiff(got[i], r) / scale, `groups ${g}, input ${i}`).toBeLessThan(1e-4);
      });
    }
  });

  it('on wasm (means over voxels by average pooling) gives the values and gradients of the matMul means on cpu', async () => {
    // shapes of the default network's 64×64 and 16×16 levels, an offset mean (E[x²] − E[x]² cancels)
    for (const [n, s, c, g] of [[4, 4096, 16, 16], [2, 256, 64, 64], [2, 256, 8, 2]]) {
      const run = async (backend: 'cpu' | 'wasm') => {
        await useBackend(backend);
        const x = tf.add(tf.mul(tf.randomNormal([n, s, c], 0, 1, 'float32', 21), 2), 3) as tf.Tensor3D;
        const gamma = tf.add(tf.randomNormal([c], 0, 1, 'float32', 22), 1);
        const beta = tf.randomNormal([c], 0, 1, 'float32', 23);
        const w = tf.randomNormal([n, s, c], 0, 1, 'float32', 24);
        const f = (xx: tf.Tensor, gm: tf.Tensor, bt: tf.Tensor) => tf.sum(tf.mul(groupNormCore(xx as tf.Tensor3D, gm, bt, g), w));
        const y = groupNormCore(x, gamma, beta, g).dataSync() as Float32Array;
        const grads = tf.grads(f)([x, gamma, beta]).map((t) => t.dataSync() as Float32Array);
        return { y, grads };
      };
      const ref = await run('cpu');
      const got = await run('wasm');
      const rel = (a: Float32Array, b: Float32Array) => {
        let num = 0;
        let den = 0;
        for (let i = 0; i < a.length; i++) {
          num = Math.max(num, Math.abs(a[i] - b[i]));
          den = Math.max(den, Math.abs(b[i]));
        }
        return num / den;
      };
      expect(rel(got.y, ref.y), `[${n},${s},${c}] values`).toBeLessThan(1e-5);
      got.grads.forEach((gr, i) => expect(rel(gr, ref.grads[i]), `[${n},${s},${c}] gradient ${i}`).toBeLessThan(1e-4));
    }
    await useBackend('cpu');
  });

  it('group norm with 2 groups differs from instance norm and uses the largest divisor ≤ groups', () => {
    const p = new ParamStore(1);
    const x = tf.randomNormal([1, 4, 4, 4], 0, 1, 'float32', 10);
    expect(maxAbsDiff(normalise(p, 'n', x, 'group', 2), normalise(p, 'n', x, 'instance', 2))).toBeGreaterThan(1e-3);
    expect(effectiveGroups(12, 8)).toBe(6);
    expect(effectiveGroups(4, 8)).toBe(4);
  });
});
