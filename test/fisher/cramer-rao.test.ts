import { beforeAll, describe, expect, it } from 'vitest';
import type { CramerRaoResult } from '../../lib/fisher/cramer-rao';
import { gaussHermite, runCramerRao } from '../../lib/fisher/cramer-rao';

describe('Gauss–Hermite quadrature (Golub–Welsch)', () => {
  it('integrates normal moments exactly up to degree 2n−1', () => {
    const { nodes, weights } = gaussHermite(10);
    const moment = (m: number): number => nodes.reduce((s, x, i) => s + weights[i] * x ** m, 0);
    expect(moment(0)).toBeCloseTo(1, 12);
    expect(moment(1)).toBeCloseTo(0, 12);
    expect(moment(2)).toBeCloseTo(1, 10);
    expect(moment(4)).toBeCloseTo(3, 10);
    expect(moment(6)).toBeCloseTo(15, 9);
    expect(moment(18)).toBeCloseTo(34459425, 0); // 17!!
  });
});

describe('Cramér–Rao simulation (defaults: K = 3 background sub-classes, n = 1000, R = 300, seed 1)', () => {
  let result: CramerRaoResult;
  beforeAll(() => {
    result = runCramerRao();
  });

  it('runs in seconds, every fit converges, and I_Y − I_Z ⪰ 0 in parameter space', () => {
    expect(result.seconds).toBeLessThan(20);
    expect(result.failedFits).toEqual({ binary: 0, backsplit: 0 });
    expect(result.minEigenvalueGap).toBeGreaterThanOrEqual(-1e-10);
    expect(result.traceY).toBeGreaterThan(result.traceZ);
  });

  it('BackSplit training has the lower variance, as predicted (ratio > 1 at every test point)', () => {
    for (const c of result.lesionProbability) {
      expect(c.predictedRatio).toBeGreaterThan(1);
      expect(c.empiricalRatio).toBeGreaterThan(1);
    }
  });

  it('the empirical variance ratio matches the inverse-Fisher prediction within 3 bootstrap standard errors', () => {
    // MC error: the standard error of log(Var_binary / Var_BackSplit) over the R replicates, by a
    // paired bootstrap (1000 resamples of replicate indices; both fits of a replicate share its training set)
    for (const c of [...result.lesionProbability, ...result.parameters]) {
      expect(c.logRatioStdError).toBeGreaterThan(0);
      expect(c.logRatioStdError).toBeLessThan(0.2);
      expect(Math.abs(c.zScore), `${c.label}: empirical ratio ${c.empiricalRatio}, predicted ${c.predictedRatio}`).toBeLessThanOrEqual(3);
    }
  });

  it('each arm\'s variance of p_L(x*) matches its own delta-method prediction (3 SE of a sample variance, √(2/(R−1)) in log)', () => {
    const tol = 3 * Math.sqrt(2 / (result.config.replicates - 1));
    for (const c of result.lesionProbability) {
      expect(Math.abs(Math.log(c.empiricalVariance.binary / c.predictedVariance.binary))).toBeLessThan(tol);
      expect(Math.abs(Math.log(c.empiricalVariance.backsplit / c.predictedVariance.backsplit))).toBeLessThan(tol);
    }
  });

  it('rejects a background of one class (nothing to split)', () => {
    expect(() => runCramerRao({ backgroundClasses: 1 })).toThrow(/backgroundClasses must be >= 2/);
  });
});
