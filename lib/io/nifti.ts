/**
 * NIfTI reader: single files (`.nii`, `.nii.gz`, NIfTI-1 and NIfTI-2) and header/image
 * pairs (`.hdr` + `.img`, either named, each optionally gzipped: NIfTI-1 `ni1`, NIfTI-2
 * `ni2`, and Analyze 7.5 without magic, read as nibabel reads it, see analyze.ts), either
 * byte order, datatypes uint8/int8/int16/uint16/int32/uint32/float32/float64. The header
 * is decoded and validated by nifti-header.ts (which also states the affine rule); this
 * file finds the files, decompresses within limits, copies one 3D volume out and applies
 * the scaling and the non-finite policy (nonfinite.ts).
 *
 * Conventions (the same as nibabel, our reference):
 * - scaling: identity scaling keeps the on-disk type (labels stay integer); any other
 *   scaling gives float32 (computed in float64, then rounded once).
 * - 4D (and higher) files: dims beyond the 3rd are flattened into volumes; one is read.
 *
 * Size limits: a file larger than maxBytes is refused before it is read; a gzip stream is
 * inflated header first (gzip.ts), the size the header claims (vox_offset + voxel bytes)
 * is checked against maxBytes, and only then is the whole stream inflated, capped at that
 * size plus TRAILING_SLACK (a stream holding far more than its header describes is refused).
 * Every failure becomes a NiftiError naming the file; sizes are validated against
 * the bytes actually present before anything is allocated.
 */
import * as fs from 'fs';
import * as os from 'os';
import { NiftiError } from './errors';
import { Vec3, Volume, VoxelArray } from '../core/volume';
import { DecodedHeader, HeaderContainer, NiftiHeader, checkDataPresent, decodeHeader, fail } from './nifti-header';
import { checkGzipName, inflateCapped, inflateHead, isGzip } from './gzip';
import { applyNonFinitePolicy, NonFiniteReport, ReadNonFinitePolicy } from './nonfinite';

/** Default cap on file and decoded sizes: 2 GiB − 1 (also Node's single-read limit). */
export const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

/** Bytes a gzip stream may hold beyond the data its header describes (nibabel ignores them too). */
const TRAILING_SLACK = 64 * 2 ** 20;

/** The largest header (NIfTI-2); inflating this many bytes first is enough to decode any header. */
const HEADER_BYTES = 540;

/** Options of readNifti / parseNifti. */
export interface ReadNiftiOptions {
  /** Which 3D volume of a 4D file to read (default 0). */
  volumeIndex?: number;
  /** NaN/±Inf voxels: 'error' (default), 'zero', 'mask' or 'keep' (see nonfinite.ts). */
  nonfinite?: ReadNonFinitePolicy;
  /** Refuse files whose compressed or decoded size exceeds this many bytes (default 2 GiB − 1). */
  maxBytes?: number;
}

/** A volume read from a NIfTI file together with its header. */
export interface NiftiReadResult {
  volume: Volume;
  header: NiftiHeader;
  /** The 4D volume index that was read. */
  volumeIndex: number;
  /** Non-finite voxels found in that volume (and, with policy 'mask', where they were). */
  nonFinite: NonFiniteReport;
}

const HOST_LITTLE_ENDIAN = os.endianness() === 'LE';

/** Decoded header and the bytes holding the voxels, before any voxel is copied. */
interface DecodedFile extends DecodedHeader {
  /** The file holding the voxels (the .nii itself, or a pair's .img). */
  source: string;
  bytes: Uint8Array;
}

/** Refuse a header whose voxel data would pass the byte limit, before anything is inflated. */
function checkClaim(dec: DecodedHeader, maxBytes: number, file: string): void {
  if (dec.dataEnd > maxBytes) {
    fail(
      file,
      'too-large',
      `the header describes ${dec.header.shape.join('x')} ${dec.typeInfo.name} voxels, ${dec.dataEnd} bytes with vox_offset, ` +
        `more than the limit of ${maxBytes}`,
    );
  }
}

/** The header bytes of a (maybe gzipped) file: the whole file, or an inflated prefix. */
function headerBytes(raw: Uint8Array, file: string, maxBytes: number): Uint8Array {
  if (raw.length > maxBytes) fail(file, 'too-large', `file has ${raw.length} bytes, more than the limit of ${maxBytes}`);
  checkGzipName(raw, file);
  return isGzip(raw) ? inflateHead(raw, HEADER_BYTES, file) : raw;
}

