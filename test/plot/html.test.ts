import * as fs from 'fs';
import * as zlib from 'zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  figureHtml, inTslabKernel, lineFigure, loadPlotly, plotlyBundlePath, plotlyLoaderScript, plotlyLoaded, plotlyVersion,
  reportHtml, resetPlotlyLoaded, scriptJson, setDisplaySink, setShowLogger, show, showWithImage, tableHtml,
} from '../../lib/plot';
import * as os from 'os';
import * as path from 'path';

const fig = lineFigure([{ name: 'a</script><b>x', x: [1, 2], y: [3, 4] }], { xTitle: 'epoch', yTitle: 'Dice', title: 'T & <U>' });

describe('figure HTML', () => {
  it('escapes the spec so it cannot close its script early', () => {
    const html = figureHtml(fig, 'f1');
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain('<div id="f1" class="backsplit-plot"');
    expect(html).toContain('a\\u003c/script>\\u003cb>x');
    // The fallback is the escaped one-line summary.
    expect(html).toContain('[figure] T &amp; &lt;U&gt; — 1 trace');
    expect(JSON.parse(scriptJson({ s: '</script>\u2028' }))).toEqual({ s: '</script>\u2028' });
    expect(() => figureHtml(fig, '1bad id')).toThrow(/id '1bad id' must start with a letter/);
    expect(figureHtml(fig, 'f2', { fallbackHtml: '<img src="x">' })).toContain('<div class="backsplit-plot-fallback"><img src="x"></div>');
  });

  it('writes tables from rows or records, rounding numbers and escaping text', () => {
    const t = tableHtml({ columns: ['arm', 'Dice'], rows: [['<b>', 0.123456], ['BackSplit', 2]], caption: 'c' });
    expect(t).toContain('<td>&lt;b&gt;</td><td class="num">0.1235</td>');
    expect(t).toContain('<caption>c</caption>');
    const r = tableHtml({ records: [{ a: 1, b: null }, { a: 2.5, c: 'x' }], digits: 2 });
    expect(r).toContain('<th>a</th><th>b</th><th>c</th>');
    expect(r).toContain('<td class="num">2.5</td><td></td><td>x</td>');
    expect(() => tableHtml({ columns: ['a', 'b'], rows: [[1]] })).toThrow(/row 0 has 1 cells, expected 2/);
  });
});

describe('plotly loader', () => {
  it('gzip mode carries the exact bundle bytes', () => {
    const script = plotlyLoaderScript('gzip');
    const b64 = /var b64="([A-Za-z0-9+/=]+)"/.exec(script)?.[1];
    expect(b64).toBeDefined();
    const code = zlib.gunzipSync(Buffer.from(b64 as string, 'base64'));
    expect(code.equals(fs.readFileSync(plotlyBundlePath()))).toBe(true);
    expect(script.length).toBeLessThan(fs.statSync(plotlyBundlePath()).size / 2);
    expect(plotlyLoaderScript('gzip')).toBe(script); // cached
  });

  it('plain mode inlines the bundle with no premature </script>', () => {
    const script = plotlyLoaderScript('plain');
    expect(script.match(/<\/script/gi)).toHaveLength(1);
    expect(script.length).toBeGreaterThan(fs.statSync(plotlyBundlePath()).size * 0.99);
    expect(() => plotlyLoaderScript('zip' as never)).toThrow(/unknown mode 'zip'/);
    expect(plotlyVersion()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('report page', () => {
  it('inlines plotly once, numbers figures and embeds PNG fallbacks', () => {
    const png = new Uint8Array([137, 80, 78, 71]);
    const html = reportHtml({
      title: 'Study <1>', subtitle: 'seed 1',
      sections: [
        { heading: 'Curves', text: 'para one\n\npara <two>', figure: fig },
        { heading: 'Table', table: { columns: ['x'], rows: [[1]] } },
        { heading: 'Again', figure: fig, figurePng: png, html: '<p id="raw">raw</p>' },
      ],
    });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.split('var b64=').length - 1).toBe(1);
    expect(html).toContain('id="fig-1"');
    expect(html).toContain('id="fig-2"');
    expect(html).toContain('<title>Study &lt;1&gt;</title>');
    expect(html).toContain('<p>para &lt;two&gt;</p>');
    expect(html).toContain('src="data:image/png;base64,iVBORw=="');
    expect(html).toContain('<p id="raw">raw</p>');
    const noFig = reportHtml({ title: 't', sections: [{ heading: 'h', text: 'x' }] });
    expect(noFig).not.toContain('var b64=');
    expect(noFig.length).toBeLessThan(5000);
  });
});

describe('show() in and out of a notebook', () => {
  afterEach(() => {
    setDisplaySink(null);
    setShowLogger((l) => console.log(l));
    resetPlotlyLoaded();
  });

  it('logs one line and displays nothing outside a kernel', async () => {
    expect(inTslabKernel()).toBe(false);
    const lines: string[] = [];
    setShowLogger((l) => lines.push(l));
    show(fig);
    await showWithImage(fig);
    loadPlotly();
    expect(lines).toEqual([`[figure] T & <U> — 1 trace (scatter: a</script><b>x); x: epoch; y: Dice`, expect.stringMatching(/^\[figure\] T & <U>/)]);
    expect(plotlyLoaded()).toBe(false);
  });

  it('emits plotly once, then only small divs with unique ids', () => {
    const out: string[] = [];
    setDisplaySink({ html: (s) => out.push(s) });
    resetPlotlyLoaded();
    show(fig);
    show(fig);
    show(fig);
    expect(out).toHaveLength(3);
    expect(out[0]).toContain('var b64=');
    expect(out[1]).not.toContain('var b64=');
    expect(out[1].length).toBeLessThan(10_000);
    const ids = out.map((h) => /<div id="(bsplot-[0-9a-f]{12})"/.exec(h)?.[1]);
    expect(new Set(ids).size).toBe(3);
    expect(plotlyLoaded()).toBe(true);
    loadPlotly(); // already loaded: nothing
    expect(out).toHaveLength(3);
    loadPlotly({ force: true }); // after the carrying cell was cleared
    expect(out).toHaveLength(4);
    expect(out[3]).toContain('var b64=');
  });

  it('survives a failing display (e.g. called after the cell ended)', () => {
    const lines: string[] = [];
    setShowLogger((l) => lines.push(l));
    setDisplaySink({ html: () => { throw new Error('Not ready'); } });
    expect(() => show(fig)).not.toThrow();
    expect(lines[0]).toMatch(/^\[figure\] could not display \(Not ready\)/);
    expect(plotlyLoaded()).toBe(false);
  });
});
