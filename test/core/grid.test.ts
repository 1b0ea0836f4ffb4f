/**
 * lib/core grid checks: the one same-grid rule (relative spacing tolerance by default,
 * absolute on request, affines within 1e-3 mm or ignored), its error naming both inputs,
 * and the validation of a bare grid against a voxel count.
 */
import { describe, expect, it } from 'vitest';
import { assertSameGrid, checkGrid, GridMismatchError, sameGrid } from '../../lib/core/grid';
import { affineFromSpacing, makeVolume } from '../../lib/core/volume';

describe('grid mismatch', () => {
  const a = makeVolume(new Float32Array(24), [4, 3, 2], [1, 1, 1]);
  it('different dims name both files with their dims', () => {
    const b = makeVolume(new Uint8Array(30), [5, 3, 2], [1, 1, 1]);
    expect(() => assertSameGrid(a, b, ['img.nii.gz', 'seg.nii.gz'])).toThrow(GridMismatchError);
    try {
      assertSameGrid(a, b, ['img.nii.gz', 'seg.nii.gz']);
    } catch (e) {
      const m = (e as Error).message;
      expect(m).toContain('grid mismatch: img.nii.gz has dims 4x3x2 but seg.nii.gz has dims 5x3x2');
      expect(m).toContain('dims differ along axis 0: 4 vs 5');
      expect((e as GridMismatchError).a).toEqual({ name: 'img.nii.gz', dims: [4, 3, 2], spacing: [1, 1, 1] });
      expect((e as GridMismatchError).b.dims).toEqual([5, 3, 2]);
    }
  });
  it('different spacing or origin', () => {
    const s = makeVolume(new Uint8Array(24), [4, 3, 2], [1, 1, 1.5]);
    expect(() => assertSameGrid(a, s, ['img', 'seg'])).toThrow(/spacing along axis 2 differs: 1 vs 1.5/);
    const o = makeVolume(new Uint8Array(24), [4, 3, 2], [1, 1, 1], [[1, 0, 0, 0.5], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
    expect(() => assertSameGrid(a, o, ['img', 'seg'])).toThrow(/affine\[0\]\[3\] differs/);
    expect(() => assertSameGrid(a, makeVolume(new Uint8Array(24), [4, 3, 2]), ['img', 'seg'])).not.toThrow();
  });
});

describe('tolerance rule', () => {
  it('sameGrid / assertSameGrid tolerance', () => {
    const a = makeVolume(new Float32Array(8), [2, 2, 2], [1, 1, 1]);
    const b = makeVolume(new Uint8Array(8), [2, 2, 2], [1 + 1e-6, 1, 1]);
    expect(sameGrid(a, b)).toBe(true);
    expect(sameGrid(a, makeVolume(new Uint8Array(8), [2, 2, 2], [1.01, 1, 1]))).toBe(false);
    expect(() => assertSameGrid(a, makeVolume(new Uint8Array(8), [2, 2, 2], [1.01, 1, 1]), ['t1.nii', 'seg.nii'])).toThrow(/t1.nii.*seg.nii/);
  });
  it('relative by default, absolute when asked', () => {
    const a = makeVolume(new Uint8Array(8), [2, 2, 2], [3, 3, 3]);
    const b = makeVolume(new Uint8Array(8), [2, 2, 2], [3.0002, 3, 3], affineFromSpacing([3, 3, 3]));
    expect(sameGrid(a, b)).toBe(true); // 2e-4 mm ≤ 1e-4 · 3.0002 mm
    expect(sameGrid(a, b, { spacingRel: 0, spacingMm: 1e-4 })).toBe(false);
    expect(() => assertSameGrid(a, b, ['p.nii', 'r.nii'], { spacingRel: 0, spacingMm: 1e-4 })).toThrow(
      /grid mismatch: p.nii has spacing \[3, 3, 3\] mm but r.nii has spacing \[3.0002, 3, 3\] mm \(spacing along axis 0 differs: 3 vs 3.0002 mm\)/,
    );
  });
  it('affines: 1e-3 mm, Infinity or a missing affine skips them, NaN never agrees', () => {
    const a = makeVolume(new Uint8Array(8), [2, 2, 2]);
    const shifted = makeVolume(new Uint8Array(8), [2, 2, 2], [1, 1, 1], affineFromSpacing([1, 1, 1], [0.002, 0, 0]));
    expect(() => assertSameGrid(a, shifted, ['p.nii', 'r.nii'])).toThrow(/grid mismatch: p.nii and r.nii have different affines \(affine\[0\]\[3\] differs: 0 vs 0.002/);
    expect(sameGrid(a, shifted, { affineMm: Infinity })).toBe(true);
    expect(sameGrid({ dims: a.dims, spacing: a.spacing }, shifted)).toBe(true);
    const nan = makeVolume(new Uint8Array(8), [2, 2, 2], [1, 1, 1], affineFromSpacing([1, 1, 1], [NaN, 0, 0]));
    expect(sameGrid(a, nan)).toBe(false);
    expect(() => assertSameGrid(a, nan)).toThrow(GridMismatchError);
  });
});

describe('checkGrid', () => {
  it('validates dims, spacing and the voxel count, naming the caller', () => {
    expect(() => checkGrid({ dims: [2, 2, 2], spacing: [1, 1, 1] }, 8, 'x')).not.toThrow();
    expect(() => checkGrid({ dims: [2, 2, 3], spacing: [1, 1, 1] }, 8, 'surf')).toThrow(/surf: 8 voxels do not fill dims 2x2x3 \(expected 12\)/);
    expect(() => checkGrid({ dims: [2, 0, 2], spacing: [1, 1, 1] }, 0, 'a')).toThrow(/a: dims must be 3 positive integers/);
    expect(() => checkGrid({ dims: [2, 2, 2], spacing: [1, NaN, 1] }, 8, 'b')).toThrow(/b: spacing must be 3 positive finite/);
  });
});
