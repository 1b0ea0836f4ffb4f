/**
 * The NIfTI reader against nibabel (independent reference): every committed fixture
 * and, when ../shared/data exists, the real volumes there.
 *
 * Tolerances: header floats are float32/float64 values copied exactly (1e-7 relative);
 * affines 1e-5 mm absolute (the qform is rebuilt from a float32 quaternion by both
 * readers, in slightly different arithmetic); sums/means 1e-6 relative plus
 * 1e-7·N·max|x| absolute, which covers scaled voxels being stored as float32 while
 * nibabel keeps float64; voxel values 1e-6 relative.
 */
import { describe, expect, it } from 'vitest';
import { readNifti, readNiftiAll } from '../../lib/io/nifti';
import { NiftiError } from '../../lib/io/errors';
import { expectClose, expectedAffine, expectMatrixClose, FileRef, fixturePath, HAVE_SHARED, reference, VolumeRef, weightedSum } from './helpers';

function checkVolume(data: ArrayLike<number>, dims: number[], ref: VolumeRef, what: string): void {
  let min = Infinity, max = -Infinity, sum = 0, nonzero = 0, count = 0, nonfinite = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (!Number.isFinite(x)) { nonfinite++; continue; }
    count++;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
    if (x !== 0) nonzero++;
  }
  expect(data.length, `${what} voxel count`).toBe(ref.count);
  expect(nonfinite, `${what} non-finite`).toBe(ref.nonfinite);
  expect(nonzero, `${what} nonzero`).toBe(ref.nonzero);
  const maxAbs = Math.max(Math.abs(ref.min ?? 0), Math.abs(ref.max ?? 0));
  expectClose(min, ref.min!, 1e-6, 1e-12, `${what} min`);
  expectClose(max, ref.max!, 1e-6, 1e-12, `${what} max`);
  expectClose(sum, ref.sum, 1e-6, 1e-7 * count * maxAbs, `${what} sum`);
  expectClose(sum / count, ref.mean!, 1e-6, 1e-7 * maxAbs, `${what} mean`);
  expectClose(weightedSum(data), ref.weighted_sum, 1e-6, 13e-7 * count * maxAbs, `${what} weighted checksum`);
  for (const p of ref.voxels ?? []) {
    const [i, j, k] = p.index;
    const v = data[i + dims[0] * (j + dims[1] * k)];
    if (p.value === null) expect(Number.isFinite(v)).toBe(false);
    else expectClose(v, p.value, 1e-6, 1e-12, `${what} voxel (${p.index.join(',')})`);
  }
}

function checkFile(key: string, ref: FileRef): void {
  const file = fixturePath(key);
  const allowNonFinite = (ref.stats_all?.nonfinite ?? 0) > 0;
  const { volumes, header } = readNiftiAll(file, { nonfinite: allowNonFinite ? 'keep' : 'error' });
  expect(header.shape).toEqual(ref.shape);
  expect(header.datatype).toBe(ref.datatype);
  expect(header.datatypeCode).toBe(ref.datatype_code);
  expect(header.version).toBe(ref.version);
  expect(header.littleEndian).toBe(ref.endianness === 'little');
  expect(header.qformCode).toBe(ref.qform_code);
  expect(header.sformCode).toBe(ref.sform_code);
  for (let i = 0; i < 3; i++) expectClose(header.pixdim[i], ref.pixdim[i + 1]!, 1e-7, 0, `${key} pixdim[${i + 1}]`);
  expectMatrixClose(header.affine, expectedAffine(ref), 1e-5, `${key} affine`);
  expect(header.description).toBe(ref.description);
  const [slope, inter] = ref.slope_inter;
  if (slope === 1 && inter === 0) expect(header.scaling).toBeNull();
  else expect(header.scaling).toEqual({ slope, inter });
  expect(volumes.length).toBe(ref.volumes!.length);
  volumes.forEach((v, t) => {
    expect(v.dims).toEqual(ref.shape.slice(0, 3));
    checkVolume(v.data, v.dims, ref.volumes![t], `${key} volume ${t}`);
  });
}

const fixtureKeys = Object.keys(reference.files).filter((k) => !k.startsWith('shared/') && reference.files[k].volumes);
const sharedKeys = Object.keys(reference.files).filter((k) => k.startsWith('shared/'));

describe('readNifti matches nibabel on the committed fixtures', () => {
  it('has fixtures to compare', () => {
    expect(fixtureKeys.length).toBeGreaterThanOrEqual(20);
  });
  for (const key of fixtureKeys) {
    it(key, () => checkFile(key, reference.files[key]));
  }
});

describe.skipIf(!HAVE_SHARED)('readNifti matches nibabel on ../shared/data', () => {
  if (!HAVE_SHARED) console.warn('skipping shared-data comparisons: ../shared/data is missing');
  for (const key of sharedKeys) {
    it(key, () => checkFile(key, reference.files[key]));
  }
});

