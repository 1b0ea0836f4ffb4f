/**
 * Evaluation figures: metrics per lesion-size bin with confidence intervals,
 * per-case paired differences (BackSplit − binary), and a FROC-style detection
 * curve (false-positive lesions per case vs lesion sensitivity).
 *
 * The builders take numbers that lib/eval computes (values and interval ends);
 * they never compute statistics beyond a mean, so the figure shows exactly
 * what the tables report.
 */
import type { LabelMode } from '../core/types';
import type { CommonFigureOptions, Figure, PlotTrace } from './types';
import { ARM_COLORS, armColor, armLabel, withAlpha } from './colors';
import { axis, baseConfig, baseLayout } from './basic';

/** A value with its confidence interval for one (bin, arm). */
export interface BinStat {
  /** Bin label, e.g. '< 0.1 mL'. Bins are shown in first-seen order. */
  bin: string;
  mode: LabelMode;
  value: number | null;
  /** Lower and upper ends of the confidence interval (null = not available). */
  low: number | null;
  high: number | null;
  /** Number of lesions (or cases) behind the value, shown on hover and under the bar. */
  n?: number;
}

export interface SizeBinOptions extends CommonFigureOptions {
  /** y-axis title, e.g. 'detection rate' or 'per-lesion Dice'. */
  metric: string;
  /** What the interval is, e.g. '95% bootstrap CI' (goes into the title). */
  intervalLabel?: string;
  /** x-axis title (default 'reference lesion volume'). */
  xTitle?: string;
  /** Fix the y range, e.g. [0, 1] for rates (default: automatic). */
  yRange?: [number, number];
}

/**
 * Grouped bars per lesion-size bin, one trace per arm, with asymmetric error
 * bars from the interval ends (error_y.array = high − value, arrayminus = value − low).
 * @param stats one row per (bin, arm)
 * @param opts metric name (required), interval label, y range
 */
export function sizeBinFigure(stats: BinStat[], opts: SizeBinOptions): Figure {
  if (stats.length === 0) throw new RangeError('sizeBinFigure: no statistics given');
  const bins: string[] = [];
  for (const s of stats) if (!bins.includes(s.bin)) bins.push(s.bin);
  const data: PlotTrace[] = [];
  for (const mode of ['binary', 'backsplit'] as LabelMode[]) {
    const rows = stats.filter((s) => s.mode === mode);
    if (rows.length === 0) continue;
    const at = (bin: string): BinStat | undefined => {
      const hits = rows.filter((r) => r.bin === bin);
      if (hits.length > 1) throw new RangeError(`sizeBinFigure: ${mode} has ${hits.length} rows for bin '${bin}', expected at most 1`);
      return hits[0];
    };
    const y: (number | null)[] = [];
    const plus: number[] = [];
    const minus: number[] = [];
    const ns: (number | null)[] = [];
    for (const b of bins) {
      const r = at(b);
      const v = r?.value ?? null;
      y.push(v);
      if (r && v !== null && r.low !== null && r.high !== null) {
        if (r.low > v + 1e-12 || r.high < v - 1e-12) {
          throw new RangeError(`sizeBinFigure: ${mode} bin '${b}' value ${v} lies outside its interval [${r.low}, ${r.high}]`);
        }
        plus.push(Math.max(0, r.high - v));
        minus.push(Math.max(0, v - r.low));
      } else {
        plus.push(0);
        minus.push(0);
      }
      ns.push(r?.n ?? null);
    }
    data.push({
      type: 'bar', name: armLabel(mode), x: bins, y, marker: { color: armColor(mode) },
      error_y: { type: 'data', symmetric: false, array: plus, arrayminus: minus, color: '#333', thickness: 1.5, width: 4 },
      customdata: ns,
      hovertemplate: `${armLabel(mode)}<br>%{x}: %{y:.3f}<br>n = %{customdata}<extra></extra>`,
    });
  }
  const ci = opts.intervalLabel ? ` (error bars: ${opts.intervalLabel})` : '';
  const layout = baseLayout({ ...opts, title: opts.title ?? `${opts.metric} by lesion size${ci}` });
  layout.barmode = 'group';
  layout.xaxis = axis(opts.xTitle ?? 'reference lesion volume', { type: 'category', showgrid: false });
  layout.yaxis = axis(opts.metric, opts.yRange ? { range: opts.yRange } : {});
  layout.legend = { orientation: 'h', y: -0.2 };
  return { data, layout, config: baseConfig() };
}

const fmt3 = (v: number): string => String(Number(v.toPrecision(3)));

/** One case's metric under both arms. */
export interface PairedCase {
  caseId: string;
  binary: number;
  backsplit: number;
}

export interface PairedDifferencesOptions extends CommonFigureOptions {
  /** Metric name, e.g. 'Dice' (axis titles). */
  metric: string;
  /** Mean difference with its confidence interval, from lib/eval (drawn as a line and band). */
  meanDifference?: { value: number; low: number; high: number; label?: string };
  /** Larger is better (default true): colours a difference in BackSplit's favour blue. */
  higherIsBetter?: boolean;
}

