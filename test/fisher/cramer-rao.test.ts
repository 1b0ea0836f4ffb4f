import { beforeAll, describe, expect, it } from 'vitest';
import type { CramerRaoResult } from '../../lib/fisher/cramer-rao';
import { cramerRaoInformation, runCramerRao } from '../../lib/fisher/cramer-rao';
import { buildProblem, gaussHermite, sampleDataset } from '../../lib/fisher/cramer-rao-model';
import { fitTwoLogit, twoLogitLimit } from '../../lib/fisher/cramer-rao-binary';
import { diceCeGradient, diceCeLimit, diceCeLoss, fitDiceCe } from '../../lib/fisher/cramer-rao-dice';
import { Random } from '../../lib/core/random';

/**
 * Family-wise threshold for the z-scores below. Each z is ~N(0, 1) when the prediction is right
 * and its Monte-Carlo error honest (checked over seeds 1..40 and K = 2, 3, 4, 6 by
 * data-scripts/cramer-rao-calibration.ts). The test checks m = 13 ratio z-scores (4 lesion
 * probabilities + 9 parameters at K = 3) and 8 per-arm z-scores, 21 in all; Bonferroni at a
 * family-wise rate of 1 % needs 2 (1 − Φ(z)) ≤ 0.01 / 21 = 4.76e-4, i.e. z ≥ 3.49; at 3.5 the
 * bound is 21 × 4.65e-4 = 0.98 %. (|z| ≤ 3 per check, as before, is a 5.5 % family-wise rate even
 * for independent calibrated z-scores.) The 2-logit arm adds 4 ratio and 4 arm z-scores: 29 checks,
 * a family-wise bound of 29 × 4.65e-4 = 1.35 % at 3.5.
 */
const Z_CRIT = 3.5;

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

