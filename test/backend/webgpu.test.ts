/**
 * The WebGPU code path. On a machine without a GPU it runs on Dawn's OpenGL ES
 * compatibility adapter over Mesa llvmpipe (Debian: libegl1 libgles2 libegl-mesa0
 * libgl1-mesa-dri); it skips, saying why, when no adapter at all is found. Checks that
 * initBackend selects webgpu when asked, and that conv2d, conv3dSafe (native conv3d on
 * WebGPU) and upsampleNearest3d gradients match the float64 reference there.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv3dSafe, initBackend, installWebGpu, upsampleNearest3d } from '../../lib/backend';
import { convNdReference, refTensor, relativeError, seededValues } from '../../lib/backend/reference';

const TOL = 1e-5;

function pair(shape: number[], seed: number) {
  const v = seededValues(shape.reduce((a, b) => a * b, 1), seed);
  return { t: tf.tensor(Float32Array.from(v), shape), ref: refTensor(shape, v) };
}

describe('WebGPU backend', () => {
  it('initialises through initBackend and trains conv2d / conv3dSafe with correct gradients', async (ctx) => {
    const probe = await installWebGpu(true);
    if (!probe.found) {
      ctx.skip(`no WebGPU adapter: ${probe.detail}`);
      return;
    }
    const report = await initBackend({ backend: 'webgpu' });
    expect(report.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(report.smokeRelativeError).toBeLessThan(1e-4);

    // 2D, stride 2 'same' (asymmetric padding)
    const x = pair([2, 8, 7, 3], 1);
    const f = pair([3, 3, 3, 4], 2);
    const y = tf.conv2d(x.t as tf.Tensor4D, f.t as tf.Tensor4D, 2, 'same');
    const dy = pair(y.shape, 3);
    const ref = convNdReference(x.ref, f.ref, [2, 2], 'same', dy.ref);
    const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), dy.t)))([x.t, f.t]);
    expect(relativeError(await y.data(), ref.y.data)).toBeLessThan(TOL);
    expect(relativeError(await gx.data(), ref.dx.data)).toBeLessThan(TOL);
    expect(relativeError(await gf.data(), ref.dFilter.data)).toBeLessThan(TOL);

    // 3D through conv3dSafe (native on WebGPU), then nearest upsampling
    const x3 = pair([1, 4, 5, 4, 2], 4);
    const f3 = pair([3, 3, 3, 2, 3], 5);
    const op = (a: tf.Tensor, b: tf.Tensor) => conv3dSafe(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same');
    const y3 = op(x3.t, f3.t);
    const dy3 = pair(y3.shape, 6);
    const ref3 = convNdReference(x3.ref, f3.ref, [1, 1, 1], 'same', dy3.ref);
    const [gx3, gf3] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a, b), dy3.t)))([x3.t, f3.t]);
    expect(relativeError(await y3.data(), ref3.y.data)).toBeLessThan(TOL);
    expect(relativeError(await gx3.data(), ref3.dx.data)).toBeLessThan(TOL);
    expect(relativeError(await gf3.data(), ref3.dFilter.data)).toBeLessThan(TOL);

    const up = upsampleNearest3d(x3.t as tf.Tensor5D, [1, 2, 2]);
    const gUp = tf.grad((a: tf.Tensor) => tf.sum(upsampleNearest3d(a as tf.Tensor5D, [1, 2, 2])))(x3.t);
    expect(up.shape).toEqual([1, 4, 10, 8, 2]);
    const gv = await gUp.data();
    expect(Array.from(gv).every((v) => v === 4)).toBe(true);
    tf.dispose([x.t, f.t, y, dy.t, gx, gf, x3.t, f3.t, y3, dy3.t, gx3, gf3, up, gUp]);
  });
});
