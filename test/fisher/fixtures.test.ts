/**
 * lib/fisher against references computed independently with PyTorch autograd
 * (data-scripts/fixtures/make_fisher_fixtures.py → test/fixtures/fisher/).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fisherGap, fisherY, fisherZ, lesionVsRest } from '../../lib/fisher/closed-form';
import { symmetricEigen } from '../../lib/fisher/linalg';
import { exactFisher } from '../../lib/fisher/network-exact';
import { monteCarloFisher } from '../../lib/fisher/network-monte-carlo';

interface LogitsCase { K: number; lesion: number; p: number[]; iy: number[]; iz: number[]; chain: number[]; gapEigenvalues: number[] }
interface NetworkCase { C: number; H: number; K: number; N: number; V: number; lesion: number; W1: number[]; b1: number[]; W2: number[]; b2: number[]; x: number[]; fy: number[]; fz: number[] }

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'fisher', 'fisher_reference.json'), 'utf8')) as { logits: LogitsCase[]; network: NetworkCase };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('closed forms vs torch autograd E[score scoreᵀ]', () => {
  it('I_Y, I_Z, the gap (= chain-rule term) and its eigenvalues', () => {
    expect(fixture.logits.length).toBe(24);
    for (const c of fixture.logits) {
      const groups = lesionVsRest(c.K, c.lesion);
      expect(maxAbsDiff(fisherY(c.p, c.K), c.iy)).toBeLessThan(1e-12);
      expect(maxAbsDiff(fisherZ(c.p, groups), c.iz)).toBeLessThan(1e-12);
      const gap = fisherGap(c.p, groups);
      expect(maxAbsDiff(gap, c.chain)).toBeLessThan(1e-12);
      expect(maxAbsDiff(symmetricEigen(gap, c.K).values, c.gapEigenvalues)).toBeLessThan(1e-12);
    }
  });
});

describe('network Fisher vs torch autograd', () => {
  const net = fixture.network;
  let model: { logits: (x: tf.Tensor) => tf.Tensor; variables: tf.Variable[]; groups: ReturnType<typeof lesionVsRest> };
  let x: tf.Tensor;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const W1 = tf.variable(tf.tensor2d(net.W1, [net.C, net.H]), true, 'fixture_W1');
    const b1 = tf.variable(tf.tensor1d(net.b1), true, 'fixture_b1');
    const W2 = tf.variable(tf.tensor2d(net.W2, [net.H, net.K]), true, 'fixture_W2');
    const b2 = tf.variable(tf.tensor1d(net.b2), true, 'fixture_b2');
    model = {
      logits: (inp) => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(inp.reshape([-1, net.C]), W1), b1)), W2), b2).reshape([inp.shape[0], net.V, net.K]),
      variables: [W1, b1, W2, b2],
      groups: lesionVsRest(net.K, net.lesion),
    };
    x = tf.tensor3d(net.x, [net.N, net.V, net.C]);
  });

  it('exact Fisher (dense) matches to 1e-5 relative to its largest entry', async () => {
    const ex = await exactFisher(model, [{ x }]);
    for (const [lik, ref] of [['y', net.fy], ['z', net.fz]] as const) {
      const scale = Math.max(...ref.map(Math.abs));
      expect(maxAbsDiff(ex[lik].matrix, ref)).toBeLessThan(1e-5 * scale);
    }
  });

  it('Monte-Carlo trace matches the torch trace within 4 standard errors (500 samples, seed 3)', async () => {
    const mc = await monteCarloFisher(model, [{ x }], { samples: 500, seed: 3 });
    const P = Math.round(Math.sqrt(net.fy.length));
    for (const [lik, ref] of [['y', net.fy], ['z', net.fz]] as const) {
      let trace = 0;
      for (let i = 0; i < P; i++) trace += ref[i * P + i];
      expect(Math.abs(mc[lik]!.trace - trace)).toBeLessThan(4 * mc[lik]!.traceStdError!);
    }
  });
});
