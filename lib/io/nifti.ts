/**
 * NIfTI reader: `.nii` and `.nii.gz`, NIfTI-1 and NIfTI-2, either byte order,
 * datatypes uint8/int8/int16/uint16/int32/uint32/float32/float64.
 *
 * Conventions (the same as nibabel unless noted, so that nibabel is our reference):
 * - scaling: `scl_slope` 0 or non-finite means "no scaling" (the intercept is then
 *   ignored too). Identity scaling keeps the on-disk type (labels stay integer);
 *   any other scaling gives float32 (computed in float64, then rounded once).
 * - affine: the sform unless qform_code > sform_code (NiiVue's and the NIfTI
 *   reference library's rule; nibabel prefers the sform whenever sform_code != 0, so
 *   the two differ only when 0 < sform_code < qform_code); else the qform; else the
 *   pixdim-only affine nibabel uses for such files (x flipped, origin at the grid centre).
 * - 4D (and higher) files: dims beyond the 3rd are flattened into volumes; one is read.
 *
 * The header is parsed here rather than with nifti-reader-js 0.7.0, because that
 * library is unsafe on corrupt input, which the fuzz test feeds it on purpose: its
 * extension walker loops forever on a negative extension size and logs to the console,
 * it reads NIfTI-2's 64-bit fields as little-endian whatever the file's byte order,
 * and its readers decide the affine with rules of their own. The layout is small
 * and fixed, so an own parser that checks every field before use is the safer choice;
 * test/io/nifti-reader-js.test.ts cross-checks the header fields against that library.
 *
 * Every failure becomes a NiftiError naming the file; sizes are validated against
 * the bytes actually present before anything is allocated.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as zlib from 'zlib';
import { NiftiError } from './errors';
import { Affine, Vec3, Volume, VoxelArray } from '../core/volume';
import { affineColumnNorms, isUsableAffine, quaternionToAffine } from './affine';

/** Datatypes the reader supports, by their numpy-style names. */
export type NiftiDatatypeName = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

type TypedArrayCtor = { new (n: number): VoxelArray; new (buf: ArrayBuffer): VoxelArray };

interface DatatypeInfo {
  name: NiftiDatatypeName;
  code: number;
  bytes: number;
  ctor: TypedArrayCtor;
  integer: boolean;
}

/** NIfTI datatype codes → info (nifti1.h). */
export const NIFTI_DATATYPES: Readonly<Record<NiftiDatatypeName, DatatypeInfo>> = {
  uint8: { name: 'uint8', code: 2, bytes: 1, ctor: Uint8Array, integer: true },
  int16: { name: 'int16', code: 4, bytes: 2, ctor: Int16Array, integer: true },
  int32: { name: 'int32', code: 8, bytes: 4, ctor: Int32Array, integer: true },
  float32: { name: 'float32', code: 16, bytes: 4, ctor: Float32Array, integer: false },
  float64: { name: 'float64', code: 64, bytes: 8, ctor: Float64Array, integer: false },
  int8: { name: 'int8', code: 256, bytes: 1, ctor: Int8Array, integer: true },
  uint16: { name: 'uint16', code: 512, bytes: 2, ctor: Uint16Array, integer: true },
  uint32: { name: 'uint32', code: 768, bytes: 4, ctor: Uint32Array, integer: true },
};

const BY_CODE = new Map<number, DatatypeInfo>(Object.values(NIFTI_DATATYPES).map((d) => [d.code, d]));

