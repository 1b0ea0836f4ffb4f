/**
 * NIfTI reader: `.nii` and `.nii.gz`, NIfTI-1 and NIfTI-2, either byte order,
 * datatypes uint8/int8/int16/uint16/int32/uint32/float32/float64. The header is
 * decoded and validated by nifti-header.ts (which also states the affine rule);
 * this file decompresses, copies one 3D volume out and applies the scaling.
 *
 * Conventions (the same as nibabel, our reference):
 * - scaling: identity scaling keeps the on-disk type (labels stay integer); any other
 *   scaling gives float32 (computed in float64, then rounded once).
 * - 4D (and higher) files: dims beyond the 3rd are flattened into volumes; one is read.
 *
 * Every failure becomes a NiftiError naming the file; sizes are validated against
 * the bytes actually present before anything is allocated.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as zlib from 'zlib';
import { NiftiError } from './errors';
import { Vec3, Volume, VoxelArray } from '../core/volume';
import { DatatypeInfo, NiftiHeader, decodeHeader, fail } from './nifti-header';

/** Default cap on file and decoded sizes: 2 GiB − 1 (also Node's single-read limit). */
export const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

/** Options of readNifti / parseNifti. */
export interface ReadNiftiOptions {
  /** Which 3D volume of a 4D file to read (default 0). */
  volumeIndex?: number;
  /** Accept NaN/±Inf voxels (default false: they raise NiftiError 'non-finite'). */
  allowNonFinite?: boolean;
  /** Refuse files whose compressed or decoded size exceeds this many bytes (default 2 GiB − 1). */
  maxBytes?: number;
}

/** A volume read from a NIfTI file together with its header. */
export interface NiftiReadResult {
  volume: Volume;
  header: NiftiHeader;
  /** The 4D volume index that was read. */
  volumeIndex: number;
}

const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/** Bytes and decoded header, before any voxel is copied. */
interface DecodedFile {
  file: string;
  bytes: Uint8Array;
  header: NiftiHeader;
  typeInfo: DatatypeInfo;
  voxelsPerVolume: number;
}

/** Decompress when the bytes carry the gzip signature. */
function maybeGunzip(raw: Uint8Array, file: string, maxBytes: number): Uint8Array {
  const gz = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  if (!gz) {
    if (/\.gz$/i.test(file)) fail(file, 'gzip', 'the name ends in .gz but the gzip signature (1f 8b) is missing');
    return raw;
  }
  try {
    return zlib.gunzipSync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e && (e.code === 'ERR_BUFFER_TOO_LARGE' || /larger than|too large/i.test(String(e.message)))) {
      fail(file, 'too-large', `decompressed data exceed the limit of ${maxBytes} bytes`);
    }
    return fail(file, 'gzip', `gzip stream is corrupt or truncated (${e && e.message ? e.message : String(err)})`);
  }
}

function decodeFile(bytesIn: Uint8Array, file: string, maxBytes: number): DecodedFile {
  if (bytesIn.length > maxBytes) fail(file, 'too-large', `file has ${bytesIn.length} bytes, more than the limit of ${maxBytes}`);
  const bytes = maybeGunzip(bytesIn, file, maxBytes);
  const { header, typeInfo, voxelsPerVolume } = decodeHeader(bytes, file);
  return { file, bytes, header, typeInfo, voxelsPerVolume };
}

function swapBytes(u8: Uint8Array, width: number): void {
  if (width === 2) {
    for (let i = 0; i < u8.length; i += 2) {
      const t = u8[i];
      u8[i] = u8[i + 1];
      u8[i + 1] = t;
    }
  } else if (width === 4) {
    for (let i = 0; i < u8.length; i += 4) {
      let t = u8[i];
      u8[i] = u8[i + 3];
      u8[i + 3] = t;
      t = u8[i + 1];
      u8[i + 1] = u8[i + 2];
      u8[i + 2] = t;
    }
  } else if (width === 8) {
    for (let i = 0; i < u8.length; i += 8) {
      for (let k = 0; k < 4; k++) {
        const t = u8[i + k];
        u8[i + k] = u8[i + 7 - k];
        u8[i + 7 - k] = t;
      }
    }
  }
}

/** First non-finite voxel and how many there are, or null. */
export function findNonFinite(data: ArrayLike<number>): { count: number; firstIndex: number } | null {
  let count = 0;
  let firstIndex = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is NaN for NaN and ±Inf, 0 otherwise; cheaper than Number.isFinite in hot loops
    if (v - v !== 0) {
      if (count === 0) firstIndex = i;
      count++;
    }
  }
  return count ? { count, firstIndex } : null;
}

