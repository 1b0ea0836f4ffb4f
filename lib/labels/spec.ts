/**
 * Grouping specs: JSON files that map the class ids of an auxiliary label source
 * (TotalSegmentator, SynthSeg/FreeSurfer, tissue classes, ...) to a handful of
 * background groups for BackSplit.
 *
 * Format (see lib/labels/specs/*.json and docs/dataset.md):
 * ```json
 * {
 *   "name": "totalseg-total",
 *   "description": "...", "source": "...",
 *   "unknown": "error" | "other" | "ignore",   // ids not listed in any group (default "error")
 *   "otherName": "other",                       // group name used when unknown = "other"
 *   "classNames": { "1": "spleen", ... },       // optional id → name table of the source
 *   "ignore": [ ... ],                           // ids mapped to 0 (unlabelled) on purpose
 *   "groups": [ { "name": "liver", "ids": [5] }, { "name": "kidneys", "members": ["kidney_left", ...] } ]
 * }
 * ```
 * Group ids are 1..G in the order of `groups` (then "other" last when unknown = "other"),
 * so they are stable across cases whatever ids a case happens to contain.
 */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { makeVolume, Volume, VoxelArray } from '../core/volume';

export interface GroupDefinition {
  name: string;
  /** Source class ids in this group. */
  ids?: number[];
  /** Source class names (resolved through classNames) in this group. */
  members?: string[];
}

/** A grouping spec as written in JSON. */
export interface GroupSpecJson {
  name: string;
  description?: string;
  source?: string;
  notes?: string;
  unknown?: 'error' | 'other' | 'ignore';
  otherName?: string;
  classNames?: Record<string, string>;
  ignore?: number[];
  groups: GroupDefinition[];
}

/** A validated spec with its lookup resolved. */
export interface GroupSpec {
  name: string;
  description: string;
  /** Where the spec came from (file path or 'builtin:<name>'). */
  origin: string;
  unknown: 'error' | 'other' | 'ignore';
  /** Output group names, index 0 = group id 1 (includes the "other" group last when unknown = 'other'). */
  groupNames: string[];
  /** source id → group id (1..G), or 0 for ignored ids. */
  idToGroup: Map<number, number>;
  classNames: Map<number, string>;
}

/** Built-in specs shipped in lib/labels/specs/, by name (and aliases). */
export const BUILTIN_SPECS: Record<string, string> = {
  'totalseg-total': 'totalseg_total.json',
  total: 'totalseg_total.json',
  'totalseg-total_mr': 'totalseg_total_mr.json',
  total_mr: 'totalseg_total_mr.json',
  synthseg: 'synthseg.json',
  freesurfer: 'synthseg.json',
  tissue: 'tissue.json',
  aal: 'aal_groups.json',
};

/** Directory holding the shipped spec JSON files. */
export function specsDirectory(): string {
  return path.join(__dirname, 'specs');
}

/**
 * Validate a parsed spec object and resolve it.
 * @param json parsed JSON
 * @param origin file path or label used in error messages
 */
export function parseGroupSpec(json: unknown, origin = '<inline spec>'): GroupSpec {
  const fail = (msg: string): never => {
    throw new Error(`group spec ${origin}: ${msg}`);
  };
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail('expected a JSON object');
  const s = json as GroupSpecJson;
  if (typeof s.name !== 'string' || !s.name) fail('"name" must be a non-empty string');
  if (!Array.isArray(s.groups) || s.groups.length === 0) fail('"groups" must be a non-empty array');
  const unknown = s.unknown ?? 'error';
  if (!['error', 'other', 'ignore'].includes(unknown)) fail(`"unknown" must be "error", "other" or "ignore", got ${JSON.stringify(unknown)}`);
  const classNames = new Map<number, string>();
  const nameToId = new Map<string, number>();
  for (const [k, v] of Object.entries(s.classNames ?? {})) {
    const id = Number(k);
    if (!Number.isInteger(id) || id <= 0) fail(`classNames key ${JSON.stringify(k)} is not a positive integer id`);
    if (typeof v !== 'string') fail(`classNames[${k}] must be a string`);
    if (nameToId.has(v)) fail(`classNames: name "${v}" used for ids ${nameToId.get(v)} and ${id}`);
    classNames.set(id, v);
    nameToId.set(v, id);
  }
  const idToGroup = new Map<number, number>();
  const groupNames: string[] = [];
  const owner = new Map<number, string>();
  s.groups.forEach((g, gi) => {
    if (!g || typeof g.name !== 'string' || !g.name) fail(`groups[${gi}] needs a non-empty "name"`);
    if (groupNames.includes(g.name)) fail(`group name "${g.name}" appears twice`);
    groupNames.push(g.name);
    const ids: number[] = [];
    for (const id of g.ids ?? []) {
      if (!Number.isInteger(id) || id <= 0) fail(`group "${g.name}": id ${JSON.stringify(id)} is not a positive integer`);
      ids.push(id);
    }
    for (const m of g.members ?? []) {
      const id = nameToId.get(m);
      if (id === undefined) fail(`group "${g.name}": member "${m}" is not in classNames`);
      ids.push(id as number);
    }
    if (ids.length === 0) fail(`group "${g.name}" has no ids or members`);
    for (const id of ids) {
      if (owner.has(id)) fail(`id ${id} is in both groups "${owner.get(id)}" and "${g.name}"`);
      owner.set(id, g.name);
      idToGroup.set(id, gi + 1);
    }
  });
  for (const id of s.ignore ?? []) {
    if (!Number.isInteger(id) || id <= 0) fail(`ignore: id ${JSON.stringify(id)} is not a positive integer`);
    if (owner.has(id)) fail(`id ${id} is both ignored and in group "${owner.get(id)}"`);
    idToGroup.set(id, 0);
  }
  if (unknown === 'other') {
    const otherName = s.otherName ?? 'other';
    if (groupNames.includes(otherName)) fail(`"otherName" ${otherName} clashes with a group name`);
    groupNames.push(otherName);
  }
  if (groupNames.length > 250) fail(`${groupNames.length} groups: at most 250 fit a uint8 label map with lesion`);
  return { name: s.name, description: s.description ?? '', origin, unknown, groupNames, idToGroup, classNames };
}