describe('reader behaviour', () => {
  const f = (name: string) => fixturePath(`files/${name}`);

  it('keeps integer types when scaling is identity and scales to float32 otherwise', () => {
    expect(readNifti(f('uint8_labels.nii.gz')).volume.data).toBeInstanceOf(Uint8Array);
    expect(readNifti(f('int16_slope1.nii')).volume.data).toBeInstanceOf(Int16Array);
    expect(readNifti(f('uint8_slope0.nii')).volume.data).toBeInstanceOf(Uint8Array);
    expect(readNifti(f('int16_be.nii')).volume.data).toBeInstanceOf(Int16Array);
    expect(readNifti(f('uint32_be.nii.gz')).volume.data).toBeInstanceOf(Uint32Array);
    expect(readNifti(f('int8_aniso.nii')).volume.data).toBeInstanceOf(Int8Array);
    expect(readNifti(f('float64_be.nii')).volume.data).toBeInstanceOf(Float64Array);
    const scaled = readNifti(f('int16_scaled.nii'));
    expect(scaled.volume.data).toBeInstanceOf(Float32Array);
    expect(scaled.header.datatype).toBe('int16');
  });

  it('slope 0 means no scaling at all (intercept ignored), as nibabel', () => {
    const { header } = readNifti(f('uint8_slope0.nii'));
    expect(header.sclSlope).toBe(0);
    expect(header.sclInter).toBe(7);
    expect(header.scaling).toBeNull();
  });

  it('reads a chosen volume of a 4D file and reports its dims', () => {
    const ref = reference.files['files/float32_4d.nii.gz'];
    for (let t = 0; t < 3; t++) {
      const { volume, header, volumeIndex } = readNifti(f('float32_4d.nii.gz'), { volumeIndex: t });
      expect(volumeIndex).toBe(t);
      expect(header.dims).toEqual([7, 6, 5, 3]);
      expect(header.nVolumes).toBe(3);
      expectClose(weightedSum(volume.data), ref.volumes![t].weighted_sum, 1e-6, 1e-6, `volume ${t}`);
    }
    expect(readNifti(f('float32_4d.nii.gz')).volumeIndex).toBe(0);
    expect(readNifti(f('uint8_labels.nii.gz')).header.dims).toEqual([7, 6, 5]);
  });

  it('chooses the affine by the sform/qform codes', () => {
    expect(readNifti(f('sform_only.nii')).header.affineSource).toBe('sform');
    expect(readNifti(f('qform_only_flipped.nii')).header.affineSource).toBe('qform');
    expect(readNifti(f('no_codes.nii')).header.affineSource).toBe('pixdim');
    expect(readNifti(f('float32_oblique.nii.gz')).header.affineSource).toBe('sform'); // equal codes → sform
    // qform_code 2 > sform_code 1: our rule takes the qform, which differs from nibabel's img.affine here
    const { header } = readNifti(f('qform_code_gt_sform.nii'));
    expect(header.affineSource).toBe('qform');
    const ref = reference.files['files/qform_code_gt_sform.nii'];
    expectMatrixClose(header.affine, ref.qform!, 1e-5, 'qform');
    expect(Math.abs(header.affine[0][0] - ref.affine_nibabel[0][0])).toBeGreaterThan(0.01);
  });

  it('a qform with qfac −1 gives a negative-determinant affine and positive spacing', () => {
    const { volume, header } = readNifti(f('qform_only_flipped.nii'));
    expect(header.qfac).toBe(-1);
    const a = volume.affine;
    const det =
      a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    expect(det).toBeLessThan(0);
    expect(volume.spacing.map((s) => +s.toFixed(5))).toEqual([1.2, 0.8, 1.5]);
  });

  it('spacing is pixdim (anisotropic)', () => {
    expect(readNifti(f('int8_aniso.nii')).volume.spacing.map((s) => +s.toFixed(5))).toEqual([0.7, 1.3, 2.5]);
  });

  it('reads NIfTI-2 in both byte orders', () => {
    expect(readNifti(f('nifti2_float32.nii')).header.version).toBe(2);
    const be = readNifti(f('nifti2_int16_be.nii.gz'));
    expect(be.header.version).toBe(2);
    expect(be.header.littleEndian).toBe(false);
    expect(be.volume.data).toBeInstanceOf(Int16Array);
  });

  it('NaN/Inf voxels are an error unless allowed', () => {
    let err: unknown;
    try {
      readNifti(f('float32_nonfinite.nii'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NiftiError);
    expect((err as NiftiError).reason).toBe('non-finite');
    expect((err as NiftiError).message).toContain('float32_nonfinite.nii');
    expect((err as NiftiError).message).toContain('2 NaN/Inf');
    const ok = readNifti(f('float32_nonfinite.nii'), { nonfinite: 'keep' });
    expect(Number.isNaN(ok.volume.data[1 + 7 * (2 + 6 * 3)])).toBe(true);
  });
});
