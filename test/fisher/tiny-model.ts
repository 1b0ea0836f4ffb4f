/**
 * A tiny per-voxel network for validating the Fisher estimators: inputs
 * [N, V, C] ("V voxels with C features"), one tanh hidden layer of H units
 * (a 1×1 convolution in effect), K-class softmax logits [N, V, K]. Alongside
 * the tfjs model, a float64 JS reference of the logits and their Jacobian.
 */
import * as tf from '@tensorflow/tfjs';
import { FisherModel, LogitsFn } from '../../lib/fisher/network';
import { lesionVsRest } from '../../lib/fisher/closed-form';
import { Random } from '../../lib/core/random';

export interface TinyNet {
  model: FisherModel;
  C: number;
  H: number;
  K: number;
  /** Parameter values, flattened in variable order W1 [C,H], b1 [H], W2 [H,K], b2 [K]. */
  theta: () => Float64Array;
  dispose: () => void;
}

export function makeTinyNet(seed: number, C = 3, H = 4, K = 4, lesionClass = K - 1): TinyNet {
  const rng = new Random(seed);
  const init = (shape: number[], scale: number): tf.Variable =>
    tf.variable(tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()), shape, 'float32'), true, `tiny_${seed}_${shape.join('x')}_${rng.nextUint32()}`);
  const W1 = init([C, H], 0.9);
  const b1 = init([H], 0.3);
  const W2 = init([H, K], 1.2);
  const b2 = init([K], 0.5);
  const variables = [W1, b1, W2, b2];
  const logits: LogitsFn = (x) => {
    const [N, V] = x.shape;
    const flat = x.reshape([N * V, C]);
    const h = tf.tanh(tf.add(tf.matMul(flat, W1), b1));
    return tf.add(tf.matMul(h, W2), b2).reshape([N, V, K]);
  };
  return {
    model: { logits, variables, groups: lesionVsRest(K, lesionClass) },
    C,
    H,
    K,
    theta: () => Float64Array.from(variables.flatMap((v) => Array.from(v.dataSync()))),
    dispose: () => variables.forEach((v) => v.dispose()),
  };
}

/** Float64 logits [K] and Jacobian [K, P] of one voxel with features x, at flat parameters theta. */
export function referenceJacobian(theta: Float64Array, x: ArrayLike<number>, C: number, H: number, K: number): { eta: Float64Array; jac: Float64Array } {
  const P = C * H + H + H * K + K;
  const oW1 = 0;
  const ob1 = C * H;
  const oW2 = ob1 + H;
  const ob2 = oW2 + H * K;
  const h = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let a = theta[ob1 + j];
    for (let c = 0; c < C; c++) a += x[c] * theta[oW1 + c * H + j];
    h[j] = Math.tanh(a);
  }
  const eta = new Float64Array(K);
  const jac = new Float64Array(K * P);
  for (let k = 0; k < K; k++) {
    let e = theta[ob2 + k];
    for (let j = 0; j < H; j++) e += h[j] * theta[oW2 + j * K + k];
    eta[k] = e;
    const row = k * P;
    for (let j = 0; j < H; j++) {
      const back = theta[oW2 + j * K + k] * (1 - h[j] * h[j]);
      for (let c = 0; c < C; c++) jac[row + oW1 + c * H + j] = back * x[c];
      jac[row + ob1 + j] = back;
      jac[row + oW2 + j * K + k] = h[j];
    }
    jac[row + ob2 + k] = 1;
  }
  return { eta, jac };
}
