/** Label figures (noise sweep, collapse rules) and the options notebooks used to patch by hand. */
import { describe, expect, it } from 'vitest';
import { classProbabilityFigure, collapseRatesFigure, heatmapFigure, lineFigure, noiseSweepFigure, varianceRatioFigure } from '../../lib/plot';

describe('lineFigure / heatmapFigure options', () => {
  it('draws asymmetric error bars and markers coloured like the line', () => {
    const fig = lineFigure([{ name: 'a', x: ['p', 'q'], y: [1, 2], color: '#123456', errorY: { plus: [0.1, 0.2], minus: [0.05, 0.1] }, marker: { symbol: 'diamond', size: 9 } }], { xTitle: 'x', yTitle: 'y' });
    expect(fig.data[0].error_y).toEqual({ type: 'data', symmetric: false, array: [0.1, 0.2], arrayminus: [0.05, 0.1] });
    expect(fig.data[0].marker).toEqual({ symbol: 'diamond', size: 9, color: '#123456' });
    expect(() => lineFigure([{ name: 'b', x: [1, 2], y: [1, 2], errorY: { plus: [1], minus: [1, 2] } }], { xTitle: 'x', yTitle: 'y' })).toThrow(/series 'b' has 2 y values but 1\/2 error bars/);
  });

  it('lays a heatmap out as an image on request: row 0 on top, square cells', () => {
    const plain = heatmapFigure([[1, 2], [3, 4]], { xTitle: 'x', yTitle: 'y', zTitle: 'z' });
    const image = heatmapFigure([[1, 2], [3, 4]], { xTitle: 'x', yTitle: 'y', zTitle: 'z', imageAxes: true });
    expect((plain.layout.yaxis as Record<string, unknown>).autorange).toBeUndefined();
    expect(image.layout.yaxis).toMatchObject({ autorange: 'reversed', scaleanchor: 'x' });
  });
});

describe('varianceRatioFigure', () => {
  it('puts ±2 SE error bars from the log-ratio SE on the empirical ratios', () => {
    const fig = varianceRatioFigure([{ label: 'p_L', empiricalRatio: 2, predictedRatio: 1.8, logRatioStdError: 0.1 }]);
    const bars = fig.data[0].error_y as { array: number[]; arrayminus: number[] };
    expect(bars.array[0]).toBeCloseTo(2 * (Math.exp(0.2) - 1), 12);
    expect(bars.arrayminus[0]).toBeCloseTo(2 * (1 - Math.exp(-0.2)), 12);
    expect(fig.data[1]).toMatchObject({ y: [1.8], marker: { symbol: 'diamond', size: 10 } });
    expect(() => varianceRatioFigure([])).toThrow(/no rows/);
  });
});

describe('noiseSweepFigure / collapseRatesFigure', () => {
  it('draws one line per class plus the dashed mean', () => {
    const fig = noiseSweepFigure({ levels: [0, 1], classes: [{ name: 'organ' }, { name: 'vessel' }], dice: [[1, 0.5], [1, 0.2]], meanDice: [1, 0.35] }, { title: 'T' });
    expect(fig.data.map((d) => d.name)).toEqual(['organ', 'vessel', 'mean over classes']);
    expect(fig.data[2]).toMatchObject({ y: [1, 0.35], line: { dash: 'dash' } });
    expect(fig.layout.title?.text).toBe('T');
  });

  it('draws both rules, their disagreement and the exact disagreement', () => {
    const rates = [{ backgroundClasses: 1, argmaxRate: 0.5, sumRate: 0.5, disagreeFraction: 0 }, { backgroundClasses: 2, argmaxRate: 0.33, sumRate: 0.25, disagreeFraction: 0.08 }];
    const fig = collapseRatesFigure(rates, { exact: rates });
    expect(fig.data.map((d) => d.name)).toEqual(['argmax == lesion', 'p_lesion > Σ p_background', 'rules disagree', 'disagree (exact)']);
    expect(fig.data[2]).toMatchObject({ x: [1, 2], y: [0, 0.08] });
    expect(collapseRatesFigure(rates).data).toHaveLength(3);
  });
});

describe('showTable', () => {
  it('sends an HTML table to the display sink, or logs aligned text without one', async () => {
    const { setDisplaySink, setShowLogger, showTable } = await import('../../lib/plot');
    const html: string[] = [];
    setDisplaySink({ html: (s) => html.push(s) });
    showTable(['arm', 'n'], [['binary', 3]], 'counts');
    setDisplaySink(null);
    expect(html[0]).toContain('<caption>counts</caption>');
    expect(html[0]).toContain('<td>binary</td>');
    const lines: string[] = [];
    setShowLogger((l) => lines.push(l));
    showTable(['arm', 'n'], [['binary', 3]]);
    setShowLogger((l) => console.log(l));
    expect(lines).toEqual(['arm     n\n------  -\nbinary  3']);
  });
});

describe('classProbabilityFigure', () => {
  it('transposes the vectors: one column per voxel, one row per class', () => {
    const fig = classProbabilityFigure([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]], ['background', 'lesion'], ['A', 'B', 'C'], { title: 't' });
    expect(fig.data[0].z).toEqual([[0.2, 0.6, 0.5], [0.8, 0.4, 0.5]]);
    expect(fig.data[0].x).toEqual(['A', 'B', 'C']);
    expect(fig.data[0].y).toEqual(['background', 'lesion']);
    expect(fig.data[0].zmin).toBe(0);
    expect(fig.data[0].zmax).toBe(1);
  });

  it('draws high probabilities dark (notebook 02: "the lesion row is the darkest cell") and keeps long class names inside the figure', () => {
    const fig = classProbabilityFigure([[0.2, 0.8]], ['unlabelled background', 'lesion'], ['A']);
    const scale = fig.data[0].colorscale as [number, string][];
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    expect(scale[0][0]).toBe(0);
    expect(scale[scale.length - 1][0]).toBe(1);
    for (let i = 1; i < scale.length; i++) expect(luminance(scale[i][1])).toBeLessThan(luminance(scale[i - 1][1]));
    expect(fig.layout.yaxis).toMatchObject({ automargin: true });
    expect(fig.layout.xaxis).toMatchObject({ automargin: true });
  });
});
