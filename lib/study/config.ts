/**
 * Configuration of the reproduction study (`npm run reproduce`): which data,
 * how many seeds, how long each arm trains, what the Fisher step measures.
 * One typed object with presets; binary and BackSplit runs share every setting
 * except the label mode.
 */
import type { DatasetConfig } from '../data/registry';
import { ARM_NAMES, ArmName, armDefinition } from '../train/arms';
import { DEFAULT_TRAIN_CONFIG, TrainConfig } from '../train/config';
import { loadProtocol } from './protocol';

export type StudyPreset = 'quick' | 'default' | 'full';

/** The protocol presets of `reproduce` (see {@link protocolStudies}). */
export type ProtocolPreset = 'quick' | 'default' | 'long' | 'full';

export interface StudyConfig {
  preset: StudyPreset | ProtocolPreset;
  /** Training seeds; each seed trains every arm. */
  seeds: number[];
  /**
   * The arms the study trains and evaluates, in order (lib/train/arms.ts; default
   * {@link DEFAULT_STUDY_ARMS}, binary and backsplit). Every list holds both of those: the report
   * compares each arm with binary and leads with backsplit. Run folders are `<arm>-seed<seed>`.
   */
  arms?: string[];
  /** Any kind of the lib/data dataset registry: embedded synthetic, Colin27 brain (mricron-data), manifest, MSD folder, case folders. */
  dataset: DatasetConfig;
  /**
   * Split of case ids (seeded, saved with the study). With `trainPerSeed`, validation and test
   * cases are fixed by `seed` and every other case forms the training pool, from which each
   * training seed draws its own `train` cases (issue #12: seeds as the unit); otherwise all seeds
   * train on the same `train` cases.
   */
  split: { seed: number; train: number; validation: number; test: number; trainPerSeed?: boolean };
  /**
   * The protocol's dataset id (protocol.json `datasets`) this study measures: when set, every run
   * also records the FROC candidates of its test cases on the protocol's p(lesion) rule
   * (`test-froc.json`) and its secondary endpoints at the threshold tuned on its validation cases
   * (`secondary.json`), and the results carry the primary and secondary endpoints
   * (lib/study/primary.ts, lib/study/secondary.ts).
   */
  protocolDataset?: string;
  /** Settings shared by every arm (mode, seed, dataset and output dir are set per run). */
  train: Partial<TrainConfig>;
  /** Monte-Carlo Fisher at the end of training: patches from test cases and label samples per patch. */
  fisher: { patches: number; samples: number };
  /** Runs folder (resumable) and report folder. */
  runsDir: string;
  reportDir: string;
  /** tfjs backend override (else automatic selection). */
  backend?: string;
}

/** The arms of a study that names none: the baseline and the confirmatory arm. */
export const DEFAULT_STUDY_ARMS: readonly ArmName[] = ['binary', 'backsplit'];

/**
 * The arms of a study, validated: `cfg.arms` (default {@link DEFAULT_STUDY_ARMS}), each an arm of
 * lib/train/arms.ts, none twice, binary and backsplit among them.
 * @throws RangeError naming the field 'arms' and listing the arms
 * @example studyArms({ arms: ['binary', 'backsplit', 'binary-wide'] }) // ['binary', 'backsplit', 'binary-wide']
 */
export function studyArms(cfg: Pick<StudyConfig, 'arms'>): ArmName[] {
  const arms = cfg.arms ?? DEFAULT_STUDY_ARMS;
  const known = ARM_NAMES.map((a) => `'${a}'`).join(', ');
  if (!Array.isArray(arms) || arms.length === 0) throw new RangeError(`study: 'arms' must be a non-empty list of arms (${known}), got ${JSON.stringify(arms)}`);
  arms.forEach((a, i) => armDefinition(a, `arms[${i}]`));
  const twice = arms.filter((a, i) => arms.indexOf(a) !== i);
  if (twice.length) throw new RangeError(`study: 'arms' lists ${twice.map((a) => `'${a}'`).join(', ')} twice: ${JSON.stringify(arms)}`);
  const missing = DEFAULT_STUDY_ARMS.filter((a) => !arms.includes(a));
  if (missing.length) {
    throw new RangeError(`study: 'arms' must include ${missing.map((a) => `'${a}'`).join(' and ')} (the report compares every arm with binary and leads with backsplit), got ${JSON.stringify(arms)}; the arms are ${known}`);
  }
  return [...arms] as ArmName[];
}

