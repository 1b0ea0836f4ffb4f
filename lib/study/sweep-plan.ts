/**
 * A sweep: many runs of the study planned once into a folder, then trained by any
 * executor (a local process pool, a Slurm job array) and gathered into reports.
 *
 * A grid (datasets × arms × seeds × architectures, plus the protocol's axes one at a
 * time) expands into run specs. Runs that share every setting but arm and seed form one
 * study group, trained in `studies/<group>/` exactly as `runStudy` would train it, so a
 * group's runs are reused by `reproduce`-style code and its report is the same report.
 * A run's id is a short hash of what it trains (the group's settings, the arm, the seed):
 * the same grid always gives the same ids, and a changed grid keeps the ids (and the
 * finished folders) of every run it did not change.
 *
 * `sweep.json` holds the grid, the protocol's hash (lib/study/protocol.ts), the groups'
 * study configs (run folders relative to the sweep folder) and the numbered runs.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic } from '../core/atomic';
import { processAlive } from '../core/process';
import { resolveDatasetConfig } from '../data/registry';
import { isModelFamily, ARCHITECTURES } from '../model/architectures/index';
import { checkpointStep, runPaths } from '../run/layout';
import { ARM_NAMES, ArmName } from '../train/arms';
import { BACKGROUND_CLASS_LEVELS } from '../train/aux-settings';
import { resolveTrainConfig, TrainConfig } from '../train/config';
import { requireEmidecFolder } from '../data/emidec';
import { emidecStudy, ProtocolPreset, protocolEmidecStudy, protocolSyntheticStudy, StudyConfig, studyPreset, StudyPreset } from './config';
import { studyRunComplete, studyRunConfig } from './pipeline';
import { canonicalJson, loadProtocol, Protocol } from './protocol';

/**
 * The arms the training code and the study loop can train, by protocol arm id, with the run mode
 * each trains: every arm of lib/train/arms.ts (a protocol arm missing there is refused by name).
 */
export const TRAINABLE_ARMS: Readonly<Record<string, ArmName>> = Object.fromEntries(ARM_NAMES.map((a) => [a, a]));

/** The protocol's axes (protocol.json axes.factors) the training code can set, with how. */
const EXPRESSIBLE_AXES: Readonly<Record<string, string>> = {
  trainCases: 'the number of training cases (split.train): with a training pool (split.trainPerSeed, the protocol studies) each seed draws that many from the same pool; otherwise the generated dataset is sized train + validation + test',
  auxLabelNoise: 'train.auxLabelNoise: the training cases\' auxiliary maps degraded at the level (lib/train/aux-settings)',
  backgroundClasses: 'train.backgroundClasses: the auxiliary classes merged to K by the rule fixed at the freeze (lib/train/aux-settings)',
};

/** The sweep axes, in the order their levels are expanded. */
const SWEEP_AXES = ['trainCases', 'auxLabelNoise', 'backgroundClasses'] as const;

/** Why an axis of protocol.json cannot be swept yet (none today; a new protocol axis would be named here). */
const INEXPRESSIBLE_AXES: Readonly<Record<string, string>> = {};

/**
 * Which study a grid's groups are: `study` (default) the earlier study's presets (lib/study/config
 * studyPreset, emidecStudy) on each dataset; `protocol` the protocol's study of each protocol
 * dataset (protocolSyntheticStudy, protocolEmidecStudy): pooled training draws per seed, the
 * protocol's test sets and budget, FROC candidates and secondary endpoints per run, and the joint
 * primary endpoint at collect.
 */
export type SweepDesign = 'study' | 'protocol';

