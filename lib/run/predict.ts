/**
 * Predicting with a trained model: per-class probabilities of a whole volume by
 * sliding-window inference, then a lesion mask only through lib/labels/collapse
 * with the collapse rule named by the caller ('argmaxIsLesion' or
 * 'lesionBeatsBackgroundSum'). The lesion probability of every arm is the same
 * map, the softmax of its lesion class (lesionProbabilityMap).
 */
import type { SegmentationCase } from '../core/types';
import { makeVolume, Vec3, Volume } from '../core/volume';
import { collapseToBinary, CollapseRule, lesionProbabilityMap } from '../labels/collapse';
import type { SegmentationModel } from '../model/model';
import { armDefinition } from '../train/arms';
import { ClassLayout, prepareCase } from '../train/prepare';
import { argmaxClasses, slidingWindowProbabilities } from '../train/inference';

/** Sliding-window settings of a prediction. */
export interface PredictOptions {
  /** The model's patch size (the run config's patchSize). */
  patchSize: number[];
  /** Tile overlap in [0, 1) (default 0.5). */
  overlap?: number;
}

/**
 * Class-major probabilities probs[k·N + voxel] of z-scored image channels.
 * @throws when the model's output does not have the layout's class count
 */
export async function predictProbabilities(
  model: SegmentationModel,
  layout: ClassLayout,
  channels: Float32Array[],
  dims: Vec3,
  opts: PredictOptions,
): Promise<Float32Array> {
  const probs = await slidingWindowProbabilities(model, channels, dims, { patchSize: opts.patchSize, overlap: opts.overlap ?? 0.5 });
  const n = dims[0] * dims[1] * dims[2];
  if (probs.length !== n * layout.numClasses) {
    throw new Error(`predictProbabilities: expected ${n * layout.numClasses} probabilities (${layout.numClasses} classes), got ${probs.length}`);
  }
  return probs;
}

/** Per-class views of class-major probabilities. */
function perClassViews(probs: Float32Array, numClasses: number): Float32Array[] {
  const n = probs.length / numClasses;
  return Array.from({ length: numClasses }, (_, c) => probs.subarray(c * n, (c + 1) * n));
}

/** Binary lesion mask (1 = lesion) of class-major probabilities by a collapse rule. */
export function lesionMask(probs: Float32Array, layout: Pick<ClassLayout, 'numClasses' | 'lesionClass'>, rule: CollapseRule): Uint8Array {
  return collapseToBinary(perClassViews(probs, layout.numClasses), rule, { lesionClass: layout.lesionClass });
}

export interface CasePrediction {
  /** Class-major probabilities probs[k·N + voxel]. */
  probabilities: Float32Array;
  /** p(lesion) per voxel, on the case's grid: the softmax lesion channel p_L, the map every arm is scored on. */
  lesionProbability: Volume<Float32Array>;
  /** Arg-max class per voxel (the layout's class ids). */
  classMap: Volume<Uint8Array>;
  /** Lesion mask by the requested collapse rule (1 = lesion). */
  lesionMask: Volume<Uint8Array>;
  /** Predicted auxiliary classes (arg-max, lesion voxels set to 0); null for an arm on binary labels (binary-wide too). */
  auxMap: Volume<Uint8Array> | null;
}

/**
 * Whole-case prediction of a trained model with the maps notebooks plot and evaluate.
 * @param model trained model
 * @param layout its class layout (any arm's)
 * @param c the case (its lesion/aux maps are only used for the layout's target, not for prediction)
 * @param opts sliding-window patch size and overlap (default 0.5), and the collapse rule of `lesionMask`
 * @example
 * const p = await predictCase(run.model, run.layout, c, { patchSize: run.config.patchSize, rule: 'argmaxIsLesion' });
 */
export async function predictCase(
  model: SegmentationModel,
  layout: ClassLayout,
  c: SegmentationCase,
  opts: PredictOptions & { rule: CollapseRule },
): Promise<CasePrediction> {
  const prepared = prepareCase(c, layout);
  let probs: Float32Array;
  try {
    probs = await predictProbabilities(model, layout, prepared.channels, prepared.dims, opts);
  } catch (e) {
    throw new Error(`predictCase: case ${c.id}: ${(e as Error).message}`, { cause: e });
  }
  const grid = c.lesion;
  const lesion = layout.lesionClass;
  const classes = argmaxClasses(probs, layout.numClasses);
  let auxMap: Volume<Uint8Array> | null = null;
  if (armDefinition(layout.mode).labels !== 'binary') {
    const aux = new Uint8Array(classes.length);
    for (let v = 0; v < aux.length; v++) aux[v] = classes[v] === lesion ? 0 : classes[v];
    auxMap = makeVolume(aux, grid.dims, grid.spacing, grid.affine);
  }
  // the argmax rule read off the class map (the same first-maximum argmax as lib/labels/collapse)
  let mask: Uint8Array;
  if (opts.rule === 'argmaxIsLesion') {
    mask = new Uint8Array(classes.length);
    for (let v = 0; v < mask.length; v++) mask[v] = classes[v] === lesion ? 1 : 0;
  } else {
    mask = lesionMask(probs, layout, opts.rule);
  }
  return {
    probabilities: probs,
    lesionProbability: makeVolume(lesionProbabilityMap(perClassViews(probs, layout.numClasses), { lesionClass: lesion }), grid.dims, grid.spacing, grid.affine),
    classMap: makeVolume(classes, grid.dims, grid.spacing, grid.affine),
    lesionMask: makeVolume(mask, grid.dims, grid.spacing, grid.affine),
    auxMap,
  };
}
