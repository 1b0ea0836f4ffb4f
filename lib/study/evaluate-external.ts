/**
 * External evaluation: a trained run folder evaluated on every case of a
 * dataset it never saw (`backsplit eval --run <dir> --data <folder|manifest>`),
 * e.g. a model trained at one site and a test set from another. No split: all
 * cases are evaluated. Binary runs give the 'binary' arm, BackSplit runs both
 * collapse rules ('backsplit' = argmax, 'backsplit-sumrule'), plus the Dice of
 * each auxiliary class the data labels under the same name as the run.
 *
 * The data is an MSD task folder (dataset.json), a dataset manifest (.json) or
 * `<kind>:<path>` for any other kind of the dataset registry that takes a path; when
 * the run was trained on the same kind, the run's options of that kind (e.g. EMIDEC's
 * label policy and centre crop) are applied to the new path.
 * Everything is checked before predicting: the lesion label values of an MSD
 * folder (given; else dataset.json's `backsplit.lesionLabels`; else the run's
 * own MSD lesion labels found by name) and the number of image channels. The
 * grid and spacing may differ from training (predictions are made on the
 * data's own grid).
 */
import * as fs from 'fs';
import * as path from 'path';
import { formatFixed, formatTable } from '../core/format';
import type { SegmentationCase } from '../core/types';
import { makeVolume, Vec3, mapToUint8 } from '../core/volume';
import { CaseResult, EvaluationOptions, evaluateSegmentation } from '../eval/evaluate';
import { ClassSpec, perClassDice } from '../eval/multiclass';
import { validateManifest } from '../data/manifest';
import { MsdDatasetJson, parseMsdDatasetJson } from '../data/msd';
import { DatasetConfig, datasetKindNames, describeDataset, loadDataset, resolveDatasetConfig } from '../data/registry';
import { armDefinition } from '../train/arms';
import type { ClassLayout } from '../train/prepare';
import { LoadedRun, loadRunModel, openRun, RunFolder } from '../run/open';
import { predictLesionMasks } from './pipeline';
import { caseRow, CaseRow, summarizeArms, ArmSummary } from './evaluate-run';

/** The choice of lesion labels is missing or does not apply to the data (the CLI shows its usage). */
export class LesionLabelChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LesionLabelChoiceError';
  }
}

/** The data of an external evaluation: its registry config and what the checks and reports need. */
export interface ExternalData {
  /** The MSD folder, manifest file or registry path the user named (absolute). */
  path: string;
  /** Registry config the cases are loaded with. */
  config: DatasetConfig;
  /** The file that describes the data (dataset.json, the manifest, or the path of another kind), named in errors. */
  file: string;
  /** Image channels the data declares before loading (null: known only from the cases). */
  channelNames: string[] | null;
  /** Label values that are the lesion (null: the kind decides, e.g. a manifest without lesionValues: any nonzero voxel). */
  lesionLabels: number[] | null;
  /** Where the lesion labels came from, e.g. "<dir>/dataset.json backsplit.lesionLabels". */
  lesionLabelsFrom: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLabelList = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && x > 0);

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read JSON (${(e as Error).message})`, { cause: e });
  }
}

/** dataset.json's `backsplit` policy (written by the EMIDEC importer), or null when it has none. */
function msdPolicy(raw: unknown, jsonFile: string): { lesionLabels: number[]; auxLabels?: number[] } | null {
  const b = isObj(raw) ? raw.backsplit : undefined;
  if (b === undefined) return null;
  if (!isObj(b) || !isLabelList(b.lesionLabels)) {
    throw new Error(`${jsonFile}: "backsplit.lesionLabels" must be a non-empty list of positive label values, got ${JSON.stringify(isObj(b) ? b.lesionLabels : b)}`);
  }
  if (b.auxLabels !== undefined && !(Array.isArray(b.auxLabels) && (b.auxLabels.length === 0 || isLabelList(b.auxLabels)))) {
    throw new Error(`${jsonFile}: "backsplit.auxLabels" must be a list of positive label values, got ${JSON.stringify(b.auxLabels)}`);
  }
  const aux = b.auxLabels as number[] | undefined;
  return aux && aux.length ? { lesionLabels: b.lesionLabels, auxLabels: aux } : { lesionLabels: b.lesionLabels };
}

/** The run's own lesion labels, when it was trained on an MSD folder, found in `d` by their names. */
function lesionLabelsByName(run: RunFolder, d: MsdDatasetJson): { labels: number[] | null; why: string } {
  const ds = run.config.dataset;
  if (ds.kind !== 'msd') return { labels: null, why: `run ${run.runDir} was trained on ${describeDataset(ds)}, not on an MSD folder` };
  const info = run.meta.dataset;
  const trainedJson = path.join(info && typeof info.path === 'string' ? info.path : path.resolve(ds.path), 'dataset.json');
  let trained: MsdDatasetJson;
  try {
    trained = parseMsdDatasetJson(JSON.parse(fs.readFileSync(trainedJson, 'utf8')), trainedJson);
  } catch {
    return { labels: null, why: `the run's training folder (${trainedJson}) cannot be read to name its lesion labels` };
  }
  const names = ds.lesionLabels.map((v) => trained.labels[String(v)]);
  const byName = new Map(Object.entries(d.labels).map(([v, n]) => [n, Number(v)]));
  const values = names.map((n) => byName.get(n));
  if (values.some((v) => v === undefined || v === 0)) {
    return { labels: null, why: `the run's lesion label(s) (${names.join(', ')}) are not labels of this folder` };
  }
  return { labels: values as number[], why: `run ${run.runDir}'s lesion label name(s) ${names.map((n) => `'${n}'`).join(', ')}` };
}

