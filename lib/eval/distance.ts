/**
 * Exact squared Euclidean distance transform (EDT, in mm²) on anisotropic 3D grids.
 *
 * Algorithm: Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 * Functions" (Theory of Computing 8, 2012). The squared EDT is separable: a 1D
 * pass along x gives the squared distance to the nearest feature in the same
 * row; passes along y and z then take, per line, the lower envelope of the
 * parabolas (w·(p − q))² + f(q). Each pass is linear in the number of voxels,
 * so the whole transform is O(N). Voxel sizes enter as the weight w of each
 * axis, which keeps the result exact (not an approximation) for anisotropic
 * spacing.
 */
import { Vec3, voxelCount } from '../core/volume';

/**
 * Squared Euclidean distance, in mm², from every voxel to the nearest feature
 * voxel (a voxel where `features` is non-zero). Feature voxels get 0. When the
 * grid holds no feature at all, every voxel gets `Infinity`.
 *
 * This is what `scipy.ndimage.distance_transform_edt(features == 0,
 * sampling=spacing) ** 2` computes.
 *
 * @param features 0/1 mask, x fastest
 * @param dims [nx, ny, nz]
 * @param spacing voxel size in mm (default [1, 1, 1])
 * @param out optional buffer of at least nx·ny·nz entries to write into
 * @param needed optional mask of the voxels whose distance the caller will
 *   read: the last (z) pass then skips lines holding none of them, and other
 *   voxels may keep partial (y-pass) values. Omit it for a full transform.
 * @returns squared distances in mm² (a view of `out` when given)
 * @example
 * const d2 = squaredDistanceTransform(new Uint8Array([1, 0, 0]), [3, 1, 1], [2, 1, 1]);
 * // Float64Array [0, 4, 16]
 */
export function squaredDistanceTransform(
  features: ArrayLike<number>,
  dims: Vec3,
  spacing: Vec3 = [1, 1, 1],
  out?: Float64Array,
  needed?: ArrayLike<number>,
): Float64Array {
  const [nx, ny, nz] = dims;
  const n = voxelCount(dims);
  if (features.length !== n) {
    throw new RangeError(`squaredDistanceTransform: features has ${features.length} voxels, dims ${dims.join('x')} need ${n}`);
  }
  if (needed && needed.length !== n) {
    throw new RangeError(`squaredDistanceTransform: needed mask has ${needed.length} voxels, expected ${n}`);
  }
  if (out && out.length < n) {
    throw new RangeError(`squaredDistanceTransform: out buffer has ${out.length} entries, need ${n}`);
  }
  const d = out ? out.subarray(0, n) : new Float64Array(n);
  rowPass(features, d, nx, ny * nz, spacing[0]);

  const maxLen = Math.max(ny, nz);
  const scratch = new EnvelopeScratch(maxLen);
  // y lines: for each z-slice, x innermost so consecutive lines share cache lines.
  if (ny > 1) {
    for (let k = 0; k < nz; k++) {
      const base = nx * ny * k;
      for (let i = 0; i < nx; i++) envelopePass(d, base + i, nx, ny, spacing[1], scratch);
    }
  }
  if (nz > 1) {
    const slice = nx * ny;
    for (let j = 0; j < ny; j++) {
      const base = nx * j;
      for (let i = 0; i < nx; i++) {
        if (needed && !lineHasAny(needed, base + i, slice, nz)) continue;
        envelopePass(d, base + i, slice, nz, spacing[2], scratch);
      }
    }
  }
  return d;
}

/** First pass along contiguous x rows: two sweeps, nearest feature in the row. */
function rowPass(features: ArrayLike<number>, d: Float64Array, nx: number, rows: number, w: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * nx;
    let last = -1;
    for (let i = 0; i < nx; i++) {
      if (features[base + i]) {
        last = i;
        d[base + i] = 0;
      } else if (last >= 0) {
        const t = (i - last) * w;
        d[base + i] = t * t;
      } else {
        d[base + i] = Infinity;
      }
    }
    if (last < 0) continue; // no feature in this row: all Infinity already
    let next = -1;
    for (let i = nx - 1; i >= 0; i--) {
      if (features[base + i]) {
        next = i;
      } else if (next >= 0) {
        const t = (next - i) * w;
        const t2 = t * t;
        if (t2 < d[base + i]) d[base + i] = t2;
      }
    }
  }
}

/** Reusable buffers for the lower-envelope pass (one allocation per transform). */
class EnvelopeScratch {
  f: Float64Array;
  v: Int32Array;
  z: Float64Array;
  constructor(len: number) {
    this.f = new Float64Array(len);
    this.v = new Int32Array(len);
    this.z = new Float64Array(len + 1);
  }
}

/**
 * One line of the separable transform: d[p] ← min_q (w·(p − q))² + d[q] along
 * the line starting at `start` with `stride`, over `len` samples. Samples with
 * d = Infinity hold no parabola and are skipped.
 */
function envelopePass(d: Float64Array, start: number, stride: number, len: number, w: number, s: EnvelopeScratch): void {
  const { f, v, z } = s;
  let finite = 0;
  for (let q = 0, idx = start; q < len; q++, idx += stride) {
    const x = d[idx];
    f[q] = x;
    if (x !== Infinity) finite++;
  }
  if (finite === 0 || (finite === len && allZero(f, len))) return;

  // Build the lower envelope of parabolas centred at positions w·q with heights f[q].
  let k = -1;
  for (let q = 0; q < len; q++) {
    const fq = f[q];
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    const xq = w * q;
    const hq = fq + xq * xq;
    let sIntersect: number;
    // z[0] = -Infinity, so this loop always stops at k = 0 at the latest.
    for (;;) {
      const p = v[k];
      const xp = w * p;
      sIntersect = (hq - (f[p] + xp * xp)) / (2 * (xq - xp));
      if (sIntersect <= z[k]) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = sIntersect;
    z[k + 1] = Infinity;
  }
  // Read the envelope back along the line.
  let j = 0;
  for (let p = 0, idx = start; p < len; p++, idx += stride) {
    const xp = w * p;
    while (z[j + 1] < xp) j++;
    const t = xp - w * v[j];
    d[idx] = t * t + f[v[j]];
  }
}

function lineHasAny(mask: ArrayLike<number>, start: number, stride: number, len: number): boolean {
  for (let q = 0, idx = start; q < len; q++, idx += stride) if (mask[idx]) return true;
  return false;
}

function allZero(f: Float64Array, len: number): boolean {
  for (let q = 0; q < len; q++) if (f[q] !== 0) return false;
  return true;
}
