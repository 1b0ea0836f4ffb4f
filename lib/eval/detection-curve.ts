/**
 * FROC-style detection curve: lesion sensitivity against false-positive
 * lesions per case as the probability threshold of a lesion map varies. At a
 * threshold t the prediction is `probability >= t`; lesions, matching, TP, FP
 * and FN follow the lesion-wise conventions of ./lesions (any overlap detects
 * a reference lesion; a predicted component overlapping none is a FP).
 * Counts are pooled over cases: sensitivity = ΣTP / Σ(TP + FN), FP per case =
 * ΣFP / cases.
 *
 * A size subset (`minVolumeMl`, `maxVolumeMl`) restricts which reference
 * lesions enter the sensitivity (e.g. lesions < 1 mL); false positives are
 * always all false-positive components, whatever their size.
 *
 * Over runs: the curves of each trained run (arm, seed) from its predictions,
 * per size subset, with the operating point at threshold 0.5 marked.
 *
 * The study's primary endpoint uses the fixed-candidate FROC of ./froc instead:
 * here the components of {p ≥ t} split and merge as t moves (./froc says why that
 * matters at low thresholds); both share the lesion matching of ./lesions.
 */
import { assertSameGrid, checkGrid } from '../core/grid';
import type { Connectivity } from '../core/morphology';
import { formatFixed, formatTable } from '../core/format';
import { lesionWiseMetrics } from './lesions';
import type { MaskVolume } from './evaluate';
import { EVAL_GRID_TOLERANCE } from './mask';

/** One case: the model's lesion probability map and the reference mask. */
export interface DetectionCase {
  caseId: string;
  /** lesion probability (or score) per voxel */
  probability: MaskVolume;
  /** reference mask (non-zero = lesion) */
  ref: MaskVolume;
}

/** One operating point. */
export interface DetectionPoint {
  threshold: number;
  /** ΣFP / number of cases */
  fpPerCase: number;
  /** ΣTP / Σ(TP + FN) over the reference lesions in the size subset; null when there is none */
  sensitivity: number | null;
  tp: number;
  fp: number;
  fn: number;
  cases: number;
}

/** Options for {@link detectionCurve}. */
export interface DetectionCurveOptions {
  /** lesion connectivity (default 26) */
  connectivity?: Connectivity;
  /** BraTS-style dilation matching iterations (default 0 = off) */
  dilationVoxels?: number;
  /** only reference lesions with volume >= this many mL count in the sensitivity (default 0) */
  minVolumeMl?: number;
  /** only reference lesions with volume < this many mL count (default Infinity) */
  maxVolumeMl?: number;
}

/**
 * Detection curve over thresholds, pooled over cases.
 * @param cases probability maps with their reference masks (same grid per case)
 * @param thresholds probability thresholds (any order; points are returned in this order)
 * @param options connectivity, dilation matching, lesion size subset
 * @example
 * const points = detectionCurve(cases, [0.1, 0.3, 0.5, 0.7, 0.9], { maxVolumeMl: 1 });
 */
export function detectionCurve(
  cases: readonly DetectionCase[],
  thresholds: readonly number[],
  options: DetectionCurveOptions = {},
): DetectionPoint[] {
  if (cases.length === 0) throw new RangeError('detectionCurve: no cases given');
  if (thresholds.length === 0 || thresholds.some((t) => !Number.isFinite(t))) {
    throw new RangeError(`detectionCurve: thresholds must be finite numbers, got [${thresholds.join(', ')}]`);
  }
  const minMl = options.minVolumeMl ?? 0;
  const maxMl = options.maxVolumeMl ?? Infinity;
  if (!(minMl < maxMl)) throw new RangeError(`detectionCurve: minVolumeMl (${minMl}) must be below maxVolumeMl (${maxMl})`);
  const totals = thresholds.map((threshold) => ({ threshold, tp: 0, fp: 0, fn: 0 }));
  for (const c of cases) {
    assertSameGrid(c.probability, c.ref, [`case ${c.caseId} probability map`, `case ${c.caseId} reference`], EVAL_GRID_TOLERANCE);
    checkGrid(c.ref, c.ref.data.length, `case ${c.caseId} reference`);
    checkGrid(c.probability, c.probability.data.length, `case ${c.caseId} probability map`);
    const grid = { dims: c.ref.dims, spacing: c.ref.spacing };
    const prob = c.probability.data;
    const pred = new Uint8Array(prob.length);
    thresholds.forEach((t, ti) => {
      for (let v = 0; v < prob.length; v++) pred[v] = prob[v] >= t ? 1 : 0;
      const m = lesionWiseMetrics(pred, c.ref.data, grid, { connectivity: options.connectivity, dilationVoxels: options.dilationVoxels });
      for (const l of m.reference) {
        if (l.volumeMl < minMl || l.volumeMl >= maxMl) continue;
        if (l.detected) totals[ti].tp++;
        else totals[ti].fn++;
      }
      totals[ti].fp += m.fp;
    });
  }
  return totals.map((t) => ({
    threshold: t.threshold,
    fpPerCase: t.fp / cases.length,
    sensitivity: t.tp + t.fn > 0 ? t.tp / (t.tp + t.fn) : null,
    tp: t.tp,
    fp: t.fp,
    fn: t.fn,
    cases: cases.length,
  }));
}

