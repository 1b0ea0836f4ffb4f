/**
 * The few Volume operations every stage needs: voxel ↔ world coordinates, crop/pad (to a
 * box or to the nonzero bounding box), resampling to a target spacing (nearest for labels,
 * which stay integer-typed; trilinear for images), CT windowing, finite-value checks and
 * summary statistics. Every operation returns a new Volume with its affine updated. The
 * same-grid check and z-scoring live in lib/core (grid.ts, zscore.ts).
 */
import { assertSameGrid } from '../core/grid';
import { Affine, Vec3, Volume, VoxelArray } from '../core/volume';
import { NiftiError } from './errors';
import { invertAffine, multiplyAffine } from './affine';
import { findNonFinite } from './nonfinite';

type ArrayCtor = { new (n: number): VoxelArray };

function ctorOf(data: VoxelArray): ArrayCtor {
  return data.constructor as ArrayCtor;
}

function affineOf(v: Volume | Affine): Affine {
  return Array.isArray(v) ? v : v.affine;
}

/**
 * Voxel (i, j, k) → world (x, y, z) in mm. Indices may be fractional.
 * @example voxelToWorld(volume, [0, 0, 0]) // world position of the first voxel's centre
 */
export function voxelToWorld(v: Volume | Affine, ijk: Vec3): Vec3 {
  const a = affineOf(v);
  return [0, 1, 2].map((r) => a[r][0] * ijk[0] + a[r][1] * ijk[1] + a[r][2] * ijk[2] + a[r][3]) as Vec3;
}

/**
 * World (x, y, z) in mm → fractional voxel indices (i, j, k).
 * @throws RangeError when the affine is singular
 */
export function worldToVoxel(v: Volume | Affine, xyz: Vec3): Vec3 {
  const inv = invertAffine(affineOf(v));
  return voxelToWorld(inv, xyz);
}

/** A box of voxel indices: `start` inclusive, `end` exclusive, per axis. */
export interface VoxelBox {
  start: Vec3;
  end: Vec3;
}

/**
 * Crop and/or pad to a box given in the input's voxel indices. The box may extend
 * beyond the grid (negative start, end past dims): those voxels get `fill`. The output
 * affine places voxel (0,0,0) at the input's voxel `start`, so world positions are kept.
 * @param box start inclusive, end exclusive; end > start on every axis
 * @param fill value for voxels outside the input (default 0)
 */
export function cropOrPad<T extends VoxelArray>(v: Volume<T>, box: VoxelBox, fill = 0): Volume<T> {
  const size = [0, 1, 2].map((i) => box.end[i] - box.start[i]) as Vec3;
  if (!size.every((s, i) => Number.isInteger(s) && s >= 1 && Number.isInteger(box.start[i]))) {
    throw new RangeError(`cropOrPad: box must have integer start < end on every axis, got start ${box.start.join(',')} end ${box.end.join(',')}`);
  }
  const [nx, ny, nz] = v.dims;
  const [sx, sy, sz] = size;
  const out = new (ctorOf(v.data))(sx * sy * sz) as T;
  if (fill !== 0) out.fill(fill);
  const i0 = Math.max(0, box.start[0]);
  const i1 = Math.min(nx, box.end[0]);
  if (i1 > i0) {
    for (let k = Math.max(0, box.start[2]); k < Math.min(nz, box.end[2]); k++) {
      for (let j = Math.max(0, box.start[1]); j < Math.min(ny, box.end[1]); j++) {
        const src = i0 + nx * (j + ny * k);
        const dst = i0 - box.start[0] + sx * (j - box.start[1] + sy * (k - box.start[2]));
        out.set(v.data.subarray(src, src + (i1 - i0)) as never, dst);
      }
    }
  }
  const shift: Affine = [
    [1, 0, 0, box.start[0]],
    [0, 1, 0, box.start[1]],
    [0, 0, 1, box.start[2]],
    [0, 0, 0, 1],
  ];
  return { data: out, dims: size, spacing: [...v.spacing] as Vec3, affine: multiplyAffine(v.affine, shift) };
}

/**
 * Bounding box of the voxels where `v` is nonzero, grown by `margin` voxels per side and
 * clipped to the grid; null when every voxel is zero.
 * @param margin voxels added on each side (default 0; a number or one per axis)
 */
export function nonzeroBoundingBox(v: Volume, margin: number | Vec3 = 0): VoxelBox | null {
  const [nx, ny, nz] = v.dims;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-1, -1, -1];
  const d = v.data;
  let idx = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, idx++) {
        if (d[idx] !== 0) {
          if (i < lo[0]) lo[0] = i;
          if (i > hi[0]) hi[0] = i;
          if (j < lo[1]) lo[1] = j;
          if (j > hi[1]) hi[1] = j;
          if (k < lo[2]) lo[2] = k;
          if (k > hi[2]) hi[2] = k;
        }
      }
    }
  }
  if (hi[0] < 0) return null;
  const m = typeof margin === 'number' ? [margin, margin, margin] : margin;
  return {
    start: [0, 1, 2].map((a) => Math.max(0, lo[a] - m[a])) as Vec3,
    end: [0, 1, 2].map((a) => Math.min(v.dims[a], hi[a] + 1 + m[a])) as Vec3,
  };
}