describe('Cramér–Rao simulation (defaults: K = 3 background sub-classes, asymptotic n, R = 300, seed 1)', () => {
  let result: CramerRaoResult;
  beforeAll(() => {
    result = runCramerRao();
  });

  it('picks an n in the asymptotic regime, every fit converges, and I_Y − I_Z ⪰ 0 in parameter space', () => {
    // v_Z / τ² with v_Z ≈ 811 for K = 3 and τ = 0.45, rounded up to a multiple of 500
    expect(result.config.trainSize).toBe(4500);
    expect(result.asymptotic).toBe(true);
    expect(result.logitSd.binary).toBeLessThanOrEqual(result.config.asymptoticLogitSd);
    expect(result.logitSd.backsplit).toBeLessThan(result.logitSd.binary);
    expect(result.failedFits).toEqual({ binary: 0, backsplit: 0, twoLogit: 0 });
    expect(result.minEigenvalueGap).toBeGreaterThanOrEqual(-1e-10);
    expect(result.traceY).toBeGreaterThan(result.traceZ);
  });

  it('BackSplit training has the lower variance, as predicted (ratio > 1), wherever the prediction is resolvable', () => {
    for (const c of result.lesionProbability) expect(c.predictedRatio).toBeGreaterThan(1);
    // Where the predicted log-ratio exceeds Z_CRIT Monte-Carlo errors, an empirical ratio ≤ 1 would
    // be a ≥ 3.5 SE deviation; elsewhere (e.g. the outermost test point, predicted ratio 1.12, ~2.7 SE)
    // "> 1" would hold only by chance, and the z-score check below covers it.
    // (the point halfway to the first sub-class, predicted ratio 1.66, is ~8 SE from 1 at R = 300)
    const resolvable = result.lesionProbability.filter((c) => Math.log(c.predictedRatio) > Z_CRIT * c.logRatioStdError);
    expect(resolvable.length).toBeGreaterThanOrEqual(1);
    for (const c of resolvable) expect(c.empiricalRatio, c.label).toBeGreaterThan(1);
  });

  it('the empirical variance ratio matches the inverse-Fisher prediction within its Monte-Carlo error (|z| ≤ 3.5, family-wise 1 %)', () => {
    for (const c of [...result.lesionProbability, ...result.parameters]) {
      // delta-method SE of a log variance ratio of R = 300 paired replicates: for normal estimates
      // with correlation ρ it is 2 √((1 − ρ²) / R) ≤ 0.115; heavier tails make it larger
      expect(c.logRatioStdError).toBeGreaterThan(0);
      expect(c.logRatioStdError).toBeLessThan(0.2);
      // the paired bootstrap estimates the same error; with B = 1000 its own noise is ~2 %, and the
      // two estimators differ by O(1/R): 25 % apart would mean one of them is wrong
      expect(Math.abs(Math.log(c.bootstrapLogRatioStdError / c.logRatioStdError)), c.label).toBeLessThan(0.25);
      expect(Math.abs(c.zScore), `${c.label}: empirical ratio ${c.empiricalRatio}, predicted ${c.predictedRatio}, SE(log) ${c.logRatioStdError}`).toBeLessThanOrEqual(Z_CRIT);
    }
  });

  it("each arm's variance of p_L(x*) matches its own delta-method prediction (|z| ≤ 3.5 with the replicates' own SE of a log variance)", () => {
    for (const c of result.lesionProbability) {
      for (const arm of ['binary', 'backsplit'] as const) {
        // SE of log(sample variance) from the replicates' kurtosis: √(2/(R−1)) = 0.082 for normal
        // estimates, and it can only be somewhat larger for these near-normal MLEs
        expect(c.logVarianceStdError[arm]).toBeGreaterThan(0.5 * Math.sqrt(2 / (result.config.replicates - 1)));
        expect(c.logVarianceStdError[arm]).toBeLessThan(2 * Math.sqrt(2 / (result.config.replicates - 1)));
        expect(Math.abs(c.armZScore[arm]), `${c.label} ${arm}: empirical ${c.empiricalVariance[arm]}, predicted ${c.predictedVariance[arm]}`).toBeLessThanOrEqual(Z_CRIT);
      }
    }
  });

  it('the 2-logit arm (binary training as practised) has the sandwich variance of a misspecified head, not its model-based one', () => {
    for (const c of result.twoLogit.lesionProbability) {
      // it converges to its own limit β*, away from the truth (the quadratic head cannot follow −logsumexp of K linear logits)
      expect(Math.abs(c.bias)).toBeGreaterThan(0.05);
      const se = c.logVarianceStdError.binary;
      expect(se).toBeGreaterThan(0.5 * Math.sqrt(2 / (result.config.replicates - 1)));
      expect(se).toBeLessThan(2 * Math.sqrt(2 / (result.config.replicates - 1)));
      expect(Math.abs(c.armZScore.binary), `${c.label}: empirical ${c.empiricalVariance.binary}, sandwich ${c.predictedVariance.binary}`).toBeLessThanOrEqual(Z_CRIT);
      expect(Math.abs(c.zScore), `${c.label}: ratio ${c.empiricalRatio} vs ${c.predictedRatio}`).toBeLessThanOrEqual(Z_CRIT);
      expect(Math.abs(c.armZScore.backsplit)).toBeLessThanOrEqual(Z_CRIT);
    }
    // A ≠ B: the sandwich differs from the model-based variance by several per cent somewhere
    expect(Math.max(...result.twoLogit.lesionProbability.map((c) => Math.abs(Math.log(c.predictedVariance.binary / c.modelBasedVariance))))).toBeGreaterThan(0.05);
  });

  it("the 2-logit head's limit β* solves the population score equation and is where large-sample fits go", () => {
    const prob = buildProblem(3, 2.5, 0.25);
    const lim = twoLogitLimit(prob);
    expect(lim.scoreNorm).toBeLessThan(1e-12);
    // symmetric problem under x₁ → −x₁: the x₁ and x₀x₁ coefficients vanish
    expect(Math.abs(lim.beta[2])).toBeLessThan(1e-10);
    expect(Math.abs(lim.beta[4])).toBeLessThan(1e-10);
    const n = 200000;
    const fitted = fitTwoLogit(new Float64Array(6), sampleDataset(prob, n, new Random(8)))!;
    for (let j = 0; j < 6; j++) {
      const sd = Math.sqrt(lim.sandwich[j * 6 + j] / n);
      expect(Math.abs(fitted[j] - lim.beta[j]) / sd, `β_${j}`).toBeLessThan(4);
    }
  });

  it('rejects a background of one class (nothing to split)', () => {
    expect(() => runCramerRao({ backgroundClasses: 1 })).toThrow(/backgroundClasses must be >= 2/);
  });
});

