/**
 * NIfTI-1 writer: `.nii.gz` (or `.nii`) in float32, int16 or uint8, little-endian.
 *
 * The affine is stored twice, as the sform (rows in float32) and as the qform derived
 * from it (quaternion + qfac, nearest rotation for sheared affines); pixdim[1..3] are the
 * affine's column norms, as nibabel writes them. Values are never silently changed:
 * integer targets refuse fractional or out-of-range voxels, and NaN/Inf are refused
 * unless allowed. The file is written atomically (lib/core writeFileAtomic: temporary name
 * in the same folder, fsync, rename), so an interrupted write never leaves a complete-looking file.
 */
import * as zlib from 'zlib';
import { writeFileAtomic } from '../core/atomic';
import { Volume, voxelCount } from '../core/volume';
import { NiftiError } from './errors';
import { affineToQuaternion, isUsableAffine } from './affine';
import { NIFTI_DATATYPES } from './nifti-header';

/** Datatypes the writer produces. */
export type NiftiWriteDatatype = 'float32' | 'int16' | 'uint8';

/** Options of writeNifti / encodeNifti. */
export interface WriteNiftiOptions {
  /**
   * On-disk datatype. Default: uint8 when every voxel is an integer in 0..255, int16
   * when every voxel is an integer in −32768..32767, float32 otherwise.
   */
  datatype?: NiftiWriteDatatype;
  /** qform_code (default 2, "aligned"); 0 stores no qform. */
  qformCode?: number;
  /** sform_code (default 2, "aligned"); 0 stores no sform. */
  sformCode?: number;
  /** descrip field (at most 79 ASCII characters are kept). */
  description?: string;
  /** Accept NaN/Inf voxels for float32 (default false). */
  allowNonFinite?: boolean;
  /** gzip level 1..9 for `.nii.gz` (default 6). */
  compressionLevel?: number;
}

const HEADER_BYTES = 348;
const VOX_OFFSET = 352; // header + 4 extension bytes (all zero: no extensions)

function isIntegralRange(data: ArrayLike<number>, lo: number, hi: number): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= lo && v <= hi && Math.round(v) === v)) return false;
  }
  return true;
}

/** The datatype writeNifti picks when none is given (see WriteNiftiOptions.datatype). */
export function defaultWriteDatatype(volume: Volume): NiftiWriteDatatype {
  if (volume.data instanceof Float32Array || volume.data instanceof Float64Array) return 'float32';
  if (isIntegralRange(volume.data, 0, 255)) return 'uint8';
  if (isIntegralRange(volume.data, -32768, 32767)) return 'int16';
  return 'float32';
}

function checkCode(name: string, code: number, file: string): number {
  if (!(Number.isInteger(code) && code >= 0 && code <= 32767)) {
    throw new NiftiError(file, 'bad-volume', `${name} must be an integer 0..32767 (NIfTI uses 0..5), got ${code}`);
  }
  return code;
}

/**
 * Encode a volume as uncompressed NIfTI-1 bytes (header + data).
 * @param volume the volume to store (3D)
 * @param options see WriteNiftiOptions
 * @param file name used in error messages
 * @throws NiftiError 'bad-volume' for inconsistent volumes or values the datatype cannot hold
 */
