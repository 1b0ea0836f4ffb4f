/**
 * Fisher measurements of segmentation networks on image patches: the thin
 * orchestration between networks (lib/model), cases (lib/train's patch
 * sampling) and the estimators of lib/fisher, used by notebook 04,
 * `backsplit fisher` and ./fisher-runs.ts:
 *
 *  - evaluation patches: the same image patches, with the labels of both
 *    modes, for every model compared (binary and BackSplit see the same x);
 *  - the Fisher of one model (Monte-Carlo, exact or empirical) under its
 *    multiclass likelihood Y and the lesion-vs-rest likelihood Z, with
 *    per-variable traces named like the network's layers ('enc0/conv1/kernel');
 *  - gradient noise over minibatches, per-layer grouping of traces, and
 *    per-voxel closed-form trace maps of one patch.
 *
 * For a binary model (2 classes) Z is Y, so its F_Y and F_Z coincide; the
 * theorem's ordering F_Y ⪰ F_Z at the same θ is visible on a BackSplit model.
 * Two separately trained models sit at different θ: comparing them is an
 * empirical observation, not the theorem's comparison.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../core/random';
import { LabelMode, SegmentationCase } from '../core/types';
import { fisherTraceMaps, lesionVsRest } from '../fisher/closed-form';
import { gradientNoise, GradientNoiseStats } from '../fisher/gradient-noise';
import { FisherBatch, Likelihood, ProgressFn } from '../fisher/network';
import { fisherReport, FisherReport, LikelihoodTraces, ReportKind } from '../fisher/report';
import type { RunModel } from '../run/open';
import type { SegmentationModel } from '../model/model';
import { ClassLayout, classLayout, prepareCase } from '../train/prepare';
import { extractBatch, patch3, samplePatchOrigins } from '../train/sampler';

/** Image patches shared by every model compared, with the observed labels of each mode. */
export interface FisherPatches {
  /** Network input, channels last: [N, H, W, C] for 2D patches, [N, D, H, W, C] for 3D. */
  images: Float32Array;
  shape: number[];
  /** Observed class maps [N, ...spatial] per mode ('backsplit' only when every case has an aux map). */
  labels: Partial<Record<LabelMode, Int32Array>>;
  layouts: Partial<Record<LabelMode, ClassLayout>>;
  /** Case id and corner [z, y, x] of each patch. */
  origins: { caseId: string; origin: [number, number, number]; forced: boolean }[];
  /** Share of voxels that are lesion in the patches. */
  lesionFraction: number;
}

/** Options of {@link fisherPatches}. */
export interface FisherPatchOptions {
  /** [H, W] (2D, axial slices) or [D, H, W]. */
  patchSize: number[];
  /** Number of patches (default 16). */
  count?: number;
  /** Share of patches centred on a lesion voxel (default 0.5). */
  foregroundFraction?: number;
  /** Seed of the patch positions (default 0). */
  seed?: number;
}

/**
 * Sample evaluation patches once and cut them from the cases with the labels
 * of both modes, so that binary and BackSplit models are measured on exactly
 * the same inputs.
 * @example
 * const patches = fisherPatches(generateSyntheticDataset({ cases: 4 }), { patchSize: [32, 32], count: 8 });
 * @param cases segmentation cases (BackSplit labels need their aux maps)
 * @param opts patch size (required), count (16), foreground fraction (0.5), seed (0)
 */
export function fisherPatches(cases: SegmentationCase[], opts: FisherPatchOptions): FisherPatches {
  if (cases.length === 0) throw new Error('fisherPatches: no cases given');
  const count = opts.count ?? 16;
  if (!Number.isInteger(count) || count < 1) throw new Error(`fisherPatches: count must be a positive integer, got ${count}`);
  const patch = patch3(opts.patchSize);
  const layouts: FisherPatches['layouts'] = { binary: classLayout('binary', cases) };
  if (cases.every((c) => c.aux)) layouts.backsplit = classLayout('backsplit', cases);
  const prepared = { binary: cases.map((c) => prepareCase(c, layouts.binary!)) };
  const origins = samplePatchOrigins(prepared.binary, patch, count, opts.foregroundFraction ?? 0.5, new Random(opts.seed ?? 0).fork('fisher-patches'));
  const labels: FisherPatches['labels'] = {};
  const bin = extractBatch(prepared.binary, origins, patch);
  labels.binary = bin.labels;
  if (layouts.backsplit) {
    const bs = cases.map((c) => prepareCase(c, layouts.backsplit!));
    labels.backsplit = extractBatch(bs, origins, patch).labels;
  }
  const shape = opts.patchSize.length === 2 ? [count, patch[1], patch[2], bin.channels] : [count, ...patch, bin.channels];
  let lesion = 0;
  for (let i = 0; i < bin.labels.length; i++) lesion += bin.labels[i];
  return {
    images: bin.images,
    shape,
    labels,
    layouts,
    origins: origins.map((o) => ({ caseId: cases[o.caseIndex].id, origin: o.origin, forced: o.forced })),
    lesionFraction: lesion / bin.labels.length,
  };
}

