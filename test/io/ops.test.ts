/**
 * Volume operations: coordinates, crop/pad, bounding boxes, resampling (checked against
 * the affines independently: every output voxel must hold the input value at the world
 * position its affine says), CT windowing and statistics (grid check and z-scoring:
 * test/core).
 */
import { describe, expect, it } from 'vitest';
import {
  cropOrPad,
  cropToNonzero,
  ctWindow,
  nonzeroBoundingBox,
  padToAtLeast,
  resampleToSpacing,
  toFloat32,
  volumeStats,
  voxelToWorld,
  worldToVoxel,
} from '../../lib/io/ops';
import { GridMismatchError } from '../../lib/core/grid';
import { makeVolume, Vec3, Volume } from '../../lib/core/volume';
import { seededRandom } from '../../data-scripts/fixtures/ts-written-cases';

const oblique: number[][] = [
  [0.7250462, -0.4960597, 0.2196682, -10.5],
  [0.3380946, 1.0638034, -0.47108, 20.25],
  [0, 0.249494, 2.445369, 3],
  [0, 0, 0, 1],
];

function at(v: Volume, i: number, j: number, k: number): number {
  return v.data[i + v.dims[0] * (j + v.dims[1] * k)];
}

function ramp(dims: Vec3, spacing: Vec3, affine?: number[][]): Volume<Float32Array> {
  const d = new Float32Array(dims[0] * dims[1] * dims[2]);
  let o = 0;
  for (let k = 0; k < dims[2]; k++) for (let j = 0; j < dims[1]; j++) for (let i = 0; i < dims[0]; i++) d[o++] = 2 * i - 3 * j + 0.5 * k + 7;
  return makeVolume(d, dims, spacing, affine);
}

describe('voxel ↔ world', () => {
  it('round trip on an oblique affine', () => {
    const rnd = seededRandom(1);
    for (let t = 0; t < 50; t++) {
      const ijk: Vec3 = [rnd() * 100, rnd() * 100, rnd() * 50];
      const back = worldToVoxel(oblique, voxelToWorld(oblique, ijk));
      back.forEach((x, i) => expect(x).toBeCloseTo(ijk[i], 9));
    }
  });
  it('known values for a diagonal affine', () => {
    const v = makeVolume(new Uint8Array(8), [2, 2, 2], [2, 3, 4], [[2, 0, 0, -1], [0, 3, 0, 5], [0, 0, 4, 0], [0, 0, 0, 1]]);
    expect(voxelToWorld(v, [1, 1, 1])).toEqual([1, 8, 4]);
    expect(worldToVoxel(v, [1, 8, 4])).toEqual([1, 1, 1]);
  });
});

describe('crop, pad and bounding boxes', () => {
  const v = ramp([6, 5, 4], [1, 2, 3], oblique);

  it('crop keeps values and world positions', () => {
    const c = cropOrPad(v, { start: [1, 2, 1], end: [4, 5, 3] });
    expect(c.dims).toEqual([3, 3, 2]);
    expect(c.data).toBeInstanceOf(Float32Array);
    expect(at(c, 0, 0, 0)).toBe(at(v, 1, 2, 1));
    expect(at(c, 2, 2, 1)).toBe(at(v, 3, 4, 2));
    const w0 = voxelToWorld(c, [0, 0, 0]);
    voxelToWorld(v, [1, 2, 1]).forEach((x, i) => expect(w0[i]).toBeCloseTo(x, 10));
  });

  it('pad beyond the grid fills and keeps the type', () => {
    const lab = makeVolume(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]);
    const p = cropOrPad(lab, { start: [-1, 0, 0], end: [3, 2, 2] }, 9);
    expect(p.data).toBeInstanceOf(Uint8Array);
    expect(p.dims).toEqual([4, 2, 2]);
    expect(Array.from(p.data.slice(0, 4))).toEqual([9, 1, 2, 9]);
    expect(p.affine[0][3]).toBe(-1);
  });

  it('rejects an empty or fractional box', () => {
    expect(() => cropOrPad(v, { start: [2, 0, 0], end: [2, 1, 1] })).toThrow(/integer start < end/);
    expect(() => cropOrPad(v, { start: [0.5, 0, 0], end: [2, 1, 1] })).toThrow();
  });

  it('nonzero bounding box with margin, clipped to the grid', () => {
    const m = makeVolume(new Uint8Array(10 * 8 * 6), [10, 8, 6]);
    m.data[3 + 10 * (2 + 8 * 1)] = 1;
    m.data[6 + 10 * (5 + 8 * 4)] = 2;
    expect(nonzeroBoundingBox(m)).toEqual({ start: [3, 2, 1], end: [7, 6, 5] });
    expect(nonzeroBoundingBox(m, 2)).toEqual({ start: [1, 0, 0], end: [9, 8, 6] });
    expect(nonzeroBoundingBox(makeVolume(new Uint8Array(8), [2, 2, 2]))).toBeNull();
    const img = ramp([10, 8, 6], [1, 1, 1]);
    const c = cropToNonzero(img, 0, m);
    expect(c.dims).toEqual([4, 4, 4]);
    expect(at(c, 0, 0, 0)).toBe(at(img, 3, 2, 1));
    expect(() => cropToNonzero(img, 0, makeVolume(new Uint8Array(8), [2, 2, 2]))).toThrow(GridMismatchError);
  });

  it('padToAtLeast centres the content', () => {
    const lab = makeVolume(Uint8Array.from([1, 2]), [2, 1, 1]);
    const p = padToAtLeast(lab, [5, 1, 3]);
    expect(p.dims).toEqual([5, 1, 3]);
    expect(Array.from(p.data.slice(5, 10))).toEqual([0, 1, 2, 0, 0]);
    expect(padToAtLeast(lab, [1, 1, 1]).dims).toEqual([2, 1, 1]);
  });
});

