import { describe, expect, it } from 'vitest';
import { makeVolume, Vec3 } from '../../lib/core/volume';
import { labelBoundary } from '../../lib/core/morphology';
import {
  dilateClass,
  dropComponents,
  erodeClass,
  jitterBoundary,
  mergeIntoNeighbour,
  simulateNoisyLabels,
} from '../../lib/labels';
import { Random } from '../../lib/core/random';
import { CUBE_DIMS, at, cube, count } from '../core/helpers';

const dims = CUBE_DIMS;

describe('noisy label primitives', () => {
  it('erodeClass / dilateClass', () => {
    expect(count(erodeClass(cube(), dims, 1, 1), 1)).toBe(1);
    const two = cube();
    for (let i = 0; i < 7; i++) two[at(i, 0, 0)] = 2;
    const d = dilateClass(two, dims, 1, 1, (v) => v === 0);
    expect(count(d, 1)).toBe(27 + 54);
    expect(count(d, 2)).toBe(7);
  });
  it('mergeIntoNeighbour picks the most frequent neighbour', () => {
    const a = cube();
    a[at(3, 3, 5)] = 2; // one contact face with 1
    expect(mergeIntoNeighbour(a, dims, 2).into).toBe(1);
    expect(count(mergeIntoNeighbour(a, dims, 2).labels, 1)).toBe(28);
    const lone = new Uint8Array(343);
    lone[0] = 3;
    expect(mergeIntoNeighbour(lone, dims, 3).into).toBeNull();
  });
  it('dropComponents with probability 1 and 0', () => {
    const a = cube();
    a[0] = 2;
    expect(count(dropComponents(a, dims, 1, new Random(1)).labels, 0)).toBe(343);
    expect(dropComponents(a, dims, 0, new Random(1)).dropped).toEqual([]);
  });
  it('jitterBoundary only changes boundary voxels', () => {
    const a = cube();
    const r = jitterBoundary(a, dims, 1, new Random(3));
    const boundary = labelBoundary(a, dims, 6);
    let changed = 0;
    for (let p = 0; p < 343; p++) if (r.labels[p] !== a[p]) {
      expect(boundary[p]).toBe(1);
      changed++;
    }
    expect(changed).toBe(r.changed);
    expect(changed).toBeGreaterThan(0);
  });
});

describe('simulateNoisyLabels', () => {
  const big: Vec3 = [16, 16, 8];
  const labels = new Uint8Array(16 * 16 * 8);
  for (let p = 0; p < labels.length; p++) labels[p] = (p % 16 < 6 ? 1 : p % 16 < 11 ? 2 : 3) * (Math.floor(p / 256) % 8 < 6 ? 1 : 0);
  const vol = makeVolume(labels, big);
  it('noise 0 is the identity; more noise changes more; seeded', () => {
    expect(simulateNoisyLabels(vol, { noiseLevel: 0, seed: 1 }).report.changedFraction).toBe(0);
    const lo = simulateNoisyLabels(vol, { noiseLevel: 0.2, seed: 1 });
    const hi = simulateNoisyLabels(vol, { noiseLevel: 0.9, seed: 1 });
    const again = simulateNoisyLabels(vol, { noiseLevel: 0.9, seed: 1 });
    expect(hi.report.changedFraction).toBeGreaterThan(lo.report.changedFraction);
    expect(lo.report.changedFraction).toBeGreaterThan(0);
    expect(Array.from(again.labels.data)).toEqual(Array.from(hi.labels.data));
    expect(again.report).toEqual(hi.report);
    expect(() => simulateNoisyLabels(vol, { noiseLevel: 2, seed: 1 })).toThrow(/\[0, 1\]/);
  });
});