/** A sweep grid as written in a grid file (docs/sweep-grid.json); every field but the first four is optional. */
export interface SweepGrid {
  /** quick, default or full; with design 'protocol' also long (the protocol presets) */
  preset: StudyPreset | ProtocolPreset;
  /** 'synthetic' (the preset's embedded set), the protocol's dataset ids, 'colin', 'emidec:<folder>' or a manifest path; with design 'protocol' only the protocol's datasets */
  datasets: string[];
  /** arm ids of protocol.json */
  arms: string[];
  seeds: number[];
  /** default 'study' */
  design?: SweepDesign;
  /** model families (lib/model/architectures); default: the preset's */
  architectures?: string[];
  /** the protocol's axes, each with its levels, swept one at a time around the preset's settings */
  trainCases?: number[];
  auxLabelNoise?: number[];
  backgroundClasses?: number[];
  /** where the axes are swept (default: every dataset and arm of the grid) */
  axesOn?: { datasets?: string[]; arms?: string[] };
  /** overrides of the preset: dataset pool size (synthetic kinds), split (merged over the preset's), training settings, Fisher sampling, backend */
  cases?: number;
  split?: StudyConfig['split'];
  train?: Partial<TrainConfig>;
  fisher?: StudyConfig['fisher'];
  backend?: string;
}

/** One run of a sweep. */
export interface SweepRun {
  /** position in sweep.json (changes when the grid changes; the id does not) */
  index: number;
  /** short hash of what the run trains: group settings, arm, seed */
  id: string;
  /** e.g. "synthetic/backsplit/seed1" or "synthetic-mechanism/trainCases=4/binary/seed0" */
  name: string;
  group: string;
  arm: string;
  mode: ArmName;
  seed: number;
}

/** A study group: runs sharing every setting but arm and seed. */
export interface SweepGroup {
  dataset: string;
  architecture: string;
  axis: { id: string; level: number } | null;
  /** the group's study; runsDir and reportDir relative to the sweep folder */
  study: StudyConfig;
}

/** sweep.json */
export interface SweepPlan {
  format: 'backsplit-sweep';
  version: 1;
  protocol: { path: string; sha256: string; id: string; version: number; status: string };
  grid: SweepGrid;
  /** the grid file, or '--protocol full' */
  source: string;
  /** what the plan leaves out of the grid and why (protocol arms and axes not trainable yet) */
  notes: string[];
  groups: Record<string, SweepGroup>;
  runs: SweepRun[];
}

/** The file name of a sweep's plan inside its folder. */
export const SWEEP_FILE = 'sweep.json';

function fail(source: string, message: string): never {
  throw new Error(`${source}: ${message}`);
}

function shortHash(value: unknown, chars: number): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, chars);
}

const GRID_FIELDS = ['preset', 'datasets', 'arms', 'seeds', 'design', 'architectures', 'trainCases', 'auxLabelNoise', 'backgroundClasses', 'axesOn', 'cases', 'split', 'train', 'fisher', 'backend'];

function stringList(raw: Record<string, unknown>, field: string, source: string, required: boolean): string[] | undefined {
  const v = raw[field];
  if (v === undefined && !required) return undefined;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x.length > 0)) fail(source, `'${field}' must be a non-empty list of strings, got ${JSON.stringify(v)}`);
  if (new Set(v).size !== v.length) fail(source, `'${field}' lists an entry twice: ${JSON.stringify(v)}`);
  return v as string[];
}

function numberList(raw: Record<string, unknown>, field: string, source: string, integer: boolean): number[] | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  const ok = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && (!integer || Number.isInteger(x));
  if (!Array.isArray(v) || v.length === 0 || !v.every(ok)) fail(source, `'${field}' must be a non-empty list of ${integer ? 'non-negative integers' : 'non-negative numbers'}, got ${JSON.stringify(v)}`);
  if (new Set(v).size !== v.length) fail(source, `'${field}' lists a value twice: ${JSON.stringify(v)}`);
  return v as number[];
}

/**
 * Check a grid object against the protocol: known fields, arm ids of protocol.json that the training
 * code can train, axes named as in protocol.json that it can express, known architectures.
 * @throws Error naming the source and the field
 */
