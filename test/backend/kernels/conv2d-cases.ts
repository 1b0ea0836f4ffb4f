/**
 * The conv2d / conv2dTranspose cases the Conv2DBackpropFilter and Conv2DBackpropInput
 * tests share (strides 1/2, 'same'/'valid', odd sizes, even kernels whose 'same' padding
 * is asymmetric), and their seeded inputs with the float64 references.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2dTransposeReference, ConvReference, convAxis, convNdReference, PadMode, RefTensor } from '../../../lib/backend/reference';
import { seededPair } from '../helpers';

export interface ConvCase {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: [number, number];
  s: [number, number];
  pad: PadMode;
}

export const CONV_CASES: ConvCase[] = [];
for (const pad of ['same', 'valid'] as PadMode[]) {
  for (const s of [1, 2]) {
    CONV_CASES.push({ n: 2, h: 7, w: 9, cin: 3, cout: 4, k: [3, 3], s: [s, s], pad });
    CONV_CASES.push({ n: 3, h: 8, w: 6, cin: 2, cout: 5, k: [2, 2], s: [s, s], pad }); // even kernel: asymmetric 'same'
    CONV_CASES.push({ n: 1, h: 9, w: 5, cin: 4, cout: 3, k: [1, 3], s: [s, 1], pad });
  }
}
CONV_CASES.push({ n: 2, h: 5, w: 5, cin: 1, cout: 2, k: [5, 5], s: [2, 2], pad: 'valid' });
CONV_CASES.push({ n: 2, h: 11, w: 10, cin: 3, cout: 3, k: [3, 3], s: [2, 2], pad: 'same' });

export const convLabel = (c: ConvCase) => `N${c.n} ${c.h}x${c.w}x${c.cin}->${c.cout} k${c.k.join('x')} s${c.s.join('x')} ${c.pad}`;

/** Seeded tensors of one case, and the float64 reference of the op on them. */
export interface ConvProblem {
  x: tf.Tensor4D;
  f: tf.Tensor4D;
  dy: tf.Tensor;
  ref: ConvReference;
  /** The op on (input, filter), for tf.grad. */
  op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  dispose(): void;
}

function problem(x: { t: tf.Tensor; ref: RefTensor }, f: { t: tf.Tensor; ref: RefTensor }, dy: { t: tf.Tensor }, ref: ConvReference, op: ConvProblem['op']): ConvProblem {
  return { x: x.t as tf.Tensor4D, f: f.t as tf.Tensor4D, dy: dy.t, ref, op, dispose: () => tf.dispose([x.t, f.t, dy.t]) };
}

/** tf.conv2d on x [n,h,w,cin] with filter [kh,kw,cin,cout]. */
export function conv2dProblem(c: ConvCase, seed: number): ConvProblem {
  const x = seededPair([c.n, c.h, c.w, c.cin], seed);
  const f = seededPair([c.k[0], c.k[1], c.cin, c.cout], seed + 1);
  const oh = convAxis(c.h, c.k[0], c.s[0], c.pad).out;
  const ow = convAxis(c.w, c.k[1], c.s[1], c.pad).out;
  const dy = seededPair([c.n, oh, ow, c.cout], seed + 2);
  const ref = convNdReference(x.ref, f.ref, c.s, c.pad, dy.ref);
  return problem(x, f, dy, ref, (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad));
}

/** tf.conv2dTranspose mapping the conv's output grid [n,oh,ow,cout] back to [n,h,w,cin]. */
export function conv2dTransposeProblem(c: ConvCase, seed: number): ConvProblem {
  const oh = convAxis(c.h, c.k[0], c.s[0], c.pad).out;
  const ow = convAxis(c.w, c.k[1], c.s[1], c.pad).out;
  const x = seededPair([c.n, oh, ow, c.cout], seed);
  const f = seededPair([c.k[0], c.k[1], c.cin, c.cout], seed + 1);
  const outShape: [number, number, number, number] = [c.n, c.h, c.w, c.cin];
  const dy = seededPair(outShape, seed + 2);
  const ref = conv2dTransposeReference(x.ref, f.ref, outShape, c.s, c.pad, dy.ref);
  return problem(x, f, dy, ref, (a, b) => tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, c.s, c.pad));
}

/** Gradient of sum(op(x, f) * dy) with respect to the input (which 0) or the filter (1). */
export function convGrad(p: ConvProblem, which: 0 | 1): Float32Array {
  const g =
    which === 0
      ? tf.grad((a: tf.Tensor) => tf.sum(tf.mul(p.op(a, p.f), p.dy)))(p.x)
      : tf.grad((b: tf.Tensor) => tf.sum(tf.mul(p.op(p.x, b), p.dy)))(p.f);
  const v = g.dataSync() as Float32Array;
  g.dispose();
  return v;
}

/** Forward value of the op. */
export function convForward(p: ConvProblem): Float32Array {
  const y = p.op(p.x, p.f);
  const v = y.dataSync() as Float32Array;
  y.dispose();
  return v;
}
