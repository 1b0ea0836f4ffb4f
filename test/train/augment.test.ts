/**
 * Augmentation: seeded, geometric transforms move image and labels together,
 * known flips/rotations give the expected arrays, intensity transforms leave
 * labels alone.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/core/random';
import { augmentBatch, AugmentConfig, DEFAULT_TRAIN_CONFIG, PatchBatch } from '../../lib/train';

function batchOf(labels: number[], patch: [number, number, number], batchSize = 1): PatchBatch {
  const l = Int32Array.from(labels);
  return { images: Float32Array.from(labels.map((v) => v * 10)), labels: l, patch, channels: 1, batchSize, origins: [] };
}

const geometricOnly: AugmentConfig = { ...DEFAULT_TRAIN_CONFIG.augment, flipProbability: 0.5, rotate90: true, scaleProbability: 0, shiftProbability: 0, gammaProbability: 0 };

describe('augmentBatch', () => {
  it('same stream → same result; geometric transforms keep image and labels aligned', () => {
    const n = 4 * 4;
    const labels = Array.from({ length: 8 * n }, (_, i) => i % 7);
    const a = batchOf(labels, [1, 4, 4], 8);
    const b = batchOf(labels, [1, 4, 4], 8);
    const ra = augmentBatch(a, geometricOnly, new Random(1));
    augmentBatch(b, geometricOnly, new Random(1));
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    for (let i = 0; i < a.labels.length; i++) expect(a.images[i]).toBe(a.labels[i] * 10);
    expect(Array.from(a.labels)).not.toEqual(labels); // something moved
    expect(new Set(ra.map((r) => r.rotate90)).size).toBeGreaterThan(1);
    // multiset of labels per item unchanged
    for (let k = 0; k < 8; k++) {
      const before = labels.slice(k * n, (k + 1) * n).sort();
      const after = Array.from(a.labels.subarray(k * n, (k + 1) * n)).sort();
      expect(after).toEqual(before);
    }
  });

  it('a flip along W mirrors each row; a 180° rotation reverses the plane', () => {
    const plane = [0, 1, 2, 3, 4, 5]; // 2 rows × 3 columns
    // find a seed that flips W only
    let flipped = false;
    for (let s = 0; s < 200 && !flipped; s++) {
      const b = batchOf(plane, [1, 2, 3]);
      const [r] = augmentBatch(b, { ...geometricOnly, rotate90: false }, new Random(s));
      if (r.flips[2] && !r.flips[1]) {
        expect(Array.from(b.labels)).toEqual([2, 1, 0, 5, 4, 3]);
        flipped = true;
      }
    }
    expect(flipped).toBe(true);
    const sq = Array.from({ length: 9 }, (_, i) => i);
    for (let s = 0; s < 200; s++) {
      const b = batchOf(sq, [1, 3, 3]);
      const [r] = augmentBatch(b, { ...geometricOnly, flipProbability: 0 }, new Random(s));
      if (r.rotate90 === 2) {
        expect(Array.from(b.labels)).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0]);
        return;
      }
    }
    throw new Error('no seed gave a 180° rotation');
  });

  it('intensity transforms change the image only; gamma keeps the range', () => {
    const cfg: AugmentConfig = { ...DEFAULT_TRAIN_CONFIG.augment, flipProbability: 0, rotate90: false, scaleProbability: 0, shiftProbability: 0, gammaProbability: 1 };
    const labels = Array.from({ length: 16 }, (_, i) => i);
    const b = batchOf(labels, [1, 4, 4]);
    const [r] = augmentBatch(b, cfg, new Random(3));
    expect(r.gamma).not.toBe(1);
    expect(Array.from(b.labels)).toEqual(labels);
    expect(Math.min(...b.images)).toBeCloseTo(0, 5);
    expect(Math.max(...b.images)).toBeCloseTo(150, 3);
    expect(b.images[5]).toBeCloseTo(150 * Math.pow(50 / 150, r.gamma), 3);
    const c = batchOf(labels, [1, 4, 4]);
    const [rc] = augmentBatch(c, { ...cfg, gammaProbability: 0, scaleProbability: 1, shiftProbability: 1 }, new Random(4));
    expect(c.images[3]).toBeCloseTo(30 * rc.scale + rc.shift, 4);
  });
});