/** Lesion (and auxiliary) label values of an MSD folder: given, else the folder's policy, else the run's by name. */
function msdLabelChoice(d: MsdDatasetJson, raw: unknown, jsonFile: string, run: RunFolder, given?: number[]) {
  const labelList = Object.entries(d.labels).map(([v, n]) => `${v} ${n}`).join(', ');
  let choice: { lesionLabels: number[]; auxLabels?: number[]; from: string };
  const policy = given ? null : msdPolicy(raw, jsonFile);
  if (given) choice = { lesionLabels: given, from: 'as given' };
  else if (policy) choice = { ...policy, from: `${jsonFile} backsplit.lesionLabels` };
  else {
    const byName = lesionLabelsByName(run, d);
    if (!byName.labels) {
      throw new LesionLabelChoiceError(
        `${jsonFile}: which label value(s) are the lesion? Its labels are ${labelList}; it has no "backsplit.lesionLabels" and ${byName.why}. ` +
          'Give them with --lesion-labels (e.g. --lesion-labels 2 or 3,4)',
      );
    }
    choice = { lesionLabels: byName.labels, from: byName.why };
  }
  for (const v of choice.lesionLabels) {
    if (v === 0 || !(String(v) in d.labels)) throw new Error(`${jsonFile}: lesion label ${v} is not a nonzero label of this folder (labels: ${labelList})`);
  }
  return choice;
}

function msdData(dir: string, run: RunFolder, given?: number[]): ExternalData {
  const jsonFile = path.join(dir, 'dataset.json');
  if (!fs.existsSync(jsonFile)) {
    throw new Error(`${jsonFile}: not found — the data must be an MSD task folder (dataset.json, imagesTr/, labelsTr/) or a dataset manifest (.json)`);
  }
  const raw = readJsonFile(jsonFile);
  const d = parseMsdDatasetJson(raw, jsonFile);
  const choice = msdLabelChoice(d, raw, jsonFile, run, given);
  const raw2: Obj = { kind: 'msd', path: dir, lesionLabels: choice.lesionLabels };
  if (choice.auxLabels) raw2.auxLabels = choice.auxLabels;
  const channelNames = Object.keys(d.modality).map(Number).sort((a, b) => a - b).map((k) => d.modality[String(k)]);
  return { path: dir, config: resolveDatasetConfig(raw2, 'data'), file: jsonFile, channelNames, lesionLabels: choice.lesionLabels, lesionLabelsFrom: choice.from };
}

function manifestData(file: string, given?: number[]): ExternalData {
  if (given) throw new LesionLabelChoiceError(`${file}: a dataset manifest states its lesion values itself ("lesionValues"); lesion labels can only be chosen for an MSD folder`);
  const m = validateManifest(readJsonFile(file), file);
  const from = m.lesionValues ? `${file} lesionValues` : `${file} (no lesionValues: every nonzero voxel of a lesion file)`;
  return { path: file, config: resolveDatasetConfig({ kind: 'manifest', path: file }, 'data'), file, channelNames: [...m.channels], lesionLabels: m.lesionValues ?? null, lesionLabelsFrom: from };
}

