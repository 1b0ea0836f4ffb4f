/**
 * Concat on wasm (lib/backend/kernels/concat-wasm.ts: short rows copied by a loop): the values of
 * every case equal the concatenation written out by hand, for channel concats of two and three
 * inputs, a middle axis, a negative axis, rows too wide for the loop (stock kernel) and int32
 * (stock kernel); its gradient (slices) is unchanged; no tensor is left behind.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { seededValues } from '../../../lib/backend/reference';
import { registerBackendKernels } from '../../../lib/backend/kernels';
import { CONCAT_LOOP_MAX_ROW } from '../../../lib/backend/kernels/concat-wasm';
import { useBackend } from '../helpers';

/** The concatenation by index arithmetic: out[o, j] over outer index o and position j of the joined row. */
function byHand(values: Float32Array[], shapes: number[][], axis: number): Float32Array {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const outer = size(shapes[0].slice(0, axis));
  const inner = shapes.map((s) => size(s.slice(axis)));
  const width = inner.reduce((a, b) => a + b, 0);
  const out = new Float32Array(outer * width);
  for (let o = 0; o < outer; o++) {
    let j = 0;
    values.forEach((v, i) => {
      for (let c = 0; c < inner[i]; c++) out[o * width + j++] = v[o * inner[i] + c];
    });
  }
  return out;
}

describe('Concat on wasm', () => {
  it('is installed', () => {
    expect(registerBackendKernels().map((k) => `${k.backend}:${k.kernel}`)).toContain('wasm:Concat');
  });

  const CASES: Array<[string, number[][], number]> = [
    ['channels of a U-Net skip [2,4,4,16]+[2,4,4,16]', [[2, 4, 4, 16], [2, 4, 4, 16]], 3],
    ['three inputs of different widths on the last axis', [[3, 5, 2], [3, 5, 7], [3, 5, 1]], 2],
    ['a middle axis', [[2, 3, 4], [2, 1, 4]], 1],
    ['a negative axis (-1)', [[4, 6], [4, 2]], -1],
    ['a rank-5 channel concat', [[1, 2, 3, 4, 8], [1, 2, 3, 4, 4]], 4],
    [`rows of ${CONCAT_LOOP_MAX_ROW} floats and more (stock kernel)`, [[2, CONCAT_LOOP_MAX_ROW], [2, 3]], 1],
  ];

  it.each(CASES)('%s: the values of the concatenation', async (_name, shapes, axis) => {
    await useBackend('wasm');
    const values = shapes.map((s, i) => Float32Array.from(seededValues(s.reduce((a, b) => a * b, 1), 90 + i)));
    const xs = shapes.map((s, i) => tf.tensor(values[i], s));
    const before = tf.memory().numTensors;
    const y = tf.concat(xs, axis);
    const ax = axis < 0 ? axis + shapes[0].length : axis;
    const expectedShape = shapes[0].slice();
    expectedShape[ax] = shapes.reduce((a, s) => a + s[ax], 0);
    expect(y.shape).toEqual(expectedShape);
    expect(Array.from(y.dataSync())).toEqual(Array.from(byHand(values, shapes, ax)));
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(xs);
  });

  it('int32 inputs keep the stock kernel and its values', async () => {
    await useBackend('wasm');
    const y = tf.concat([tf.tensor2d([[1, 2], [3, 4]], undefined, 'int32'), tf.tensor2d([[5], [6]], undefined, 'int32')], 1);
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.dataSync())).toEqual([1, 2, 5, 3, 4, 6]);
    y.dispose();
  });

  it('the gradient through a channel concat splits dy back to each input', async () => {
    await useBackend('wasm');
    const a = tf.tensor(Float32Array.from(seededValues(2 * 3 * 4, 95)), [2, 3, 4]);
    const b = tf.tensor(Float32Array.from(seededValues(2 * 3 * 2, 96)), [2, 3, 2]);
    const w = tf.tensor(Float32Array.from(seededValues(2 * 3 * 6, 97)), [2, 3, 6]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.concat([x, y], 2), w)))([a, b]);
    const wv = w.dataSync();
    const expA: number[] = [];
    const expB: number[] = [];
    for (let o = 0; o < 6; o++) for (let c = 0; c < 6; c++) (c < 4 ? expA : expB).push(wv[o * 6 + c]);
    expect(Array.from(ga.dataSync())).toEqual(expA);
    expect(Array.from(gb.dataSync())).toEqual(expB);
    tf.dispose([a, b, w, ga, gb]);
  });
});
