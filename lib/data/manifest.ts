/**
 * Dataset manifests: a JSON file listing cases (image channel files, lesion
 * mask, auxiliary maps, optional spacing) plus dataset-wide settings. Paths are
 * relative to the manifest's folder unless absolute.
 *
 * ```json
 * {
 *   "name": "openms-2",
 *   "channels": ["FLAIR", "T1"],
 *   "lesionValues": [1],
 *   "auxGroups": "synthseg",            // or "auxNames": ["csf", "grey_matter", "white_matter"]
 *   "tissue": { "channel": "T1", "classes": 3, "names": ["csf", "grey_matter", "white_matter"] },
 *   "cases": [
 *     { "id": "patient07", "channels": ["patient07/FLAIR.nii.gz", "patient07/T1.nii.gz"],
 *       "lesion": "patient07/gt.nii.gz", "aux": ["patient07/synthseg.nii.gz"], "spacingMm": [1, 1, 1] }
 *   ]
 * }
 * ```
 * Validation on load: structure and types, every file exists; with `deep: true`
 * also every case's grids agree and labels are integers (reads every file once).
 */
import { readFileSync, writeFileSync } from 'fs';
import * as path from 'path';
import { assertFilesExist, assembleCase, CaseAssembly, CaseFiles, fileDataset, SegmentationDataset, TissueAuxConfig } from './dataset';
import { loadGroupSpec } from '../labels/spec';

export interface ManifestCase {
  id: string;
  channels: string[];
  lesion: string;
  aux?: string[];
  spacingMm?: [number, number, number];
}

export interface DatasetManifest {
  name: string;
  description?: string;
  channels: string[];
  lesionValues?: number[];
  labelAux?: Array<{ value: number; name: string }>;
  auxGroups?: string;
  auxNames?: string[];
  tissue?: TissueAuxConfig;
  cases: ManifestCase[];
}

const isStringArray = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string' && s.length > 0);
const isIntArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => Number.isInteger(v));

/**
 * Check a parsed manifest's structure; throws one error listing every problem.
 * @param json parsed JSON
 * @param file manifest path for messages
 */
