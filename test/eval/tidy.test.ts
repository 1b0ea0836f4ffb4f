import { describe, expect, it } from 'vitest';
import { armMetricMeans, countDifferingPairs, formatArmMetricMeans, TidyRow } from '../../lib/eval/tidy';

const row = (c: string, model: string, seed: number, metric: string, value: number | null): TidyRow => ({ case: c, model, seed, scope: 'lesion', metric, value });

describe('armMetricMeans', () => {
  it('averages seeds within a case, then cases, per arm and metric', () => {
    const rows = [
      row('a', 'binary', 0, 'dice', 0.2), row('a', 'binary', 1, 'dice', 0.4), row('b', 'binary', 0, 'dice', 0.9),
      row('a', 'backsplit', 0, 'dice', 0.5), row('b', 'backsplit', 0, 'dice', null), row('a', 'binary', 0, 'lesion_fp', 3),
    ];
    const out = armMetricMeans(rows, ['binary', 'backsplit', 'other'], ['dice', 'lesion_fp']);
    const binaryDice = out.find((r) => r.arm === 'binary' && r.metric === 'dice')!;
    expect(binaryDice.mean).toBeCloseTo(0.6, 12);
    expect(binaryDice.cases).toBe(2);
    expect(out.find((r) => r.arm === 'backsplit' && r.metric === 'dice')!.cases).toBe(1);
    expect(out.find((r) => r.arm === 'other' && r.metric === 'dice')!.mean).toBeNull();
    expect(out.find((r) => r.arm === 'binary' && r.metric === 'lesion_fp')!.mean).toBe(3);
    expect(out.length).toBe(6);
  });
});

describe('formatArmMetricMeans', () => {
  it('writes one row per metric with each arm\'s mean and the case count', () => {
    const means = armMetricMeans([row('a', 'binary', 0, 'dice', 0.5), row('b', 'binary', 0, 'dice', 0.25), row('a', 'bs', 0, 'dice', 1)], ['binary', 'bs'], ['dice', 'nsd']);
    const lines = formatArmMetricMeans(means, ['binary', 'bs'], ['dice', 'nsd'], 2).split('\n');
    expect(lines[0]).toMatch(/^metric\s+binary \(mean per case\)\s+bs \(mean per case\)\s+cases$/);
    expect(lines[2].split(/\s+/)).toEqual(['dice', '0.38', '1.00', '2']);
    expect(lines[3].split(/\s+/)).toEqual(['nsd', 'n/a', 'n/a', '0']);
  });
});

describe('countDifferingPairs', () => {
  it('counts (case, seed) pairs whose values differ between two models', () => {
    const rows = [
      row('a', 'x', 0, 'dice', 0.5), row('a', 'y', 0, 'dice', 0.5),
      row('a', 'x', 1, 'dice', 0.5), row('a', 'y', 1, 'dice', 0.4),
      row('b', 'x', 0, 'dice', null), row('b', 'y', 0, 'dice', 0.1),
      row('c', 'x', 0, 'dice', 0.3), row('c', 'y', 0, 'nsd', 0.2),
    ];
    expect(countDifferingPairs(rows, 'x', 'y', 'dice')).toBe(2);
    expect(countDifferingPairs(rows, 'x', 'y', 'nsd')).toBe(0);
  });
});
