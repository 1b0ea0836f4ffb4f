/**
 * The reader against nibabel on nibabel's own test corpus (every NIfTI/Analyze file in
 * Debian's python3-nibabel tests/data) and on .hdr/.img pairs nibabel writes (NIfTI-1/2
 * pairs, big-endian, gzipped, Analyze with SPM origin, centre, funused1 scaling and SPM2
 * calibration scaling). The reference is data-scripts/fixtures/nibabel_corpus.py, run
 * live; skipped, with the reason, when nibabel or the corpus is not installed.
 *
 * Compared: format, byte order, shape, datatype (code and name), pixdim, qform/sform codes,
 * the affine (nibabel's img.affine; for NIfTI our rule, which differs from nibabel's only
 * when 0 < sform_code < qform_code, is checked in nifti-read.test.ts — no corpus file
 * has that), description, effective scaling, and over all volumes the voxel count,
 * non-finite count, min, max, sum, nonzero count and an order-sensitive checksum.
 * Tolerances: pixdim and scaling 1e-7 relative (float32 values copied); affine 1e-5 mm;
 * sums 1e-6 relative plus 1e-7·N·max|x| (scaled voxels are float32 here, float64 in nibabel).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { readNiftiAll, readNiftiHeader, readNifti } from '../../lib/io/nifti';
import { NiftiError } from '../../lib/io/errors';
import { NiftiHeader } from '../../lib/io/nifti-header';
import { expectClose, expectMatrixClose, PYTHON, ROOT, weightedSum } from './helpers';

const CORPUS = '/usr/lib/python3/dist-packages/nibabel/tests/data';
const SCRIPT = path.join(ROOT, 'data-scripts', 'fixtures', 'nibabel_corpus.py');

interface Desc {
  skipped?: string;
  format: NiftiHeader['format'];
  endianness: 'little' | 'big';
  shape: number[];
  datatype: string;
  datatype_code: number;
  pixdim: (number | null)[];
  qform_code: number;
  sform_code: number;
  affine: number[][];
  description: string;
  slope_inter: [number, number];
  data: null | { count: number; nonfinite: number; min: number | null; max: number | null; sum: number; nonzero: number; weighted_sum: number };
  data_error?: string;
}

function runReference(): { ref: { nibabel: string; corpus: Record<string, Desc>; written: Record<string, Desc> }; outDir: string } | string {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  if (spawnSync(PYTHON, ['-c', 'import nibabel, numpy']).status !== 0) return 'python3-nibabel is not installed (apt-get install python3-nibabel)';
  if (!fs.existsSync(CORPUS)) return `nibabel's test corpus ${CORPUS} is missing`;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-nib-corpus-'));
  const r = spawnSync(PYTHON, [SCRIPT, CORPUS, outDir], { encoding: 'utf8', cwd: path.dirname(SCRIPT), maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`nibabel_corpus.py failed: ${r.stderr}`);
  return { ref: JSON.parse(r.stdout), outDir };
}

const reference = runReference();
const skipReason = typeof reference === 'string' ? reference : null;
if (skipReason) console.warn(`skipping the nibabel corpus comparison: ${skipReason}`);

function checkHeader(h: NiftiHeader, d: Desc, what: string): void {
  expect(h.format, `${what} format`).toBe(d.format);
  expect(h.littleEndian, `${what} byte order`).toBe(d.endianness === 'little');
  expect(h.shape, `${what} shape`).toEqual(d.shape);
  expect(h.datatype, `${what} datatype`).toBe(d.datatype);
  expect(h.datatypeCode).toBe(d.datatype_code);
  expect(h.qformCode).toBe(d.qform_code);
  expect(h.sformCode).toBe(d.sform_code);
  for (let i = 0; i < 3; i++) expectClose(h.pixdim[i], d.pixdim[i]!, 1e-7, 0, `${what} pixdim[${i + 1}]`);
  expectMatrixClose(h.affine, d.affine, 1e-5, `${what} affine`);
  expect(h.description).toBe(d.description);
  const [slope, inter] = d.slope_inter;
  if (slope === 1 && inter === 0) expect(h.scaling, `${what} scaling`).toBeNull();
  else {
    expectClose(h.scaling!.slope, slope, 1e-7, 0, `${what} slope`);
    expectClose(h.scaling!.inter, inter, 1e-7, 1e-12, `${what} intercept`);
  }
}

function checkData(file: string, d: Desc): void {
  const { volumes, header } = readNiftiAll(file, { nonfinite: 'keep' });
  checkHeader(header, d, file);
  const s = d.data!;
  let count = 0, nonfinite = 0, min = Infinity, max = -Infinity, sum = 0, nonzero = 0;
  const all = new Float64Array(volumes.reduce((n, v) => n + v.data.length, 0));
  let o = 0;
  for (const v of volumes) {
    for (let i = 0; i < v.data.length; i++) {
      const x = v.data[i];
      all[o++] = x;
      if (!Number.isFinite(x)) { nonfinite++; continue; }
      count++; sum += x; if (x < min) min = x; if (x > max) max = x; if (x !== 0) nonzero++;
    }
  }
  expect(count + nonfinite).toBe(s.count);
  expect(nonfinite).toBe(s.nonfinite);
  expect(nonzero).toBe(s.nonzero);
  const maxAbs = Math.max(Math.abs(s.min ?? 0), Math.abs(s.max ?? 0));
  expectClose(min, s.min!, 1e-6, 1e-12, `${file} min`);
  expectClose(max, s.max!, 1e-6, 1e-12, `${file} max`);
  expectClose(sum, s.sum, 1e-6, 1e-7 * count * maxAbs, `${file} sum`);
  expectClose(weightedSum(all), s.weighted_sum, 1e-6, 13e-7 * count * maxAbs, `${file} checksum`);
}

describe.skipIf(skipReason !== null)("nibabel's test corpus", () => {
  const ref = typeof reference === 'string' ? null : reference.ref;
  const entries = Object.entries(ref?.corpus ?? {});
  it('finds NIfTI and Analyze files, and pairs whose data are present', () => {
    expect(entries.filter(([, d]) => !d.skipped && d.data).length).toBeGreaterThanOrEqual(5);
    expect(entries.some(([, d]) => d.format === 'analyze')).toBe(true);
  });
  for (const [name, d] of entries) {
    const file = path.join(CORPUS, name);
    if (d.skipped) {
      it.skip(`${name}: ${d.skipped}`, () => undefined);
    } else if (d.data === null) {
      it(`${name}: header matches; the missing image file is a clear error (${d.data_error})`, () => {
        checkHeader(readNiftiHeader(file), d, name);
        try {
          readNifti(file);
          expect.fail('expected a NiftiError');
        } catch (err) {
          expect(err).toBeInstanceOf(NiftiError);
          expect((err as NiftiError).reason).toBe('read-failed');
          expect((err as NiftiError).message).toMatch(/image file of this \.hdr\/\.img pair is missing/);
        }
      });
    } else {
      it(name, () => checkData(file, d));
    }
  }
});

describe.skipIf(skipReason !== null)('header/image pairs written by nibabel', () => {
  const r = typeof reference === 'string' ? null : reference;
  for (const [name, d] of Object.entries(r?.ref.written ?? {})) {
    it(name, () => {
      const file = path.join(r!.outDir, name);
      checkData(file, d);
      // either file of the pair names it
      const other = file.replace(/\.(hdr|img)(\.gz)?$/i, (_, e: string, gz = '') => `.${e.toLowerCase() === 'hdr' ? 'img' : 'hdr'}${gz}`);
      expect(readNifti(other, { nonfinite: 'keep' }).header.shape).toEqual(d.shape);
    });
  }
});
