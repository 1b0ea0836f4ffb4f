import { describe, expect, it } from 'vitest';
import {
  fisherLayerValuesFromReport, fisherOverTrainingFigure, fisherSeriesFromReports, normalizeFisherKind,
  pairedDifferencesFigure, pairedInputFromComparison, type FisherReportLike,
} from '../../lib/plot';

const report = (kind: string, scale: number): FisherReportLike => ({
  kind,
  y: { trace: 10 * scale, perLayer: [{ name: 'conv1', trace: 6 * scale }, { name: 'head', trace: 4 * scale }] },
  z: { trace: 7 * scale, perLayer: [{ name: 'conv1', trace: 5 * scale }, { name: 'head', trace: 2 * scale }] },
});

describe('Fisher report adapters', () => {
  it('turns reports at several steps into per-layer Y/Z series, sorted by step, with a total', () => {
    const { kind, series } = fisherSeriesFromReports([{ step: 10, report: report('mc', 2) }, { step: 0, report: report('mc', 1) }]);
    expect(kind).toBe('monte-carlo');
    expect(series.map((s) => `${s.layer}/${s.target}`)).toEqual(['total/Y', 'total/Z', 'conv1/Y', 'head/Y', 'conv1/Z', 'head/Z']);
    const head = series.find((s) => s.layer === 'head' && s.target === 'Z');
    expect(head?.steps).toEqual([0, 10]);
    expect(head?.values).toEqual([2, 4]);
    const fig = fisherOverTrainingFigure(series, { kind });
    expect(fig.data).toHaveLength(6);
    expect(fisherSeriesFromReports([{ step: 0, report: report('exact', 1) }], { includeTotal: false }).series).toHaveLength(4);
  });

  it('refuses to mix Fisher kinds and unknown kinds', () => {
    expect(() => fisherSeriesFromReports([{ step: 0, report: report('mc', 1) }, { step: 1, report: report('empirical', 1) }])).toThrow(/step 1 is 'empirical', the first is 'mc'/);
    expect(() => normalizeFisherKind('ggn')).toThrow(/unknown Fisher kind 'ggn'/);
    expect(normalizeFisherKind('mc')).toBe('monte-carlo');
    expect(fisherOverTrainingFigure([{ layer: 'a', target: 'Y', steps: [0], values: [1] }], { kind: 'mc' }).layout.title).toEqual(expect.objectContaining({ text: expect.stringContaining('Monte-Carlo Fisher') }));
  });

  it('pairs Y and Z per layer from one report', () => {
    expect(fisherLayerValuesFromReport(report('exact', 1))).toEqual({ kind: 'exact', values: [{ layer: 'conv1', Y: 6, Z: 5 }, { layer: 'head', Y: 4, Z: 2 }] });
    const broken = report('exact', 1);
    broken.z.perLayer.pop();
    expect(() => fisherLayerValuesFromReport(broken)).toThrow(/layer 'head' has a Y trace but no Z trace/);
  });
});

describe('paired comparison adapter', () => {
  const cmp = {
    metric: 'dice', modelA: 'backsplit', modelB: 'binary', confidence: 0.95,
    meanDifference: 0.05, meanDifferenceCi: [0.01, 0.09] as [number, number],
    pairs: [{ key: 'c1', a: 0.8, b: 0.7 }, { key: 'c2', a: 0.6, b: 0.6 }],
  };

  it('maps A/B to BackSplit/binary and keeps the interval', () => {
    const { cases, options } = pairedInputFromComparison(cmp);
    expect(cases).toEqual([{ caseId: 'c1', backsplit: 0.8, binary: 0.7 }, { caseId: 'c2', backsplit: 0.6, binary: 0.6 }]);
    expect(options.meanDifference).toEqual({ value: 0.05, low: 0.01, high: 0.09, label: '(95% CI)' });
    expect(pairedDifferencesFigure(cases, options).data).toHaveLength(3);
  });

  it('flips the sign when binary is model A, and rejects other models', () => {
    const { cases, options } = pairedInputFromComparison({ ...cmp, modelA: 'binary', modelB: 'backsplit', meanDifference: -0.05, meanDifferenceCi: [-0.09, -0.01] });
    expect(cases[0]).toEqual({ caseId: 'c1', backsplit: 0.7, binary: 0.8 });
    expect(options.meanDifference).toEqual({ value: 0.05, low: 0.01, high: 0.09, label: '(95% CI)' });
    expect(pairedInputFromComparison({ ...cmp, meanDifference: null, meanDifferenceCi: null }).options.meanDifference).toBeUndefined();
    expect(() => pairedInputFromComparison({ ...cmp, modelA: 'unet' })).toThrow(/expected models 'backsplit' and 'binary', got 'unet' and 'binary'/);
  });
});
