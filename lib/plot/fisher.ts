/**
 * Fisher-information figures: the multiclass label Y (BackSplit classes) vs its
 * binary coarsening Z (lesion vs background), per network layer, over training.
 *
 * Every figure states which Fisher it shows (exact / Monte-Carlo / empirical,
 * see docs/BACKSPLIT.md) because the three are not interchangeable. Y is drawn
 * in the BackSplit colour and Z in the binary colour when layers are not the
 * colour dimension; over training, colour = layer and dash = Y (solid) / Z (dash).
 */
import type { CommonFigureOptions, Figure, PlotTrace } from './types';
import { armColor, sequentialColors } from './colors';
import { axis, baseConfig, baseLayout, lineFigure } from './basic';

/** Which Fisher a number is (Kunstner et al. 2019); lib/fisher calls Monte-Carlo 'mc'. */
export type FisherKind = 'exact' | 'monte-carlo' | 'empirical';

/** Which label the Fisher is taken with respect to. */
export type FisherTarget = 'Y' | 'Z';

const KIND_LABEL: Record<FisherKind, string> = {
  exact: 'exact Fisher',
  'monte-carlo': 'Monte-Carlo Fisher',
  empirical: 'empirical Fisher (not an estimate of the Fisher)',
};

const TARGET_LABEL: Record<FisherTarget, string> = {
  Y: 'Y (BackSplit classes)',
  Z: 'Z (binary)',
};

/**
 * Canonical Fisher kind; accepts lib/fisher's 'mc' for 'monte-carlo'.
 * @throws RangeError naming the accepted kinds
 */
export function normalizeFisherKind(kind: string): FisherKind {
  if (kind === 'mc' || kind === 'monte-carlo') return 'monte-carlo';
  if (kind === 'exact' || kind === 'empirical') return kind;
  throw new RangeError(`fisher plot: unknown Fisher kind '${kind}', expected 'exact', 'mc'/'monte-carlo' or 'empirical'`);
}

function kindLabel(kind: string): string {
  return KIND_LABEL[normalizeFisherKind(kind)];
}

/** One curve: the Fisher of one layer w.r.t. one target, at several training steps. */
export interface FisherSeries {
  layer: string;
  target: FisherTarget;
  steps: ArrayLike<number>;
  values: ArrayLike<number>;
}

export interface FisherFigureOptions extends CommonFigureOptions {
  /** Which Fisher the values are (required: it goes into the title); lib/fisher's 'mc' is accepted too. */
  kind: FisherKind | 'mc';
  /** What was measured, e.g. 'trace of Fisher per parameter' (default 'Fisher trace'). */
  quantity?: string;
  /** x-axis title (default 'epoch'). */
  xTitle?: string;
  /** Log y axis (default true: traces span orders of magnitude). */
  logY?: boolean;
}

function layerOrder(names: string[]): string[] {
  const seen: string[] = [];
  for (const n of names) if (!seen.includes(n)) seen.push(n);
  return seen;
}

/**
 * Fisher over training: one trace per (layer, target); colour = layer (viridis,
 * in first-seen order), solid = Y, dashed = Z.
 * @param series curves; each needs equal-length steps and values
 * @param opts Fisher kind (required), quantity, axis options
 */
export function fisherOverTrainingFigure(series: FisherSeries[], opts: FisherFigureOptions): Figure {
  if (series.length === 0) throw new RangeError('fisherOverTrainingFigure: no series given');
  const kind = kindLabel(opts.kind);
  const layers = layerOrder(series.map((s) => s.layer));
  const colors = sequentialColors(layers.length);
  const quantity = opts.quantity ?? 'Fisher trace';
  const data: PlotTrace[] = series.map((s) => {
    if (s.steps.length !== s.values.length) {
      throw new RangeError(`fisherOverTrainingFigure: layer '${s.layer}' ${s.target} has ${s.steps.length} steps but ${s.values.length} values`);
    }
    if (s.target !== 'Y' && s.target !== 'Z') throw new RangeError(`fisherOverTrainingFigure: layer '${s.layer}' has target '${String(s.target)}', expected 'Y' or 'Z'`);
    const color = colors[layers.indexOf(s.layer)];
    return {
      type: 'scatter', mode: 'lines+markers', name: `${s.layer} · ${TARGET_LABEL[s.target]}`, legendgroup: s.layer,
      x: Array.from(s.steps), y: Array.from(s.values),
      line: { color, dash: s.target === 'Y' ? 'solid' : 'dash', width: 2 }, marker: { size: 5, color },
      hovertemplate: `${s.layer} ${s.target}<br>%{x}: %{y:.4g}<extra></extra>`,
    };
  });
  const layout = baseLayout({ ...opts, title: opts.title ?? `${quantity} per layer over training — ${kind}` });
  layout.xaxis = axis(opts.xTitle ?? 'epoch');
  layout.yaxis = axis(`${quantity} (${normalizeFisherKind(opts.kind)})`, (opts.logY ?? true) ? { type: 'log' } : {});
  layout.legend = { orientation: 'v', x: 1.02, y: 1 };
  layout.margin = { l: 64, r: 200, t: 56, b: 56 };
  return { data, layout, config: baseConfig() };
}

/** Y and Z Fisher of one layer at one point of training. */
export interface FisherLayerValue {
  layer: string;
  Y: number;
  Z: number;
}

/**
 * Y vs Z per layer at one checkpoint, as grouped bars (Y in the BackSplit
 * colour, Z in the binary colour). Theory says Y ≥ Z for every layer.
 * @param values one row per layer, in display order
 * @param opts Fisher kind (required), quantity, log axis (default true)
 */
