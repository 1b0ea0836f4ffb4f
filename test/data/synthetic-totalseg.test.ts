/**
 * lib/data/synthetic-totalseg.ts: synthetic aux maps written with
 * TotalSegmentator `total` ids, grouped back by the built-in `total` spec.
 */
import { describe, expect, it } from 'vitest';
import { generateSyntheticDataset } from '../../lib/data/synthetic';
import { SYNTHETIC_AS_TOTALSEGMENTATOR, totalSegmentatorStyleLabels } from '../../lib/data/synthetic-totalseg';
import { applyGroupSpec, loadGroupSpec } from '../../lib/labels/spec';

describe('TotalSegmentator-style aux labels for the synthetic dataset', () => {
  const cases = generateSyntheticDataset({ seed: 5, cases: 1, size: [32, 32, 8] });

  it('totalSegmentatorStyleLabels writes TotalSegmentator ids that the total spec groups', () => {
    const ts = totalSegmentatorStyleLabels(cases[0]);
    const spec = loadGroupSpec('total');
    const names = cases[0].auxNames!;
    const grouped = applyGroupSpec(ts, spec, 'test').volume;
    for (let v = 0; v < ts.data.length; v += 7) {
      const src = names[cases[0].aux!.data[v] - 1];
      if (cases[0].aux!.data[v] === 0 || SYNTHETIC_AS_TOTALSEGMENTATOR[src] === null) expect(ts.data[v]).toBe(0);
      else expect(spec.classNames.get(ts.data[v])).toBe(SYNTHETIC_AS_TOTALSEGMENTATOR[src]);
    }
    const organV = cases[0].aux!.data.indexOf(names.indexOf('organ') + 1);
    expect(spec.groupNames[grouped.data[organV] - 1]).toBe('liver');
    const noAux = { ...cases[0], aux: undefined };
    expect(() => totalSegmentatorStyleLabels(noAux)).toThrow(/no auxiliary map/);
  });
});
