import { describe, expect, it } from 'vitest';
import { gapSurface } from '../../lib/fisher/closed-form';
import type { CramerRaoResult, VarianceComparison } from '../../lib/fisher/cramer-rao';
import {
  cramerRaoRows, cramerRaoSweepRows, describeCramerRaoInformation, describeSweepZ, formatTrace, gapSurfaceMaximum, traceDifference, traceShare, uniformSplits,
} from '../../lib/fisher/summaries';

describe('uniformSplits / gapSurfaceMaximum', () => {
  it('spreads the mass evenly and finds the largest gap', () => {
    expect(uniformSplits([1, 2, 4], 4)).toEqual([[1, 0, 0, 0], [0.5, 0.5, 0, 0], [0.25, 0.25, 0.25, 0.25]]);
    // tr gap = (1 − p_L)(1 − Σ q²): largest at the smallest p_L and the widest spread
    const surface = gapSurface([0.1, 0.5], uniformSplits([1, 2, 4], 4));
    expect(gapSurfaceMaximum(surface)).toEqual({ gap: surface.gap[2][0], row: 2, col: 0 });
    expect(surface.gap[2][0]).toBeCloseTo(0.9 * 0.75, 12);
    expect(gapSurfaceMaximum({ gap: [[0, 1], [3, 3]] })).toEqual({ gap: 3, row: 1, col: 0 });
  });
});

describe('traceShare / traceDifference / formatTrace', () => {
  it('sums the maps and compares Y with Z', () => {
    expect(traceShare([[1, 0], [0, 1]], [[2, 2], [2, 2]])).toEqual({ sumGap: 2, sumY: 8, voxels: 4, percent: 25 });
    expect(traceDifference({ trace: 5, traceStdError: 3, perLayer: [] }, { trace: 1, traceStdError: 4, perLayer: [] })).toEqual({ difference: 4, combinedStdError: 5, inStdErrors: 0.8 });
    expect(traceDifference({ trace: 5, perLayer: [] }, { trace: 1, perLayer: [] }).inStdErrors).toBeNaN();
    expect(formatTrace({ trace: 12.345, traceStdError: 0.4567 })).toBe('12.3 ± 0.46');
  });
});

describe('Cramér–Rao rows and lines', () => {
  const comparison = (z: number) => ({
    label: 'p_L', truth: 0.5, empiricalVariance: { binary: 0.02, backsplit: 0.01 }, predictedVariance: { binary: 0.021, backsplit: 0.0099 },
    empiricalRatio: 2, predictedRatio: 2.12121, zScore: z,
  }) as unknown as VarianceComparison;
  const result = (K: number, n: number, z: number) => ({
    config: { backgroundClasses: K, trainSize: n, replicates: 60 }, traceY: 3.14159, traceZ: 1.5, minEigenvalueGap: 1e-3, lesionProbability: [comparison(z)],
  }) as unknown as CramerRaoResult;
  it('formats the comparison rows', () => {
    expect(cramerRaoRows([comparison(-0.456)])).toEqual([['p_L', '0.5', '0.02', '0.021', '0.01', '0.0099', '2', '2.12', '-0.46']]);
    expect(cramerRaoSweepRows([result(3, 1000, 1.234)])).toEqual([[3, 1000, 60, '3.14', '1.5', '2', '2.12', '1.2']]);
  });
  it('writes the information line and the z sweep', () => {
    expect(describeCramerRaoInformation(result(2, 1, 0))).toBe('per-example exact Fisher in parameter space: tr I_Y = 3.14, tr I_Z = 1.5, smallest eigenvalue of I_Y − I_Z = 1.00e-3 (≥ 0 up to rounding, as the theorem says)');
    expect(describeCramerRaoInformation({ traceY: 1, traceZ: 1, minEigenvalueGap: -0.5 })).toMatch(/NEGATIVE/);
    expect(describeSweepZ([result(2, 1000, 0.5)], [result(2, 20000, -1.25)])).toBe('K = 2: z = 0.5 at n = 1000, z = -1.3 at n = 20000 (|z| < 2: agreement within Monte-Carlo error).');
  });
});
