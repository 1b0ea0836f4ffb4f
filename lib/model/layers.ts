/**
 * Building blocks of the networks, as plain functions over a ParamStore:
 * convolution (2D/3D), instance/group normalisation, leaky ReLU, pointwise
 * (1x1) projections and a learned 2x upsampling.
 *
 * Design choices that keep gradients correct on every tfjs backend (see
 * FIELD-NOTES.md):
 * - upsampling is a transposed convolution with kernel 2 and stride 2 written
 *   as a pointwise matMul to 2^d·C channels followed by a depth-to-space
 *   reshuffle (reshape + rank-5 transpose). It is exactly a k2/s2 transposed
 *   convolution, needs no conv3dTranspose (which has no gradient) and no
 *   nearest-resize gradient (wrong on cpu for batch > 1);
 * - normalisation works on [N, S, C] views, residual sums and activations on
 *   flat views, so that no broadcasting or 'where' op sees a rank-5 tensor
 *   (both fail on WebGPU);
 * - 3D convolution goes through `conv3d` below (lib/backend's conv3dSafe,
 *   depth-sliced conv2d on wasm whose 3D backprop kernels are wrong).
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from './params';
import { NormKind, effectiveGroups } from './norm';
import { conv3dSafe } from '../backend/gradient-safe-ops';

/** Spatial shape of a channels-last tensor (drops N and C). */
export function spatialShape(x: tf.Tensor): number[] {
  return x.shape.slice(1, x.rank - 1);
}

/** Channels of a channels-last tensor. */
export function channelsOf(x: tf.Tensor): number {
  return x.shape[x.rank - 1];
}

/**
 * 3D convolution, channels last, 'same' padding: lib/backend's conv3dSafe, which uses
 * depth-sliced conv2d on wasm (whose 3D backprop kernels are wrong) and tf.conv3d elsewhere.
 */
export function conv3d(x: tf.Tensor5D, kernel: tf.Tensor5D, stride: number): tf.Tensor5D {
  return conv3dSafe(x, kernel, stride, 'same');
}

/**
 * k×k(×k) convolution with bias, 'same' padding.
 * Variables: `${name}/kernel` [k,k,(k,)cin,cout], `${name}/bias` [cout].
 */
export function conv(p: ParamStore, name: string, x: tf.Tensor, outChannels: number, kernelSize = 3, stride = 1, bias = true): tf.Tensor {
  const dims = x.rank - 2;
  const cin = channelsOf(x);
  const kshape = [...new Array(dims).fill(kernelSize), cin, outChannels];
  const kernel = p.get(`${name}/kernel`, kshape, { kind: 'he', fanIn: cin * kernelSize ** dims });
  let y: tf.Tensor;
  if (dims === 2) y = tf.conv2d(x as tf.Tensor4D, kernel as unknown as tf.Tensor4D, stride, 'same');
  else if (dims === 3) y = conv3d(x as tf.Tensor5D, kernel as unknown as tf.Tensor5D, stride);
  else throw new Error(`conv '${name}': expected a rank-4 or rank-5 input, got rank ${x.rank}`);
  if (!bias) return y;
  const b = p.get(`${name}/bias`, [outChannels], { kind: 'constant', value: 0 });
  return addChannelVector(y, b);
}

/** x + v where v has one value per channel, computed on a rank-2 view. */
function addChannelVector(x: tf.Tensor, v: tf.Tensor): tf.Tensor {
  const c = channelsOf(x);
  return tf.add(tf.reshape(x, [-1, c]), v).reshape(x.shape);
}

/**
 * Pointwise (1×1) projection as a matMul on a [voxels, C] view.
 * Variables: `${name}/kernel` [cin, cout], `${name}/bias` [cout].
 */
export function pointwise(p: ParamStore, name: string, x: tf.Tensor, outChannels: number, bias = true): tf.Tensor {
  const cin = channelsOf(x);
  const w = p.get(`${name}/kernel`, [cin, outChannels], { kind: 'he', fanIn: cin });
  let y = tf.matMul(tf.reshape(x, [-1, cin]) as tf.Tensor2D, w as unknown as tf.Tensor2D) as tf.Tensor;
  if (bias) y = tf.add(y, p.get(`${name}/bias`, [outChannels], { kind: 'constant', value: 0 }));
  return y.reshape([...x.shape.slice(0, x.rank - 1), outChannels]);
}

