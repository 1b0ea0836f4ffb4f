import { describe, expect, it } from 'vitest';
import { mapToUint8 } from '../../lib/core/volume';

describe('mapToUint8', () => {
  it('gives what Uint8Array.from(values, fn) gives, for typed and plain arrays', () => {
    const inputs: ArrayLike<number>[] = [
      new Float32Array([0, 2.5, -1, Number.NaN, 300]),
      new Int16Array([0, -3, 7, 256, 255]),
      [0, 1, 2, 3, 511],
    ];
    const fns = [(v: number) => (v ? 1 : 0), (v: number) => (v > 0 ? 7 : 0), (v: number) => v];
    for (const values of inputs) {
      for (const fn of fns) expect(Array.from(mapToUint8(values, fn))).toEqual(Array.from(Uint8Array.from(values, fn)));
    }
  });

  it('stores values modulo 256, as Uint8Array does', () => {
    expect(Array.from(mapToUint8([256, 257, -1], (v) => v))).toEqual([0, 1, 255]);
  });

  it('returns a new array of the input length (empty input too)', () => {
    const src = new Uint8Array([1, 0, 1]);
    const out = mapToUint8(src, (v) => v);
    expect(out).not.toBe(src);
    expect(out.length).toBe(3);
    expect(mapToUint8([], (v) => v).length).toBe(0);
  });
});
