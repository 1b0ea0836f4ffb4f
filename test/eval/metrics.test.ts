/**
 * Hand-computed cases for each metric (in the style of MONAI's metric tests),
 * plus brute-force cross-checks of the distance transform on small random
 * volumes (connected components and dilation: test/core/morphology.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../lib/core/volume';
import {
  lesionWiseMetrics,
  overlapMetrics,
  describeLesionOverlap,
  formatClassDice,
  percentileOfSorted,
  perClassDice,
  smallLesionBins,
  squaredDistanceTransform,
  surfaceMask,
  surfaceMetrics,
  toBinaryMask,
} from '../../lib/eval';
import { uniformSource, maskFrom } from '../core/helpers';

function box(dims: Vec3, lo: Vec3, hi: Vec3): Uint8Array {
  const m = new Uint8Array(dims[0] * dims[1] * dims[2]);
  for (let k = lo[2]; k <= hi[2]; k++) for (let j = lo[1]; j <= hi[1]; j++) for (let i = lo[0]; i <= hi[0]; i++) m[i + dims[0] * (j + dims[1] * k)] = 1;
  return m;
}

describe('overlap metrics', () => {
  it('computes Dice, IoU, precision and recall by hand', () => {
    const o = overlapMetrics([1, 1, 0, 0], [0, 1, 1, 0]);
    expect(o.dice).toBe(0.5);
    expect(o.iou).toBeCloseTo(1 / 3, 15);
    expect(o.precision).toBe(0.5);
    expect(o.recall).toBe(0.5);
    const p = overlapMetrics([1, 1, 1, 0], [0, 1, 0, 0]);
    expect(p.precision).toBeCloseTo(1 / 3, 15);
    expect(p.recall).toBe(1);
    expect(p.dice).toBe(0.5);
  });

  it('follows the empty-mask conventions', () => {
    expect(overlapMetrics([0, 0], [0, 0])).toMatchObject({ dice: 1, iou: 1, precision: 1, recall: 1 });
    expect(overlapMetrics([0, 0], [0, 1])).toMatchObject({ dice: 0, iou: 0, precision: 0, recall: 0 });
    expect(overlapMetrics([1, 0], [0, 0])).toMatchObject({ dice: 0, iou: 0, precision: 0, recall: 0 });
    expect(overlapMetrics([1, 1, 0], [1, 0, 0]).dice).toBeCloseTo(2 / 3); // the training-validation Dice (was train binaryDice)
  });

  it('treats any non-zero value as lesion and NaN as background', () => {
    expect(Array.from(toBinaryMask(new Float32Array([0, -2, 0.5, NaN, 3])))).toEqual([0, 1, 1, 0, 1]);
    expect(overlapMetrics(new Int16Array([-1, 0, 7]), new Uint8Array([1, 0, 1])).dice).toBe(1);
  });

  it('rejects masks of different lengths', () => {
    expect(() => overlapMetrics([1, 0], [1])).toThrow(/2 voxels.*1/);
  });
});

describe('distance transform', () => {
  it('weights each axis by its spacing', () => {
    expect(Array.from(squaredDistanceTransform(new Uint8Array([1, 0, 0]), [3, 1, 1], [2, 1, 1]))).toEqual([0, 4, 16]);
    const d = squaredDistanceTransform(maskFrom([3, 3, 3], [[0, 0, 0]]), [3, 3, 3], [1, 2, 3]);
    for (let k = 0; k < 3; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 3; i++) {
      expect(d[i + 3 * (j + 3 * k)]).toBe(i * i + 4 * j * j + 9 * k * k);
    }
  });

  it('is exact at the voxels named in `needed`', () => {
    const rand = uniformSource(8);
    const dims: Vec3 = [9, 8, 7];
    const f = new Uint8Array(504);
    const needed = new Uint8Array(504);
    for (let v = 0; v < 504; v++) {
      f[v] = rand() < 0.02 ? 1 : 0;
      needed[v] = rand() < 0.05 ? 1 : 0;
    }
    f[100] = 1;
    const full = squaredDistanceTransform(f, dims, [0.7, 1.2, 2.1]);
    const partial = squaredDistanceTransform(f, dims, [0.7, 1.2, 2.1], undefined, needed);
    let checked = 0;
    for (let v = 0; v < 504; v++) if (needed[v]) { expect(partial[v]).toBe(full[v]); checked++; }
    expect(checked).toBeGreaterThan(10);
    expect(() => squaredDistanceTransform(f, dims, [1, 1, 1], undefined, new Uint8Array(3))).toThrow(/needed mask has 3 voxels/);
  });

  it('gives Infinity everywhere without features', () => {
    expect(Array.from(squaredDistanceTransform(new Uint8Array(8), [2, 2, 2]))).toEqual(new Array(8).fill(Infinity));
  });

  it('matches brute force on random anisotropic volumes', () => {
    const rand = uniformSource(3);
    for (const [dims, spacing, density] of [
      [[11, 7, 5], [0.6, 1.7, 2.9], 0.03],
      [[4, 13, 9], [1.3, 0.4, 1.0], 0.1],
      [[1, 1, 17], [1, 1, 0.8], 0.2],
    ] as Array<[Vec3, Vec3, number]>) {
      const n = dims[0] * dims[1] * dims[2];
      const f = new Uint8Array(n);
      for (let v = 0; v < n; v++) f[v] = rand() < density ? 1 : 0;
      f[n - 1] = 1;
      const d = squaredDistanceTransform(f, dims, spacing);
      const feats: Vec3[] = [];
      const coord = (v: number): Vec3 => [v % dims[0], Math.floor(v / dims[0]) % dims[1], Math.floor(v / (dims[0] * dims[1]))];
      for (let v = 0; v < n; v++) if (f[v]) feats.push(coord(v));
      for (let v = 0; v < n; v++) {
        const [i, j, k] = coord(v);
        let best = Infinity;
        for (const [a, b, c] of feats) {
          const q = ((i - a) * spacing[0]) ** 2 + ((j - b) * spacing[1]) ** 2 + ((k - c) * spacing[2]) ** 2;
          if (q < best) best = q;
        }
        expect(Math.abs(d[v] - best)).toBeLessThan(1e-9);
      }
    }
  });
});

describe('surface metrics', () => {
  it('surface voxels: 6-neighbour rule, the grid border counts as outside', () => {
    // 3x3x3 cube inside a 5x5x5 grid: only the centre voxel is interior.
    const cube = box([5, 5, 5], [1, 1, 1], [3, 3, 3]);
    expect(surfaceMask(cube, [5, 5, 5]).reduce((a, b) => a + b, 0)).toBe(26);
    // The same cube filling its whole grid: still 26 (border = outside).
    expect(surfaceMask(new Uint8Array(27).fill(1), [3, 3, 3]).reduce((a, b) => a + b, 0)).toBe(26);
    // A diagonal-only neighbour does not make a voxel interior.
    const plus = box([5, 5, 5], [1, 1, 1], [3, 3, 3]);
    plus[1 + 5 * (1 + 5 * 1)] = 0; // remove a corner: centre still has its 6 face neighbours
    expect(surfaceMask(plus, [5, 5, 5])[2 + 5 * (2 + 5 * 2)]).toBe(0);
  });

  it('percentile uses linear interpolation like np.percentile', () => {
    expect(percentileOfSorted([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 14);
    expect(percentileOfSorted([5], 95)).toBe(5);
    expect(percentileOfSorted([0, 10], 50)).toBe(5);
    expect(percentileOfSorted([0, 1, 2], 100)).toBe(2);
    expect(() => percentileOfSorted([], 95)).toThrow(/no values/);
  });

  it('computes HD95, ASSD and NSD by hand on a line', () => {
    // ref voxels at x = 0,1; pred at x = 1,2,3 (every voxel is surface: y/z borders).
    const dims: Vec3 = [6, 1, 1];
    const ref = maskFrom(dims, [[0, 0, 0], [1, 0, 0]]);
    const pred = maskFrom(dims, [[1, 0, 0], [2, 0, 0], [3, 0, 0]]);
    const s = surfaceMetrics(pred, ref, { dims, spacing: [1, 1, 1] }, { toleranceMm: 1 });
    // pred→ref: [0, 1, 2] → P95 = 1.9; ref→pred: [1, 0] → P95 = 0.95
    expect(s.hd95PredToRefMm).toBeCloseTo(1.9, 14);
    expect(s.hd95RefToPredMm).toBeCloseTo(0.95, 14);
    expect(s.hd95Mm).toBeCloseTo(1.9, 14);
    expect(s.hausdorffMm).toBe(2);
    expect(s.assdMm).toBeCloseTo(0.8, 14);
    expect(s.meanPredToRefMm).toBe(1);
    expect(s.meanRefToPredMm).toBe(0.5);
    expect(s.nsd).toBeCloseTo(4 / 5, 14);
    expect(surfaceMetrics(pred, ref, { dims, spacing: [1, 1, 1] }, { toleranceMm: 0.5 }).nsd).toBeCloseTo(2 / 5, 14);
  });

  it('uses spacing in mm and counts d = τ as within tolerance', () => {
    const dims: Vec3 = [4, 1, 1];
    const a = maskFrom(dims, [[0, 0, 0]]);
    const b = maskFrom(dims, [[3, 0, 0]]);
    const s = surfaceMetrics(a, b, { dims, spacing: [2, 1, 1] }, { toleranceMm: 6 });
    expect(s.hd95Mm).toBe(6);
    expect(s.assdMm).toBe(6);
    expect(s.nsd).toBe(1);
    expect(surfaceMetrics(a, b, { dims, spacing: [2, 1, 1] }, { toleranceMm: 5.9 }).nsd).toBe(0);
  });

  it('returns null distances and NSD 1/0 for empty masks', () => {
    const dims: Vec3 = [3, 3, 3];
    const empty = new Uint8Array(27);
    const one = maskFrom(dims, [[1, 1, 1]]);
    const both = surfaceMetrics(empty, empty, { dims, spacing: [1, 1, 1] });
    expect(both).toMatchObject({ hd95Mm: null, assdMm: null, nsd: 1, predSurfaceVoxels: 0, refSurfaceVoxels: 0 });
    const miss = surfaceMetrics(empty, one, { dims, spacing: [1, 1, 1] });
    expect(miss).toMatchObject({ hd95Mm: null, assdMm: null, nsd: 0, refSurfaceVoxels: 1 });
    expect(surfaceMetrics(one, empty, { dims, spacing: [1, 1, 1] }).nsd).toBe(0);
  });

  it('gives identical masks distance 0 and NSD 1', () => {
    const m = box([8, 8, 8], [2, 1, 3], [6, 5, 7]);
    const s = surfaceMetrics(m, m, { dims: [8, 8, 8], spacing: [0.5, 0.5, 3] }, { toleranceMm: 0 });
    expect(s).toMatchObject({ hd95Mm: 0, assdMm: 0, nsd: 1, hausdorffMm: 0 });
  });

  it('rejects a bad tolerance and a grid that does not fit', () => {
    const m = new Uint8Array(8);
    expect(() => surfaceMetrics(m, m, { dims: [2, 2, 2], spacing: [1, 1, 1] }, { toleranceMm: -1 })).toThrow(/toleranceMm/);
    expect(() => surfaceMetrics(m, m, { dims: [2, 2, 3], spacing: [1, 1, 1] })).toThrow(/8 voxels do not fill dims 2x2x3/);
  });
});

describe('lesion-wise metrics', () => {
  const dims: Vec3 = [20, 10, 10];
  const grid = { dims, spacing: [1, 1, 1] as Vec3 };

  it('counts TP/FP/FN, F1 and per-lesion Dice by hand', () => {
    const ref = box(dims, [1, 1, 1], [4, 4, 4]); // lesion A: 64 voxels
    ref.set(box(dims, [12, 1, 1], [13, 2, 2]).map((v, i) => v | ref[i])); // lesion B: 8 voxels
    const pred = box(dims, [2, 1, 1], [5, 4, 4]); // overlaps A: 48 shared, 64 predicted
    pred[18 + 20 * (8 + 10 * 8)] = 1; // FP, far away
    const m = lesionWiseMetrics(pred, ref, grid);
    expect([m.tp, m.fp, m.fn]).toEqual([1, 1, 1]);
    expect(m.f1).toBe(0.5);
    const [a, b] = m.reference;
    expect(a).toMatchObject({ voxels: 64, detected: true, matchedPredictions: [1] });
    expect(a.dice).toBeCloseTo((2 * 48) / (64 + 64), 14);
    expect(a.volumeMl).toBeCloseTo(0.064, 14);
    expect(b).toMatchObject({ voxels: 8, detected: false, dice: 0, matchedPredictions: [] });
    expect(m.meanLesionDice).toBeCloseTo(0.75 / 2, 14);
    expect(m.lesionWiseDice).toBeCloseTo(0.75 / 3, 14);
    expect(m.predicted.map((p) => p.matched)).toEqual([true, false]);
  });

  it('lets one predicted component detect two reference lesions', () => {
    const ref = maskFrom(dims, [[1, 1, 1], [3, 1, 1]]);
    const pred = maskFrom(dims, [[1, 1, 1], [2, 1, 1], [3, 1, 1]]);
    const m = lesionWiseMetrics(pred, ref, grid, { connectivity: 6 });
    expect([m.tp, m.fp, m.fn]).toEqual([2, 0, 0]);
    expect(m.reference.map((l) => l.dice)).toEqual([0.5, 0.5]); // 2·1 / (1 + 3)
  });

  it('uses spacing for volumes', () => {
    const ref = box(dims, [0, 0, 0], [9, 4, 9]); // 500 voxels
    const m = lesionWiseMetrics(ref, ref, { dims, spacing: [2, 1, 1] });
    expect(m.reference[0].volumeMl).toBeCloseTo(1, 14);
  });

  it('both empty: F1 1, no lesions; prediction only: all FP', () => {
    const empty = new Uint8Array(2000);
    expect(lesionWiseMetrics(empty, empty, grid)).toMatchObject({ tp: 0, fp: 0, fn: 0, f1: 1, meanLesionDice: null, lesionWiseDice: 1 });
    const m = lesionWiseMetrics(maskFrom(dims, [[0, 0, 0], [5, 5, 5]]), empty, grid);
    expect(m).toMatchObject({ tp: 0, fp: 2, fn: 0, f1: 0, lesionWiseDice: 0 });
  });

  it('dilation matching merges reference lesions whose dilations touch', () => {
    const line: Vec3 = [9, 1, 1];
    const g = { dims: line, spacing: [1, 1, 1] as Vec3 };
    const close = maskFrom(line, [[1, 0, 0], [4, 0, 0]]); // dilated by 1: [0..2] and [3..5] touch
    const far = maskFrom(line, [[1, 0, 0], [5, 0, 0]]); // dilated by 1: [0..2] and [4..6] do not
    const pred = maskFrom(line, [[3, 0, 0]]);
    expect(lesionWiseMetrics(pred, close, g)).toMatchObject({ tp: 0, fp: 1, fn: 2 });
    const merged = lesionWiseMetrics(pred, close, g, { dilationVoxels: 1 });
    expect(merged).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(merged.reference).toHaveLength(1);
    // Matched through the dilated region, yet no voxel overlaps: detected with Dice 0 (as in BraTS).
    expect(merged.reference[0]).toMatchObject({ voxels: 2, mergedComponents: 2, detected: true, dice: 0 });
    const apart = lesionWiseMetrics(pred, far, g, { dilationVoxels: 1 });
    expect(apart.reference).toHaveLength(2);
    // x = 3 lies in neither dilated region [0..2] nor [4..6].
    expect(apart).toMatchObject({ tp: 0, fp: 1, fn: 2 });
    const touching = lesionWiseMetrics(maskFrom(line, [[2, 0, 0]]), far, g, { dilationVoxels: 1 });
    expect(touching).toMatchObject({ tp: 1, fp: 0, fn: 1 });
  });

  it('rejects a negative dilation', () => {
    expect(() => lesionWiseMetrics(new Uint8Array(8), new Uint8Array(8), { dims: [2, 2, 2], spacing: [1, 1, 1] }, { dilationVoxels: -1 })).toThrow(
      /dilationVoxels/,
    );
  });
});

describe('small-lesion bins', () => {
  it('assigns half-open bins and averages Dice with misses as 0', () => {
    const lesions = [0.05, 0.1, 0.5, 1, 9.99, 10, 50].map((v, i) => ({ volumeMl: v, detected: i % 2 === 0, dice: i % 2 === 0 ? 0.8 : 0 }));
    const bins = smallLesionBins(lesions);
    expect(bins.map((b) => [b.loMl, b.hiMl, b.n, b.detected])).toEqual([
      [0, 0.1, 1, 1],
      [0.1, 1, 2, 1],
      [1, 10, 2, 1],
      [10, Infinity, 2, 1],
    ]);
    expect(bins[1].detectionRate).toBe(0.5);
    expect(bins[1].meanDice).toBeCloseTo(0.4, 14);
    expect(bins[0].meanDice).toBeCloseTo(0.8, 14);
  });

  it('accepts custom edges and reports empty bins as null', () => {
    const bins = smallLesionBins([{ volumeMl: 3, detected: true, dice: 1 }], [2]);
    expect(bins).toHaveLength(2);
    expect(bins[0]).toMatchObject({ n: 0, detectionRate: null, meanDice: null });
    expect(bins[1]).toMatchObject({ loMl: 2, n: 1, detectionRate: 1, meanDice: 1 });
  });

  it('rejects edges that do not increase', () => {
    expect(() => smallLesionBins([], [1, 1])).toThrow(/increase strictly/);
    expect(() => smallLesionBins([], [0])).toThrow(/> 0/);
  });
});

describe('per-class Dice (auxiliary classes)', () => {
  it('computes Dice per class by hand and skips absent classes in the mean', () => {
    const r = perClassDice([0, 1, 2, 2], [0, 1, 2, 1], [
      { id: 1, name: 'liver' },
      { id: 2, name: 'kidney' },
      { id: 3, name: 'spleen' },
    ]);
    expect(r.kind).toBe('auxiliary-classes');
    expect(r.classes.map((c) => c.name)).toEqual(['liver', 'kidney', 'spleen']);
    expect(r.classes[0].dice).toBeCloseTo(2 / 3, 14);
    expect(r.classes[1].dice).toBeCloseTo(2 / 3, 14);
    expect(r.classes[2]).toMatchObject({ present: false, dice: 1 });
    expect(r.meanDice).toBeCloseTo(2 / 3, 14);
  });

  it('finds classes itself when none are given, and rejects non-integer labels', () => {
    expect(perClassDice([0, 3, 3], [0, 3, 0]).classes.map((c) => c.id)).toEqual([3]);
    expect(() => perClassDice([0.5], [0])).toThrow(/voxel 0 holds 0.5/);
    expect(() => perClassDice([0, 1], [0])).toThrow(/2 voxels/);
  });
});

describe('describeLesionOverlap / formatClassDice', () => {
  it('writes the lesion Dice line and the per-class Dice table', () => {
    expect(describeLesionOverlap('binary on c1', [1, 1, 0, 0], [0, 1, 1, 0])).toBe('binary on c1: lesion Dice 0.500; predicted 2 lesion voxels, reference 2');
    const table = formatClassDice(perClassDice([1, 1, 2, 0], [1, 2, 2, 0], [{ id: 1, name: 'organ' }, { id: 2, name: 'vessel' }])).split('\n');
    expect(table[0]).toMatch(/^class\s+Dice\s+predicted voxels\s+true voxels$/);
    expect(table[2]).toMatch(/^organ\s+0\.667\s+2\s+1$/);
    expect(table[3]).toMatch(/^vessel\s+0\.667\s+1\s+2$/);
  });
});
