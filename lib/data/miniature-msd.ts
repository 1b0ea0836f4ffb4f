/**
 * A miniature MSD task written from synthetic cases, to practise the "your own
 * data" workflow without downloading anything: the synthetic 'organ' class
 * plays the liver (the only class left in labelsTr, lesion = label 2), and an
 * aux folder holds every structure with TotalSegmentator `total` ids, as if a
 * TotalSegmentator run had produced it. Also: the folder listing, a one-case
 * description of a loaded dataset, and whether a wrong lesion label is refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { makeVolume, mapToUint8 } from '../core/volume';
import type { SegmentationCase } from '../core/types';
import { formatTable } from '../core/format';
import { writeNifti } from '../io/index';
import { voxelVolumeMl } from '../eval/index';
import { countNonzero, presentLabelIds } from '../labels/index';
import type { SegmentationDataset } from './case-files';
import { loadMsdDataset } from './msd';
import { writeMsdDataset } from './msd-write';
import { SYNTHETIC_AS_TOTALSEGMENTATOR, totalSegmentatorStyleLabels } from './synthetic-totalseg';

/**
 * The cases with only one auxiliary class kept (as class 1, renamed); every other class becomes 0.
 * @throws RangeError when the first case has no class of that name
 */
export function keepOneAuxClass(cases: readonly SegmentationCase[], className: string, newName: string): SegmentationCase[] {
  const id = (cases[0].auxNames ?? []).indexOf(className) + 1;
  if (id === 0) throw new RangeError(`keepOneAuxClass: no aux class '${className}'`);
  return cases.map((c) => ({ ...c, aux: makeVolume(mapToUint8(c.aux!.data, (v: number) => (v === id ? 1 : 0)), c.aux!.dims, c.aux!.spacing, c.aux!.affine), auxNames: [newName] }));
}

/** A written miniature task: its folders, the labels to load it with, and the synthetic → TotalSegmentator table. */
export interface MiniatureMsdTask {
  msdDir: string;
  auxDir: string;
  lesionLabels: number[];
  auxSpec: string;
  /** Which TotalSegmentator class each synthetic structure was written as. */
  structureTable: string;
}

/**
 * Write `synthetic` cases as an MSD task in `dir` (labelsTr: liver = the 'organ' class, lesion = 2)
 * with an `auxTr/` folder of TotalSegmentator-style label maps of every structure.
 */
export function writeMiniatureMsdTask(dir: string, synthetic: readonly SegmentationCase[]): MiniatureMsdTask {
  const name = path.basename(dir);
  writeMsdDataset(dir, keepOneAuxClass(synthetic, 'organ', 'liver'), { name, description: 'miniature MSD task built by notebook 06', lesionName: 'tumour' });
  const auxDir = path.join(dir, 'auxTr');
  fs.mkdirSync(auxDir, { recursive: true });
  for (const c of synthetic) writeNifti(path.join(auxDir, `${c.id}.nii.gz`), totalSegmentatorStyleLabels(c), { datatype: 'uint8' });
  const structureTable = formatTable(['synthetic structure', 'written as TotalSegmentator class'], synthetic[0].auxNames!.map((n) => [n, SYNTHETIC_AS_TOTALSEGMENTATOR[n] || '-']));
  return { msdDir: dir, auxDir, lesionLabels: [2], auxSpec: 'total', structureTable };
}

/** The folder tree of an MSD task with an aux folder: file counts, and the size of imagesTr in MB. */
export function describeMsdFolder(msdDir: string, auxDir: string): string {
  const files = (dir: string) => fs.readdirSync(dir);
  const sizeOf = (dir: string) => files(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
  const images = path.join(msdDir, 'imagesTr');
  return `${msdDir}/\n  dataset.json\n  imagesTr/  ${files(images).length} files, ${(sizeOf(images) / 1e6).toFixed(1)} MB` +
    `\n  labelsTr/  ${files(path.join(msdDir, 'labelsTr')).length} files\n  auxTr/     ${files(auxDir).length} files (TotalSegmentator-style)`;
}

/** Three lines on a loaded dataset and one of its cases: cases and channels, aux classes, grid, spacing, lesion size and aux classes present. */
export function describeDatasetCase(dataset: SegmentationDataset, c: SegmentationCase): string {
  const lesionVoxels = countNonzero(c.lesion.data);
  const present = presentLabelIds(c.aux ? c.aux.data : []).filter((i) => i > 0).map((i) => dataset.auxNames[i - 1]);
  return `dataset '${dataset.name}': ${dataset.ids.length} cases, channels [${dataset.channelNames.join(', ')}]\n` +
    `auxiliary classes 1..${dataset.auxNames.length}: ${dataset.auxNames.join(', ')}\n` +
    `case ${c.id}: grid ${c.lesion.dims.join('×')}, voxel ${c.lesion.spacing.map((s) => s.toFixed(2)).join('×')} mm, ` +
    `${lesionVoxels} lesion voxels (${(lesionVoxels * voxelVolumeMl(c.lesion.spacing)).toFixed(2)} mL), aux classes present: ${present.join(', ')}`;
}

/** The error message loading an MSD folder with these lesion labels gives, or 'not refused' when it loads. */
export function lesionLabelRefusal(msdDir: string, lesionLabels: number[]): string {
  try {
    loadMsdDataset(msdDir, { lesionLabels });
    return 'not refused';
  } catch (e) {
    return (e as Error).message;
  }
}