export function validateGrid(value: unknown, source: string, protocol: Protocol): SweepGrid {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(source, 'a sweep grid must be a JSON object {preset, datasets, arms, seeds, ...}');
  const raw = value as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !GRID_FIELDS.includes(k));
  if (unknown.length) fail(source, `unknown field(s) ${unknown.map((k) => `'${k}'`).join(', ')}; a grid takes ${GRID_FIELDS.join(', ')}`);
  if (raw.design !== undefined && raw.design !== 'study' && raw.design !== 'protocol') fail(source, `'design' must be 'study' or 'protocol', got ${JSON.stringify(raw.design)}`);
  const design = raw.design as SweepDesign | undefined;
  if (design === 'protocol') {
    if (!['quick', 'default', 'long', 'full'].includes(raw.preset as string)) fail(source, `'preset' must be 'quick', 'default', 'long' or 'full' (the protocol presets), got ${JSON.stringify(raw.preset)}`);
  } else if (!['quick', 'default', 'full'].includes(raw.preset as string)) {
    fail(source, `'preset' must be 'quick', 'default' or 'full'${raw.preset === 'long' ? " ('long' is a protocol preset: add \"design\": \"protocol\")" : ''}, got ${JSON.stringify(raw.preset)}`);
  }
  const grid: SweepGrid = {
    preset: raw.preset as SweepGrid['preset'],
    datasets: stringList(raw, 'datasets', source, true)!,
    arms: stringList(raw, 'arms', source, true)!,
    seeds: numberList(raw, 'seeds', source, true) ?? fail(source, "'seeds' is required: a non-empty list of non-negative integers"),
  };
  if (design) grid.design = design;
  const protocolArms = protocol.arms.map((a) => a.id);
  for (const arm of grid.arms) {
    if (!protocolArms.includes(arm)) fail(source, `'arms': '${arm}' is not an arm of protocol.json (${protocolArms.join(', ')})`);
    if (!(arm in TRAINABLE_ARMS)) fail(source, `'arms': '${arm}' is an arm of protocol.json that the training code cannot train yet (trainable: ${Object.keys(TRAINABLE_ARMS).join(', ')})`);
  }
  const archs = stringList(raw, 'architectures', source, false);
  if (archs) {
    for (const a of archs) if (!isModelFamily(a)) fail(source, `'architectures': unknown model family '${a}' (${Object.keys(ARCHITECTURES).join(', ')})`);
    grid.architectures = archs;
  }
  const factorIds = protocol.axes.factors.map((f) => f.id);
  for (const axis of SWEEP_AXES) {
    if (raw[axis] === undefined) continue;
    if (!factorIds.includes(axis)) fail(source, `'${axis}' is not an axis of protocol.json (${factorIds.join(', ')})`);
    if (INEXPRESSIBLE_AXES[axis]) fail(source, `axis '${axis}' cannot be swept yet: ${INEXPRESSIBLE_AXES[axis]}`);
    grid[axis] = numberList(raw, axis, source, axis !== 'auxLabelNoise');
  }
  if (grid.trainCases?.some((n) => n < 1)) fail(source, `'trainCases' levels must be ≥ 1, got ${JSON.stringify(grid.trainCases)}`);
  if (grid.auxLabelNoise?.some((x) => !(x >= 0 && x <= 1))) fail(source, `'auxLabelNoise' levels must be in [0, 1], got ${JSON.stringify(grid.auxLabelNoise)}`);
  if (grid.backgroundClasses?.some((k) => !BACKGROUND_CLASS_LEVELS.includes(k))) {
    fail(source, `'backgroundClasses' levels must be among ${BACKGROUND_CLASS_LEVELS.join(', ')} (the K with a merge rule), got ${JSON.stringify(grid.backgroundClasses)}`);
  }
  if (raw.axesOn !== undefined) {
    const on = raw.axesOn as Record<string, unknown>;
    if (!on || typeof on !== 'object' || Object.keys(on).some((k) => k !== 'datasets' && k !== 'arms')) fail(source, "'axesOn' must be an object {datasets?, arms?}");
    grid.axesOn = { datasets: stringList(on, 'datasets', `${source} axesOn`, false), arms: stringList(on, 'arms', `${source} axesOn`, false) };
    for (const d of grid.axesOn.datasets ?? []) if (!grid.datasets.includes(d)) fail(source, `'axesOn.datasets': '${d}' is not in 'datasets'`);
    for (const a of grid.axesOn.arms ?? []) if (!grid.arms.includes(a)) fail(source, `'axesOn.arms': '${a}' is not in 'arms'`);
  }
  if (raw.cases !== undefined) {
    if (!(typeof raw.cases === 'number' && Number.isInteger(raw.cases) && raw.cases >= 1)) fail(source, `'cases' must be a positive integer, got ${JSON.stringify(raw.cases)}`);
    grid.cases = raw.cases;
  }
  if (raw.split !== undefined) {
    const s = raw.split as Record<string, unknown>;
    const counts = ['seed', 'train', 'validation', 'test'];
    const ok = s && typeof s === 'object' && counts.every((k) => typeof s[k] === 'number' && Number.isInteger(s[k]) && (s[k] as number) >= 0) &&
      Object.keys(s).every((k) => counts.includes(k) || (k === 'trainPerSeed' && typeof s[k] === 'boolean'));
    if (!ok) fail(source, `'split' must be {seed, train, validation, test} (non-negative integers) and optionally trainPerSeed (a boolean), got ${JSON.stringify(raw.split)}`);
    grid.split = s as StudyConfig['split'];
  }
  if (raw.train !== undefined) {
    if (!raw.train || typeof raw.train !== 'object' || Array.isArray(raw.train)) fail(source, "'train' must be an object of training settings (lib/train/config.ts)");
    grid.train = raw.train as Partial<TrainConfig>;
  }
  if (raw.fisher !== undefined) {
    const f = raw.fisher as Record<string, unknown>;
    const ok = f && typeof f === 'object' && Object.keys(f).length === 2 && ['patches', 'samples'].every((k) => typeof f[k] === 'number' && Number.isInteger(f[k]) && (f[k] as number) >= 1);
    if (!ok) fail(source, `'fisher' must be {patches, samples} (positive integers), got ${JSON.stringify(raw.fisher)}`);
    grid.fisher = f as StudyConfig['fisher'];
  }
  if (raw.backend !== undefined) {
    if (typeof raw.backend !== 'string') fail(source, `'backend' must be a string, got ${JSON.stringify(raw.backend)}`);
    grid.backend = raw.backend;
  }
  return grid;
}

