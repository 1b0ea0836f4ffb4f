/**
 * Tuning a threshold on a lesion probability map, and scoring the mask it gives: what the
 * protocol's secondary endpoints need (docs/protocol.md, "Secondary endpoints").
 *
 * - The grid is built from integers (`from + i·step`, rounded to 10 decimals), so 0.15 is 0.15,
 *   not 0.15000000000000002.
 * - The mask at t is {p ≥ t} (NaN is never lesion); its Dice follows lib/eval's conventions
 *   (./overlap: 1 when both masks are empty).
 * - The chosen threshold maximises the mean criterion over cases; grid values whose means tie
 *   (within {@link THRESHOLD_TIE_TOLERANCE}) go to the one closest to the centre (0.5), and
 *   two equally close (e.g. 0.45 and 0.55) go to the lower one. With no case at all every
 *   grid value ties, so the centre's nearest grid value is chosen and the curve holds nulls.
 */
import type { CaseEvaluation, EvaluationOptions, MaskVolume } from './evaluate';
import { evaluateSegmentation } from './evaluate';
import { overlapFromCounts } from './overlap';

/** Means closer than this count as equal when choosing a threshold. */
export const THRESHOLD_TIE_TOLERANCE = 1e-12;

/** A threshold grid: from, from + step, …, to. */
export interface ThresholdGridSpec {
  from: number;
  to: number;
  step: number;
}

/** The decimals a grid value is rounded to (far below any step a protocol uses). */
const GRID_DECIMALS = 10;

const roundGrid = (x: number) => Number(x.toFixed(GRID_DECIMALS));

/**
 * The grid values as exact decimals.
 * @throws RangeError when step ≤ 0, to < from, or (to − from) is not a whole number of steps
 * @example thresholdGrid({ from: 0.05, to: 0.95, step: 0.05 })[2] // 0.15
 */
export function thresholdGrid(spec: ThresholdGridSpec): number[] {
  const { from, to, step } = spec;
  if (![from, to, step].every(Number.isFinite) || !(step > 0) || to < from) {
    throw new RangeError(`thresholdGrid: need finite from ≤ to and step > 0, got ${JSON.stringify(spec)}`);
  }
  const n = Math.round((to - from) / step);
  if (Math.abs(from + n * step - to) > 1e-9 * Math.max(1, Math.abs(to))) {
    throw new RangeError(`thresholdGrid: ${to} − ${from} is not a whole number of steps of ${step}`);
  }
  return Array.from({ length: n + 1 }, (_, i) => roundGrid(from + i * step));
}

/**
 * The mask {p ≥ t}: 1 where the probability is at least t, else 0 (NaN gives 0).
 * @example thresholdMask([0.2, 0.5, 0.7, NaN], 0.5) // Uint8Array [0, 1, 1, 0]
 */
export function thresholdMask(probability: ArrayLike<number>, t: number): Uint8Array {
  const out = new Uint8Array(probability.length);
  for (let v = 0; v < probability.length; v++) if (probability[v] >= t) out[v] = 1;
  return out;
}

/**
 * Dice of {p ≥ t} against the reference at every threshold, in one pass over the voxels
 * (any non-zero, non-NaN reference voxel is lesion; both masks empty gives 1).
 * @param probability the lesion probability map
 * @param ref the reference lesion mask, same length
 * @param thresholds the grid, ascending
 * @example diceAtThresholds([0.2, 0.6, 0.9], [0, 1, 1], [0.5, 0.8]) // [1, 0.6666666666666666]
 */
