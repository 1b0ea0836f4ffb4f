/**
 * Lesion-level FROC of a lesion probability map: the study's primary endpoint
 * (docs/protocol.md, protocol.json `primary`), computed by one rule for every arm.
 *
 * Construction (fixed candidates, one score each — the usual CAD FROC):
 * - candidates of a case = connected components of {p ≥ candidateThreshold}
 *   (connectivity explicit, 26 by default as everywhere in lib/eval); the
 *   candidate threshold is a fixed number of the protocol, the same for every arm;
 * - a candidate's score = the maximum probability over its voxels;
 * - a candidate is a true positive when it overlaps a reference lesion (any shared
 *   voxel, the lesion-wise convention of ./lesions; BraTS-style dilation matching
 *   on request), otherwise a false positive;
 * - at score threshold s the kept candidates are those with score ≥ s; a reference
 *   lesion is detected when a kept candidate overlaps it, i.e. when s ≤ its
 *   detection score = the highest score of the candidates overlapping it.
 * The curve is exact: it changes only at the distinct candidate scores, and one
 * point is made per distinct score (all candidates and lesions with equal scores
 * enter together). Sensitivity = detected / reference lesions in the volume range
 * (half-open [min, max) mL), pooled over cases; FP per case = false-positive
 * candidates (of any size: a false positive has no reference volume) / cases.
 *
 * How this differs from ./detection-curve (which thresholds the map itself at each t):
 * there the components of {p ≥ t} change with t (they split and merge), here the
 * candidates are fixed and only their selection moves, so both axes are
 * non-decreasing as s falls and the curve is a proper step function. When every
 * candidate is flat (one probability over all its voxels, e.g. a thresholded map)
 * and t ≥ candidateThreshold, the two agree at the candidate scores.
 *
 * Operating points (`sensitivityAtFpRate`, `partialAuc`) read any list of points
 * as the step function "highest sensitivity achievable at ≤ r FP per case": no
 * interpolation between points; before the first point the sensitivity is 0.
 *
 * Weights: the pooled curve accepts a multiplicity per case, so a hierarchical
 * bootstrap can resample cases without copying them (`frocEvaluator`).
 */
import { assertSameGrid, checkGrid } from '../core/grid';
import type { Connectivity } from '../core/morphology';
import type { DetectionCase } from './detection-curve';
import { lesionWiseMetrics } from './lesions';
import { EVAL_GRID_TOLERANCE } from './mask';

/** Tolerance on the FP-per-case axis: a point at r + 1e-9 still counts as "≤ r" (rounding of ΣFP / cases). */
const FP_RATE_TOLERANCE = 1e-9;

/** Options for {@link frocCase}. */
export interface FrocCandidateOptions {
  /** candidates are the components of {p ≥ candidateThreshold}; finite (protocol: 0.1) */
  candidateThreshold: number;
  /** lesion connectivity (default 26) */
  connectivity?: Connectivity;
  /** BraTS-style dilation matching iterations (default 0 = any-overlap matching) */
  dilationVoxels?: number;
}

/** What one case contributes to an FROC. */
export interface FrocCase {
  caseId: string;
  /** score (max probability) of each candidate overlapping no reference lesion */
  falsePositiveScores: number[];
  /** per reference lesion: its volume and detection score (null: no candidate overlaps it, never detected) */
  lesions: Array<{ volumeMl: number; score: number | null }>;
  /** how the candidates were made (so a study can check every arm used the protocol's rule) */
  candidates: { threshold: number; connectivity: Connectivity; dilationVoxels: number };
}

/**
 * Candidates of one case, matched to the reference lesions.
 * @param c the case's lesion probability map and reference mask (same grid)
 * @param options candidate threshold, connectivity, dilation matching
 * @example frocCase({ caseId: 'a', probability, ref }, { candidateThreshold: 0.1 }).falsePositiveScores
 */
export function frocCase(c: DetectionCase, options: FrocCandidateOptions): FrocCase {
  const t = options.candidateThreshold;
  if (!Number.isFinite(t)) throw new RangeError(`frocCase: candidateThreshold must be a finite number, got ${t}`);
  assertSameGrid(c.probability, c.ref, [`case ${c.caseId} probability map`, `case ${c.caseId} reference`], EVAL_GRID_TOLERANCE);
  checkGrid(c.ref, c.ref.data.length, `case ${c.caseId} reference`);
  checkGrid(c.probability, c.probability.data.length, `case ${c.caseId} probability map`);
  const prob = c.probability.data;
  const candidates = new Uint8Array(prob.length);
  for (let v = 0; v < prob.length; v++) candidates[v] = prob[v] >= t ? 1 : 0;
  const m = lesionWiseMetrics(candidates, c.ref.data, { dims: c.ref.dims, spacing: c.ref.spacing }, {
    connectivity: options.connectivity, dilationVoxels: options.dilationVoxels, scores: prob,
  });
  const scoreOf = new Map(m.predicted.map((p) => [p.id, p.maxScore as number]));
  return {
    caseId: c.caseId,
    candidates: { threshold: t, connectivity: m.connectivity, dilationVoxels: m.dilationVoxels },
    falsePositiveScores: m.predicted.filter((p) => !p.matched).map((p) => p.maxScore as number),
    lesions: m.reference.map((l) => ({
      volumeMl: l.volumeMl,
      score: l.matchedPredictions.length ? Math.max(...l.matchedPredictions.map((id) => scoreOf.get(id) as number)) : null,
    })),
  };
}

