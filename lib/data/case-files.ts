/**
 * File-backed case assembly and the lazy dataset every file loader returns: a
 * list of case ids and a cached `load(id)` that assembles a SegmentationCase
 * from files (or memory).
 *
 * Case assembly from files is shared by the manifest, MSD and folder-per-case
 * loaders: image channels (3D files, or 4D files expanded into channels), a
 * lesion mask (a file, or chosen values of a multi-label file as in MSD), and
 * auxiliary classes merged by name from (1) the non-lesion values of that label
 * file, (2) auxiliary label files with a grouping spec or fixed names, (3) tissue
 * classes clustered from one channel. Auxiliary class ids come from the dataset
 * configuration, never from what a case happens to contain, so they are stable
 * across cases.
 */
import { existsSync } from 'fs';
import { readNiftiAll } from '../io/nifti';
import { assertSameGrid } from '../core/grid';
import type { SegmentationCase } from '../core/types';
import { makeVolume, Volume, VoxelArray, mapToUint8 } from '../core/volume';
import { toFloat32 } from '../io/ops';
import { AuxSource, buildBackSplitLabels } from '../labels/build';
import { applyGroupSpec, GroupSpec, loadGroupSpec } from '../labels/spec';
import { clusterTissues } from '../labels/tissue';

/** A dataset: ids plus lazy per-case access. */
export interface SegmentationDataset {
  name: string;
  ids: string[];
  channelNames: string[];
  /** Aux class names 1..K (empty when the dataset has no auxiliary labels). */
  auxNames: string[];
  /** Load one case (by id or index); decoded cases are kept in a small LRU cache. */
  load(idOrIndex: string | number): SegmentationCase;
  /** Load every case (in id order). */
  loadAll(): SegmentationCase[];
}

/** Tissue-class auxiliary labels computed at load time from one channel. */
export interface TissueAuxConfig {
  /** Channel name to cluster. */
  channel: string;
  classes: number;
  names?: string[];
  method?: 'kmeans' | 'gmm';
  seed?: number;
}

/** Files of one case (absolute paths). */
export interface CaseFiles {
  id: string;
  /** One file per channel, or one 4D file holding all channels. */
  channels: string[];
  /** Lesion mask file, or the multi-label file whose `lesionValues` are lesion. */
  lesion: string;
  /** Auxiliary label files (precedence in this order, after the label file's own aux values). */
  aux?: string[];
  /** Expected spacing in mm, checked against the files when given. */
  spacingMm?: [number, number, number];
}

/** Dataset-wide settings of case assembly. */
export interface CaseAssembly {
  channelNames: string[];
  /** Values of the lesion file counted as lesion (default: any nonzero). */
  lesionValues?: number[];
  /** Other values of the lesion/label file kept as aux classes: value → class name (MSD's other labels). */
  labelAux?: Array<{ value: number; name: string }>;
  /** Values of the label file that are neither lesion nor aux: set to 0 (unlabelled). */
  ignoreLabelValues?: number[];
  /** Grouping spec for the aux files (built-in name or path), or fixed names for aux ids 1..K. */
  auxGroups?: string;
  auxNames?: string[];
  tissue?: TissueAuxConfig;
}

/** Check that every referenced file exists; one error listing all missing files. */
export function assertFilesExist(cases: CaseFiles[], where: string): void {
  const missing: string[] = [];
  for (const c of cases) {
    for (const f of [...c.channels, c.lesion, ...(c.aux ?? [])]) if (!existsSync(f)) missing.push(`${c.id}: ${f}`);
  }
  if (missing.length) {
    throw new Error(`${where}: ${missing.length} referenced file(s) do not exist:\n  ${missing.slice(0, 20).join('\n  ')}${missing.length > 20 ? '\n  ...' : ''}`);
  }
}

function isIntegral(data: VoxelArray): number | null {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return null;
  for (let p = 0; p < data.length; p++) if (!Number.isInteger(data[p])) return data[p];
  return null;
}

/** Aux class names of an assembly, in class-id order (1..K). */
export function assemblyAuxNames(a: CaseAssembly): string[] {
  const names: string[] = [];
  const add = (n: string) => {
    if (!names.includes(n)) names.push(n);
  };
  (a.labelAux ?? []).forEach((x) => add(x.name));
  if (a.auxGroups) loadGroupSpec(a.auxGroups).groupNames.forEach(add);
  else (a.auxNames ?? []).forEach(add);
  if (a.tissue) (a.tissue.names ?? Array.from({ length: a.tissue.classes }, (_, i) => `tissue_${i + 1}`)).forEach(add);
  return names;
}

