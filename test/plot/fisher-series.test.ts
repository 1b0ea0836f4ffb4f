import { describe, expect, it } from 'vitest';
import {
  fisherTotalsSeries, fisherTraceSeries, gapSurfaceFigure, gradientNoiseSeries, patchMapFigures, varianceRatioSweepSeries,
} from '../../lib/plot/fisher-series';
import { armColor } from '../../lib/plot/colors';

const surface = { lesionProbabilities: [0.1, 0.5], y: [[1, 2], [3, 4]], z: [[1, 1], [2, 2]], gap: [[0, 1], [1, 2]] };

describe('Fisher notebook figures', () => {
  it('draws the gap surface and the trace lines', () => {
    const fig = gapSurfaceFigure(surface, [1, 3]);
    expect(fig.data[0].z).toEqual([[0, 1], [1, 2]]);
    expect(fig.data[0].x).toEqual(['0.100', '0.500']);
    expect(fig.data[0].y).toEqual(['m = 1', 'm = 3']);
    const lines = fisherTraceSeries(surface, [1], [1, 3], ['#111111']);
    expect(lines.map((l) => [l.name, l.y, l.dash])).toEqual([['tr I_Y, m = 3', [3, 4], undefined], ['tr I_Z, m = 3', [2, 2], 'dash']]);
  });
  it('builds the variance-ratio sweep and the patch maps', () => {
    const r = (e: number, p: number) => ({ lesionProbability: [{ empiricalRatio: e, predictedRatio: p }] });
    const s = varianceRatioSweepSeries([2, 3], [r(1, 9), r(2, 9)], [r(3, 5), r(4, 6)]);
    expect(s.map((l) => l.y)).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(s[2].color).toBe(armColor('binary'));
    const figs = patchMapFigures({ caseId: 'c1', image: [[0]], lesionProbability: [[0.5]], gap: [[0.2]] });
    expect(figs.map((f) => f.data[0].z)).toEqual([[[0]], [[0.5]], [[0.2]]]);
    expect(figs[0].layout.title).toBeDefined();
  });
  it('builds the through-training series', () => {
    const p = (step: number, y: number, z: number, n?: number) => ({ step, report: { y: { trace: y }, z: { trace: z } }, noise: n === undefined ? undefined : { total: { noiseToSignal: n } } });
    const totals = fisherTotalsSeries([p(0, 1, 1), p(2, 2, 2)], [p(0, 5, 3), p(2, 6, 4)]);
    expect(totals.map((t) => [t.layer, t.target, Array.from(t.values)])).toEqual([['binary network', 'Z', [1, 2]], ['BackSplit network', 'Y', [5, 6]], ['BackSplit network', 'Z', [3, 4]]]);
    expect(gradientNoiseSeries([p(0, 1, 1, 7)], [p(0, 1, 1, 8)]).map((l) => l.y)).toEqual([[7], [8]]);
    expect(() => gradientNoiseSeries([p(0, 1, 1)], [])).toThrow(/step 0 has no gradient noise/);
  });
});
