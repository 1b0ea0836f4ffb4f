/**
 * The forest plot builder: rows top to bottom, one trace per group, asymmetric error bars from
 * the effect to the interval's ends, open markers without an interval, reference lines.
 */
import { describe, expect, it } from 'vitest';
import { forestFigure, type PlotTrace } from '../../lib/plot';

describe('forestFigure', () => {
  const rows = [
    { label: 'a', effect: 0.1, interval: [0.04, 0.2] as [number, number], group: 'supported' },
    { label: 'b', effect: -0.01, interval: [-0.05, 0.02] as [number, number], group: 'refuted' },
    { label: 'c', effect: 0.02, interval: null, group: 'supported', hover: ['one seed'] },
  ];
  const fig = forestFigure(rows, {
    effectTitle: 'effect', references: [{ x: 0, label: 'no effect' }, { x: 0.05, label: 'δ', dash: 'dash' }], groupColors: { supported: '#009E73' },
  });

  it('draws each group as one trace with the interval as asymmetric error bars', () => {
    expect(fig.data.map((t) => t.name)).toEqual(['supported', 'refuted']);
    const [sup, ref] = fig.data as (PlotTrace & { x: number[]; y: string[]; error_x: { array: number[]; arrayminus: number[] }; marker: { color: string; symbol: string[] } })[];
    expect(sup.x).toEqual([0.1, 0.02]);
    expect(sup.y).toEqual(['a', 'c']);
    expect(sup.error_x.array[0]).toBeCloseTo(0.1, 12);
    expect(sup.error_x.arrayminus[0]).toBeCloseTo(0.06, 12);
    expect([sup.error_x.array[1], sup.error_x.arrayminus[1]]).toEqual([0, 0]);
    expect(sup.marker.symbol).toEqual(['circle', 'circle-open']);
    expect(sup.marker.color).toBe('#009E73');
    expect(ref.marker.color).toBe('#000000');
    expect(ref.error_x.array[0]).toBeCloseTo(0.03, 12);
    expect(ref.error_x.arrayminus[0]).toBeCloseTo(0.04, 12);
    expect((sup.text as string[])[1]).toBe('c<br>effect 0.020<br>no 95% CI<br>one seed');
  });

  it('keeps the row order top to bottom and draws the reference lines', () => {
    const yaxis = fig.layout.yaxis as { categoryarray: string[]; autorange: string };
    expect(yaxis.categoryarray).toEqual(['a', 'b', 'c']);
    expect(yaxis.autorange).toBe('reversed');
    const shapes = fig.layout.shapes as { x0: number; x1: number; yref: string; line: { dash: string } }[];
    expect(shapes.map((s) => [s.x0, s.x1, s.yref, s.line.dash])).toEqual([[0, 0, 'paper', 'solid'], [0.05, 0.05, 'paper', 'dash']]);
    expect((fig.layout.annotations as { text: string }[]).map((a) => a.text)).toEqual(['no effect', 'δ']);
  });

  it('draws an interval end on the wrong side of the effect at the effect, and refuses bad rows', () => {
    const odd = forestFigure([{ label: 'x', effect: 0.3, interval: [0.1, 0.2], group: 'g' }], { effectTitle: 'e' });
    expect((odd.data[0].error_x as { array: number[] }).array).toEqual([0]);
    expect(() => forestFigure([], { effectTitle: 'e' })).toThrow(/no rows/);
    expect(() => forestFigure([rows[0], rows[0]], { effectTitle: 'e' })).toThrow(/'a' appears twice/);
    expect(() => forestFigure([{ ...rows[0], interval: [0.3, 0.1] }], { effectTitle: 'e' })).toThrow(/row 'a' has interval \[0.3, 0.1\]/);
    expect(() => forestFigure([{ ...rows[0], effect: NaN }], { effectTitle: 'e' })).toThrow(/row 'a' has effect NaN/);
  });
});