/** Read the image channels (3D files, or 4D files expanded) and check their grids and the expected spacing. */
function readChannels(files: CaseFiles, a: CaseAssembly, where: string): Volume<Float32Array>[] {
  const channels: Volume<Float32Array>[] = [];
  for (const f of files.channels) {
    const { volumes } = readNiftiAll(f);
    for (const v of volumes) channels.push(toFloat32(v));
  }
  if (channels.length !== a.channelNames.length) {
    throw new Error(`${where}: ${channels.length} image channel(s) in ${files.channels.join(', ')}, expected ${a.channelNames.length} (${a.channelNames.join(', ')})`);
  }
  const ref = channels[0];
  channels.forEach((c, i) => assertSameGrid(ref, c, [`${where} channel ${a.channelNames[0]}`, `${where} channel ${a.channelNames[i]}`]));
  if (files.spacingMm) {
    const s = files.spacingMm;
    if (s.some((x, i) => Math.abs(x - ref.spacing[i]) > 1e-3 * Math.max(1, x))) {
      throw new Error(`${where}: manifest spacing ${s.join(',')} mm differs from the image spacing ${ref.spacing.map((x) => +x.toFixed(5)).join(',')} mm (${files.channels[0]})`);
    }
  }
  return channels;
}

/** Read the label file on the image grid; integer values only. */
function readLabelFile(files: CaseFiles, ref: Volume<Float32Array>, where: string): Volume<VoxelArray> {
  const labelVol = readNiftiAll(files.lesion).volumes[0];
  assertSameGrid(ref, labelVol, [`${where} image ${files.channels[0]}`, `${where} label ${files.lesion}`]);
  const bad = isIntegral(labelVol.data);
  if (bad !== null) throw new Error(`${where}: label file ${files.lesion} holds non-integer value ${bad}; labels must be integers`);
  return labelVol;
}

/**
 * The label file's own aux classes (`labelAux`, 1..L in declaration order); values that are
 * neither lesion, ignored nor declared are an error. Null when the assembly declares none.
 */
function labelFileAux(labelVol: Volume<VoxelArray>, ref: Volume<Float32Array>, a: CaseAssembly, lesionSet: Set<number> | null, file: string, where: string): AuxSource | null {
  if (!((a.labelAux && a.labelAux.length) || (a.ignoreLabelValues && a.ignoreLabelValues.length))) return null;
  const labelAux = a.labelAux ?? [];
  const ignore = new Set(a.ignoreLabelValues ?? []);
  const lut = new Map<number, number>();
  labelAux.forEach((x, i) => lut.set(x.value, i + 1));
  const d = new Uint8Array(labelVol.data.length);
  const unknown = new Set<number>();
  for (let p = 0; p < d.length; p++) {
    const v = labelVol.data[p];
    if (v === 0 || ignore.has(v) || (lesionSet ? lesionSet.has(v) : false)) continue;
    const g = lut.get(v);
    if (g === undefined) unknown.add(v);
    else d[p] = g;
  }
  if (unknown.size) throw new Error(`${where}: label file ${file} holds value(s) ${[...unknown].sort((x, y) => x - y).join(', ')} that are neither lesion nor a declared label`);
  if (!labelAux.length) return null;
  return { volume: makeVolume(d, ref.dims, ref.spacing, ref.affine), name: 'labels', classNames: labelAux.map((x) => x.name) };
}

/** One aux label file as a merge source: grouped by the spec, or named by the fixed aux names. */
function auxFileSource(f: string, i: number, ref: Volume<Float32Array>, files: CaseFiles, a: CaseAssembly, spec: GroupSpec | undefined, where: string): AuxSource {
  const v = readNiftiAll(f).volumes[0];
  assertSameGrid(ref, v, [`${where} image ${files.channels[0]}`, `${where} aux ${f}`]);
  const nonInt = isIntegral(v.data);
  if (nonInt !== null) throw new Error(`${where}: aux file ${f} holds non-integer value ${nonInt}; labels must be integers`);
  if (spec) {
    const g = applyGroupSpec(v, spec, `${where} aux ${f}`);
    return { volume: g.volume, name: `aux${i}`, classNames: g.groupNames };
  }
  if (a.auxNames) return { volume: v, name: `aux${i}:${f}`, classNames: a.auxNames };
  throw new Error(`${where}: aux file ${f} needs "auxGroups" (a grouping spec) or "auxNames" so class ids are stable across cases`);
}

/** Tissue classes clustered from the assembly's tissue channel. */
function tissueSource(channels: Volume<Float32Array>[], a: CaseAssembly, tissue: TissueAuxConfig, where: string): AuxSource {
  const ci = a.channelNames.indexOf(tissue.channel);
  if (ci < 0) throw new Error(`${where}: tissue channel '${tissue.channel}' is not one of ${a.channelNames.join(', ')}`);
  const t = clusterTissues([channels[ci]], { classes: tissue.classes, names: tissue.names, method: tissue.method, seed: tissue.seed ?? 0 });
  return { volume: t.labels, name: 'tissue', classNames: t.names };
}

