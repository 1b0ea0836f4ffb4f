/**
 * Threshold tuning for the protocol's secondary endpoints (lib/eval/threshold): the grid as exact
 * decimals, Dice of {p ≥ t} at every grid value, the choice with its tie rule, and every metric of
 * the thresholded mask through lib/eval.
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../lib/core/volume';
import { evaluateSegmentation } from '../../lib/eval/evaluate';
import { overlapMetrics } from '../../lib/eval/overlap';
import { chooseThreshold, diceAtThresholds, evaluateAtThreshold, thresholdGrid, thresholdMask } from '../../lib/eval/threshold';
import { loadProtocol } from '../../lib/study/protocol';

const GRID = thresholdGrid(loadProtocol().protocol.secondary.threshold.grid);

describe('thresholdGrid', () => {
  it('gives the protocol grid as exact decimals', () => {
    expect(GRID).toEqual(Array.from({ length: 19 }, (_, i) => (5 * (i + 1)) / 100));
    expect(String(GRID[2])).toBe('0.15');
    expect(JSON.stringify(GRID.slice(0, 4))).toBe('[0.05,0.1,0.15,0.2]');
    expect(GRID[GRID.length - 1]).toBe(0.95);
  });
  it('rejects a grid that is not a whole number of steps', () => {
    expect(() => thresholdGrid({ from: 0.05, to: 0.93, step: 0.05 })).toThrow(/whole number of steps/);
    expect(() => thresholdGrid({ from: 0.5, to: 0.1, step: 0.1 })).toThrow(/from ≤ to/);
  });
});

describe('diceAtThresholds', () => {
  it('equals lib/eval overlapMetrics on {p ≥ t} at every grid value, NaN never lesion', () => {
    let s = 7;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 5; trial++) {
      const n = 500;
      const p = Float32Array.from({ length: n }, () => (rand() < 0.02 ? NaN : Math.round(rand() * 20) / 20));
      const ref = Uint8Array.from({ length: n }, () => (rand() < 0.3 ? 1 : 0));
      const got = diceAtThresholds(p, ref, GRID);
      GRID.forEach((t, j) => expect(got[j]).toBe(overlapMetrics(thresholdMask(p, t), ref).dice));
    }
  });
  it('is 1 when both masks are empty (lib/eval convention)', () => {
    expect(diceAtThresholds([0.1, 0.2], [0, 0], [0.5])).toEqual([1]);
  });
});

describe('chooseThreshold on a validation set built so the best threshold is known', () => {
  // case A: lesion = the first 3 voxels, lowest lesion p 0.45, highest background p 0.3 → perfect for t in (0.3, 0.45]
  const a = { p: [0.9, 0.7, 0.45, 0.3, 0.2, 0.1, 0.04, 0.04, 0.04, 0.04], ref: [1, 1, 1, 0, 0, 0, 0, 0, 0, 0] };
  // case B: lesion = the first 2 voxels → perfect for t in (0.3, 0.62]
  const b = { p: [0.8, 0.62, 0.3, 0.1, 0, 0, 0, 0, 0, 0], ref: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0] };
  const choice = chooseThreshold(GRID, [a, b].map((c) => diceAtThresholds(c.p, c.ref, GRID)));

  it('takes the maximum mean Dice; the tie 0.35/0.4/0.45 goes to the value closest to 0.5', () => {
    const at = (t: number) => choice.curve.find((c) => c.threshold === t)!.mean;
    for (const t of [0.35, 0.4, 0.45]) expect(at(t)).toBe(1);
    // by hand: at 0.5 case A keeps 2 of 3 lesion voxels (Dice 4/5), case B is perfect
    expect(at(0.5)).toBeCloseTo(0.9, 15);
    // at 0.05 both cases add background voxels: A 6 predicted (Dice 6/9), B 4 predicted (Dice 4/6)
    expect(at(0.05)).toBeCloseTo(2 / 3, 15);
    expect(choice.threshold).toBe(0.45);
    expect(JSON.stringify(choice.threshold)).toBe('0.45');
    expect(choice.cases).toBe(2);
  });

  it('two values equally close to 0.5 go to the lower one', () => {
    expect(chooseThreshold([0.4, 0.45, 0.5, 0.55, 0.6], [[0.1, 0.9, 0.5, 0.9, 0.1]]).threshold).toBe(0.45);
    expect(chooseThreshold([0.4, 0.45, 0.5, 0.55, 0.6], [[0.1, 0.8, 0.5, 0.9, 0.1]]).threshold).toBe(0.55);
  });

  it('with no validation case every value ties: the one closest to 0.5, the curve holds nulls', () => {
    const none = chooseThreshold(GRID, []);
    expect(none.threshold).toBe(0.5);
    expect(none.cases).toBe(0);
    expect(none.curve.every((c) => c.mean === null)).toBe(true);
  });
});

describe('evaluateAtThreshold', () => {
  // a row of 10 voxels (1 mm): reference lesion = voxels 2..5
  const dims: Vec3 = [10, 1, 1];
  const spacing: Vec3 = [1, 1, 1];
  const ref = { data: Uint8Array.from([0, 0, 1, 1, 1, 1, 0, 0, 0, 0]), dims, spacing };
  const prob = { data: Float32Array.from([0, 0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.5, 0.1, 0.55]), dims, spacing };

  it('scores {p ≥ t} with lib/eval: the same numbers as evaluateSegmentation of the mask', () => {
    for (const t of [0.05, 0.5, 0.6, 0.95]) {
      const mask = { data: thresholdMask(prob.data, t), dims, spacing };
      expect(evaluateAtThreshold(prob, ref, t, { toleranceMm: 1 })).toEqual(evaluateSegmentation(mask, ref, { toleranceMm: 1 }));
    }
  });

  it('closed form at t = 0.5: voxels 2..7 and a false-positive voxel 9', () => {
    const e = evaluateAtThreshold(prob, ref, 0.5, { toleranceMm: 1 });
    // 4 shared voxels, 7 predicted, 4 reference
    expect(e.overlap.dice).toBeCloseTo(8 / 11, 15);
    // every voxel of a 1-voxel-thick row is a surface voxel; pred → ref distances 0,0,0,0,1,2,4; ref → pred all 0
    // NSD at 1 mm: (5 + 4) / (7 + 4); HD95: P95 of the 7 distances = 2 + 0.7 · (4 − 2)
    expect(e.surface.nsd).toBeCloseTo(9 / 11, 15);
    expect(e.surface.hd95Mm).toBeCloseTo(3.4, 12);
    // one detected lesion and one false-positive component: F1 = 2 / (2 + 1)
    expect(e.lesions.f1).toBeCloseTo(2 / 3, 15);
  });

  it('an empty mask at t = 0.95: Dice 0, NSD 0, HD95 undefined, lesion F1 0', () => {
    const e = evaluateAtThreshold(prob, ref, 0.95);
    expect([e.overlap.dice, e.surface.nsd, e.surface.hd95Mm, e.lesions.f1]).toEqual([0, 0, null, 0]);
  });
});
