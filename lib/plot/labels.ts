/**
 * Figures about labels (notebook 02): how auxiliary-label quality falls with
 * simulated noise, a few voxels' class probabilities as a heatmap, and how
 * often the two collapse rules agree on random probability vectors. Inputs are plain structures (the outputs of lib/study
 * noiseSweep and lib/labels simulateCollapseRules), so this folder needs
 * neither.
 */
import type { CommonFigureOptions, Figure } from './types';
import { heatmapFigure, lineFigure, type LineSeries } from './basic';

/** What {@link noiseSweepFigure} needs of a noise sweep. */
export interface NoiseSweepLike {
  levels: number[];
  classes: Array<{ name: string }>;
  /** dice[class][level] */
  dice: number[][];
  meanDice: number[];
}

/**
 * One line per auxiliary class (Dice of noisy vs clean labels over noise levels) and the
 * mean over classes, dashed.
 * @example show(noiseSweepFigure(noiseSweep(aux, names, { levels: [0, 0.5, 1] })))
 */
export function noiseSweepFigure(sweep: NoiseSweepLike, opts: CommonFigureOptions = {}): Figure {
  const series: LineSeries[] = sweep.classes.map((c, ci) => ({ name: c.name, x: sweep.levels, y: sweep.dice[ci], mode: 'lines+markers' }));
  series.push({ name: 'mean over classes', x: sweep.levels, y: sweep.meanDice, mode: 'lines+markers', dash: 'dash', color: '#222222' });
  return lineFigure(series, { xTitle: 'noise level', yTitle: 'Dice of noisy vs clean aux labels', title: opts.title ?? 'Auxiliary label quality vs noise level', ...opts });
}

/** What {@link collapseRatesFigure} needs per number of background classes. */
export interface CollapseRatesLike {
  backgroundClasses: number;
  argmaxRate: number;
  sumRate: number;
  disagreeFraction: number;
}

/**
 * Rates of the argmax and sum collapse rules, and their disagreement, against the number of
 * background classes; with `exact`, the closed-form disagreement as a dotted line.
 */
export function collapseRatesFigure(rates: readonly CollapseRatesLike[], opts: CommonFigureOptions & { exact?: readonly CollapseRatesLike[] } = {}): Figure {
  const x = rates.map((r) => r.backgroundClasses);
  const series: LineSeries[] = [
    { name: 'argmax == lesion', x, y: rates.map((r) => r.argmaxRate), mode: 'lines+markers' },
    { name: 'p_lesion > Σ p_background', x, y: rates.map((r) => r.sumRate), mode: 'lines+markers' },
    { name: 'rules disagree', x, y: rates.map((r) => r.disagreeFraction), mode: 'lines+markers', dash: 'dash' },
  ];
  if (opts.exact) series.push({ name: 'disagree (exact)', x: opts.exact.map((r) => r.backgroundClasses), y: opts.exact.map((r) => r.disagreeFraction), dash: 'dot', color: '#222222' });
  return lineFigure(series, {
    xTitle: 'number of background classes', yTitle: 'fraction of random voxels', title: opts.title ?? 'Collapse rules on random probability vectors',
    width: opts.width, height: opts.height,
  });
}

/**
 * White (probability 0) to dark blue (probability 1): the most probable class is the darkest
 * cell. (Plotly's named 'Blues' runs the other way, dark at the low end.)
 */
const PROBABILITY_SCALE: [number, string][] = [[0, '#f7fbff'], [0.5, '#6baed6'], [1, '#08306b']];

/**
 * Class probabilities of a few voxels as an annotated heatmap: one column per voxel, one row
 * per class (the vectors transposed), blue, 0..1, two significant digits in each cell.
 * @example show(classProbabilityFigure([[0.2, 0.8], [0.6, 0.4]], ['background', 'lesion'], ['A', 'B']))
 * @param vectors one probability vector per voxel, in class order
 * @param classNames one name per class (row labels)
 * @param voxelNames one name per voxel (column labels)
 */
export function classProbabilityFigure(
  vectors: readonly number[][], classNames: readonly string[], voxelNames: readonly string[], opts: CommonFigureOptions = {},
): Figure {
  return heatmapFigure(classNames.map((_, k) => vectors.map((p) => p[k])), {
    xTitle: 'voxel', yTitle: 'class', zTitle: 'probability', x: [...voxelNames], y: [...classNames],
    annotateDigits: 2, zmin: 0, zmax: 1, title: opts.title ?? 'Class probabilities per voxel', colorscale: PROBABILITY_SCALE, width: opts.width, height: opts.height,
  });
}
