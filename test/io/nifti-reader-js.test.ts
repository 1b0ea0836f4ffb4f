/**
 * Cross-check of our header parser against nifti-reader-js 0.7.0 (the library on the
 * design card) on valid NIfTI-1 fixtures of both byte orders. Our reader does not use
 * it at run time (see lib/io/nifti-header.ts for why); on valid files the two must agree.
 * Only a copy of the first 348 bytes is given to it, which keeps its extension walker
 * (unsafe on corrupt input) out of the way.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { describe, expect, it } from 'vitest';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const niftiJs = require('nifti-reader-js');
import { readNifti } from '../../lib/io/nifti';
import { fixturePath, reference } from './helpers';

const keys = Object.keys(reference.files).filter((k) => k.startsWith('files/') && reference.files[k].version === 1);

describe('header fields agree with nifti-reader-js', () => {
  for (const key of keys) {
    it(key, () => {
      const file = fs.readFileSync(fixturePath(key));
      const raw = key.endsWith('.gz') ? zlib.gunzipSync(file) : file;
      const hdr = new niftiJs.NIFTI1();
      hdr.readHeader(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 348));
      let ours;
      try {
        ours = readNifti(fixturePath(key), { nonfinite: 'keep' }).header;
      } catch {
        expect(key).toMatch(/unsupported/); // the complex64 file is refused by design
        expect(hdr.datatypeCode).toBe(32);
        return;
      }
      expect(hdr.littleEndian).toBe(ours.littleEndian);
      expect(hdr.dims.slice(1, hdr.dims[0] + 1)).toEqual(ours.shape);
      expect(hdr.datatypeCode).toBe(ours.datatypeCode);
      expect(hdr.numBitsPerVoxel).toBe(ours.bitpix);
      expect(hdr.pixDims.slice(1, 4)).toEqual(ours.pixdim);
      expect(hdr.vox_offset).toBe(ours.voxOffset);
      expect(hdr.qform_code).toBe(ours.qformCode);
      expect(hdr.sform_code).toBe(ours.sformCode);
      expect(hdr.scl_slope).toBe(ours.sclSlope);
      if (ours.affineSource === 'sform') {
        for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) expect(hdr.affine[r][c]).toBe(ours.affine[r][c]);
      }
      if (ours.qform) {
        const q = hdr.getQformMat();
        for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) expect(q[r][c]).toBeCloseTo(ours.qform[r][c], 5);
      }
    });
  }
});
