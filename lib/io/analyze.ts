/**
 * Analyze 7.5 headers (a `.hdr`/`.img` pair whose header carries no NIfTI magic), read
 * as nibabel's `nib.load` reads them, i.e. as an SPM2 Analyze header (our reference):
 *
 * - orientation: Analyze has no qform/sform. The affine is diagonal from pixdim[1..3]
 *   with x negated (radiological storage, nibabel's default_x_flip). The translation
 *   comes from SPM's `originator` field, read as five int16 in the header's byte order
 *   at byte 253 (1-based voxel coordinates of the origin), when its first three values
 *   are not all zero and every one lies strictly between −dim and 2·dim; otherwise the
 *   origin is the grid centre (dim − 1)/2. A zero or non-finite pixdim counts as 1 so
 *   that such a file still reads (nibabel would give a singular affine).
 * - scaling: `funused1` (byte 112, SPM's scale factor, nibabel's scl_slope) when finite
 *   and non-zero, with `funused2` (byte 116, SPM2's intercept) as intercept when finite
 *   (else 0). Otherwise, when both glmax−glmin and cal_max−cal_min are non-zero, SPM2's
 *   calibration rule slope = (cal_max−cal_min)/(glmax−glmin), inter = cal_min − slope·glmin.
 *   Otherwise no scaling. (A plain Analyze reader would apply none; we mirror nibabel.)
 * - not read: SPM's `.mat` sidecar file, which nibabel's Spm99/Spm2 images use for the
 *   affine when it exists next to the pair.
 */
import type { Affine } from '../core/volume';

/** The Analyze-only fields nibabel's Spm2AnalyzeHeader uses. */
export interface AnalyzeFields {
  /** SPM originator: five int16 (the first three are the 1-based origin voxel). */
  origin: number[];
  glmax: number;
  glmin: number;
  calMax: number;
  calMin: number;
}

/** Read the Analyze-only fields of a 348-byte header. */
export function readAnalyzeFields(view: DataView, littleEndian: boolean): AnalyzeFields {
  return {
    origin: [0, 1, 2, 3, 4].map((i) => view.getInt16(253 + 2 * i, littleEndian)),
    glmax: view.getInt32(140, littleEndian),
    glmin: view.getInt32(144, littleEndian),
    calMax: view.getFloat32(124, littleEndian),
    calMin: view.getFloat32(128, littleEndian),
  };
}

/** SPM2's scaling rule (see the module comment); null when none applies or it is the identity. */
export function analyzeScaling(sclSlope: number, sclInter: number, f: AnalyzeFields): { slope: number; inter: number } | null {
  let slope: number;
  let inter: number;
  if (Number.isFinite(sclSlope) && sclSlope !== 0) {
    slope = sclSlope;
    inter = Number.isFinite(sclInter) ? sclInter : 0;
  } else {
    const unscaled = f.glmax - f.glmin;
    const scaled = Math.fround(f.calMax - f.calMin); // nibabel subtracts the float32 fields in float32
    if (!(unscaled && scaled)) return null;
    slope = scaled / unscaled;
    inter = f.calMin - slope * f.glmin;
    if (!Number.isFinite(slope) || !Number.isFinite(inter)) return null;
  }
  return slope === 1 && inter === 0 ? null : { slope, inter };
}

/** The affine of an Analyze header and whether the SPM origin or the grid centre placed it. */
export function analyzeAffine(pix: number[], n: [number, number, number], origin: number[]): { affine: Affine; fromOrigin: boolean } {
  const zooms = [1, 2, 3].map((i) => (Number.isFinite(pix[i]) && pix[i] !== 0 ? pix[i] : 1));
  zooms[0] = -zooms[0];
  const o = origin.slice(0, 3);
  const fromOrigin = o.some((x) => x !== 0) && o.every((x, i) => x > -n[i] && x < 2 * n[i]);
  const centre = fromOrigin ? o.map((x) => x - 1) : n.map((d) => (d - 1) / 2);
  return {
    affine: [
      [zooms[0], 0, 0, -centre[0] * zooms[0]],
      [0, zooms[1], 0, -centre[1] * zooms[1]],
      [0, 0, zooms[2], -centre[2] * zooms[2]],
      [0, 0, 0, 1],
    ],
    fromOrigin,
  };
}
