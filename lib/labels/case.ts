/**
 * Training targets of a SegmentationCase: binary, BackSplit (the case's aux map
 * splits the background) or a placebo split of the background (./placebo.ts).
 * Between the binary and BackSplit arms of the study this map is the only thing
 * that differs; every kind marks exactly the same lesion voxels.
 */
import { Random } from '../core/random';
import { mapToUint8, type Volume } from '../core/volume';
import type { ClassInfo, LabelMode, SegmentationCase } from '../core/types';
import { buildBackSplitLabels, classTable } from './build';
import { quantilePlacebo, voronoiPlacebo } from './placebo';

export interface CaseTargets {
  mode: LabelMode;
  /** binary: 0 background, 1 lesion (K+1 on a wide head); backsplit: 0 unlabelled, 1..K aux (or placebo regions), K+1 lesion. */
  labels: Volume<Uint8Array>;
  classes: ClassInfo[];
  numClasses: number;
  lesionClass: number;
}

/**
 * Label map of a case for one training mode. Both modes mark exactly the same lesion voxels.
 * @example
 * const t = labelsForCase(cases[0], 'backsplit'); // t.numClasses === 8 for the synthetic set
 * @param auxNames names of aux classes 1..K of a whole dataset (a training run's class layout);
 *   default: the case's own `auxNames`. Aux values above K are an error.
 * @throws Error when mode is 'backsplit' and the case has no aux map
 */
export function labelsForCase(c: SegmentationCase, mode: LabelMode, auxNames?: string[]): CaseTargets {
  if (mode === 'binary') {
    const labels = { ...c.lesion, data: mapToUint8(c.lesion.data, (v) => (v ? 1 : 0)) };
    return { mode, labels, classes: classTable(labels, ['background', 'lesion'], ['background', 'lesion']), numClasses: 2, lesionClass: 1 };
  }
  if (mode !== 'backsplit') throw new RangeError(`labelsForCase: mode must be 'binary' or 'backsplit', got '${mode}'`);
  if (!c.aux) throw new Error(`labelsForCase: case ${c.id} has no auxiliary labels, so it cannot be used in 'backsplit' mode`);
  const names = auxNames ?? c.auxNames ?? [];
  const r = buildBackSplitLabels({ lesion: c.lesion, aux: [{ volume: c.aux, name: 'aux', classNames: names }] });
  return { mode, labels: r.labels, classes: r.classes, numClasses: r.classes.length, lesionClass: r.lesionClass };
}

/**
 * Binary labels for a head of K+2 classes: 0 background, K+1 lesion; classes 1..K (named
 * unused1..unusedK) never appear. The lesion voxels are those of the binary labels.
 * @param k the number of classes between background and lesion (≥ 0)
 * @example wideBinaryLabelsForCase(cases[0], 6).lesionClass // 7
 */
export function wideBinaryLabelsForCase(c: SegmentationCase, k: number): CaseTargets {
  if (!Number.isInteger(k) || k < 0 || k > 253) throw new RangeError(`wideBinaryLabelsForCase: k must be an integer in 0..253, got ${k}`);
  const lesionClass = k + 1;
  const labels = { ...c.lesion, data: mapToUint8(c.lesion.data, (v) => (v ? lesionClass : 0)) };
  const unused = Array.from({ length: k }, (_, i) => `unused${i + 1}`);
  const names = ['background', ...unused, 'lesion'];
  return { mode: 'binary', labels, classes: classTable(labels, names, ['background', ...unused.map(() => 'none'), 'lesion']), numClasses: k + 2, lesionClass };
}

/** The placebo splits of the background (docs/protocol.md, "Arms"). */
export type PlaceboKind = 'placebo-voronoi' | 'placebo-quantile';

/**
 * Labels of a case in BackSplit form with a placebo in place of the aux map: classes 1..K are
 * the K placebo regions, which cover the whole background (class 0 is never a target), and
 * K+1 is the lesion. The case's own aux map is not used.
 * - placebo-voronoi: Voronoi cells drawn from `new Random(seed).fork('placebo-voronoi/' + c.id)`,
 *   so the same seed and case always give the same cells, and another seed other cells;
 * - placebo-quantile: intensity bands of the case's first image channel (seed unused).
 * @example placeboLabelsForCase(cases[0], 'placebo-voronoi', 6, 0).numClasses // 8
 */
export function placeboLabelsForCase(c: SegmentationCase, kind: PlaceboKind, k: number, seed: number): CaseTargets {
  let aux: Volume<Uint8Array>;
  if (kind === 'placebo-voronoi') aux = voronoiPlacebo(c.lesion, k, new Random(seed).fork(`placebo-voronoi/${c.id}`));
  else if (kind === 'placebo-quantile') {
    if (c.channels.length === 0) throw new Error(`placeboLabelsForCase: case ${c.id} has no image channel to take intensity quantiles of`);
    aux = quantilePlacebo(c.channels[0], c.lesion, k);
  } else throw new RangeError(`placeboLabelsForCase: kind must be 'placebo-voronoi' or 'placebo-quantile', got '${kind}'`);
  const prefix = kind === 'placebo-voronoi' ? 'voronoi' : 'quantile';
  const classNames = Array.from({ length: k }, (_, i) => `${prefix}${i + 1}`);
  const r = buildBackSplitLabels({ lesion: c.lesion, aux: [{ volume: aux, name: kind, classNames }] });
  return { mode: 'backsplit', labels: r.labels, classes: r.classes, numClasses: r.classes.length, lesionClass: r.lesionClass };
}