/** Options of the Fisher of one model. */
export interface ModelFisherOptions {
  /** 'mc' (default), 'exact' (tiny models only) or 'empirical' (not a Fisher estimate). */
  kind?: ReportKind;
  /** Label samples per patch for 'mc' (default 2). */
  samples?: number;
  /** Seed of the label sampler (default 0). */
  seed?: number;
  onProgress?: ProgressFn;
}

function checkPatches(arm: RunModel, patches: FisherPatches, fn: string): Int32Array {
  const mode = arm.layout.mode;
  if (mode !== 'binary' && mode !== 'backsplit') throw new Error(`${fn}: Fisher patches hold binary and BackSplit labels, not those of arm '${mode}'`);
  const labels = patches.labels[mode];
  if (!labels) throw new Error(`${fn}: the patches have no '${arm.layout.mode}' labels (do the cases have auxiliary maps?)`);
  const spatial = arm.model.config.spatialDims;
  if (patches.shape.length !== spatial + 2) {
    throw new Error(`${fn}: a ${spatial}D model needs rank-${spatial + 2} patches, got shape [${patches.shape}]`);
  }
  const expected = patches.layouts[mode]!;
  if (expected.numClasses !== arm.layout.numClasses) {
    throw new Error(`${fn}: the model has ${arm.layout.numClasses} classes, the patches' ${arm.layout.mode} labels have ${expected.numClasses}`);
  }
  return labels;
}

/** Store names ('enc0/conv1/kernel') by tfjs variable name ('enc0/conv1/kernel_0_17'). */
function storeNames(model: SegmentationModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, v] of model.variables) out.set(v.name, name);
  return out;
}

function renameLayers(t: LikelihoodTraces, names: Map<string, string>): LikelihoodTraces {
  return { ...t, perLayer: t.perLayer.map((l) => ({ ...l, name: names.get(l.name) ?? l.name })) };
}

/**
 * Fisher traces (total and per variable) of one network under its multiclass
 * likelihood Y and the lesion-vs-rest likelihood Z at the same weights, on the
 * given patches. Variables are named as in the network ('dec0/conv1/kernel').
 * @example
 * const rep = await modelFisher(arm, patches, { kind: 'mc', samples: 2 });
 * console.log(rep.y.trace, rep.z.trace, rep.traceRatio);
 * @param arm the network and its class layout
 * @param patches evaluation patches ({@link fisherPatches})
 * @param opts kind ('mc'), samples (2), seed (0), onProgress
 */
export async function modelFisher(arm: RunModel, patches: FisherPatches, opts: ModelFisherOptions = {}): Promise<FisherReport> {
  const labels = checkPatches(arm, patches, 'modelFisher');
  const x = tf.tensor(patches.images, patches.shape, 'float32');
  try {
    const report = await fisherReport(
      {
        logits: (input) => arm.model.apply(input, false) as tf.Tensor,
        variables: [...arm.model.variables.values()],
        lesionClass: arm.layout.lesionClass,
        numClasses: arm.layout.numClasses,
      },
      [{ x, labels }],
      { kind: opts.kind ?? 'mc', samples: opts.samples ?? 2, seed: opts.seed ?? 0, onProgress: opts.onProgress },
    );
    const names = storeNames(arm.model);
    return { ...report, y: renameLayers(report.y, names), z: renameLayers(report.z, names) };
  } finally {
    x.dispose();
  }
}

/** Options of {@link modelGradientNoise}. */
export interface GradientNoiseOptions {
  /** Patches per minibatch (default 4); the patches are cut into consecutive minibatches. */
  batchSize?: number;
  /** 'y' (the model's own training labels, default) or 'z' (lesion vs rest). */
  likelihood?: Likelihood;
  onProgress?: ProgressFn;
}

/**
 * Gradient noise of the cross-entropy over minibatches of the patches: per
 * variable, ‖mean gradient‖², the trace of the minibatch-gradient covariance
 * and their ratio (noise-to-signal). Training minimises Dice + CE; this looks
 * at the CE part, which is the likelihood the Fisher describes.
 * @param arm the network and its class layout
 * @param patches evaluation patches; at least 2·batchSize of them
 * @param opts batchSize (4), likelihood ('y'), onProgress
 */
export async function modelGradientNoise(arm: RunModel, patches: FisherPatches, opts: GradientNoiseOptions = {}): Promise<GradientNoiseStats> {
  const labels = checkPatches(arm, patches, 'modelGradientNoise');
  const B = opts.batchSize ?? 4;
  const N = patches.shape[0];
  const nb = Math.floor(N / B);
  if (!Number.isInteger(B) || B < 1 || nb < 2) throw new Error(`modelGradientNoise: need at least 2 minibatches of ${B} patches, have ${N} patches`);
  const per = patches.images.length / N;
  const perLabel = labels.length / N;
  const batches: FisherBatch[] = [];
  for (let b = 0; b < nb; b++) {
    batches.push({
      x: tf.tensor(patches.images.subarray(b * B * per, (b + 1) * B * per), [B, ...patches.shape.slice(1)], 'float32'),
      labels: labels.subarray(b * B * perLabel, (b + 1) * B * perLabel),
    });
  }
  try {
    const stats = await gradientNoise(
      {
        logits: (input) => arm.model.apply(input, false) as tf.Tensor,
        variables: [...arm.model.variables.values()],
        groups: lesionVsRest(arm.layout.numClasses, arm.layout.lesionClass),
      },
      batches,
      { likelihood: opts.likelihood ?? 'y', onProgress: opts.onProgress },
    );
    const names = storeNames(arm.model);
    return { ...stats, perVariable: stats.perVariable.map((v) => ({ ...v, name: names.get(v.name) ?? v.name })) };
  } finally {
    batches.forEach((b) => b.x.dispose());
  }
}

