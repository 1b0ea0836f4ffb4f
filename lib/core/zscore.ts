/**
 * z-score normalisation, the one implementation for training, prediction and the
 * volume operations: subtract the mean and divide by the (population) standard
 * deviation, both taken over the voxels a mask selects (all voxels without a mask).
 *
 * Arithmetic, in this order, in float64: sum the selected values in index order,
 * mean = sum / n, ss = Σ (x − mean)·(x − mean) in index order, sd = √(ss / n);
 * sd ≤ minStd (default 1e-8) or NaN is replaced by 1 (only the mean is removed);
 * each output is (x − mean) / sd rounded once to float32.
 */
import { assertSameGrid } from './grid';
import type { Vec3, Volume } from './volume';

/** Options of {@link zscore} and {@link zscoreInMask}. */
export interface ZscoreOptions {
  /** Voxels outside the mask: set to 0 (default) or normalised like the rest ('keep'). */
  outside?: 'zero' | 'keep';
  /** Standard deviations at or below this are treated as 1 (only the mean is removed). Default 1e-8. */
  minStd?: number;
}

/**
 * z-score values with mean and standard deviation over the entries where `mask` is
 * nonzero (all entries when no mask is given). Returns float32.
 * @param mask same length as `values`
 * @throws RangeError when the mask selects no entry or has another length
 * @example zscore(channel.data) // what training feeds the network
 */
export function zscore(values: ArrayLike<number>, mask?: ArrayLike<number>, options: ZscoreOptions = {}): Float32Array {
  const d = values;
  const m = mask ?? null;
  if (m && m.length !== d.length) throw new RangeError(`zscore: mask has ${m.length} entries, values have ${d.length}`);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < d.length; i++) if (!m || m[i] !== 0) { sum += d[i]; n++; }
  if (n === 0) throw new RangeError(m ? 'zscore: the mask selects no voxel' : 'zscore: no voxel to normalise');
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < d.length; i++) if (!m || m[i] !== 0) { const t = d[i] - mean; ss += t * t; }
  let std = Math.sqrt(ss / n);
  if (!(std > (options.minStd ?? 1e-8))) std = 1;
  const keep = options.outside === 'keep';
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = !m || m[i] !== 0 || keep ? (d[i] - mean) / std : 0;
  return out;
}

/**
 * {@link zscore} of a volume inside a mask volume on the same grid; returns a float32
 * volume with the input's geometry.
 * @throws GridMismatchError when the mask is on another grid; RangeError when the mask is empty
 */
export function zscoreInMask(v: Volume, mask?: Volume, options: ZscoreOptions = {}): Volume<Float32Array> {
  if (mask) assertSameGrid(v, mask, ['image', 'mask']);
  const out = zscore(v.data, mask?.data, options);
  return { data: out, dims: [...v.dims] as Vec3, spacing: [...v.spacing] as Vec3, affine: v.affine.map((r) => [...r]) };
}
