/**
 * lib/backend/gradient-safe-ops: conv3dSafe, conv3dTransposeSafe and nearest upsampling
 * on cpu and wasm against float64 references (forward value and gradients of sum(y * dy)).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv3dMethodFor, conv3dSafe, conv3dTransposeSafe, upsampleNearest2d, upsampleNearest3d } from '../../lib/backend/gradient-safe-ops';
import { convAxis, convNdReference, PadMode, relativeError, seededValues } from '../../lib/backend/reference';
import { CPU_BACKENDS, seededPair, useBackend } from './helpers';

const TOL = 1e-5;

interface Case3 {
  shape: [number, number, number, number, number];
  k: [number, number, number];
  s: [number, number, number];
  cout: number;
  pad: PadMode;
}

const CASES3: Case3[] = [];
for (const pad of ['same', 'valid'] as PadMode[]) {
  CASES3.push({ shape: [2, 5, 6, 5, 2], k: [3, 3, 3], s: [1, 1, 1], cout: 3, pad });
  CASES3.push({ shape: [2, 5, 6, 5, 2], k: [3, 3, 3], s: [2, 2, 2], cout: 3, pad });
  CASES3.push({ shape: [1, 6, 5, 7, 3], k: [2, 2, 2], s: [2, 2, 2], cout: 2, pad }); // asymmetric 'same'
  CASES3.push({ shape: [2, 7, 5, 4, 1], k: [3, 1, 3], s: [2, 1, 1], cout: 2, pad });
}

const label3 = (c: Case3) => `[${c.shape}] k${c.k.join('x')} s${c.s.join('x')} ${c.pad}`;

function conv3dErrors(c: Case3, seed: number, method: 'auto' | 'native' | 'slices') {
  const x = seededPair(c.shape, seed);
  const f = seededPair([...c.k, c.shape[4], c.cout], seed + 1);
  const out = [c.shape[0], ...[1, 2, 3].map((a) => convAxis(c.shape[a], c.k[a - 1], c.s[a - 1], c.pad).out), c.cout];
  const dy = seededPair(out, seed + 2);
  const ref = convNdReference(x.ref, f.ref, c.s, c.pad, dy.ref);
  const op = (a: tf.Tensor, b: tf.Tensor) => conv3dSafe(a as tf.Tensor5D, b as tf.Tensor5D, c.s, c.pad, method);
  const y = op(x.t, f.t);
  const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, b), dy.t)))([x.t, f.t]);
  const errs = {
    shape: y.shape.join(','),
    y: relativeError(y.dataSync(), ref.y.data),
    dx: relativeError(gx.dataSync(), ref.dx.data),
    dw: relativeError(gf.dataSync(), ref.dFilter.data),
  };
  tf.dispose([x.t, f.t, dy.t, y, gx, gf]);
  expect(errs.shape).toBe(ref.y.shape.join(','));
  return errs;
}

describe('conv3dSafe', () => {
  it('uses depth slices on wasm and the native op elsewhere', () => {
    expect(conv3dMethodFor('wasm')).toBe('slices');
    expect(conv3dMethodFor('cpu')).toBe('native');
    expect(conv3dMethodFor('webgpu')).toBe('native');
  });

  const runs: Array<['cpu' | 'wasm', 'auto' | 'native' | 'slices']> = [
    ['wasm', 'auto'],
    ['cpu', 'auto'],
    ['cpu', 'slices'],
  ];
  for (const [backend, method] of runs) {
    it.each(CASES3.map((c, i) => [label3(c), c, i] as const))(`${backend} (${method}) %s`, async (_n, c, i) => {
      await useBackend(backend);
      const e = conv3dErrors(c, 500 + 11 * i, method);
      expect(e.y, 'forward').toBeLessThan(TOL);
      expect(e.dx, 'd input').toBeLessThan(TOL);
      expect(e.dw, 'd filter').toBeLessThan(TOL);
    });
  }

  it('rejects mismatched channels with a clear message', async () => {
    await useBackend('cpu');
    const x = tf.zeros([1, 3, 3, 3, 2]) as tf.Tensor5D;
    const f = tf.zeros([1, 1, 1, 3, 1]) as tf.Tensor5D;
    expect(() => conv3dSafe(x, f)).toThrow(/conv3dSafe: filter in-channels 3 != input channels 2/);
    tf.dispose([x, f]);
  });
});

describe('conv3dTransposeSafe (kernel == stride)', () => {
  for (const backend of CPU_BACKENDS) {
    for (const k of [2, 3]) {
      it(`${backend}: k=s=${k} forward and gradients match the adjoint of the float64 conv3d`, async () => {
        await useBackend(backend);
        const [n, d, h, w, ci, co] = [2, 3, 2, 4, 3, 2];
        const x = seededPair([n, d, h, w, ci], 900 + k);
        const f = seededPair([k, k, k, co, ci], 901 + k);
        const r = seededPair([n, d * k, h * k, w * k, co], 902 + k);
        // y = convT(x, W) is the adjoint of z -> conv3d(z, W) with W read as [k,k,k,co,ci]:
        // one reference conv of R gives y (its dx), dL/dx (its y) and dL/dW (its dFilter).
        const ref = convNdReference(r.ref, f.ref, [k, k, k], 'valid', x.ref);
        const op = (a: tf.Tensor, b: tf.Tensor) => conv3dTransposeSafe(a as tf.Tensor5D, b as tf.Tensor5D, k);
        const y = op(x.t, f.t);
        const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, b), r.t)))([x.t, f.t]);
        expect(y.shape).toEqual([n, d * k, h * k, w * k, co]);
        expect(relativeError(y.dataSync(), ref.dx.data), 'forward').toBeLessThan(TOL);
        expect(relativeError(gx.dataSync(), ref.y.data), 'd input').toBeLessThan(TOL);
        expect(relativeError(gf.dataSync(), ref.dFilter.data), 'd filter').toBeLessThan(TOL);
        tf.dispose([x.t, f.t, r.t, y, gx, gf]);
      });
    }
  }

  it('refuses stride != kernel size', async () => {
    await useBackend('cpu');
    const x = tf.zeros([1, 2, 2, 2, 1]) as tf.Tensor5D;
    const f = tf.zeros([2, 2, 2, 1, 1]) as tf.Tensor5D;
    expect(() => conv3dTransposeSafe(x, f, 3)).toThrow(/only stride == kernel size/);
    tf.dispose([x, f]);
  });
});

/** Float64 nearest upsampling (integer factors) and its gradient (block sums). */
function upsampleRef(values: Float64Array, shape: number[], factors: number[], dy: Float64Array) {
  const spatial = shape.slice(1, -1);
  const c = shape[shape.length - 1];
  const outSpatial = spatial.map((s, i) => s * factors[i]);
  const outPer = outSpatial.reduce((a, b) => a * b, 1);
  const inPer = spatial.reduce((a, b) => a * b, 1);
  const y = new Float64Array(shape[0] * outPer * c);
  const dx = new Float64Array(values.length);
  for (let b = 0; b < shape[0]; b++) {
    for (let o = 0; o < outPer; o++) {
      let rem = o;
      let inOff = 0;
      let mul = 1;
      for (let a = outSpatial.length - 1; a >= 0; a--) {
        const idx = rem % outSpatial[a];
        rem = Math.floor(rem / outSpatial[a]);
        inOff += Math.floor(idx / factors[a]) * mul;
        mul *= spatial[a];
      }
      for (let ch = 0; ch < c; ch++) {
        const src = (b * inPer + inOff) * c + ch;
        const dst = (b * outPer + o) * c + ch;
        y[dst] = values[src];
        dx[src] += dy[dst];
      }
    }
  }
  return { y, dx, outShape: [shape[0], ...outSpatial, c] };
}

