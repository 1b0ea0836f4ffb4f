/**
 * Voxel-wise overlap metrics on binary lesion masks: Dice, IoU (Jaccard),
 * precision (positive predictive value) and recall (sensitivity).
 *
 * Empty-mask conventions (BACKSPLIT.md; stated again in docs/metrics.md):
 * - Dice and IoU: both masks empty → 1; exactly one empty → 0.
 * - precision = TP / (TP + FP): no predicted voxel → 1 if the reference is
 *   empty too, else 0.
 * - recall = TP / (TP + FN): empty reference → 1 if the prediction is empty
 *   too, else 0.
 * So a 0/0 ratio is 1 only when both masks are empty (perfect agreement on
 * "no lesion") and 0 whenever one side has voxels the other lacks.
 */

/** Voxel counts and overlap scores of one prediction against one reference. */
export interface OverlapMetrics {
  dice: number;
  iou: number;
  precision: number;
  recall: number;
  /** voxels in both masks */
  tpVoxels: number;
  /** voxels predicted but not in the reference */
  fpVoxels: number;
  /** reference voxels missed by the prediction */
  fnVoxels: number;
  predVoxels: number;
  refVoxels: number;
}

/**
 * Dice, IoU, precision and recall of two masks of equal length; any non-zero
 * value counts as lesion.
 * @param pred predicted mask values, x fastest
 * @param ref reference mask values, same grid
 * @example overlapMetrics([1, 1, 0, 0], [0, 1, 1, 0]).dice // 0.5
 */
export function overlapMetrics(pred: ArrayLike<number>, ref: ArrayLike<number>): OverlapMetrics {
  if (pred.length !== ref.length) {
    throw new RangeError(`overlapMetrics: prediction has ${pred.length} voxels, reference has ${ref.length}`);
  }
  let tp = 0, predCount = 0, refCount = 0;
  for (let v = 0; v < pred.length; v++) {
    const p = pred[v] !== 0 && pred[v] === pred[v];
    const r = ref[v] !== 0 && ref[v] === ref[v];
    if (p) predCount++;
    if (r) refCount++;
    if (p && r) tp++;
  }
  return overlapFromCounts(tp, predCount, refCount);
}

/**
 * Overlap metrics from counts, applying the empty-mask conventions above.
 * @param tp voxels in both masks
 * @param predCount voxels in the prediction
 * @param refCount voxels in the reference
 */
export function overlapFromCounts(tp: number, predCount: number, refCount: number): OverlapMetrics {
  const fp = predCount - tp;
  const fn = refCount - tp;
  const bothEmpty = predCount === 0 && refCount === 0;
  const union = tp + fp + fn;
  return {
    dice: bothEmpty ? 1 : (2 * tp) / (predCount + refCount),
    iou: bothEmpty ? 1 : tp / union,
    precision: predCount === 0 ? (bothEmpty ? 1 : 0) : tp / predCount,
    recall: refCount === 0 ? (bothEmpty ? 1 : 0) : tp / refCount,
    tpVoxels: tp,
    fpVoxels: fp,
    fnVoxels: fn,
    predVoxels: predCount,
    refVoxels: refCount,
  };
}

/**
 * Dice of two voxel sets from counts: 2·|A∩B| / (|A| + |B|), 1 when both are empty.
 */
export function diceFromCounts(intersection: number, sizeA: number, sizeB: number): number {
  return sizeA + sizeB === 0 ? 1 : (2 * intersection) / (sizeA + sizeB);
}

/**
 * One line on a predicted lesion mask against the reference: lesion Dice (3 decimals) and
 * the voxel counts of both (sums of the masks, which hold 0/1).
 * @example describeLesionOverlap('binary (seed 0) on test case c3', pred, ref) // "binary (seed 0) on test case c3: lesion Dice 0.512; predicted 120 lesion voxels, reference 98"
 */
export function describeLesionOverlap(label: string, pred: ArrayLike<number>, ref: ArrayLike<number>): string {
  let predVoxels = 0;
  let refVoxels = 0;
  for (let v = 0; v < pred.length; v++) predVoxels += pred[v];
  for (let v = 0; v < ref.length; v++) refVoxels += ref[v];
  return `${label}: lesion Dice ${overlapMetrics(pred, ref).dice.toFixed(3)}; predicted ${predVoxels} lesion voxels, reference ${refVoxels}`;
}