const UNSUPPORTED_NAMES: Record<number, string> = {
  0: 'unknown (0)',
  1: 'binary (1 bit)',
  32: 'complex64',
  128: 'rgb24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

/** Default cap on file and decoded sizes: 2 GiB − 1 (also Node's single-read limit). */
export const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

/** Which header transform produced the affine. */
export type AffineSource = 'sform' | 'qform' | 'pixdim';

/** The header fields a caller may need, decoded and validated. */
export interface NiftiHeader {
  /** NIfTI-1 or NIfTI-2. */
  version: 1 | 2;
  littleEndian: boolean;
  /** On-disk datatype (before scaling). */
  datatype: NiftiDatatypeName;
  datatypeCode: number;
  bitpix: number;
  /** dim[1..dim[0]] as stored (nibabel's `shape`). */
  shape: number[];
  /** [x, y, z], or [x, y, z, t] when there is more than one 3D volume (t = product of dims 4..7). */
  dims: number[];
  /** Number of 3D volumes in the file. */
  nVolumes: number;
  /** pixdim[1..3] as stored (mm). */
  pixdim: Vec3;
  /** pixdim[0] as used for the qform: −1 or +1. */
  qfac: 1 | -1;
  /** Byte offset of the voxel data. */
  voxOffset: number;
  /** Raw scl_slope / scl_inter fields. */
  sclSlope: number;
  sclInter: number;
  /** Effective scaling, or null when none applies (slope 0/NaN, or exactly 1 and 0). */
  scaling: { slope: number; inter: number } | null;
  qformCode: number;
  sformCode: number;
  /** qform affine when qform_code > 0 and it is usable, else null. */
  qform: Affine | null;
  /** sform affine when sform_code > 0 and it is usable, else null. */
  sform: Affine | null;
  affineSource: AffineSource;
  /** The voxel → world affine the reader chose (see module comment). */
  affine: Affine;
  /** Voxel spacing used for the Volume: |pixdim[1..3]|, or the affine's column norms where pixdim is unusable. */
  spacing: Vec3;
  description: string;
  xyztUnits: number;
  intentCode: number;
}

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

function fail(file: string, reason: ConstructorParameters<typeof NiftiError>[1], detail: string): never {
  throw new NiftiError(file, reason, detail);
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

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && i < bytes.length; i++) {
    if (bytes[i] === 0) break;
    s += String.fromCharCode(bytes[i]);
  }
  return s;
}

