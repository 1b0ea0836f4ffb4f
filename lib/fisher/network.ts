/**
 * Fisher information of a segmentation network with respect to its weights,
 * under the multiclass likelihood (labels Y) and the coarsened likelihood
 * (labels Z, e.g. lesion vs rest) of the same network at the same weights.
 *
 * The network is seen only through a generic interface — a function from an
 * input batch to channels-last logits [N, ...spatial, K] and the list of
 * variables to differentiate — so any tfjs model (a tf.LayersModel, a function
 * closing over tf.Variables) can be measured. Three kinds of "Fisher" are kept
 * apart (Kunstner et al. 2019; docs/BACKSPLIT.md):
 *  - exact (expected) Fisher, dense, by one backward pass per voxel and logit
 *    (the Jacobian) and the closed form at the logits — reference for tiny models;
 *  - Monte-Carlo Fisher, labels sampled per voxel from the model (seeded): an
 *    unbiased estimate of trace, diagonal, per-variable trace and vᵀFv;
 *  - empirical Fisher, gradients at the observed labels: NOT an estimate of the
 *    Fisher, reported only for contrast.
 *
 * Normalisation: F = (1/N) Σ_n Σ_voxels J_{n,v}ᵀ I_{n,v} J_{n,v}, i.e. the
 * Fisher of one whole image (voxels are conditionally independent given the
 * image), averaged over the N images given. tfjs has no vmap, so per-example
 * gradients are one backward pass per image (a loop over batch-1 slices inside
 * tf.tidy); gradients are reduced on the device and accumulated in float64.
 *
 * This file holds the model interface, the parameter layout and the per-image
 * helpers all estimators share, and the cost of the per-example loop; the
 * estimators are network-monte-carlo.ts, network-empirical.ts and network-exact.ts
 * (the first two accumulate squared gradients with network-accumulator.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { performance } from 'perf_hooks';
import { ClassGroups } from './closed-form';

/** Input batch [N, ...] → channels-last logits [N, ...spatial, K]. */
export type LogitsFn = (x: tf.Tensor) => tf.Tensor;

/**
 * What the estimators need to know about a network. The logits function must be
 * deterministic (inference mode: no dropout, no training-mode batch norm, whose
 * per-example gradients are ill-defined).
 */
export interface FisherModel {
  logits: LogitsFn;
  /** The weights θ the Fisher is taken with respect to (unique names). */
  variables: tf.Variable[];
  /** The coarsening that defines Z (e.g. lesionVsRest(K, lesionClass)). */
  groups: ClassGroups;
}

/** Which likelihood of the same network: multiclass labels Y or coarsened labels Z. */
export type Likelihood = 'y' | 'z';

/** A batch of input images, with observed class labels where an estimator needs them. */
export interface FisherBatch {
  x: tf.Tensor;
  /** Observed class indices [N, ...spatial] (flattened Int32Array or an int tensor); needed by empiricalFisher and gradientNoise. */
  labels?: Int32Array | tf.Tensor;
}

/** Where one variable sits in the flattened parameter vector. */
export interface ParameterBlock {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Trace of the diagonal block of one variable (one "layer"). */
export interface VariableTrace {
  name: string;
  shape: number[];
  size: number;
  trace: number;
  /** Monte-Carlo standard error of `trace` (Monte-Carlo estimates only). */
  stdError?: number;
}

/** A Fisher estimate under one likelihood. */
export interface FisherEstimate {
  kind: 'exact' | 'monte-carlo' | 'empirical';
  likelihood: Likelihood;
  /** Images averaged over. */
  numExamples: number;
  /** Label samples per image (1 for empirical, 0 for exact). */
  samplesPerExample: number;
  numParams: number;
  trace: number;
  /** Monte-Carlo standard error of `trace` (label sampling only; the images are fixed). */
  traceStdError?: number;
  perVariable: VariableTrace[];
  /** diag(F), flattened in `variables` order (when requested / for exact). */
  diagonal?: Float64Array;
  /** vᵀ F v for each requested direction. */
  directional?: number[];
  directionalStdError?: number[];
  /** Present on empirical estimates: they are not Fisher estimates. */
  warning?: string;
}

/** Called after each image with (images done, images in total). */
export type ProgressFn = (done: number, total: number) => void;

/** Options shared by the gradient-based estimators. */
export interface EstimatorOptions {
  /** Also return diag(F) (a float64 vector of all parameters). Default false. */
  diagonal?: boolean;
  /** Directions v (one tensor per variable, same shapes) for vᵀFv. */
  directions?: tf.Tensor[][];
  onProgress?: ProgressFn;
}

/** Lay out the variables as one flat parameter vector. */
export function parameterLayout(variables: tf.Variable[]): ParameterBlock[] {
  const seen = new Set<string>();
  let offset = 0;
  return variables.map((v) => {
    if (seen.has(v.name)) throw new Error(`parameterLayout: variable name '${v.name}' occurs twice; gradients are keyed by name`);
    seen.add(v.name);
    const block = { name: v.name, shape: v.shape.slice(), offset, size: v.size };
    offset += v.size;
    return block;
  });
}

/** The tf.Variables behind a tf.LayersModel's trainable weights. */
export function layersModelVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => {
    const v = w.read();
    if (!(v instanceof tf.Variable)) throw new Error(`layersModelVariables: weight '${w.name}' is not backed by a tf.Variable`);
    return v;
  });
}

interface LogitsInfo {
  voxels: number;
  classes: number;
}

