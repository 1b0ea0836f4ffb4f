/**
 * Medical Segmentation Decathlon layout: `dataset.json` + `imagesTr/` +
 * `labelsTr/` (images may be 4D with one volume per modality). The user picks
 * which label value(s) are the lesion (e.g. Task03_Liver: tumour = 2); the other
 * nonzero labels become auxiliary classes (liver = 1). Optionally, extra
 * auxiliary label maps produced by another tool (TotalSegmentator, SynthSeg) can
 * be read from a folder of `<case>.nii.gz` files with a grouping spec.
 * Before loading, `checkMsdLayout` lists everything wrong with a task folder;
 * `manifestFromMsd` describes one as a dataset manifest (lib/data/manifest.ts).
 */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { assertFilesExist, CaseFiles, fileDataset, SegmentationDataset, TissueAuxConfig } from './case-files';
import type { DatasetManifest } from './manifest';

/** The parts of an MSD dataset.json this loader uses. */
export interface MsdDatasetJson {
  name?: string;
  description?: string;
  modality: Record<string, string>;
  labels: Record<string, string>;
  numTraining?: number;
  training: Array<{ image: string; label: string }>;
  test?: string[];
}

export interface MsdOptions {
  /** Label values that are the lesion (required), e.g. [2] for Task03 tumour. */
  lesionLabels: number[];
  /** Which other labels to keep as aux classes: 'rest' (default) or an explicit list; the remaining labels become unlabelled (0). */
  auxLabels?: number[] | 'rest';
  /** Extra aux maps: `<dir>/<case>.nii.gz` files grouped by a spec (built-in name or path). */
  extraAux?: { dir: string; groups: string };
  /** Tissue classes from one modality, computed at load time. */
  tissue?: TissueAuxConfig;
  cacheSize?: number;
}

/**
 * Parse and validate an MSD dataset.json.
 * @throws Error naming the file and the missing/invalid field
 */
export function parseMsdDatasetJson(json: unknown, file = 'dataset.json'): MsdDatasetJson {
  const fail = (msg: string): never => {
    throw new Error(`${file}: ${msg}`);
  };
  if (!json || typeof json !== 'object') fail('expected a JSON object');
  const d = json as MsdDatasetJson;
  if (!d.modality || typeof d.modality !== 'object' || Object.keys(d.modality).length === 0) fail('"modality" must map channel index to name');
  if (!d.labels || typeof d.labels !== 'object' || Object.keys(d.labels).length === 0) fail('"labels" must map label value to name');
  for (const k of Object.keys(d.modality)) if (!/^\d+$/.test(k)) fail(`"modality" key '${k}' is not a channel index`);
  for (const k of Object.keys(d.labels)) if (!/^\d+$/.test(k)) fail(`"labels" key '${k}' is not an integer label value`);
  if (!Array.isArray(d.training) || d.training.length === 0) fail('"training" must be a non-empty list of {image, label}');
  d.training.forEach((t, i) => {
    if (!t || typeof t.image !== 'string' || typeof t.label !== 'string') fail(`training[${i}] needs "image" and "label" paths`);
  });
  if (d.numTraining !== undefined && d.numTraining !== d.training.length) fail(`numTraining is ${d.numTraining} but "training" lists ${d.training.length} cases`);
  return d;
}

/** Case id of an MSD file path: the file name without .nii(.gz). */
export function msdCaseId(file: string): string {
  return path.basename(file).replace(/\.nii(\.gz)?$/i, '');
}

/**
 * Channel names (modality order) and the label choice of an MSD task: the lesion
 * value(s) must be nonzero labels of dataset.json, the aux values ('rest' = every
 * other nonzero label) must be non-lesion labels.
 */
