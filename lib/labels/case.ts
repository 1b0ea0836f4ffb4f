/**
 * Training targets of a SegmentationCase for either arm of the study: the only
 * thing that differs between 'binary' and 'backsplit' training is this map.
 */
import type { Volume } from '../core/volume';
import type { ClassInfo, LabelMode, SegmentationCase } from '../core/types';
import { buildBackSplitLabels, classTable } from './build';

export interface CaseTargets {
  mode: LabelMode;
  /** binary: 0 background, 1 lesion; backsplit: 0 unlabelled, 1..K aux, K+1 lesion. */
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
    const labels = { ...c.lesion, data: Uint8Array.from(c.lesion.data, (v) => (v ? 1 : 0)) };
    return { mode, labels, classes: classTable(labels, ['background', 'lesion'], ['background', 'lesion']), numClasses: 2, lesionClass: 1 };
  }
  if (mode !== 'backsplit') throw new RangeError(`labelsForCase: mode must be 'binary' or 'backsplit', got '${mode}'`);
  if (!c.aux) throw new Error(`labelsForCase: case ${c.id} has no auxiliary labels, so it cannot be used in 'backsplit' mode`);
  const names = auxNames ?? c.auxNames ?? [];
  const r = buildBackSplitLabels({ lesion: c.lesion, aux: [{ volume: c.aux, name: 'aux', classNames: names }] });
  return { mode, labels: r.labels, classes: r.classes, numClasses: r.classes.length, lesionClass: r.lesionClass };
}