/**
 * Crop to the nonzero bounding box of `mask` (default: of `v` itself) plus `margin`.
 * An all-zero mask returns an unchanged copy.
 * @throws GridMismatchError when `mask` is on another grid
 */
export function cropToNonzero<T extends VoxelArray>(v: Volume<T>, margin: number | Vec3 = 0, mask?: Volume): Volume<T> {
  if (mask) assertSameGrid(v, mask, ['volume', 'mask']);
  const box = nonzeroBoundingBox(mask ?? v, margin);
  return cropOrPad(v, box ?? { start: [0, 0, 0], end: [...v.dims] as Vec3 });
}

/**
 * Pad symmetrically (extra voxel at the end when odd) so each axis has at least
 * `minSize` voxels; axes already large enough are unchanged.
 */
export function padToAtLeast<T extends VoxelArray>(v: Volume<T>, minSize: Vec3, fill = 0): Volume<T> {
  const start = [0, 1, 2].map((i) => -Math.floor(Math.max(0, minSize[i] - v.dims[i]) / 2)) as Vec3;
  const end = [0, 1, 2].map((i) => start[i] + Math.max(v.dims[i], minSize[i])) as Vec3;
  return cropOrPad(v, { start, end }, fill);
}

/** Interpolation for resampling. */
export type Interpolation = 'nearest' | 'linear';

/**
 * Resample to a target voxel spacing. The output grid covers the same field of view
 * (output dims = round(dims·spacing/target), at least 1); output voxel i' samples input
 * index (i' + ½)·r − ½ with r = target/spacing (centres aligned, like align_corners=false),
 * clamped at the border. The affine is updated to match exactly.
 *
 * 'nearest' keeps the input's array type (label maps stay integer); 'linear' is trilinear
 * and returns Float32Array.
 * @example resampleToSpacing(ct, [1.5, 1.5, 3], 'linear')
 */
export function resampleToSpacing(v: Volume, target: Vec3, mode: Interpolation): Volume {
  if (!target.every((t) => Number.isFinite(t) && t > 0)) throw new RangeError(`resampleToSpacing: target spacing must be positive, got ${target.join(',')}`);
  const ratio = [0, 1, 2].map((i) => target[i] / v.spacing[i]);
  const outDims = [0, 1, 2].map((i) => Math.max(1, Math.round((v.dims[i] * v.spacing[i]) / target[i]))) as Vec3;
  const [nx, ny] = v.dims;
  const [ox, oy, oz] = outDims;
  // per-axis source coordinates, clamped to [0, n-1]
  const coords = [0, 1, 2].map((a) => {
    const n = v.dims[a];
    const out = new Float64Array(outDims[a]);
    for (let i = 0; i < outDims[a]; i++) out[i] = Math.min(n - 1, Math.max(0, (i + 0.5) * ratio[a] - 0.5));
    return out;
  });
  const src = v.data;
  let data: VoxelArray;
  if (mode === 'nearest') {
    // floor(x + 0.5) rounds halves up consistently on every axis
    const idx = coords.map((c) => Int32Array.from(c, (x) => Math.floor(x + 0.5)));
    const out = new (ctorOf(src))(ox * oy * oz);
    let o = 0;
    for (let k = 0; k < oz; k++) {
      const zOff = idx[2][k] * nx * ny;
      for (let j = 0; j < oy; j++) {
        const yzOff = zOff + idx[1][j] * nx;
        for (let i = 0; i < ox; i++) out[o++] = src[yzOff + idx[0][i]];
      }
    }
    data = out;
  } else if (mode === 'linear') {
    const lo = coords.map((c) => Int32Array.from(c, (x) => Math.floor(x)));
    const hi = lo.map((l, a) => Int32Array.from(l, (x) => Math.min(x + 1, v.dims[a] - 1)));
    const w = coords.map((c, a) => Float64Array.from(c, (x, i) => x - lo[a][i]));
    const out = new Float32Array(ox * oy * oz);
    const sxy = nx * ny;
    let o = 0;
    for (let k = 0; k < oz; k++) {
      const z0 = lo[2][k] * sxy;
      const z1 = hi[2][k] * sxy;
      const wz = w[2][k];
      for (let j = 0; j < oy; j++) {
        const y0 = lo[1][j] * nx;
        const y1 = hi[1][j] * nx;
        const wy = w[1][j];
        for (let i = 0; i < ox; i++) {
          const x0 = lo[0][i];
          const x1 = hi[0][i];
          const wx = w[0][i];
          const c00 = src[z0 + y0 + x0] * (1 - wx) + src[z0 + y0 + x1] * wx;
          const c10 = src[z0 + y1 + x0] * (1 - wx) + src[z0 + y1 + x1] * wx;
          const c01 = src[z1 + y0 + x0] * (1 - wx) + src[z1 + y0 + x1] * wx;
          const c11 = src[z1 + y1 + x0] * (1 - wx) + src[z1 + y1 + x1] * wx;
          out[o++] = (c00 * (1 - wy) + c10 * wy) * (1 - wz) + (c01 * (1 - wy) + c11 * wy) * wz;
        }
      }
    }
    data = out;
  } else {
    throw new RangeError(`resampleToSpacing: mode must be 'nearest' or 'linear', got '${String(mode)}'`);
  }
  const m: Affine = [
    [ratio[0], 0, 0, (ratio[0] - 1) / 2],
    [0, ratio[1], 0, (ratio[1] - 1) / 2],
    [0, 0, ratio[2], (ratio[2] - 1) / 2],
    [0, 0, 0, 1],
  ];
  return { data, dims: outDims, spacing: [...target] as Vec3, affine: multiplyAffine(v.affine, m) };
}

