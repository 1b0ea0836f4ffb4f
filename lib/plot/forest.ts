/**
 * Forest plot: one row per comparison, its effect as a marker and its interval as a horizontal
 * error bar, with vertical reference lines (no effect, the smallest effect of interest). Rows are
 * drawn top to bottom in the given order; one trace per group (e.g. per verdict), so the legend
 * says what a colour means. The builder draws the numbers it is given and computes nothing.
 */
import type { CommonFigureOptions, Figure, PlotTrace } from './types';
import { axis, baseConfig, baseLayout } from './basic';

/** One row: an effect with its interval. */
export interface ForestRow {
  /** y-axis label, unique among the rows */
  label: string;
  effect: number;
  /** [low, high] interval; null = none (drawn as an open marker without a bar) */
  interval: [number, number] | null;
  /** legend group (one trace and one colour per group) */
  group: string;
  /** extra hover text (plain, one line per array element) */
  hover?: string[];
}

/** A vertical reference line. */
export interface ForestReference {
  x: number;
  label: string;
  dash?: 'solid' | 'dash' | 'dot';
}

export interface ForestOptions extends CommonFigureOptions {
  /** x-axis title, e.g. 'effect on pAUC (arm − binary)' */
  effectTitle: string;
  /** vertical lines, e.g. 0 and the smallest effect of interest */
  references?: ForestReference[];
  /** colour per group (default black) */
  groupColors?: Readonly<Record<string, string>>;
  /** interval name for the hover (default '95% CI') */
  intervalLabel?: string;
}

/**
 * A forest plot of effects with interval error bars.
 * Error bars run from the effect to each end of the interval (an end on the wrong side of the
 * effect is drawn at the effect; the hover always gives the interval itself).
 * @example forestFigure([{ label: 'a vs b', effect: 0.02, interval: [-0.01, 0.05], group: 'inconclusive' }], { effectTitle: 'effect', references: [{ x: 0, label: '0' }] })
 * @param rows the rows, top to bottom
 * @param opts axis title, reference lines, group colours
 */
export function forestFigure(rows: readonly ForestRow[], opts: ForestOptions): Figure {
  if (rows.length === 0) throw new RangeError('forestFigure: no rows given');
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.label)) throw new RangeError(`forestFigure: row label '${r.label}' appears twice`);
    seen.add(r.label);
    if (!Number.isFinite(r.effect)) throw new RangeError(`forestFigure: row '${r.label}' has effect ${r.effect}, expected a finite number`);
    if (r.interval && !(Number.isFinite(r.interval[0]) && Number.isFinite(r.interval[1]) && r.interval[0] <= r.interval[1])) {
      throw new RangeError(`forestFigure: row '${r.label}' has interval [${r.interval.join(', ')}], expected finite low ≤ high`);
    }
  }
  const intervalLabel = opts.intervalLabel ?? '95% CI';
  const groups = [...new Set(rows.map((r) => r.group))];
  const data: PlotTrace[] = groups.map((g) => {
    const rs = rows.filter((r) => r.group === g);
    const color = opts.groupColors?.[g] ?? '#000000';
    return {
      type: 'scatter', mode: 'markers', name: g,
      x: rs.map((r) => r.effect), y: rs.map((r) => r.label),
      error_x: {
        type: 'data', symmetric: false, visible: true, color, thickness: 1.5, width: 4,
        array: rs.map((r) => (r.interval ? Math.max(0, r.interval[1] - r.effect) : 0)),
        arrayminus: rs.map((r) => (r.interval ? Math.max(0, r.effect - r.interval[0]) : 0)),
      },
      marker: { color, size: 9, symbol: rs.map((r) => (r.interval ? 'circle' : 'circle-open')) },
      text: rs.map((r) => [
        r.label,
        `effect ${r.effect.toFixed(3)}`,
        r.interval ? `${intervalLabel} [${r.interval[0].toFixed(3)}, ${r.interval[1].toFixed(3)}]` : `no ${intervalLabel}`,
        ...(r.hover ?? []),
      ].join('<br>')),
      hovertemplate: '%{text}<extra></extra>',
    };
  });
  const references = opts.references ?? [];
  const layout = baseLayout({ ...opts, defaultHeight: Math.max(260, 120 + 32 * rows.length) });
  layout.xaxis = axis(opts.effectTitle, { zeroline: false });
  layout.yaxis = axis('', { type: 'category', categoryorder: 'array', categoryarray: rows.map((r) => r.label), autorange: 'reversed', showgrid: false });
  layout.shapes = references.map((ref) => ({
    type: 'line', xref: 'x', yref: 'paper', x0: ref.x, x1: ref.x, y0: 0, y1: 1,
    line: { color: '#555555', width: 1.2, dash: ref.dash ?? 'solid' },
  }));
  layout.annotations = references.map((ref) => ({
    x: ref.x, xref: 'x', y: 1, yref: 'paper', yanchor: 'bottom', text: ref.label, showarrow: false, font: { size: 11, color: '#555555' },
  }));
  // below the x-axis title, not on it
  layout.legend = { orientation: 'h', x: 0, y: -0.28, yanchor: 'top' };
  layout.margin = { ...(layout.margin as Record<string, number>), b: 110 };
  layout.hovermode = 'closest';
  return { data, layout, config: baseConfig() };
}
