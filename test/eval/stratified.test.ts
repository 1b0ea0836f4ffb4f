/**
 * Pooled size-bin statistics with case-bootstrap intervals, and the
 * FROC-style detection curve, on hand-made inputs.
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../lib/core/volume';
import { makeVolume } from '../../lib/core/volume';
import { LesionRow, binLabel, binStatistics, detectionCurve } from '../../lib/eval';

const row = (c: string, model: string, volumeMl: number, detected: boolean, dice: number): LesionRow => ({
  case: c, model, seed: null, lesion: 1, volumeMl, detected, dice,
});

describe('binStatistics', () => {
  const rows = [
    row('a', 'backsplit', 0.05, true, 0.8),
    row('a', 'backsplit', 0.5, false, 0),
    row('b', 'backsplit', 0.05, false, 0),
    row('b', 'backsplit', 5, true, 0.9),
    row('a', 'binary', 0.05, false, 0),
  ];

  it('pools lesions of one model into bins with labels and case counts', () => {
    const s = binStatistics(rows, 'backsplit', { bootstrapSamples: 2000, seed: 1 });
    expect(s.map((b) => b.label)).toEqual(['< 0.1 mL', '0.1–1 mL', '1–10 mL', '≥ 10 mL']);
    expect(s.map((b) => [b.n, b.detected, b.cases])).toEqual([[2, 1, 2], [1, 0, 1], [1, 1, 1], [0, 0, 0]]);
    expect(s[0].detectionRate).toBe(0.5);
    expect(s[0].meanDice).toBeCloseTo(0.4, 14);
    expect(s[3]).toMatchObject({ detectionRate: null, detectionRateCi: null, meanDice: null, meanDiceCi: null });
    expect(s.every((b) => b.model === 'backsplit')).toBe(true);
  });

  it('resamples cases: intervals span the case-to-case spread', () => {
    const s = binStatistics(rows, 'backsplit', { bootstrapSamples: 2000, seed: 1 });
    // bin 0: case a alone → rate 1, case b alone → 0, both → 0.5
    expect(s[0].detectionRateCi).toEqual([0, 1]);
    // bin 2 only has case b's lesion: every resample that contains it gives Dice 0.9
    expect(s[2].meanDiceCi![0]).toBeCloseTo(0.9, 14);
    expect(s[2].meanDiceCi![1]).toBeCloseTo(0.9, 14);
    expect(binStatistics(rows, 'backsplit', { bootstrapSamples: 500, seed: 7 })).toEqual(binStatistics(rows, 'backsplit', { bootstrapSamples: 500, seed: 7 }));
  });

  it('gives no interval from a single case and validates options', () => {
    const s = binStatistics(rows, 'binary');
    expect(s[0]).toMatchObject({ n: 1, detectionRate: 0, detectionRateCi: null });
    expect(() => binStatistics(rows, 'binary', { confidence: 0 })).toThrow(/confidence/);
    expect(() => binStatistics(rows, 'binary', { edgesMl: [2, 1] })).toThrow(/increase strictly/);
    expect(binLabel(0.1, 1)).toBe('0.1–1 mL');
  });
});

describe('detectionCurve', () => {
  const dims: Vec3 = [12, 6, 6];
  const at = (i: number, j: number, k: number) => i + dims[0] * (j + dims[1] * k);

  function makeCase(id: string) {
    const ref = new Uint8Array(dims[0] * dims[1] * dims[2]);
    const prob = new Float32Array(ref.length);
    for (let k = 1; k <= 3; k++) for (let j = 1; j <= 3; j++) for (let i = 1; i <= 3; i++) {
      ref[at(i, j, k)] = 1; // big lesion, 27 voxels
      prob[at(i, j, k)] = 0.9;
    }
    ref[at(8, 1, 1)] = 1; // small lesion, 1 voxel
    prob[at(8, 1, 1)] = 0.2;
    prob[at(10, 4, 4)] = 0.4; // false positive blob
    return { caseId: id, probability: makeVolume(prob, dims, [1, 1, 1]), ref: makeVolume(ref, dims, [1, 1, 1]) };
  }

  it('traces sensitivity and FP per case by threshold', () => {
    const pts = detectionCurve([makeCase('a'), makeCase('b')], [0.1, 0.3, 0.5, 0.95]);
    expect(pts.map((p) => [p.threshold, p.sensitivity, p.fpPerCase])).toEqual([
      [0.1, 1, 1],
      [0.3, 0.5, 1],
      [0.5, 0.5, 0],
      [0.95, 0, 0],
    ]);
    expect(pts[1]).toMatchObject({ tp: 2, fn: 2, fp: 2, cases: 2 });
  });

  it('restricts the sensitivity to a lesion-size subset', () => {
    const small = detectionCurve([makeCase('a')], [0.1, 0.3], { maxVolumeMl: 0.01 });
    expect(small.map((p) => [p.sensitivity, p.tp + p.fn, p.fp])).toEqual([[1, 1, 1], [0, 1, 1]]);
    const none = detectionCurve([makeCase('a')], [0.5], { minVolumeMl: 1 });
    expect(none[0].sensitivity).toBeNull();
  });

  it('validates its inputs', () => {
    expect(() => detectionCurve([], [0.5])).toThrow(/no cases/);
    expect(() => detectionCurve([makeCase('a')], [NaN])).toThrow(/finite/);
    expect(() => detectionCurve([makeCase('a')], [0.5], { minVolumeMl: 2, maxVolumeMl: 1 })).toThrow(/below/);
    const c = makeCase('x');
    const bad = { ...c, probability: makeVolume(new Float32Array(10 * 6 * 6), [10, 6, 6], [1, 1, 1]) };
    expect(() => detectionCurve([bad], [0.5])).toThrow(/case x probability map has dims 10x6x6 but case x reference has dims 12x6x6/);
  });
});