/** Reference lesions entering the sensitivity: volume in [minVolumeMl, maxVolumeMl). */
export interface LesionVolumeRange {
  /** default 0 */
  minVolumeMl?: number;
  /** default Infinity */
  maxVolumeMl?: number;
}

/** One FROC point: everything with score ≥ threshold is kept. */
export interface FrocPoint {
  threshold: number;
  /** (weighted) false-positive candidates / (weighted) cases */
  fpPerCase: number;
  /** (weighted) detected lesions in the range / (weighted) lesions in the range */
  sensitivity: number;
}

/** A pooled FROC. */
export interface FrocCurve {
  /** one point per distinct score, threshold falling (fpPerCase and sensitivity non-decreasing) */
  points: FrocPoint[];
  /** (weighted) reference lesions in the volume range */
  lesions: number;
  /** (weighted) number of cases */
  cases: number;
}

/** The pooled FROC of fixed cases under case weights (bootstrap multiplicities); see {@link frocEvaluator}. */
export interface FrocEvaluator {
  /** the weighted curve; null when the weighted number of lesions in the range is 0 */
  curve(weights: ArrayLike<number>): FrocCurve | null;
  /** `partialAuc(curve.points, maxRate)` in one pass without building the points (null as curve) */
  partialAuc(weights: ArrayLike<number>, maxRate: number): number | null;
  /** `sensitivityAtFpRate(curve.points, rate)` in one pass (null as curve) */
  sensitivityAtFpRate(weights: ArrayLike<number>, rate: number): number | null;
}

/** Score-sorted events of the pooled curve (typed arrays: the bootstrap walks them 10⁵ times). */
interface FrocEvents {
  score: Float64Array;
  caseIndex: Int32Array;
  isFp: Uint8Array;
  lesionsPerCase: Float64Array;
}

function sortedEvents(cases: readonly FrocCase[], minMl: number, maxMl: number): FrocEvents {
  const list: Array<{ score: number; caseIndex: number; fp: boolean }> = [];
  const lesionsPerCase = new Float64Array(cases.length);
  cases.forEach((c, i) => {
    for (const s of c.falsePositiveScores) {
      if (Number.isNaN(s)) throw new RangeError(`frocEvaluator: case ${c.caseId} has a NaN candidate score`);
      list.push({ score: s, caseIndex: i, fp: true });
    }
    for (const l of c.lesions) {
      if (l.volumeMl < minMl || l.volumeMl >= maxMl) continue;
      lesionsPerCase[i]++;
      if (l.score !== null) list.push({ score: l.score, caseIndex: i, fp: false });
    }
  });
  list.sort((a, b) => b.score - a.score);
  return {
    score: Float64Array.from(list, (e) => e.score),
    caseIndex: Int32Array.from(list, (e) => e.caseIndex),
    isFp: Uint8Array.from(list, (e) => (e.fp ? 1 : 0)),
    lesionsPerCase,
  };
}

/** Weighted totals of cases and of lesions in the range. */
function weightTotals(ev: FrocEvents, weights: ArrayLike<number>): { cases: number; lesions: number } {
  const n = ev.lesionsPerCase.length;
  if (weights.length !== n) throw new RangeError(`frocEvaluator: ${weights.length} weights for ${n} cases`);
  let cases = 0;
  let lesions = 0;
  for (let i = 0; i < n; i++) {
    if (!(weights[i] >= 0)) throw new RangeError(`frocEvaluator: weight ${i} is ${weights[i]}, expected ≥ 0`);
    cases += weights[i];
    lesions += weights[i] * ev.lesionsPerCase[i];
  }
  if (!(cases > 0)) throw new RangeError('frocEvaluator: the case weights sum to 0');
  return { cases, lesions };
}

/**
 * Walk the events in falling score, one visit per distinct score with a weighted change;
 * `visit(fpPerCase, sensitivity, threshold)` returns false to stop.
 */
function sweep(ev: FrocEvents, weights: ArrayLike<number>, cases: number, lesions: number, visit: (x: number, s: number, t: number) => boolean): void {
  const { score, caseIndex, isFp } = ev;
  let fp = 0;
  let tp = 0;
  for (let e = 0; e < score.length; ) {
    const t = score[e];
    let changed = false;
    for (; e < score.length && score[e] === t; e++) {
      const w = weights[caseIndex[e]];
      if (w === 0) continue;
      changed = true;
      if (isFp[e]) fp += w;
      else tp += w;
    }
    if (changed && !visit(fp / cases, tp / lesions, t)) return;
  }
}

