/**
 * FROC, seed statistics and distribution functions against the committed reference
 * test/fixtures/eval/stats_reference.json, written by data-scripts/fixtures/make_stats_fixtures.py
 * (numpy / scipy; see its header for what each number comes from). Tolerances: counts, FROC
 * points and exact p-values to 1e-12 (same arithmetic up to summation order); Φ to 1e-14; t and
 * noncentral t CDFs and the power to 1e-8 (Simpson quadrature vs Boost); t quantiles to 1e-8
 * relative; the Monte-Carlo sign-flip p within 4 binomial standard errors of the exact value.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../lib/core/volume';
import { makeVolume } from '../../lib/core/volume';
import type { Connectivity } from '../../lib/core/morphology';
import { frocCase, frocEvaluator, partialAuc, sensitivityAtFpRate } from '../../lib/eval';
import type { FrocCase } from '../../lib/eval/froc';
import { normalCdf, studentTCdf, studentTQuantile } from '../../lib/eval/distributions';
import { holmAdjust, pairedTPower, seedsForPower, signFlipTest } from '../../lib/eval/seed-stats';

interface Curve {
  candidates: number;
  minVolumeMl: number;
  maxVolumeMl: number | null;
  weights: number[] | null;
  points: { threshold: number; fpPerCase: number; sensitivity: number }[] | null;
  sensitivityAt: Record<string, number> | null;
  pAuc: Record<string, number> | null;
}

const ref = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'eval', 'stats_reference.json'), 'utf8'));

describe('distribution functions vs scipy.stats', () => {
  it('normal CDF', () => {
    for (const { x, cdf } of ref.distributions.normal) expect(Math.abs(normalCdf(x) - cdf)).toBeLessThan(1e-14);
    expect(normalCdf(NaN)).toBeNaN();
  });

  it('central and noncentral t CDF (df 1–199, ncp 0–6)', () => {
    let worst = 0;
    for (const { t, df, ncp, cdf } of ref.distributions.studentT) worst = Math.max(worst, Math.abs(studentTCdf(t, df, ncp) - cdf));
    expect(worst).toBeLessThan(1e-8);
  });

  it('t quantiles', () => {
    for (const { p, df, q } of ref.distributions.tQuantile) expect(Math.abs(studentTQuantile(p, df) - q) / q).toBeLessThan(1e-8);
  });
});

describe('power line vs scipy noncentral t', () => {
  it('power of the paired t-test', () => {
    for (const { n, d, alpha, power } of ref.power.power) expect(Math.abs(pairedTPower(n, d, alpha) - power)).toBeLessThan(1e-8);
  });

  it('seeds needed (linear search in Python, bisection here)', () => {
    for (const { effect, sd, tApprox } of ref.power.seedsNeeded) {
      const r = seedsForPower(effect, sd);
      expect(r.tApprox).toBe(tApprox);
      expect(r.seeds).toBe(Math.max(tApprox, 6));
    }
  });
});

describe('sign-flip test and Holm vs numpy enumeration', () => {
  it('exact p-values, with ties and zeros', () => {
    for (const { d, p } of ref.signFlip.exact) {
      const r = signFlipTest(d);
      expect(r?.method).toBe('exact');
      expect(Math.abs((r?.p as number) - p)).toBeLessThan(1e-12);
    }
  });

  it('Monte-Carlo p for 20 seeds within 4 standard errors of the exact p', () => {
    const { d, p } = ref.signFlip.monteCarlo;
    const draws = 100000;
    const r = signFlipTest(d, { draws, seed: 3 });
    expect(r?.method).toBe('monte-carlo');
    expect(Math.abs((r?.p as number) - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws));
  });

  it('Holm adjustment', () => {
    for (const { p, adjusted } of ref.holm) {
      const got = holmAdjust(p) as number[];
      got.forEach((x, i) => expect(Math.abs(x - adjusted[i])).toBeLessThan(1e-12));
    }
  });
});

describe('FROC vs scipy.ndimage', () => {
  const { dims, spacing } = ref.froc as { dims: Vec3; spacing: Vec3 };
  const cases = (ref.froc.cases as { caseId: string; prob: number[]; ref: number[] }[]).map((c) => ({
    caseId: c.caseId,
    probability: makeVolume(Float32Array.from(c.prob), dims, spacing),
    ref: makeVolume(Uint8Array.from(c.ref), dims, spacing),
  }));
  const candidateSets = ref.froc.candidates as { candidateThreshold: number; connectivity: Connectivity; perCase: Omit<FrocCase, 'caseId'>[] }[];

  it('candidates per case: false-positive scores and lesion volumes and detection scores', () => {
    for (const set of candidateSets) {
      const got = cases.map((c) => frocCase(c, { candidateThreshold: set.candidateThreshold, connectivity: set.connectivity }));
      got.forEach((g, i) => {
        const want = set.perCase[i];
        expect(g.falsePositiveScores.slice().sort((a, b) => a - b)).toEqual(want.falsePositiveScores);
        // ndimage and lib/core number components alike (first voxel in x-fastest order)
        expect(g.lesions.map((l) => l.score)).toEqual(want.lesions.map((l) => l.score));
        g.lesions.forEach((l, k) => expect(Math.abs(l.volumeMl - want.lesions[k].volumeMl)).toBeLessThan(1e-12));
      });
    }
  });

  it('pooled curves (plain and weighted), sensitivity at 0.5–4 FP/case and pAUC to 1 and 4, also in one pass', () => {
    for (const curve of ref.froc.curves as Curve[]) {
      const set = candidateSets[curve.candidates];
      const perCase = cases.map((c) => frocCase(c, { candidateThreshold: set.candidateThreshold, connectivity: set.connectivity }));
      const evaluate = frocEvaluator(perCase, { minVolumeMl: curve.minVolumeMl, maxVolumeMl: curve.maxVolumeMl ?? Infinity });
      const weights = curve.weights ?? new Float64Array(perCase.length).fill(1);
      const got = evaluate.curve(weights);
      if (curve.points === null) {
        expect([got, evaluate.partialAuc(weights, 4), evaluate.sensitivityAtFpRate(weights, 1)]).toEqual([null, null, null]);
        continue;
      }
      expect(got).not.toBeNull();
      const points = got!.points;
      expect(points.map((p) => p.threshold)).toEqual(curve.points.map((p) => p.threshold));
      points.forEach((p, i) => {
        expect(Math.abs(p.fpPerCase - curve.points![i].fpPerCase)).toBeLessThan(1e-12);
        expect(Math.abs(p.sensitivity - curve.points![i].sensitivity)).toBeLessThan(1e-12);
      });
      for (const [r, s] of Object.entries(curve.sensitivityAt!)) expect(Math.abs(sensitivityAtFpRate(points, Number(r)) - s)).toBeLessThan(1e-12);
      for (const [r, a] of Object.entries(curve.pAuc!)) expect(Math.abs(partialAuc(points, Number(r)) - a)).toBeLessThan(1e-12);
      // the one-pass statistics of the bootstrap are exactly the point-based ones
      for (const r of [0.5, 1, 2, 4]) {
        expect(evaluate.partialAuc(weights, r)).toBe(partialAuc(points, r));
        expect(evaluate.sensitivityAtFpRate(weights, r)).toBe(sensitivityAtFpRate(points, r));
      }
    }
  });
});