/**
 * Two panels: left, a paired slope chart (each case a grey line from its binary
 * to its BackSplit value, arm means on top); right, per-case differences
 * (BackSplit − binary) sorted ascending, coloured by which arm they favour, with
 * the mean difference and its interval when given.
 * @param cases one row per test case
 * @param opts metric name (required), mean difference + CI, direction
 */
export function pairedDifferencesFigure(cases: PairedCase[], opts: PairedDifferencesOptions): Figure {
  if (cases.length === 0) throw new RangeError('pairedDifferencesFigure: no cases given');
  for (const c of cases) {
    if (!Number.isFinite(c.binary) || !Number.isFinite(c.backsplit)) {
      throw new RangeError(`pairedDifferencesFigure: case '${c.caseId}' has a non-finite value (binary ${c.binary}, backsplit ${c.backsplit})`);
    }
  }
  const higher = opts.higherIsBetter ?? true;
  const xs = [armLabel('binary'), armLabel('backsplit')];
  const slopeX: (string | null)[] = [];
  const slopeY: (number | null)[] = [];
  for (const c of cases) {
    slopeX.push(xs[0], xs[1], null);
    slopeY.push(c.binary, c.backsplit, null);
  }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const data: PlotTrace[] = [
    {
      type: 'scatter', mode: 'lines+markers', name: 'cases', showlegend: false, x: slopeX, y: slopeY,
      line: { color: 'rgba(120,120,120,0.45)', width: 1 }, marker: { size: 5, color: 'rgba(120,120,120,0.7)' },
      xaxis: 'x', yaxis: 'y', hoverinfo: 'y',
    },
    {
      type: 'scatter', mode: 'markers', name: 'arm mean', showlegend: false, x: xs,
      y: [mean(cases.map((c) => c.binary)), mean(cases.map((c) => c.backsplit))],
      marker: { size: 14, symbol: 'diamond', color: [ARM_COLORS.binary, ARM_COLORS.backsplit], line: { color: '#000', width: 1 } },
      xaxis: 'x', yaxis: 'y', hovertemplate: 'mean %{y:.4g}<extra>%{x}</extra>',
    },
  ];
  const diffs = cases.map((c) => ({ id: c.caseId, d: c.backsplit - c.binary })).sort((a, b) => a.d - b.d || a.id.localeCompare(b.id));
  const favours = (d: number) => (d === 0 ? 'tie' : (d > 0) === higher ? 'backsplit' : 'binary');
  data.push({
    type: 'bar', name: 'BackSplit − binary', showlegend: false, x: diffs.map((d) => d.id), y: diffs.map((d) => d.d),
    marker: { color: diffs.map((d) => (favours(d.d) === 'tie' ? '#999999' : ARM_COLORS[favours(d.d) as LabelMode])) },
    xaxis: 'x2', yaxis: 'y2', hovertemplate: `%{x}: Δ${opts.metric} = %{y:.4g}<extra></extra>`,
  });
  const shapes: Record<string, unknown>[] = [
    { type: 'line', xref: 'x2 domain', x0: 0, x1: 1, yref: 'y2', y0: 0, y1: 0, line: { color: '#444', width: 1 } },
  ];
  if (opts.meanDifference) {
    const m = opts.meanDifference;
    if (!(m.low <= m.value && m.value <= m.high)) {
      throw new RangeError(`pairedDifferencesFigure: mean difference ${m.value} lies outside its interval [${m.low}, ${m.high}]`);
    }
    shapes.push({ type: 'rect', xref: 'x2 domain', x0: 0, x1: 1, yref: 'y2', y0: m.low, y1: m.high, line: { width: 0 }, fillcolor: withAlpha('#000000', 0.08), layer: 'below' });
    shapes.push({ type: 'line', xref: 'x2 domain', x0: 0, x1: 1, yref: 'y2', y0: m.value, y1: m.value, line: { color: '#000', dash: 'dash', width: 1.5 } });
  }
  const layout = baseLayout({ ...opts, title: opts.title ?? `Per-case ${opts.metric}: BackSplit vs binary (n = ${cases.length})` });
  layout.xaxis = axis('', { domain: [0, 0.3], type: 'category', showgrid: false });
  layout.yaxis = axis(opts.metric);
  layout.xaxis2 = axis('case (sorted by difference)', { domain: [0.42, 1], type: 'category', showticklabels: cases.length <= 30, showgrid: false });
  layout.yaxis2 = axis(`Δ ${opts.metric} (BackSplit − binary)`, { anchor: 'x2', zeroline: false });
  layout.shapes = shapes;
  if (opts.meanDifference) {
    const m = opts.meanDifference;
    layout.annotations = [{
      xref: 'x2 domain', x: 0.02, yref: 'y2', y: m.high, yanchor: 'bottom', xanchor: 'left', showarrow: false,
      text: `mean Δ ${fmt3(m.value)} [${fmt3(m.low)}, ${fmt3(m.high)}]${m.label ? ' ' + m.label : ''}`,
      font: { size: 11 },
    }];
  }
  layout.showlegend = false;
  return { data, layout, config: baseConfig() };
}