const BASE_TRAIN: Partial<TrainConfig> = {
  model: { ...DEFAULT_TRAIN_CONFIG.model, family: 'unet', channels: [16, 32, 64] },
  patchSize: [64, 64],
  batchSize: 4,
  validation: { cases: 0, every: 0, overlap: 0.5 },
  checkpointEvery: 50,
  keepCheckpoints: 1,
  logEvery: 10,
};

/**
 * Preset settings. `default` must finish in ≤ 10 minutes on a 2-core CPU machine,
 * `quick` in ≤ 2 minutes; `full` is meant for a GPU or a long CPU run.
 */
export function studyPreset(preset: StudyPreset): StudyConfig {
  const common = { runsDir: 'runs/study', reportDir: 'report', fisher: { patches: 4, samples: 1 } };
  switch (preset) {
    case 'quick':
      return {
        ...common,
        runsDir: 'runs/study-quick',
        reportDir: 'report-quick',
        preset,
        seeds: [0],
        dataset: { kind: 'synthetic', cases: 12, seed: 0 },
        split: { seed: 0, train: 8, validation: 0, test: 4 },
        train: { ...BASE_TRAIN, model: { ...DEFAULT_TRAIN_CONFIG.model, channels: [8, 16, 32] }, steps: 60 },
        fisher: { patches: 2, samples: 1 },
      };
    case 'full':
      return {
        ...common,
        runsDir: 'runs/study-full',
        reportDir: 'report-full',
        preset,
        seeds: [0, 1, 2, 3, 4],
        dataset: { kind: 'synthetic', cases: 48, seed: 0 },
        split: { seed: 0, train: 32, validation: 4, test: 12 },
        train: { ...BASE_TRAIN, model: { ...DEFAULT_TRAIN_CONFIG.model, channels: [16, 32, 64, 128] }, steps: 2000, validation: { cases: 0, every: 0, overlap: 0.5 } },
        fisher: { patches: 8, samples: 4 },
      };
    default:
      return {
        ...common,
        preset: 'default',
        seeds: [0, 1, 2],
        dataset: { kind: 'synthetic', cases: 24, seed: 0 },
        split: { seed: 0, train: 16, validation: 0, test: 8 },
        train: { ...BASE_TRAIN, steps: 250 },
      };
  }
}

/** The protocol's synthetic datasets that the protocol presets run, with their generator condition. */
export const PROTOCOL_SYNTHETIC_DATASETS = [
  { id: 'synthetic-mechanism', condition: 'mechanism-positive' },
  { id: 'synthetic-null', condition: 'null' },
] as const;

/**
 * The protocol's continuity dataset (protocol.json `synthetic-current`): the embedded generator's
 * own condition, which the `full` preset runs besides the two above.
 */
const PROTOCOL_CURRENT_DATASET = { id: 'synthetic-current', condition: 'current' } as const;

/** Every synthetic dataset of the protocol, by protocol dataset id. */
const PROTOCOL_SYNTHETIC_BY_ID: ReadonlyMap<string, (typeof PROTOCOL_SYNTHETIC_DATASETS)[number] | typeof PROTOCOL_CURRENT_DATASET> = new Map(
  [...PROTOCOL_SYNTHETIC_DATASETS, PROTOCOL_CURRENT_DATASET].map((d) => [d.id, d]),
);

/**
 * Steps per run of the `long` and `full` protocol presets when protocol.json's `stopping.maxSteps`
 * is null (the presets read the frozen protocol's budget first). Version 2 of the protocol
 * (2026-12-04, docs/protocol.md "Version 2") fixes 6000 steps at the learning rate 2e-3, chosen by
 * budget pilots with their rule written before each ran (data-scripts/protocol-pilot.ts, pilot
 * seeds 100 and 101 outside every study's seeds, validation learning curves only): at 1500 steps
 * (version 1's budget) every arm was still rising in both 12-seed `--long` runs; 1e-2 at 1500 and
 * 2e-3 at 3000 steps left binary rising on the mechanism set; at 2e-3 and 6000 steps the mean
 * validation lesion Dice of every (set, arm) pair rose by at most 0.02 from step 4000 to 6000
 * (mechanism binary +0.006, BackSplit −0.009; null binary +0.008, BackSplit +0.016).
 */
export const PROTOCOL_LONG_STEPS = 6000;

