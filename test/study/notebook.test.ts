import { describe, expect, it } from 'vitest';
import type { TidyRow } from '../../lib/eval/tidy';
import { armMetricMeans } from '../../lib/study/notebook';

describe('armMetricMeans', () => {
  it('averages seeds within a case, then cases, per arm and metric', () => {
    const row = (c: string, model: string, seed: number, metric: string, value: number | null): TidyRow => ({ case: c, model, seed, scope: 'lesion', metric, value });
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
