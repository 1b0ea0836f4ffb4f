/**
 * lib/core z-scoring: inside a mask, over all voxels (what training uses), the
 * constant-image rule, and the exact float arithmetic training relies on.
 */
import { describe, expect, it } from 'vitest';
import { GridMismatchError } from '../../lib/core/grid';
import { makeVolume } from '../../lib/core/volume';
import { zscore, zscoreInMask } from '../../lib/core/zscore';

describe('zscore', () => {
  it('z-score inside a mask', () => {
    const img = makeVolume(Float32Array.from([1, 2, 3, 4, 100, 200]), [6, 1, 1]);
    const mask = makeVolume(Uint8Array.from([1, 1, 1, 1, 0, 0]), [6, 1, 1]);
    const z = zscoreInMask(img, mask);
    const sd = Math.sqrt(1.25);
    expect(Array.from(z.data).map((x) => +x.toFixed(5))).toEqual([-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd, 0, 0].map((x) => +x.toFixed(5)));
    const keep = zscoreInMask(img, mask, { outside: 'keep' });
    expect(keep.data[4]).toBeCloseTo((100 - 2.5) / sd, 4);
    const all = zscoreInMask(img);
    expect(all.data.reduce((a, b) => a + b, 0) / all.data.length).toBeCloseTo(0, 6);
    expect(() => zscoreInMask(img, makeVolume(new Uint8Array(6), [6, 1, 1]))).toThrow(/no voxel/);
    expect(() => zscoreInMask(img, makeVolume(new Uint8Array(5), [5, 1, 1]))).toThrow(GridMismatchError);
    // constant image: only the mean is removed
    expect(Array.from(zscoreInMask(makeVolume(new Float32Array(3).fill(4), [3, 1, 1])).data)).toEqual([0, 0, 0]);
  });

  it('over all voxels: float64 mean and population sd, one float32 rounding per voxel', () => {
    const x = Float32Array.from([0.1, 7, -3.25, 1e3, 42, 0.5]);
    let s = 0;
    for (const v of x) s += v;
    const mean = s / x.length;
    let q = 0;
    for (const v of x) q += (v - mean) ** 2;
    const sd = Math.sqrt(q / x.length);
    expect(Array.from(zscore(x))).toEqual(Array.from(Float32Array.from(x, (v) => (v - mean) / sd)));
    expect(() => zscore(new Float32Array(0))).toThrow(/no voxel/);
    expect(() => zscore(x, new Uint8Array(5))).toThrow(/mask has 5 entries/);
  });
});