/**
 * Merge the aux sources into one aux map (lib/labels buildBackSplitLabels, earlier source wins)
 * whose class ids follow `auxNames` (the assembly's stable order).
 */
function mergeAux(sources: AuxSource[], ref: Volume<Float32Array>, auxNames: string[]): Volume<Uint8Array> {
  const empty = makeVolume(new Uint8Array(ref.data.length), ref.dims, ref.spacing, ref.affine);
  const merged = buildBackSplitLabels({ lesion: empty, aux: sources });
  // class order of the merge equals assemblyAuxNames unless a source lacks a class; remap by name to be safe
  const lut = new Uint8Array(merged.auxNames.length + 2);
  merged.auxNames.forEach((n, i) => (lut[i + 1] = auxNames.indexOf(n) + 1));
  const aux = mapToUint8(merged.labels.data, (v) => lut[v]);
  return makeVolume(aux, ref.dims, ref.spacing, ref.affine);
}

/**
 * Read and assemble one case from files.
 * @throws Error naming the case and file on grid mismatch, non-integer labels, channel count mismatch
 */
export function assembleCase(files: CaseFiles, a: CaseAssembly, spec?: GroupSpec): SegmentationCase {
  const where = `case ${files.id}`;
  const channels = readChannels(files, a, where);
  const ref = channels[0];
  const labelVol = readLabelFile(files, ref, where);
  const lesionSet = a.lesionValues ? new Set(a.lesionValues) : null;
  const lesion = new Uint8Array(labelVol.data.length);
  for (let p = 0; p < lesion.length; p++) {
    const v = labelVol.data[p];
    lesion[p] = (lesionSet ? lesionSet.has(v) : v !== 0) ? 1 : 0;
  }
  const lesionVol = makeVolume(lesion, ref.dims, ref.spacing, ref.affine);
  const auxNames = assemblyAuxNames(a);
  if (auxNames.length === 0) {
    return { id: files.id, channels, channelNames: [...a.channelNames], lesion: lesionVol };
  }
  const sources: AuxSource[] = [];
  const fromLabels = labelFileAux(labelVol, ref, a, lesionSet, files.lesion, where);
  if (fromLabels) sources.push(fromLabels);
  (files.aux ?? []).forEach((f, i) => sources.push(auxFileSource(f, i, ref, files, a, spec, where)));
  if (a.tissue) sources.push(tissueSource(channels, a, a.tissue, where));
  return { id: files.id, channels, channelNames: [...a.channelNames], lesion: lesionVol, aux: mergeAux(sources, ref, auxNames), auxNames };
}

/**
 * A lazily loading dataset over case files with an LRU cache of decoded cases.
 * @param cacheSize number of decoded cases kept (default 4)
 */
export function fileDataset(name: string, cases: CaseFiles[], assembly: CaseAssembly, cacheSize = 4): SegmentationDataset {
  const ids = cases.map((c) => c.id);
  if (new Set(ids).size !== ids.length) throw new Error(`dataset ${name}: duplicate case ids`);
  const spec = assembly.auxGroups ? loadGroupSpec(assembly.auxGroups) : undefined;
  const auxNames = assemblyAuxNames(assembly);
  return lazyDataset(name, ids, [...assembly.channelNames], auxNames, (id) => assembleCase(cases[ids.indexOf(id)], assembly, spec), cacheSize);
}

/** Build a SegmentationDataset from a loader function with an LRU cache. */
export function lazyDataset(
  name: string,
  ids: string[],
  channelNames: string[],
  auxNames: string[],
  loader: (id: string) => SegmentationCase,
  cacheSize = 4,
): SegmentationDataset {
  const cache = new Map<string, SegmentationCase>();
  const resolve = (idOrIndex: string | number): string => {
    if (typeof idOrIndex === 'number') {
      if (!Number.isInteger(idOrIndex) || idOrIndex < 0 || idOrIndex >= ids.length) throw new RangeError(`dataset ${name}: case index ${idOrIndex} out of range 0..${ids.length - 1}`);
      return ids[idOrIndex];
    }
    if (!ids.includes(idOrIndex)) throw new RangeError(`dataset ${name}: no case '${idOrIndex}'`);
    return idOrIndex;
  };
  const load = (idOrIndex: string | number): SegmentationCase => {
    const id = resolve(idOrIndex);
    const hit = cache.get(id);
    if (hit) {
      cache.delete(id);
      cache.set(id, hit);
      return hit;
    }
    const c = loader(id);
    if (cacheSize > 0) {
      cache.set(id, c);
      while (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
    }
    return c;
  };
  return { name, ids: [...ids], channelNames, auxNames, load, loadAll: () => ids.map((id) => load(id)) };
}