/** A CT window: either centre/width (e.g. soft tissue 40/400 HU) or explicit min/max. */
export type CtWindow = { center: number; width: number } | { min: number; max: number };

/**
 * Clip to a window and scale linearly to [0, 1] (float32).
 * @example ctWindow(ct, { center: 40, width: 400 }) // −160..240 HU → 0..1
 */
export function ctWindow(v: Volume, window: CtWindow): Volume<Float32Array> {
  const lo = 'center' in window ? window.center - window.width / 2 : window.min;
  const hi = 'center' in window ? window.center + window.width / 2 : window.max;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new RangeError(`ctWindow: need a window with max > min, got ${lo}..${hi}`);
  const d = v.data;
  const out = new Float32Array(d.length);
  const scale = 1 / (hi - lo);
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    out[i] = x <= lo ? 0 : x >= hi ? 1 : (x - lo) * scale;
  }
  return { data: out, dims: [...v.dims] as Vec3, spacing: [...v.spacing] as Vec3, affine: v.affine.map((r) => [...r]) };
}

/**
 * Throw NiftiError 'non-finite' naming `name` when any voxel is NaN or ±Inf.
 * @param name file or volume name for the message
 */
export function assertFinite(v: Volume, name: string): void {
  const bad = findNonFinite(v.data);
  if (bad) {
    const [nx, ny] = v.dims;
    const i = bad.firstIndex;
    throw new NiftiError(name, 'non-finite', `${bad.count} NaN/Inf voxel(s), first at voxel (${i % nx}, ${Math.floor(i / nx) % ny}, ${Math.floor(i / (nx * ny))}) = ${v.data[i]}`);
  }
}

/** A float32 copy of any volume (the type image channels use). */
export function toFloat32(v: Volume): Volume<Float32Array> {
  return { data: Float32Array.from(v.data), dims: [...v.dims] as Vec3, spacing: [...v.spacing] as Vec3, affine: v.affine.map((r) => [...r]) };
}

/** Summary statistics of voxel values. */
export interface VolumeStats {
  min: number;
  max: number;
  mean: number;
  sum: number;
  nonzero: number;
  count: number;
  /** NaN/Inf voxels, which the other statistics skip. */
  nonFinite: number;
}

/** Accumulator for statistics over one or several volumes. */
export class StatsAccumulator {
  private min = Infinity;
  private max = -Infinity;
  private sum = 0;
  private nonzero = 0;
  private count = 0;
  private nonFinite = 0;

  /** Add voxel values. */
  add(data: ArrayLike<number>): this {
    let { min, max, sum, nonzero, count, nonFinite } = this;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (x - x !== 0) { nonFinite++; continue; }
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
      if (x !== 0) nonzero++;
      count++;
    }
    Object.assign(this, { min, max, sum, nonzero, count, nonFinite });
    return this;
  }

  /** Statistics so far; min/max/mean are NaN when no finite voxel was seen. */
  result(): VolumeStats {
    const c = this.count;
    return { min: c ? this.min : NaN, max: c ? this.max : NaN, mean: c ? this.sum / c : NaN, sum: this.sum, nonzero: this.nonzero, count: c, nonFinite: this.nonFinite };
  }
}

/** min, max, mean, sum, nonzero count over the finite voxels of a volume. */
export function volumeStats(v: Volume): VolumeStats {
  return new StatsAccumulator().add(v.data).result();
}
