/**
 * Simple line and heatmap figures, plus the shared layout defaults every
 * builder starts from. Notebooks use these for one-off plots (e.g. a Fisher
 * grid over two hyper-parameters) so that they look like the rest.
 */
import type { CommonFigureOptions, Figure, PlotLayout, PlotTrace } from './types';
import { CLASS_PALETTE } from './colors';

/** Font, margins and background shared by every figure. */
export function baseLayout(opts: CommonFigureOptions & { defaultHeight?: number }): PlotLayout {
  const layout: PlotLayout = {
    template: 'none',
    font: { family: 'Helvetica, Arial, sans-serif', size: 13 },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin: { l: 64, r: 24, t: opts.title ? 56 : 24, b: 56 },
    height: opts.height ?? opts.defaultHeight ?? 420,
  };
  if (opts.title) layout.title = { text: opts.title, x: 0.02, xanchor: 'left' };
  if (opts.width !== undefined) layout.width = opts.width;
  return layout;
}

/** Axis spec with a title and light grid lines; the margin grows to fit long tick labels and the title (automargin). */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, automargin: true, showgrid: true, gridcolor: '#e5e5e5', zeroline: false, linecolor: '#444', showline: true, ticks: 'outside', ...extra };
}

/** Plotly config shared by every figure: no logo, PNG button at 2x. */
export function baseConfig(): Record<string, unknown> {
  return { displaylogo: false, responsive: true, toImageButtonOptions: { format: 'png', scale: 2 } };
}

/** One line of a {@link lineFigure}. */
export interface LineSeries {
  name: string;
  x: ArrayLike<number | string>;
  y: ArrayLike<number | null>;
  color?: string;
  dash?: 'solid' | 'dash' | 'dot' | 'dashdot';
  mode?: 'lines' | 'markers' | 'lines+markers';
  /** Asymmetric error bars: the distance above and below each y value (same length as y). */
  errorY?: { plus: ArrayLike<number>; minus: ArrayLike<number> };
  /** Marker symbol (plotly name, e.g. 'diamond') and size in px; colour follows the line. */
  marker?: { symbol?: string; size?: number };
}

export interface LineFigureOptions extends CommonFigureOptions {
  xTitle: string;
  yTitle: string;
  /** Log-scale y axis (default false). */
  logY?: boolean;
  /** Log-scale x axis (default false). */
  logX?: boolean;
}

function toArray<T>(a: ArrayLike<T>): T[] {
  return Array.from(a);
}

/**
 * A line chart of named series.
 * @example lineFigure([{name: 'loss', x: [1, 2, 3], y: [0.9, 0.5, 0.4]}], {xTitle: 'epoch', yTitle: 'loss'})
 * @param series lines to draw; x and y must have equal length
 * @param opts axis titles (required), title, log axes, size
 */
