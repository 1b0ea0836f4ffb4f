/**
 * Small summaries of Fisher results, for reading them in a notebook: uniform
 * background splits for a gap surface and where its gap is largest, the share
 * of the multiclass trace that the split accounts for over a patch, the Y−Z
 * trace difference in standard errors, and the Cramér–Rao comparison rows as
 * formatted table cells. Arithmetic and formatting only.
 */
import { formatPlusMinus, formatSignificant as fmt } from '../core/format';
import type { GapSurface } from './closed-form';
import type { CramerRaoResult, VarianceComparison } from './cramer-rao';
import type { LikelihoodTraces } from './report';

/**
 * Background splits spreading the mass evenly over m of `maxSub` sub-classes, one per m (zeros after the first m).
 * @example uniformSplits([1, 2], 3) // [[1, 0, 0], [0.5, 0.5, 0]]
 */
export function uniformSplits(spreads: readonly number[], maxSub: number): number[][] {
  return spreads.map((m) => Array.from({ length: maxSub }, (_, k) => (k < m ? 1 / m : 0)));
}

/**
 * The largest gap of a surface and its cell (the first one on ties, rows then columns).
 * @example gapSurfaceMaximum({ gap: [[0, 1], [3, 2]] } as GapSurface) // { gap: 3, row: 1, col: 0 }
 */
export function gapSurfaceMaximum(surface: Pick<GapSurface, 'gap'>): { gap: number; row: number; col: number } {
  let best = { gap: -1, row: 0, col: 0 };
  surface.gap.forEach((row, r) => row.forEach((g, c) => {
    if (g > best.gap) best = { gap: g, row: r, col: c };
  }));
  return best;
}

/**
 * Σ gap and Σ tr I_Y over the voxels of a patch, and the gap's share of I_Y in percent.
 * @example traceShare([[1, 0]], [[2, 2]]) // { sumGap: 1, sumY: 4, voxels: 2, percent: 25 }
 */
export function traceShare(gap: number[][], y: number[][]): { sumGap: number; sumY: number; voxels: number; percent: number } {
  const flatGap = gap.flat();
  const sumGap = flatGap.reduce((s, v) => s + v, 0);
  const sumY = y.flat().reduce((s, v) => s + v, 0);
  return { sumGap, sumY, voxels: flatGap.length, percent: 100 * sumGap / sumY };
}

/**
 * tr F_Y − tr F_Z of one network and that difference in combined standard errors
 * √(SE_Y² + SE_Z²) (NaN without errors; conservative, as Y and Z share their label samples).
 * @example traceDifference({ trace: 5, traceStdError: 3, perLayer: [] }, { trace: 1, traceStdError: 4, perLayer: [] }) // { difference: 4, combinedStdError: 5, inStdErrors: 0.8 }
 */
export function traceDifference(y: LikelihoodTraces, z: LikelihoodTraces): { difference: number; combinedStdError: number; inStdErrors: number } {
  const combinedStdError = Math.hypot(y.traceStdError ?? 0, z.traceStdError ?? 0);
  return { difference: y.trace - z.trace, combinedStdError, inStdErrors: (y.trace - z.trace) / (combinedStdError || NaN) };
}

/** Table cells of Cramér–Rao comparisons: quantity, truth, both arms' empirical and predicted variances, both ratios, z. */
export function cramerRaoRows(rows: readonly VarianceComparison[]): string[][] {
  return rows.map((c) => [c.label, fmt(c.truth), fmt(c.empiricalVariance.binary), fmt(c.predictedVariance.binary), fmt(c.empiricalVariance.backsplit),
    fmt(c.predictedVariance.backsplit), fmt(c.empiricalRatio), fmt(c.predictedRatio), fmt(c.zScore, 2)]);
}

/** Table cells of a sweep of Cramér–Rao runs, for the lesion probability at the first test point: K, n, training sets, traces, ratios, z. */
export function cramerRaoSweepRows(results: readonly CramerRaoResult[]): (string | number)[][] {
  return results.map((r) => {
    const c = r.lesionProbability[0];
    return [r.config.backgroundClasses, r.config.trainSize, r.config.replicates, fmt(r.traceY), fmt(r.traceZ), fmt(c.empiricalRatio), fmt(c.predictedRatio), fmt(c.zScore, 2)];
  });
}

/**
 * A Fisher trace with its Monte-Carlo standard error: "12.3 ± 0.45".
 * @example formatTrace({ trace: 12.345, traceStdError: 0.4567, perLayer: [] }) // "12.3 ± 0.46"
 */
export function formatTrace(t: Pick<LikelihoodTraces, 'trace' | 'traceStdError'>): string {
  return formatPlusMinus(t.trace, t.traceStdError);
}

/** One line on the exact per-example Fisher of a Cramér–Rao run: both traces and the smallest eigenvalue of I_Y − I_Z, checked against the theorem. */
export function describeCramerRaoInformation(cr: Pick<CramerRaoResult, 'traceY' | 'traceZ' | 'minEigenvalueGap'>): string {
  return `per-example exact Fisher in parameter space: tr I_Y = ${fmt(cr.traceY)}, tr I_Z = ${fmt(cr.traceZ)}, ` +
    `smallest eigenvalue of I_Y − I_Z = ${cr.minEigenvalueGap.toExponential(2)} ` +
    (cr.minEigenvalueGap > -1e-9 ? '(≥ 0 up to rounding, as the theorem says)' : '(NEGATIVE: this contradicts the theorem — a bug to report)');
}

/**
 * The z-scores of a K sweep at small and at asymptotic n, one "K = …: z = … at n = …, z = … at n = …" per K, joined by '; '.
 * @param smallN results at a small training size, one per K
 * @param asymptotic results at the asymptotic training size, same K order
 */
export function describeSweepZ(smallN: readonly CramerRaoResult[], asymptotic: readonly CramerRaoResult[]): string {
  return asymptotic.map((r, i) => `K = ${r.config.backgroundClasses}: z = ${fmt(smallN[i].lesionProbability[0].zScore, 2)} at n = ${smallN[i].config.trainSize}, ` +
    `z = ${fmt(r.lesionProbability[0].zScore, 2)} at n = ${r.config.trainSize}`).join('; ') + ' (|z| < 2: agreement within Monte-Carlo error).';
}
