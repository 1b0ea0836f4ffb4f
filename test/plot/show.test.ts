/**
 * show()'s plotly loader: emitted once per kernel session with the first figure,
 * gzip-compressed by default, the plain bundle after setPlotlyEmbedMode('plain')
 * (for browsers without DecompressionStream, docs/plots.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { lineFigure, resetPlotlyLoaded, setDisplaySink, setPlotlyEmbedMode, show } from '../../lib/plot/index';

function capture(): string[] {
  const out: string[] = [];
  setDisplaySink({ html: (s) => out.push(s) });
  resetPlotlyLoaded();
  return out;
}

const fig = () => lineFigure([{ name: 'a', x: [1, 2], y: [1, 2] }], { xTitle: 'x', yTitle: 'y' });

afterEach(() => {
  setPlotlyEmbedMode('gzip');
  setDisplaySink(null);
});

describe('setPlotlyEmbedMode', () => {
  it('gzip by default: the first figure carries the compressed loader, the second none', () => {
    const out = capture();
    show(fig());
    show(fig());
    expect(out[0]).toContain('var b64=');
    expect(out[1]).not.toContain('var b64=');
    expect(out[1]).not.toContain('<script>if(!window.Plotly){');
  });

  it("'plain' inlines the uncompressed bundle instead", () => {
    setPlotlyEmbedMode('plain');
    const out = capture();
    show(fig());
    expect(out[0]).toContain('<script>if(!window.Plotly){');
    expect(out[0]).not.toContain('var b64=');
  });

  it('refuses an unknown mode, naming it', () => {
    expect(() => setPlotlyEmbedMode('zip' as 'gzip')).toThrow(/expected 'gzip' or 'plain', got 'zip'/);
  });
});
