/**
 * One entry point for all lesion metrics of a case (overlap, surface,
 * lesion-wise, size bins) and the JSON shape printed by `backsplit eval`.
 * evaluateSegmentation serves `backsplit eval --pred/--ref` and the study
 * pipeline (`backsplit reproduce`, `backsplit eval --run <dir>`); evaluateCases
 * runs it over a stream of cases, adding per-class Dice of auxiliary maps.
 * Prediction and reference must share one grid (lib/core assertSameGrid with
 * the absolute EVAL_GRID_TOLERANCE).
 */
import { assertSameGrid, checkGrid } from '../core/grid';
import type { Connectivity } from '../core/morphology';
import type { Vec3, VoxelArray } from '../core/volume';
import { DEFAULT_BIN_EDGES_ML, LesionBin, smallLesionBins, validateBinEdges } from './bins';
import { LesionMetrics, lesionWiseMetrics } from './lesions';
import { EVAL_GRID_TOLERANCE, toBinaryMask } from './mask';
import { AuxiliaryClassReport, ClassSpec, perClassDice } from './multiclass';
import { OverlapMetrics, overlapMetrics } from './overlap';
import { SurfaceMetrics, surfaceMetrics } from './surface';

/** All evaluation settings, with defaults filled in by {@link resolveEvaluationOptions}. */
export interface EvaluationOptions {
  /** NSD tolerance τ in mm (default 1) */
  toleranceMm?: number;
  /** lesion connectivity 6, 18 or 26 (default 26) */
  connectivity?: Connectivity;
  /** inner edges of the lesion-volume bins in mL (default [0.1, 1, 10]) */
  binEdgesMl?: number[];
  /** BraTS-2023-style dilation matching iterations, 0 = off (default 0) */
  dilationVoxels?: number;
  /** percentile of the robust Hausdorff distance (default 95) */
  percentile?: number;
}

export type ResolvedEvaluationOptions = Required<EvaluationOptions>;

/** Fill in defaults and validate once. */
export function resolveEvaluationOptions(options: EvaluationOptions = {}): ResolvedEvaluationOptions {
  const resolved: ResolvedEvaluationOptions = {
    toleranceMm: options.toleranceMm ?? 1,
    connectivity: options.connectivity ?? 26,
    binEdgesMl: options.binEdgesMl ? [...options.binEdgesMl] : [...DEFAULT_BIN_EDGES_ML],
    dilationVoxels: options.dilationVoxels ?? 0,
    percentile: options.percentile ?? 95,
  };
  if (!(resolved.toleranceMm >= 0) || !Number.isFinite(resolved.toleranceMm)) {
    throw new RangeError(`evaluation options: toleranceMm must be a finite number >= 0, got ${resolved.toleranceMm}`);
  }
  if (![6, 18, 26].includes(resolved.connectivity)) {
    throw new RangeError(`evaluation options: connectivity must be 6, 18 or 26, got ${resolved.connectivity}`);
  }
  if (!Number.isInteger(resolved.dilationVoxels) || resolved.dilationVoxels < 0) {
    throw new RangeError(`evaluation options: dilationVoxels must be an integer >= 0, got ${resolved.dilationVoxels}`);
  }
  if (!(resolved.percentile >= 0 && resolved.percentile <= 100)) {
    throw new RangeError(`evaluation options: percentile must be in [0, 100], got ${resolved.percentile}`);
  }
  validateBinEdges(resolved.binEdgesMl);
  return resolved;
}

/** Every lesion metric of one case. */
export interface CaseEvaluation {
  overlap: OverlapMetrics;
  surface: SurfaceMetrics;
  lesions: LesionMetrics;
  bins: LesionBin[];
  options: ResolvedEvaluationOptions;
}

/** The part of a Volume the metrics use. */
export interface MaskVolume {
  data: VoxelArray | ArrayLike<number>;
  dims: Vec3;
  spacing: Vec3;
  affine?: number[][];
}

/**
 * All lesion metrics of a prediction against a reference on the same grid.
 * Any non-zero voxel is lesion.
 * @param pred predicted volume (a Volume, or {data, dims, spacing})
 * @param ref reference volume
 * @param options tolerance, connectivity, bins, dilation matching, percentile
 * @param names how to name pred and ref in errors (file paths or case ids)
 * @example
 * const e = evaluateSegmentation(predVolume, refVolume, { toleranceMm: 2 });
 * e.overlap.dice, e.surface.hd95Mm, e.lesions.f1, e.bins
 */
