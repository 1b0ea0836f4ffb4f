import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softmaxRows } from '../../lib/fisher/closed-form';
import { gradientNoise } from '../../lib/fisher/gradient-noise';
import { FisherBatch } from '../../lib/fisher/network';
import { Random } from '../../lib/core/random';
import { makeTinyNet, referenceJacobian, TinyNet } from './tiny-model';

const B = 4;
const N = 2;
const V = 5;
let net: TinyNet;
let xs: Float64Array[];
let ys: Int32Array[];
let batches: FisherBatch[];

beforeAll(async () => {
  await tf.setBackend('cpu');
  net = makeTinyNet(4);
  const rng = new Random(8);
  xs = Array.from({ length: B }, () => Float64Array.from({ length: N * V * net.C }, () => rng.normal()));
  ys = Array.from({ length: B }, () => Int32Array.from({ length: N * V }, () => rng.int(net.K)));
  batches = xs.map((x, b) => ({ x: tf.tensor3d(Float32Array.from(x), [N, V, net.C]), labels: ys[b] }));
});

afterAll(() => {
  batches.forEach((b) => b.x.dispose());
  net.dispose();
});

/** Float64 gradient of the mean NLL over a minibatch's voxels. */
function referenceGradient(b: number, coarse: boolean): Float64Array {
  const { C, H, K } = net;
  const theta = net.theta();
  const P = theta.length;
  const g = new Float64Array(P);
  const lesion = K - 1;
  for (let i = 0; i < N * V; i++) {
    const { eta, jac } = referenceJacobian(theta, xs[b].subarray(i * C, (i + 1) * C), C, H, K);
    const p = softmaxRows(eta, K);
    const y = ys[b][i];
    for (let k = 0; k < K; k++) {
      let s: number;
      if (!coarse || y === lesion) s = (k === y ? 1 : 0) - p[k];
      else s = (k === lesion ? 0 : p[k] / (1 - p[lesion])) - p[k];
      for (let r = 0; r < P; r++) g[r] -= (s * jac[k * P + r]) / (N * V);
    }
  }
  return g;
}

describe('gradientNoise', () => {
  it('matches a float64 reference of the minibatch-gradient variance, per variable, under Y and Z', async () => {
    for (const lik of ['y', 'z'] as const) {
      const before = tf.memory().numTensors;
      const stats = await gradientNoise(net.model, batches, { likelihood: lik });
      expect(tf.memory().numTensors).toBe(before);
      const grads = Array.from({ length: B }, (_, b) => referenceGradient(b, lik === 'z'));
      let offset = 0;
      for (const v of stats.perVariable) {
        let sig = 0;
        let noise = 0;
        for (let i = offset; i < offset + v.size; i++) {
          const mean = grads.reduce((s, g) => s + g[i], 0) / B;
          sig += mean * mean;
          noise += grads.reduce((s, g) => s + (g[i] - mean) ** 2, 0) / (B - 1);
        }
        expect(Math.abs(v.meanGradSqNorm - sig)).toBeLessThan(1e-5 * Math.max(sig, 1e-3));
        expect(Math.abs(v.varianceTrace - noise)).toBeLessThan(1e-5 * Math.max(noise, 1e-3));
        offset += v.size;
      }
      expect(stats.numBatches).toBe(B);
      expect(stats.total.varianceTrace).toBeCloseTo(stats.perVariable.reduce((s, v) => s + v.varianceTrace, 0), 12);
    }
  });

  it('needs two labelled minibatches', async () => {
    await expect(gradientNoise(net.model, batches.slice(0, 1))).rejects.toThrow(/at least 2 minibatches, got 1/);
    await expect(gradientNoise(net.model, [{ x: batches[0].x }, { x: batches[1].x }])).rejects.toThrow(/minibatch 0 has no labels/);
  });
});