/** The cases one trained run predicted, with the run's arm and seed. */
export interface RunPredictions<M extends string = string> {
  /** the arm, e.g. 'binary' or 'backsplit' */
  mode: M;
  seed?: number;
  cases: readonly DetectionCase[];
}

/** A lesion-size subset of the reference lesions, e.g. { name: 'lesions < 1 mL', maxVolumeMl: 1 }. */
export interface DetectionSubset {
  name: string;
  minVolumeMl?: number;
  maxVolumeMl?: number;
}

/** A run's detection curve for one subset: points with a defined sensitivity, and one highlighted threshold. */
export interface RunDetectionCurve<M extends string = string> {
  mode: M;
  seed?: number;
  subset: string;
  points: Array<{ threshold: number; fpPerCase: number; sensitivity: number }>;
  /** The point at the highlighted threshold (default 0.5), when it has a sensitivity. */
  highlight?: { threshold: number; fpPerCase: number; sensitivity: number };
}

/**
 * Detection curves of one run for several lesion-size subsets. Points whose subset holds no
 * reference lesion (sensitivity null) are left out.
 * @example detectionCurvesOfRun(run, [0.1, 0.5, 0.9], [{ name: 'all' }, { name: '< 1 mL', maxVolumeMl: 1 }])
 * @param highlightThreshold threshold to mark (default 0.5, the operating point of every metric)
 */
export function detectionCurvesOfRun<M extends string>(
  run: RunPredictions<M>,
  thresholds: readonly number[],
  subsets: readonly DetectionSubset[],
  options: { connectivity?: Connectivity; highlightThreshold?: number } = {},
): RunDetectionCurve<M>[] {
  const mark = options.highlightThreshold ?? 0.5;
  return subsets.map((subset) => {
    const points = detectionCurve(run.cases, thresholds, { connectivity: options.connectivity, minVolumeMl: subset.minVolumeMl, maxVolumeMl: subset.maxVolumeMl })
      .filter((q) => q.sensitivity !== null)
      .map((q) => ({ threshold: q.threshold, fpPerCase: q.fpPerCase, sensitivity: q.sensitivity as number }));
    return { mode: run.mode, seed: run.seed, subset: subset.name, points, highlight: points.find((q) => q.threshold === mark) };
  });
}

/**
 * Detection curves of many runs, one list of curves per subset (same run order in each).
 * @param runs each run's predictions
 * @returns curves[s][r]: subset s, run r
 */
export function detectionCurvesOverRuns<M extends string>(
  runs: readonly RunPredictions<M>[],
  thresholds: readonly number[],
  subsets: readonly DetectionSubset[],
  options: { connectivity?: Connectivity; highlightThreshold?: number } = {},
): RunDetectionCurve<M>[][] {
  const perRun = runs.map((run) => detectionCurvesOfRun(run, thresholds, subsets, options));
  return subsets.map((_, s) => perRun.map((curves) => curves[s]));
}

/**
 * Sensitivity and false positives per case at the highlighted threshold, one row per run:
 * FP/case and sensitivity of the first subset, then the sensitivity of every other subset.
 * @param curves output of {@link detectionCurvesOverRuns} (subset-major)
 */
export function formatDetectionOperatingPoints(curves: readonly RunDetectionCurve[][]): string {
  if (curves.length === 0) throw new RangeError('formatDetectionOperatingPoints: no subsets given');
  const first = curves[0];
  const at = first[0]?.highlight?.threshold ?? 0.5;
  return formatTable(
    ['arm', 'seed', `sensitivity @ t=${at} (${first[0]?.subset ?? ''})`, `FP/case @ t=${at}`, ...curves.slice(1).map((c) => `sensitivity @ t=${at} (${c[0]?.subset ?? ''})`)],
    first.map((c, r) => [
      c.mode, c.seed ?? '', formatFixed(c.highlight?.sensitivity), formatFixed(c.highlight?.fpPerCase, 2),
      ...curves.slice(1).map((sub) => formatFixed(sub[r].highlight?.sensitivity)),
    ]),
  );
}
