/**
 * Grid checks: the one test that two volumes share a voxel grid (dims, voxel size,
 * voxel → world affine) with its typed error, and the validation of a bare grid
 * (dims + spacing) against a number of voxels.
 *
 * Tolerance rule of {@link assertSameGrid} (fields of {@link GridTolerance}):
 * - dims must be equal;
 * - the spacing along each axis agrees when
 *   |sa − sb| ≤ max(spacingMm, spacingRel · max(|sa|, |sb|)).
 *   Defaults spacingRel = 1e-4 and spacingMm = 0: a relative tolerance of 1e-4.
 *   For an absolute rule pass { spacingRel: 0, spacingMm: t } (lib/eval uses 1e-4 mm);
 * - each entry of the top three rows of the affines agrees when |aa − ab| ≤ affineMm
 *   (default 1e-3 mm). affineMm = Infinity skips the affine comparison, and so does a
 *   missing affine on either side (bare grids);
 * - a NaN difference never agrees.
 * The first difference found (dims, then spacing by axis, then affine by entry) is reported.
 */
import { Affine, Vec3, voxelCount } from './volume';

/** Tolerances of {@link assertSameGrid}; see the rule in the file header. */
export interface GridTolerance {
  /** Relative tolerance on each voxel size (default 1e-4). */
  spacingRel?: number;
  /** Absolute tolerance on each voxel size in mm (default 0: the relative one alone applies). */
  spacingMm?: number;
  /** Absolute tolerance on each affine entry in mm (default 1e-3); Infinity ignores affines. */
  affineMm?: number;
}

/** The geometry of a grid: size and voxel size in mm. */
export interface Grid {
  /** [nx, ny, nz] */
  dims: Vec3;
  /** voxel size in mm along i, j, k */
  spacing: Vec3;
}

/** A grid that may carry its voxel → world affine (every Volume does). */
export type GridLike = Grid & { affine?: Affine };

/** Description of one grid for GridMismatchError. */
export interface GridDescription {
  name: string;
  dims: Vec3;
  spacing: Vec3;
}

/** Two volumes that should share a voxel grid (e.g. image and label) do not. */
export class GridMismatchError extends Error {
  readonly a: GridDescription;
  readonly b: GridDescription;
  /** Which part differs. */
  readonly part: 'dims' | 'spacing' | 'affine';
  /** The first difference with its numbers, without the names. */
  readonly detail: string;

  /**
   * @param summary the sentence after "grid mismatch: ", naming both grids
   */
  constructor(a: GridDescription, b: GridDescription, part: 'dims' | 'spacing' | 'affine', summary: string, detail: string) {
    super(`grid mismatch: ${summary} (${detail})`);
    this.name = 'GridMismatchError';
    this.a = a;
    this.b = b;
    this.part = part;
    this.detail = detail;
  }
}

const fmt = (v: readonly number[]) => `[${v.map((x) => +x.toFixed(6)).join(', ')}]`;

/**
 * Throw GridMismatchError unless `a` and `b` share dims, spacing and affine under the
 * tolerance rule of the file header.
 * @param names labels for the message, e.g. file names ['FLAIR.nii.gz', 'gt.nii.gz']
 * @param tol tolerances (default: relative 1e-4 on spacing, 1e-3 mm on the affine)
 * @example assertSameGrid(image, label, ['image.nii.gz', 'label.nii.gz'])
 */
export function assertSameGrid(a: GridLike, b: GridLike, names: [string, string] = ['a', 'b'], tol: GridTolerance = {}): void {
  const [na, nb] = names;
  const ga = { name: na, dims: a.dims, spacing: a.spacing };
  const gb = { name: nb, dims: b.dims, spacing: b.spacing };
  const axis = a.dims.findIndex((d, i) => d !== b.dims[i]);
  if (axis >= 0) {
    throw new GridMismatchError(ga, gb, 'dims', `${na} has dims ${a.dims.join('x')} but ${nb} has dims ${b.dims.join('x')}`,
      `dims differ along axis ${axis}: ${a.dims[axis]} vs ${b.dims[axis]}`);
  }
  const rel = tol.spacingRel ?? 1e-4;
  const absMm = tol.spacingMm ?? 0;
  for (let i = 0; i < 3; i++) {
    const sa = a.spacing[i];
    const sb = b.spacing[i];
    if (!(Math.abs(sa - sb) <= Math.max(absMm, rel * Math.max(Math.abs(sa), Math.abs(sb))))) {
      throw new GridMismatchError(ga, gb, 'spacing', `${na} has spacing ${fmt(a.spacing)} mm but ${nb} has spacing ${fmt(b.spacing)} mm`,
        `spacing along axis ${i} differs: ${sa} vs ${sb} mm`);
    }
  }
  const affineMm = tol.affineMm ?? 1e-3;
  if (!a.affine || !b.affine || affineMm === Infinity) return;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      const d = Math.abs(a.affine[r][c] - b.affine[r][c]);
      if (!(d <= affineMm)) {
        throw new GridMismatchError(ga, gb, 'affine', `${na} and ${nb} have different affines`,
          `affine[${r}][${c}] differs: ${a.affine[r][c]} vs ${b.affine[r][c]}, tolerance ${affineMm} mm; row ${r}: ${fmt(a.affine[r])} vs ${fmt(b.affine[r])}`);
      }
    }
  }
}

/** True when assertSameGrid would not throw. */
export function sameGrid(a: GridLike, b: GridLike, tol: GridTolerance = {}): boolean {
  try {
    assertSameGrid(a, b, ['a', 'b'], tol);
    return true;
  } catch (err) {
    if (err instanceof GridMismatchError) return false;
    throw err;
  }
}

/**
 * Validate a grid (3 positive integer dims, 3 positive finite voxel sizes) and that
 * `length` voxels fill it.
 * @param where name of the caller or file, used in the error message
 * @throws RangeError naming `where`
 */
export function checkGrid(grid: Grid, length: number, where: string): void {
  const { dims, spacing } = grid;
  if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new RangeError(`${where}: dims must be 3 positive integers, got [${dims.join(', ')}]`);
  }
  if (spacing.length !== 3 || spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new RangeError(`${where}: spacing must be 3 positive finite mm values, got [${spacing.join(', ')}]`);
  }
  const n = voxelCount(dims);
  if (length !== n) {
    throw new RangeError(`${where}: ${length} voxels do not fill dims ${dims.join('x')} (expected ${n})`);
  }
}
