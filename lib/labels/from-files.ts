/**
 * File-level label building: read a lesion mask, auxiliary label maps and/or an
 * image for tissue clustering from NIfTI files, build the BackSplit map and
 * (optionally) write it. The `backsplit labels` command and notebooks both call
 * this, so there is no CLI-only logic.
 */
import * as path from 'path';
import { readNifti } from '../io/nifti';
import { readLabelFile } from '../io/load';
import type { NonFinitePolicy } from '../io/nonfinite';
import { writeNifti } from '../io/nifti-write';
import { makeVolume, Volume, VoxelArray } from '../core/volume';
import { AuxSource, BackSplitLabels, buildBackSplitLabels } from './build';
import { GroupSpec, loadGroupSpec } from './spec';
import { clusterTissues, TissueClusterResult } from './tissue';
import { describeGrouping, formatGrouping, GroupingSummary, presentLabelIds } from './describe';

export interface LabelFilesOptions {
  /** Lesion mask file; when absent, an empty lesion mask on the grid of the first aux/tissue image is used. */
  lesion?: string;
  /** Label values counted as lesion (default: any nonzero). */
  lesionValues?: number[];
  /** Auxiliary label files, highest precedence first. */
  aux?: string[];
  /** Grouping specs (built-in name or JSON path): one for all aux files, or one per aux file ('' = none). */
  groups?: string[];
  /** Image to cluster into tissue classes (added as the lowest-precedence aux source 'tissue-<method>'). */
  tissueFrom?: string;
  tissueClasses?: number;
  tissueMask?: string;
  tissueMethod?: 'kmeans' | 'gmm';
  tissueNames?: string[];
  seed?: number;
  /** The volume (0-based) to take from 4D lesion/aux files (without it a 4D label file is refused). */
  volume?: number;
  /**
   * NaN/Inf voxels in any input: 'error' (default), 'zero' (read as 0), or 'mask' (left out:
   * label 0 in a lesion/aux file, and not clustered in the tissue image).
   */
  nonfinite?: NonFinitePolicy;
  /** Output paths (optional): the class map and the binary map, written as uint8. */
  out?: string;
  binaryOut?: string;
}

export interface LabelFilesResult extends BackSplitLabels {
  /** Provenance: which file produced which source, and the spec used. */
  sources: Array<{ name: string; file: string; spec?: string }>;
  tissue?: Omit<TissueClusterResult, 'labels'>;
  /** True when no lesion file was given and an empty mask was used. */
  emptyLesion: boolean;
}

/** The tissue image (with policy 'mask': also its NaN/Inf voxels, as a mask of the voxels to cluster). */
function readTissueImage(file: string, nonfinite: NonFinitePolicy, maskFile?: string): { image: Volume<VoxelArray>; mask?: Volume<VoxelArray> } {
  const r = readNifti(file, { nonfinite });
  const userMask = maskFile ? readNifti(maskFile, { nonfinite: nonfinite === 'error' ? 'error' : 'zero' }).volume : undefined;
  const bad = r.nonFinite.mask;
  if (!bad) return { image: r.volume, mask: userMask };
  const keep = new Uint8Array(bad.length);
  for (let i = 0; i < bad.length; i++) keep[i] = !bad[i] && (!userMask || userMask.data[i] !== 0) ? 1 : 0;
  return { image: r.volume, mask: makeVolume(keep, r.volume.dims, r.volume.spacing, r.volume.affine) };
}

/**
 * Build (and optionally write) a BackSplit label map from NIfTI files.
 * @example
 * const r = buildLabelsFromFiles({ lesion: 'gt.nii.gz', tissueFrom: 'T1.nii.gz', tissueClasses: 3,
 *   tissueNames: ['csf', 'grey_matter', 'white_matter'], out: '/tmp/labels.nii.gz' });
 * r.classes; // class table
 */
