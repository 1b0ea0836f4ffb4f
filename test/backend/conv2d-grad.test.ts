/**
 * conv2d / conv2dTranspose gradients on wasm (with the project's Conv2DBackpropFilter)
 * and cpu (with the fast replacement) against a float64 loop reference and against each
 * other, over strides 1/2, 'same'/'valid', odd sizes, and even kernels whose 'same'
 * padding is asymmetric.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv2dTransposeReference, convAxis, convNdReference, PadMode, relativeError } from '../../lib/backend/reference';
import { makeConv2DBackpropFilter } from '../../lib/backend/kernels';
import { CPU_BACKENDS, seededPair, useBackend } from './helpers';

const TOL = 1e-5;

interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: [number, number];
  s: [number, number];
  pad: PadMode;
}

const CASES: Case[] = [];
for (const pad of ['same', 'valid'] as PadMode[]) {
  for (const s of [1, 2]) {
    CASES.push({ n: 2, h: 7, w: 9, cin: 3, cout: 4, k: [3, 3], s: [s, s], pad });
    CASES.push({ n: 3, h: 8, w: 6, cin: 2, cout: 5, k: [2, 2], s: [s, s], pad }); // even kernel: asymmetric 'same'
    CASES.push({ n: 1, h: 9, w: 5, cin: 4, cout: 3, k: [1, 3], s: [s, 1], pad });
  }
}
CASES.push({ n: 2, h: 5, w: 5, cin: 1, cout: 2, k: [5, 5], s: [2, 2], pad: 'valid' });
CASES.push({ n: 2, h: 11, w: 10, cin: 3, cout: 3, k: [3, 3], s: [2, 2], pad: 'same' });

const label = (c: Case) => `N${c.n} ${c.h}x${c.w}x${c.cin}->${c.cout} k${c.k.join('x')} s${c.s.join('x')} ${c.pad}`;

/** Largest relative error per quantity for the case on the current backend. */
function conv2dErrors(c: Case, seed: number): { y: number; dx: number; dw: number; values: Float32Array[] } {
  const x = seededPair([c.n, c.h, c.w, c.cin], seed);
  const f = seededPair([c.k[0], c.k[1], c.cin, c.cout], seed + 1);
  const oh = convAxis(c.h, c.k[0], c.s[0], c.pad).out;
  const ow = convAxis(c.w, c.k[1], c.s[1], c.pad).out;
  const dy = seededPair([c.n, oh, ow, c.cout], seed + 2);
  const ref = convNdReference(x.ref, f.ref, c.s, c.pad, dy.ref);
  const fn = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad), dy.t));
  const y = tf.conv2d(x.t as tf.Tensor4D, f.t as tf.Tensor4D, c.s, c.pad);
  const [gx, gf] = tf.grads(fn)([x.t, f.t]);
  const values = [y.dataSync() as Float32Array, gx.dataSync() as Float32Array, gf.dataSync() as Float32Array];
  tf.dispose([x.t, f.t, dy.t, y, gx, gf]);
  return { y: relativeError(values[0], ref.y.data), dx: relativeError(values[1], ref.dx.data), dw: relativeError(values[2], ref.dFilter.data), values };
}

function conv2dTransposeErrors(c: Case, seed: number): { y: number; dx: number; dw: number; values: Float32Array[] } {
  // conv2dTranspose maps the conv's output grid [n,oh,ow,cout] back to [n,h,w,cin]
  const oh = convAxis(c.h, c.k[0], c.s[0], c.pad).out;
  const ow = convAxis(c.w, c.k[1], c.s[1], c.pad).out;
  const x = seededPair([c.n, oh, ow, c.cout], seed);
  const f = seededPair([c.k[0], c.k[1], c.cin, c.cout], seed + 1);
  const outShape: [number, number, number, number] = [c.n, c.h, c.w, c.cin];
  const dy = seededPair(outShape, seed + 2);
  const ref = conv2dTransposeReference(x.ref, f.ref, outShape, c.s, c.pad, dy.ref);
  const op = (a: tf.Tensor, b: tf.Tensor) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, c.s, c.pad);
  const y = op(x.t, f.t);
  const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, b), dy.t)))([x.t, f.t]);
  const values = [y.dataSync() as Float32Array, gx.dataSync() as Float32Array, gf.dataSync() as Float32Array];
  tf.dispose([x.t, f.t, dy.t, y, gx, gf]);
  return { y: relativeError(values[0], ref.y.data), dx: relativeError(values[1], ref.dx.data), dw: relativeError(values[2], ref.dFilter.data), values };
}

