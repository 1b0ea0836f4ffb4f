/**
 * Every other op a U-Net / ResEnc U-Net / SegResNet training step uses (pooling, resize,
 * normalisation statistics, activations, softmax cross-entropy, concat/pad/slice, ...):
 * value and gradient of sum(f(x) * r) on wasm must equal the cpu backend's (two
 * independent kernel implementations) to 1e-5 relative. A mismatch here means a wasm
 * kernel needs a replacement in lib/backend/kernels/.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { relativeError, seededValues } from '../../lib/backend/reference';
import { useBackend } from './helpers';

const TOL = 1e-5;

interface OpCase {
  name: string;
  /** f is linear or positively homogeneous of degree 1: check <f(x), r> == <x, grad> too. */
  homogeneous?: boolean;
  shapes: number[][];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
}

const t4 = (x: tf.Tensor) => x as tf.Tensor4D;
const t5 = (x: tf.Tensor) => x as tf.Tensor5D;

const OPS: OpCase[] = [
  { name: 'maxPool 2x2 s2 (odd size)', homogeneous: true, shapes: [[2, 7, 6, 3]], f: (x) => tf.maxPool(t4(x), 2, 2, 'same') },
  { name: 'maxPool 2x2 s2 valid (odd size, edge cut)', homogeneous: true, shapes: [[2, 7, 9, 3]], f: (x) => tf.maxPool(t4(x), 2, 2, 'valid') },
  { name: 'maxPool 2x2 s1 same (overlapping windows)', homogeneous: true, shapes: [[2, 5, 6, 2]], f: (x) => tf.maxPool(t4(x), 2, 1, 'same') },
  { name: 'maxPool 3x3 s2 valid', homogeneous: true, shapes: [[2, 9, 8, 2]], f: (x) => tf.maxPool(t4(x), 3, 2, 'valid') },
  { name: 'avgPool 2x2 s2', homogeneous: true, shapes: [[2, 8, 6, 3]], f: (x) => tf.avgPool(t4(x), 2, 2, 'valid') },
  { name: 'maxPool3d 2 s2', homogeneous: true, shapes: [[2, 4, 5, 4, 2]], f: (x) => tf.maxPool3d(t5(x), 2, 2, 'same') },
  { name: 'avgPool3d 2 s2', homogeneous: true, shapes: [[2, 4, 4, 4, 2]], f: (x) => tf.avgPool3d(t5(x), 2, 2, 'valid') },
  { name: 'resizeBilinear x2', homogeneous: true, shapes: [[2, 5, 4, 3]], f: (x) => tf.image.resizeBilinear(t4(x), [10, 8]) },
  { name: 'resizeBilinear halfPixel', homogeneous: true, shapes: [[2, 5, 4, 2]], f: (x) => tf.image.resizeBilinear(t4(x), [9, 7], false, true) },
  { name: 'resizeBilinear alignCorners', homogeneous: true, shapes: [[3, 4, 4, 1]], f: (x) => tf.image.resizeBilinear(t4(x), [7, 7], true) },
  { name: 'resizeNearest x2', homogeneous: true, shapes: [[3, 4, 5, 2]], f: (x) => tf.image.resizeNearestNeighbor(t4(x), [8, 10]) },
  {
    name: 'instance norm 2D (moments over H,W)',
    shapes: [[2, 5, 6, 4]],
    f: (x) => {
      const { mean, variance } = tf.moments(x, [1, 2], true);
      return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    },
  },
  {
    name: 'instance norm 3D via [N,-1,C] (WebGPU-safe rank)',
    shapes: [[2, 3, 4, 5, 3]],
    f: (x) => {
      const flat = tf.reshape(x, [2, -1, 3]);
      const { mean, variance } = tf.moments(flat, [1], true);
      return tf.reshape(tf.div(tf.sub(flat, mean), tf.sqrt(tf.add(variance, 1e-5))), x.shape);
    },
  },
  {
    name: 'group norm (2 groups)',
    shapes: [[2, 4, 4, 6]],
    f: (x) => {
      const g = tf.reshape(x, [2, 16, 2, 3]);
      const { mean, variance } = tf.moments(g, [1, 3], true);
      return tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), x.shape);
    },
  },
  { name: 'batchNorm op with scale/offset', shapes: [[2, 4, 4, 3], [3], [3]], f: (x, s, o) => tf.batchNorm(x, tf.zerosLike(s), tf.onesLike(s), o, s, 1e-3) },
  { name: 'relu', shapes: [[2, 5, 5, 3]], f: (x) => tf.relu(x) },
  { name: 'leakyRelu 0.01', shapes: [[2, 5, 5, 3]], f: (x) => tf.leakyRelu(x, 0.01) },
  { name: 'prelu', shapes: [[2, 5, 5, 3], [3]], f: (x, a) => tf.prelu(x, a) },
  { name: 'elu', shapes: [[2, 5, 5, 3]], f: (x) => tf.elu(x) },
  { name: 'sigmoid', shapes: [[2, 5, 5, 3]], f: (x) => tf.sigmoid(x) },
  { name: 'softmax over classes', shapes: [[2, 5, 5, 4]], f: (x) => tf.softmax(x) },
  { name: 'logSoftmax over classes', shapes: [[2, 5, 5, 4]], f: (x) => tf.logSoftmax(x) },
  {
    name: 'softmax cross-entropy',
    shapes: [[2, 5, 5, 4]],
    f: (x) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(Array.from({ length: 50 }, (_, i) => i % 4), 'int32'), 4), tf.reshape(x, [50, 4])),
  },
  {
    name: 'soft Dice (foreground classes)',
    shapes: [[2, 5, 5, 4]],
    f: (x) => {
      const p = tf.softmax(x);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: 50 }, (_, i) => (i * 7) % 4), 'int32'), 4).reshape([2, 5, 5, 4]);
      const inter = tf.sum(tf.mul(p, y), [1, 2]);
      const den = tf.add(tf.sum(p, [1, 2]), tf.sum(y, [1, 2]));
      return tf.mean(tf.div(tf.add(tf.mul(inter, 2), 1e-5), tf.add(den, 1e-5)).slice([0, 1], [2, 3]));
    },
  },
  { name: 'concat channels', shapes: [[2, 4, 4, 3], [2, 4, 4, 2]], f: (a, b) => tf.concat([a, b], 3) },
  { name: 'concat 5D channels', shapes: [[2, 2, 3, 3, 2], [2, 2, 3, 3, 1]], f: (a, b) => tf.concat([a, b], 4) },
  { name: 'pad', shapes: [[2, 3, 4, 2]], f: (x) => tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]]) },
  { name: 'slice rank 5 (depth crop, merged to rank 3)', shapes: [[2, 6, 3, 4, 2]], f: (x) => tf.slice(x, [0, 1, 0, 0, 0], [2, 4, 3, 4, 2]) },
  { name: 'slice rank 5 (crop in every axis)', shapes: [[2, 5, 4, 4, 3]], f: (x) => tf.slice(x, [1, 1, 0, 1, 1], [1, 3, 4, 2, -1]) },
  { name: 'slice rank 6', shapes: [[2, 3, 2, 2, 3, 2]], f: (x) => tf.slice(x, [0, 1, 0, 0, 0, 0], [2, 2, 2, 2, 3, 2]) },
  { name: 'slice (crop)', shapes: [[2, 6, 6, 2]], f: (x) => tf.slice(x, [0, 1, 2, 0], [2, 4, 3, 2]) },
  { name: 'tile', shapes: [[2, 3, 1, 2]], f: (x) => tf.tile(x, [1, 1, 3, 1]) },
  { name: 'transpose', shapes: [[2, 3, 4, 5]], f: (x) => tf.transpose(x, [0, 2, 1, 3]) },
  { name: 'add bias broadcast + square', shapes: [[2, 4, 4, 3], [3]], f: (x, b) => tf.square(tf.add(x, b)) },
  { name: 'mean / sum reductions', shapes: [[2, 4, 4, 3]], f: (x) => tf.add(tf.mean(x, [1, 2]), tf.sum(x, 3).mean()) },
  { name: 'matMul (dense)', shapes: [[6, 5], [5, 4]], f: (a, b) => tf.matMul(a, b) },
  { name: 'conv2d 1x1 head', shapes: [[2, 5, 5, 3], [1, 1, 3, 4]], f: (x, w) => tf.conv2d(t4(x), t4(w), 1, 'same') },
  { name: 'conv2dTranspose 2x2 s2 up', shapes: [[2, 3, 4, 4], [2, 2, 2, 4]], f: (x, w) => tf.conv2dTranspose(t4(x), t4(w), [2, 6, 8, 2], 2, 'same') },
  { name: 'clip + log + exp', shapes: [[2, 4, 4, 2]], f: (x) => tf.exp(tf.log(tf.clipByValue(tf.add(x, 1.5), 0.1, 2))) },
];