function msdLabelChoice(d: MsdDatasetJson, jsonFile: string, lesionLabels: number[], auxLabels: number[] | 'rest' | undefined) {
  const labelValues = Object.keys(d.labels).map(Number).sort((a, b) => a - b);
  if (!lesionLabels || lesionLabels.length === 0) throw new Error(`${jsonFile}: choose the lesion label value(s); labels are ${JSON.stringify(d.labels)}`);
  for (const v of lesionLabels) {
    if (!labelValues.includes(v) || v === 0) throw new Error(`${jsonFile}: lesion label ${v} is not a nonzero label of this task (labels: ${JSON.stringify(d.labels)})`);
  }
  const rest = labelValues.filter((v) => v !== 0 && !lesionLabels.includes(v));
  const auxValues = auxLabels === undefined || auxLabels === 'rest' ? rest : auxLabels;
  for (const v of auxValues) if (!rest.includes(v)) throw new Error(`${jsonFile}: aux label ${v} is not a non-lesion label (labels: ${JSON.stringify(d.labels)})`);
  const channelNames = Object.keys(d.modality)
    .map(Number)
    .sort((a, b) => a - b)
    .map((k) => d.modality[String(k)]);
  return { channelNames, rest, auxValues };
}

/**
 * Load an MSD task folder (training cases) as a lazy dataset.
 * @example
 * const ds = loadMsdDataset('Task03_Liver', { lesionLabels: [2] }); // aux: liver
 * const c = ds.load(0);
 */