/** One operating point of a detection curve. */
export interface FrocPoint {
  fpPerCase: number;
  /** Fraction of reference lesions detected, in [0, 1]. */
  sensitivity: number;
  /** Probability threshold that produced the point (shown on hover). */
  threshold?: number;
}

/** One detection curve (an arm, optionally one seed). */
export interface FrocCurve {
  /** the arm: binary, backsplit or a control arm of ./colors */
  mode: string;
  /** legend name (default: the arm's label, plus the seed) */
  name?: string;
  /** Seed, when curves are per seed (distinguished by dash). */
  seed?: number;
  points: FrocPoint[];
  /** Mark this operating point (e.g. the 0.5 threshold used for all metrics). */
  highlight?: FrocPoint;
}

export interface FrocOptions extends CommonFigureOptions {
  /** Log-scale x axis (default false). */
  logX?: boolean;
  /** Lesion-size subset the curve covers, for the title, e.g. 'lesions < 1 mL'. */
  subset?: string;
  /** Draw each curve as the step function "highest sensitivity at ≤ x FP per case" (plotly shape 'hv') instead of joining the points (default false). */
  stepped?: boolean;
  /** Show FP per case from 0 to this value only (default: the whole curve). */
  maxFpPerCase?: number;
}

/**
 * FROC-style plot: false-positive lesions per case (x) vs lesion sensitivity
 * (y), one line per curve in its arm's colour, points sorted by x.
 * @param curves detection curves of any arms (binary, backsplit, control arms)
 * @param opts log x axis, subset label, step drawing, x range
 */
export function frocFigure(curves: FrocCurve[], opts: FrocOptions = {}): Figure {
  if (curves.length === 0) throw new RangeError('frocFigure: no curves given');
  const dashes = ['solid', 'dash', 'dot', 'dashdot', 'longdash'];
  const data: PlotTrace[] = [];
  const seedsOf = (mode: string) => [...new Set(curves.filter((c) => c.mode === mode).map((c) => c.seed ?? 0))].sort((a, b) => a - b);
  for (const c of curves) {
    for (const p of c.points) {
      if (!(p.sensitivity >= 0 && p.sensitivity <= 1) || !(p.fpPerCase >= 0)) {
        throw new RangeError(`frocFigure: ${c.mode}${c.seed !== undefined ? ' seed ' + c.seed : ''} has point (fp/case ${p.fpPerCase}, sensitivity ${p.sensitivity}); expected fp/case >= 0 and sensitivity in [0, 1]`);
      }
    }
    const pts = [...c.points].sort((a, b) => a.fpPerCase - b.fpPerCase || a.sensitivity - b.sensitivity);
    const label = c.name ?? armLabel(c.mode) + (c.seed !== undefined ? ` seed ${c.seed}` : '');
    const dash = dashes[seedsOf(c.mode).indexOf(c.seed ?? 0) % dashes.length];
    data.push({
      type: 'scatter', mode: 'lines+markers', name: label, legendgroup: c.mode,
      x: pts.map((p) => p.fpPerCase), y: pts.map((p) => p.sensitivity),
      customdata: pts.map((p) => (p.threshold === undefined ? null : p.threshold)),
      line: { color: armColor(c.mode), dash, width: 2, ...(opts.stepped ? { shape: 'hv' } : {}) }, marker: { size: 5, color: armColor(c.mode) },
      hovertemplate: `${label}<br>FP/case %{x:.3g}<br>sensitivity %{y:.3f}<br>threshold %{customdata}<extra></extra>`,
    });
    if (c.highlight) {
      data.push({
        type: 'scatter', mode: 'markers', name: `${label} operating point`, legendgroup: c.mode, showlegend: false,
        x: [c.highlight.fpPerCase], y: [c.highlight.sensitivity],
        marker: { size: 12, symbol: 'star', color: armColor(c.mode), line: { color: '#000', width: 1 } },
        hovertemplate: `${label} operating point<br>FP/case %{x:.3g}<br>sensitivity %{y:.3f}<extra></extra>`,
      });
    }
  }
  const subset = opts.subset ? ` (${opts.subset})` : '';
  const layout = baseLayout({ ...opts, title: opts.title ?? `Lesion detection: sensitivity vs false positives${subset}` });
  layout.xaxis = axis('false-positive lesions per case', opts.logX ? { type: 'log' } : opts.maxFpPerCase !== undefined ? { range: [0, opts.maxFpPerCase] } : { rangemode: 'tozero' });
  layout.yaxis = axis('lesion sensitivity (detection rate)', { range: [0, 1.02] });
  layout.legend = { orientation: 'h', y: -0.2 };
  return { data, layout, config: baseConfig() };
}
