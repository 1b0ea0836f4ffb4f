/**
 * Building the BackSplit class map from a lesion mask and auxiliary label maps.
 *
 * Class ids: 0 = unlabelled background, 1..K = auxiliary groups (merged by name
 * across sources), K+1 = lesion. The lesion always overrides auxiliary labels;
 * between auxiliary sources, the one earlier in `precedence` wins. The binary map
 * (lesion vs rest) comes from the same call so both training arms see exactly
 * the same lesion voxels.
 */
import { assertSameGrid } from '../core/grid';
import { makeVolume, Vec3, Volume, VoxelArray } from '../core/volume';
import type { ClassInfo } from '../core/types';
import { applyGroupSpec, GroupSpec } from './spec';

/** One auxiliary label source. */
export interface AuxSource {
  /** Label volume on the lesion's grid. */
  volume: Volume<VoxelArray>;
  /** Source name (file name, 'totalsegmentator', 'tissue-kmeans', ...); used in the class table and for precedence. */
  name: string;
  /** Grouping spec: source ids → groups. Without it, see `classNames`. */
  groups?: GroupSpec;
  /**
   * Without a spec: names of source ids 1..classNames.length (ids above are an
   * error). Without a spec and without names, every distinct nonzero id present
   * becomes a class named `<name>:<id>` (ids are then not stable across cases).
   */
  classNames?: string[];
}

export interface BuildBackSplitOptions {
  /** Lesion mask; voxels whose value is in `lesionValues` (default: any nonzero) are lesion. */
  lesion: Volume<VoxelArray>;
  lesionValues?: number[];
  /** Auxiliary sources (may be empty: then K = 0 and the map is binary with lesion = 1). */
  aux?: AuxSource[];
  /** Source names, highest priority first (default: the order of `aux`). Must list every source once. */
  precedence?: string[];
  /** Name of the lesion class (default 'lesion'). */
  lesionName?: string;
  /** Relative tolerance when comparing spacings across volumes (default 1e-3); dims and affines must agree (lib/io assertSameGrid). */
  spacingTolerance?: number;
}

export interface BackSplitLabels {
  /** 0 = unlabelled, 1..K = aux groups, K+1 = lesion. */
  labels: Volume<Uint8Array>;
  /** Lesion (1) vs everything else (0), same lesion voxels as `labels`. */
  binary: Volume<Uint8Array>;
  /** Class table for ids 0..K+1, with voxel counts and volumes in mL. */
  classes: ClassInfo[];
  /** Id of the lesion class (K+1). */
  lesionClass: number;
  /** Aux group names, index 0 = class 1. */
  auxNames: string[];
}

/** Voxel volume in mL (1 mL = 1000 mm³). */
export function voxelVolumeMl(spacing: Vec3): number {
  return (spacing[0] * spacing[1] * spacing[2]) / 1000;
}

/**
 * Class table of a label volume: one row per id 0..names.length-1.
 * @param labels label volume
 * @param names class names by id (index = id)
 * @param sources class sources by id
 */