/**
 * Load a grouping spec by built-in name ('total', 'total_mr', 'synthseg', 'tissue', ...)
 * or from a JSON file path.
 */
export function loadGroupSpec(nameOrPath: string): GroupSpec {
  const builtin = BUILTIN_SPECS[nameOrPath];
  const file = builtin ? path.join(specsDirectory(), builtin) : nameOrPath;
  if (!existsSync(file)) {
    throw new Error(`group spec '${nameOrPath}': no such file, and not a built-in spec (built-ins: ${Object.keys(BUILTIN_SPECS).join(', ')})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`group spec ${file}: invalid JSON (${(e as Error).message})`, { cause: e });
  }
  return parseGroupSpec(json, builtin ? `builtin:${nameOrPath}` : file);
}

/** Result of applying a spec to a label volume. */
export interface GroupedLabels {
  /** Group ids 1..G (0 = unlabelled). */
  volume: Volume<Uint8Array>;
  groupNames: string[];
  /** Source ids found in the input that no group lists (mapped to 'other' or 0 per the spec). */
  unknownIds: number[];
}

/**
 * Remap a label volume's ids to the spec's groups.
 * Throws, naming `sourceName` and the offending ids, when the input holds ids the
 * spec does not know and the spec says unknown = 'error', or non-integer values.
 * @param labels label volume (any numeric type; values must be non-negative integers)
 * @param spec resolved spec
 * @param sourceName file or source name for error messages
 */
export function applyGroupSpec(labels: Volume<VoxelArray>, spec: GroupSpec, sourceName = '<labels>'): GroupedLabels {
  const data = labels.data;
  const out = new Uint8Array(data.length);
  const otherId = spec.unknown === 'other' ? spec.groupNames.length : 0;
  const cache = new Map<number, number>();
  const unknown = new Set<number>();
  const bad = new Set<number>();
  for (let p = 0; p < data.length; p++) {
    const v = data[p];
    if (v === 0) continue;
    let g = cache.get(v);
    if (g === undefined) {
      if (!Number.isInteger(v) || v < 0) {
        bad.add(v);
        g = 0;
      } else if (spec.idToGroup.has(v)) {
        g = spec.idToGroup.get(v) as number;
      } else {
        unknown.add(v);
        g = otherId;
      }
      cache.set(v, g);
    }
    out[p] = g;
  }
  if (bad.size) {
    const list = [...bad].slice(0, 10).join(', ');
    throw new Error(`${sourceName}: label values must be non-negative integers, found ${list} (spec ${spec.name})`);
  }
  const unknownIds = [...unknown].sort((a, b) => a - b);
  if (unknownIds.length && spec.unknown === 'error') {
    throw new Error(
      `${sourceName}: ${unknownIds.length} label id(s) not in group spec '${spec.name}' (${spec.origin}): ${unknownIds.slice(0, 30).join(', ')}` +
        `${unknownIds.length > 30 ? ', ...' : ''}; add them to a group, or set "unknown": "other" or "ignore" in the spec`,
    );
  }
  return { volume: makeVolume(out, labels.dims, labels.spacing, labels.affine), groupNames: [...spec.groupNames], unknownIds };
}