/** Read and validate a grid file. */
export function readGrid(file: string, protocol: Protocol): SweepGrid {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the sweep grid (${(e as Error).message})`, { cause: e });
  }
  return validateGrid(value, file, protocol);
}

const PROTOCOL_DATASET_CONDITIONS: Readonly<Record<string, 'mechanism-positive' | 'null' | undefined>> = {
  'synthetic-mechanism': 'mechanism-positive',
  'synthetic-null': 'null',
  'synthetic-current': undefined,
};

/** The names a grid of design 'protocol' takes: the protocol's datasets. */
function protocolDatasetNames(): string {
  return loadProtocol().protocol.datasets.map((d) => (d.id === 'emidec' ? 'emidec:<folder>' : d.id)).join(', ');
}

/**
 * The protocol's study of a protocol dataset at a protocol preset: what `reproduce` trains for it
 * (protocolStudies, protocolEmidecStudy), folders aside.
 */
function protocolDatasetStudy(name: string, preset: ProtocolPreset, source: string): StudyConfig {
  if (name.startsWith('emidec:')) return protocolEmidecStudy(preset, requireEmidecFolder(name.slice('emidec:'.length), `${source}: 'datasets': emidec:`));
  if (name === 'emidec') fail(source, "'datasets': 'emidec' needs its folder: write 'emidec:<folder>' (raw EMIDEC or a folder from 'backsplit import emidec')");
  return protocolSyntheticStudy(preset, name) ?? fail(source, `'datasets': '${name}' is not a dataset of the protocol; a grid of design 'protocol' takes ${protocolDatasetNames()}`);
}

/** The study a dataset name of a grid starts from (the preset's settings on that data). */
function datasetStudy(name: string, grid: SweepGrid, source: string): StudyConfig {
  if (grid.design === 'protocol') return protocolDatasetStudy(name, grid.preset, source);
  const preset = grid.preset as StudyPreset;
  if (name === 'synthetic') return studyPreset(preset);
  if (name in PROTOCOL_DATASET_CONDITIONS) {
    const cfg = studyPreset(preset);
    const condition = PROTOCOL_DATASET_CONDITIONS[name];
    return condition ? { ...cfg, dataset: { ...cfg.dataset, condition } as StudyConfig['dataset'] } : cfg;
  }
  if (name === 'colin') return { ...studyPreset(preset), dataset: { kind: 'colin', cases: 16, seed: 0 }, split: { seed: 0, train: 11, validation: 0, test: 5 } };
  if (name.startsWith('emidec:')) return emidecStudy(preset, requireEmidecFolder(name.slice('emidec:'.length), `${source}: 'datasets': emidec:`));
  if (name === 'emidec') fail(source, "'datasets': 'emidec' needs its folder: write 'emidec:<folder>' (raw EMIDEC or a folder from 'backsplit import emidec')");
  if (name.endsWith('.json')) return { ...studyPreset(preset), dataset: { kind: 'manifest', path: path.resolve(name) } };
  return fail(source, `'datasets': unknown dataset '${name}' (synthetic, ${Object.keys(PROTOCOL_DATASET_CONDITIONS).join(', ')}, colin, emidec:<folder>, or a manifest .json)`);
}

/** The settings of one group: dataset, overrides, architecture and axis level applied to the preset. */
function groupStudy(grid: SweepGrid, dataset: string, architecture: string | null, axis: SweepGroup['axis'], source: string): StudyConfig {
  const cfg = datasetStudy(dataset, grid, source);
  const synthetic = cfg.dataset.kind === 'synthetic' || cfg.dataset.kind === 'colin';
  if (grid.cases !== undefined) {
    if (!synthetic) fail(source, `'cases' sizes a generated dataset; '${dataset}' has its own cases`);
    cfg.dataset = { ...cfg.dataset, cases: grid.cases } as StudyConfig['dataset'];
  }
  if (grid.split) cfg.split = { ...cfg.split, ...grid.split };
  if (grid.train) cfg.train = { ...cfg.train, ...grid.train, ...(grid.train.model ? { model: { ...cfg.train.model!, ...grid.train.model } } : {}) };
  if (grid.fisher) cfg.fisher = { ...grid.fisher };
  if (grid.backend) cfg.backend = grid.backend;
  if (architecture) cfg.train = { ...cfg.train, model: { ...cfg.train.model!, family: architecture as TrainConfig['model']['family'] } };
  if (axis?.id === 'trainCases') {
    cfg.split = { ...cfg.split, train: axis.level };
    // with a training pool, every level draws from the same pool (the dataset, validation and test
    // sets stay the preset's); otherwise the generated dataset is sized for the level
    if (synthetic && !cfg.split.trainPerSeed) cfg.dataset = { ...cfg.dataset, cases: axis.level + cfg.split.validation + cfg.split.test } as StudyConfig['dataset'];
  }
  // a label axis at its protocol default trains what the preset trains (the same group, no field)
  const axisDefault = axis ? loadProtocol().protocol.axes.factors.find((f) => f.id === axis.id)?.default : undefined;
  if ((axis?.id === 'auxLabelNoise' || axis?.id === 'backgroundClasses') && axis.level !== axisDefault) {
    cfg.train = { ...cfg.train, [axis.id]: axis.level };
  }
  const { train, validation, test } = cfg.split;
  const generated = synthetic ? (cfg.dataset as { cases: number }).cases : null;
  if (generated !== null && generated < train + validation + test) {
    const where = `dataset '${dataset}'${axis ? ` (${axis.id} = ${axis.level})` : ''}`;
    if (cfg.split.trainPerSeed) {
      fail(source, `${where}: each seed draws ${train} training cases from a pool of ${Math.max(0, generated - validation - test)} (${generated} cases − ${validation} validation − ${test} test); the pool must hold at least ${train} (raise 'cases' or lower the level)`);
    }
    fail(source, `${where}: the split asks for ${train}+${validation}+${test} cases but the dataset has ${generated}`);
  }
  cfg.dataset = resolveDatasetConfig(cfg.dataset, `${source} dataset '${dataset}'`);
  // the training settings are checked now, not on a cluster node hours later
  try {
    resolveTrainConfig({ ...cfg.train, mode: 'binary', seed: 0, outputDir: 'x', dataset: cfg.dataset }, `${source} train`);
  } catch (e) {
    fail(source, (e as Error).message);
  }
  return cfg;
}

/** What a group trains, without names and folders: the input of the group and run ids. */
function groupKey(cfg: StudyConfig): unknown {
  return { dataset: cfg.dataset, split: cfg.split, train: cfg.train, fisher: cfg.fisher, backend: cfg.backend ?? null };
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9=.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'data';
}

/**
 * Expand a grid into groups and numbered runs: every dataset × architecture × arm × seed at the
 * preset's settings, then each axis level one at a time (on `axesOn`'s datasets and arms).
 * Runs that train the same thing appear once.
 */
export function expandGrid(grid: SweepGrid, source: string): { groups: Record<string, SweepGroup>; runs: SweepRun[] } {
  const groups: Record<string, SweepGroup> = {};
  const runs: SweepRun[] = [];
  const seen = new Set<string>();
  const byKey = new Map<string, string>();
  const archs: (string | null)[] = grid.architectures ?? [null];
  const add = (dataset: string, arch: string | null, axis: SweepGroup['axis'], arms: string[]) => {
    const study = groupStudy(grid, dataset, arch, axis, source);
    const key = groupKey(study);
    const architecture = study.train.model!.family;
    const label = [dataset === 'synthetic' || !dataset.includes(':') ? dataset : dataset.split(':')[0], arch ? architecture : '', axis ? `${axis.id}=${axis.level}` : ''].filter(Boolean).join('/');
    // the same settings reached another way (an axis level equal to the preset's) are the same group
    const keyHash = shortHash(key, 8);
    const group = byKey.get(keyHash) ?? `${slug(label.replace(/\//g, '-'))}-${keyHash}`;
    byKey.set(keyHash, group);
    if (!groups[group]) {
      groups[group] = { dataset, architecture, axis, study: { ...study, seeds: [], runsDir: path.join('studies', group), reportDir: path.join('report', group) } };
    }
    for (const arm of arms) {
      for (const seed of grid.seeds) {
        const id = shortHash({ group: key, arm, seed }, 10);
        if (seen.has(id)) continue;
        seen.add(id);
        if (!groups[group].study.seeds.includes(seed)) groups[group].study.seeds.push(seed);
        runs.push({ index: runs.length, id, name: `${label}/${arm}/seed${seed}`, group, arm, mode: TRAINABLE_ARMS[arm], seed });
      }
    }
  };
  for (const dataset of grid.datasets) for (const arch of archs) add(dataset, arch, null, grid.arms);
  const on = { datasets: grid.axesOn?.datasets ?? grid.datasets, arms: grid.axesOn?.arms ?? grid.arms };
  for (const axis of SWEEP_AXES) {
    for (const level of grid[axis] ?? []) for (const dataset of on.datasets) for (const arch of archs) add(dataset, arch, { id: axis, level }, on.arms);
  }
  if (grid.design === 'protocol') {
    // a protocol group's study names the arms its runs train (an axis group: binary and BackSplit),
    // as `reproduce --full` names all of protocol.json's; binary and BackSplit alone need no list
    for (const [name, g] of Object.entries(groups)) {
      const arms = grid.arms.filter((a) => runs.some((r) => r.group === name && r.arm === a));
      const study: StudyConfig = { ...g.study };
      delete study.arms;
      g.study = arms.length === 2 && arms.every((a) => a === 'binary' || a === 'backsplit') ? study : { ...study, arms };
    }
  }
  return { groups, runs };
}

/**
 * The grid of the protocol's full reproduction, of design 'protocol' at the `full` preset: every
 * protocol dataset (EMIDEC when its folder is given), each group the protocol's own study of its
 * dataset — what `reproduce --full [--emidec <folder>]` trains (lib/study/config protocolStudies,
 * protocolEmidecStudy) —, every protocol arm the training code can train, the planned number of
 * seeds, and the protocol's axes one at a time on the mechanism dataset with the baseline and
 * confirmatory arms (descriptive: `collect` keeps them out of primary.json). What it must leave
 * out is returned as notes.
 * @throws Error naming the folder when `emidecFolder` holds no EMIDEC data
 */
export function protocolFullGrid(protocol: Protocol, emidecFolder?: string): { grid: SweepGrid; notes: string[] } {
  const notes: string[] = [];
  const datasets: string[] = [];
  for (const d of protocol.datasets) {
    if (d.id === 'emidec') {
      if (emidecFolder !== undefined) datasets.push(`emidec:${requireEmidecFolder(emidecFolder, '--emidec')}`);
      else notes.push("dataset 'emidec' left out: give its folder with --emidec <folder>");
    } else datasets.push(d.id);
  }
  const arms = protocol.arms.map((a) => a.id).filter((a) => a in TRAINABLE_ARMS);
  const untrainable = protocol.arms.map((a) => a.id).filter((a) => !(a in TRAINABLE_ARMS));
  if (untrainable.length) notes.push(`arms left out (the training code cannot train them yet): ${untrainable.join(', ')}`);
  const grid: SweepGrid = { preset: 'full', design: 'protocol', datasets, arms, seeds: Array.from({ length: protocol.seeds.planned }, (_, i) => i) };
  const axisDataset = protocol.datasets.find((d) => d.role === 'mechanism-positive')?.id;
  const axisArms = [protocol.baselineArm, protocol.confirmatoryArm].filter((a) => arms.includes(a));
  for (const f of protocol.axes.factors) {
    const axis = SWEEP_AXES.find((a) => a === f.id);
    if (axis && EXPRESSIBLE_AXES[axis]) grid[axis] = [...f.levels];
    else notes.push(`axis '${f.id}' left out: ${INEXPRESSIBLE_AXES[f.id] ?? 'unknown to the training code'}`);
  }
  if (SWEEP_AXES.some((a) => grid[a]) && axisDataset && datasets.includes(axisDataset)) grid.axesOn = { datasets: [axisDataset], arms: axisArms };
  return { grid, notes };
}

/** The plan of a grid with the protocol's identity. */
export function makePlan(grid: SweepGrid, source: string, notes: string[], protocolFile?: string): SweepPlan {
  const loaded = loadProtocol(protocolFile);
  const { groups, runs } = expandGrid(grid, source);
  return {
    format: 'backsplit-sweep',
    version: 1,
    protocol: { path: loaded.path, sha256: loaded.sha256, id: loaded.protocol.protocol, version: loaded.protocol.version, status: loaded.protocol.status },
    grid,
    source,
    notes,
    groups,
    runs,
  };
}

/** Read a sweep folder's plan. */
export function readPlan(sweepDir: string): SweepPlan {
  const file = path.join(sweepDir, SWEEP_FILE);
  let plan: SweepPlan;
  try {
    plan = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepPlan;
  } catch (e) {
    throw new Error(`${file}: cannot read the sweep plan (${(e as Error).message}); make one with 'backsplit sweep plan <grid.json> --out ${sweepDir}'`, { cause: e });
  }
  if (plan.format !== 'backsplit-sweep' || !Array.isArray(plan.runs) || !plan.groups) throw new Error(`${file}: not a sweep plan (format '${String(plan.format)}')`);
  return plan;
}

/** What writing a plan over an existing one kept, added and dropped (by run id). */
export interface PlanChange {
  kept: number;
  added: number;
  dropped: string[];
}

/** Write sweep.json into `sweepDir` (created), comparing with the plan already there. */
export function writePlan(sweepDir: string, plan: SweepPlan): PlanChange {
  fs.mkdirSync(sweepDir, { recursive: true });
  const file = path.join(sweepDir, SWEEP_FILE);
  const before = fs.existsSync(file) ? readPlan(sweepDir).runs : [];
  const now = new Set(plan.runs.map((r) => r.id));
  const old = new Set(before.map((r) => r.id));
  const change = { kept: plan.runs.filter((r) => old.has(r.id)).length, added: plan.runs.filter((r) => !old.has(r.id)).length, dropped: before.filter((r) => !now.has(r.id)).map((r) => `${r.id} ${r.name}`) };
  writeFileAtomic(file, JSON.stringify(plan, null, 2) + '\n');
  return change;
}

/** A group's study with its folders made absolute for the sweep folder. */
export function groupStudyConfig(plan: SweepPlan, sweepDir: string, group: string): StudyConfig {
  const g = plan.groups[group];
  if (!g) throw new Error(`sweep: the plan has no group '${group}'`);
  return { ...g.study, runsDir: path.resolve(sweepDir, g.study.runsDir), reportDir: path.resolve(sweepDir, g.study.reportDir) };
}

/** Folder of one run (as runStudy lays it out). */
export function runFolder(plan: SweepPlan, sweepDir: string, run: SweepRun): string {
  return studyRunConfig(groupStudyConfig(plan, sweepDir, run.group), run.mode, run.seed).outputDir;
}

/** The record a task keeps of a run it executes: tasks/<id>.json in the sweep folder. */
export interface TaskRecord {
  state: 'running' | 'done' | 'failed' | 'interrupted';
  host: string;
  pid: number;
  executor: 'local' | 'slurm';
  /** Slurm job and array task, when run by Slurm */
  job?: string;
  log: string;
  startedAt: string;
  endedAt?: string;
  error?: string;
}

/** Path of a run's task record. */
export function taskRecordFile(sweepDir: string, id: string): string {
  return path.join(sweepDir, 'tasks', `${id}.json`);
}

/** Write a run's task record (atomically). */
export function writeTaskRecord(sweepDir: string, id: string, record: TaskRecord): void {
  const file = taskRecordFile(sweepDir, id);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n');
}

function readTaskRecord(sweepDir: string, id: string): TaskRecord | null {
  try {
    return JSON.parse(fs.readFileSync(taskRecordFile(sweepDir, id), 'utf8')) as TaskRecord;
  } catch {
    return null;
  }
}

/** A run's state as its folders show it. */
export interface RunState {
  run: SweepRun;
  state: 'pending' | 'running' | 'done' | 'failed';
  /** newest periodic checkpoint's step (an interrupted run resumes there), null when none */
  checkpoint: number | null;
  record: TaskRecord | null;
  folder: string;
}

function newestCheckpoint(folder: string): number | null {
  try {
    const steps = fs.readdirSync(runPaths(folder).checkpoints).map(checkpointStep).filter((s): s is number => s !== null);
    return steps.length ? Math.max(...steps) : null;
  } catch {
    return null;
  }
}

/**
 * Each run's state from the sweep folder alone: done (trained, evaluated, Fisher measured), running
 * (a live task record; on another host it is believed), failed (the task's record says so), else
 * pending — an interrupted run is pending and resumes from its newest checkpoint.
 */
export function runStates(plan: SweepPlan, sweepDir: string): RunState[] {
  return plan.runs.map((run) => {
    const cfg = groupStudyConfig(plan, sweepDir, run.group);
    const folder = studyRunConfig(cfg, run.mode, run.seed).outputDir;
    const record = readTaskRecord(sweepDir, run.id);
    const checkpoint = newestCheckpoint(folder);
    if (studyRunComplete(cfg, run.mode, run.seed)) return { run, state: 'done', checkpoint, record, folder };
    if (record?.state === 'running' && (record.host !== os.hostname() || processAlive(record.pid))) return { run, state: 'running', checkpoint, record, folder };
    if (record?.state === 'failed') return { run, state: 'failed', checkpoint, record, folder };
    return { run, state: 'pending', checkpoint, record, folder };
  });
}

/** The last `lines` lines of a log file, indented, or '(no log)'. */
export function logTail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return `    (no log at ${file})`;
  }
}
