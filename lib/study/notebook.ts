/**
 * Small helpers for the course notebooks 05 (evaluation) and 06 (your data):
 * per-arm metric means, and the steps of bringing an MSD-layout dataset with
 * TotalSegmentator-style auxiliary labels (layout check, manifest, a
 * TotalSegmentator-like aux map for the embedded dataset).
 * The library does the work; these only package it for a notebook cell.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MsdDatasetJson, parseMsdDatasetJson, msdCaseId } from '../data/msd';
import type { DatasetManifest } from '../data/manifest';
import type { SegmentationCase } from '../core/types';
import type { TidyRow } from '../eval/tidy';
import { makeVolume, Volume } from '../core/volume';
import { loadGroupSpec } from '../labels/spec';

export interface ArmMetricMean {
  metric: string;
  arm: string;
  /** Mean over cases of the per-case value (each case first averaged over seeds); null when no value. */
  mean: number | null;
  /** Cases with a value. */
  cases: number;
}

/**
 * Per-arm means of lesion-scope metrics, pairing nothing: each case's values are averaged over
 * seeds first, then over cases (the same per-case values the paired comparisons use).
 * @param rows tidy rows (e.g. summarizeStudy(...).rows)
 * @param arms model names, e.g. ['binary', 'backsplit', 'backsplit-sumrule']
 * @param metrics metric names, e.g. ['dice', 'lesion_fp']
 */
