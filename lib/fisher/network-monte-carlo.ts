/**
 * Monte-Carlo Fisher of a network: labels sampled per voxel from the model's own
 * softmax (seeded), an unbiased estimate of trace, diagonal, per-variable trace
 * and vᵀFv under both likelihoods from the same draws.
 */
import * as tf from '@tensorflow/tfjs';
import { classToGroup } from './closed-form';
import { Random } from '../core/random';
import { Accumulator, accumulateGradient } from './network-accumulator';
import {
  EstimatorOptions,
  FisherBatch,
  FisherEstimate,
  FisherModel,
  Likelihood,
  checkDirections,
  countImages,
  imageProbabilities,
  outcomeMask,
  parameterLayout,
  sliceImage,
} from './network';

/** Options of monteCarloFisher. */
export interface MonteCarloOptions extends EstimatorOptions {
  /** Label samples per image. Default 1. */
  samples?: number;
  /** Seed of the label sampler. Default 0. */
  seed?: number;
  /** Which likelihoods; both are computed from the same sampled Y (Z = group(Y)). Default ['y', 'z']. */
  likelihoods?: Likelihood[];
}

/**
 * Monte-Carlo Fisher: for each image, `samples` label maps Y are drawn per
 * voxel from the model's own softmax (seeded), Z = group(Y), and the squared
 * gradient of Σ_voxels log p(label) estimates the per-image Fisher without
 * bias (trace, per-variable trace, diagonal, vᵀFv). Both likelihoods use the
 * same draws, so their difference has less noise than either.
 * @example
 * const model = { logits: (x) => net.apply(x) as tf.Tensor, variables: layersModelVariables(net), groups: lesionVsRest(5, 4) };
 * const { y, z } = await monteCarloFisher(model, [{ x }], { samples: 4, seed: 1 });
 * console.log(y!.trace, '±', y!.traceStdError, 'vs', z!.trace);
 * @param model the network (logits function, variables, class groups)
 * @param batches input batches [N, ...]; labels are not used
 * @param opts samples (default 1), seed (default 0), likelihoods (default both), diagonal, directions, onProgress
 * @returns one estimate per requested likelihood, keyed 'y' / 'z'
 */
export async function monteCarloFisher(
  model: FisherModel,
  batches: FisherBatch[],
  opts: MonteCarloOptions = {},
): Promise<Partial<Record<Likelihood, FisherEstimate>>> {
  const samples = opts.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`monteCarloFisher: samples must be a positive integer, got ${samples}`);
  const likelihoods = opts.likelihoods ?? ['y', 'z'];
  const layout = parameterLayout(model.variables);
  const directions = opts.directions ?? [];
  checkDirections(directions, layout);
  const groupOf = classToGroup(model.groups);
  const rng = new Random(opts.seed ?? 0);
  const accs = new Map<Likelihood, Accumulator>(likelihoods.map((l) => [l, new Accumulator(layout, directions.length, !!opts.diagonal)]));
  const total = countImages(batches);
  let done = 0;
  for (const batch of batches) {
    for (let n = 0; n < batch.x.shape[0]; n++) {
      const x1 = tf.tidy(() => sliceImage(batch.x, n));
      try {
        const { probs, info } = await imageProbabilities(model, x1, 'monteCarloFisher');
        const K = info.classes;
        const labels = new Int32Array(info.voxels);
        for (let s = 0; s < samples; s++) {
          for (let v = 0; v < info.voxels; v++) labels[v] = rng.categorical(probs, v * K, K);
          for (const [lik, acc] of accs) {
            await accumulateGradient(model, x1, outcomeMask(labels, K, lik === 'y' ? null : groupOf), layout, directions, acc);
          }
        }
      } finally {
        x1.dispose();
      }
      for (const acc of accs.values()) acc.endImage();
      opts.onProgress?.(++done, total);
    }
  }
  const out: Partial<Record<Likelihood, FisherEstimate>> = {};
  for (const [lik, acc] of accs) out[lik] = acc.result('monte-carlo', lik, samples, true);
  return out;
}

