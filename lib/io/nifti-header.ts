/**
 * NIfTI header decoding: the fixed fields of a NIfTI-1 or NIfTI-2 header in either
 * byte order, validated, with the affine chosen and the data layout checked against
 * the bytes present. The reader (nifti.ts) copies voxels only after this succeeds.
 *
 * Conventions (the same as nibabel unless noted, so that nibabel is our reference):
 * - scaling: `scl_slope` 0 or non-finite means "no scaling" (the intercept is then
 *   ignored too); exactly 1 and 0 is no scaling either.
 * - affine: the sform unless qform_code > sform_code (NiiVue's and the NIfTI
 *   reference library's rule; nibabel prefers the sform whenever sform_code != 0, so
 *   the two differ only when 0 < sform_code < qform_code); else the qform; else the
 *   pixdim-only affine nibabel uses for such files (x flipped, origin at the grid centre).
 * - 4D (and higher) files: dims beyond the 3rd are flattened into volumes.
 *
 * The header is parsed here rather than with nifti-reader-js 0.7.0, because that
 * library is unsafe on corrupt input, which the fuzz test feeds it on purpose: its
 * extension walker loops forever on a negative extension size and logs to the console,
 * it reads NIfTI-2's 64-bit fields as little-endian whatever the file's byte order,
 * and its readers decide the affine with rules of their own. The layout is small
 * and fixed, so an own parser that checks every field before use is the safer choice;
 * test/io/nifti-reader-js.test.ts cross-checks the header fields against that library.
 */
import { NiftiError } from './errors';
import { Affine, Vec3, VoxelArray } from '../core/volume';
import { affineColumnNorms, isUsableAffine, quaternionToAffine } from './affine';
import { analyzeAffine, analyzeScaling, readAnalyzeFields } from './analyze';

/** Datatypes the reader supports, by their numpy-style names. */
export type NiftiDatatypeName = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

type TypedArrayCtor = { new (n: number): VoxelArray; new (buf: ArrayBuffer): VoxelArray };

