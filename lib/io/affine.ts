/**
 * Affine helpers shared by the NIfTI reader/writer and the volume operations:
 * the NIfTI quaternion (qform) ↔ matrix conversions, 4x4 products and inverses.
 * All arithmetic is float64; affines are 4x4 row-major `number[][]`.
 */
import type { Affine, Vec3 } from '../core/volume';

/** Product a·b of two 4x4 matrices. */
export function multiplyAffine(a: Affine, b: Affine): Affine {
  const out: Affine = [];
  for (let r = 0; r < 4; r++) {
    const row: number[] = [];
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r][k] * b[k][c];
      row.push(s);
    }
    out.push(row);
  }
  return out;
}

/** Determinant of the upper-left 3x3 block. */
export function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Inverse of the upper-left 3x3 block (throws RangeError when singular; callers wrap it). */
export function invert3(m: number[][]): number[][] {
  const d = det3(m);
  if (!Number.isFinite(d) || Math.abs(d) < 1e-300) throw new RangeError('singular 3x3 matrix');
  const inv = [
    [m[1][1] * m[2][2] - m[1][2] * m[2][1], m[0][2] * m[2][1] - m[0][1] * m[2][2], m[0][1] * m[1][2] - m[0][2] * m[1][1]],
    [m[1][2] * m[2][0] - m[1][0] * m[2][2], m[0][0] * m[2][2] - m[0][2] * m[2][0], m[0][2] * m[1][0] - m[0][0] * m[1][2]],
    [m[1][0] * m[2][1] - m[1][1] * m[2][0], m[0][1] * m[2][0] - m[0][0] * m[2][1], m[0][0] * m[1][1] - m[0][1] * m[1][0]],
  ];
  return inv.map((row) => row.map((v) => v / d));
}

/**
 * Inverse of an affine (world → voxel).
 * @throws RangeError when the 3x3 part is singular.
 */
export function invertAffine(a: Affine): Affine {
  const r = invert3(a);
  const t = [a[0][3], a[1][3], a[2][3]];
  const out: Affine = [];
  for (let i = 0; i < 3; i++) {
    out.push([r[i][0], r[i][1], r[i][2], -(r[i][0] * t[0] + r[i][1] * t[1] + r[i][2] * t[2])]);
  }
  out.push([0, 0, 0, 1]);
  return out;
}

/** Euclidean norms of the first three columns (voxel sizes encoded in an affine). */
export function affineColumnNorms(a: Affine): Vec3 {
  const n = (c: number) => Math.hypot(a[0][c], a[1][c], a[2][c]);
  return [n(0), n(1), n(2)];
}

/** True when every entry is a finite number and the 3x3 part is non-singular. */
export function isUsableAffine(a: Affine): boolean {
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) if (!Number.isFinite(a[r][c])) return false;
  const d = det3(a);
  return Number.isFinite(d) && Math.abs(d) > 1e-12;
}

/** The NIfTI qform parameters. */
export interface QuaternionForm {
  b: number;
  c: number;
  d: number;
  qoffset: Vec3;
  /** pixdim[1..3], positive. */
  zooms: Vec3;
  /** pixdim[0]: +1, or −1 for a left-handed (negative determinant) affine. */
  qfac: 1 | -1;
}

/**
 * qform → affine, following the NIfTI reference library (nifti_quatern_to_mat44):
 * a = sqrt(1 − b² − c² − d²); when that is < 1e-7 the (b, c, d) vector is normalised
 * and a = 0. nibabel refuses such quaternions instead; only corrupt headers differ.
 */
