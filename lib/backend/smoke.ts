/**
 * The gradient smoke test every backend candidate must pass before it is used: a tiny
 * strided conv2d followed by a dense layer, whose gradients (input, conv filter, dense
 * weights) are compared with the float64 reference in ./reference. It catches a missing
 * or wrong Conv2DBackpropFilter / Conv2DBackpropInput / MatMul gradient in well under a
 * second. Reads results with `await data()` so that it also works on WebGPU.
 */
import * as tf from '@tensorflow/tfjs';
import { convNdReference, refTensor, relativeError, seededValues } from './reference';

/** Outcome of smokeTestGradients(). */
export interface SmokeResult {
  ok: boolean;
  /** Largest relative error over the forward value and the three gradients. */
  maxRelativeError: number;
  /** Which quantity failed and by how much, or a thrown error's message. */
  detail: string;
  elapsedMs: number;
}

/**
 * Run the smoke test on the current tfjs backend.
 * @param tolerance largest accepted relative error (default 1e-4: float32 on any device).
 */
export async function smokeTestGradients(tolerance = 1e-4): Promise<SmokeResult> {
  const t0 = Date.now();
  const xShape = [2, 6, 5, 3];
  const fShape = [3, 3, 3, 4];
  const strides = [2, 2];
  const xv = seededValues(2 * 6 * 5 * 3, 11);
  const fv = seededValues(3 * 3 * 3 * 4, 12);
  // conv output [2,3,3,4] flattened to 36 features per example, dense to 5 outputs
  const features = 3 * 3 * 4;
  const wv = seededValues(features * 5, 13);
  const rv = seededValues(2 * 5, 14);
  const owned: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    owned.push(t);
    return t;
  };
  try {
    const x = keep(tf.tensor4d(Float32Array.from(xv), xShape as [number, number, number, number]));
    const f = keep(tf.tensor4d(Float32Array.from(fv), fShape as [number, number, number, number]));
    const w = keep(tf.tensor2d(Float32Array.from(wv), [features, 5]));
    const r = keep(tf.tensor2d(Float32Array.from(rv), [2, 5]));
    const lossOf = (xa: tf.Tensor, fa: tf.Tensor, wa: tf.Tensor): tf.Scalar => {
      const y = tf.conv2d(xa as tf.Tensor4D, fa as tf.Tensor4D, strides as [number, number], 'same');
      return tf.sum(tf.mul(tf.matMul(tf.reshape(y, [2, features]), wa as tf.Tensor2D), r));
    };
    const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => lossOf(a, b, c))([x, f, w]);
    keep(value);
    const [gx, gf, gw] = grads;
    keep(gx);
    keep(gf);
    keep(gw);
    // float64 reference: dense gradient back through the conv
    const conv = convNdReference(refTensor(xShape, xv), refTensor(fShape, fv), strides, 'same');
    const dConv = new Float64Array(2 * features);
    const dW = new Float64Array(features * 5);
    let loss = 0;
    for (let b = 0; b < 2; b++) {
      for (let o = 0; o < 5; o++) {
        let s = 0;
        for (let k = 0; k < features; k++) {
          s += conv.y.data[b * features + k] * wv[k * 5 + o];
          dConv[b * features + k] += rv[b * 5 + o] * wv[k * 5 + o];
          dW[k * 5 + o] += conv.y.data[b * features + k] * rv[b * 5 + o];
        }
        loss += s * rv[b * 5 + o];
      }
    }
    const ref = convNdReference(refTensor(xShape, xv), refTensor(fShape, fv), strides, 'same', refTensor(conv.y.shape, dConv));
    const checks: Array<[string, number]> = [
      ['loss', relativeError(await value.data(), [loss])],
      ['dInput', relativeError(await gx.data(), ref.dx.data)],
      ['dConvFilter', relativeError(await gf.data(), ref.dFilter.data)],
      ['dDenseWeights', relativeError(await gw.data(), dW)],
    ];
    let worst = checks[0];
    for (const c of checks) if (!(c[1] <= worst[1])) worst = c;
    const ok = checks.every((c) => c[1] <= tolerance);
    return {
      ok,
      maxRelativeError: worst[1],
      detail: ok ? `max rel err ${worst[1].toExponential(1)}` : `${worst[0]} rel err ${worst[1]} > ${tolerance}`,
      elapsedMs: Date.now() - t0,
    };
  } catch (e) {
    return { ok: false, maxRelativeError: Number.NaN, detail: `threw: ${(e as Error).message.split('\n')[0]}`, elapsedMs: Date.now() - t0 };
  } finally {
    for (const t of owned) t.dispose();
  }
}
