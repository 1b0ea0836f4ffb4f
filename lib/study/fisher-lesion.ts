/**
 * The lesion-functional Fisher of a trained network on evaluation patches
 * (lib/fisher/network-lesion.ts): which functional of the patches (ψ at a
 * lesion voxel, the mean ψ over the reference lesion voxels, the predicted
 * lesion volume), and its Cramér–Rao quantity under F_Y and F_Z of the same
 * network at the same weights. Used by `backsplit fisher --lesion-functional`.
 *
 * The default functional is the mean ψ over the reference lesion voxels of the
 * patches: it asks how well the lesion log-odds where lesions actually are is
 * determined, which is what small-lesion segmentation needs. The volume
 * functional is a weak probe by construction: over the voxels the Fisher is
 * measured on, its gradient is (undamped) a score direction of the lesion
 * logit's bias under both likelihoods, so its ratio tends to 1 (see
 * test/fisher/lesion-functional.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { lesionVsRest } from '../fisher/closed-form';
import {
  DampingOptions,
  LesionFunctional,
  LesionFunctionalKind,
  LesionFunctionalResult,
  lesionFunctionalExact,
  lesionFunctionalMatrixFree,
  lesionMeanFunctional,
  MatrixFreeOptions,
  voxelFunctional,
  volumeFunctional,
} from '../fisher/network-lesion';
import type { RunModel } from '../run/open';
import type { FisherPatches } from './fisher';

/** The functionals `--lesion-functional` offers. */
export const LESION_FUNCTIONALS: readonly LesionFunctionalKind[] = ['lesion-mean', 'voxel', 'volume'];

/** The lesion voxel of the patch with the most lesion voxels that is nearest to that lesion's centroid. */
function centralLesionVoxel(patches: FisherPatches): number {
  const lesion = patches.labels.binary!;
  const N = patches.shape[0];
  const spatial = patches.shape.slice(1, -1);
  const V = spatial.reduce((a, b) => a * b, 1);
  let best = -1;
  let bestCount = 0;
  for (let n = 0; n < N; n++) {
    let count = 0;
    for (let v = 0; v < V; v++) count += lesion[n * V + v];
    if (count > bestCount) {
      bestCount = count;
      best = n;
    }
  }
  if (best < 0) throw new Error('lesion functional: the evaluation patches have no lesion voxel (use more patches or cases with lesions)');
  const coords = (v: number): number[] => {
    const c: number[] = [];
    for (let d = spatial.length - 1; d >= 0; d--) {
      c.unshift(v % spatial[d]);
      v = Math.floor(v / spatial[d]);
    }
    return c;
  };
  const centroid = new Array<number>(spatial.length).fill(0);
  for (let v = 0; v < V; v++) if (lesion[best * V + v]) coords(v).forEach((x, d) => (centroid[d] += x / bestCount));
  let pick = -1;
  let dist = Infinity;
  for (let v = 0; v < V; v++) {
    if (!lesion[best * V + v]) continue;
    const d2 = coords(v).reduce((s, x, d) => s + (x - centroid[d]) ** 2, 0);
    if (d2 < dist) {
      dist = d2;
      pick = v;
    }
  }
  return best * V + pick;
}

/**
 * A lesion functional of the patches: 'lesion-mean' (mean ψ over the voxels whose
 * reference label is lesion), 'voxel' (ψ at the most central lesion voxel of the
 * patch with the most lesion voxels) or 'volume' (Σ p_L over every voxel, in voxels).
 */
export function patchFunctional(patches: FisherPatches, kind: LesionFunctionalKind): LesionFunctional {
  const total = patches.labels.binary!.length;
  const source = patches.origins.map((o) => o.caseId);
  if (kind === 'volume') return volumeFunctional(total);
  if (kind === 'voxel') {
    const i = centralLesionVoxel(patches);
    const V = total / patches.shape[0];
    return voxelFunctional(total, i, `the most central reference-lesion voxel of patch ${Math.floor(i / V)} (case ${source[Math.floor(i / V)]})`);
  }
  if (kind === 'lesion-mean') {
    if (!patches.labels.binary!.some((l) => l === 1)) throw new Error('lesion functional: the evaluation patches have no lesion voxel (use more patches or cases with lesions)');
    return lesionMeanFunctional(patches.labels.binary!, `the reference lesion voxels of ${patches.shape[0]} patches`);
  }
  throw new Error(`lesion functional: kind must be one of ${LESION_FUNCTIONALS.join(', ')}, got '${String(kind)}'`);
}

/** Options of {@link modelLesionFunctional}. */
export interface ModelLesionOptions extends DampingOptions, Omit<MatrixFreeOptions, keyof DampingOptions> {
  /** Default 'lesion-mean'. */
  functional?: LesionFunctionalKind;
  /** 'cg' (matrix-free, default) or 'exact' (dense, tiny networks only). */
  solver?: 'cg' | 'exact';
}

/** The result with the network it was measured on. */
export interface LesionFunctionalReport extends LesionFunctionalResult {
  backend: string;
  numClasses: number;
  lesionClass: number;
}

/**
 * ∇gᵀ(F + λI)⁻¹∇g of a lesion functional g of the patches under F_Y and F_Z of one
 * network at the same weights (the run's own class layout: for a binary run Y is Z).
 * @example
 * const rep = await modelLesionFunctional(arm, patches, { functional: 'lesion-mean' });
 * console.log(rep.Y, rep.Z, rep.ratio);
 */
export async function modelLesionFunctional(arm: RunModel, patches: FisherPatches, opts: ModelLesionOptions = {}): Promise<LesionFunctionalReport> {
  const g = patchFunctional(patches, opts.functional ?? 'lesion-mean');
  const x = tf.tensor(patches.images, patches.shape, 'float32');
  const model = {
    logits: (input: tf.Tensor) => arm.model.apply(input, false) as tf.Tensor,
    variables: [...arm.model.variables.values()],
    groups: lesionVsRest(arm.layout.numClasses, arm.layout.lesionClass),
  };
  try {
    let res: LesionFunctionalResult;
    if (opts.solver === 'exact') {
      const { gradient: _g, fisher: _f, ...rest } = await lesionFunctionalExact(model, [{ x }], g, { lambda: opts.lambda, damping: opts.damping });
      res = rest;
    } else {
      res = await lesionFunctionalMatrixFree(model, [{ x }], g, opts);
    }
    return { ...res, backend: tf.getBackend(), numClasses: arm.layout.numClasses, lesionClass: arm.layout.lesionClass };
  } finally {
    x.dispose();
  }
}