function run(op: OpCase, seed: number): Float32Array[] {
  const inputs = op.shapes.map((s, i) => tf.tensor(Float32Array.from(seededValues(s.reduce((a, b) => a * b, 1), seed + i)), s));
  const y = op.f(...inputs);
  const r = tf.tensor(Float32Array.from(seededValues(y.size, seed + 99)), y.shape);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(op.f(...xs), r)))(inputs);
  const out = [y.dataSync() as Float32Array, ...grads.map((g) => g.dataSync() as Float32Array)];
  if (op.homogeneous) {
    // f(x) = J x with J the local Jacobian, so <f(x), r> = <x, J^T r> = <x, grad>
    const yv = out[0];
    const rv = r.dataSync();
    const xv = inputs[0].dataSync();
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < yv.length; i++) lhs += yv[i] * rv[i];
    for (let i = 0; i < xv.length; i++) rhs += xv[i] * out[1][i];
    expect(Math.abs(lhs - rhs), `${tf.getBackend()}: ${op.name} gradient is the adjoint of its forward`).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
  }
  tf.dispose([...inputs, y, r, ...grads]);
  return out;
}

describe('U-Net kernels: wasm equals cpu (value and gradient)', () => {
  it.each(OPS.map((op, i) => [op.name, op, i] as const))('%s', async (_name, op, i) => {
    await useBackend('cpu');
    const ref = run(op, 1000 + 10 * i);
    await useBackend('wasm');
    const got = run(op, 1000 + 10 * i);
    expect(got.length).toBe(ref.length);
    for (let j = 0; j < ref.length; j++) {
      const what = j === 0 ? 'value' : `gradient of input ${j - 1}`;
      expect(relativeError(got[j], ref[j]), what).toBeLessThan(TOL);
      expect(ref[j].some((v) => v !== 0), `${what} is not all zero`).toBe(true);
    }
  });
});