export function validateManifest(json: unknown, file = '<manifest>'): DatasetManifest {
  const problems: string[] = [];
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error(`manifest ${file}: expected a JSON object`);
  const m = json as DatasetManifest;
  if (typeof m.name !== 'string' || !m.name) problems.push('"name" must be a non-empty string');
  if (!isStringArray(m.channels) || m.channels.length === 0) problems.push('"channels" must be a non-empty array of channel names');
  if (m.lesionValues !== undefined && (!isIntArray(m.lesionValues) || m.lesionValues.length === 0 || m.lesionValues.includes(0))) {
    problems.push('"lesionValues" must be a non-empty array of nonzero integers');
  }
  if (m.auxNames !== undefined && !isStringArray(m.auxNames)) problems.push('"auxNames" must be an array of names');
  if (m.auxGroups !== undefined && typeof m.auxGroups !== 'string') problems.push('"auxGroups" must be a spec name or path');
  if (m.auxGroups !== undefined && m.auxNames !== undefined) problems.push('give "auxGroups" or "auxNames", not both');
  if (m.labelAux !== undefined && (!Array.isArray(m.labelAux) || !m.labelAux.every((x) => x && Number.isInteger(x.value) && x.value > 0 && typeof x.name === 'string'))) {
    problems.push('"labelAux" must be an array of {value: positive integer, name}');
  }
  if (m.labelAux !== undefined && m.lesionValues === undefined) problems.push('"labelAux" needs "lesionValues" (which values of the label file are lesion)');
  if (m.tissue !== undefined) {
    const t = m.tissue;
    if (!t || typeof t.channel !== 'string' || !Number.isInteger(t.classes) || t.classes < 1) problems.push('"tissue" needs {channel: name, classes: positive integer}');
    else if (isStringArray(m.channels) && !m.channels.includes(t.channel)) problems.push(`"tissue.channel" '${t.channel}' is not one of the channels`);
  }
  if (!Array.isArray(m.cases) || m.cases.length === 0) problems.push('"cases" must be a non-empty array');
  else {
    const seen = new Set<string>();
    m.cases.forEach((c, i) => {
      const at = `cases[${i}]${c && typeof c.id === 'string' ? ` (${c.id})` : ''}`;
      if (!c || typeof c.id !== 'string' || !c.id) return problems.push(`${at}: "id" must be a non-empty string`);
      if (seen.has(c.id)) problems.push(`${at}: duplicate id`);
      seen.add(c.id);
      if (!isStringArray(c.channels) || c.channels.length === 0) problems.push(`${at}: "channels" must be a non-empty array of file paths`);
      if (typeof c.lesion !== 'string' || !c.lesion) problems.push(`${at}: "lesion" must be a file path`);
      if (c.aux !== undefined && !isStringArray(c.aux)) problems.push(`${at}: "aux" must be an array of file paths`);
      if (c.aux && c.aux.length && !m.auxGroups && !m.auxNames) problems.push(`${at}: aux files need a dataset-level "auxGroups" or "auxNames"`);
      if (c.spacingMm !== undefined && !(Array.isArray(c.spacingMm) && c.spacingMm.length === 3 && c.spacingMm.every((s) => s > 0))) {
        problems.push(`${at}: "spacingMm" must be three positive numbers`);
      }
    });
  }
  if (problems.length) throw new Error(`manifest ${file}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return m;
}

function resolveCases(m: DatasetManifest, baseDir: string): CaseFiles[] {
  const abs = (p: string) => (path.isAbsolute(p) ? p : path.join(baseDir, p));
  return m.cases.map((c) => ({ id: c.id, channels: c.channels.map(abs), lesion: abs(c.lesion), aux: c.aux?.map(abs), spacingMm: c.spacingMm }));
}

function assemblyOf(m: DatasetManifest, baseDir: string): CaseAssembly {
  let auxGroups = m.auxGroups;
  // a relative spec path is relative to the manifest; built-in names stay as they are
  if (auxGroups && (auxGroups.endsWith('.json') || auxGroups.includes('/')) && !path.isAbsolute(auxGroups)) auxGroups = path.join(baseDir, auxGroups);
  return { channelNames: m.channels, lesionValues: m.lesionValues, labelAux: m.labelAux, auxGroups, auxNames: m.auxNames, tissue: m.tissue };
}

export interface LoadManifestOptions {
  /** Also read every case once to check grids and label values (default false). */
  deep?: boolean;
  /** Decoded cases kept in memory (default 4). */
  cacheSize?: number;
}

/**
 * Load a manifest file as a lazy dataset, validating structure and file existence
 * (and, with deep, grids and label values of every case).
 */
export function loadManifest(file: string, options: LoadManifestOptions = {}): SegmentationDataset {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`manifest ${file}: cannot read JSON (${(e as Error).message})`, { cause: e });
  }
  return datasetFromManifest(validateManifest(json, file), path.dirname(path.resolve(file)), options, file);
}

/** A dataset from an in-memory manifest whose relative paths are relative to `baseDir`. */
export function datasetFromManifest(m: DatasetManifest, baseDir: string, options: LoadManifestOptions = {}, where = 'manifest'): SegmentationDataset {
  validateManifest(m, where);
  const cases = resolveCases(m, baseDir);
  assertFilesExist(cases, `manifest ${where}`);
  const assembly = assemblyOf(m, baseDir);
  if (assembly.auxGroups) loadGroupSpec(assembly.auxGroups); // fail early on a bad spec
  if (options.deep) {
    const spec = assembly.auxGroups ? loadGroupSpec(assembly.auxGroups) : undefined;
    for (const c of cases) assembleCase(c, assembly, spec);
  }
  return fileDataset(m.name, cases, assembly, options.cacheSize ?? 4);
}

/** Write a manifest as pretty JSON (after validating it). */
export function saveManifest(file: string, m: DatasetManifest): void {
  validateManifest(m, file);
  writeFileSync(file, JSON.stringify(m, null, 2) + '\n');
}
