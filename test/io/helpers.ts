/**
 * Shared helpers of the lib/io tests: fixture locations, the nibabel reference JSON
 * (written by data-scripts/fixtures/make_io_fixtures.py) and tolerant comparisons.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expect } from 'vitest';

export const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'io');
export const SHARED_DATA = path.resolve(ROOT, '..', 'shared', 'data');
export const HAVE_SHARED = fs.existsSync(SHARED_DATA);
export const PYTHON = '/usr/bin/python3';

export interface VolumeRef {
  count: number;
  nonfinite: number;
  sum: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  nonzero: number;
  weighted_sum: number;
  voxels?: { index: number[]; value: number | null }[];
}

export interface FileRef {
  version: 1 | 2;
  endianness: 'little' | 'big';
  shape: number[];
  datatype: string;
  datatype_code: number;
  pixdim: (number | null)[];
  qform_code: number;
  sform_code: number;
  sform: number[][] | null;
  qform: number[][] | null;
  affine_nibabel: number[][];
  slope_inter: [number, number];
  description: string;
  volumes?: VolumeRef[];
  stats_all?: VolumeRef;
}

export interface Reference {
  nibabel: string;
  files: Record<string, FileRef>;
}

export const reference: Reference = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'nibabel-reference.json'), 'utf8'));

/** Absolute path of a reference key ("files/x.nii", "ts-written/y.nii.gz", "shared/a/b.nii.gz"). */
export function fixturePath(key: string): string {
  return key.startsWith('shared/') ? path.join(SHARED_DATA, key.slice('shared/'.length)) : path.join(FIXTURES, key);
}

/** The affine our reader's rule selects, from nibabel's sform and qform. */
export function expectedAffine(ref: FileRef): number[][] {
  if (ref.sform_code > 0 && ref.sform_code >= ref.qform_code) return ref.sform!;
  if (ref.qform_code > 0) return ref.qform!;
  return ref.affine_nibabel;
}

/** Order-sensitive checksum, the same definition as nibabel_describe.py (period 13). */
export function weightedSum(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x - x === 0) s += x * ((i % 13) + 1);
  }
  return s;
}

/** |a − b| ≤ rel·|b| + abs, with a readable failure. */
export function expectClose(actual: number, expected: number, rel: number, abs: number, what: string): void {
  const tol = rel * Math.abs(expected) + abs;
  if (!(Math.abs(actual - expected) <= tol)) {
    expect.fail(`${what}: got ${actual}, nibabel ${expected} (|diff| ${Math.abs(actual - expected)} > tol ${tol})`);
  }
}

export function expectMatrixClose(actual: number[][], expected: number[][], abs: number, what: string): void {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expectClose(actual[r][c], expected[r][c], 0, abs, `${what}[${r}][${c}]`);
}