export function quaternionToAffine(q: QuaternionForm): Affine {
  let { b, c, d } = q;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const s = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= s;
    c *= s;
    d *= s;
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const [sx, sy, sz0] = q.zooms.map((z) => (z > 0 ? z : 1)) as Vec3;
  const sz = sz0 * q.qfac;
  return [
    [(a * a + b * b - c * c - d * d) * sx, 2 * (b * c - a * d) * sy, 2 * (b * d + a * c) * sz, q.qoffset[0]],
    [2 * (b * c + a * d) * sx, (a * a + c * c - b * b - d * d) * sy, 2 * (c * d - a * b) * sz, q.qoffset[1]],
    [2 * (b * d - a * c) * sx, 2 * (c * d + a * b) * sy, (a * a + d * d - c * c - b * b) * sz, q.qoffset[2]],
    [0, 0, 0, 1],
  ];
}

/**
 * affine → qform: voxel sizes are the column norms, a negative determinant becomes
 * qfac = −1 (third column flipped), a non-orthogonal (sheared) rotation part is
 * replaced by its nearest rotation (polar decomposition), and the quaternion is taken
 * with a ≥ 0 so that (b, c, d) determine it, as nibabel's set_qform does.
 * @throws RangeError when the 3x3 part is singular or not finite.
 */
export function affineToQuaternion(aff: Affine): QuaternionForm {
  const zooms = affineColumnNorms(aff);
  if (!zooms.every((z) => Number.isFinite(z) && z > 0)) throw new RangeError('affine has a zero or non-finite column');
  let r = [0, 1, 2].map((i) => [0, 1, 2].map((j) => aff[i][j] / zooms[j]));
  let qfac: 1 | -1 = 1;
  if (det3(r) < 0) {
    qfac = -1;
    for (let i = 0; i < 3; i++) r[i][2] = -r[i][2];
  }
  // Polar decomposition by Newton iteration: R ← (R + R⁻ᵀ)/2 converges to the
  // orthogonal factor; for an already orthonormal R it stops after one step.
  for (let it = 0; it < 50; it++) {
    const inv = invert3(r);
    const next = r.map((row, i) => row.map((v, j) => 0.5 * (v + inv[j][i])));
    let diff = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) diff = Math.max(diff, Math.abs(next[i][j] - r[i][j]));
    r = next;
    if (diff < 1e-15) break;
  }
  // Rotation matrix → unit quaternion (Shepperd's method: pick the largest diagonal term).
  const trace = r[0][0] + r[1][1] + r[2][2];
  let w: number, x: number, y: number, z: number;
  if (trace > 0) {
    const s = 2 * Math.sqrt(1 + trace);
    w = s / 4;
    x = (r[2][1] - r[1][2]) / s;
    y = (r[0][2] - r[2][0]) / s;
    z = (r[1][0] - r[0][1]) / s;
  } else if (r[0][0] > r[1][1] && r[0][0] > r[2][2]) {
    const s = 2 * Math.sqrt(1 + r[0][0] - r[1][1] - r[2][2]);
    w = (r[2][1] - r[1][2]) / s;
    x = s / 4;
    y = (r[0][1] + r[1][0]) / s;
    z = (r[0][2] + r[2][0]) / s;
  } else if (r[1][1] > r[2][2]) {
    const s = 2 * Math.sqrt(1 + r[1][1] - r[0][0] - r[2][2]);
    w = (r[0][2] - r[2][0]) / s;
    x = (r[0][1] + r[1][0]) / s;
    y = s / 4;
    z = (r[1][2] + r[2][1]) / s;
  } else {
    const s = 2 * Math.sqrt(1 + r[2][2] - r[0][0] - r[1][1]);
    w = (r[1][0] - r[0][1]) / s;
    x = (r[0][2] + r[2][0]) / s;
    y = (r[1][2] + r[2][1]) / s;
    z = s / 4;
  }
  // q and -q are the same rotation: keep the one with w >= 0 (NIfTI stores only b, c, d).
  if (w < 0) {
    x = -x;
    y = -y;
    z = -z;
  }
  return { b: x, c: y, d: z, qoffset: [aff[0][3], aff[1][3], aff[2][3]], zooms, qfac };
}