function checkLogits(logits: tf.Tensor, groups: ClassGroups, fn: string): LogitsInfo {
  if (logits.rank < 2) throw new Error(`${fn}: logits must be [N, ...spatial, K], got shape [${logits.shape}]`);
  const K = logits.shape[logits.rank - 1];
  if (K !== groups.numClasses) throw new Error(`${fn}: logits have ${K} classes, class groups expect ${groups.numClasses}`);
  if (logits.shape[0] !== 1) throw new Error(`${fn}: expected logits of one image (batch 1), got batch ${logits.shape[0]}`);
  return { voxels: logits.size / K, classes: K };
}

/**
 * Σ_voxels log P(outcome | x): the outcome at each voxel is the set of classes
 * with mask 1 (one class for Y, a whole group for Z), so
 * log P = logsumexp(η over the set) − logsumexp(η). Masks are [1, ...spatial, K].
 */
export function setLogLikelihood(logits: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const flat = logits.reshape([-1, logits.shape[logits.rank - 1]]);
  const m = mask.reshape(flat.shape);
  const masked = tf.where(m.greater(0), flat, tf.fill(flat.shape, -1e30));
  return tf.sum(tf.sub(tf.logSumExp(masked, -1), tf.logSumExp(flat, -1)));
}

/** One-hot (Y) or group-indicator (Z) masks for per-voxel labels. */
export function outcomeMask(labels: ArrayLike<number>, K: number, groupOf: Int32Array | null): Float32Array {
  const V = labels.length;
  const mask = new Float32Array(V * K);
  for (let v = 0; v < V; v++) {
    const y = labels[v];
    if (groupOf === null) mask[v * K + y] = 1;
    else for (let k = 0; k < K; k++) if (groupOf[k] === groupOf[y]) mask[v * K + k] = 1;
  }
  return mask;
}

/** Each direction must hold one tensor per variable, of the variable's size. */
export function checkDirections(directions: tf.Tensor[][] | undefined, layout: ParameterBlock[]): void {
  (directions ?? []).forEach((dir, d) => {
    if (dir.length !== layout.length) throw new Error(`direction ${d}: expected ${layout.length} tensors (one per variable), got ${dir.length}`);
    dir.forEach((t, i) => {
      if (t.size !== layout[i].size) throw new Error(`direction ${d}, variable '${layout[i].name}': expected shape [${layout[i].shape}], got [${t.shape}]`);
    });
  });
}

/** Images in all batches together. */
export function countImages(batches: FisherBatch[]): number {
  return batches.reduce((s, b) => s + b.x.shape[0], 0);
}

/** Softmax probabilities of one image (batch 1), voxel-major, after checking its logits against the class groups. */
export async function imageProbabilities(model: FisherModel, x1: tf.Tensor, fn: string): Promise<{ probs: Float32Array; info: LogitsInfo }> {
  const p = tf.tidy(() => {
    const logits = model.logits(x1);
    checkLogits(logits, model.groups, fn);
    return tf.softmax(logits);
  });
  const probs = (await p.data()) as Float32Array;
  const info = { voxels: p.size / p.shape[p.rank - 1], classes: p.shape[p.rank - 1] };
  p.dispose();
  return { probs, info };
}

/** Image n of a batch, as a batch of one. */
export function sliceImage(x: tf.Tensor, n: number): tf.Tensor {
  const begin = x.shape.map((_, i) => (i === 0 ? n : 0));
  const size = x.shape.map((s, i) => (i === 0 ? 1 : s));
  return tf.slice(x, begin, size);
}

/** Time per image of the per-example loop against one batched gradient step. */
export interface PerExampleCost {
  backend: string;
  images: number;
  /** One gradient of the summed log-likelihood over the whole batch. */
  batchedMs: number;
  /** The loop of batch-1 gradients over the same images. */
  perExampleLoopMs: number;
  msPerExample: number;
  /** perExampleLoopMs / batchedMs. */
  ratio: number;
}

/**
 * Measure what per-example gradients cost: the loop over batch-1 slices (as
 * the estimators run it) against one batched gradient of the same summed loss,
 * both at labels sampled once from the model. Median of `repeats` runs after
 * one warm-up each.
 */
export async function measurePerExampleCost(model: FisherModel, batch: FisherBatch, repeats = 3): Promise<PerExampleCost> {
  const N = batch.x.shape[0];
  const K = model.groups.numClasses;
  const maskT = tf.tidy(() => {
    const logits = model.logits(batch.x);
    return tf.oneHot(tf.argMax(logits, -1), K).cast('float32');
  });
  const timeIt = async (fn: () => Promise<void>): Promise<number> => {
    await fn();
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      await fn();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  const step = async (x: tf.Tensor, mask: tf.Tensor): Promise<void> => {
    const norm = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const logits = model.logits(x);
        return setLogLikelihood(logits, mask.reshape(logits.shape));
      }, model.variables);
      return tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))));
    });
    await norm.data();
    norm.dispose();
  };
  try {
    const batchedMs = await timeIt(() => step(batch.x, maskT));
    const perExampleLoopMs = await timeIt(async () => {
      for (let n = 0; n < N; n++) {
        const x1 = tf.tidy(() => sliceImage(batch.x, n));
        const m1 = tf.tidy(() => sliceImage(maskT, n));
        try {
          await step(x1, m1);
        } finally {
          x1.dispose();
          m1.dispose();
        }
      }
    });
    return { backend: tf.getBackend(), images: N, batchedMs, perExampleLoopMs, msPerExample: perExampleLoopMs / N, ratio: perExampleLoopMs / batchedMs };
  } finally {
    maskT.dispose();
  }
}
