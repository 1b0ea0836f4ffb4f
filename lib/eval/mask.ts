/**
 * Binary masks and grids for evaluation: turning any label volume into a 0/1
 * lesion mask (any non-zero voxel is lesion), checking that a prediction and a
 * reference share one grid, and bounding boxes used to crop expensive work.
 *
 * Voxel order is NIfTI's (x fastest): voxel (i, j, k) is at `i + nx * (j + ny * k)`.
 */
import type { Vec3, Volume, VoxelArray } from '../io/volume';

/** The geometry every metric needs: grid size and voxel size in mm. */
export interface Grid {
  /** [nx, ny, nz] */
  dims: Vec3;
  /** voxel size in mm along i, j, k */
  spacing: Vec3;
}

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

/** Number of voxels of a grid. */
export function gridSize(dims: Vec3): number {
  return dims[0] * dims[1] * dims[2];
}

/** Volume of one voxel in mL (mm³ / 1000). */
export function voxelVolumeMl(spacing: Vec3): number {
  return (spacing[0] * spacing[1] * spacing[2]) / 1000;
}

/**
 * Validate a grid and that `length` voxels fill it.
 * @param where name of the caller or file, used in the error message
 */
export function checkGrid(grid: Grid, length: number, where: string): void {
  const { dims, spacing } = grid;
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`${where}: dims must be 3 positive integers, got [${dims.join(', ')}]`);
  }
  if (spacing.length !== 3 || spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new RangeError(`${where}: spacing must be 3 positive finite mm values, got [${spacing.join(', ')}]`);
  }
  const n = gridSize(dims);
  if (length !== n) {
    throw new RangeError(`${where}: ${length} voxels do not fill dims ${dims.join('x')} (expected ${n})`);
  }
}

/** Tolerances used by {@link assertSameGrid}. */
export interface SameGridTolerance {
  /** absolute tolerance on voxel size, mm (default 1e-4) */
  spacingMm?: number;
  /** absolute tolerance on each affine entry, mm (default 1e-3); set to Infinity to ignore affines */
  affineMm?: number;
}

/**
 * Throw unless two volumes share dims, spacing and (when both have one) affine.
 * @param pred first volume (e.g. the prediction)
 * @param ref second volume (e.g. the reference)
 * @param predName name used for `pred` in the error (file path or case id)
 * @param refName name used for `ref` in the error
 */
export function assertSameGrid(
  pred: Pick<Volume, 'dims' | 'spacing'> & { affine?: number[][] },
  ref: Pick<Volume, 'dims' | 'spacing'> & { affine?: number[][] },
  predName = 'prediction',
  refName = 'reference',
  tolerance: SameGridTolerance = {},
): void {
  const spacingTol = tolerance.spacingMm ?? 1e-4;
  const affineTol = tolerance.affineMm ?? 1e-3;
  const fmt = (v: number[]) => `[${v.map((x) => +x.toFixed(6)).join(', ')}]`;
  if (pred.dims.some((d, a) => d !== ref.dims[a])) {
    throw new Error(
      `grid mismatch: ${predName} has dims ${pred.dims.join('x')} but ${refName} has dims ${ref.dims.join('x')}`,
    );
  }
  if (pred.spacing.some((s, a) => Math.abs(s - ref.spacing[a]) > spacingTol)) {
    throw new Error(
      `grid mismatch: ${predName} has spacing ${fmt(pred.spacing)} mm but ${refName} has spacing ${fmt(ref.spacing)} mm`,
    );
  }
  if (pred.affine && ref.affine && Number.isFinite(affineTol)) {
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 4; c++) {
        if (Math.abs(pred.affine[r][c] - ref.affine[r][c]) > affineTol) {
          throw new Error(
            `grid mismatch: ${predName} and ${refName} have different affines (row ${r}: ${fmt(pred.affine[r])} vs ${fmt(ref.affine[r])})`,
          );
        }
      }
    }
  }
}

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