/**
 * Prepare the pooled FROC of a fixed set of cases for repeated evaluation under case weights
 * (bootstrap multiplicities): the events are sorted once, each evaluation is one pass.
 * @param cases per-case candidates ({@link frocCase})
 * @param range volume range of the lesions in the sensitivity
 * @example frocEvaluator(cases, { maxVolumeMl: 1 }).partialAuc(weights, 4)
 */
export function frocEvaluator(cases: readonly FrocCase[], range: LesionVolumeRange = {}): FrocEvaluator {
  if (cases.length === 0) throw new RangeError('frocEvaluator: no cases given');
  const minMl = range.minVolumeMl ?? 0;
  const maxMl = range.maxVolumeMl ?? Infinity;
  if (!(minMl < maxMl)) throw new RangeError(`frocEvaluator: minVolumeMl (${minMl}) must be below maxVolumeMl (${maxMl})`);
  const ev = sortedEvents(cases, minMl, maxMl);
  return {
    curve(weights) {
      const { cases: c, lesions } = weightTotals(ev, weights);
      if (lesions === 0) return null;
      const points: FrocPoint[] = [];
      sweep(ev, weights, c, lesions, (fpPerCase, sensitivity, threshold) => points.push({ threshold, fpPerCase, sensitivity }) > 0);
      return { points, lesions, cases: c };
    },
    partialAuc(weights, maxRate) {
      checkRate(maxRate, 'frocEvaluator.partialAuc', 'maxRate');
      const { cases: c, lesions } = weightTotals(ev, weights);
      if (lesions === 0) return null;
      // same arithmetic as partialAuc() on the points: they come with non-decreasing x and level
      let area = 0;
      let x = 0;
      let level = 0;
      sweep(ev, weights, c, lesions, (fpPerCase, sensitivity) => {
        if (fpPerCase > maxRate + FP_RATE_TOLERANCE) return false;
        const at = Math.min(fpPerCase, maxRate);
        area += level * (at - x);
        x = at;
        if (sensitivity > level) level = sensitivity;
        return true;
      });
      return (area + level * (maxRate - x)) / maxRate;
    },
    sensitivityAtFpRate(weights, rate) {
      checkRate(rate, 'frocEvaluator.sensitivityAtFpRate', 'rate');
      const { cases: c, lesions } = weightTotals(ev, weights);
      if (lesions === 0) return null;
      let best = 0;
      sweep(ev, weights, c, lesions, (fpPerCase, sensitivity) => {
        if (fpPerCase > rate + FP_RATE_TOLERANCE) return false;
        if (sensitivity > best) best = sensitivity;
        return true;
      });
      return best;
    },
  };
}

/**
 * The pooled FROC of a set of cases (every case weight 1).
 * @returns null when no reference lesion lies in the volume range
 * @example frocCurve(cases.map((c) => frocCase(c, { candidateThreshold: 0.1 })), { maxVolumeMl: 1 })
 */
export function frocCurve(cases: readonly FrocCase[], range: LesionVolumeRange = {}): FrocCurve | null {
  return frocEvaluator(cases, range).curve(new Float64Array(cases.length).fill(1));
}

function checkRate(rate: number, fn: string, name: string): void {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`${fn}: ${name} must be a positive finite number, got ${rate}`);
}

/**
 * Highest sensitivity among the points with at most `rate` FP per case (0 when there is none):
 * the step-function reading of a FROC, no interpolation. Works on any points, sorted or not.
 * @example sensitivityAtFpRate(curve.points, 1) // sensitivity at 1 FP/case
 */
export function sensitivityAtFpRate(points: readonly Pick<FrocPoint, 'fpPerCase' | 'sensitivity'>[], rate: number): number {
  checkRate(rate, 'sensitivityAtFpRate', 'rate');
  let best = 0;
  for (const p of points) if (p.fpPerCase <= rate + FP_RATE_TOLERANCE && p.sensitivity > best) best = p.sensitivity;
  return best;
}

/**
 * Partial area under the FROC from 0 to `maxRate` FP per case, divided by `maxRate` (so in
 * [0, 1]: the mean over FP rates r in [0, maxRate] of `sensitivityAtFpRate(points, r)`),
 * integrated exactly over that step function.
 * @example partialAuc(curve.points, 4)
 */
export function partialAuc(points: readonly Pick<FrocPoint, 'fpPerCase' | 'sensitivity'>[], maxRate: number): number {
  checkRate(maxRate, 'partialAuc', 'maxRate');
  const sorted = points.slice().sort((a, b) => a.fpPerCase - b.fpPerCase);
  let area = 0;
  let x = 0;
  let level = 0;
  for (const p of sorted) {
    if (p.fpPerCase > maxRate + FP_RATE_TOLERANCE) break;
    const at = Math.min(p.fpPerCase, maxRate);
    area += level * (at - x);
    x = at;
    if (p.sensitivity > level) level = p.sensitivity;
  }
  area += level * (maxRate - x);
  return area / maxRate;
}