export function evaluateSegmentation(
  pred: MaskVolume,
  ref: MaskVolume,
  options: EvaluationOptions = {},
  names: { pred?: string; ref?: string } = {},
): CaseEvaluation {
  const predName = names.pred ?? 'prediction';
  const refName = names.ref ?? 'reference';
  assertSameGrid(pred, ref, [predName, refName], EVAL_GRID_TOLERANCE);
  checkGrid(pred, pred.data.length, predName);
  checkGrid(ref, ref.data.length, refName);
  const opts = resolveEvaluationOptions(options);
  const grid = { dims: ref.dims, spacing: ref.spacing };
  const p = toBinaryMask(pred.data);
  const r = toBinaryMask(ref.data);
  const lesions = lesionWiseMetrics(p, r, grid, { connectivity: opts.connectivity, dilationVoxels: opts.dilationVoxels });
  return {
    overlap: overlapMetrics(p, r),
    surface: surfaceMetrics(p, r, grid, { toleranceMm: opts.toleranceMm, percentile: opts.percentile }),
    lesions,
    bins: smallLesionBins(lesions.reference, opts.binEdgesMl),
    options: opts,
  };
}

/** The JSON object printed by `backsplit eval --json` (snake_case, units in names). */
export interface EvalJson {
  dice: number;
  iou: number;
  precision: number;
  recall: number;
  hd95_mm: number | null;
  nsd: number;
  assd_mm: number | null;
  lesions: {
    tp: number;
    fp: number;
    fn: number;
    f1: number;
    per_lesion: Array<{ volume_ml: number; dice: number; detected: boolean }>;
  };
  /** range_ml = [lo, hi] in mL, hi = null for the open last bin */
  bins: Array<{ range_ml: [number, number | null]; n: number; detected: number; mean_dice: number | null }>;
}

/** Convert a {@link CaseEvaluation} to the CLI's JSON shape. */
export function toEvalJson(e: CaseEvaluation): EvalJson {
  return {
    dice: e.overlap.dice,
    iou: e.overlap.iou,
    precision: e.overlap.precision,
    recall: e.overlap.recall,
    hd95_mm: e.surface.hd95Mm,
    nsd: e.surface.nsd,
    assd_mm: e.surface.assdMm,
    lesions: {
      tp: e.lesions.tp,
      fp: e.lesions.fp,
      fn: e.lesions.fn,
      f1: e.lesions.f1,
      per_lesion: e.lesions.reference.map((l) => ({ volume_ml: l.volumeMl, dice: l.dice, detected: l.detected })),
    },
    bins: e.bins.map((b) => ({
      range_ml: [b.loMl, Number.isFinite(b.hiMl) ? b.hiMl : null] as [number, number | null],
      n: b.n,
      detected: b.detected,
      mean_dice: b.meanDice,
    })),
  };
}

/** One case to evaluate: a model's prediction and the reference, plus optional auxiliary class maps. */
export interface EvalCaseInput {
  caseId: string;
  /** model / arm name, e.g. 'binary' or 'backsplit' */
  model: string;
  /** training seed, when several runs of one model exist */
  seed?: number | null;
  pred: MaskVolume;
  ref: MaskVolume;
  /** predicted auxiliary class map (BackSplit models), evaluated separately */
  predAux?: MaskVolume;
  /** reference auxiliary class map */
  refAux?: MaskVolume;
  /** auxiliary classes to report (default: every id > 0 present) */
  auxClasses?: ClassSpec[];
}

/** Result of one case in {@link evaluateCases}. */
export interface CaseResult {
  caseId: string;
  model: string;
  seed: number | null;
  evaluation: CaseEvaluation;
  /** auxiliary-class Dice, only when both aux maps were given; never part of the lesion numbers */
  auxiliary?: AuxiliaryClassReport;
}

/**
 * Evaluate many cases one at a time. Inputs may be produced lazily (a
 * generator or async generator that loads volumes on demand), so only one
 * case's volumes need to be in memory at once.
 * @param inputs cases, e.g. from a trained run's test split
 * @param options evaluation settings shared by all cases
 * @param onCase called after each case (progress reporting)
 */
export async function evaluateCases(
  inputs: Iterable<EvalCaseInput> | AsyncIterable<EvalCaseInput>,
  options: EvaluationOptions = {},
  onCase?: (result: CaseResult, index: number) => void,
): Promise<CaseResult[]> {
  const opts = resolveEvaluationOptions(options);
  const results: CaseResult[] = [];
  for await (const input of inputs as AsyncIterable<EvalCaseInput>) {
    const label = `case ${input.caseId} (${input.model}${input.seed != null ? `, seed ${input.seed}` : ''})`;
    const evaluation = evaluateSegmentation(input.pred, input.ref, opts, { pred: `${label} prediction`, ref: `${label} reference` });
    const result: CaseResult = { caseId: input.caseId, model: input.model, seed: input.seed ?? null, evaluation };
    if (input.predAux && input.refAux) {
      assertSameGrid(input.predAux, input.refAux, [`${label} predicted aux map`, `${label} reference aux map`], EVAL_GRID_TOLERANCE);
      result.auxiliary = perClassDice(input.predAux.data, input.refAux.data, input.auxClasses);
    }
    results.push(result);
    onCase?.(result, results.length - 1);
  }
  return results;
}