export function lineFigure(series: LineSeries[], opts: LineFigureOptions): Figure {
  const data: PlotTrace[] = series.map((s, i) => {
    if (s.x.length !== s.y.length) {
      throw new RangeError(`lineFigure: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
    }
    const color = s.color ?? CLASS_PALETTE[i % CLASS_PALETTE.length];
    const trace: PlotTrace = {
      type: 'scatter',
      mode: s.mode ?? 'lines',
      name: s.name,
      x: toArray(s.x),
      y: toArray(s.y),
      line: { color, dash: s.dash ?? 'solid', width: 2 },
    };
    if (s.errorY) {
      if (s.errorY.plus.length !== s.y.length || s.errorY.minus.length !== s.y.length) {
        throw new RangeError(`lineFigure: series '${s.name}' has ${s.y.length} y values but ${s.errorY.plus.length}/${s.errorY.minus.length} error bars (plus/minus)`);
      }
      trace.error_y = { type: 'data', symmetric: false, array: toArray(s.errorY.plus), arrayminus: toArray(s.errorY.minus) };
    }
    if (s.marker) trace.marker = { ...s.marker, color };
    return trace;
  });
  const layout = baseLayout(opts);
  layout.xaxis = axis(opts.xTitle, opts.logX ? { type: 'log' } : {});
  layout.yaxis = axis(opts.yTitle, opts.logY ? { type: 'log' } : {});
  layout.legend = { orientation: 'h', y: -0.2 };
  return { data, layout, config: baseConfig() };
}

export interface HeatmapFigureOptions extends CommonFigureOptions {
  xTitle: string;
  yTitle: string;
  /** Colour-bar title (what the values are). */
  zTitle: string;
  /** Column labels, one category per column (default 0..cols-1 on a numeric axis). */
  x?: ArrayLike<number | string>;
  /** Row labels, one category per row (default 0..rows-1 on a numeric axis). */
  y?: ArrayLike<number | string>;
  /** Plotly colorscale name or stops (default 'Viridis'). */
  colorscale?: string | [number, string][];
  /** Write each value in its cell, rounded to this many significant digits (default: off). */
  annotateDigits?: number;
  zmin?: number;
  zmax?: number;
  /**
   * Draw the grid as an image: row 0 at the top and square cells (y axis reversed and
   * anchored to x), as for an image slice (default false: row 0 at the bottom, free aspect).
   */
  imageAxes?: boolean;
}

/**
 * A heatmap of a 2D grid of values, z[row][col], with axis and colour-bar titles.
 * @example heatmapFigure([[1, 2], [3, 4]], {xTitle: 'lr', yTitle: 'width', zTitle: 'tr F', x: ['1e-3', '1e-2'], y: [8, 16]})
 * @param z rows of equal length (null = missing cell)
 * @param opts axis titles (required), labels, colour scale, annotation
 */
export function heatmapFigure(z: ArrayLike<number | null>[], opts: HeatmapFigureOptions): Figure {
  const rows = z.map((r) => toArray(r));
  if (rows.length === 0) throw new RangeError('heatmapFigure: z has no rows');
  const cols = rows[0].length;
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new RangeError(`heatmapFigure: row ${i} has ${r.length} values, row 0 has ${cols}`);
  });
  if (opts.x && opts.x.length !== cols) throw new RangeError(`heatmapFigure: x has ${opts.x.length} labels, z has ${cols} columns`);
  if (opts.y && opts.y.length !== rows.length) throw new RangeError(`heatmapFigure: y has ${opts.y.length} labels, z has ${rows.length} rows`);
  const trace: PlotTrace = {
    type: 'heatmap',
    name: opts.zTitle,
    z: rows,
    x: opts.x ? toArray(opts.x) : rows[0].map((_, i) => i),
    y: opts.y ? toArray(opts.y) : rows.map((_, i) => i),
    colorscale: opts.colorscale ?? 'Viridis',
    colorbar: { title: { text: opts.zTitle } },
    hovertemplate: `${opts.xTitle}: %{x}<br>${opts.yTitle}: %{y}<br>${opts.zTitle}: %{z}<extra></extra>`,
  };
  if (opts.zmin !== undefined) trace.zmin = opts.zmin;
  if (opts.zmax !== undefined) trace.zmax = opts.zmax;
  if (opts.annotateDigits !== undefined) {
    trace.text = rows.map((r) => r.map((v) => (v === null ? '' : Number(v.toPrecision(opts.annotateDigits)).toString())));
    trace.texttemplate = '%{text}';
  }
  const layout = baseLayout(opts);
  // Given labels are grid positions, not a continuous scale: one cell per label, evenly spaced.
  layout.xaxis = axis(opts.xTitle, { showgrid: false, ...(opts.x ? { type: 'category' } : {}) });
  layout.yaxis = axis(opts.yTitle, { showgrid: false, ...(opts.y ? { type: 'category' } : {}), ...(opts.imageAxes ? { autorange: 'reversed', scaleanchor: 'x' } : {}) });
  return { data: [trace], layout, config: baseConfig() };
}