export function armMetricMeans(rows: readonly TidyRow[], arms: string[], metrics: string[]): ArmMetricMean[] {
  const out: ArmMetricMean[] = [];
  for (const metric of metrics) {
    for (const arm of arms) {
      const perCase = new Map<string, number[]>();
      for (const r of rows) {
        if (r.model !== arm || r.metric !== metric || r.value === null || !Number.isFinite(r.value)) continue;
        const list = perCase.get(r.case) || [];
        list.push(r.value);
        perCase.set(r.case, list);
      }
      const caseMeans = [...perCase.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
      out.push({ metric, arm, mean: caseMeans.length ? caseMeans.reduce((a, b) => a + b, 0) / caseMeans.length : null, cases: caseMeans.length });
    }
  }
  return out;
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
  if (!fs.existsSync(jsonFile)) {
    report.problems.push(`${jsonFile}: missing (an MSD task folder has dataset.json, imagesTr/, labelsTr/)`);
    return report;
  }
  let d: MsdDatasetJson;
  try {
    d = parseMsdDatasetJson(JSON.parse(fs.readFileSync(jsonFile, 'utf8')), jsonFile);
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
    for (const f of [t.image, t.label]) if (!fs.existsSync(path.join(dir, f))) report.problems.push(`case ${id}: ${path.join(dir, f)} not found`);
    if (options.auxDir) {
      if (fs.existsSync(path.join(options.auxDir, `${id}.nii.gz`))) report.casesWithAux++;
      else report.problems.push(`case ${id}: auxiliary labels ${path.join(options.auxDir, `${id}.nii.gz`)} not found`);
    }
  }
  return report;
}

export interface MsdManifestOptions {
  /** Label values of labelsTr that are the lesion, e.g. [2] for Task03_Liver's tumour. */
  lesionLabels: number[];
  /** Other labels kept as auxiliary classes: 'rest' (default) or a list; the others become unlabelled. */
  auxLabels?: number[] | 'rest';
  /** Extra auxiliary maps `<dir>/<case>.nii.gz` (TotalSegmentator, SynthSeg) and their grouping spec. */
  extraAux?: { dir: string; groups: string };
  /** Folder the manifest will be saved in: paths are written relative to it (default: absolute paths). */
  manifestDir?: string;
  name?: string;
}

/**
 * A dataset manifest (lib/data/manifest.ts) describing an MSD task folder, so that the study
 * (`runStudy` with `{kind: 'manifest'}`, `npm run reproduce -- --dataset`) can read it.
 * @throws Error naming dataset.json when a lesion or aux label is not one of its labels
 */
export function manifestFromMsd(dir: string, options: MsdManifestOptions): DatasetManifest {
  const jsonFile = path.join(dir, 'dataset.json');
  const d = parseMsdDatasetJson(JSON.parse(fs.readFileSync(jsonFile, 'utf8')), jsonFile);
  const values = Object.keys(d.labels).map(Number).filter((v) => v !== 0);
  if (!options.lesionLabels.length) throw new Error(`${jsonFile}: choose the lesion label value(s); labels are ${JSON.stringify(d.labels)}`);
  for (const v of options.lesionLabels) if (!values.includes(v)) throw new Error(`${jsonFile}: lesion label ${v} is not a nonzero label (labels: ${JSON.stringify(d.labels)})`);
  const rest = values.filter((v) => !options.lesionLabels.includes(v)).sort((a, b) => a - b);
  const auxValues = options.auxLabels === undefined || options.auxLabels === 'rest' ? rest : options.auxLabels;
  for (const v of auxValues) if (!rest.includes(v)) throw new Error(`${jsonFile}: aux label ${v} is not a non-lesion label (labels: ${JSON.stringify(d.labels)})`);
  const rel = (p: string) => (options.manifestDir ? path.relative(options.manifestDir, p) || '.' : path.resolve(p));
  const channels = Object.keys(d.modality).map(Number).sort((a, b) => a - b).map((k) => d.modality[String(k)]);
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

/**
 * Which TotalSegmentator `total` class stands in for each synthetic anatomy class
 * (null: TotalSegmentator has no such class and leaves the voxels unlabelled).
 */
export const SYNTHETIC_AS_TOTALSEGMENTATOR: Readonly<Record<string, string | null>> = Object.freeze({
  body_wall: 'autochthon_left',
  organ: 'liver',
  kidney: 'kidney_right',
  vessel: 'aorta',
  cyst: null,
  bone: 'vertebrae_L3',
});

/**
 * An auxiliary map "as if from TotalSegmentator" for a synthetic case: each anatomy class is
 * written with the id of a TotalSegmentator `total` class (SYNTHETIC_AS_TOTALSEGMENTATOR), so the
 * built-in `total` grouping spec applies to it exactly as to a real TotalSegmentator output.
 * @throws Error when the case has no aux map or a class has no mapping
 */
export function totalSegmentatorStyleLabels(c: SegmentationCase): Volume<Uint8Array> {
  if (!c.aux || !c.auxNames) throw new Error(`totalSegmentatorStyleLabels: case ${c.id} has no auxiliary map with class names`);
  const spec = loadGroupSpec('total');
  const idOf = new Map<string, number>();
  for (const [id, name] of spec.classNames) idOf.set(name, id);
  const lut = new Uint8Array(c.auxNames.length + 1);
  c.auxNames.forEach((name, i) => {
    if (!(name in SYNTHETIC_AS_TOTALSEGMENTATOR)) throw new Error(`totalSegmentatorStyleLabels: case ${c.id}: no TotalSegmentator class for '${name}'`);
    const ts = SYNTHETIC_AS_TOTALSEGMENTATOR[name];
    if (ts === null) return;
    const id = idOf.get(ts);
    if (id === undefined || id > 255) throw new Error(`totalSegmentatorStyleLabels: '${ts}' is not a TotalSegmentator total class id ≤ 255 in ${spec.origin}`);
    lut[i + 1] = id;
  });
  const out = new Uint8Array(c.aux.data.length);
  for (let v = 0; v < out.length; v++) {
    const k = c.aux.data[v];
    if (k >= lut.length) throw new Error(`totalSegmentatorStyleLabels: case ${c.id}: aux value ${k} at voxel ${v} exceeds its ${c.auxNames.length} classes`);
    out[v] = lut[k];
  }
  return makeVolume(out, c.aux.dims, c.aux.spacing, c.aux.affine);
}
