/**
 * Empirical "Fisher" of a network: squared gradients at the observed labels.
 * Not an estimate of the Fisher information; computed for contrast only.
 */
import * as tf from '@tensorflow/tfjs';
import { classToGroup } from './closed-form';
import { Accumulator, accumulateGradient } from './network-accumulator';
import {
  EstimatorOptions,
  FisherBatch,
  FisherEstimate,
  FisherModel,
  Likelihood,
  checkDirections,
  countImages,
  outcomeMask,
  parameterLayout,
  sliceImage,
} from './network';

async function labelsOf(batch: FisherBatch, fn: string): Promise<Int32Array> {
  if (!batch.labels) throw new Error(`${fn}: batch has no observed labels`);
  if (batch.labels instanceof Int32Array) return batch.labels;
  const data = await batch.labels.data();
  return Int32Array.from(data as ArrayLike<number>);
}

/**
 * Empirical "Fisher": squared gradients of Σ_voxels log p(observed label).
 * This is NOT an estimate of the Fisher information (Kunstner et al. 2019): it
 * uses the data's labels instead of the model's, and differs from F whenever
 * the model is not the data distribution. Reported for contrast only; the
 * result carries a `warning` saying so.
 * @param batches inputs with observed class labels [N, ...spatial] (class indices of the model's K classes)
 * @param opts likelihoods (default both; Z uses the coarsened observed labels), diagonal, directions, onProgress
 */
export async function empiricalFisher(
  model: FisherModel,
  batches: FisherBatch[],
  opts: EstimatorOptions & { likelihoods?: Likelihood[] } = {},
): Promise<Partial<Record<Likelihood, FisherEstimate>>> {
  const likelihoods = opts.likelihoods ?? ['y', 'z'];
  const layout = parameterLayout(model.variables);
  const directions = opts.directions ?? [];
  checkDirections(directions, layout);
  const groupOf = classToGroup(model.groups);
  const K = model.groups.numClasses;
  const accs = new Map<Likelihood, Accumulator>(likelihoods.map((l) => [l, new Accumulator(layout, directions.length, !!opts.diagonal)]));
  const total = countImages(batches);
  let done = 0;
  for (const [b, batch] of batches.entries()) {
    const labels = await labelsOf(batch, 'empiricalFisher');
    const N = batch.x.shape[0];
    if (labels.length % N !== 0) throw new Error(`empiricalFisher: batch ${b} has ${labels.length} labels for ${N} images`);
    const V = labels.length / N;
    for (let n = 0; n < N; n++) {
      const own = labels.subarray(n * V, (n + 1) * V);
      for (let v = 0; v < V; v++) {
        if (!(own[v] >= 0 && own[v] < K)) throw new Error(`empiricalFisher: batch ${b} image ${n} voxel ${v} has label ${own[v]}, expected 0..${K - 1}`);
      }
      const x1 = tf.tidy(() => sliceImage(batch.x, n));
      try {
        for (const [lik, acc] of accs) {
          await accumulateGradient(model, x1, outcomeMask(own, K, lik === 'y' ? null : groupOf), layout, directions, acc);
          acc.endImage();
        }
      } finally {
        x1.dispose();
      }
      opts.onProgress?.(++done, total);
    }
  }
  const out: Partial<Record<Likelihood, FisherEstimate>> = {};
  for (const [lik, acc] of accs) {
    out[lik] = {
      ...acc.result('empirical', lik, 1, false),
      warning: 'empirical Fisher (gradients at observed labels): not an estimate of the Fisher information',
    };
  }
  return out;
}

