/**
 * Exact (expected) Fisher of a network as a dense P×P float64 matrix under both
 * likelihoods, from the per-voxel Jacobian of the logits and the closed-form
 * Fisher at the logits: the reference the estimators are checked against, for tiny models.
 */
import * as tf from '@tensorflow/tfjs';
import { fisherY, fisherZ } from './closed-form';
import {
  FisherBatch,
  FisherEstimate,
  FisherModel,
  Likelihood,
  ParameterBlock,
  ProgressFn,
  checkDirections,
  countImages,
  imageProbabilities,
  parameterLayout,
  sliceImage,
} from './network';

/** The exact Fisher: a dense P×P matrix besides the summaries. */
export interface ExactFisher extends FisherEstimate {
  kind: 'exact';
  /** Row-major P×P, float64. */
  matrix: Float64Array;
}

/**
 * Jacobian of the K logits at voxel v w.r.t. all parameters, one backward pass
 * per logit, written row-major (K×P) into `jac`.
 */
async function voxelJacobian(model: FisherModel, x1: tf.Tensor, v: number, K: number, layout: ParameterBlock[], jac: Float64Array): Promise<void> {
  const P = jac.length / K;
  for (let k = 0; k < K; k++) {
    const grads = tf.tidy(() => {
      const { grads: named } = tf.variableGrads(() => {
        const flat = model.logits(x1).reshape([-1]);
        return flat.slice([v * K + k], [1]).sum() as tf.Scalar;
      }, model.variables);
      return tf.concat(layout.map((b) => {
        const g = named[b.name];
        if (!g) throw new Error(`exactFisher: no gradient for variable '${b.name}'`);
        return g.reshape([-1]);
      }));
    });
    jac.set(await grads.data(), k * P);
    grads.dispose();
  }
}

/** F += Jᵀ I_v J for one voxel: `info` holds the K×K blocks of all voxels, `ij` is K×P scratch. */
function addJacobianSandwich(m: Float64Array, info: Float64Array, v: number, K: number, P: number, jac: Float64Array, ij: Float64Array): void {
  // ij = I_v J (K×P); F += Jᵀ ij
  const o = v * K * K;
  ij.fill(0);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) {
    const w = info[o + a * K + b];
    if (w === 0) continue;
    for (let c = 0; c < P; c++) ij[a * P + c] += w * jac[b * P + c];
  }
  for (let a = 0; a < K; a++) {
    for (let r = 0; r < P; r++) {
      const jr = jac[a * P + r];
      if (jr === 0) continue;
      const row = r * P;
      for (let c = 0; c < P; c++) m[row + c] += jr * ij[a * P + c];
    }
  }
}

/** Each direction (one tensor per variable) as one flat float64 vector in parameter order. */
async function flattenDirections(directions: tf.Tensor[][] | undefined, layout: ParameterBlock[], P: number): Promise<Float64Array[]> {
  let dirVecs: Float64Array[] = [];
  if (directions && directions.length > 0) {
    dirVecs = await Promise.all(directions.map(async (dir) => {
      const flat = new Float64Array(P);
      for (let i = 0; i < dir.length; i++) flat.set(await dir[i].data(), layout[i].offset);
      return flat;
    }));
  }
  return dirVecs;
}

/** Average the summed matrix over the images (in place) and derive diagonal, traces and vᵀFv. */
function summariseExact(lik: Likelihood, m: Float64Array, total: number, layout: ParameterBlock[], dirVecs: Float64Array[]): ExactFisher {
  const P = layout.reduce((s, b) => s + b.size, 0);
  for (let i = 0; i < P * P; i++) m[i] /= total;
  const diagonal = new Float64Array(P);
  for (let i = 0; i < P; i++) diagonal[i] = m[i * P + i];
  const perVariable = layout.map((b) => ({
    name: b.name,
    shape: b.shape,
    size: b.size,
    trace: diagonal.subarray(b.offset, b.offset + b.size).reduce((s, d) => s + d, 0),
  }));
  const est: ExactFisher = {
    kind: 'exact',
    likelihood: lik,
    numExamples: total,
    samplesPerExample: 0,
    numParams: P,
    trace: diagonal.reduce((s, d) => s + d, 0),
    perVariable,
    diagonal,
    matrix: m,
  };
  if (dirVecs.length > 0) {
    est.directional = dirVecs.map((d) => {
      let s = 0;
      for (let i = 0; i < P; i++) {
        let r = 0;
        for (let j = 0; j < P; j++) r += m[i * P + j] * d[j];
        s += d[i] * r;
      }
      return s;
    });
  }
  return est;
}

/**
 * Exact (expected) Fisher as a dense P×P float64 matrix under both
 * likelihoods: per image and voxel, the Jacobian J of the K logits w.r.t. all
 * parameters (K backward passes per voxel) and F += Jᵀ I J with I = I_Y or I_Z
 * from the closed form. Cost N·V·K backward passes and P² memory: a reference
 * for tiny models only.
 * @param opts directions (vᵀFv), onProgress, maxParams (refuse larger models; default 4096)
 */
export async function exactFisher(
  model: FisherModel,
  batches: FisherBatch[],
  opts: { directions?: tf.Tensor[][]; onProgress?: ProgressFn; maxParams?: number } = {},
): Promise<Record<Likelihood, ExactFisher>> {
  const layout = parameterLayout(model.variables);
  const P = layout.reduce((s, b) => s + b.size, 0);
  const maxParams = opts.maxParams ?? 4096;
  if (P > maxParams) throw new Error(`exactFisher: ${P} parameters exceed maxParams=${maxParams}; use monteCarloFisher`);
  checkDirections(opts.directions, layout);
  const K = model.groups.numClasses;
  const mats = { y: new Float64Array(P * P), z: new Float64Array(P * P) };
  const total = countImages(batches);
  let done = 0;
  const jac = new Float64Array(K * P);
  const ij = new Float64Array(K * P);
  for (const batch of batches) {
    for (let n = 0; n < batch.x.shape[0]; n++) {
      const x1 = tf.tidy(() => sliceImage(batch.x, n));
      try {
        const { probs, info } = await imageProbabilities(model, x1, 'exactFisher');
        const iy = fisherY(probs, K);
        const iz = fisherZ(probs, model.groups);
        for (let v = 0; v < info.voxels; v++) {
          await voxelJacobian(model, x1, v, K, layout, jac);
          for (const [key, info2] of [['y', iy], ['z', iz]] as const) addJacobianSandwich(mats[key], info2, v, K, P, jac, ij);
        }
      } finally {
        x1.dispose();
      }
      opts.onProgress?.(++done, total);
    }
  }
  const dirVecs = await flattenDirections(opts.directions, layout, P);
  return { y: summariseExact('y', mats.y, total, layout, dirVecs), z: summariseExact('z', mats.z, total, layout, dirVecs) };
}