/**
 * The layer a variable belongs to: its name without the parameter leaf
 * ('enc0/conv1/kernel', 'enc0/conv1/norm/gamma' → 'enc0/conv1').
 */
export function layerOfVariable(name: string): string {
  const parts = name.split('/');
  if (parts.length > 1) parts.pop();
  if (parts.length > 1 && parts[parts.length - 1] === 'norm') parts.pop();
  return parts.join('/');
}

/** Per-layer sums of per-variable traces, in network order. */
export function tracesByLayer(perVariable: { name: string; size: number; trace: number }[]): { name: string; size: number; trace: number }[] {
  const out: { name: string; size: number; trace: number }[] = [];
  for (const v of perVariable) {
    const layer = layerOfVariable(v.name);
    let row = out.find((r) => r.name === layer);
    if (!row) {
      row = { name: layer, size: 0, trace: 0 };
      out.push(row);
    }
    row.size += v.size;
    row.trace += v.trace;
  }
  return out;
}

/** A FisherReport with per-layer (not per-variable) traces, e.g. for plots with one bar per layer. */
export function reportByLayer(report: FisherReport): FisherReport {
  const fold = (t: LikelihoodTraces): LikelihoodTraces => ({
    ...t,
    perLayer: tracesByLayer(t.perLayer).map((l) => ({ name: l.name, shape: [l.size], size: l.size, trace: l.trace })),
  });
  return { ...report, y: fold(report.y), z: fold(report.z) };
}

/** Per-voxel maps of one 2D patch, as rows [H][W] for heat maps. */
export interface PatchTraceMaps {
  caseId: string;
  /** First image channel (z-scored). */
  image: number[][];
  /** Observed label of the model's mode. */
  labels: number[][];
  /** Model probability of the lesion class. */
  lesionProbability: number[][];
  /** Per-voxel traces of I_Y, I_Z and the gap I_Y − I_Z at the model's softmax. */
  y: number[][];
  z: number[][];
  gap: number[][];
}

/**
 * Where in an image the split background adds information: the closed-form
 * per-voxel traces of I_Y, I_Z and their gap at a model's own softmax output,
 * for one 2D patch.
 * @param arm the network (BackSplit for a non-zero gap: with 2 classes the gap is 0)
 * @param patches 2D evaluation patches
 * @param index which patch (default: the one with the most lesion voxels)
 */
export function patchTraceMaps(arm: RunModel, patches: FisherPatches, index?: number): PatchTraceMaps {
  const labels = checkPatches(arm, patches, 'patchTraceMaps');
  if (patches.shape.length !== 4) throw new Error(`patchTraceMaps: needs 2D patches [N, H, W, C], got shape [${patches.shape}]`);
  const [N, H, W, C] = patches.shape;
  const V = H * W;
  let n = index ?? -1;
  if (n < 0) {
    let best = -1;
    for (let i = 0; i < N; i++) {
      let count = 0;
      for (let v = 0; v < V; v++) if (labels[i * V + v] === arm.layout.lesionClass) count++;
      if (count > best) {
        best = count;
        n = i;
      }
    }
  }
  if (!Number.isInteger(n) || n < 0 || n >= N) throw new Error(`patchTraceMaps: patch index must be in [0, ${N - 1}], got ${n}`);
  const K = arm.layout.numClasses;
  const probs = tf.tidy(() => {
    const x = tf.tensor(patches.images.subarray(n * V * C, (n + 1) * V * C), [1, H, W, C], 'float32');
    return tf.softmax(arm.model.apply(x, false) as tf.Tensor).dataSync() as Float32Array;
  });
  const maps = fisherTraceMaps(probs, lesionVsRest(K, arm.layout.lesionClass));
  const rows = (get: (v: number) => number): number[][] => Array.from({ length: H }, (_, r) => Array.from({ length: W }, (_, c) => get(r * W + c)));
  return {
    caseId: patches.origins[n].caseId,
    image: rows((v) => patches.images[(n * V + v) * C]),
    labels: rows((v) => labels[n * V + v]),
    lesionProbability: rows((v) => probs[v * K + arm.layout.lesionClass]),
    y: rows((v) => maps.y[v]),
    z: rows((v) => maps.z[v]),
    gap: rows((v) => maps.gap[v]),
  };
}
