/**
 * Binary masks for evaluation: turning any label volume into a 0/1 lesion mask
 * (any non-zero voxel is lesion), the voxel volume in mL, the grid tolerance
 * evaluation checks predictions against references with (the check itself is
 * lib/core's assertSameGrid), and bounding boxes used to crop expensive work.
 *
 * Voxel order is NIfTI's (x fastest): voxel (i, j, k) is at `i + nx * (j + ny * k)`.
 */
import type { GridTolerance } from '../core/grid';
import type { Vec3, VoxelArray } from '../core/volume';

/** Anything indexable holding voxel values (typed arrays, plain arrays). */
export type VoxelValues = VoxelArray | ArrayLike<number>;

/**
 * Binarise voxel values: 1 where the value is non-zero (and not NaN), else 0.
 * @param values voxel values, x fastest
 * @returns a new Uint8Array of 0/1
 * @example toBinaryMask(new Int16Array([0, 2, -1, 0])) // Uint8Array [0, 1, 1, 0]
 */
export function toBinaryMask(values: VoxelValues): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    const x = values[v];
    // NaN !== 0 is true, so test x === x explicitly: NaN is not lesion.
    if (x !== 0 && x === x) out[v] = 1;
  }
  return out;
}

/** Volume of one voxel in mL (mm³ / 1000). */
export function voxelVolumeMl(spacing: Vec3): number {
  return (spacing[0] * spacing[1] * spacing[2]) / 1000;
}

/**
 * The grid tolerance of evaluation, passed to lib/core's assertSameGrid: voxel sizes
 * agree within 1e-4 mm (absolute, not relative), affine entries within 1e-3 mm.
 */
export const EVAL_GRID_TOLERANCE: GridTolerance = { spacingRel: 0, spacingMm: 1e-4 };

/** Inclusive voxel bounding box [lo, hi] per axis. */
export interface BoundingBox {
  lo: Vec3;
  hi: Vec3;
}

/**
 * Smallest box holding every non-zero voxel of any of the masks, or null when
 * all are empty.
 */
export function boundingBoxOfMasks(masks: Uint8Array[], dims: Vec3): BoundingBox | null {
  const [nx, ny, nz] = dims;
  let x0 = nx, y0 = ny, z0 = nz, x1 = -1, y1 = -1, z1 = -1;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      const row = nx * (j + ny * k);
      for (let i = 0; i < nx; i++) {
        let on = false;
        for (let m = 0; m < masks.length; m++) {
          if (masks[m][row + i]) {
            on = true;
            break;
          }
        }
        if (!on) continue;
        if (i < x0) x0 = i;
        if (i > x1) x1 = i;
        if (j < y0) y0 = j;
        if (j > y1) y1 = j;
        if (k < z0) z0 = k;
        if (k > z1) z1 = k;
      }
    }
  }
  if (x1 < 0) return null;
  return { lo: [x0, y0, z0], hi: [x1, y1, z1] };
}

/** Copy the voxels of `box` out of `mask` into a new, smaller grid. */
export function cropMask(mask: Uint8Array, dims: Vec3, box: BoundingBox): { mask: Uint8Array; dims: Vec3 } {
  const [nx, ny] = dims;
  const cx = box.hi[0] - box.lo[0] + 1;
  const cy = box.hi[1] - box.lo[1] + 1;
  const cz = box.hi[2] - box.lo[2] + 1;
  const out = new Uint8Array(cx * cy * cz);
  for (let k = 0; k < cz; k++) {
    for (let j = 0; j < cy; j++) {
      const src = box.lo[0] + nx * (box.lo[1] + j + ny * (box.lo[2] + k));
      out.set(mask.subarray(src, src + cx), cx * (j + cy * k));
    }
  }
  return { mask: out, dims: [cx, cy, cz] };
}