describe('nearest upsampling with correct gradients', () => {
  const cases: Array<[string, number[], number[]]> = [
    ['2d x2', [3, 3, 5, 2], [2, 2]],
    ['2d [3,1]', [2, 4, 3, 1], [3, 1]],
    ['3d x2', [2, 2, 3, 3, 2], [2, 2, 2]],
    ['3d [1,2,3]', [2, 3, 2, 2, 1], [1, 2, 3]],
  ];
  for (const backend of CPU_BACKENDS) {
    it.each(cases)(`${backend}: %s`, async (_name, shape, factors) => {
      await useBackend(backend);
      const x = seededPair(shape, 77);
      const outShape = shape.map((s, i) => (i === 0 || i === shape.length - 1 ? s : s * factors[i - 1]));
      const dyv = seededValues(outShape.reduce((a, b) => a * b, 1), 78);
      const ref = upsampleRef(x.ref.data, shape, factors, dyv);
      const dy = tf.tensor(Float32Array.from(dyv), outShape);
      const op = (a: tf.Tensor) =>
        shape.length === 4 ? upsampleNearest2d(a as tf.Tensor4D, factors as [number, number]) : upsampleNearest3d(a as tf.Tensor5D, factors as [number, number, number]);
      const y = op(x.t);
      const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a), dy)))(x.t);
      expect(y.shape).toEqual(ref.outShape);
      expect(relativeError(y.dataSync(), ref.y)).toBeLessThan(TOL);
      expect(relativeError(gx.dataSync(), ref.dx)).toBeLessThan(TOL);
      tf.dispose([x.t, dy, y, gx]);
    });
  }

  it('rejects a non-integer factor', async () => {
    await useBackend('cpu');
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => upsampleNearest2d(x, 1.5)).toThrow(/upsampleNearest2d: factor must be a positive integer/);
    x.dispose();
  });
});
