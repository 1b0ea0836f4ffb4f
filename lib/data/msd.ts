/**
 * Medical Segmentation Decathlon layout: `dataset.json` + `imagesTr/` +
 * `labelsTr/` (images may be 4D with one volume per modality). The user picks
 * which label value(s) are the lesion (e.g. Task03_Liver: tumour = 2); the other
 * nonzero labels become auxiliary classes (liver = 1). Optionally, extra
 * auxiliary label maps produced by another tool (TotalSegmentator, SynthSeg) can
 * be read from a folder of `<case>.nii.gz` files with a grouping spec.
 */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { assertFilesExist, CaseFiles, fileDataset, SegmentationDataset, TissueAuxConfig } from './dataset';

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
  const labelValues = Object.keys(d.labels).map(Number).sort((a, b) => a - b);
  const { lesionLabels } = options;
  if (!lesionLabels || lesionLabels.length === 0) throw new Error(`${jsonFile}: choose the lesion label value(s); labels are ${JSON.stringify(d.labels)}`);
  for (const v of lesionLabels) {
    if (!labelValues.includes(v) || v === 0) throw new Error(`${jsonFile}: lesion label ${v} is not a nonzero label of this task (labels: ${JSON.stringify(d.labels)})`);
  }
  const rest = labelValues.filter((v) => v !== 0 && !lesionLabels.includes(v));
  const auxValues = options.auxLabels === undefined || options.auxLabels === 'rest' ? rest : options.auxLabels;
  for (const v of auxValues) if (!rest.includes(v)) throw new Error(`${jsonFile}: aux label ${v} is not a non-lesion label (labels: ${JSON.stringify(d.labels)})`);
  const channelNames = Object.keys(d.modality)
    .map(Number)
    .sort((a, b) => a - b)
    .map((k) => d.modality[String(k)]);
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
