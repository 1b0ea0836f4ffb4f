/**
 * Lesion-wise evaluation: connected components of the reference and the
 * prediction, detection counts (TP/FP/FN), lesion F1, and per-lesion Dice and
 * volume.
 *
 * Conventions (BACKSPLIT.md; docs/metrics.md):
 * - lesions are connected components (26-connectivity by default, 6 or 18 on request);
 * - a reference lesion is detected (TP) when any predicted voxel overlaps it,
 *   otherwise it is a false negative (FN); TP and FN count reference lesions;
 * - a predicted component overlapping no reference lesion is a false positive (FP);
 * - lesion F1 = 2TP / (2TP + FP + FN), and 1 when there is no lesion on either side;
 * - per-lesion Dice of a reference lesion = Dice between the lesion and the union
 *   of the predicted components matched to it (0 when undetected);
 * - lesion volume in mL = voxel count × voxel volume (mm³) / 1000.
 *
 * Optional BraTS-2023-style matching (`dilationVoxels` = k > 0), after the
 * BraTS 2023 lesion-wise metrics code: the reference mask is dilated k times
 * with the 18-neighbourhood structuring element (scipy's
 * `generate_binary_structure(3, 2)`); reference lesions that fall in one
 * connected component of the dilated mask are merged into one lesion (their
 * dilations touch or overlap); a predicted component is matched to a merged
 * lesion when it intersects that lesion's dilated region. BraTS used k = 3 for
 * glioma and k = 1 for metastases and meningioma. The BraTS lesion-volume
 * threshold and the HD95 penalty of 374 mm for misses are not applied here.
 */
import { checkGrid, Grid } from '../core/grid';
import { ComponentLabels, Connectivity, dilate, labelComponents } from '../core/morphology';
import { toBinaryMask, voxelVolumeMl } from './mask';
import { diceFromCounts } from './overlap';

/** Options for {@link lesionWiseMetrics}. */
export interface LesionOptions {
  /** neighbourhood defining a lesion: 6, 18 or 26 (default 26) */
  connectivity?: Connectivity;
  /** BraTS-2023-style dilation matching with this many dilation iterations; 0 = plain overlap (default 0) */
  dilationVoxels?: number;
  /**
   * A score per voxel on the same grid (e.g. the lesion probability the prediction was thresholded
   * from): each predicted component then carries the maximum score over its voxels (`maxScore`),
   * the candidate score of the FROC (./froc). NaN scores are skipped.
   */
  scores?: ArrayLike<number>;
}

/** One reference lesion (a merged group of components under dilation matching). */
export interface ReferenceLesion {
  /** 1-based id, in x-fastest raster order of the lesion's first voxel (of its dilated region when dilation matching) */
  id: number;
  voxels: number;
  volumeMl: number;
  detected: boolean;
  /** Dice with the union of matched predicted components; 0 when undetected */
  dice: number;
  /** ids of the predicted components matched to this lesion */
  matchedPredictions: number[];
  /** reference components merged into this lesion (1 without dilation matching) */
  mergedComponents: number;
}

/** One predicted component. */
export interface PredictedLesion {
  id: number;
  voxels: number;
  volumeMl: number;
  /** false when it overlaps no reference lesion: a false positive */
  matched: boolean;
  /** maximum of `options.scores` over the component's voxels (only when scores are given; NaN if all were NaN) */
  maxScore?: number;
}

/** Lesion-wise detection and segmentation results for one case. */
export interface LesionMetrics {
  /** detected reference lesions */
  tp: number;
  /** predicted components matching no reference lesion (false-positive lesions) */
  fp: number;
  /** missed reference lesions */
  fn: number;
  /** 2TP / (2TP + FP + FN); 1 when TP + FP + FN = 0 */
  f1: number;
  /** mean per-lesion Dice over reference lesions (undetected count as 0); null when there is none */
  meanLesionDice: number | null;
  /**
   * BraTS-style lesion-wise Dice: sum of per-lesion Dice / (reference lesions + FP lesions),
   * so every false positive counts as a lesion with Dice 0; 1 when both are zero.
   */
  lesionWiseDice: number;
  reference: ReferenceLesion[];
  predicted: PredictedLesion[];
  connectivity: Connectivity;
  dilationVoxels: number;
}

