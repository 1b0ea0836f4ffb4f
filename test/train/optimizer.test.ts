/**
 * Optimisers against hand-computed updates; poly schedule; clipping by global
 * norm; state save/restore.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Optimizer, clipByGlobalNorm, polyLearningRate } from '../../lib/train';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function vars(): Map<string, tf.Variable> {
  return new Map([['w', tf.variable(tf.tensor1d([1, -2]))]]);
}

describe('Optimizer', () => {
  it('Adam matches the bias-corrected update over two steps', () => {
    const v = vars();
    const opt = new Optimizer(v, { kind: 'adam', momentum: 0, weightDecay: 0 });
    const gs = [[0.5, -1], [0.2, 0.3]];
    let m = [0, 0];
    let s = [0, 0];
    const w = [1, -2];
    gs.forEach((g, t) => {
      opt.apply(new Map([['w', tf.tensor1d(g)]]), 0.1);
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
      s = s.map((si, i) => 0.999 * si + 0.001 * g[i] * g[i]);
      for (let i = 0; i < 2; i++) {
        const mh = m[i] / (1 - 0.9 ** (t + 1));
        const sh = s[i] / (1 - 0.999 ** (t + 1));
        w[i] -= (0.1 * mh) / (Math.sqrt(sh) + 1e-8);
      }
    });
    const got = Array.from(v.get('w')!.dataSync());
    expect(got[0]).toBeCloseTo(w[0], 5);
    expect(got[1]).toBeCloseTo(w[1], 5);
    expect(opt.step).toBe(2);
  });

  it('SGD with Nesterov momentum and weight decay', () => {
    const v = vars();
    const opt = new Optimizer(v, { kind: 'sgd', momentum: 0.9, weightDecay: 0.01 });
    const w = [1, -2];
    const buf = [0, 0];
    for (const g of [[1, 1], [0.5, -0.5]]) {
      opt.apply(new Map([['w', tf.tensor1d(g)]]), 0.1);
      for (let i = 0; i < 2; i++) {
        const gd = g[i] + 0.01 * w[i];
        buf[i] = 0.9 * buf[i] + gd;
        w[i] -= 0.1 * (gd + 0.9 * buf[i]);
      }
    }
    const got = Array.from(v.get('w')!.dataSync());
    expect(got[0]).toBeCloseTo(w[0], 5);
    expect(got[1]).toBeCloseTo(w[1], 5);
  });

  it('state round-trips into a fresh optimizer and continues identically', async () => {
    const a = vars();
    const b = vars();
    const oa = new Optimizer(a, { kind: 'adam', momentum: 0, weightDecay: 0 });
    oa.apply(new Map([['w', tf.tensor1d([1, 2])]]), 0.1);
    const ob = new Optimizer(b, { kind: 'adam', momentum: 0, weightDecay: 0 });
    b.get('w')!.assign(a.get('w')!);
    ob.setState(await oa.getState());
    oa.apply(new Map([['w', tf.tensor1d([-1, 3])]]), 0.1);
    ob.apply(new Map([['w', tf.tensor1d([-1, 3])]]), 0.1);
    expect(Array.from(b.get('w')!.dataSync())).toEqual(Array.from(a.get('w')!.dataSync()));
    const sgd = new Optimizer(vars(), { kind: 'sgd', momentum: 0.9, weightDecay: 0 });
    const adamState = await oa.getState();
    expect(() => sgd.setState(adamState, 'x.ckpt')).toThrow(/x\.ckpt holds 'adam' state/);
  });
});

describe('schedule and clipping', () => {
  it('poly decay', () => {
    expect(polyLearningRate(0.01, 0, 100, 0.9)).toBe(0.01);
    expect(polyLearningRate(0.01, 50, 100, 0.9)).toBeCloseTo(0.01 * 0.5 ** 0.9, 10);
    expect(polyLearningRate(0.01, 50, 100, 0)).toBe(0.01);
  });

  it('clips to the global norm and leaves small gradients alone', () => {
    const g = new Map([
      ['a', tf.tensor1d([3, 0])],
      ['b', tf.tensor1d([0, 4])],
    ]);
    const { grads, norm } = clipByGlobalNorm(g, 1);
    expect(norm.dataSync()[0]).toBeCloseTo(5, 5);
    expect(Array.from(grads.get('a')!.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(grads.get('b')!.dataSync())[1]).toBeCloseTo(0.8, 5);
    const small = clipByGlobalNorm(g, 10).grads;
    expect(Array.from(small.get('b')!.dataSync())[1]).toBeCloseTo(4, 5);
  });
});
