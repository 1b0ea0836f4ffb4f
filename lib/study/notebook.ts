/**
 * Small helpers for the course notebooks 03 (training), 05 (evaluation) and
 * 06 (your data): the per-run training config the study uses, train-or-reuse
 * of a run folder, whole-case predictions with the maps a slice view needs,
 * and the steps of bringing an MSD-layout dataset with
 * TotalSegmentator-style auxiliary labels (layout check, manifest, a
 * TotalSegmentator-like aux map for the embedded dataset).
 * The library does the work; these only package it for a notebook cell.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MsdDatasetJson, parseMsdDatasetJson, msdCaseId } from '../data/msd';
import type { DatasetManifest } from '../data/manifest';
import type { LabelMode, SegmentationCase } from '../data/types';
import { makeVolume, Volume } from '../io/volume';
import { loadGroupSpec } from '../labels/spec';
import type { SegmentationModel } from '../model/model';
import { resolveTrainConfig, TrainConfig } from '../train/config';
import { ClassLayout, prepareCase } from '../train/data';
import { argmaxClasses, slidingWindowProbabilities } from '../train/inference';
import type { TrainProgress } from '../train/progress';
import { loadRun, train } from '../train/trainer';
import type { StudyConfig } from './config';

/**
 * The resolved training config of one run of the study: the study's shared
 * settings plus mode, seed, run folder and dataset — the same object
 * `runStudy` trains with, so a run trained from a notebook is reused by the study.
 * @param cfg study configuration
 * @param mode 'binary' or 'backsplit'
 * @param seed training seed
 * @example
 * const config = studyRunConfig(studyPreset('default'), 'backsplit', 0); // outputDir runs/study/backsplit-seed0
 */
export function studyRunConfig(cfg: StudyConfig, mode: LabelMode, seed: number): TrainConfig {
  const runDir = path.join(cfg.runsDir, `${mode}-seed${seed}`);
  return resolveTrainConfig({ ...cfg.train, mode, seed, outputDir: runDir, dataset: cfg.dataset }, `study ${mode} seed ${seed}`);
}

export interface TrainOrLoadOptions {
  config: TrainConfig;
  trainCases: SegmentationCase[];
  valCases?: SegmentationCase[];
  /** Run folder (resumable, reused when finished); null = train in memory only. */
  runDir: string | null;
  onProgress?: (p: TrainProgress) => void;
  backendReport?: unknown;
}

export interface TrainOrLoadResult {
  model: SegmentationModel;
  layout: ClassLayout;
  /** Training loss per logged step (every step when trained in memory; every logEvery steps from metrics.jsonl when reused). */
  lossCurve: { step: number; loss: number }[];
  /** Training speed of this call; null when the run was reused. */
  stepsPerSecond: number | null;
  /** True when a finished run was loaded instead of trained. */
  reused: boolean;
}

/** Training-loss points of a run folder's metrics.jsonl (type 'train'). */
export function readLossCurve(runDir: string): { step: number; loss: number }[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  const out: { step: number; loss: number }[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line) as { type?: string; step?: number; loss?: number };
    if (m.type === 'train' && typeof m.loss === 'number' && typeof m.step === 'number') out.push({ step: m.step, loss: m.loss });
  }
  return out;
}

/**
 * Train a run, or load it when `runDir` already holds a finished run with the same config
 * (a different config is an error naming the folder, as in `runStudy`).
 */
export async function trainOrLoad(opts: TrainOrLoadOptions): Promise<TrainOrLoadResult> {
  const { runDir, config } = opts;
  if (runDir && fs.existsSync(path.join(runDir, 'checkpoints', 'final.ckpt'))) {
    const loaded = loadRun(runDir);
    if (JSON.stringify(loaded.config) !== JSON.stringify(config)) {
      loaded.model.dispose();
      throw new Error(`trainOrLoad: ${runDir} holds a finished run with another config; delete the folder or choose another one`);
    }
    return { model: loaded.model, layout: loaded.meta.layout, lossCurve: readLossCurve(runDir), stepsPerSecond: null, reused: true };
  }
  const res = await train({ config, trainCases: opts.trainCases, valCases: opts.valCases, runDir, resume: true, onProgress: opts.onProgress, backendReport: opts.backendReport });
  return { model: res.model, layout: res.layout, lossCurve: runDir ? readLossCurve(runDir) : res.lossCurve, stepsPerSecond: res.stepsPerSecond, reused: false };
}

export interface CasePrediction {
  /** Class-major probabilities probs[k·N + voxel]. */
  probabilities: Float32Array;
  /** p(lesion) per voxel, on the case's grid. */
  lesionProbability: Volume<Float32Array>;
  /** Arg-max class per voxel (the layout's class ids). */
  classMap: Volume<Uint8Array>;
  /** Lesion mask by the arg-max rule (1 = lesion). */
  lesionMask: Volume<Uint8Array>;
  /** Predicted auxiliary classes (arg-max, lesion voxels set to 0); null for a binary layout. */
  auxMap: Volume<Uint8Array> | null;
}

/**
 * Whole-case prediction of a trained model with the maps notebooks plot and evaluate.
 * @param model trained model
 * @param layout its class layout (binary or BackSplit)
 * @param c the case (its lesion/aux maps are only used for the layout's target, not for prediction)
 * @param opts sliding-window patch size and overlap (default 0.5)
 */
export async function predictCase(
  model: SegmentationModel,
  layout: ClassLayout,
  c: SegmentationCase,
  opts: { patchSize: number[]; overlap?: number },
): Promise<CasePrediction> {
  const prepared = prepareCase(c, layout);
  const probs = await slidingWindowProbabilities(model, prepared.channels, prepared.dims, { patchSize: opts.patchSize, overlap: opts.overlap ?? 0.5 });
  const n = prepared.target.length;
  if (probs.length !== n * layout.numClasses) {
    throw new Error(`predictCase: case ${c.id}: expected ${n * layout.numClasses} probabilities (${layout.numClasses} classes), got ${probs.length}`);
  }
  const grid = c.lesion;
  const classes = argmaxClasses(probs, layout.numClasses);
  const lesion = new Uint8Array(n);
  for (let v = 0; v < n; v++) lesion[v] = classes[v] === layout.lesionClass ? 1 : 0;
  let auxMap: Volume<Uint8Array> | null = null;
  if (layout.mode === 'backsplit') {
    const aux = Uint8Array.from(classes, (k) => (k === layout.lesionClass ? 0 : k));
    auxMap = makeVolume(aux, grid.dims, grid.spacing, grid.affine);
  }
  return {
    probabilities: probs,
    lesionProbability: makeVolume(probs.slice(layout.lesionClass * n, (layout.lesionClass + 1) * n), grid.dims, grid.spacing, grid.affine),
    classMap: makeVolume(classes, grid.dims, grid.spacing, grid.affine),
    lesionMask: makeVolume(lesion, grid.dims, grid.spacing, grid.affine),
    auxMap,
  };
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