export function classTable(labels: Volume<Uint8Array>, names: string[], sources: string[]): ClassInfo[] {
  const counts = new Array<number>(names.length).fill(0);
  const d = labels.data;
  for (let p = 0; p < d.length; p++) {
    if (d[p] >= names.length) throw new Error(`classTable: label ${d[p]} has no name (only ${names.length} classes)`);
    counts[d[p]]++;
  }
  const ml = voxelVolumeMl(labels.spacing);
  return names.map((name, id) => ({ id, name, source: sources[id], voxels: counts[id], volumeMl: round6(counts[id] * ml) }));
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Resolve one source to group ids 1..G of its own and the group names. */
function resolveSource(src: AuxSource): { data: Uint8Array; names: string[] } {
  if (src.groups) {
    const g = applyGroupSpec(src.volume, src.groups, src.name);
    return { data: g.volume.data, names: g.groupNames };
  }
  const d = src.volume.data;
  const present = new Set<number>();
  for (let p = 0; p < d.length; p++) if (d[p] !== 0) present.add(d[p]);
  for (const v of present) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${src.name}: label values must be non-negative integers, found ${v}`);
  }
  let ids: number[];
  let names: string[];
  if (src.classNames) {
    const over = [...present].filter((v) => v > src.classNames!.length).sort((a, b) => a - b);
    if (over.length) {
      throw new Error(`${src.name}: label id(s) ${over.slice(0, 30).join(', ')} have no name (classNames lists ids 1..${src.classNames.length})`);
    }
    ids = src.classNames.map((_, i) => i + 1);
    names = [...src.classNames];
  } else {
    ids = [...present].sort((a, b) => a - b);
    names = ids.map((id) => `${src.name}:${id}`);
  }
  const lut = new Map<number, number>();
  ids.forEach((id, i) => lut.set(id, i + 1));
  const out = new Uint8Array(d.length);
  for (let p = 0; p < d.length; p++) if (d[p] !== 0) out[p] = lut.get(d[p]) as number;
  return { data: out, names };
}

/**
 * Build the BackSplit class map and the matching binary map.
 *
 * @example
 * const { labels, binary, classes } = buildBackSplitLabels({
 *   lesion: gtMask,
 *   aux: [{ volume: totalSegLabels, name: 'totalsegmentator', groups: loadGroupSpec('total') }],
 * });
 * @param options lesion mask, aux sources, precedence (default aux order, first wins)
 * @returns labels (uint8), binary (uint8), class table, lesion class id, aux names
 */
export function buildBackSplitLabels(options: BuildBackSplitOptions): BackSplitLabels {
  const { lesion, lesionValues, aux = [], lesionName = 'lesion', spacingTolerance = 1e-3 } = options;
  const n = lesion.data.length;
  const names = aux.map((a) => a.name);
  if (new Set(names).size !== names.length) throw new Error(`buildBackSplitLabels: aux source names must be unique, got ${names.join(', ')}`);
  for (const a of aux) assertSameGrid(lesion, a.volume, ['the lesion mask', `aux '${a.name}'`], { spacingRel: spacingTolerance });
  let order = aux;
  if (options.precedence) {
    const p = options.precedence;
    const missing = names.filter((x) => !p.includes(x));
    const extra = p.filter((x) => !names.includes(x));
    if (missing.length || extra.length || new Set(p).size !== p.length) {
      throw new Error(
        `buildBackSplitLabels: precedence must list each aux source once; sources: [${names.join(', ')}], precedence: [${p.join(', ')}]`,
      );
    }
    order = p.map((x) => aux.find((a) => a.name === x) as AuxSource);
  }
  // class ids: by source order in `aux` (not precedence), then group order; same name = same class
  const classNames: string[] = ['background'];
  const classSources: string[] = ['background'];
  const resolved = new Map<string, { data: Uint8Array; lut: Uint8Array }>();
  for (const a of aux) {
    const r = resolveSource(a);
    const lut = new Uint8Array(r.names.length + 1);
    r.names.forEach((nm, i) => {
      let id = classNames.indexOf(nm);
      if (id < 0) {
        id = classNames.length;
        classNames.push(nm);
        classSources.push(a.name);
      } else if (!classSources[id].split('+').includes(a.name)) {
        classSources[id] += `+${a.name}`;
      }
      lut[i + 1] = id;
    });
    resolved.set(a.name, { data: r.data, lut });
  }
  if (classNames.includes(lesionName)) throw new Error(`buildBackSplitLabels: an aux class is named '${lesionName}', the lesion class name`);
  const lesionClass = classNames.length;
  if (lesionClass > 255) throw new Error(`buildBackSplitLabels: ${lesionClass + 1} classes do not fit a uint8 label map`);
  classNames.push(lesionName);
  classSources.push('lesion');

  const out = new Uint8Array(n);
  const bin = new Uint8Array(n);
  const isLesion = lesionValues ? new Set(lesionValues) : null;
  const layers = order.map((a) => resolved.get(a.name) as { data: Uint8Array; lut: Uint8Array });
  const ld = lesion.data;
  for (let p = 0; p < n; p++) {
    const lv = ld[p];
    if (isLesion ? isLesion.has(lv) : lv !== 0) {
      out[p] = lesionClass;
      bin[p] = 1;
      continue;
    }
    for (let s = 0; s < layers.length; s++) {
      const g = layers[s].data[p];
      if (g) {
        out[p] = layers[s].lut[g];
        break;
      }
    }
  }
  const labels = makeVolume(out, lesion.dims, lesion.spacing, lesion.affine);
  return {
    labels,
    binary: makeVolume(bin, lesion.dims, lesion.spacing, lesion.affine),
    classes: classTable(labels, classNames, classSources),
    lesionClass,
    auxNames: classNames.slice(1, lesionClass),
  };
}
