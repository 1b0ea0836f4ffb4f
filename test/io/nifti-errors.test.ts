/**
 * Bad input gives a typed error naming the file and the problem: one test per kind.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { describe, expect, it } from 'vitest';
import { parseNifti, readNifti } from '../../lib/io/nifti';
import { encodeNifti } from '../../lib/io/nifti-write';
import { NiftiError, NiftiErrorReason } from '../../lib/io/errors';
import { assertFinite } from '../../lib/io/ops';
import { makeVolume } from '../../lib/core/volume';
import { fixturePath } from './helpers';

function validBytes(): Uint8Array {
  const data = Float32Array.from({ length: 4 * 3 * 2 }, (_, i) => i - 5);
  return encodeNifti(makeVolume(data, [4, 3, 2], [1, 2, 3]), { datatype: 'float32' });
}

function mutate(fn: (b: Uint8Array, v: DataView) => void, src = validBytes()): Uint8Array {
  const b = Uint8Array.from(src);
  fn(b, new DataView(b.buffer));
  return b;
}

function expectNiftiError(fn: () => unknown, reason: NiftiErrorReason, file: string, text?: string | RegExp): NiftiError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a NiftiError').toBeInstanceOf(NiftiError);
  const e = err as NiftiError;
  expect(e.reason).toBe(reason);
  expect(e.file).toBe(file);
  expect(e.message).toContain(file);
  if (text) expect(e.message).toMatch(text);
  return e;
}

describe('typed errors of the reader', () => {
  it('the valid base file reads', () => {
    expect(parseNifti(validBytes(), 'base.nii').volume.dims).toEqual([4, 3, 2]);
  });

  it('wrong magic', () => {
    expectNiftiError(() => parseNifti(mutate((b) => (b[345] = 0x21)), 'm.nii'), 'magic', 'm.nii', /wrong NIfTI-1 magic/);
    expectNiftiError(() => parseNifti(mutate((b) => (b[345] = 0x69)), 'pair.nii'), 'magic', 'pair.nii', /pairs/);
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setInt32(0, 1234, true)), 's.nii'), 'magic', 's.nii', /sizeof_hdr is 1234/);
    expectNiftiError(() => parseNifti(new TextEncoder().encode('hello, not an image at all'), 't.nii'), 'magic', 't.nii');
  });

  it('truncated header', () => {
    expectNiftiError(() => parseNifti(validBytes().subarray(0, 200), 'h.nii'), 'truncated-header', 'h.nii', /needs 348/);
    expectNiftiError(() => parseNifti(validBytes().subarray(0, 2), 'h2.nii'), 'truncated-header', 'h2.nii');
    expectNiftiError(() => parseNifti(new Uint8Array(0), 'empty.nii'), 'truncated-header', 'empty.nii');
  });

  it('truncated data', () => {
    const b = validBytes();
    expectNiftiError(() => parseNifti(b.subarray(0, b.length - 3), 'd.nii'), 'truncated-data', 'd.nii', /need 96 data bytes/);
  });

  it('dims that do not match the file size, refused before allocating', () => {
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setInt16(44, 4000, true)), 'big.nii'), 'truncated-data', 'big.nii', /4x4000x2/);
    const t0 = Date.now();
    const huge = mutate((_, v) => [1, 2, 3].forEach((i) => v.setInt16(40 + 2 * i, 32767, true)));
    expectNiftiError(() => parseNifti(huge, 'huge.nii'), 'truncated-data', 'huge.nii');
    // refused from the header, before a 32767³ allocation could start: a hang guard, not a speed test
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('invalid dim fields', () => {
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setInt16(44, 0, true)), 'z.nii'), 'bad-dims', 'z.nii', /dim\[2\] is 0/);
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setInt16(40, 9, true)), 'n.nii'), 'bad-dims', 'n.nii', /dim\[0\] is 9/);
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setInt16(46, -3, true)), 'neg.nii'), 'bad-dims', 'neg.nii');
  });

  it('gzip corruption', () => {
    const gz = zlib.gzipSync(validBytes());
    expect(parseNifti(gz, 'ok.nii.gz').volume.dims).toEqual([4, 3, 2]);
    expectNiftiError(() => parseNifti(gz.subarray(0, gz.length - 20), 'cut.nii.gz'), 'gzip', 'cut.nii.gz', /corrupt or truncated/);
    const flipped = Uint8Array.from(gz);
    flipped[Math.floor(gz.length / 2)] ^= 0xff;
    flipped[Math.floor(gz.length / 2) + 1] ^= 0x5a;
    expectNiftiError(() => parseNifti(flipped, 'flip.nii.gz'), 'gzip', 'flip.nii.gz');
    expectNiftiError(() => parseNifti(validBytes(), 'plain.nii.gz'), 'gzip', 'plain.nii.gz', /signature/);
  });

  it('a decompressed size over the limit is refused', () => {
    const gz = zlib.gzipSync(validBytes());
    expectNiftiError(() => parseNifti(gz, 'lim.nii.gz', { maxBytes: 300 }), 'too-large', 'lim.nii.gz');
  });

  it('unsupported datatype', () => {
    const p = fixturePath('files/complex64_unsupported.nii');
    expectNiftiError(() => readNifti(p), 'unsupported-datatype', p, /complex64/);
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setInt16(70, 1024, true)), 'i64.nii'), 'unsupported-datatype', 'i64.nii', /int64/);
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setInt16(70, 77, true)), 'u.nii'), 'unsupported-datatype', 'u.nii', /unknown code 77/);
  });

  it('unusable header fields', () => {
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setFloat32(108, 10, true)), 'vo.nii'), 'bad-header', 'vo.nii', /vox_offset is 10/);
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setFloat32(108, 352.5, true)), 'vo2.nii'), 'bad-header', 'vo2.nii');
    expectNiftiError(
      () => parseNifti(mutate((_, v) => { for (let i = 0; i < 12; i++) v.setFloat32(280 + 4 * i, 0, true); }), 'sf.nii'),
      'bad-header',
      'sf.nii',
      /sform/,
    );
    expectNiftiError(() => parseNifti(mutate((_, v) => v.setFloat32(116, NaN, true)), 'in.nii'), 'bad-header', 'in.nii', /scl_inter/);
  });

  it('NaN/Inf voxels', () => {
    const nan = mutate((_, v) => v.setFloat32(352 + 4 * 5, NaN, true));
    expectNiftiError(() => parseNifti(nan, 'nan.nii'), 'non-finite', 'nan.nii', /1 NaN\/Inf voxel\(s\) in volume 0, first at voxel \(1, 1, 0\)/);
    expect(Number.isNaN(parseNifti(nan, 'nan.nii', { nonfinite: 'keep' }).volume.data[5])).toBe(true);
    const vol = parseNifti(nan, 'nan.nii', { nonfinite: 'keep' }).volume;
    expectNiftiError(() => assertFinite(vol, 'case-7/FLAIR'), 'non-finite', 'case-7/FLAIR');
  });

  it('volume index out of range', () => {
    const p = fixturePath('files/float32_4d.nii.gz');
    expectNiftiError(() => readNifti(p, { volumeIndex: 3 }), 'volume-index', p, /3 volume/);
    expectNiftiError(() => readNifti(p, { volumeIndex: -1 }), 'volume-index', p);
  });

  it('a missing file', () => {
    const p = path.join(os.tmpdir(), 'backsplit-does-not-exist', 'x.nii.gz');
    expectNiftiError(() => readNifti(p), 'read-failed', p, /ENOENT/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-io-'));
    try {
      expectNiftiError(() => readNifti(dir), 'read-failed', dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