describe('Dice + CE training (an M-estimator) in the simulation', () => {
  it('the analytic gradient of the Dice + CE loss matches central differences', () => {
    const prob = buildProblem(3, 2.5, 0.25);
    const data = sampleDataset(prob, 300, new Random(4));
    const theta = prob.theta.map((t, i) => t + 0.1 * Math.sin(i + 1));
    const g = diceCeGradient(theta, 3, data);
    const h = 1e-6;
    g.forEach((gi, i) => {
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[i] += h;
      down[i] -= h;
      expect(Math.abs((diceCeLoss(up, 3, data) - diceCeLoss(down, 3, data)) / (2 * h) - gi)).toBeLessThan(1e-7);
    });
  });

  it('its limit θ* zeroes the population gradient, and large-sample fits go there (within 4 sandwich SDs)', () => {
    const prob = buildProblem(3, 2.5, 0.25);
    const lim = diceCeLimit(prob);
    expect(lim.gradientNorm).toBeLessThan(1e-10);
    const n = 100000;
    const fitted = fitDiceCe(lim, 3, sampleDataset(prob, n, new Random(6)))!;
    expect(fitted).not.toBeNull();
    fitted.forEach((t, j) => expect(Math.abs(t - lim.theta[j]) / Math.sqrt(lim.sandwich[j * 9 + j] / n), `θ_${j}`).toBeLessThan(4));
    // Dice moves the estimate away from the truth (it is not the likelihood)
    expect(Math.max(...lim.theta.map((t, j) => Math.abs(t - prob.theta[j])))).toBeGreaterThan(0.1);
  });

  it('over R = 300 training sets (K = 3, seed 1) the variance of p_L(x*) matches the sandwich, not the CE MLE (|z| ≤ 3.5)', () => {
    const r = runCramerRao({ diceCe: true, bootstrap: 200 });
    expect(r.failedFits.diceCe).toBe(0);
    const rows = r.diceCe!.lesionProbability;
    for (const c of rows) {
      expect(Math.abs(c.armZScore.binary), `${c.label}: empirical ${c.empiricalVariance.binary}, sandwich ${c.predictedVariance.binary}`).toBeLessThanOrEqual(Z_CRIT);
      expect(Math.abs(c.zScore), `${c.label}: ratio ${c.empiricalRatio} vs ${c.predictedRatio}`).toBeLessThanOrEqual(Z_CRIT);
    }
    // at the lesion centre the Dice term sharpens p_L (limit 0.95 vs truth 0.88) and the sandwich variance is ~3× below the
    // CE MLE's: the model-based prediction would be off by far more than the Monte-Carlo error
    const centre = rows[0];
    expect(centre.bias).toBeGreaterThan(0.03);
    expect(Math.log(centre.modelBasedVariance / centre.predictedVariance.binary)).toBeGreaterThan(5 * centre.logVarianceStdError.binary);
  }, 120_000);
});

describe('Cramér–Rao simulation with many sub-classes', () => {
  it('sizes n from the binary information, which shrinks fast with K (I_Z stays positive definite)', () => {
    const variances = [2, 3, 4, 5, 6].map((K) => {
      const info = cramerRaoInformation({ backgroundClasses: K });
      expect(info.eigenvaluesZ[0], `K = ${K}`).toBeGreaterThan(0);
      return info.logitVariance.binary;
    });
    for (let i = 1; i < variances.length; i++) expect(variances[i]).toBeGreaterThan(variances[i - 1]);
  });

  it('K = 5 at n = 1000 (far from asymptotic) counts the binary fits whose MLE runs off to infinity instead of throwing', () => {
    // with 5 sub-classes, lesion-vs-rest labels from 1000 examples often cannot pin down every
    // sub-class: the coarsened likelihood keeps increasing as one sub-class's logit goes to −∞
    const r = runCramerRao({ backgroundClasses: 5, trainSize: 1000, replicates: 20, bootstrap: 0, seed: 1 });
    expect(r.asymptotic).toBe(false);
    expect(r.failedFits.backsplit).toBe(0);
    expect(r.failedFits.twoLogit).toBe(0);
    expect(r.failedFits.binary).toBeGreaterThan(0);
    expect(r.failedFits.binary).toBeLessThan(10);
  });

  it('K = 5 at its automatic n fits every replicate', () => {
    const r = runCramerRao({ backgroundClasses: 5, replicates: 10, bootstrap: 0, seed: 1 });
    expect(r.config.trainSize).toBe(27000); // v_Z^1.5 / κ: the excess criterion, not the τ one (18000), sets n at K = 5
    expect(r.excessIndex).toBeLessThanOrEqual(8);
    expect(r.asymptotic).toBe(true);
    expect(r.failedFits).toEqual({ binary: 0, backsplit: 0, twoLogit: 0 });
  });
});
