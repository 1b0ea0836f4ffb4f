/**
 * writeNifti: round trips through our reader, value/range checks, atomic replacement,
 * byte-identity with the committed TS-written fixtures (which nibabel described when
 * they were made), and, when Debian's nibabel is installed, a live check that nibabel
 * reads freshly written files identically.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readNifti } from '../../lib/io/nifti';
import { encodeNifti, writeNifti, defaultWriteDatatype } from '../../lib/io/nifti-write';
import { NiftiError } from '../../lib/io/errors';
import { makeVolume, Volume, Vec3 } from '../../lib/core/volume';
import { seededRandom, tsWrittenCases } from '../../data-scripts/fixtures/ts-written-cases';
import { expectClose, expectMatrixClose, FileRef, FIXTURES, PYTHON, reference, ROOT, weightedSum } from './helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-io-write-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const oblique: number[][] = [
  [0.7250462, -0.4960597, 0.2196682, -10.5],
  [0.3380946, 1.0638034, -0.47108, 20.25],
  [0, 0.249494, 2.445369, 3],
  [0, 0, 0, 1],
];

function sampleVolumes(): { name: string; volume: Volume; datatype: 'float32' | 'int16' | 'uint8' }[] {
  const rnd = seededRandom(7);
  const dims: Vec3 = [9, 7, 5];
  const n = 9 * 7 * 5;
  return [
    { name: 'f32.nii.gz', datatype: 'float32', volume: makeVolume(Float32Array.from({ length: n }, () => (rnd() - 0.3) * 1e3), dims, [0.8, 1.2, 2.5], oblique) },
    { name: 'f32.nii', datatype: 'float32', volume: makeVolume(Float64Array.from({ length: n }, () => rnd() * 1e-3), dims, [1, 1, 1]) },
    { name: 'i16.nii.gz', datatype: 'int16', volume: makeVolume(Int16Array.from({ length: n }, () => Math.floor(rnd() * 65536) - 32768), dims, [0.8, 1.2, 2.5], oblique) },
    { name: 'u8.nii.gz', datatype: 'uint8', volume: makeVolume(Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256)), dims, [2, 2, 2]) },
    { name: 'u8-from-i32.nii', datatype: 'uint8', volume: makeVolume(Int32Array.from({ length: n }, () => Math.floor(rnd() * 5)), dims, [3, 3, 3]) },
  ];
}

describe('writeNifti round trip through readNifti', () => {
  for (const { name, volume, datatype } of sampleVolumes()) {
    it(name, () => {
      const p = path.join(tmp, name);
      writeNifti(p, volume, { datatype, qformCode: 1, sformCode: 4, description: `test ${name}` });
      const { volume: back, header } = readNifti(p);
      expect(header.datatype).toBe(datatype);
      expect(header.qformCode).toBe(1);
      expect(header.sformCode).toBe(4);
      expect(header.description).toBe(`test ${name}`);
      expect(back.dims).toEqual(volume.dims);
      expect(Array.from(back.data)).toEqual(Array.from(datatype === 'float32' ? Float32Array.from(volume.data) : volume.data));
      expect(back.data.constructor.name).toBe({ float32: 'Float32Array', int16: 'Int16Array', uint8: 'Uint8Array' }[datatype]);
      // sform rows are float32: 1e-6 relative
      for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expectClose(back.affine[r][c], volume.affine[r][c], 1e-6, 1e-7, `affine[${r}][${c}]`);
      for (let i = 0; i < 3; i++) expectClose(back.spacing[i], volume.spacing[i], 1e-6, 0, `spacing[${i}]`);
      // the qform, derived from the affine, agrees with it
      expectMatrixClose(header.qform!, volume.affine, 1e-5, 'qform');
      expect(fs.existsSync(p)).toBe(true);
    });
  }

  it('leaves no temporary files and replaces an existing file', () => {
    const p = path.join(tmp, 'replace.nii.gz');
    const v1 = makeVolume(new Uint8Array(8).fill(1), [2, 2, 2]);
    const v2 = makeVolume(new Uint8Array(8).fill(2), [2, 2, 2]);
    writeNifti(p, v1);
    writeNifti(p, v2);
    expect(Array.from(readNifti(p).volume.data)).toEqual(Array(8).fill(2));
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('writeNifti refuses what it cannot store exactly', () => {
  const v = (data: ArrayLike<number>) => makeVolume(Float32Array.from(data), [2, 1, 1]);
  const expectReason = (fn: () => void, reason: string, text?: RegExp) => {
    try {
      fn();
      expect.fail('expected a NiftiError');
    } catch (e) {
      expect(e).toBeInstanceOf(NiftiError);
      expect((e as NiftiError).reason).toBe(reason);
      if (text) expect((e as Error).message).toMatch(text);
    }
  };
  it('fractional or out-of-range values for integer types', () => {
    expectReason(() => encodeNifti(v([1, 2.5]), { datatype: 'int16' }, 'x.nii'), 'bad-volume', /voxel 1 is 2.5/);
    expectReason(() => encodeNifti(v([256, 0]), { datatype: 'uint8' }, 'x.nii'), 'bad-volume', /uint8 cannot hold/);
    expectReason(() => encodeNifti(v([-40000, 0]), { datatype: 'int16' }, 'x.nii'), 'bad-volume');
  });
  it('NaN/Inf unless allowed', () => {
    expectReason(() => encodeNifti(v([NaN, 0]), { datatype: 'float32' }, 'x.nii'), 'non-finite');
    expect(() => encodeNifti(v([NaN, 0]), { datatype: 'float32', allowNonFinite: true })).not.toThrow();
  });
  it('inconsistent volumes and bad options', () => {
    expectReason(() => encodeNifti({ data: new Float32Array(3), dims: [2, 1, 1], spacing: [1, 1, 1], affine: oblique }), 'bad-volume', /data has 3 voxels/);
    expectReason(() => encodeNifti({ ...v([1, 2]), affine: [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] }), 'bad-volume', /non-singular/);
    expectReason(() => encodeNifti(v([1, 2]), { qformCode: -1 }), 'bad-volume', /qformCode/);
    expectReason(() => writeNifti(path.join(tmp, 'x.img'), v([1, 2])), 'write-failed', /\.nii or \.nii\.gz/);
  });
  it('picks a datatype from the values when none is given', () => {
    expect(defaultWriteDatatype(makeVolume(Int32Array.from([0, 255]), [2, 1, 1]))).toBe('uint8');
    expect(defaultWriteDatatype(makeVolume(Int32Array.from([-1, 255]), [2, 1, 1]))).toBe('int16');
    expect(defaultWriteDatatype(makeVolume(Int32Array.from([0, 70000]), [2, 1, 1]))).toBe('float32');
    expect(defaultWriteDatatype(makeVolume(Float32Array.from([0, 1]), [2, 1, 1]))).toBe('float32');
  });
});

describe('atomic writes', () => {
  it('a failing write leaves neither the destination nor a temporary file', () => {
    const p = path.join(tmp, 'no-such-dir', 'a.nii.gz');
    expect(() => writeNifti(p, makeVolume(new Uint8Array(8), [2, 2, 2]))).toThrow(NiftiError);
    expect(fs.existsSync(path.dirname(p))).toBe(false);
  });

  it('an interrupted write (I/O error before the rename) keeps the old file intact', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'atomic-'));
    const p = path.join(dir, 'keep.nii.gz');
    writeNifti(p, makeVolume(new Uint8Array(8).fill(3), [2, 2, 2]));
    const before = fs.readFileSync(p);
    // Make fsync fail: Node's ESM view of 'fs' follows the CommonJS object after syncBuiltinESMExports.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const cjsFs = require('fs');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const nodeModule = require('module');
    const orig = cjsFs.fsyncSync;
    cjsFs.fsyncSync = () => {
      throw Object.assign(new Error('simulated EIO'), { code: 'EIO' });
    };
    nodeModule.syncBuiltinESMExports();
    let err: unknown;
    try {
      writeNifti(p, makeVolume(new Uint8Array(8).fill(9), [2, 2, 2]));
    } catch (e) {
      err = e;
    } finally {
      cjsFs.fsyncSync = orig;
      nodeModule.syncBuiltinESMExports();
    }
    expect(err).toBeInstanceOf(NiftiError);
    expect((err as NiftiError).reason).toBe('write-failed');
    expect((err as Error).message).toMatch(/EIO/);
    expect(fs.readFileSync(p).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['keep.nii.gz']);
  });
});

describe('committed TS-written fixtures (checked by nibabel when made)', () => {
  for (const c of tsWrittenCases()) {
    it(`${c.file}: today's writer produces the same bytes`, () => {
      const committed = fs.readFileSync(path.join(FIXTURES, 'ts-written', c.file));
      const committedRaw = c.file.endsWith('.gz') ? zlib.gunzipSync(committed) : committed;
      const now = encodeNifti(c.volume, c.options);
      expect(Buffer.from(now).equals(committedRaw)).toBe(true);
    });
    it(`${c.file}: nibabel read it as written`, () => {
      const ref = reference.files[`ts-written/${c.file}`];
      expect(ref, 'nibabel reference entry (rerun make_io_fixtures.py)').toBeDefined();
      compareWithNibabel(c.volume, c.options.datatype!, c.options.qformCode ?? 2, c.options.sformCode ?? 2, ref);
    });
  }
});

/** nibabel's description of a file we wrote must match the volume we wrote. */
function compareWithNibabel(v: Volume, datatype: string, qcode: number, scode: number, ref: FileRef): void {
  expect(ref.shape).toEqual(v.dims);
  expect(ref.datatype).toBe(datatype);
  expect(ref.qform_code).toBe(qcode);
  expect(ref.sform_code).toBe(scode);
  expect(ref.slope_inter).toEqual([1, 0]);
  for (let i = 0; i < 3; i++) expectClose(ref.pixdim[i + 1]!, v.spacing[i], 1e-6, 0, `pixdim[${i + 1}]`);
  expectMatrixClose(ref.qform!, v.affine, 1e-5, 'nibabel qform');
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expectClose(ref.sform![r][c], v.affine[r][c], 1e-6, 1e-7, `nibabel sform[${r}][${c}]`);
  const stored = datatype === 'float32' ? Float32Array.from(v.data) : v.data;
  const vol = ref.volumes![0];
  expectClose(vol.weighted_sum, weightedSum(stored), 1e-9, 1e-9, 'weighted checksum');
  let sum = 0;
  for (let i = 0; i < stored.length; i++) sum += stored[i];
  expectClose(vol.sum, sum, 1e-9, 1e-9, 'sum');
  for (const p of vol.voxels!) {
    const [i, j, k] = p.index;
    expect(p.value).toBe(stored[i + v.dims[0] * (j + v.dims[1] * k)]);
  }
}

function nibabelAvailable(): boolean {
  if (!fs.existsSync(PYTHON)) return false;
  const r = spawnSync(PYTHON, ['-c', 'import nibabel, numpy'], { encoding: 'utf8' });
  return r.status === 0;
}

const HAVE_NIBABEL = nibabelAvailable();

describe.skipIf(!HAVE_NIBABEL)('nibabel reads freshly written files identically (live)', () => {
  if (!HAVE_NIBABEL) console.warn(`skipping live nibabel check: ${PYTHON} with nibabel is not available (the committed ts-written fixtures are still compared)`);
  it('every sample volume', () => {
    const samples = sampleVolumes();
    const files = samples.map((s) => {
      const p = path.join(tmp, 'live-' + s.name);
      writeNifti(p, s.volume, { datatype: s.datatype, qformCode: 1, sformCode: 2 });
      return p;
    });
    const r = spawnSync(PYTHON, [path.join(ROOT, 'data-scripts', 'fixtures', 'nibabel_describe.py'), ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const out: Record<string, FileRef> = JSON.parse(r.stdout);
    samples.forEach((s, i) => compareWithNibabel(s.volume, s.datatype, 1, 2, out[files[i]]));
  });
});
