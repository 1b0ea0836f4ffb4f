/**
 * Gradient-noise statistics for the optimisation-stability experiment: how
 * much minibatch gradients of the training loss scatter around their mean,
 * per variable ("layer"), for a network trained in binary or BackSplit mode.
 *
 * The loss is the mean negative log-likelihood over all voxels of a minibatch
 * (what training minimises), under the multiclass labels Y or the coarsened
 * labels Z of the same network. Gradients are read back and folded into a
 * float64 Welford accumulator, so memory is O(parameters), not O(batches).
 */
import * as tf from '@tensorflow/tfjs';
import { classToGroup } from './closed-form';
import { FisherBatch, FisherModel, Likelihood, parameterLayout, ProgressFn } from './network';

/** Scatter of one variable's minibatch gradients. */
export interface GradientNoiseEntry {
  name: string;
  shape: number[];
  size: number;
  /** ‖mean gradient‖². */
  meanGradSqNorm: number;
  /** trace of the covariance of the minibatch gradients: mean ‖g_b − ḡ‖² with the unbiased 1/(B−1). */
  varianceTrace: number;
  /** varianceTrace / meanGradSqNorm (Infinity when the mean gradient is 0). */
  noiseToSignal: number;
}

export interface GradientNoiseStats {
  likelihood: Likelihood;
  numBatches: number;
  perVariable: GradientNoiseEntry[];
  total: { meanGradSqNorm: number; varianceTrace: number; noiseToSignal: number };
}

async function labelArray(batch: FisherBatch, b: number): Promise<Int32Array> {
  if (!batch.labels) throw new Error(`gradientNoise: minibatch ${b} has no labels`);
  if (batch.labels instanceof Int32Array) return batch.labels;
  return Int32Array.from((await batch.labels.data()) as ArrayLike<number>);
}

/**
 * Variance of minibatch gradients around their mean, per variable.
 * @param model the network (logits function, variables, class groups)
 * @param minibatches at least two batches, each with observed class labels [N, ...spatial]
 * @param opts likelihood: 'y' (multiclass labels, default) or 'z' (coarsened); onProgress per minibatch
 */
export async function gradientNoise(
  model: FisherModel,
  minibatches: FisherBatch[],
  opts: { likelihood?: Likelihood; onProgress?: ProgressFn } = {},
): Promise<GradientNoiseStats> {
  const likelihood = opts.likelihood ?? 'y';
  if (minibatches.length < 2) throw new Error(`gradientNoise: need at least 2 minibatches, got ${minibatches.length}`);
  const layout = parameterLayout(model.variables);
  const P = layout.reduce((s, b) => s + b.size, 0);
  const K = model.groups.numClasses;
  const groupOf = classToGroup(model.groups);
  const mean = new Float64Array(P);
  const m2 = new Float64Array(P);
  let count = 0;
  for (const [b, batch] of minibatches.entries()) {
    const labels = await labelArray(batch, b);
    const mask = new Float32Array(labels.length * K);
    labels.forEach((y, v) => {
      if (!(y >= 0 && y < K)) throw new Error(`gradientNoise: minibatch ${b} voxel ${v} has label ${y}, expected 0..${K - 1}`);
      if (likelihood === 'y') mask[v * K + y] = 1;
      else for (let k = 0; k < K; k++) if (groupOf[k] === groupOf[y]) mask[v * K + k] = 1;
    });
    const flat = tf.tidy(() => {
      const maskT = tf.tensor2d(mask, [labels.length, K]);
      const { grads } = tf.variableGrads(() => {
        const logits = model.logits(batch.x);
        const l2 = logits.reshape([-1, K]);
        if (l2.shape[0] !== labels.length) throw new Error(`gradientNoise: minibatch ${b} has ${labels.length} labels for ${l2.shape[0]} voxels`);
        const masked = tf.where(maskT.greater(0), l2, tf.fill(l2.shape, -1e30));
        return tf.neg(tf.mean(tf.sub(tf.logSumExp(masked, -1), tf.logSumExp(l2, -1)))) as tf.Scalar;
      }, model.variables);
      return tf.concat(layout.map((blk) => {
        const g = grads[blk.name];
        if (!g) throw new Error(`gradientNoise: no gradient for variable '${blk.name}'`);
        return g.reshape([-1]);
      }));
    });
    const g = await flat.data();
    flat.dispose();
    count++;
    for (let i = 0; i < P; i++) {
      const d = g[i] - mean[i];
      mean[i] += d / count;
      m2[i] += d * (g[i] - mean[i]);
    }
    opts.onProgress?.(b + 1, minibatches.length);
  }
  const perVariable = layout.map((blk) => {
    let sig = 0;
    let noise = 0;
    for (let i = blk.offset; i < blk.offset + blk.size; i++) {
      sig += mean[i] * mean[i];
      noise += m2[i] / (count - 1);
    }
    return { name: blk.name, shape: blk.shape, size: blk.size, meanGradSqNorm: sig, varianceTrace: noise, noiseToSignal: sig > 0 ? noise / sig : Infinity };
  });
  const sig = perVariable.reduce((s, v) => s + v.meanGradSqNorm, 0);
  const noise = perVariable.reduce((s, v) => s + v.varianceTrace, 0);
  return { likelihood, numBatches: count, perVariable, total: { meanGradSqNorm: sig, varianceTrace: noise, noiseToSignal: sig > 0 ? noise / sig : Infinity } };
}