export function loadMsdDataset(dir: string, options: MsdOptions): SegmentationDataset {
  const jsonFile = path.join(dir, 'dataset.json');
  if (!existsSync(jsonFile)) throw new Error(`${dir}: no dataset.json (not a Medical Segmentation Decathlon task folder)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(jsonFile, 'utf8'));
  } catch (e) {
    throw new Error(`${jsonFile}: invalid JSON (${(e as Error).message})`, { cause: e });
  }
  const d = parseMsdDatasetJson(raw, jsonFile);
  const { channelNames, rest, auxValues } = msdLabelChoice(d, jsonFile, options.lesionLabels, options.auxLabels);
  const lesionLabels = options.lesionLabels;
  const cases: CaseFiles[] = d.training.map((t) => {
    const id = msdCaseId(t.image);
    const c: CaseFiles = { id, channels: [path.join(dir, t.image)], lesion: path.join(dir, t.label) };
    if (options.extraAux) c.aux = [path.join(options.extraAux.dir, `${id}.nii.gz`)];
    return c;
  });
  assertFilesExist(cases, `MSD ${dir}`);
  const ignored = rest.filter((v) => !auxValues.includes(v));
  return fileDataset(
    d.name ?? path.basename(dir),
    cases,
    {
      channelNames,
      lesionValues: lesionLabels,
      labelAux: auxValues.map((v) => ({ value: v, name: d.labels[String(v)] })),
      ignoreLabelValues: ignored,
      auxGroups: options.extraAux?.groups,
      tissue: options.tissue,
    },
    options.cacheSize ?? 4,
  );
}

export interface MsdLayoutReport {
  dir: string;
  name: string;
  /** Channel names in index order. */
  modality: string[];
  /** Label value → name, from dataset.json. */
  labels: Record<string, string>;
  /** Case ids of the training list. */
  cases: string[];
  /** Auxiliary-label folder checked (when given) and how many cases have a file there. */
  auxDir: string | null;
  casesWithAux: number;
  /** Everything wrong, one line each (empty = layout fine). */
  problems: string[];
}

/**
 * Check an MSD task folder before loading it: dataset.json parses, every
 * training image and label exists, and (with `auxDir`) every case has
 * `<auxDir>/<case>.nii.gz`. Problems are collected, not thrown, so a notebook can print them all.
 * @param dir task folder (holds dataset.json, imagesTr/, labelsTr/)
 * @param options.auxDir folder of auxiliary label maps named like the images
 */
export function checkMsdLayout(dir: string, options: { auxDir?: string } = {}): MsdLayoutReport {
  const report: MsdLayoutReport = { dir, name: path.basename(dir), modality: [], labels: {}, cases: [], auxDir: options.auxDir ?? null, casesWithAux: 0, problems: [] };
  const jsonFile = path.join(dir, 'dataset.json');
  if (!existsSync(jsonFile)) {
    report.problems.push(`${jsonFile}: missing (an MSD task folder has dataset.json, imagesTr/, labelsTr/)`);
    return report;
  }
  let d: MsdDatasetJson;
  try {
    d = parseMsdDatasetJson(JSON.parse(readFileSync(jsonFile, 'utf8')), jsonFile);
  } catch (e) {
    report.problems.push((e as Error).message);
    return report;
  }
  report.name = d.name ?? report.name;
  report.modality = Object.keys(d.modality).map(Number).sort((a, b) => a - b).map((k) => d.modality[String(k)]);
  report.labels = d.labels;
  if (!('0' in d.labels)) report.problems.push(`${jsonFile}: "labels" has no entry for 0 (background)`);
  for (const t of d.training) {
    const id = msdCaseId(t.image);
    report.cases.push(id);
    if (msdCaseId(t.label) !== id) report.problems.push(`case ${id}: label file ${t.label} is named for another case`);
    for (const f of [t.image, t.label]) if (!existsSync(path.join(dir, f))) report.problems.push(`case ${id}: ${path.join(dir, f)} not found`);
    if (options.auxDir) {
      if (existsSync(path.join(options.auxDir, `${id}.nii.gz`))) report.casesWithAux++;
      else report.problems.push(`case ${id}: auxiliary labels ${path.join(options.auxDir, `${id}.nii.gz`)} not found`);
    }
  }
  return report;
}

/** The label choice of `loadMsdDataset`, plus where the manifest goes and its name. */
export interface MsdManifestOptions extends Pick<MsdOptions, 'lesionLabels' | 'auxLabels' | 'extraAux'> {
  /** Folder the manifest will be saved in: paths are written relative to it (default: absolute paths). */
  manifestDir?: string;
  name?: string;
}

/**
 * A dataset manifest (lib/data/manifest.ts) describing an MSD task folder, so that the study
 * (`runStudy` with `{kind: 'manifest'}`, `npm run reproduce -- --dataset`) can read it. (A training or
 * study config can also name the folder directly: `{kind: 'msd', path, lesionLabels}`, lib/data/registry.ts.)
 * @throws Error naming dataset.json when a lesion or aux label is not one of its labels
 */
export function manifestFromMsd(dir: string, options: MsdManifestOptions): DatasetManifest {
  const jsonFile = path.join(dir, 'dataset.json');
  const d = parseMsdDatasetJson(JSON.parse(readFileSync(jsonFile, 'utf8')), jsonFile);
  const { channelNames: channels, auxValues } = msdLabelChoice(d, jsonFile, options.lesionLabels, options.auxLabels);
  const rel = (p: string) => (options.manifestDir ? path.relative(options.manifestDir, p) || '.' : path.resolve(p));
  const m: DatasetManifest = {
    name: options.name ?? d.name ?? path.basename(dir),
    description: `MSD task folder ${path.resolve(dir)}${options.extraAux ? ` with auxiliary labels from ${path.resolve(options.extraAux.dir)} (spec ${options.extraAux.groups})` : ''}`,
    channels,
    lesionValues: options.lesionLabels.slice(),
    cases: d.training.map((t) => {
      const id = msdCaseId(t.image);
      const c: DatasetManifest['cases'][number] = { id, channels: [rel(path.join(dir, t.image))], lesion: rel(path.join(dir, t.label)) };
      if (options.extraAux) c.aux = [rel(path.join(options.extraAux.dir, `${id}.nii.gz`))];
      return c;
    }),
  };
  if (auxValues.length) m.labelAux = auxValues.map((v) => ({ value: v, name: d.labels[String(v)] }));
  if (options.extraAux) m.auxGroups = options.extraAux.groups;
  return m;
}
