/**
 * lib/backend/reference: the float64 references agree with each other where they must
 * (the transposed convolution is the adjoint of the convolution; the new op references
 * satisfy the adjoint identity <y(x), r> = <x, dx(r)> of linear / piecewise-linear maps).
 */
import { describe, expect, it } from 'vitest';
import {
  conv2dTransposeReference,
  convAxis,
  convNdReference,
  maxPoolReference,
  OpReference,
  RefTensor,
  refTensor,
  resizeReference,
  seededValues,
  sliceReference,
} from '../../lib/backend/reference';
import { seededPair } from './helpers';
import { CONV_CASES } from './kernels/conv2d-cases';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('reference self-check', () => {
  it('conv2dTransposeReference is the adjoint of convNdReference (independent loops agree)', () => {
    const c = CONV_CASES[3];
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

  it('maxPool, resize and slice references: <y(x), r> == <x, dx(r)>', () => {
    const x = refTensor([2, 5, 6, 3], seededValues(180, 11));
    const ops: Array<[string, (r?: RefTensor) => OpReference]> = [
      ['maxPool', (r) => maxPoolReference(x, [2, 2], [2, 2], 'same', r)],
      ['resize', (r) => resizeReference(x, [9, 7], 'bilinear', false, true, r)],
      ['slice', (r) => sliceReference(x, [1, 1, 2, 0], [1, 3, 4, 3], r)],
    ];
    for (const [name, f] of ops) {
      const y = f().y;
      const r = refTensor(y.shape, seededValues(y.data.length, 12));
      const lhs = dot(y.data, r.data);
      expect(Math.abs(lhs - dot(x.data, f(r).dx.data)), name).toBeLessThan(1e-9 * Math.max(1, Math.abs(lhs)));
    }
  });
});