/** The voxel bytes of a (maybe gzipped) file, inflated only up to what the header describes (plus slack). */
function dataBytes(raw: Uint8Array, dec: DecodedHeader, file: string, maxBytes: number): Uint8Array {
  checkGzipName(raw, file);
  if (!isGzip(raw)) return raw;
  checkClaim(dec, maxBytes, file);
  const cap = Math.min(maxBytes, dec.dataEnd + TRAILING_SLACK);
  return inflateCapped(raw, cap, file, `the header describes ${dec.dataEnd} bytes; the limit is ${maxBytes}`);
}

function decodeSingle(raw: Uint8Array, file: string, maxBytes: number): DecodedFile {
  const dec = decodeHeader(headerBytes(raw, file, maxBytes), file, 'single');
  const bytes = dataBytes(raw, dec, file, maxBytes);
  checkDataPresent(dec, bytes.length, file);
  return { ...dec, source: file, bytes };
}

function decodePair(hdrRaw: Uint8Array, hdrFile: string, imgRaw: Uint8Array, imgFile: string, maxBytes: number): DecodedFile {
  const dec = decodeHeader(headerBytes(hdrRaw, hdrFile, maxBytes), hdrFile, 'pair');
  if (imgRaw.length > maxBytes) fail(imgFile, 'too-large', `file has ${imgRaw.length} bytes, more than the limit of ${maxBytes}`);
  checkClaim(dec, maxBytes, hdrFile);
  const bytes = dataBytes(imgRaw, dec, imgFile, maxBytes);
  checkDataPresent(dec, bytes.length, imgFile);
  return { ...dec, source: imgFile, bytes };
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

function extractVolume(dec: DecodedFile, index: number, policy: ReadNonFinitePolicy): { volume: Volume; nonFinite: NonFiniteReport } {
  const { header, typeInfo, voxelsPerVolume, bytes, source } = dec;
  if (!(Number.isInteger(index) && index >= 0 && index < header.nVolumes)) {
    fail(source, 'volume-index', `volume index ${index} requested, the file has ${header.nVolumes} volume(s) (dims ${header.shape.join('x')})`);
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
  const [nx, ny, nz] = header.dims;
  const nonFinite =
    !typeInfo.integer || header.scaling
      ? applyNonFinitePolicy(data, header.dims, policy, source, `volume ${index}`)
      : { count: 0, first: null, mask: null };
  const volume = { data, dims: [nx, ny, nz] as Vec3, spacing: [...header.spacing] as Vec3, affine: header.affine.map((r) => [...r]) };
  return { volume, nonFinite };
}

function readBytes(path: string, maxBytes: number): Uint8Array {
  try {
    const size = fs.statSync(path).size;
    if (size > maxBytes) fail(path, 'too-large', `file has ${size} bytes, more than the limit of ${maxBytes}`);
    return fs.readFileSync(path);
  } catch (err) {
    if (err instanceof NiftiError) throw err;
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

const PAIR_NAME = /^(.*)\.(hdr|img)(\.gz)?$/i;

/** The container a path names: a pair for .hdr/.img (optionally .gz), a single file otherwise. */
function containerOf(path: string): HeaderContainer {
  return PAIR_NAME.test(path) ? 'pair' : 'single';
}

/**
 * The two files of a pair named by either of them: the partner with the same compression
 * suffix when it exists, else the other one (x.hdr + x.img.gz is accepted). Case follows
 * the given name (X.HDR → X.IMG).
 */
function pairFiles(path: string): { hdr: string; img: string } {
  const m = PAIR_NAME.exec(path)!;
  const [, base, ext, gz = ''] = m;
  const upper = ext === ext.toUpperCase();
  const other = (ext.toLowerCase() === 'hdr' ? 'img' : 'hdr')[upper ? 'toUpperCase' : 'toLowerCase']();
  const otherGz = gz ? '' : upper ? '.GZ' : '.gz';
  const candidates = [`${base}.${other}${gz}`, `${base}.${other}${otherGz}`];
  const partner = candidates.find((c) => fs.existsSync(c));
  if (!partner) {
    const what = ext.toLowerCase() === 'hdr' ? 'image' : 'header';
    fail(path, 'read-failed', `the ${what} file of this .hdr/.img pair is missing (looked for ${candidates.join(' and ')})`);
  }
  return ext.toLowerCase() === 'hdr' ? { hdr: path, img: partner } : { hdr: partner, img: path };
}

function decodePath(path: string, maxBytes: number): DecodedFile {
  if (containerOf(path) === 'single') {
    const raw = readBytes(path, maxBytes);
    return guard(path, () => decodeSingle(raw, path, maxBytes));
  }
  const { hdr, img } = pairFiles(path);
  const hdrRaw = readBytes(hdr, maxBytes);
  guard(hdr, () => decodeHeader(headerBytes(hdrRaw, hdr, maxBytes), hdr, 'pair')); // header errors before the image is read
  const imgRaw = readBytes(img, maxBytes);
  return guard(path, () => decodePair(hdrRaw, hdr, imgRaw, img, maxBytes));
}

/**
 * Decode NIfTI bytes (gzip-compressed or not) of a single file already in memory.
 * @param bytes file content
 * @param file name used in error messages
 * @param options see ReadNiftiOptions (volumeIndex default 0, nonfinite default 'error')
 * @throws NiftiError for every kind of bad input
 */
export function parseNifti(bytes: Uint8Array, file: string, options: ReadNiftiOptions = {}): NiftiReadResult {
  return guard(file, () => {
    const dec = decodeSingle(bytes, file, options.maxBytes ?? DEFAULT_MAX_BYTES);
    const volumeIndex = options.volumeIndex ?? 0;
    return { ...extractVolume(dec, volumeIndex, options.nonfinite ?? 'error'), header: dec.header, volumeIndex };
  });
}

/**
 * Decode a header/image pair (NIfTI-1/2 pair or Analyze) already in memory.
 * @param files the names of the header and the image file, for error messages
 * @throws NiftiError for every kind of bad input
 */
export function parseNiftiPair(hdr: Uint8Array, img: Uint8Array, files: [string, string], options: ReadNiftiOptions = {}): NiftiReadResult {
  return guard(files[0], () => {
    const dec = decodePair(hdr, files[0], img, files[1], options.maxBytes ?? DEFAULT_MAX_BYTES);
    const volumeIndex = options.volumeIndex ?? 0;
    return { ...extractVolume(dec, volumeIndex, options.nonfinite ?? 'error'), header: dec.header, volumeIndex };
  });
}

/**
 * Read one 3D volume of a `.nii` / `.nii.gz` file or of a `.hdr`/`.img` pair (either name given).
 *
 * @example
 * const { volume, header } = readNifti('FLAIR.nii.gz');
 * // volume.data: Float32Array, volume.dims [182, 218, 182], header.datatype 'float32'
 * @param path file path
 * @param options volumeIndex (default 0) for 4D files; nonfinite (default 'error'); maxBytes (default 2 GiB − 1)
 * @throws NiftiError naming the file and the problem (see NiftiErrorReason)
 */
export function readNifti(path: string, options: ReadNiftiOptions = {}): NiftiReadResult {
  const dec = decodePath(path, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const volumeIndex = options.volumeIndex ?? 0;
  return guard(path, () => ({ ...extractVolume(dec, volumeIndex, options.nonfinite ?? 'error'), header: dec.header, volumeIndex }));
}

/**
 * Read only the header of a file or pair (a gzipped file is inflated just past the header;
 * a pair's image file is not needed).
 * @throws NiftiError for an unreadable header
 */
export function readNiftiHeader(path: string, options: Pick<ReadNiftiOptions, 'maxBytes'> = {}): NiftiHeader {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const container = containerOf(path);
  const hdr = container === 'pair' && /\.img(\.gz)?$/i.test(path) ? pairFiles(path).hdr : path;
  const raw = readBytes(hdr, maxBytes);
  return guard(hdr, () => decodeHeader(headerBytes(raw, hdr, maxBytes), hdr, container).header);
}

/**
 * Read every 3D volume of a file (one for a 3D file).
 * @param path file path (or either file of a pair)
 * @param options nonfinite (default 'error'), maxBytes; volumeIndex is ignored
 * @throws NiftiError
 */
export function readNiftiAll(path: string, options: ReadNiftiOptions = {}): { volumes: Volume[]; header: NiftiHeader; nonFinite: NonFiniteReport[] } {
  const dec = decodePath(path, options.maxBytes ?? DEFAULT_MAX_BYTES);
  return guard(path, () => {
    const volumes: Volume[] = [];
    const nonFinite: NonFiniteReport[] = [];
    for (let t = 0; t < dec.header.nVolumes; t++) {
      const r = extractVolume(dec, t, options.nonfinite ?? 'error');
      volumes.push(r.volume);
      nonFinite.push(r.nonFinite);
    }
    return { volumes, header: dec.header, nonFinite };
  });
}