/** How voxels of one datatype are stored and read. */
export interface DatatypeInfo {
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

/** Which header transform produced the affine ('spm-origin': an Analyze header's SPM originator field, see analyze.ts). */
export type AffineSource = 'sform' | 'qform' | 'pixdim' | 'spm-origin';

/** Single-file NIfTI (`n+1`, `n+2`), a header/image pair (`ni1`, `ni2`), or Analyze 7.5 (a pair without magic). */
export type NiftiFormat = 'nifti1' | 'nifti2' | 'nifti1-pair' | 'nifti2-pair' | 'analyze';

/** Where the header sits: in the same file as the voxels (`.nii`) or in a `.hdr` of a pair. */
export type HeaderContainer = 'single' | 'pair';

/** The header fields a caller may need, decoded and validated. */
export interface NiftiHeader {
  /** NIfTI-1 or NIfTI-2 (1 for Analyze, whose 348-byte layout NIfTI-1 extends). */
  version: 1 | 2;
  format: NiftiFormat;
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

/** A decoded header with what the reader needs to copy the voxels. */
export interface DecodedHeader {
  header: NiftiHeader;
  typeInfo: DatatypeInfo;
  voxelsPerVolume: number;
  /** vox_offset + all voxel bytes: how many bytes the voxel source (the file, or the .img) must hold. */
  dataEnd: number;
}

/** Throw the NiftiError for `file`. */
export function fail(file: string, reason: ConstructorParameters<typeof NiftiError>[1], detail: string): never {
  throw new NiftiError(file, reason, detail);
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

/** NIfTI version and byte order from sizeof_hdr; checks that the whole header is present. */
function readPreamble(bytes: Uint8Array, view: DataView, file: string): { version: 1 | 2; littleEndian: boolean; hdrSize: number } {
  if (bytes.length < 4) fail(file, 'truncated-header', `file has ${bytes.length} bytes, a NIfTI header needs at least 348`);
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
  return { version, littleEndian, hdrSize };
}

/** The format the magic field names, checked against where the header was found. */
function detectFormat(bytes: Uint8Array, file: string, version: 1 | 2, container: HeaderContainer): NiftiFormat {
  if (version === 1) {
    const m = ascii(bytes, 344, 348);
    const exact = bytes[347] === 0;
    if (container === 'single') {
      if (m === 'ni1') fail(file, 'magic', 'magic "ni1" is for .hdr/.img pairs, but this is a single file (name it .hdr, with its .img beside it)');
      if (m !== 'n+1' || !exact) fail(file, 'magic', `wrong NIfTI-1 magic: bytes 344-347 are ${hexMagic(bytes, 344, 4)} (expected "n+1\\0")`);
      return 'nifti1';
    }
    if (m === 'ni1' && exact) return 'nifti1-pair';
    if (m === 'n+1') fail(file, 'magic', 'magic "n+1" marks a single-file NIfTI (.nii), but this is the header of a .hdr/.img pair');
    return 'analyze'; // as nibabel: a 348-byte header without a NIfTI magic is Analyze 7.5
  }
  const m = ascii(bytes, 4, 8);
  const tail = [0x00, 0x0d, 0x0a, 0x1a, 0x0a];
  const want = container === 'single' ? 'n+2' : 'ni2';
  if (m !== want || tail.some((b, i) => bytes[7 + i] !== b)) {
    fail(file, 'magic', `wrong NIfTI-2 magic for a ${container === 'single' ? 'single file' : '.hdr/.img pair'}: bytes 4-11 are ${hexMagic(bytes, 4, 8)} (expected "${want}\\0\\r\\n\\x1a\\n")`);
  }
  return container === 'single' ? 'nifti2' : 'nifti2-pair';
}

/** The header fields both versions carry, as stored (not yet validated). */
interface RawFields {
  dim: number[];
  pix: number[];
  datatypeCode: number;
  bitpix: number;
  voxOffsetRaw: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  xyztUnits: number;
  intentCode: number;
  /** quatern_b, c, d, qoffset_x, y, z. */
  quat: number[];
  srow: number[][];
  description: string;
}

/** Typed field readers at byte offsets in the header's byte order. */
function fieldReaders(view: DataView, littleEndian: boolean) {
  return {
    i16: (o: number) => view.getInt16(o, littleEndian),
    i32: (o: number) => view.getInt32(o, littleEndian),
    f32: (o: number) => view.getFloat32(o, littleEndian),
    f64: (o: number) => view.getFloat64(o, littleEndian),
    i64: (o: number) => {
      const v = view.getBigInt64(o, littleEndian);
      // outside ±2^53 a number is not exact; such a value is a corrupt field anyway
      return v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER) ? NaN : Number(v);
    },
  };
}

/** NIfTI-1 layout (348 bytes; nifti1.h). */
function readFieldsV1(bytes: Uint8Array, view: DataView, littleEndian: boolean): RawFields {
  const { i16, f32 } = fieldReaders(view, littleEndian);
  const dim: number[] = [];
  const pix: number[] = [];
  const quat: number[] = [];
  const srow: number[][] = [[], [], []];
  for (let i = 0; i < 8; i++) dim.push(i16(40 + 2 * i));
  for (let i = 0; i < 8; i++) pix.push(f32(76 + 4 * i));
  for (let i = 0; i < 6; i++) quat.push(f32(256 + 4 * i));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) srow[r].push(f32(280 + 16 * r + 4 * c));
  return {
    dim,
    pix,
    intentCode: i16(68),
    datatypeCode: i16(70),
    bitpix: i16(72),
    voxOffsetRaw: f32(108),
    sclSlope: f32(112),
    sclInter: f32(116),
    xyztUnits: bytes[123],
    description: ascii(bytes, 148, 228),
    qformCode: i16(252),
    sformCode: i16(254),
    quat,
    srow,
  };
}

/** NIfTI-2 layout (540 bytes; nifti2.h). */
function readFieldsV2(bytes: Uint8Array, view: DataView, littleEndian: boolean): RawFields {
  const { i16, i32, f64, i64 } = fieldReaders(view, littleEndian);
  const dim: number[] = [];
  const pix: number[] = [];
  const quat: number[] = [];
  const srow: number[][] = [[], [], []];
  for (let i = 0; i < 8; i++) dim.push(i64(16 + 8 * i));
  for (let i = 0; i < 8; i++) pix.push(f64(104 + 8 * i));
  for (let i = 0; i < 6; i++) quat.push(f64(352 + 8 * i));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) srow[r].push(f64(400 + 32 * r + 8 * c));
  return {
    dim,
    pix,
    datatypeCode: i16(12),
    bitpix: i16(14),
    voxOffsetRaw: i64(168),
    sclSlope: f64(176),
    sclInter: f64(184),
    description: ascii(bytes, 240, 320),
    qformCode: i32(344),
    sformCode: i32(348),
    xyztUnits: i32(500),
    intentCode: i32(504),
    quat,
    srow,
  };
}

/** The grid described by dim[]: validated shape, 3D extent and number of 3D volumes. */
interface Grid {
  ndim: number;
  shape: number[];
  nx: number;
  ny: number;
  nz: number;
  nVolumes: number;
  voxelsPerVolume: number;
}

