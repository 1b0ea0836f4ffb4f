import { describe, expect, it } from 'vitest';
import { describeStudyOutcome, formatVerdicts, StudySummary } from '../../lib/study/report';

const cmp = (metric: string, modelA: string, meanDifference: number, p: number | null) => ({
  metric, modelA, modelB: 'binary', n: 4, meanDifference, meanDifferenceCi: [meanDifference - 0.1, meanDifference + 0.1] as [number, number],
  wilcoxon: p === null ? null : { pValue: p },
});
const summary = {
  comparisons: [cmp('dice', 'backsplit', 0.05, 0.01), cmp('small_lesion_detection', 'backsplit', 0.25, 0.2), cmp('dice', 'backsplit-sumrule', -0.02, null)],
} as unknown as StudySummary;

describe('formatVerdicts / describeStudyOutcome', () => {
  it('writes one verdict line per arm and compared metric', () => {
    const lines = formatVerdicts(summary, ['backsplit', 'backsplit-sumrule']).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^backsplit\s+\S.*difference 0\.050 \[-0\.050, 0\.150\], p = 0\.010, n = 4: backsplit better \(significant, p < 0\.05\)$/);
    expect(lines[2]).toMatch(/^backsplit-sumrule .*difference -0\.020 \[-0\.120, 0\.080\], p = n\/a, n = 4: backsplit-sumrule worse \(not significant\)$/);
  });
  it('counts significant comparisons and states the small-lesion detection result', () => {
    expect(describeStudyOutcome(summary)).toBe('1 of 3 comparisons are significant at p < 0.05. ' +
      'Small-lesion detection, BackSplit (argmax) − binary: 0.250 [0.150, 0.350] → backsplit better (not significant).');
    expect(describeStudyOutcome({ comparisons: [] } as unknown as StudySummary)).toMatch(/^0 of 0 .*: n\/a n\/a → n\/a\.$/);
  });
});