/**
 * The reference lesions as matching regions: `matchLabel` gives per voxel the lesion whose
 * region claims it (the reference components themselves, or the components of the dilated
 * reference mask under dilation matching), `groups` their number, and `mergedComponents`
 * how many reference components each lesion merges.
 */
function referenceGroups(
  ref: ArrayLike<number>,
  refCC: ComponentLabels,
  grid: Grid,
  connectivity: Connectivity,
  dilationVoxels: number,
): { matchLabel: Int32Array; groups: number; mergedComponents: Int32Array } {
  if (dilationVoxels > 0) {
    const n = ref.length;
    const dilated = dilate(ref, grid.dims, dilationVoxels, 18);
    const dilatedCC = labelComponents(dilated, grid.dims, connectivity);
    const matchLabel = dilatedCC.labels;
    const groups = dilatedCC.count;
    const mergedComponents = new Int32Array(groups + 1);
    const seen = new Uint8Array(refCC.count + 1);
    for (let v = 0; v < n; v++) {
      const r = refCC.labels[v];
      if (r !== 0 && !seen[r]) {
        seen[r] = 1;
        mergedComponents[matchLabel[v]]++;
      }
    }
    return { matchLabel, groups, mergedComponents };
  }
  return { matchLabel: refCC.labels, groups: refCC.count, mergedComponents: new Int32Array(refCC.count + 1).fill(1) };
}

/**
 * Per reference lesion: its voxel count, its overlap with the prediction, and the predicted
 * components whose voxels fall in its matching region (ascending ids); per predicted
 * component whether it matched any lesion.
 */
function matchComponents(
  matchLabel: Int32Array,
  groups: number,
  refLabels: Int32Array,
  predCC: ComponentLabels,
): { refVoxels: Float64Array; intersection: Float64Array; matchedTo: number[][]; predMatched: Uint8Array } {
  const n = matchLabel.length;
  const refVoxels = new Float64Array(groups + 1);
  const intersection = new Float64Array(groups + 1);
  const pairs = new Set<number>();
  const stride = predCC.count + 1;
  const predLabels = predCC.labels;
  for (let v = 0; v < n; v++) {
    const g = matchLabel[v];
    if (g === 0) continue;
    const p = predLabels[v];
    if (p !== 0) pairs.add(g * stride + p);
    if (refLabels[v] !== 0) {
      refVoxels[g]++;
      if (p !== 0) intersection[g]++;
    }
  }
  const matchedTo: number[][] = Array.from({ length: groups + 1 }, () => []);
  const predMatched = new Uint8Array(predCC.count + 1);
  for (const key of Array.from(pairs).sort((a, b) => a - b)) {
    const g = Math.floor(key / stride);
    const p = key - g * stride;
    matchedTo[g].push(p);
    predMatched[p] = 1;
  }
  return { refVoxels, intersection, matchedTo, predMatched };
}

/** One entry per reference lesion, with the detection count and the sum of per-lesion Dice. */
function referenceLesions(
  match: ReturnType<typeof matchComponents>,
  groups: number,
  mergedComponents: Int32Array,
  predSizes: ArrayLike<number>,
  voxelMl: number,
): { reference: ReferenceLesion[]; tp: number; diceSum: number } {
  const { refVoxels, intersection, matchedTo } = match;
  const reference: ReferenceLesion[] = [];
  let tp = 0;
  let diceSum = 0;
  for (let g = 1; g <= groups; g++) {
    const matched = matchedTo[g];
    let predSize = 0;
    for (const p of matched) predSize += predSizes[p];
    const detected = matched.length > 0;
    const dice = detected ? diceFromCounts(intersection[g], refVoxels[g], predSize) : 0;
    if (detected) tp++;
    diceSum += dice;
    reference.push({
      id: g,
      voxels: refVoxels[g],
      volumeMl: refVoxels[g] * voxelMl,
      detected,
      dice,
      matchedPredictions: matched,
      mergedComponents: mergedComponents[g],
    });
  }
  return { reference, tp, diceSum };
}

/** Per predicted component, the maximum score over its voxels (NaN scores skipped; NaN when all are). */
function componentMaxScores(predCC: ComponentLabels, scores: ArrayLike<number>): Float64Array {
  const best = new Float64Array(predCC.count + 1).fill(-Infinity);
  const labels = predCC.labels;
  for (let v = 0; v < labels.length; v++) {
    const p = labels[v];
    if (p !== 0 && scores[v] > best[p]) best[p] = scores[v];
  }
  for (let p = 1; p <= predCC.count; p++) if (best[p] === -Infinity) best[p] = NaN;
  return best;
}

