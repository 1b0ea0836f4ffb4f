/**
 * What the reader does with NaN/±Inf voxels (only float data or scaled data can hold them):
 *
 * - 'error' (default): refuse the volume with NiftiError 'non-finite', naming how many
 *   there are and the first voxel (i, j, k) and its value;
 * - 'zero': replace them by 0;
 * - 'mask': replace them by 0 and return a mask of where they were (1 = was non-finite),
 *   so the caller can leave those voxels out (see the CLI commands' --nonfinite);
 * - 'keep': leave them in the data (inspection: `backsplit info`, reference comparisons).
 */
import type { Vec3, VoxelArray } from '../core/volume';
import { fail } from './nifti-header';

/** The policies a user chooses on the loading path (`--nonfinite`). */
export type NonFinitePolicy = 'error' | 'zero' | 'mask';

/** The reader's policies: the user's, plus 'keep' for inspection. */
export type ReadNonFinitePolicy = NonFinitePolicy | 'keep';

/** Non-finite voxels found in one volume. */
export interface NonFiniteReport {
  count: number;
  /** First non-finite voxel (x fastest), or null when there is none. */
  first: Vec3 | null;
  /** With policy 'mask' and count > 0: 1 where a voxel was non-finite. */
  mask: Uint8Array | null;
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

/** Voxel coordinates (x fastest) of a flat index. */
export function voxelOf(i: number, dims: readonly number[]): Vec3 {
  const [nx, ny] = dims;
  return [i % nx, Math.floor(i / nx) % ny, Math.floor(i / (nx * ny))];
}

/**
 * Apply a policy to one volume's data, in place.
 * @param what names the volume in the error ("volume 0")
 * @throws NiftiError 'non-finite' under policy 'error'
 */
export function applyNonFinitePolicy(
  data: VoxelArray,
  dims: readonly number[],
  policy: ReadNonFinitePolicy,
  file: string,
  what: string,
): NonFiniteReport {
  const bad = findNonFinite(data);
  if (!bad) return { count: 0, first: null, mask: null };
  const first = voxelOf(bad.firstIndex, dims);
  if (policy === 'error') {
    fail(
      file,
      'non-finite',
      `${bad.count} NaN/Inf voxel(s) in ${what}, first at voxel (${first.join(', ')}) = ${data[bad.firstIndex]} ` +
        "(choose a non-finite policy to accept them: --nonfinite zero|mask, or the reader option nonfinite: 'zero' | 'mask')",
    );
  }
  let mask: Uint8Array | null = null;
  if (policy !== 'keep') {
    if (policy === 'mask') mask = new Uint8Array(data.length);
    for (let i = bad.firstIndex; i < data.length; i++) {
      if (data[i] - data[i] !== 0) {
        data[i] = 0;
        if (mask) mask[i] = 1;
      }
    }
  }
  return { count: bad.count, first, mask };
}
