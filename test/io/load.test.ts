/**
 * readImageWithLabel / asLabelVolume: integer label maps, grid checks naming both files.
 */
import { describe, expect, it } from 'vitest';
import { asLabelVolume, readImageWithLabel } from '../../lib/io/load';
import { NiftiError } from '../../lib/io/errors';
import { GridMismatchError } from '../../lib/core/grid';
import { makeVolume } from '../../lib/core/volume';
import { fixturePath, HAVE_SHARED, SHARED_DATA } from './helpers';
import * as path from 'path';

describe('asLabelVolume', () => {
  it('keeps integer arrays and converts whole-number floats to the smallest type', () => {
    const u8 = makeVolume(Uint8Array.from([0, 1]), [2, 1, 1]);
    expect(asLabelVolume(u8, 'x')).toBe(u8);
    expect(asLabelVolume(makeVolume(Float32Array.from([0, 1, 255]), [3, 1, 1]), 'x').data).toBeInstanceOf(Uint8Array);
    expect(asLabelVolume(makeVolume(Float32Array.from([-1, 300]), [2, 1, 1]), 'x').data).toBeInstanceOf(Int16Array);
    expect(asLabelVolume(makeVolume(Float64Array.from([0, 70000]), [2, 1, 1]), 'x').data).toBeInstanceOf(Int32Array);
  });
  it('refuses fractional or non-finite labels, naming the file and voxel', () => {
    expect(() => asLabelVolume(makeVolume(Float32Array.from([0, 0.5]), [2, 1, 1]), 'seg.nii.gz')).toThrow(/seg.nii.gz.*voxel \(1, 0, 0\) is 0.5/);
    expect(() => asLabelVolume(makeVolume(Float32Array.from([NaN, 0]), [2, 1, 1]), 'seg.nii.gz')).toThrow(NiftiError);
  });
});

describe('readImageWithLabel', () => {
  it('grid mismatch names both files', () => {
    const img = fixturePath('files/int8_aniso.nii');
    const lab = fixturePath('files/uint8_labels.nii.gz');
    let err: unknown;
    try {
      readImageWithLabel(img, lab);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GridMismatchError);
    expect((err as Error).message).toContain('int8_aniso.nii');
    expect((err as Error).message).toContain('uint8_labels.nii.gz');
    expect((err as Error).message).toContain('spacing along axis 0 differs');
  });

  it.skipIf(!HAVE_SHARED)('a real image/label pair from ../shared/data', () => {
    const dir = path.join(SHARED_DATA, 'totalseg-example');
    const { image, label } = readImageWithLabel(path.join(dir, 'example_ct_sm.nii.gz'), path.join(dir, 'example_seg.nii.gz'));
    expect(image.dims).toEqual([122, 101, 30]);
    expect(label.data).toBeInstanceOf(Uint8Array);
  });
});
