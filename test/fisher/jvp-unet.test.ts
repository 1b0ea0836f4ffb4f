/**
 * Exact Jacobian–vector products of a U-Net (lib/fisher/network-lesion logitsJvpExact: the
 * derivative of ⟨Jᵀu, v⟩ with respect to u) against J v from the dense Jacobian, built row by row
 * with one reverse-mode gradient per logit — an independent route through the network. The
 * network has every layer kind of the study's default: stride-2 convolutions, instance norm with
 * its hand-written gradient, leaky ReLU, the matMul upsampling and the skip concatenation; its
 * norm affine and biases are perturbed off their initial values so that no term vanishes.
 * On cpu and wasm (which uses average pooling for the norm's means). Central differences at the
 * default step are shown to be far less accurate on the same network.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../lib/model';
import { logitsJvpExact } from '../../lib/fisher/network-lesion';
import { parameterLayout } from '../../lib/fisher/network';
import { Random } from '../../lib/core/random';
import { CPU_BACKENDS, useBackend } from '../backend/helpers';

describe('exact JVP through a U-Net', () => {
  it.each(CPU_BACKENDS)('%s: J v equals the dense Jacobian times v (relative 1e-5)', async (backend) => {
    await useBackend(backend);
    const net = createModel({ family: 'unet', spatialDims: 2, inChannels: 1, numClasses: 3, channels: [2, 4], norm: 'instance', leakySlope: 0.01 }, 7);
    const variables = [...net.variables.values()];
    const rng = new Random(11);
    // move every weight off its initial value (gamma 1, beta 0, zero biases)
    for (const v of variables) tf.tidy(() => v.assign(tf.add(v, tf.tensor(Float32Array.from({ length: v.size }, () => 0.3 * rng.normal()), v.shape))));
    const x = tf.tensor(Float32Array.from({ length: 2 * 8 * 8 }, () => rng.normal()), [2, 8, 8, 1]);
    const model = { logits: (t: tf.Tensor) => net.apply(t, false) as tf.Tensor, variables, groups: { numClasses: 3, groups: [[0, 1], [2]] } };
    const layout = parameterLayout(variables);
    const P = layout.reduce((s, b) => s + b.size, 0);
    const v = Float64Array.from({ length: P }, () => rng.normal());
    let exact = new Float32Array(0);
    // which kernels the double backward runs: never AvgPoolGrad, whose cost grows with the square of the
    // pooling window (the norm's means pool over every voxel; lib/model/layers gives their gradient in closed form)
    const prof = await tf.profile(async () => {
      [exact] = await logitsJvpExact(model, layout, [{ x }], [[2, 8, 8, 3]], v);
    });
    const kernels = new Set(prof.kernels.map((k) => k.name));
    expect(kernels.has('AvgPoolGrad'), `${backend}: kernels of the JVP: ${[...kernels].join(', ')}`).toBe(false);
    if (backend === 'wasm') expect(kernels.has('AvgPool'), 'wasm: the norm means are average poolings, so this test covers their gradient').toBe(true);
    // dense: one backward pass per logit, J_o · v in float64
    const n = exact.length;
    const dense = new Float64Array(n);
    for (let o = 0; o < n; o++) {
      const row = tf.tidy(() => {
        const pick = tf.oneHot(tf.tensor1d([o], 'int32'), n).reshape([-1]);
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.logits(x).reshape([-1]), pick)) as tf.Scalar, variables);
        return tf.concat(layout.map((b) => grads[b.name].reshape([-1])));
      });
      const r = row.dataSync();
      row.dispose();
      let s = 0;
      for (let i = 0; i < P; i++) s += r[i] * v[i];
      dense[o] = s;
    }
    const err = Math.hypot(...exact.map((a, i) => a - dense[i])) / Math.hypot(...dense);
    expect(err, backend).toBeLessThan(1e-5);
    // central differences at the default step (1e-4 × ‖θ‖/‖v‖) on the same network
    let thetaNorm = 0;
    for (const w of variables) thetaNorm += tf.sum(tf.square(w)).dataSync()[0];
    const eps = (1e-4 * Math.sqrt(thetaNorm)) / Math.hypot(...v);
    const at = (sign: number) => {
      const saved = variables.map((w) => w.clone());
      layout.forEach((b, i) => tf.tidy(() => variables[i].assign(tf.add(saved[i], tf.mul(tf.tensor(Float32Array.from(v.subarray(b.offset, b.offset + b.size)), b.shape), sign * eps)))));
      const out = tf.tidy(() => model.logits(x)).dataSync() as Float32Array;
      variables.forEach((w, i) => w.assign(saved[i]));
      tf.dispose(saved);
      return out;
    };
    const plus = at(1);
    const minus = at(-1);
    const cd = Array.from(plus, (p, i) => (p - minus[i]) / (2 * eps));
    const cdErr = Math.hypot(...cd.map((a, i) => a - dense[i])) / Math.hypot(...dense);
    console.log(`${backend}: exact JVP relative error ${err.toExponential(2)}, central differences ${cdErr.toExponential(2)} (${P} parameters, ${n} logits)`);
    tf.dispose([x]);
    net.dispose();
  });
});
