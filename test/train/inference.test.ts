/**
 * Sliding-window inference: tile placement, Gaussian map, and exactness of the
 * weighted accumulation with a voxel-wise model (the result must not depend on
 * tiling or overlap) and with a real model on a single tile.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createModel, SegmentationModel, resolveModelConfig } from '../../lib/model';
import { tilePositions, gaussianImportance, slidingWindowProbabilities, argmaxClasses } from '../../lib/train';
import { defaultTileBatch } from '../../lib/train/inference';
import { registerBackendKernels } from '../../lib/backend';
import { lesionMask } from '../../lib/run/predict';
import { Random } from '../../lib/core/random';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A "model" whose logits are [0, x] per voxel: the probability of class 1 is sigmoid(x). */
function voxelwiseModel(spatialDims: 2 | 3): SegmentationModel {
  const config = resolveModelConfig({ spatialDims, numClasses: 2, channels: [4, 8] });
  return {
    apply: (x: tf.Tensor) => tf.concat([tf.zerosLike(x), x], x.rank - 1),
    variables: new Map(),
    config,
    seed: 0,
    parameterCount: () => 0,
    sizeDivisor: 2,
    dispose: () => undefined,
  };
}

describe('tiles', () => {
  it('cover the axis from 0 to n − p with at most the overlap step', () => {
    expect(tilePositions(10, 16, 0.5)).toEqual([0]);
    expect(tilePositions(16, 16, 0.5)).toEqual([0]);
    const t = tilePositions(40, 16, 0.5);
    expect(t[0]).toBe(0);
    expect(t[t.length - 1]).toBe(24);
    for (let i = 1; i < t.length; i++) expect(t[i] - t[i - 1]).toBeLessThanOrEqual(8);
    expect(tilePositions(40, 16, 0).length).toBe(3);
  });

  it('Gaussian importance peaks at the centre, is symmetric and positive', () => {
    const g = gaussianImportance([1, 8, 8]);
    expect(Math.max(...g)).toBeCloseTo(1);
    expect(g[3 * 8 + 3]).toBeCloseTo(g[4 * 8 + 4]);
    expect(g[0]).toBeLessThan(0.01);
    expect(Math.min(...g)).toBeGreaterThan(0);
  });
});

describe('slidingWindowProbabilities', () => {
  it('is exact for a voxel-wise model whatever the tiling (2D and 3D, odd volume sizes)', async () => {
    const dims: [number, number, number] = [13, 10, 5];
    const n = 13 * 10 * 5;
    const rng = new Random(1);
    const img = Float32Array.from({ length: n }, () => rng.normal());
    for (const [model, patch] of [
      [voxelwiseModel(2), [8, 8]],
      [voxelwiseModel(3), [4, 8, 8]],
    ] as const) {
      for (const overlap of [0, 0.5]) {
        const probs = await slidingWindowProbabilities(model, [img], dims, { patchSize: [...patch], overlap, batchSize: 3 });
        let worst = 0;
        for (let i = 0; i < n; i++) {
          worst = Math.max(worst, Math.abs(probs[n + i] - 1 / (1 + Math.exp(-img[i]))));
          worst = Math.max(worst, Math.abs(probs[i] + probs[n + i] - 1));
        }
        expect(worst).toBeLessThan(1e-5);
      }
    }
  });

  it('gives the same probabilities with any tile batch to float32 rounding (a real network with instance norm, on cpu and wasm)', async () => {
    const model = createModel({ channels: [4, 8], numClasses: 3 }, 5);
    const rng = new Random(5);
    const dims: [number, number, number] = [16, 12, 9];
    const img = Float32Array.from({ length: 16 * 12 * 9 }, () => rng.normal());
    registerBackendKernels();
    for (const backend of ['cpu', 'wasm']) {
      expect(await tf.setBackend(backend), `backend ${backend}`).toBe(true);
      const one = await slidingWindowProbabilities(model, [img], dims, { patchSize: [8, 8], overlap: 0.5, batchSize: 1 });
      for (const batchSize of [4, 7, 64]) {
        const other = await slidingWindowProbabilities(model, [img], dims, { patchSize: [8, 8], overlap: 0.5, batchSize });
        let worst = 0;
        for (let i = 0; i < one.length; i++) worst = Math.max(worst, Math.abs(one[i] - other[i]));
        expect(worst, `${backend}, batch ${batchSize}`).toBeLessThan(1e-5);
      }
    }
    await tf.setBackend('cpu');
    expect(defaultTileBatch([64, 64])).toBe(32);
    expect(defaultTileBatch([128, 128])).toBe(8);
    expect(defaultTileBatch([64, 64, 64])).toBe(4);
    expect(defaultTileBatch([16, 16])).toBe(512);
  });

  it('equals the softmax of one forward pass when the volume is one tile', async () => {
    const model = createModel({ channels: [4, 8], numClasses: 3 }, 2);
    const rng = new Random(2);
    const img = Float32Array.from({ length: 8 * 8 }, () => rng.normal());
    const probs = await slidingWindowProbabilities(model, [img], [8, 8, 1], { patchSize: [8, 8] });
    const direct = tf.softmax(model.apply(tf.tensor(img, [1, 8, 8, 1])) as tf.Tensor).dataSync();
    for (let v = 0; v < 64; v++) for (let c = 0; c < 3; c++) expect(probs[c * 64 + v]).toBeCloseTo(direct[v * 3 + c], 5);
    const labels = argmaxClasses(probs, 3);
    const mask = lesionMask(probs, { numClasses: 3, lesionClass: 2 }, 'argmaxIsLesion');
    for (let v = 0; v < 64; v++) expect(mask[v]).toBe(labels[v] === 2 ? 1 : 0);
  });

  it('rejects a patch of the wrong dimensionality and wrong channel counts', async () => {
    const model = voxelwiseModel(2);
    await expect(slidingWindowProbabilities(model, [new Float32Array(8)], [2, 2, 2], { patchSize: [2, 2, 2] })).rejects.toThrow(/does not fit a 2D model/);
    await expect(slidingWindowProbabilities(model, [new Float32Array(7)], [2, 2, 2], { patchSize: [2, 2] })).rejects.toThrow(/channel 0 has 7 voxels/);
  });
});