export function encodeNifti(volume: Volume, options: WriteNiftiOptions = {}, file = '<memory>'): Uint8Array {
  const { data, dims, affine } = volume;
  if (!dims || dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d >= 1 && d <= 32767)) {
    throw new NiftiError(file, 'bad-volume', `dims must be three integers in 1..32767 for NIfTI-1, got ${JSON.stringify(dims)}`);
  }
  const n = voxelCount(dims);
  if (!data || data.length !== n) {
    throw new NiftiError(file, 'bad-volume', `data has ${data ? data.length : 0} voxels, dims ${dims.join('x')} need ${n}`);
  }
  if (!affine || affine.length !== 4 || affine.some((r) => !r || r.length !== 4) || !isUsableAffine(affine)) {
    throw new NiftiError(file, 'bad-volume', `affine must be a finite, non-singular 4x4 matrix, got ${JSON.stringify(affine)}`);
  }
  const datatype = options.datatype ?? defaultWriteDatatype(volume);
  const info = NIFTI_DATATYPES[datatype];
  if (!info || !['float32', 'int16', 'uint8'].includes(datatype)) {
    throw new NiftiError(file, 'bad-volume', `datatype must be float32, int16 or uint8, got ${String(datatype)}`);
  }
  const qformCode = checkCode('qformCode', options.qformCode ?? 2, file);
  const sformCode = checkCode('sformCode', options.sformCode ?? 2, file);

  const out = new Uint8Array(VOX_OFFSET + n * info.bytes);
  const view = new DataView(out.buffer);
  view.setInt32(0, HEADER_BYTES, true);
  const dimField = [3, dims[0], dims[1], dims[2], 1, 1, 1, 1];
  dimField.forEach((d, i) => view.setInt16(40 + 2 * i, d, true));
  view.setInt16(70, info.code, true);
  view.setInt16(72, info.bytes * 8, true);

  const q = affineToQuaternion(affine); // cannot throw: the affine was checked above
  const pixdim = [q.qfac, q.zooms[0], q.zooms[1], q.zooms[2], 1, 1, 1, 1];
  pixdim.forEach((p, i) => view.setFloat32(76 + 4 * i, p, true));
  view.setFloat32(108, VOX_OFFSET, true);
  view.setFloat32(112, 1, true); // scl_slope 1, scl_inter 0: values are stored as they are
  view.setFloat32(116, 0, true);
  out[123] = 2; // xyzt_units: millimetres
  const descrip = (options.description ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 79);
  for (let i = 0; i < descrip.length; i++) out[148 + i] = descrip.charCodeAt(i);
  view.setInt16(252, qformCode, true);
  view.setInt16(254, sformCode, true);
  [q.b, q.c, q.d, q.qoffset[0], q.qoffset[1], q.qoffset[2]].forEach((v, i) => view.setFloat32(256 + 4 * i, v, true));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) view.setFloat32(280 + 16 * r + 4 * c, affine[r][c], true);
  out[344] = 0x6e; // 'n'
  out[345] = 0x2b; // '+'
  out[346] = 0x31; // '1'
  out[347] = 0;

  // Voxel data: validate every value against the target type before storing it.
  const allowNonFinite = options.allowNonFinite ?? false;
  if (datatype === 'float32') {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (!allowNonFinite && v - v !== 0) {
        throw new NiftiError(file, 'non-finite', `voxel ${i} is ${v}; pass allowNonFinite to write NaN/Inf`);
      }
      view.setFloat32(VOX_OFFSET + 4 * i, v, true);
    }
  } else {
    const [lo, hi] = datatype === 'uint8' ? [0, 255] : [-32768, 32767];
    for (let i = 0; i < n; i++) {
      const v = data[i];
      if (!(v >= lo && v <= hi && Math.round(v) === v)) {
        throw new NiftiError(file, 'bad-volume', `voxel ${i} is ${v}, which ${datatype} cannot hold exactly (integers ${lo}..${hi})`);
      }
      if (datatype === 'uint8') out[VOX_OFFSET + i] = v;
      else view.setInt16(VOX_OFFSET + 2 * i, v, true);
    }
  }
  return out;
}

/**
 * Write a volume as NIfTI-1, gzip-compressed when the path ends in `.nii.gz`.
 *
 * @example
 * writeNifti('out/pred.nii.gz', labels, { datatype: 'uint8' });
 * @param path destination ending in `.nii` or `.nii.gz`
 * @param volume the 3D volume
 * @param options datatype (default from the values), qformCode / sformCode (default 2), description
 * @throws NiftiError ('bad-volume', 'non-finite', 'write-failed')
 */
export function writeNifti(path: string, volume: Volume, options: WriteNiftiOptions = {}): void {
  const gz = /\.nii\.gz$/i.test(path);
  if (!gz && !/\.nii$/i.test(path)) {
    throw new NiftiError(path, 'write-failed', 'the file name must end in .nii or .nii.gz');
  }
  const raw = encodeNifti(volume, options, path);
  const level = options.compressionLevel ?? 6;
  if (!(Number.isInteger(level) && level >= 1 && level <= 9)) {
    throw new NiftiError(path, 'write-failed', `compressionLevel must be an integer 1..9, got ${level}`);
  }
  const bytes = gz ? zlib.gzipSync(raw, { level }) : raw;
  try {
    writeFileAtomic(path, bytes, { mkdir: false });
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined;
    throw new NiftiError(path, 'write-failed', `cannot write (${cause?.message ?? (err as Error).message})`);
  }
}