function extractVolume(dec: DecodedFile, index: number, allowNonFinite: boolean): Volume {
  const { header, typeInfo, voxelsPerVolume, bytes, file } = dec;
  if (!(Number.isInteger(index) && index >= 0 && index < header.nVolumes)) {
    fail(file, 'volume-index', `volume index ${index} requested, the file has ${header.nVolumes} volume(s) (dims ${header.shape.join('x')})`);
  }
  const width = typeInfo.bytes;
  const start = header.voxOffset + index * voxelsPerVolume * width;
  const raw = new typeInfo.ctor(voxelsPerVolume);
  const rawBytes = new Uint8Array(raw.buffer);
  rawBytes.set(bytes.subarray(start, start + voxelsPerVolume * width));
  if (width > 1 && header.littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(rawBytes, width);

  let data: VoxelArray = raw;
  if (header.scaling) {
    const { slope, inter } = header.scaling;
    const out = new Float32Array(voxelsPerVolume);
    for (let i = 0; i < voxelsPerVolume; i++) out[i] = raw[i] * slope + inter;
    data = out;
  }
  if (!allowNonFinite && (!typeInfo.integer || header.scaling)) {
    const bad = findNonFinite(data);
    if (bad) {
      const i = bad.firstIndex;
      const [nx, ny] = header.dims;
      const ijk = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
      fail(
        file,
        'non-finite',
        `${bad.count} NaN/Inf voxel(s) in volume ${index}, first at voxel (${ijk.join(', ')}) = ${data[i]} ` +
          '(pass allowNonFinite to accept them)',
      );
    }
  }
  const [nx, ny, nz] = header.dims;
  return {
    data,
    dims: [nx, ny, nz],
    spacing: [...header.spacing] as Vec3,
    affine: header.affine.map((r) => [...r]),
  };
}

function readBytes(path: string): Uint8Array {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return fail(path, 'read-failed', `cannot read file (${e && e.message ? e.message : String(err)})`);
  }
}

/** Run `fn`, turning any non-NiftiError (a bug or an unforeseen corrupt input) into a NiftiError. */
function guard<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof NiftiError) throw err;
    const e = err as Error;
    throw new NiftiError(file, 'unexpected', `unreadable NIfTI data (${e && e.name ? e.name : 'Error'}: ${e && e.message ? e.message : String(err)})`);
  }
}

/**
 * Decode NIfTI bytes (gzip-compressed or not) already in memory.
 * @param bytes file content
 * @param file name used in error messages
 * @param options see ReadNiftiOptions (volumeIndex default 0, allowNonFinite default false)
 * @throws NiftiError for every kind of bad input
 */
export function parseNifti(bytes: Uint8Array, file: string, options: ReadNiftiOptions = {}): NiftiReadResult {
  return guard(file, () => {
    const dec = decodeFile(bytes, file, options.maxBytes ?? DEFAULT_MAX_BYTES);
    const volumeIndex = options.volumeIndex ?? 0;
    const volume = extractVolume(dec, volumeIndex, options.allowNonFinite ?? false);
    return { volume, header: dec.header, volumeIndex };
  });
}

/**
 * Read one 3D volume of a `.nii` / `.nii.gz` file.
 *
 * @example
 * const { volume, header } = readNifti('FLAIR.nii.gz');
 * // volume.data: Float32Array, volume.dims [182, 218, 182], header.datatype 'float32'
 * @param path file path
 * @param options volumeIndex (default 0) for 4D files; allowNonFinite (default false); maxBytes (default 2 GiB − 1)
 * @throws NiftiError naming the file and the problem (see NiftiErrorReason)
 */
export function readNifti(path: string, options: ReadNiftiOptions = {}): NiftiReadResult {
  const bytes = readBytes(path);
  return parseNifti(bytes, path, options);
}

/**
 * Read every 3D volume of a file (one for a 3D file).
 * @param path file path
 * @param options allowNonFinite (default false), maxBytes; volumeIndex is ignored
 * @throws NiftiError
 */
export function readNiftiAll(path: string, options: ReadNiftiOptions = {}): { volumes: Volume[]; header: NiftiHeader } {
  const bytes = readBytes(path);
  return guard(path, () => {
    const dec = decodeFile(bytes, path, options.maxBytes ?? DEFAULT_MAX_BYTES);
    const volumes: Volume[] = [];
    for (let t = 0; t < dec.header.nVolumes; t++) volumes.push(extractVolume(dec, t, options.allowNonFinite ?? false));
    return { volumes, header: dec.header };
  });
}