/**
 * Adam learning rate of the `default` preset on the protocol's synthetic sets (the other presets
 * train at the base 2e-3). Chosen by the default-preset pilot of docs/protocol.md (amendment
 * 2026-12-03b, rule written before it ran; data-scripts/protocol-pilot.ts, pilot seeds 100 and 101,
 * validation curves only). At 2e-3 BackSplit had not started to segment lesions after 250 steps in
 * 2 of 3 seeds on each set. Mean final validation lesion Dice (mechanism binary / BackSplit, null
 * binary / BackSplit): 5e-3 0.381 / 0.315, 0.419 / 0.429; 1e-2 0.382 / 0.352, 0.412 / 0.391 (every
 * pilot run started). A U-Net 8/16/32 at 500 steps and 5e-3 was not eligible: one BackSplit run
 * stayed at 0.000 for all 500 steps.
 */
export const DEFAULT_PRESET_LEARNING_RATE = 1e-2;

/** What a protocol preset fixes for every dataset's study: seeds, arms, budget, folders. */
interface ProtocolPresetSettings {
  seeds: number[];
  /** every arm of protocol.json (the `full` preset), else undefined: binary and BackSplit */
  arms?: string[];
  steps: number;
  validateEvery: number;
  /** '' for `default`, else `-<preset>` (runs/protocol<suffix>/, report-protocol<suffix>/) */
  suffix: string;
}

function protocolPresetSettings(preset: ProtocolPreset): ProtocolPresetSettings {
  const quick = preset === 'quick';
  const planned = preset === 'long' || preset === 'full';
  const protocol = planned ? loadProtocol().protocol : null;
  return {
    seeds: protocol ? Array.from({ length: protocol.seeds.planned }, (_, i) => i) : quick ? [0, 1] : [0, 1, 2],
    ...(preset === 'full' && protocol ? { arms: studyArms({ arms: protocol.arms.map((a) => a.id) }) } : {}),
    // the planned presets train the frozen protocol's stopping rule (a fixed budget, validated every 200 since version 2)
    steps: quick ? 20 : protocol ? (protocol.stopping.maxSteps ?? PROTOCOL_LONG_STEPS) : 250,
    validateEvery: quick ? 10 : protocol ? (protocol.stopping.validateEvery ?? 200) : 50,
    suffix: preset === 'default' ? '' : `-${preset}`,
  };
}

/**
 * The study of one synthetic protocol dataset at a protocol preset (what {@link protocolStudies}
 * runs for it): each seed draws its own training cases from a pool of 52, 8 validation cases, a
 * fixed test set of 100 cases, the preset's seeds, arms and budget; null for an id that is not a
 * synthetic dataset of the protocol. A sweep's protocol plan (lib/study/sweep-plan) builds its
 * groups from it, so they train what `reproduce` trains.
 * @example protocolSyntheticStudy('full', 'synthetic-null')!.runsDir // 'runs/protocol-full/synthetic-null'
 */
export function protocolSyntheticStudy(preset: ProtocolPreset, id: string): StudyConfig | null {
  const d = PROTOCOL_SYNTHETIC_BY_ID.get(id);
  if (!d) return null;
  const quick = preset === 'quick';
  const s = protocolPresetSettings(preset);
  return {
    preset,
    seeds: s.seeds,
    ...(s.arms ? { arms: s.arms } : {}),
    dataset: { kind: 'synthetic', condition: d.condition, cases: quick ? 24 : 160, seed: 0 },
    split: quick ? { seed: 0, train: 6, validation: 2, test: 12, trainPerSeed: true } : { seed: 0, train: 16, validation: 8, test: 100, trainPerSeed: true },
    protocolDataset: d.id,
    train: {
      ...BASE_TRAIN,
      ...(quick ? { model: { ...DEFAULT_TRAIN_CONFIG.model, channels: [8, 16, 32] } } : {}),
      ...(preset === 'default' ? { learningRate: DEFAULT_PRESET_LEARNING_RATE } : {}),
      steps: s.steps,
      validation: { cases: 0, every: s.validateEvery, overlap: 0.5 },
    },
    fisher: { patches: quick ? 1 : 2, samples: 1 },
    runsDir: `runs/protocol${s.suffix}/${d.id}`,
    reportDir: `report-protocol${s.suffix}/${d.id}`,
  };
}