/** One entry per predicted component, with the number of false positives. */
function predictedLesions(
  predCC: ComponentLabels,
  predMatched: Uint8Array,
  voxelMl: number,
  scores: ArrayLike<number> | undefined,
): { predicted: PredictedLesion[]; fp: number } {
  const predicted: PredictedLesion[] = [];
  const maxScores = scores ? componentMaxScores(predCC, scores) : null;
  let fp = 0;
  for (let p = 1; p <= predCC.count; p++) {
    const matched = predMatched[p] === 1;
    if (!matched) fp++;
    const lesion: PredictedLesion = { id: p, voxels: predCC.sizes[p], volumeMl: predCC.sizes[p] * voxelMl, matched };
    if (maxScores) lesion.maxScore = maxScores[p];
    predicted.push(lesion);
  }
  return { predicted, fp };
}

/**
 * Lesion-wise metrics of a predicted mask against a reference mask.
 * @param pred predicted mask (non-zero = lesion), x fastest
 * @param ref reference mask, same grid
 * @param grid dims and spacing in mm (spacing gives volumes)
 * @param options connectivity (default 26), dilationVoxels (default 0), scores (per-component maxima; none by default)
 * @example
 * const m = lesionWiseMetrics(pred, ref, { dims: [64, 64, 64], spacing: [1, 1, 1] });
 * m.tp, m.fp, m.fn, m.f1
 */
export function lesionWiseMetrics(
  pred: ArrayLike<number>,
  ref: ArrayLike<number>,
  grid: Grid,
  options: LesionOptions = {},
): LesionMetrics {
  const connectivity = options.connectivity ?? 26;
  const dilationVoxels = options.dilationVoxels ?? 0;
  if (!Number.isInteger(dilationVoxels) || dilationVoxels < 0) {
    throw new RangeError(`lesionWiseMetrics: dilationVoxels must be an integer >= 0, got ${dilationVoxels}`);
  }
  checkGrid(grid, pred.length, 'lesionWiseMetrics (prediction)');
  checkGrid(grid, ref.length, 'lesionWiseMetrics (reference)');
  if (options.scores) checkGrid(grid, options.scores.length, 'lesionWiseMetrics (scores)');
  const voxelMl = voxelVolumeMl(grid.spacing);

  // any non-zero value is lesion: binarise so that touching voxels of different values join
  const predCC = labelComponents(toBinaryMask(pred), grid.dims, connectivity);
  const refCC = labelComponents(toBinaryMask(ref), grid.dims, connectivity);
  const { matchLabel, groups, mergedComponents } = referenceGroups(ref, refCC, grid, connectivity, dilationVoxels);
  const match = matchComponents(matchLabel, groups, refCC.labels, predCC);
  const { reference, tp, diceSum } = referenceLesions(match, groups, mergedComponents, predCC.sizes, voxelMl);
  const { predicted, fp } = predictedLesions(predCC, match.predMatched, voxelMl, options.scores);
  const fn = groups - tp;
  const denom = 2 * tp + fp + fn;
  return {
    tp,
    fp,
    fn,
    f1: denom === 0 ? 1 : (2 * tp) / denom,
    meanLesionDice: groups === 0 ? null : diceSum / groups,
    lesionWiseDice: groups + fp === 0 ? 1 : diceSum / (groups + fp),
    reference,
    predicted,
    connectivity,
    dilationVoxels,
  };
}

/**
 * Volumes of the lesions (connected components) of a mask, in mL, in component order.
 * @example lesionVolumesMl({ data: mask, dims: [64, 64, 32], spacing: [1, 1, 2] }) // [0.004, 1.27, ...]
 * @param mask non-zero = lesion, with its grid
 * @param connectivity 6, 18 or 26 (default 26, as lesion-wise metrics)
 */
export function lesionVolumesMl(mask: Grid & { data: ArrayLike<number> }, connectivity: Connectivity = 26): number[] {
  checkGrid(mask, mask.data.length, 'lesionVolumesMl mask');
  const comps = labelComponents(toBinaryMask(mask.data), mask.dims, connectivity);
  const voxelMl = voxelVolumeMl(mask.spacing);
  const out: number[] = [];
  for (let k = 1; k <= comps.count; k++) out.push(comps.sizes[k] * voxelMl);
  return out;
}