function decodeDims(dim: number[], file: string): Grid {
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
  return { ndim, shape, nx, ny, nz, nVolumes, voxelsPerVolume };
}

function decodeDatatype(datatypeCode: number, file: string): DatatypeInfo {
  const typeInfo = BY_CODE.get(datatypeCode);
  if (!typeInfo) {
    const name = UNSUPPORTED_NAMES[datatypeCode] ?? `unknown code ${datatypeCode}`;
    return fail(file, 'unsupported-datatype', `datatype ${name} is not supported (supported: ${Object.keys(NIFTI_DATATYPES).join(', ')})`);
  }
  return typeInfo;
}

/** Check vox_offset (>= the header size in a single file, >= 0 in a pair's .img); returns it and the end of the voxel data. */
function decodeLayout(voxOffsetRaw: number, minOffset: number, grid: Grid, typeInfo: DatatypeInfo, file: string): { voxOffset: number; dataEnd: number } {
  if (!(Number.isInteger(voxOffsetRaw) && voxOffsetRaw >= minOffset)) {
    fail(file, 'bad-header', `vox_offset is ${voxOffsetRaw}, expected a whole number >= ${minOffset}`);
  }
  const dataBytes = grid.voxelsPerVolume * grid.nVolumes * typeInfo.bytes; // exact in float64 below 2^53
  return { voxOffset: voxOffsetRaw, dataEnd: voxOffsetRaw + dataBytes };
}

/**
 * Check the voxel data the header describes against the bytes present (before any allocation).
 * @param source the file holding the voxels (the file itself, or a pair's .img)
 */
export function checkDataPresent(dec: DecodedHeader, nBytes: number, source: string): void {
  const { header, typeInfo, dataEnd } = dec;
  if (!(dataEnd <= nBytes)) {
    fail(
      source,
      'truncated-data',
      `dims ${header.shape.join('x')} of ${typeInfo.name} need ${dataEnd - header.voxOffset} data bytes from offset ${header.voxOffset} ` +
        `(${dataEnd} in total) but only ${nBytes} bytes are present`,
    );
  }
}

/** nibabel's rule: an invalid slope means no scaling at all. */
function decodeScaling(sclSlope: number, sclInter: number, file: string): NiftiHeader['scaling'] {
  let scaling: NiftiHeader['scaling'] = null;
  if (sclSlope !== 0 && Number.isFinite(sclSlope)) {
    if (!Number.isFinite(sclInter)) fail(file, 'bad-header', `scl_slope is ${sclSlope} but scl_inter is ${sclInter}`);
    if (!(sclSlope === 1 && sclInter === 0)) scaling = { slope: sclSlope, inter: sclInter };
  }
  return scaling;
}

/** The qform affine when qform_code > 0 and it is usable. */
function decodeQform(raw: RawFields, qfac: 1 | -1): Affine | null {
  const { pix, quat } = raw;
  if (raw.qformCode > 0) {
    const q = quaternionToAffine({
      b: quat[0],
      c: quat[1],
      d: quat[2],
      qoffset: [quat[3], quat[4], quat[5]],
      zooms: [Math.abs(pix[1]), Math.abs(pix[2]), Math.abs(pix[3])],
      qfac,
    });
    if (isUsableAffine(q)) return q;
  }
  return null;
}

/** The sform affine when sform_code > 0 and it is usable. */
function decodeSform(raw: RawFields): Affine | null {
  const { srow } = raw;
  if (raw.sformCode > 0) {
    const s: Affine = [srow[0], srow[1], srow[2], [0, 0, 0, 1]];
    if (isUsableAffine(s)) return s;
  }
  return null;
}

/**
 * nibabel's base affine for files without an orientation: zooms from pixdim
 * (1 for axes beyond dim[0], and, unlike nibabel, 1 for a zero or non-finite
 * pixdim so that such a file still reads), x flipped, origin at the grid centre.
 */
function pixdimAffine(pix: number[], grid: Grid): Affine {
  const zooms = [1, 2, 3].map((i) => (i <= grid.ndim && Number.isFinite(pix[i]) && pix[i] !== 0 ? pix[i] : 1));
  const n = [grid.nx, grid.ny, grid.nz];
  return [
    [-zooms[0], 0, 0, ((n[0] - 1) / 2) * zooms[0]],
    [0, zooms[1], 0, -((n[1] - 1) / 2) * zooms[1]],
    [0, 0, zooms[2], -((n[2] - 1) / 2) * zooms[2]],
    [0, 0, 0, 1],
  ];
}