describe('reference self-check', () => {
  it('conv2dTransposeReference is the adjoint of convNdReference (independent loops agree)', () => {
    const c = CASES[3];
    const oh = convAxis(c.h, c.k[0], c.s[0], c.pad).out;
    const ow = convAxis(c.w, c.k[1], c.s[1], c.pad).out;
    const z = seededPair([c.n, c.h, c.w, c.cin], 5).ref;
    const f = seededPair([c.k[0], c.k[1], c.cin, c.cout], 6).ref;
    const u = seededPair([c.n, oh, ow, c.cout], 7).ref;
    const conv = convNdReference(z, f, c.s, c.pad);
    const convT = conv2dTransposeReference(u, f, z.shape, c.s, c.pad);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < u.data.length; i++) lhs += conv.y.data[i] * u.data[i];
    for (let i = 0; i < z.data.length; i++) rhs += convT.y.data[i] * z.data[i];
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9 * Math.max(1, Math.abs(lhs)));
  });
});

const results: Record<string, Record<string, Float32Array[]>> = { cpu: {}, wasm: {} };

for (const backend of CPU_BACKENDS) {
  describe(`conv2d gradients on ${backend}`, () => {
    it.each(CASES.map((c, i) => [label(c), c, i] as const))('%s', async (_name, c, i) => {
      await useBackend(backend);
      const e = conv2dErrors(c, 100 + i * 7);
      results[backend][`conv ${i}`] = e.values;
      expect(e.y, 'forward').toBeLessThan(TOL);
      expect(e.dx, 'd input').toBeLessThan(TOL);
      expect(e.dw, 'd filter').toBeLessThan(TOL);
    });
  });
  describe(`conv2dTranspose gradients on ${backend}`, () => {
    it.each(CASES.map((c, i) => [label(c), c, i] as const))('%s', async (_name, c, i) => {
      await useBackend(backend);
      const e = conv2dTransposeErrors(c, 300 + i * 7);
      results[backend][`convT ${i}`] = e.values;
      expect(e.y, 'forward').toBeLessThan(TOL);
      expect(e.dx, 'd input').toBeLessThan(TOL);
      expect(e.dw, 'd filter').toBeLessThan(TOL);
    });
  });
}

describe('wasm agrees with cpu', () => {
  it('every conv2d / conv2dTranspose value and gradient matches to 1e-5 relative', () => {
    const keys = Object.keys(results.cpu);
    expect(keys.length).toBe(CASES.length * 2);
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

  it.each(CPU_BACKENDS)('the replaced conv kernels leak no tensors or backend buffers on %s', async (backend) => {
    await useBackend(backend);
    expect(tf.getKernel('Conv2DBackpropFilter', backend)).toBeDefined();
    const x = tf.ones([2, 6, 6, 2]) as tf.Tensor4D;
    const f = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
    const up = tf.ones([2, 2, 3, 2]) as tf.Tensor4D;
    const g = () =>
      tf.tidy(() => {
        // filter and input grads at strides 2 and 1, conv2dTranspose k=s=2 forward and grads
        const [gs2x, gs2] = tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')))([x, f]);
        const [gx, gw] = tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')))([x, f]);
        const [gu, gk] = tf.grads((a: tf.Tensor, w: tf.Tensor) => tf.sum(tf.conv2dTranspose(a as tf.Tensor4D, w as tf.Tensor4D, [2, 12, 12, 3], 2, 'same')))([x, up]);
        return tf.addN([tf.sum(gs2x), tf.sum(gs2), tf.sum(gx), tf.sum(gw), tf.sum(gu), tf.sum(gk)]);
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