/**
 * Instance or group normalisation with a per-channel affine (`${name}/gamma`, `${name}/beta`).
 * Statistics are per example (never across the batch), so per-example gradients stay defined.
 */
export function normalise(p: ParamStore, name: string, x: tf.Tensor, kind: NormKind, groups: number, epsilon = 1e-5): tf.Tensor {
  if (kind === 'none') return x;
  const c = channelsOf(x);
  const n = x.shape[0];
  const s = spatialShape(x).reduce((a, b) => a * b, 1);
  const g = kind === 'instance' ? c : effectiveGroups(c, groups);
  const gamma = p.get(`${name}/gamma`, [c], { kind: 'constant', value: 1 });
  const beta = p.get(`${name}/beta`, [c], { kind: 'constant', value: 0 });
  return groupNormCore(tf.reshape(x, [n, s, c]) as tf.Tensor3D, gamma, beta, g, epsilon).reshape(x.shape);
}

/**
 * The mean over voxels of t [n, s, c] as [n, 1, c], by average pooling over a window of all s
 * voxels: on wasm XNNPACK's pooling, 3–7× faster than the batched matMul with a row of 1/s
 * (e.g. 0.24 against 1.61 ms for 32×4096×16, one thread), with float32 rounding of the same
 * order (tested against a float64 reference). Used inside the hand-written forward and backward
 * of {@link groupNormCore}. Its gradient is taken only when a gradient is differentiated again (the
 * exact Fisher-vector products of lib/fisher differentiate the backward pass): tfjs's AvgPoolGrad
 * with a window of all s voxels costs O(s²) per channel (19 s of a 20 s product for a 16/32/64
 * U-Net on four 64×64 patches), so the gradient is given here in closed form: dy / s at every voxel.
 */
function pooledVoxelMean(n: number, s: number, c: number): (t: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const t = args[0] as tf.Tensor;
    return {
      value: tf.reshape(tf.avgPool(tf.reshape(t, [n, s, 1, c]) as tf.Tensor4D, [s, 1], 1, 'valid'), [n, 1, c]),
      gradFunc: (dy: tf.Tensor) => tf.broadcastTo(tf.div(dy, s), [n, s, c]),
    };
  }) as (t: tf.Tensor) => tf.Tensor;
}

/**
 * Group normalisation of x [N, S, C] with G groups (G = C: instance norm), with a
 * hand-written gradient. Written for speed on cpu/wasm, where it is ~2x faster
 * than the autodiff of the textbook formula: every mean over voxels is an average
 * pooling over all voxels on wasm and a batched matMul ([N,1,S]·[N,S,C]) elsewhere,
 * instead of a reduction over a non-innermost axis (which tfjs does with a transpose), the variance is E[x²] − E[x]², normalisation plus
 * affine is one multiply-add with [N,1,C] factors, and the backward pass is the
 * closed form dx = rstd·(γ·dy − mean_G(γ·dy) − x̂·mean_G(γ·dy·x̂)).
 */
export function groupNormCore(x: tf.Tensor3D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, epsilon = 1e-5): tf.Tensor3D {
  const [n, s, c] = x.shape;
  const g = groups;
  // mean over the channels of each group, broadcast back to every channel: [n,1,c] → [n,1,c]
  const groupAvg = (t: tf.Tensor) =>
    g === c ? t : tf.reshape(tf.tile(tf.mean(tf.reshape(t, [n, g, c / g]), 2, true), [1, 1, c / g]), [n, 1, c]);
  const voxelMean = tf.getBackend() === 'wasm' ? pooledVoxelMean(n, s, c) : (t: tf.Tensor) => tf.matMul(tf.fill([n, 1, s], 1 / s) as tf.Tensor3D, t as tf.Tensor3D);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, gm, bt] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const mean = groupAvg(voxelMean(xIn));
    const meanSq = groupAvg(voxelMean(tf.square(xIn)));
    const rstd = tf.rsqrt(tf.add(tf.relu(tf.sub(meanSq, tf.square(mean))), epsilon)); // [n,1,c]
    const scale = tf.mul(rstd, gm);
    const shift = tf.sub(bt, tf.mul(mean, scale));
    save([xIn, mean, rstd, gm]);
    return {
      value: tf.add(tf.mul(xIn, scale), shift),
      gradFunc: (d: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, r, gmm] = saved;
        const xhat = tf.add(tf.mul(xs, r), tf.neg(tf.mul(mu, r))); // [n,s,c]
        const mDy = voxelMean(d); // [n,1,c]
        const mDyXhat = voxelMean(tf.mul(d, xhat));
        const dGamma = tf.mul(tf.sum(mDyXhat, [0, 1]), s);
        const dBeta = tf.mul(tf.sum(mDy, [0, 1]), s);
        const a = groupAvg(tf.mul(mDy, gmm));
        const b = groupAvg(tf.mul(mDyXhat, gmm));
        const dx = tf.add(tf.add(tf.mul(d, tf.mul(r, gmm)), tf.mul(xhat, tf.neg(tf.mul(r, b)))), tf.neg(tf.mul(r, a)));
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor3D;
}