function hexMagic(bytes: Uint8Array, start: number, len: number): string {
  return Array.from(bytes.subarray(start, start + len), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Parse and validate the header; computes the affine and the data layout. */
function decodeHeader(bytes: Uint8Array, file: string): { header: NiftiHeader; typeInfo: DatatypeInfo; voxelsPerVolume: number } {
  if (bytes.length < 4) fail(file, 'truncated-header', `file has ${bytes.length} bytes, a NIfTI header needs at least 348`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getInt32(0, true);
  const be = view.getInt32(0, false);
  let version: 1 | 2;
  let littleEndian: boolean;
  if (le === 348 || le === 540) {
    version = le === 348 ? 1 : 2;
    littleEndian = true;
  } else if (be === 348 || be === 540) {
    version = be === 348 ? 1 : 2;
    littleEndian = false;
  } else {
    return fail(file, 'magic', `not a NIfTI file: sizeof_hdr is ${le} (expected 348 for NIfTI-1 or 540 for NIfTI-2)`);
  }
  const hdrSize = version === 1 ? 348 : 540;
  if (bytes.length < hdrSize) {
    fail(file, 'truncated-header', `file has ${bytes.length} bytes, the NIfTI-${version} header needs ${hdrSize}`);
  }
  // magic
  if (version === 1) {
    const m = ascii(bytes, 344, 348);
    if (m === 'ni1') fail(file, 'magic', 'NIfTI-1 header/image pairs (.hdr/.img, magic "ni1") are not supported');
    if (m !== 'n+1' || bytes[347] !== 0) fail(file, 'magic', `wrong NIfTI-1 magic: bytes 344-347 are ${hexMagic(bytes, 344, 4)} (expected "n+1\\0")`);
  } else {
    const m = ascii(bytes, 4, 8);
    if (m === 'ni2') fail(file, 'magic', 'NIfTI-2 header/image pairs (magic "ni2") are not supported');
    const expected = [0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a];
    if (expected.some((b, i) => bytes[4 + i] !== b)) {
      fail(file, 'magic', `wrong NIfTI-2 magic: bytes 4-11 are ${hexMagic(bytes, 4, 8)} (expected "n+2\\0\\r\\n\\x1a\\n")`);
    }
  }
  const i16 = (o: number) => view.getInt16(o, littleEndian);
  const i32 = (o: number) => view.getInt32(o, littleEndian);
  const f32 = (o: number) => view.getFloat32(o, littleEndian);
  const f64 = (o: number) => view.getFloat64(o, littleEndian);
  const i64 = (o: number) => {
    const v = view.getBigInt64(o, littleEndian);
    // outside ±2^53 a number is not exact; such a value is a corrupt field anyway
    return v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER) ? NaN : Number(v);
  };

  const dim: number[] = [];
  const pix: number[] = [];
  let datatypeCode: number, bitpix: number, voxOffsetRaw: number, sclSlope: number, sclInter: number;
  let qformCode: number, sformCode: number, xyztUnits: number, intentCode: number;
  const quat: number[] = [];
  const srow: number[][] = [[], [], []];
  let description: string;
  if (version === 1) {
    for (let i = 0; i < 8; i++) dim.push(i16(40 + 2 * i));
    intentCode = i16(68);
    datatypeCode = i16(70);
    bitpix = i16(72);
    for (let i = 0; i < 8; i++) pix.push(f32(76 + 4 * i));
    voxOffsetRaw = f32(108);
    sclSlope = f32(112);
    sclInter = f32(116);
    xyztUnits = bytes[123];
    description = ascii(bytes, 148, 228);
    qformCode = i16(252);
    sformCode = i16(254);
    for (let i = 0; i < 6; i++) quat.push(f32(256 + 4 * i));
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) srow[r].push(f32(280 + 16 * r + 4 * c));
  } else {
    datatypeCode = i16(12);
    bitpix = i16(14);
    for (let i = 0; i < 8; i++) dim.push(i64(16 + 8 * i));
    for (let i = 0; i < 8; i++) pix.push(f64(104 + 8 * i));
    voxOffsetRaw = i64(168);
    sclSlope = f64(176);
    sclInter = f64(184);
    description = ascii(bytes, 240, 320);
    qformCode = i32(344);
    sformCode = i32(348);
    for (let i = 0; i < 6; i++) quat.push(f64(352 + 8 * i));
    for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) srow[r].push(f64(400 + 32 * r + 8 * c));
    xyztUnits = i32(500);
    intentCode = i32(504);
  }

  // --- dims
  const ndim = dim[0];
  if (!(Number.isInteger(ndim) && ndim >= 1 && ndim <= 7)) {
    fail(file, 'bad-dims', `dim[0] is ${ndim}, expected 1..7`);
  }
  const shape = dim.slice(1, ndim + 1);
  shape.forEach((d, i) => {
    if (!(Number.isInteger(d) && d >= 1)) fail(file, 'bad-dims', `dim[${i + 1}] is ${d}, expected a positive integer (dims ${shape.join('x')})`);
  });
  const nx = shape[0];
  const ny = ndim >= 2 ? shape[1] : 1;
  const nz = ndim >= 3 ? shape[2] : 1;
  let nVolumes = 1;
  for (let i = 3; i < ndim; i++) nVolumes *= shape[i];
  const voxelsPerVolume = nx * ny * nz;

  // --- datatype
  const typeInfo = BY_CODE.get(datatypeCode);
  if (!typeInfo) {
    const name = UNSUPPORTED_NAMES[datatypeCode] ?? `unknown code ${datatypeCode}`;
    return fail(file, 'unsupported-datatype', `datatype ${name} is not supported (supported: ${Object.keys(NIFTI_DATATYPES).join(', ')})`);
  }

  // --- data layout against the bytes present (before any allocation)
  if (!(Number.isInteger(voxOffsetRaw) && voxOffsetRaw >= hdrSize)) {
    fail(file, 'bad-header', `vox_offset is ${voxOffsetRaw}, expected a whole number >= ${hdrSize}`);
  }
  const voxOffset = voxOffsetRaw;
  const dataBytes = voxelsPerVolume * nVolumes * typeInfo.bytes; // exact in float64 below 2^53
  if (!(voxOffset + dataBytes <= bytes.length)) {
    fail(
      file,
      'truncated-data',
      `dims ${shape.join('x')} of ${typeInfo.name} need ${dataBytes} data bytes from offset ${voxOffset} ` +
        `(${voxOffset + dataBytes} in total) but only ${bytes.length} bytes are present`,
    );
  }

  // --- scaling (nibabel's rule: invalid slope → no scaling at all)
  let scaling: NiftiHeader['scaling'] = null;
  if (sclSlope !== 0 && Number.isFinite(sclSlope)) {
    if (!Number.isFinite(sclInter)) fail(file, 'bad-header', `scl_slope is ${sclSlope} but scl_inter is ${sclInter}`);
    if (!(sclSlope === 1 && sclInter === 0)) scaling = { slope: sclSlope, inter: sclInter };
  }

  // --- geometry
  const pixdim: Vec3 = [pix[1], pix[2], pix[3]];
  const qfac: 1 | -1 = pix[0] < 0 ? -1 : 1;
  let qform: Affine | null = null;
  if (qformCode > 0) {
    const q = quaternionToAffine({
      b: quat[0],
      c: quat[1],
      d: quat[2],
      qoffset: [quat[3], quat[4], quat[5]],
      zooms: [Math.abs(pix[1]), Math.abs(pix[2]), Math.abs(pix[3])],
      qfac,
    });
    if (isUsableAffine(q)) qform = q;
  }
  let sform: Affine | null = null;
  if (sformCode > 0) {
    const s: Affine = [srow[0], srow[1], srow[2], [0, 0, 0, 1]];
    if (isUsableAffine(s)) sform = s;
  }
  let affine: Affine;
  let affineSource: AffineSource;
  if (sformCode > 0 && sformCode >= qformCode) {
    if (!sform) fail(file, 'bad-header', `sform_code is ${sformCode} but the sform rows are not a usable affine (${JSON.stringify(srow)})`);
    affine = sform;
    affineSource = 'sform';
  } else if (qformCode > 0) {
    if (!qform) fail(file, 'bad-header', `qform_code is ${qformCode} but the quaternion/pixdim fields give no usable affine`);
    affine = qform;
    affineSource = 'qform';
  } else {
    // nibabel's base affine for files without an orientation: zooms from pixdim
    // (1 for axes beyond dim[0], and, unlike nibabel, 1 for a zero or non-finite
    // pixdim so that such a file still reads), x flipped, origin at the grid centre.
    const zooms = [1, 2, 3].map((i) => (i <= ndim && Number.isFinite(pix[i]) && pix[i] !== 0 ? pix[i] : 1));
    const n = [nx, ny, nz];
    affine = [
      [-zooms[0], 0, 0, ((n[0] - 1) / 2) * zooms[0]],
      [0, zooms[1], 0, -((n[1] - 1) / 2) * zooms[1]],
      [0, 0, zooms[2], -((n[2] - 1) / 2) * zooms[2]],
      [0, 0, 0, 1],
    ];
    if (!isUsableAffine(affine)) fail(file, 'bad-header', `no sform/qform and pixdim ${pixdim.join(', ')} gives no usable affine`);
    affineSource = 'pixdim';
  }
  const norms = affineColumnNorms(affine);
  const spacing = [0, 1, 2].map((i) => {
    const p = Math.abs(pixdim[i]);
    return Number.isFinite(p) && p > 0 ? p : norms[i];
  }) as Vec3;

  const header: NiftiHeader = {
    version,
    littleEndian,
    datatype: typeInfo.name,
    datatypeCode,
    bitpix,
    shape,
    dims: nVolumes > 1 ? [nx, ny, nz, nVolumes] : [nx, ny, nz],
    nVolumes,
    pixdim,
    qfac,
    voxOffset,
    sclSlope,
    sclInter,
    scaling,
    qformCode,
    sformCode,
    qform,
    sform,
    affineSource,
    affine,
    spacing,
    description,
    xyztUnits,
    intentCode,
  };
  return { header, typeInfo, voxelsPerVolume };
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

/**
 * Read only the header of a file (gzip files are still decompressed in full).
 * @throws NiftiError
 */
export function readNiftiHeader(path: string, options: Pick<ReadNiftiOptions, 'maxBytes'> = {}): NiftiHeader {
  const bytes = readBytes(path);
  return guard(path, () => decodeFile(bytes, path, options.maxBytes ?? DEFAULT_MAX_BYTES).header);
}
