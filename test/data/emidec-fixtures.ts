/**
 * Tiny EMIDEC sources for the importer and dataset-kind tests, written into a temporary
 * folder: the PNG-slice layout (images/ + labels/, 8-bit grey PNGs from pngjs) and the
 * NIfTI-case layout (Case_<id>/Images + Contours), the latter with EMIDEC's header quirk
 * (a unit-length sform with pixdim 1.40625 x 1.40625 x 13 mm).
 */
import { mkdirSync, writeFileSync } from 'fs';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { encodeNifti, NiftiWriteDatatype } from '../../lib/io/nifti-write';
import { makeVolume, Vec3, VoxelArray } from '../../lib/core/volume';
import { greyPng } from '../io/png-fixtures';

/** One slice: image and label bytes, row-major, row 0 first. */
export interface FixtureSlice {
  image: number[];
  label: number[];
}

/** Width and height of the fixture slices (not square, so rows and columns cannot be confused). */
export const W = 4;
export const H = 3;

/** A deterministic slice: image values from the seed, labels covering 0–4 when `maxLabel` is 4. */
export function slice(seed: number, maxLabel = 4): FixtureSlice {
  const image = Array.from({ length: W * H }, (_, i) => (seed * 53 + i * 17 + 3) % 256);
  const label = Array.from({ length: W * H }, (_, i) => (seed + i * (i % 3 === 0 ? 1 : 2)) % (maxLabel + 1));
  return { image, label };
}

/** The default fixture: Case_P001 with 3 slices (labels 0–4), Case_N002 with 2 slices (labels 0–2). */
export function defaultCases(): Record<string, FixtureSlice[]> {
  return { Case_P001: [slice(1), slice(2), slice(3)], Case_N002: [slice(4, 2), slice(5, 2)] };
}

/**
 * Write a PNG-slice layout under `dir`: `images/<id>_slice<nnn>.png` and `labels/...`.
 * @param first slice number of each case's first slice (default 0)
 */
export function writePngLayout(dir: string, cases: Record<string, FixtureSlice[]>, first = 0): string {
  mkdirSync(path.join(dir, 'images'), { recursive: true });
  mkdirSync(path.join(dir, 'labels'), { recursive: true });
  for (const [id, slices] of Object.entries(cases)) {
    slices.forEach((s, z) => {
      const name = `${id}_slice${String(first + z).padStart(3, '0')}.png`;
      writeFileSync(path.join(dir, 'images', name), greyPng(W, H, s.image));
      writeFileSync(path.join(dir, 'labels', name), greyPng(W, H, s.label));
    });
  }
  return dir;
}

/** The NIfTI bytes of a volume written like EMIDEC's files: sform diag(-1, -1, 1), pixdim 1.40625, 1.40625, 13. */
export function emidecStyleNifti(data: VoxelArray, dims: Vec3, datatype: NiftiWriteDatatype): Buffer {
  const affine = [
    [-1, 0, 0, 0],
    [0, -1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
  const bytes = encodeNifti(makeVolume(data, dims, [1, 1, 1], affine), { datatype, qformCode: 0 });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  [1.40625, 1.40625, 13].forEach((p, i) => view.setFloat32(80 + 4 * i, p, true)); // pixdim[1..3]
  return gzipSync(bytes);
}

/** Write one NIfTI-layout case `<dir>/<id>/{Images,Contours}/<id>.nii.gz`. */
export function writeNiftiCase(dir: string, id: string, image: Float32Array, label: Uint8Array, dims: Vec3): void {
  for (const [sub, data, type] of [['Images', image, 'float32'], ['Contours', label, 'uint8']] as const) {
    mkdirSync(path.join(dir, id, sub), { recursive: true });
    writeFileSync(path.join(dir, id, sub, `${id}.nii.gz`), emidecStyleNifti(data, dims, type));
  }
}