/**
 * The protocol presets (`reproduce`, docs/protocol.md): one study per protocol dataset, each seed
 * drawing its own training cases from a pool of 52, 8 validation cases (the learning curves),
 * a fixed test set of 100 cases shared by seeds and arms, and the primary endpoint (small-lesion
 * FROC pAUC) per dataset. Cases pair up across conditions (same ids).
 * - `quick`: mechanism-positive and null, binary vs BackSplit, 2 seeds × 6 cases, 12 test cases,
 *   20 steps (a smoke run of the machinery, not evidence).
 * - `default` (`npm run reproduce`, ≤ 10 minutes on 2 CPU cores): mechanism-positive and null,
 *   binary vs BackSplit, 3 seeds, 250 steps at the learning rate {@link DEFAULT_PRESET_LEARNING_RATE}
 *   (the default-preset pilot's choice, so that BackSplit starts to segment lesions inside the
 *   budget). Not the frozen recipe: the effects are what 10 minutes of that recipe give, the
 *   conclusions' convergence check applies unchanged, and `long` is the protocol's run.
 * - `long` (`reproduce --long`): the same two datasets and arms, the protocol's planned
 *   seeds (12) and the frozen budget (protocol.json `stopping`, {@link PROTOCOL_LONG_STEPS} steps since
 *   version 2): the run that can conclude (about 8 hours on 2 quiet cores: a cluster job).
 * - `full` (`reproduce --full`, for the cluster): every arm of protocol.json, the planned seeds and
 *   all three synthetic datasets (mechanism-positive, null, current) at the `long` budget.
 * EMIDEC, the protocol's real dataset, needs its folder: {@link protocolEmidecStudy}.
 * @example protocolStudies('full').map((s) => s.protocolDataset) // ['synthetic-mechanism', 'synthetic-null', 'synthetic-current']
 */
export function protocolStudies(preset: ProtocolPreset): StudyConfig[] {
  const datasets = preset === 'full' ? [...PROTOCOL_SYNTHETIC_DATASETS, PROTOCOL_CURRENT_DATASET] : PROTOCOL_SYNTHETIC_DATASETS;
  return datasets.map((d) => protocolSyntheticStudy(preset, d.id)!);
}

/**
 * EMIDEC's split of its 80 labelled patients (train / validation / test, split seed 0): the EMIDEC
 * study's, frozen for the protocol (docs/protocol.md, "The freeze").
 */
const EMIDEC_SPLIT = { seed: 0, train: 48, validation: 8, test: 24 } as const;

/**
 * The protocol's study of EMIDEC (protocol dataset `emidec`, a case is a patient) at a protocol
 * preset: {@link emidecStudy}'s network (U-Net 8/16/32/64), whole 128×128 centre crops as patches
 * and batch 4, on the split frozen for the protocol: split seed 0, 48 training / 8 validation /
 * 24 test patients — the EMIDEC study's own split (the same three sets). The preset fixes what it
 * fixes for the synthetic sets ({@link protocolStudies}): `long` and `full` train the planned
 * seeds (12) at protocol.json's frozen budget, `full` every arm of protocol.json; `quick` and
 * `default` are the same smoke run and 250-step budget as on the synthetic sets, not evidence (at
 * the EMIDEC study's own learning rate: the default-preset pilot ran on the synthetic sets only).
 *
 * Each seed draws its training patients from the training pool (`trainPerSeed`), as on the
 * synthetic sets. The pool holds exactly the 48 training patients, so every seed trains on the
 * same 48 patients; what a seed varies on EMIDEC is its initialisation and its sample order (and
 * a placebo arm's Voronoi cells), not the training set.
 * Runs in `runs/protocol-<preset>/emidec`, report in `report-protocol-<preset>/emidec`
 * (`runs/protocol/emidec` for `default`), beside the synthetic sets' studies.
 * @param folder raw EMIDEC layout (PNG slices or NIfTI cases) or a folder from `backsplit import emidec`
 * @example protocolEmidecStudy('full', '../shared/data/emidec-lge').seeds.length // 12
 */
export function protocolEmidecStudy(preset: ProtocolPreset, folder: string): StudyConfig {
  const s = protocolPresetSettings(preset);
  const emidec = emidecStudy('default', folder);
  return {
    preset,
    seeds: s.seeds,
    ...(s.arms ? { arms: s.arms } : {}),
    dataset: emidec.dataset,
    split: { ...EMIDEC_SPLIT, trainPerSeed: true },
    protocolDataset: 'emidec',
    train: { ...emidec.train, steps: s.steps, validation: { cases: 0, every: s.validateEvery, overlap: 0.5 } },
    fisher: { patches: preset === 'quick' ? 1 : 2, samples: 1 },
    runsDir: `runs/protocol${s.suffix}/emidec`,
    reportDir: `report-protocol${s.suffix}/emidec`,
  };
}

