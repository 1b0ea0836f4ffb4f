import { describe, expect, it } from 'vitest';
import { Random } from '../../lib/core/random';
import {
  collapseRuleRatesUniform, compareCollapseRules, formatCollapseComparison, formatCollapseRates, simulateCollapseRules,
} from '../../lib/labels/collapse-compare';

describe('compareCollapseRules', () => {
  const vectors = [
    [0.05, 0.1, 0.05, 0.8],
    [0.1, 0.3, 0.2, 0.4],
    [0.02, 0.06, 0.6, 0.32],
  ];

  it('applies both rules per vector, lesion last by default', () => {
    const rows = compareCollapseRules(vectors);
    expect(rows.map((r) => r.name)).toEqual(['A', 'B', 'C']);
    expect(rows.map((r) => [r.argmax, r.sum])).toEqual([[true, true], [true, false], [false, false]]);
    expect(rows[1].backgroundSum).toBeCloseTo(0.6, 12);
  });

  it('honours another lesion class, and rejects ragged input', () => {
    const rows = compareCollapseRules([[0.7, 0.2, 0.1]], 0);
    expect([rows[0].argmax, rows[0].sum, rows[0].backgroundSum]).toEqual([true, true, 0.30000000000000004]);
    expect(() => compareCollapseRules([[0.5, 0.5], [1]])).toThrow(/vector 1 has 1 classes/);
    expect(() => compareCollapseRules([])).toThrow(/no probability vectors/);
  });

  it('formats one row per voxel with the verdicts', () => {
    const lines = formatCollapseComparison(compareCollapseRules(vectors), ['unlabelled', 'organ', 'vessel', 'lesion']).split('\n');
    expect(lines[0]).toContain('p(organ)');
    expect(lines[3]).toMatch(/^B\s.*0\.6\s+lesion\s+-\s+NO$/);
  });
});

describe('collapse rules on random vectors', () => {
  it('closed form: equal rules with one background class, 1/k − 2^-(k−1) disagreement otherwise', () => {
    expect(collapseRuleRatesUniform(1)).toMatchObject({ argmaxRate: 0.5, sumRate: 0.5, disagreeFraction: 0 });
    const two = collapseRuleRatesUniform(2);
    expect(two.argmaxRate).toBeCloseTo(1 / 3, 15);
    expect(two.sumRate).toBe(0.25);
    expect(two.disagreeFraction).toBeCloseTo(1 / 12, 15);
    expect(collapseRuleRatesUniform(8).sumRate).toBe(1 / 256);
  });

  it('the Monte-Carlo rates agree with the closed form within 4 binomial standard errors', () => {
    const draws = 20000;
    const counts = [1, 2, 4, 8];
    const sim = simulateCollapseRules({ backgroundCounts: counts, draws, random: new Random(7) });
    sim.forEach((r, i) => {
      const exact = collapseRuleRatesUniform(counts[i]);
      for (const key of ['argmaxRate', 'sumRate', 'disagreeFraction'] as const) {
        const q = exact[key];
        const se = Math.sqrt(Math.max(q * (1 - q), 1e-6) / draws);
        expect(Math.abs(r[key] - q)).toBeLessThan(4 * se);
      }
      expect(r.sumNotArgmax).toBe(0);
      expect(r.draws).toBe(draws);
    });
  });

  it('is deterministic for a seed and validates its arguments', () => {
    const a = simulateCollapseRules({ backgroundCounts: [3], draws: 500, random: new Random(1) });
    const b = simulateCollapseRules({ backgroundCounts: [3], draws: 500, random: new Random(1) });
    expect(a).toEqual(b);
    expect(() => simulateCollapseRules({ backgroundCounts: [0], draws: 10, random: new Random(1) })).toThrow(/integer ≥ 1, got 0/);
    expect(() => simulateCollapseRules({ backgroundCounts: [1], draws: 0, random: new Random(1) })).toThrow(/draws must be a positive integer/);
  });

  it('formats rates as percentages, with the exact column when given', () => {
    const lines = formatCollapseRates([collapseRuleRatesUniform(2)], [collapseRuleRatesUniform(2)]).split('\n');
    expect(lines[0]).toMatch(/disagree % \(exact\)$/);
    expect(lines[2].split(/\s+/).filter(Boolean)).toEqual(['2', '33.3', '25', '8.3', '8.3']);
  });
});
