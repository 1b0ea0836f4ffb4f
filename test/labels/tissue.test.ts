import { describe, expect, it } from 'vitest';
import { makeVolume, Vec3 } from '../../lib/core/volume';
import { clusterTissues } from '../../lib/labels';
import { Random } from '../../lib/core/random';

// 10x10x3 volume: three tissue slabs with separated intensities, plus a zero border row
const dims: Vec3 = [10, 10, 3];
function phantom(seed: number) {
  const rng = new Random(seed);
  const t1 = new Float32Array(300);
  const t2 = new Float32Array(300);
  const truth = new Uint8Array(300);
  for (let k = 0; k < 3; k++)
    for (let j = 0; j < 10; j++)
      for (let i = 0; i < 10; i++) {
        const p = i + 10 * (j + 10 * k);
        if (j === 0) continue; // background (outside mask)
        const cls = i < 3 ? 1 : i < 6 ? 2 : 3; // 3, 3, 4 columns → 81, 81, 108 voxels
        truth[p] = cls;
        t1[p] = [0, 100, 200, 300][cls] + rng.normal(0, 10);
        t2[p] = [0, 300, 200, 100][cls] + rng.normal(0, 10);
      }
  return { t1: makeVolume(t1, dims), t2: makeVolume(t2, dims), truth };
}

describe('clusterTissues', () => {
  it('k-means recovers three classes sorted dark→bright with exact counts', () => {
    const { t1, truth } = phantom(1);
    const r = clusterTissues([t1], { classes: 3, seed: 3, names: ['csf', 'gm', 'wm'] });
    expect(r.counts).toEqual([81, 81, 108]);
    expect(Array.from(r.labels.data)).toEqual(Array.from(truth));
    expect(r.means[0][0]).toBeLessThan(r.means[1][0]);
    expect(r.means[1][0]).toBeLessThan(r.means[2][0]);
    expect(r.converged).toBe(true);
  });
  it('GMM on two channels matches too; seeds give identical output', () => {
    const { t1, t2, truth } = phantom(2);
    const a = clusterTissues([t1, t2], { classes: 3, method: 'gmm', seed: 5 });
    const b = clusterTissues([t1, t2], { classes: 3, method: 'gmm', seed: 5 });
    expect(Array.from(a.labels.data)).toEqual(Array.from(truth));
    expect(Array.from(b.labels.data)).toEqual(Array.from(a.labels.data));
    expect(a.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 6);
  });
  it('explicit mask limits the labelled voxels', () => {
    const { t1 } = phantom(3);
    const mask = makeVolume(Uint8Array.from({ length: 300 }, (_, p) => (p % 10 < 3 ? 1 : 0)), dims);
    const r = clusterTissues([t1], { classes: 1, mask });
    expect(r.counts).toEqual([90]);
  });
  it('errors on too few voxels and bad names', () => {
    const { t1 } = phantom(4);
    expect(() => clusterTissues([t1], { classes: 3, names: ['a'] })).toThrow(/1 names for 3 classes/);
    const empty = makeVolume(new Uint8Array(300), dims);
    expect(() => clusterTissues([t1], { classes: 2, mask: empty })).toThrow(/only 0 voxels/);
  });
});