/** What {@link smallStudy} changes in a preset: folders, seeds, data, split, steps, width, Fisher sampling. */
export interface SmallStudyOptions {
  runsDir: string;
  reportDir?: string;
  seeds?: number[];
  dataset: DatasetConfig;
  split: StudyConfig['split'];
  /** Training steps per run. */
  steps: number;
  /** U-Net channels per level (default: the preset's). */
  channels?: number[];
  fisher?: StudyConfig['fisher'];
}

/**
 * A shrunk copy of a study config for a notebook's small mode or a demonstration: the given
 * folders, dataset, split and steps replace the preset's; seeds, channels and Fisher sampling
 * only when given. Every other setting is the preset's.
 * @example smallStudy(studyPreset('quick'), { runsDir: 'build/runs', dataset: { kind: 'synthetic', cases: 10, seed: 0 }, split: { seed: 0, train: 6, validation: 0, test: 4 }, steps: 30 })
 */
export function smallStudy(base: StudyConfig, o: SmallStudyOptions): StudyConfig {
  const train: Partial<TrainConfig> = { ...base.train, ...(o.channels ? { model: { ...base.train.model!, channels: o.channels } } : {}), steps: o.steps };
  return {
    ...base,
    runsDir: o.runsDir,
    ...(o.reportDir !== undefined ? { reportDir: o.reportDir } : {}),
    ...(o.seeds ? { seeds: o.seeds } : {}),
    dataset: o.dataset,
    split: o.split,
    train,
    ...(o.fisher ? { fisher: o.fisher } : {}),
  };
}

/**
 * The study on EMIDEC cardiac LGE-MRI (real patients, expert labels of cavity and myocardium
 * as the background split; lesion = infarct ∪ no-reflow). Every slice is cut to its centre
 * 128×128 pixels (the heart; docs/emidec.md) and a 2D U-Net trains on whole cropped slices.
 * Case-level split of the 80 cases: 48 train, 8 validation (lesion Dice every 100 steps), 24 test.
 * `default` (3 seeds × 2 arms × 1500 steps) is sized for ≤ 45 minutes on 2 CPU cores in throughput
 * mode (two single-threaded runs side by side, lib/study/pool.ts). 1500 steps: in a 2000-step pilot
 * (seed 0, both arms) the validation lesion Dice of BackSplit flattened from step ~800 and binary's
 * moved within ±0.03 after step ~800; at 700 steps (the first preset) BackSplit seed 0 had not yet
 * started to segment the infarct.
 * `quick` (1 seed, 40 steps, the same split) for ≤ 5 minutes; `full` trains 5 seeds × 4000 steps.
 * @param folder raw EMIDEC layout (PNG slices or NIfTI cases) or a folder from `backsplit import emidec`
 */
export function emidecStudy(preset: StudyPreset, folder: string): StudyConfig {
  const base = studyPreset(preset);
  const model = { ...DEFAULT_TRAIN_CONFIG.model, family: 'unet' as const, channels: [8, 16, 32, 64] };
  const train: Partial<TrainConfig> = {
    ...BASE_TRAIN,
    model,
    patchSize: [128, 128],
    batchSize: 4,
    validation: { cases: 0, every: 100, overlap: 0.5 },
    checkpointEvery: 100,
  };
  const suffix = preset === 'default' ? '' : `-${preset}`;
  const common = { ...base, runsDir: `runs/study-emidec${suffix}`, reportDir: `report-emidec${suffix}`, dataset: { kind: 'emidec' as const, path: folder, crop: [128, 128] as [number, number] } };
  switch (preset) {
    case 'quick':
      return { ...common, seeds: [0], split: { ...EMIDEC_SPLIT }, train: { ...train, steps: 40, validation: { cases: 0, every: 20, overlap: 0.5 } }, fisher: { patches: 2, samples: 1 } };
    case 'full':
      return { ...common, seeds: [0, 1, 2, 3, 4], split: { ...EMIDEC_SPLIT }, train: { ...train, steps: 4000, validation: { cases: 0, every: 250, overlap: 0.5 } }, fisher: { patches: 8, samples: 4 } };
    default:
      return { ...common, seeds: [0, 1, 2], split: { ...EMIDEC_SPLIT }, train: { ...train, steps: 1500 }, fisher: { patches: 4, samples: 1 } };
  }
}