export function buildLabelsFromFiles(opts: LabelFilesOptions): LabelFilesResult {
  const auxFiles = opts.aux ?? [];
  const groups = opts.groups ?? [];
  if (groups.length > 1 && groups.length !== auxFiles.length) {
    throw new Error(`--groups lists ${groups.length} specs for ${auxFiles.length} aux files: give one spec for all, or one per aux file`);
  }
  if (!opts.lesion && auxFiles.length === 0 && !opts.tissueFrom) throw new Error('nothing to build: give a lesion mask, aux label files or an image for tissue classes');
  const sources: LabelFilesResult['sources'] = [];
  const aux: AuxSource[] = [];
  const usedNames = new Set<string>();
  const readLabel = (file: string) => readLabelFile(file, { volume: opts.volume, nonfinite: opts.nonfinite }).label;
  auxFiles.forEach((file, i) => {
    const specName = groups.length === 1 ? groups[0] : groups[i];
    const spec: GroupSpec | undefined = specName ? loadGroupSpec(specName) : undefined;
    let name = path.basename(file).replace(/\.nii(\.gz)?$/i, '');
    while (usedNames.has(name)) name += `_${i}`;
    usedNames.add(name);
    aux.push({ volume: readLabel(file), name, groups: spec });
    sources.push({ name, file, spec: specName || undefined });
  });
  let tissue: LabelFilesResult['tissue'];
  if (opts.tissueFrom) {
    const { image, mask } = readTissueImage(opts.tissueFrom, opts.nonfinite ?? 'error', opts.tissueMask);
    const method = opts.tissueMethod ?? 'kmeans';
    const r = clusterTissues([image], { classes: opts.tissueClasses ?? 3, mask, method, seed: opts.seed ?? 0, names: opts.tissueNames });
    const name = `tissue-${method}`;
    aux.push({ volume: r.labels, name, classNames: r.names });
    sources.push({ name, file: opts.tissueFrom });
    const { labels: _unused, ...rest } = r;
    tissue = rest;
  }
  let lesion: Volume<VoxelArray>;
  const emptyLesion = !opts.lesion;
  if (opts.lesion) lesion = readLabel(opts.lesion);
  else {
    const ref = aux[0].volume;
    lesion = makeVolume(new Uint8Array(ref.data.length), ref.dims, ref.spacing, ref.affine);
  }
  const built = buildBackSplitLabels({ lesion, lesionValues: opts.lesionValues, aux });
  if (opts.out) writeNifti(opts.out, built.labels, { datatype: 'uint8', description: 'backsplit labels' });
  if (opts.binaryOut) writeNifti(opts.binaryOut, built.binary, { datatype: 'uint8', description: 'backsplit binary lesion' });
  return { ...built, sources, tissue, emptyLesion };
}

/** A label file grouped by a spec: the spec, the grouping summary, and the BackSplit map built from the file alone. */
export interface LabelFileGrouping {
  spec: GroupSpec;
  summary: GroupingSummary;
  built: LabelFilesResult;
  /** Distinct nonzero source ids in the file. */
  sourceClassesPresent: number;
  /** Distinct nonzero group ids in the built map (the lesion class left out). */
  groupsPresent: number;
}

/**
 * Group one auxiliary label file (e.g. a TotalSegmentator output) with a spec and build the
 * BackSplit map from it alone (no lesion file: the lesion class stays empty).
 * @param specName a built-in spec name or a spec file path
 */
export function groupLabelFile(file: string, specName: string): LabelFileGrouping {
  const seg = readLabelFile(file).label;
  const spec = loadGroupSpec(specName);
  const built = buildLabelsFromFiles({ aux: [file], groups: [specName] });
  return {
    spec,
    summary: describeGrouping(seg.data, spec),
    built,
    sourceClassesPresent: presentLabelIds(seg.data).length,
    groupsPresent: presentLabelIds(built.labels.data).filter((id) => id !== built.lesionClass).length,
  };
}

/**
 * groupLabelFile's result as text: spec size, classes → groups present, unknown ids, and the grouping table.
 * @param words how the second line names the file and its classes (default 'this file', 'source'; e.g. 'this CT', 'TotalSegmentator')
 */
export function formatLabelFileGrouping(g: LabelFileGrouping, maxNames = 6, words: { subject?: string; classes?: string } = {}): string {
  const { subject = 'this file', classes = 'source' } = words;
  return `spec '${g.spec.name}': ${g.spec.classNames.size} source classes → ${g.spec.groupNames.length} groups\n` +
    `${subject}: ${g.sourceClassesPresent} ${classes} classes present → ${g.groupsPresent} groups present; unknown ids: ${g.summary.unknownIds.length}\n` +
    `lesion mask given: ${!g.built.emptyLesion}\n\n${formatGrouping(g.summary, maxNames)}`;
}
