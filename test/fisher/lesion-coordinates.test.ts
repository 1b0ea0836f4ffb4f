/**
 * The lesion chart at the logits (lib/fisher/lesion-coordinates.ts): on thousands
 * of random voxels, the ψ entry of the Fisher is p_L(1 − p_L) under Y and under Z,
 * the Fisher is block-diagonal in (ψ, φ, s), and the gap I_Y − I_Z lives in the φ
 * block only (it annihilates the lesion logit and the shift) — to 1e-12.
 */
import { describe, expect, it } from 'vitest';
import { fisherGap, fisherY, fisherZ, lesionVsRest, softmaxRows } from '../../lib/fisher/closed-form';
import {
  lesionChartFisher,
  lesionChartFisherClosedForm,
  lesionChartJacobian,
  lesionCoordinates,
  logitsFromLesionCoordinates,
  psiLogitGradient,
} from '../../lib/fisher/lesion-coordinates';
import { Random } from '../../lib/core/random';

const CASES = 5000;

/** Random voxel: K in 3..10, logits with a random scale (up to e³ ≈ 20, so p spans many decades), random lesion class. */
function randomVoxel(rng: Random): { K: number; L: number; eta: Float64Array; p: Float64Array } {
  const K = 3 + rng.int(8);
  const scale = Math.exp(rng.range(-2, 3));
  const eta = Float64Array.from({ length: K }, () => scale * rng.normal() + rng.range(-5, 5));
  return { K, L: rng.int(K), eta, p: softmaxRows(eta, K) };
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('lesion chart ξ = (ψ, φ, s)', () => {
  it('maps logits to coordinates and back, and its Jacobian matches central differences', () => {
    const rng = new Random(11);
    for (let c = 0; c < 500; c++) {
      const { K, L, eta, p } = randomVoxel(rng);
      const xi = lesionCoordinates(eta, L);
      const back = logitsFromLesionCoordinates(xi, L);
      // the chart fixes the shift to logsumexp(η_B), so the round trip is exact up to rounding
      expect(maxAbs(back, eta)).toBeLessThan(1e-12 * (1 + Math.max(...eta.map(Math.abs))));
      const a = lesionChartJacobian(p, L);
      const h = 1e-6;
      const coords = [xi.psi, ...xi.phi, xi.shift];
      for (let j = 0; j < K; j++) {
        const shifted = (d: number): Float64Array => {
          const v = coords.slice();
          v[j] += d;
          return logitsFromLesionCoordinates({ psi: v[0], phi: Float64Array.from(v.slice(1, K - 1)), shift: v[K - 1] }, L);
        };
        const plus = shifted(h);
        const minus = shifted(-h);
        for (let k = 0; k < K; k++) expect(Math.abs((plus[k] - minus[k]) / (2 * h) - a[k * K + j])).toBeLessThan(1e-6);
      }
    }
    expect(lesionCoordinates([0, 0, 0], 2).psi).toBeCloseTo(-Math.log(2), 15);
  });

  it(`ψ block = p_L(1 − p_L) under Y and Z, block-diagonal, gap only in φ — ${CASES} random voxels, to 1e-12`, () => {
    const rng = new Random(2026);
    let worst = 0;
    for (let c = 0; c < CASES; c++) {
      const { K, L, p } = randomVoxel(rng);
      const chart = lesionChartFisher(p, L);
      const closed = lesionChartFisherClosedForm(p, L);
      const pL = p[L];
      // the ψ entry is the Bernoulli information of the lesion, identical under Y and Z
      expect(Math.abs(chart.y[0] - pL * (1 - pL))).toBeLessThan(1e-12);
      expect(Math.abs(chart.z[0] - pL * (1 - pL))).toBeLessThan(1e-12);
      expect(Math.abs(chart.y[0] - chart.z[0])).toBeLessThan(1e-12);
      for (let j = 1; j < K; j++) {
        // no cross-information between ψ and the split (block-diagonal), none in the shift
        expect(Math.abs(chart.y[j])).toBeLessThan(1e-12);
        expect(Math.abs(chart.y[j * K])).toBeLessThan(1e-12);
        // the gap has no ψ row or column
        expect(Math.abs(chart.gap[j])).toBeLessThan(1e-12);
        expect(Math.abs(chart.gap[j * K])).toBeLessThan(1e-12);
        expect(Math.abs(chart.y[(K - 1) * K + j - 1])).toBeLessThan(1e-12);
      }
      expect(Math.abs(chart.gap[0])).toBeLessThan(1e-12);
      // Z sees ψ only
      for (let i = 1; i < K * K; i++) expect(Math.abs(chart.z[i])).toBeLessThan(1e-12);
      // the whole matrices equal the closed form of the chart
      worst = Math.max(worst, maxAbs(chart.y, closed.y), maxAbs(chart.z, closed.z), maxAbs(chart.gap, closed.gap));
      // in logit space: the gap annihilates the lesion logit e_L (= ∂η/∂ψ) and the shift 1
      const groups = lesionVsRest(K, L);
      const gap = fisherGap(p, groups);
      for (let i = 0; i < K; i++) {
        let rowSum = 0;
        for (let j = 0; j < K; j++) rowSum += gap[i * K + j];
        expect(Math.abs(gap[i * K + L])).toBeLessThan(1e-12);
        expect(Math.abs(rowSum)).toBeLessThan(1e-12);
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('I_Z = p_L p_B ∇ψ ∇ψᵀ at the logits, and ψ-only information is the same under Y and Z (generalised inverse)', () => {
    const rng = new Random(7);
    for (let c = 0; c < 1000; c++) {
      const { K, L, p } = randomVoxel(rng);
      const w = psiLogitGradient(p, L);
      const iz = fisherZ(p, lesionVsRest(K, L));
      const iy = fisherY(p, K);
      const pL = p[L];
      for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) expect(Math.abs(iz[i * K + j] - pL * (1 - pL) * w[i] * w[j])).toBeLessThan(1e-12);
      // I_Y u = ∇ψ has the solution u = e_L / (p_L p_B) (I_Y e_L = p_L (e_L − p) = p_L p_B ∇ψ): so
      // ∇ψᵀ I_Y⁺ ∇ψ = ∇ψᵀ u = 1 / (p_L p_B), the Z value (I_Z⁺ gives the same on its rank-1 range)
      if (pL > 1e-6 && pL < 1 - 1e-6) {
        for (let i = 0; i < K; i++) {
          const iyeL = iy[i * K + L];
          expect(Math.abs(iyeL / (pL * (1 - pL)) - w[i])).toBeLessThan(1e-9);
        }
      }
    }
  });

  it('rejects charts without two background classes and bad lesion classes', () => {
    expect(() => lesionCoordinates([0, 1], 0)).toThrow(/needs K >= 3 classes/);
    expect(() => lesionChartJacobian([0.2, 0.3, 0.5], 3)).toThrow(/lesionClass must be in \[0, 2\], got 3/);
  });
});
