/**
 * Figures and line series of the Fisher notebook built from plain result
 * structures (the shapes of lib/fisher's gap surface and Cramér–Rao results and
 * lib/study's checkpoint and patch-map results, written here as structural types
 * since this folder may not import those): the gap-surface heatmap, the Y/Z
 * trace lines, the variance-ratio sweep, the three patch maps, and the curves
 * of Fisher traces and gradient noise through training.
 */
import type { Figure } from './types';
import { heatmapFigure, type LineSeries } from './basic';
import { armColor } from './colors';
import type { FisherSeries } from './fisher';

/** What the gap-surface figures need: traces per background split (rows) and lesion probability (columns). */
export interface GapSurfaceLike {
  lesionProbabilities: number[];
  y: number[][];
  z: number[][];
  gap: number[][];
}

/**
 * Heatmap of tr(I_Y − I_Z): lesion probability across, background spread down.
 * @param spreads the number of sub-classes m of each row (labels 'm = <m>')
 */
export function gapSurfaceFigure(surface: GapSurfaceLike, spreads: readonly number[]): Figure {
  return heatmapFigure(surface.gap, {
    title: 'Trace of the Fisher gap I_Y − I_Z at the logits (exact, closed form)',
    xTitle: 'lesion probability p_L', yTitle: 'background spread over m sub-classes', zTitle: 'tr(I_Y − I_Z)',
    x: surface.lesionProbabilities.map((p) => p.toFixed(3)), y: spreads.map((m) => `m = ${m}`),
  });
}

/**
 * Two lines per chosen row of a gap surface: tr I_Y (solid) and tr I_Z (dashed) against p_L, one colour per row.
 * @param rows row indices to draw
 * @param spreads m of every row (for the names)
 * @param palette one colour per chosen row
 */
export function fisherTraceSeries(surface: GapSurfaceLike, rows: readonly number[], spreads: readonly number[], palette: readonly string[]): LineSeries[] {
  return rows.flatMap((r, i) => [
    { name: `tr I_Y, m = ${spreads[r]}`, x: surface.lesionProbabilities, y: surface.y[r], color: palette[i] },
    { name: `tr I_Z, m = ${spreads[r]}`, x: surface.lesionProbabilities, y: surface.z[r], color: palette[i], dash: 'dash' as const },
  ]);
}

/** What {@link varianceRatioSweepSeries} reads of one Cramér–Rao result. */
export interface CramerRaoLike {
  lesionProbability: { empiricalRatio: number; predictedRatio: number }[];
}

/**
 * Var(binary)/Var(BackSplit) of p_L at the first test point against K: empirical at small n (grey,
 * dotted), empirical at asymptotic n, and the inverse-Fisher prediction (dashed).
 */
export function varianceRatioSweepSeries(ks: readonly number[], smallN: readonly CramerRaoLike[], asymptotic: readonly CramerRaoLike[]): LineSeries[] {
  const x = ks.slice();
  return [
    { name: 'empirical, n = 1000', x, y: smallN.map((r) => r.lesionProbability[0].empiricalRatio), color: '#999999', mode: 'lines+markers', dash: 'dot' },
    { name: 'empirical, asymptotic n', x, y: asymptotic.map((r) => r.lesionProbability[0].empiricalRatio), color: armColor('backsplit'), mode: 'lines+markers' },
    { name: 'predicted (inverse Fisher)', x, y: asymptotic.map((r) => r.lesionProbability[0].predictedRatio), color: armColor('binary'), mode: 'lines+markers', dash: 'dash' },
  ];
}

/** What {@link patchMapFigures} reads of per-voxel patch maps. */
export interface PatchMapsLike {
  caseId: string;
  image: number[][];
  lesionProbability: number[][];
  gap: number[][];
}

/** Three image heatmaps of one patch: the (z-scored) image, the lesion probability, and the per-voxel gap trace. */
export function patchMapFigures(maps: PatchMapsLike): Figure[] {
  const common = { imageAxes: true, height: 360, width: 440, xTitle: 'x (voxel)', yTitle: 'y (voxel)' };
  return [
    heatmapFigure(maps.image, { ...common, title: `image patch (case ${maps.caseId}, z-scored)`, zTitle: 'intensity', colorscale: 'Greys' }),
    heatmapFigure(maps.lesionProbability, { ...common, title: 'BackSplit network: lesion probability', zTitle: 'p_L', zmin: 0, zmax: 1 }),
    heatmapFigure(maps.gap, { ...common, title: 'per-voxel tr(I_Y − I_Z) at the network output (exact at the logits)', zTitle: 'gap trace', colorscale: 'Magma' }),
  ];
}

/** What the through-training series read of one checkpoint. */
export interface CheckpointLike {
  step: number;
  report: { y: { trace: number }; z: { trace: number } };
  noise?: { total: { noiseToSignal: number } };
}

/** Total Fisher traces through training: binary network (Z), BackSplit network (Y and Z). */
export function fisherTotalsSeries(binary: readonly CheckpointLike[], backsplit: readonly CheckpointLike[]): FisherSeries[] {
  const bSteps = binary.map((p) => p.step);
  const sSteps = backsplit.map((p) => p.step);
  return [
    { layer: 'binary network', target: 'Z', steps: bSteps, values: binary.map((p) => p.report.z.trace) },
    { layer: 'BackSplit network', target: 'Y', steps: sSteps, values: backsplit.map((p) => p.report.y.trace) },
    { layer: 'BackSplit network', target: 'Z', steps: sSteps, values: backsplit.map((p) => p.report.z.trace) },
  ];
}

/**
 * Gradient noise-to-signal through training, one line per arm.
 * @throws Error when a checkpoint has no gradient-noise measurement
 */
export function gradientNoiseSeries(binary: readonly CheckpointLike[], backsplit: readonly CheckpointLike[]): LineSeries[] {
  const ratio = (p: CheckpointLike) => {
    if (!p.noise) throw new Error(`gradientNoiseSeries: checkpoint at step ${p.step} has no gradient noise`);
    return p.noise.total.noiseToSignal;
  };
  return [
    { name: 'binary', x: binary.map((p) => p.step), y: binary.map(ratio), color: armColor('binary'), mode: 'lines+markers' },
    { name: 'BackSplit', x: backsplit.map((p) => p.step), y: backsplit.map(ratio), color: armColor('backsplit'), mode: 'lines+markers' },
  ];
}
