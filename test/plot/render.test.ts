/**
 * Static export and page rendering in real Chromium (Debian's /usr/bin/chromium
 * through playwright-core). Skipped, with the reason printed, when either is missing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM_FLAGS, LESION_COLOR, closeSharedRenderer, createRenderer, renderFigure, sharedRenderer, figureHtml, lineFigure, renderAvailability, reportHtml,
  resetPlotlyLoaded, setDisplaySink, show, sliceViewerFigure, trainingCurvesFigure, type Figure, type FigureRenderer,
} from '../../lib/plot';
import { decodePng, imageStats } from './png';
import { curveRuns, phantom } from './data';

const avail = renderAvailability();
if (!avail.ok) console.warn(`[test/plot/render] skipped: ${avail.reason}`);

interface Page {
  goto(url: string): Promise<unknown>;
  setContent(html: string): Promise<void>;
  evaluate(expr: string): Promise<unknown>;
  waitForFunction(expr: string, arg?: unknown, opts?: { timeout: number }): Promise<unknown>;
  close(): Promise<void>;
}
interface Browser { newPage(): Promise<Page>; close(): Promise<void> }

describe.skipIf(!avail.ok)('static export in Chromium', () => {
  let renderer: FigureRenderer;
  let tmp: string;
  const curves = trainingCurvesFigure(curveRuns(), { metric: 'validation Dice' });

  beforeAll(async () => {
    renderer = await createRenderer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plot-render-'));
  });
  afterAll(async () => {
    await renderer?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('renders a PNG of the requested size that is not blank, and writes it atomically', async () => {
    const file = path.join(tmp, 'curves.png');
    const png = await renderer.render(curves, { format: 'png', width: 640, height: 360, path: file });
    const img = decodePng(png);
    expect([img.width, img.height]).toEqual([640, 360]);
    const s = imageStats(img);
    expect(s.distinctColors).toBeGreaterThan(20);
    expect(s.lumaVariance).toBeGreaterThan(50);
    expect(s.nonWhiteFraction).toBeGreaterThan(0.02);
    expect(s.nonWhiteFraction).toBeLessThan(0.9);
    expect(fs.readFileSync(file).equals(png)).toBe(true);
    expect(fs.readdirSync(tmp)).toEqual(['curves.png']);
  });

  it('tells a blank render apart (the non-blank check can fail)', async () => {
    const empty: Figure = { data: [], layout: { xaxis: { visible: false }, yaxis: { visible: false } } };
    const s = imageStats(decodePng(await renderer.render(empty, { format: 'png', width: 200, height: 100 })));
    expect(s.distinctColors).toBeLessThanOrEqual(2);
    expect(s.lumaVariance).toBeLessThan(1);
  });

  it('honours scale and renders SVG', async () => {
    const img = decodePng(await renderer.render(curves, { format: 'png', width: 300, height: 200, scale: 2 }));
    expect([img.width, img.height]).toEqual([600, 400]);
    const svg = (await renderer.render(curves, { format: 'svg', width: 500, height: 300 })).toString('utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('width="500"');
    expect(svg).toContain('validation Dice');
    await expect(renderer.render(curves, { format: 'png', width: 0 })).rejects.toThrow(/width must be an integer in 1..10000, got 0/);
  });

  it('renderFigure shares one browser per process until closeSharedRenderer()', async () => {
    const a = await renderFigure(curves, { format: 'png', width: 320, height: 200 });
    const b = await renderFigure(curves, { format: 'png', width: 320, height: 200 });
    expect(a.equals(b)).toBe(true);
    const first = await sharedRenderer();
    expect(await sharedRenderer()).toBe(first);
    await closeSharedRenderer();
    await expect(first.render(curves, { format: 'png' })).rejects.toThrow(/renderer is closed/);
  });

  it('draws the slice viewer with the lesion contour in lesion red', async () => {
    const { image, classMap, lesion } = phantom([40, 36, 24]);
    const fig = sliceViewerFigure(image, { classMap, lesion, classes: [{ id: 1, name: 'organ' }, { id: 3, name: 'lesion' }] });
    const img = decodePng(await renderer.render(fig, { format: 'png', width: 900, height: 450 }));
    const target = [0xd6, 0x27, 0x28];
    let red = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      const d = Math.abs(img.rgba[i * 4] - target[0]) + Math.abs(img.rgba[i * 4 + 1] - target[1]) + Math.abs(img.rgba[i * 4 + 2] - target[2]);
      if (d < 30) red++;
    }
    expect(LESION_COLOR).toBe('#D62728');
    expect(red).toBeGreaterThan(50);
    expect(imageStats(img).distinctColors).toBeGreaterThan(50);
  });
});

describe.skipIf(!avail.ok)('HTML pages in Chromium', () => {
  let browser: Browser;
  let tmp: string;
  const { image, classMap, lesion } = phantom();
  const viewer = sliceViewerFigure(image, { classMap, lesion });
  const line = lineFigure([{ name: 'a', x: [1, 2, 3], y: [1, 3, 2] }], { xTitle: 'x', yTitle: 'y' });

  beforeAll(async () => {
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({
      executablePath: avail.executablePath, headless: true, chromiumSandbox: false,
      args: CHROMIUM_FLAGS.filter((f) => f !== '--headless' && f !== '--no-sandbox'),
    });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plot-page-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function open(html: string): Promise<Page> {
    const file = path.join(tmp, `page-${Math.random().toString(36).slice(2)}.html`);
    fs.writeFileSync(file, html);
    const page = await browser.newPage();
    await page.goto('file://' + file);
    return page;
  }

  for (const mode of ['gzip', 'plain'] as const) {
    it(`report.html (${mode}) draws every figure and its slider frames work`, async () => {
      const page = await open(reportHtml({ title: 'r', plotly: mode, sections: [{ heading: 'v', figure: viewer }, { heading: 'l', figure: line }] }));
      await page.waitForFunction('document.querySelectorAll(\'[data-rendered="1"]\').length === 2', undefined, { timeout: 60_000 });
      expect(await page.evaluate('document.querySelectorAll(".backsplit-plot-fallback").length')).toBe(0);
      expect(await page.evaluate('document.querySelectorAll("#fig-2 .main-svg").length')).toBeGreaterThan(0);
      // Step the axial slider to slice 0 and check the image trace now holds that frame's data.
      const same = await page.evaluate(`(async () => {
        const el = document.getElementById('fig-1');
        await Plotly.animate(el, ['axial:0'], {mode: 'immediate', frame: {duration: 0, redraw: true}, transition: {duration: 0}});
        return JSON.stringify(el.data[0].z) === ${JSON.stringify(JSON.stringify(viewer.frames?.[0].data[0].z))};
      })()`);
      expect(same).toBe(true);
      await page.close();
    });
  }

  it('notebook outputs: plotly loaded by the first show() serves the later figures', async () => {
    const out: string[] = [];
    setDisplaySink({ html: (s) => out.push(s) });
    resetPlotlyLoaded();
    try {
      show(line);
      show(viewer);
    } finally {
      setDisplaySink(null);
      resetPlotlyLoaded();
    }
    // Jupyter's HTML export places the outputs one after another in the page body.
    const page = await open(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${out.map((h) => `<div class="output">${h}</div>`).join('\n')}</body></html>`);
    await page.waitForFunction('document.querySelectorAll(\'[data-rendered="1"]\').length === 2', undefined, { timeout: 60_000 });
    await page.close();
  });

  it('a figure without the loader keeps its fallback and says why', async () => {
    const page = await open(`<!DOCTYPE html><html><body>${figureHtml(line, 'lonely')}</body></html>`);
    expect(await page.evaluate('document.querySelectorAll("#lonely .backsplit-plot-fallback").length')).toBe(1);
    expect(await page.evaluate('document.getElementById("lonely").textContent')).toMatch(/plotly\.js is not loaded in this page/);
    await page.close();
  });
});