export function diceAtThresholds(probability: ArrayLike<number>, ref: ArrayLike<number>, thresholds: readonly number[]): number[] {
  if (probability.length !== ref.length) {
    throw new RangeError(`diceAtThresholds: probability map has ${probability.length} voxels, reference has ${ref.length}`);
  }
  for (let i = 1; i < thresholds.length; i++) {
    if (!(thresholds[i] > thresholds[i - 1])) throw new RangeError(`diceAtThresholds: thresholds must ascend, got ${thresholds.join(', ')}`);
  }
  const k = thresholds.length;
  // count[j]: voxels whose p reaches thresholds[j] but not thresholds[j + 1] (p ≥ the last: j = k − 1)
  const predAt = new Float64Array(k);
  const tpAt = new Float64Array(k);
  let refCount = 0;
  for (let v = 0; v < probability.length; v++) {
    const r = ref[v] !== 0 && ref[v] === ref[v];
    if (r) refCount++;
    const p = probability[v];
    if (!(p >= thresholds[0])) continue;
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p >= thresholds[mid]) lo = mid;
      else hi = mid - 1;
    }
    predAt[lo]++;
    if (r) tpAt[lo]++;
  }
  const out = new Array<number>(k);
  let pred = 0;
  let tp = 0;
  for (let j = k - 1; j >= 0; j--) {
    pred += predAt[j];
    tp += tpAt[j];
    out[j] = overlapFromCounts(tp, pred, refCount).dice;
  }
  return out;
}

/** The chosen threshold and the mean criterion at every grid value. */
export interface ThresholdChoice {
  threshold: number;
  /** per grid value, the mean of the criterion over the cases (null without cases) */
  curve: { threshold: number; mean: number | null }[];
  cases: number;
}

/**
 * Choose the grid value with the highest mean criterion over cases; ties (within
 * {@link THRESHOLD_TIE_TOLERANCE}) go to the value closest to `centre`, two equally close to the
 * lower one; with no case every value ties.
 * @param thresholds the grid (exact decimals, e.g. from {@link thresholdGrid})
 * @param perCase each case's criterion at every grid value (e.g. {@link diceAtThresholds})
 * @param centre the tie-break's centre (the protocol's "closest-to-0.5")
 * @example chooseThreshold([0.4, 0.5, 0.6], [[0.8, 0.8, 0.7]]).threshold // 0.5
 */
export function chooseThreshold(thresholds: readonly number[], perCase: readonly (readonly number[])[], centre = 0.5): ThresholdChoice {
  if (thresholds.length === 0) throw new RangeError('chooseThreshold: empty grid');
  perCase.forEach((row, i) => {
    if (row.length !== thresholds.length) throw new RangeError(`chooseThreshold: case ${i} has ${row.length} values for ${thresholds.length} thresholds`);
    const bad = row.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new RangeError(`chooseThreshold: case ${i} has a non-finite criterion (${row[bad]}) at threshold ${thresholds[bad]}`);
  });
  const curve = thresholds.map((threshold, j) => ({
    threshold,
    mean: perCase.length ? perCase.reduce((s, row) => s + row[j], 0) / perCase.length : null,
  }));
  const best = perCase.length ? Math.max(...curve.map((c) => c.mean as number)) : 0;
  // distance to the centre in units of 1e-10, as integers, so 0.45 and 0.55 are equally far
  const distance = (t: number) => Math.abs(Math.round(t * 10 ** GRID_DECIMALS) - Math.round(centre * 10 ** GRID_DECIMALS));
  let chosen: number | null = null;
  for (const c of curve) {
    if (c.mean !== null && c.mean < best - THRESHOLD_TIE_TOLERANCE) continue;
    if (chosen === null || distance(c.threshold) < distance(chosen) || (distance(c.threshold) === distance(chosen) && c.threshold < chosen)) chosen = c.threshold;
  }
  return { threshold: chosen as number, curve, cases: perCase.length };
}

/**
 * Every lesion metric (lib/eval evaluateSegmentation, docs/metrics.md) of the mask {p ≥ t}
 * against the reference.
 * @param probability the lesion probability map with its grid
 * @param ref the reference lesion mask
 * @param t the threshold
 * @param options evaluation options (e.g. the NSD tolerance)
 * @param names how to name the two in errors
 * @example evaluateAtThreshold({ data: p, dims, spacing }, c.lesion, 0.45, { toleranceMm: 1 }).surface.hd95Mm
 */
export function evaluateAtThreshold(
  probability: MaskVolume,
  ref: MaskVolume,
  t: number,
  options: EvaluationOptions = {},
  names: { pred?: string; ref?: string } = {},
): CaseEvaluation {
  const mask = thresholdMask(probability.data, t);
  return evaluateSegmentation({ data: mask, dims: probability.dims, spacing: probability.spacing, ...(probability.affine ? { affine: probability.affine } : {}) }, ref, options, names);
}
