import { describe, expect, it } from 'vitest';
import { meanFinalLoss } from '../../lib/run/metrics';

describe('meanFinalLoss', () => {
  it('averages the last points of a loss curve', () => {
    const curve = [4, 3, 2, 1, 0.5, 0.25].map((loss, i) => ({ step: i + 1, loss }));
    expect(meanFinalLoss(curve, 2)).toBe(0.375);
    expect(meanFinalLoss(curve)).toBe(1.35);
    expect(meanFinalLoss(curve.slice(0, 1), 5)).toBe(4);
    expect(meanFinalLoss([], 5)).toBe(0);
  });
});