/** `<kind>:<path>`: msd and manifest as above, any other registered kind as {kind, path}. */
function kindData(kind: string, p: string, run: RunFolder, given: number[] | undefined, baseDir: string): ExternalData {
  const target = path.resolve(baseDir, p);
  if (kind === 'msd') return msdData(target, run, given);
  if (kind === 'manifest') return manifestData(target, given);
  if (!datasetKindNames().includes(kind)) {
    throw new Error(`data '${kind}:${p}': no such file or folder, and '${kind}' is not a dataset kind (kinds: ${datasetKindNames().join(', ')})`);
  }
  if (given) throw new LesionLabelChoiceError(`data '${kind}:${p}': a '${kind}' dataset decides its lesion itself; lesion labels can only be chosen for an MSD folder`);
  // The run's own options of the same kind (e.g. EMIDEC's label policy and centre crop) apply to the new data:
  // the data is read as the run's training data was, only from another path.
  const own = run.config.dataset.kind === kind ? (run.config.dataset as Record<string, unknown>) : {};
  const config = resolveDatasetConfig({ ...own, kind, path: target }, 'data');
  const inherited = Object.keys(own).filter((k) => k !== 'kind' && k !== 'path');
  const from = `the '${kind}' dataset kind${inherited.length ? ` (with the run's ${inherited.map((k) => `${k} ${JSON.stringify(own[k])}`).join(', ')})` : ''}`;
  return { path: target, config, file: target, channelNames: null, lesionLabels: null, lesionLabelsFrom: from };
}

/**
 * Resolve what `--data` names: an MSD task folder (or its dataset.json), a dataset manifest (.json),
 * or `<kind>:<path>` for a kind of the dataset registry.
 * @param spec the data as the user wrote it
 * @param run the run folder (its training data names the lesion labels of an MSD folder without a policy)
 * @param lesionLabels label values of the lesion in an MSD folder (optional, see the file comment)
 * @param baseDir folder relative paths are relative to (default cwd)
 * @throws naming the file: missing dataset.json, unknown lesion label, bad policy; LesionLabelChoiceError when the lesion labels cannot be decided
 */
export function resolveExternalData(spec: string, run: RunFolder, lesionLabels?: number[], baseDir = process.cwd()): ExternalData {
  const target = path.resolve(baseDir, spec);
  if (!fs.existsSync(target)) {
    const m = /^([a-z][a-z0-9_-]*):(.+)$/i.exec(spec);
    if (m) return kindData(m[1], m[2], run, lesionLabels, baseDir);
    throw new Error(`${target}: no such file or folder`);
  }
  if (fs.statSync(target).isDirectory()) return msdData(target, run, lesionLabels);
  if (path.basename(target) === 'dataset.json') return msdData(path.dirname(target), run, lesionLabels);
  if (target.toLowerCase().endsWith('.json')) return manifestData(target, lesionLabels);
  throw new Error(`${target}: not an MSD task folder (holding dataset.json) or a dataset manifest (.json)`);
}

/** A dataset config given as an object (notebooks): checked by the registry, channels known from the cases. */
function configData(raw: DatasetConfig, baseDir: string): ExternalData {
  const config = resolveDatasetConfig(raw, 'data');
  const p = (config as { path?: string }).path;
  const where = p ? path.resolve(baseDir, p) : describeDataset(config);
  const labels = (config as { lesionLabels?: number[] }).lesionLabels ?? null;
  return { path: where, config, file: where, channelNames: null, lesionLabels: labels, lesionLabelsFrom: 'the dataset config' };
}

/** Refuse data whose channel count is not the run's. */
function checkChannels(run: RunFolder, found: string[], where: string): void {
  const want = run.meta.modelConfig.inChannels;
  if (found.length !== want) {
    throw new Error(`run ${run.runDir} was trained on ${want} channel(s) (${describeDataset(run.config.dataset)}) but ${where} has ${found.length} (${found.join(', ')})`);
  }
}

/** A run's auxiliary classes that the data labels under the same name: data class id → run class id. */
function auxMatch(layout: ClassLayout, dataNames: string[]): { classes: ClassSpec[]; lut: Uint8Array } {
  const lut = new Uint8Array(dataNames.length + 1);
  if (layout.mode !== 'backsplit') return { classes: [], lut };
  const runNames = layout.classNames.slice(1, layout.lesionClass);
  const classes: ClassSpec[] = [];
  dataNames.forEach((n, i) => {
    const k = runNames.indexOf(n);
    if (k >= 0) {
      lut[i + 1] = k + 1;
      classes.push({ id: k + 1, name: n });
    }
  });
  return { classes: classes.sort((a, b) => a.id - b.id), lut };
}

/** The case as the run's layout needs it: for BackSplit labels, the aux map in the run's class ids (0 where the data has no such class). */
function inRunLayout(c: SegmentationCase, layout: ClassLayout): { input: SegmentationCase; classes: ClassSpec[] } {
  const { classes, lut } = auxMatch(layout, c.auxNames ?? []);
  if (armDefinition(layout.mode).labels !== 'backsplit') return { input: c, classes };
  const aux = c.aux ? mapToUint8(c.aux.data, (v) => lut[v] ?? 0) : new Uint8Array(c.lesion.data.length);
  const g = c.lesion;
  return { input: { ...c, aux: makeVolume(aux, g.dims, g.spacing, g.affine), auxNames: layout.classNames.slice(1, layout.lesionClass) }, classes };
}

/** Predict one case with every collapse rule of the run and evaluate each lesion mask (and the matching aux classes). */
async function evaluateExternalCase(run: LoadedRun, c: SegmentationCase, options: EvaluationOptions): Promise<CaseResult[]> {
  const { input, classes } = inRunLayout(c, run.layout);
  const { masks, aux } = await predictLesionMasks(run.model, run.layout, input, run.config.patchSize, run.config.inferenceOverlap);
  const g = c.lesion;
  return Object.entries(masks).map(([arm, mask]) => {
    const evaluation = evaluateSegmentation(makeVolume(mask, g.dims, g.spacing, g.affine), g, options, { pred: `${arm} ${c.id}`, ref: `${c.id} lesion` });
    const r: CaseResult = { caseId: c.id, model: arm, seed: run.config.seed, evaluation };
    if (arm === run.layout.mode && armDefinition(arm).labels === 'backsplit' && aux && classes.length) r.auxiliary = perClassDice(aux, input.aux!.data, classes);
    return r;
  });
}

/** A run evaluated on a dataset it never saw. */
export interface ExternalEvaluation {
  runDir: string;
  /** The run's label mode and the step of the weights used. */
  mode: ClassLayout['mode'];
  step: number;
  data: ExternalData;
  caseIds: string[];
  /** Distinct voxel spacings (mm) and grids of the cases, in case order. */
  spacings: Vec3[];
  grids: Vec3[];
  /** Auxiliary classes of the run the data also labels (their Dice is reported); empty for binary runs. */
  auxClasses: string[];
  /** Case ids of the data the run was trained or validated on (a warning; normally empty). */
  seenCases: string[];
  /** One entry per case × arm, in case order. */
  results: CaseResult[];
}

export interface ExternalEvalOptions {
  /** Label values of the lesion in an MSD folder (see resolveExternalData). */
  lesionLabels?: number[];
  /** Metric settings (NSD tolerance, connectivity, ...; default as in evaluateSegmentation). */
  evaluation?: EvaluationOptions;
  /** Folder relative data paths are relative to (default cwd). */
  baseDir?: string;
  /** Called once the data is loaded and checked, before the first prediction (`results` still empty). */
  onStart?: (e: ExternalEvaluation) => void;
  /** Called before each case is predicted. */
  onCase?: (index: number, total: number, id: string) => void;
}

/** The different vectors of a list, in first-seen order. */
function distinct(vs: Vec3[]): Vec3[] {
  const byKey = new Map<string, Vec3>();
  for (const v of vs) if (!byKey.has(v.join('x'))) byKey.set(v.join('x'), v);
  return [...byKey.values()];
}

/**
 * Evaluate a trained run (final, else newest checkpoint) on every case of a dataset it never saw.
 * @param runDir the run folder
 * @param data an MSD task folder, a dataset manifest (.json) or `<kind>:<path>` (see resolveExternalData);
 *   or a dataset registry config such as `{kind: 'msd', path, lesionLabels: [2]}`
 * @example
 * const e = await evaluateRunOnDataset('runs/backsplit', 'data/Task_other_site', { lesionLabels: [2] });
 * console.log(formatExternalEvaluation(e));
 * @throws naming the file when the data cannot be read, its lesion labels cannot be decided, or its channel count is not the run's
 */
export async function evaluateRunOnDataset(runDir: string, data: string | DatasetConfig, options: ExternalEvalOptions = {}): Promise<ExternalEvaluation> {
  const folder = openRun(runDir);
  if (typeof data !== 'string' && options.lesionLabels) throw new LesionLabelChoiceError('lesionLabels apply to a data path; a dataset config states its lesion itself');
  const ext = typeof data === 'string' ? resolveExternalData(data, folder, options.lesionLabels, options.baseDir) : configData(data, options.baseDir ?? process.cwd());
  if (ext.channelNames) checkChannels(folder, ext.channelNames, ext.file);
  const { cases } = loadDataset(ext.config, options.baseDir);
  for (const c of cases) checkChannels(folder, c.channelNames, `case ${c.id} of ${ext.file}`);
  const seen = new Set([...folder.meta.trainCases, ...folder.meta.valCases]);
  const auxClasses = [...new Set(cases.flatMap((c) => auxMatch(folder.meta.layout, c.auxNames ?? []).classes.map((k) => k.name)))];
  const run: LoadedRun = { ...folder, ...loadRunModel(folder) };
  try {
    const e: ExternalEvaluation = {
      runDir, mode: run.layout.mode, step: run.step, data: ext, caseIds: cases.map((c) => c.id),
      spacings: distinct(cases.map((c) => c.lesion.spacing)), grids: distinct(cases.map((c) => c.lesion.dims)),
      auxClasses, seenCases: cases.map((c) => c.id).filter((id) => seen.has(id)), results: [],
    };
    options.onStart?.(e);
    for (let i = 0; i < cases.length; i++) {
      options.onCase?.(i, cases.length, cases[i].id);
      e.results.push(...(await evaluateExternalCase(run, cases[i], options.evaluation ?? {})));
    }
    return e;
  } finally {
    run.model.dispose();
  }
}

/** The JSON of `backsplit eval --run <dir> --data <path> --json`. */
export interface ExternalEvalJson {
  run: string;
  data: string;
  lesion_labels: number[] | null;
  cases: CaseRow[];
  summary: Record<string, ArmSummary>;
}

/** The one JSON object `backsplit eval --run --data --json` prints. */
export function externalEvalJson(e: ExternalEvaluation): ExternalEvalJson {
  return { run: e.runDir, data: e.data.path, lesion_labels: e.data.lesionLabels, cases: e.results.map(caseRow), summary: summarizeArms(e.results) };
}

const vec = (v: Vec3, digits?: number) => v.map((x) => (digits === undefined ? String(x) : String(+x.toFixed(digits)))).join('×');
const list = (vs: Vec3[], digits?: number) => vs.slice(0, 3).map((v) => vec(v, digits)).join(', ') + (vs.length > 3 ? `, … (${vs.length} different)` : '');

/** The header lines of an external evaluation: run, data, lesion labels, spacing and grid, auxiliary classes. */
export function describeExternalEvaluation(e: ExternalEvaluation): string {
  const d = e.data;
  const lines = [
    `run   ${e.runDir} (${e.mode}, step ${e.step})`,
    `data  ${d.path} (${d.config.kind}, ${e.caseIds.length} case(s))`,
    `      lesion label(s) ${d.lesionLabels ? d.lesionLabels.join(', ') : 'as the dataset defines'} (${d.lesionLabelsFrom})`,
    `      spacing ${list(e.spacings, 4)} mm, grid ${list(e.grids)} (predicted on the data's own grid)`,
  ];
  if (e.mode === 'backsplit') {
    lines.push(e.auxClasses.length ? `      auxiliary classes also labelled in the data (Dice reported): ${e.auxClasses.join(', ')}` : '      no auxiliary class of the run is labelled in the data: lesion metrics only');
  }
  if (e.seenCases.length) lines.push(`      warning: the run was trained or validated on ${e.seenCases.length} of these case(s): ${e.seenCases.slice(0, 5).join(', ')}${e.seenCases.length > 5 ? ', …' : ''}`);
  return lines.join('\n');
}

/** Per-case rows and the per-arm summary of an external evaluation as text tables. */
export function formatExternalEvaluation(e: ExternalEvaluation): string {
  const f = (x: number | null, digits = 4) => formatFixed(x, digits);
  const rows = e.results.map(caseRow).map((r) => [r.case, r.model, f(r.dice), f(r.nsd), f(r.hd95_mm, 2), r.lesions.tp, r.lesions.fp, r.lesions.fn, f(r.lesions.f1)]);
  const parts = [formatTable(['case', 'model', 'Dice', 'NSD', 'HD95 mm', 'TP', 'FP', 'FN', 'lesion F1'], rows), ''];
  const summary = summarizeArms(e.results);
  const srows = Object.entries(summary).map(([m, s]) => [m, s.cases, f(s.dice), f(s.nsd), `${f(s.hd95_mm, 2)} (${s.hd95_cases}/${s.cases})`, f(s.lesion_f1), f(s.fp_lesions_per_case, 2)]);
  parts.push(formatTable(['model', 'cases', 'mean Dice', 'NSD', 'HD95 mm (cases)', 'lesion F1', 'FP lesions/case'], srows));
  for (const [m, s] of Object.entries(summary)) {
    if (s.aux_dice) parts.push(`${m} auxiliary Dice: ${Object.entries(s.aux_dice).map(([n, x]) => `${n} ${f(x, 3)}`).join(', ')}`);
  }
  return parts.join('\n');
}