describe('resampleToSpacing', () => {
  it('nearest keeps the integer type and samples where the affine says', () => {
    const rnd = seededRandom(3);
    const lab = makeVolume(Uint8Array.from({ length: 11 * 9 * 7 }, () => Math.floor(rnd() * 5)), [11, 9, 7], [1, 1.5, 3], oblique);
    for (const target of [[2, 2, 2], [0.5, 0.75, 1.5], [1.3, 1.5, 2.2]] as Vec3[]) {
      const r = resampleToSpacing(lab, target, 'nearest');
      expect(r.data).toBeInstanceOf(Uint8Array);
      expect(r.spacing).toEqual(target);
      expect(r.dims).toEqual([0, 1, 2].map((a) => Math.max(1, Math.round((lab.dims[a] * lab.spacing[a]) / target[a]))));
      // independent check through the affines: world position of each output voxel → input index
      for (let k = 0; k < r.dims[2]; k++) for (let j = 0; j < r.dims[1]; j++) for (let i = 0; i < r.dims[0]; i++) {
        const src = worldToVoxel(lab, voxelToWorld(r, [i, j, k])).map((x, a) => Math.min(lab.dims[a] - 1, Math.max(0, Math.floor(x + 0.5 + 1e-9))));
        expect(at(r, i, j, k)).toBe(at(lab, src[0], src[1], src[2]));
      }
    }
  });

  it('linear reproduces a linear ramp exactly inside the grid', () => {
    const v = ramp([12, 10, 8], [1, 1, 2], oblique);
    const r = resampleToSpacing(v, [0.7, 1.6, 1.1], 'linear');
    expect(r.data).toBeInstanceOf(Float32Array);
    let checked = 0;
    for (let k = 0; k < r.dims[2]; k++) for (let j = 0; j < r.dims[1]; j++) for (let i = 0; i < r.dims[0]; i++) {
      const [x, y, z] = worldToVoxel(v, voxelToWorld(r, [i, j, k]));
      if (x < 0 || y < 0 || z < 0 || x > 11 || y > 9 || z > 7) continue; // clamped border
      expect(at(r, i, j, k)).toBeCloseTo(2 * x - 3 * y + 0.5 * z + 7, 4);
      checked++;
    }
    expect(checked).toBeGreaterThan(r.data.length / 2);
  });

  it('identity spacing is a copy; bad arguments throw', () => {
    const v = ramp([4, 3, 2], [1, 1, 1]);
    const r = resampleToSpacing(v, [1, 1, 1], 'linear');
    expect(Array.from(r.data)).toEqual(Array.from(v.data));
    expect(r.affine).toEqual(v.affine);
    expect(() => resampleToSpacing(v, [0, 1, 1], 'linear')).toThrow(RangeError);
    expect(() => resampleToSpacing(v, [1, 1, 1], 'cubic' as never)).toThrow(/mode/);
  });
});

describe('CT windowing', () => {
  it('CT window clips and scales to [0, 1]', () => {
    const ct = makeVolume(Int16Array.from([-1000, -160, 40, 240, 3000]), [5, 1, 1]);
    expect(Array.from(ctWindow(ct, { center: 40, width: 400 }).data)).toEqual([0, 0, 0.5, 1, 1]);
    expect(Array.from(ctWindow(ct, { min: -1000, max: 3000 }).data)).toEqual([0, 0.21, 0.26, 0.31, 1].map((x) => Math.fround(x)));
    expect(() => ctWindow(ct, { center: 0, width: 0 })).toThrow(RangeError);
  });
});

describe('statistics', () => {
  it('volumeStats skips non-finite voxels and counts them', () => {
    const s = volumeStats(makeVolume(Float32Array.from([0, 1, NaN, -3, Infinity, 0]), [6, 1, 1]));
    expect(s).toEqual({ min: -3, max: 1, mean: -0.5, sum: -2, nonzero: 2, count: 4, nonFinite: 2 });
    expect(toFloat32(makeVolume(Int16Array.from([1, -2]), [2, 1, 1])).data).toEqual(Float32Array.from([1, -2]));
  });
});