type Geometry = Pick<NiftiHeader, 'pixdim' | 'qfac' | 'qform' | 'sform' | 'affineSource' | 'affine' | 'spacing'>;

/** pixdim, qform and sform, the affine chosen by the module comment's rule, and the voxel spacing. */
function decodeGeometry(raw: RawFields, grid: Grid, file: string): Geometry {
  const { pix, qformCode, sformCode, srow } = raw;
  const pixdim: Vec3 = [pix[1], pix[2], pix[3]];
  const qfac: 1 | -1 = pix[0] < 0 ? -1 : 1;
  const qform = decodeQform(raw, qfac);
  const sform = decodeSform(raw);
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
    affine = pixdimAffine(pix, grid);
    if (!isUsableAffine(affine)) fail(file, 'bad-header', `no sform/qform and pixdim ${pixdim.join(', ')} gives no usable affine`);
    affineSource = 'pixdim';
  }
  const norms = affineColumnNorms(affine);
  const spacing = [0, 1, 2].map((i) => {
    const p = Math.abs(pixdim[i]);
    return Number.isFinite(p) && p > 0 ? p : norms[i];
  }) as Vec3;
  return { pixdim, qfac, qform, sform, affineSource, affine, spacing };
}

/** Geometry of an Analyze header (no qform/sform; see analyze.ts). */
function decodeAnalyzeGeometry(raw: RawFields, origin: number[], grid: Grid, file: string): Geometry {
  const pixdim: Vec3 = [raw.pix[1], raw.pix[2], raw.pix[3]];
  const { affine, fromOrigin } = analyzeAffine(raw.pix, [grid.nx, grid.ny, grid.nz], origin);
  if (!isUsableAffine(affine)) fail(file, 'bad-header', `pixdim ${pixdim.join(', ')} gives no usable affine`);
  const spacing = pixdim.map((p) => (Number.isFinite(p) && p !== 0 ? Math.abs(p) : 1)) as Vec3;
  return { pixdim, qfac: 1, qform: null, sform: null, affineSource: fromOrigin ? 'spm-origin' : 'pixdim', affine, spacing };
}

/**
 * Parse and validate a header; computes the affine and the data layout. The voxel data
 * are not looked at: callers check them with checkDataPresent.
 * @param bytes the header (at least its fixed part) or the whole single file
 * @param container 'single' for a .nii (magic n+1/n+2), 'pair' for a .hdr (ni1/ni2 or Analyze)
 */
export function decodeHeader(bytes: Uint8Array, file: string, container: HeaderContainer = 'single'): DecodedHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { version, littleEndian, hdrSize } = readPreamble(bytes, view, file);
  const format = detectFormat(bytes, file, version, container);
  const raw = version === 1 ? readFieldsV1(bytes, view, littleEndian) : readFieldsV2(bytes, view, littleEndian);
  const grid = decodeDims(raw.dim, file);
  const typeInfo = decodeDatatype(raw.datatypeCode, file);
  const { voxOffset, dataEnd } = decodeLayout(raw.voxOffsetRaw, container === 'single' ? hdrSize : 0, grid, typeInfo, file);
  let scaling: NiftiHeader['scaling'];
  let geometry: Geometry;
  if (format === 'analyze') {
    const extra = readAnalyzeFields(view, littleEndian);
    scaling = analyzeScaling(raw.sclSlope, raw.sclInter, extra);
    geometry = decodeAnalyzeGeometry(raw, extra.origin, grid, file);
    Object.assign(raw, { qformCode: 0, sformCode: 0, xyztUnits: 0, intentCode: 0 });
  } else {
    scaling = decodeScaling(raw.sclSlope, raw.sclInter, file);
    geometry = decodeGeometry(raw, grid, file);
  }
  const { nx, ny, nz, nVolumes } = grid;
  const header: NiftiHeader = {
    version,
    format,
    littleEndian,
    datatype: typeInfo.name,
    datatypeCode: raw.datatypeCode,
    bitpix: raw.bitpix,
    shape: grid.shape,
    dims: nVolumes > 1 ? [nx, ny, nz, nVolumes] : [nx, ny, nz],
    nVolumes,
    ...geometry,
    voxOffset,
    sclSlope: raw.sclSlope,
    sclInter: raw.sclInter,
    scaling,
    qformCode: raw.qformCode,
    sformCode: raw.sformCode,
    description: raw.description,
    xyztUnits: raw.xyztUnits,
    intentCode: raw.intentCode,
  };
  return { header, typeInfo, voxelsPerVolume: grid.voxelsPerVolume, dataEnd };
}
