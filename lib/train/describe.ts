/**
 * Describing what a training run will see, as numbers and text: voxels per
 * class of the training targets of a class layout, the auxiliary classes of a
 * layout, which config fields differ between two runs, and a one-line summary
 * of the settings two arms share. Used by the course notebooks to show the
 * class imbalance and that the arms differ only in their labels.
 */
import type { SegmentationCase } from '../core/types';
import { formatTable } from '../core/format';
import type { TrainConfig } from './config';
import { ClassLayout, prepareCase } from './prepare';

/**
 * Voxels of each class id of `layout` in the training targets of `cases` (every voxel counted once).
 * @returns counts[id] for id in 0..numClasses-1
 */
export function classVoxelCounts(cases: readonly SegmentationCase[], layout: ClassLayout): number[] {
  const counts = new Array<number>(layout.numClasses).fill(0);
  for (const c of cases) {
    const target = prepareCase(c, layout).target;
    for (let v = 0; v < target.length; v++) counts[target[v]]++;
  }
  return counts;
}

/**
 * Percent of all counted voxels that class `id` holds, rounded to 3 decimals.
 * @example voxelShare([990, 10], 1) // 1
 */
export function voxelShare(counts: readonly number[], id: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return Number(((100 * counts[id]) / total).toFixed(3));
}

/** Class id, name, voxels and % of voxels as an aligned table. */
export function formatClassVoxelCounts(layout: ClassLayout, counts: readonly number[]): string {
  return formatTable(['class id', 'name', 'voxels', '% of voxels'], layout.classNames.map((name, id) => [id, name, counts[id], voxelShare(counts, id)]));
}

/**
 * The auxiliary classes of a layout (ids 1 .. lesionClass-1) with their names; none for a binary layout.
 * @example auxClassesOf({ mode: 'backsplit', numClasses: 4, lesionClass: 3, classNames: ['bg', 'organ', 'vessel', 'lesion'] }) // [{ id: 1, name: 'organ' }, { id: 2, name: 'vessel' }]
 */
export function auxClassesOf(layout: ClassLayout): { id: number; name: string }[] {
  return layout.classNames.slice(1, layout.lesionClass).map((name, i) => ({ id: i + 1, name }));
}

/**
 * The top-level fields of two training configs whose JSON differs, as "field (a vs b)", comma-separated.
 * @example formatConfigDifferences(binaryConfig, backsplitConfig) // 'mode ("binary" vs "backsplit"), outputDir ("runs/binary-seed0" vs "runs/backsplit-seed0")'
 */
export function formatConfigDifferences(a: TrainConfig, b: TrainConfig): string {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  const differing = Object.keys(ra).filter((k) => JSON.stringify(ra[k]) !== JSON.stringify(rb[k]));
  return differing.map((k) => `${k} (${JSON.stringify(ra[k])} vs ${JSON.stringify(rb[k])})`).join(', ');
}

/** One line: network, patch, batch, steps, optimiser and schedule, loss, and the forced-lesion share of patches. */
export function describeTrainConfig(c: TrainConfig): string {
  return `${c.model.family} with channels ${c.model.channels.join('/')} (${c.model.norm} norm), patch ${c.patchSize.join('×')}${c.patchSize.length === 2 ? ' (2D axial slices)' : ''}, batch ${c.batchSize}, ` +
    `${c.steps} steps, ${c.optimizer} lr ${c.learningRate} with poly decay ${c.polyPower}, loss ${c.loss.kind}, ` +
    `${Math.round(100 * c.foregroundFraction)}% of patches forced to contain lesion`;
}