export function fisherByLayerFigure(values: FisherLayerValue[], opts: FisherFigureOptions): Figure {
  if (values.length === 0) throw new RangeError('fisherByLayerFigure: no layers given');
  const kind = kindLabel(opts.kind);
  const quantity = opts.quantity ?? 'Fisher trace';
  const layers = values.map((v) => v.layer);
  const data: PlotTrace[] = [
    { type: 'bar', name: TARGET_LABEL.Y, x: layers, y: values.map((v) => v.Y), marker: { color: armColor('backsplit') } },
    { type: 'bar', name: TARGET_LABEL.Z, x: layers, y: values.map((v) => v.Z), marker: { color: armColor('binary') } },
  ];
  const layout = baseLayout({ ...opts, title: opts.title ?? `${quantity} per layer, Y vs Z — ${kind}` });
  layout.barmode = 'group';
  layout.xaxis = axis(opts.xTitle ?? 'layer', { type: 'category', showgrid: false });
  layout.yaxis = axis(`${quantity} (${normalizeFisherKind(opts.kind)})`, (opts.logY ?? true) ? { type: 'log' } : {});
  layout.legend = { orientation: 'h', y: -0.25 };
  return { data, layout, config: baseConfig() };
}

/**
 * Ratio Y / Z per layer over training, with a dashed reference line at 1
 * (equal information). Pairs each layer's Y and Z series at their common steps.
 * @param series Y and Z series for each layer
 * @param opts Fisher kind (required), quantity, x title
 */
export function fisherRatioFigure(series: FisherSeries[], opts: FisherFigureOptions): Figure {
  const kind = kindLabel(opts.kind);
  const layers = layerOrder(series.map((s) => s.layer));
  const colors = sequentialColors(Math.max(1, layers.length));
  const data: PlotTrace[] = [];
  layers.forEach((layer, li) => {
    const y = series.find((s) => s.layer === layer && s.target === 'Y');
    const z = series.find((s) => s.layer === layer && s.target === 'Z');
    if (!y || !z) throw new RangeError(`fisherRatioFigure: layer '${layer}' needs both a Y and a Z series (has ${y ? 'Y' : ''}${z ? 'Z' : ''})`);
    const zAt = new Map<number, number>();
    for (let i = 0; i < z.steps.length; i++) zAt.set(z.steps[i], z.values[i]);
    const xs: number[] = [];
    const rs: number[] = [];
    for (let i = 0; i < y.steps.length; i++) {
      const zv = zAt.get(y.steps[i]);
      if (zv === undefined) continue;
      xs.push(y.steps[i]);
      rs.push(zv === 0 ? NaN : y.values[i] / zv);
    }
    data.push({
      type: 'scatter', mode: 'lines+markers', name: layer, x: xs, y: rs.map((r) => (Number.isFinite(r) ? r : null)),
      line: { color: colors[li], width: 2 }, marker: { size: 5, color: colors[li] },
      hovertemplate: `${layer}<br>%{x}: Y/Z = %{y:.4g}<extra></extra>`,
    });
  });
  const quantity = opts.quantity ?? 'Fisher trace';
  const layout = baseLayout({ ...opts, title: opts.title ?? `${quantity} ratio Y / Z per layer — ${kind}` });
  layout.xaxis = axis(opts.xTitle ?? 'epoch');
  layout.yaxis = axis(`${quantity} Y / Z (${normalizeFisherKind(opts.kind)})`, opts.logY ? { type: 'log' } : {});
  layout.shapes = [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1, line: { color: '#444', dash: 'dash', width: 1 } }];
  layout.legend = { orientation: 'v', x: 1.02, y: 1 };
  layout.margin = { l: 64, r: 160, t: 56, b: 56 };
  return { data, layout, config: baseConfig() };
}

/** One estimated quantity of a Cramér–Rao simulation (lib/fisher runCramerRao rows). */
export interface VarianceRatioRow {
  label: string;
  /** Var(binary) / Var(BackSplit) over the simulated training sets. */
  empiricalRatio: number;
  /** The same ratio predicted by the inverse Fisher. */
  predictedRatio: number;
  /** Standard error of log(empirical ratio). */
  logRatioStdError: number;
}

/**
 * Empirical vs predicted variance ratio per estimated quantity: the empirical ratio with
 * ±2 SE error bars (ratio · exp(±2 SE), from the SE of the log ratio) in the BackSplit
 * colour, the inverse-Fisher prediction as diamonds in the binary colour.
 * @example show(varianceRatioFigure([...cr.lesionProbability, ...cr.parameters]))
 */
export function varianceRatioFigure(rows: readonly VarianceRatioRow[], opts: CommonFigureOptions = {}): Figure {
  if (rows.length === 0) throw new RangeError('varianceRatioFigure: no rows given');
  const x = rows.map((r) => r.label);
  return lineFigure([
    {
      name: 'empirical ratio (±2 SE)', x, y: rows.map((r) => r.empiricalRatio), color: armColor('backsplit'), mode: 'markers',
      errorY: {
        plus: rows.map((r) => r.empiricalRatio * (Math.exp(2 * r.logRatioStdError) - 1)),
        minus: rows.map((r) => r.empiricalRatio * (1 - Math.exp(-2 * r.logRatioStdError))),
      },
    },
    { name: 'predicted by inverse Fisher', x, y: rows.map((r) => r.predictedRatio), color: armColor('binary'), mode: 'markers', marker: { symbol: 'diamond', size: 10 } },
  ], {
    xTitle: 'estimated quantity', yTitle: 'Var(binary) / Var(BackSplit)',
    title: opts.title ?? 'Variance ratio binary / BackSplit: simulation vs Cramér–Rao', width: opts.width, height: opts.height,
  });
}
