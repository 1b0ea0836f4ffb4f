/**
 * Showing figures in tslab notebooks.
 *
 * `show(fig)` displays a figure as HTML (a uniquely-id'd div + a small
 * Plotly.newPlot script). The first call in a kernel process also emits the
 * plotly.js loader (see bundle.ts), so a notebook carries the library once, in
 * the output of its first figure; exported HTML (nbconvert) keeps working
 * because that output precedes every later figure. The "already loaded" flag
 * lives on globalThis, so it survives tslab re-compiling this module when a
 * lib file changes, and resets with the kernel (Restart & Run All re-emits it).
 *
 * Outside a tslab kernel (tests, CLI, ts-node scripts) nothing is displayed:
 * show() logs one line describing the figure.
 *
 * Viewers that do not run JavaScript see each figure's fallback: a one-line
 * text summary, or with `showWithImage` a PNG rendered in headless Chromium.
 */
import { randomBytes } from 'crypto';
import type { Figure } from './types';
import { describeFigure } from './spec';
import { figureHtml, pngImgHtml, tableHtml } from './html';
import { formatTable, type TableCell } from '../core/format';
import { plotlyLoaderScript, type PlotlyEmbedMode } from './bundle';
import { renderAvailability, renderFigure } from './render';

/** Where show() sends its output: tslab's display in a kernel, or a test's capture. */
export interface DisplaySink {
  html(s: string): void;
}

interface PlotGlobalState {
  plotlyEmitted: boolean;
  sink: DisplaySink | null;
  embed: PlotlyEmbedMode;
  log: (line: string) => void;
}

const STATE_KEY = Symbol.for('backsplit.plot.showState');

function state(): PlotGlobalState {
  const g = globalThis as unknown as Record<symbol, PlotGlobalState | undefined>;
  let s = g[STATE_KEY];
  if (!s) {
    s = { plotlyEmitted: false, sink: null, embed: 'gzip', log: (line) => console.log(line) };
    g[STATE_KEY] = s;
  }
  return s;
}

/** True inside a tslab kernel (tslab defines globalThis.__tslab__ for cell code). */
export function inTslabKernel(): boolean {
  return (globalThis as { __tslab__?: unknown }).__tslab__ !== undefined;
}

function currentSink(): DisplaySink | null {
  const s = state();
  if (s.sink) return s.sink;
  if (!inTslabKernel()) return null;
  // Inside the kernel, tslab hooks require('tslab') to return its own instance (the one bound to the running cell).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tslab = require('tslab') as { display: DisplaySink };
  return tslab.display;
}

/**
 * Redirect show() output (tests), or pass null to restore the default
 * (tslab's display in a kernel, a one-line log elsewhere).
 */
export function setDisplaySink(sink: DisplaySink | null): void {
  state().sink = sink;
}

/** Replace the one-line logger used outside a kernel (default console.log). */
export function setShowLogger(log: (line: string) => void): void {
  state().log = log;
}

/** Choose how the plotly loader is embedded in notebooks (default 'gzip', ~2.5 MB; 'plain' ~10 MB). */
export function setPlotlyEmbedMode(mode: PlotlyEmbedMode): void {
  if (mode !== 'gzip' && mode !== 'plain') throw new RangeError(`setPlotlyEmbedMode: expected 'gzip' or 'plain', got '${String(mode)}'`);
  state().embed = mode;
}

/** Forget that plotly.js was emitted, so the next show() emits it again. */
export function resetPlotlyLoaded(): void {
  state().plotlyEmitted = false;
}

/** Whether this kernel process has already emitted the plotly.js loader. */
export function plotlyLoaded(): boolean {
  return state().plotlyEmitted;
}

/**
 * Emit the plotly.js loader now (e.g. in the first cell), or again with
 * force=true after the cell that carried it was re-run or cleared.
 * Outside a kernel it does nothing.
 */
export function loadPlotly(opts: { force?: boolean } = {}): void {
  const sink = currentSink();
  if (!sink) return;
  const s = state();
  if (s.plotlyEmitted && !opts.force) return;
  sink.html(plotlyLoaderScript(s.embed));
  s.plotlyEmitted = true;
}

/** A fresh div id: random, so ids never collide with outputs of earlier kernel sessions in the same page. */
export function newFigureId(): string {
  return `bsplot-${randomBytes(6).toString('hex')}`;
}

function emit(fig: Figure, fallbackHtml?: string): void {
  const sink = currentSink();
  if (!sink) {
    state().log(`[figure] ${describeFigure(fig)}`);
    return;
  }
  const s = state();
  // Loader and figure go in one output so that re-running the cell keeps them together.
  const loader = s.plotlyEmitted ? '' : plotlyLoaderScript(s.embed) + '\n';
  try {
    sink.html(loader + figureHtml(fig, newFigureId(), { fallbackHtml }));
  } catch (e) {
    // e.g. tslab's "Not ready" when called after the cell finished: never crash the caller over a plot.
    s.log(`[figure] could not display (${(e as Error).message}): ${describeFigure(fig)}`);
    return;
  }
  s.plotlyEmitted = true;
}

/**
 * Display a figure in a tslab notebook (interactive plotly div). Outside a
 * kernel it logs a one-line description instead and never throws.
 * @example show(trainingCurvesFigure(runs, {metric: 'validation Dice'}))
 */
export function show(fig: Figure): void {
  emit(fig);
}

/**
 * Like show(), but also renders a PNG in headless Chromium and places it in
 * the figure's fallback, so viewers that do not run JavaScript see a picture.
 * Without Chromium it behaves like show() (text fallback). Await it.
 * @example await showWithImage(fig, {width: 900, height: 450})
 */
export async function showWithImage(fig: Figure, opts: { width?: number; height?: number } = {}): Promise<void> {
  if (!currentSink()) {
    emit(fig);
    return;
  }
  let fallback: string | undefined;
  if (renderAvailability().ok) {
    try {
      const png = await renderFigure(fig, { format: 'png', width: opts.width, height: opts.height });
      fallback = pngImgHtml(png, describeFigure(fig));
    } catch (e) {
      state().log(`[figure] static PNG failed, showing the text fallback: ${(e as Error).message}`);
    }
  }
  emit(fig, fallback);
}

/**
 * Display a table as HTML in a tslab notebook (the report's table style); outside a kernel,
 * log it as aligned plain text instead.
 * @example showTable(['arm', 'tr F'], [['binary', '1.2'], ['backsplit', '3.4']], 'Fisher traces')
 */
export function showTable(columns: string[], rows: TableCell[][], caption?: string): void {
  const sink = currentSink();
  if (!sink) {
    state().log((caption ? `${caption}\n` : '') + formatTable(columns, rows));
    return;
  }
  sink.html(tableHtml({ columns, rows, caption }));
}
