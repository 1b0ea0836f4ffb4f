/**
 * LeakyRelu on wasm (lib/backend/kernels/leaky-relu-wasm.ts: the flat buffer through Prelu with
 * one alpha per "channel"): values and gradients against a float64 reference for sizes that cut
 * into 64, 8 and 2 channels, an odd size (stock kernel), several slopes one after another (the
 * per-slope alpha cache), and no tensor left behind.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, seededValues } from '../../../lib/backend/reference';
import { registerBackendKernels } from '../../../lib/backend/kernels';
import { preluChannels } from '../../../lib/backend/kernels/leaky-relu-wasm';
import { useBackend } from '../helpers';

const TOL = 1e-6;

describe('preluChannels', () => {
  it('is the largest power of two up to 64 that divides the size', () => {
    expect(preluChannels(262144)).toBe(64);
    expect(preluChannels(64 * 3)).toBe(64);
    expect(preluChannels(40)).toBe(8);
    expect(preluChannels(210)).toBe(2);
    expect(preluChannels(105)).toBe(1);
  });
});

describe('LeakyRelu on wasm', () => {
  it('is installed', () => {
    expect(registerBackendKernels().map((k) => `${k.backend}:${k.kernel}`)).toContain('wasm:LeakyRelu');
  });

  const CASES: Array<[string, number[], number]> = [
    ['[2,8,8,16] (64 channels), slope 0.01', [2, 8, 8, 16], 0.01],
    ['[5,8] (8 channels), slope 0.2', [5, 8], 0.2],
    ['[2,3,5,7] (2 channels), slope 0.01 again', [2, 3, 5, 7], 0.01],
    ['[3,5,7] (odd: stock kernel), slope 0.3', [3, 5, 7], 0.3],
    ['[4,16] (64 channels), slope 1.5', [4, 16], 1.5],
  ];

  it.each(CASES)('%s: values and gradient equal the float64 reference', async (_name, shape, alpha) => {
    await useBackend('wasm');
    const n = shape.reduce((a, b) => a * b, 1);
    const xv = seededValues(n, 81);
    const rv = seededValues(n, 82);
    const x = tf.tensor(Float32Array.from(xv), shape);
    const r = tf.tensor(Float32Array.from(rv), shape);
    const before = tf.memory().numTensors;
    const y = tf.leakyRelu(x, alpha);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(t, alpha), r)))(x);
    const xf = Float32Array.from(xv); // the float32 inputs the kernel saw
    expect(y.shape).toEqual(shape);
    expect(relativeError(y.dataSync(), Array.from(xf, (v) => (v > 0 ? v : alpha * v)))).toBeLessThan(TOL);
    expect(relativeError(g.dataSync(), Array.from(xf, (v, i) => (v > 0 ? rv[i] : alpha * rv[i])))).toBeLessThan(TOL);
    tf.dispose([y, g]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, r]);
  });
});
