/**
 * Training curves: binary vs BackSplit (and any control arm present) over
 * several seeds, each arm drawn as its seed-mean with a ± band and (optionally)
 * the individual seeds as thin lines. Every arm uses its fixed arm colour so
 * curves read the same in every notebook and report.
 */
import type { CommonFigureOptions, Figure, PlotTrace } from './types';
import { armColor, armLabel, withAlpha } from './colors';
import { axis, baseConfig, baseLayout } from './basic';

/** One seed's curve of one arm. */
export interface CurveRun {
  /** the run's arm (a training config's mode): binary, backsplit or a control arm of lib/plot/colors */
  mode: string;
  seed: number;
  /** x values (epochs or steps), increasing. */
  epochs: ArrayLike<number>;
  /** metric at each epoch (null/NaN = not measured). */
  values: ArrayLike<number | null>;
}

export interface TrainingCurvesOptions extends CommonFigureOptions {
  /** y-axis title, e.g. 'validation Dice' or 'training loss'. */
  metric: string;
  /** x-axis title (default 'epoch'). */
  xTitle?: string;
  /** Band around the mean: standard deviation, standard error, or min–max over seeds (default 'sd'). */
  band?: 'sd' | 'sem' | 'minmax';
  /** Draw each seed as a thin line (default true). */
  showSeeds?: boolean;
  /** Log-scale y axis, e.g. for losses (default false). */
  logY?: boolean;
}

/** Per-arm summary at the shared epochs: what the mean line and band are drawn from. */
export interface CurveSummary {
  mode: string;
  epochs: number[];
  mean: number[];
  lower: number[];
  upper: number[];
  seeds: number;
}

/**
 * Mean and band per arm over the epochs that every seed of that arm measured.
 * The standard deviation is the sample one (n − 1); with one seed the band is
 * the line itself. Arms come in the order binary, backsplit, then the others
 * as they first appear in `runs`.
 * @param runs curves of one or more arms
 * @param band 'sd' | 'sem' | 'minmax'
 */
export function summarizeCurves(runs: CurveRun[], band: 'sd' | 'sem' | 'minmax' = 'sd'): CurveSummary[] {
  const out: CurveSummary[] = [];
  const present = [...new Set(runs.map((r) => r.mode))];
  const order = [...['binary', 'backsplit'].filter((m) => present.includes(m)), ...present.filter((m) => m !== 'binary' && m !== 'backsplit')];
  for (const mode of order) {
    const arm = runs.filter((r) => r.mode === mode);
    const maps = arm.map((r) => {
      if (r.epochs.length !== r.values.length) {
        throw new RangeError(`summarizeCurves: ${mode} seed ${r.seed} has ${r.epochs.length} epochs but ${r.values.length} values`);
      }
      const m = new Map<number, number>();
      for (let i = 0; i < r.epochs.length; i++) {
        const v = r.values[i];
        if (v !== null && Number.isFinite(v)) m.set(r.epochs[i], v);
      }
      return m;
    });
    const epochs = [...maps[0].keys()].filter((e) => maps.every((m) => m.has(e))).sort((a, b) => a - b);
    const s: CurveSummary = { mode, epochs, mean: [], lower: [], upper: [], seeds: arm.length };
    for (const e of epochs) {
      const xs = maps.map((m) => m.get(e) as number);
      const n = xs.length;
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      let lo = mean;
      let hi = mean;
      if (band === 'minmax') {
        lo = Math.min(...xs);
        hi = Math.max(...xs);
      } else if (n > 1) {
        const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
        const half = band === 'sem' ? sd / Math.sqrt(n) : sd;
        lo = mean - half;
        hi = mean + half;
      }
      s.mean.push(mean);
      s.lower.push(lo);
      s.upper.push(hi);
    }
    out.push(s);
  }
  return out;
}

const BAND_LABEL = { sd: '± 1 SD', sem: '± 1 SE', minmax: 'min–max' } as const;

/**
 * Training curves of binary vs BackSplit: per arm a translucent band (upper
 * trace, then lower trace filled 'tonexty'), the mean line, and thin seed lines.
 * Trace order per arm: band upper, band lower, mean, seeds…
 * @example trainingCurvesFigure(runs, {metric: 'validation Dice'})
 * @param runs one entry per (arm, seed)
 * @param opts metric name (y title, required), band kind (default 'sd'), seeds shown (default true)
 */
export function trainingCurvesFigure(runs: CurveRun[], opts: TrainingCurvesOptions): Figure {
  if (runs.length === 0) throw new RangeError('trainingCurvesFigure: no runs given');
  const band = opts.band ?? 'sd';
  const summaries = summarizeCurves(runs, band);
  const data: PlotTrace[] = [];
  for (const s of summaries) {
    const color = armColor(s.mode);
    const label = armLabel(s.mode);
    const group = s.mode;
    data.push({
      type: 'scatter', mode: 'lines', name: `${label} ${BAND_LABEL[band]}`, legendgroup: group, showlegend: false,
      x: s.epochs, y: s.upper, line: { width: 0, color }, hoverinfo: 'skip',
    });
    data.push({
      type: 'scatter', mode: 'lines', name: `${label} ${BAND_LABEL[band]}`, legendgroup: group, showlegend: false,
      x: s.epochs, y: s.lower, line: { width: 0, color }, fill: 'tonexty', fillcolor: withAlpha(color, 0.2), hoverinfo: 'skip',
    });
    data.push({
      type: 'scatter', mode: 'lines', name: `${label} (mean of ${s.seeds} seed${s.seeds === 1 ? '' : 's'}, band ${BAND_LABEL[band]})`,
      legendgroup: group, x: s.epochs, y: s.mean, line: { width: 2.5, color },
      hovertemplate: `${label}<br>${opts.xTitle ?? 'epoch'} %{x}<br>mean ${opts.metric} %{y:.4g}<extra></extra>`,
    });
    if (opts.showSeeds ?? true) {
      for (const r of runs.filter((x) => x.mode === s.mode).sort((a, b) => a.seed - b.seed)) {
        data.push({
          type: 'scatter', mode: 'lines', name: `${label} seed ${r.seed}`, legendgroup: group, showlegend: false,
          x: Array.from(r.epochs), y: Array.from(r.values, (v) => (v === null || !Number.isFinite(v) ? null : v)),
          line: { width: 1, color }, opacity: 0.35,
          hovertemplate: `${label} seed ${r.seed}<br>%{x}: %{y:.4g}<extra></extra>`,
        });
      }
    }
  }
  const layout = baseLayout({ ...opts, title: opts.title ?? `${opts.metric} during training` });
  layout.xaxis = axis(opts.xTitle ?? 'epoch');
  layout.yaxis = axis(opts.metric, opts.logY ? { type: 'log' } : {});
  layout.legend = { orientation: 'h', y: -0.2 };
  layout.hovermode = 'closest';
  return { data, layout, config: baseConfig() };
}
