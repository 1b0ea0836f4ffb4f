/**
 * Where two lesion masks of the same cases disagree, slice by slice: the slices (third voxel
 * axis, k) with the most pixels that are lesion in exactly one of the two — the places to look
 * at when two models' mean metrics are close but their predictions are not.
 */
import { formatTable } from '../core/format';

/** Two masks of one case on one grid (x fastest, then y, then the slice index k). */
export interface MaskPair {
  id: string;
  dims: readonly [number, number, number] | readonly number[];
  /** > 0 = lesion */
  a: ArrayLike<number>;
  b: ArrayLike<number>;
}

/** One slice of one case where two masks disagree. */
export interface SliceDisagreement {
  caseId: string;
  /** Position of the case in the list given to {@link slicesWhereMasksDiffer}. */
  caseIndex: number;
  /** Slice index k (third voxel axis). */
  slice: number;
  /** Pixels that are lesion in exactly one mask (onlyA + onlyB). */
  differing: number;
  /** Pixels that are lesion in mask a only, and in mask b only. */
  onlyA: number;
  onlyB: number;
}

/**
 * The `count` slices with the most differing pixels over all cases, most first (ties: earlier case,
 * then lower slice). Slices where the masks agree are never returned, so fewer than `count` may come back.
 * @example
 * slicesWhereMasksDiffer([{ id: 'c', dims: [2, 1, 2], a: [1, 0, 1, 1], b: [0, 0, 1, 0] }], 3)
 * // [{ caseId: 'c', caseIndex: 0, slice: 1, differing: 1, onlyA: 1, onlyB: 0 }, { caseId: 'c', caseIndex: 0, slice: 0, differing: 1, onlyA: 1, onlyB: 0 }]
 */
export function slicesWhereMasksDiffer(pairs: readonly MaskPair[], count: number): SliceDisagreement[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`slicesWhereMasksDiffer: count must be a positive integer, got ${count}`);
  const found: SliceDisagreement[] = [];
  pairs.forEach((p, caseIndex) => {
    if (p.dims.length !== 3) throw new RangeError(`slicesWhereMasksDiffer: case ${p.id} has dims [${p.dims.join(', ')}], expected 3 axes`);
    const [nx, ny, nz] = p.dims;
    const n = nx * ny * nz;
    if (p.a.length !== n || p.b.length !== n) {
      throw new RangeError(`slicesWhereMasksDiffer: case ${p.id}: masks have ${p.a.length} and ${p.b.length} voxels, the grid ${p.dims.join('×')} has ${n}`);
    }
    const perSlice = nx * ny;
    for (let k = 0; k < nz; k++) {
      let onlyA = 0;
      let onlyB = 0;
      for (let v = k * perSlice; v < (k + 1) * perSlice; v++) {
        const inA = p.a[v] > 0;
        const inB = p.b[v] > 0;
        if (inA && !inB) onlyA++;
        else if (inB && !inA) onlyB++;
      }
      if (onlyA + onlyB > 0) found.push({ caseId: p.id, caseIndex, slice: k, differing: onlyA + onlyB, onlyA, onlyB });
    }
  });
  found.sort((x, y) => y.differing - x.differing || x.caseIndex - y.caseIndex || x.slice - y.slice);
  return found.slice(0, count);
}

/**
 * A text table of disagreeing slices, naming the two masks.
 * @param names what masks a and b are, e.g. { a: 'binary', b: 'BackSplit' }
 */
export function formatSliceDisagreements(slices: readonly SliceDisagreement[], names: { a: string; b: string }): string {
  return formatTable(
    ['case', 'slice k', 'pixels differing', `${names.a} only`, `${names.b} only`],
    slices.map((s) => [s.caseId, s.slice, s.differing, s.onlyA, s.onlyB]),
  );
}