/**
 * Element-wise sum of two tensors of the same shape, computed on flat views (WebGPU's
 * binary-op shaders cannot index rank-5 tensors).
 */
export function addSameShape(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`addSameShape: shapes [${a.shape}] and [${b.shape}] differ`);
  }
  return tf.add(tf.reshape(a, [-1]), tf.reshape(b, [-1])).reshape(a.shape);
}

/** Leaky ReLU (slope 0 → ReLU). */
export function activation(x: tf.Tensor, slope: number): tf.Tensor {
  // on a flat view: WebGPU has no rank-5 'where', which the gradients of relu/leakyRelu use
  const flat = tf.reshape(x, [-1]);
  return (slope === 0 ? tf.relu(flat) : tf.leakyRelu(flat, slope)).reshape(x.shape);
}

/**
 * Learned 2× upsampling, exactly a transposed convolution with kernel 2 and stride 2:
 * a pointwise projection to 2^d·cout channels, then depth-to-space.
 * Variables: `${name}/kernel` [cin, 2^d·cout], `${name}/bias` [cout].
 */
export function upsample2x(p: ParamStore, name: string, x: tf.Tensor, outChannels: number): tf.Tensor {
  const dims = x.rank - 2;
  const cin = channelsOf(x);
  const factor = 2 ** dims;
  // fan-in of a k2/s2 transposed convolution output voxel is cin.
  const w = p.get(`${name}/kernel`, [cin, factor * outChannels], { kind: 'he', fanIn: cin });
  const b = p.get(`${name}/bias`, [outChannels], { kind: 'constant', value: 0 });
  const y = tf.matMul(tf.reshape(x, [-1, cin]) as tf.Tensor2D, w as unknown as tf.Tensor2D);
  const [n, ...sp] = x.shape;
  let out: tf.Tensor;
  if (dims === 2) {
    const [h, wd] = sp;
    // channel index = (bh*2 + bw)*C + o
    out = tf
      .transpose(tf.reshape(y, [n, h, wd, 2, 2 * outChannels]), [0, 1, 3, 2, 4])
      .reshape([n, 2 * h, 2 * wd, outChannels]);
  } else {
    const [d, h, wd] = sp;
    // channel index = ((bd*2 + bh)*2 + bw)*C + o; unfold one axis at a time (rank ≤ 5).
    const a = tf.transpose(tf.reshape(y, [n, d, h * wd, 2, 4 * outChannels]), [0, 1, 3, 2, 4]).reshape([n * 2 * d, h, wd, 2, 2 * outChannels]);
    out = tf.transpose(a, [0, 1, 3, 2, 4]).reshape([n, 2 * d, 2 * h, 2 * wd, outChannels]);
  }
  return addChannelVector(out, b);
}

/**
 * 2× average pooling (kernel 2, stride 2) along every spatial axis, as in the
 * strided shortcut of nnU-Net's residual blocks. Written as rank-3 reshapes and
 * means, one axis at a time (stridedSlice has no gradient in tfjs).
 */
export function avgPool2x(x: tf.Tensor): tf.Tensor {
  const [n, ...rest] = x.shape;
  const sp = rest.slice(0, rest.length - 1);
  const c = rest[rest.length - 1];
  let y: tf.Tensor = x;
  let outer = n;
  for (let a = 0; a < sp.length; a++) {
    if (sp[a] % 2 !== 0) throw new Error(`avgPool2x: spatial size ${sp[a]} (axis ${a}) must be even, input shape [${x.shape}]`);
    outer *= sp[a] / 2;
    const inner = sp.slice(a + 1).reduce((p, q) => p * q, 1) * c;
    y = tf.mean(tf.reshape(y, [outer, 2, inner]), 1);
  }
  return y.reshape([n, ...sp.map((d) => d / 2), c]);
}
