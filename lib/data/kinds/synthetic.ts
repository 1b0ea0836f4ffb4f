/**
 * Dataset kind 'synthetic': the embedded synthetic dataset, generated from its
 * seed (lib/data/synthetic.ts), optionally under one of the synthetic conditions
 * (lib/data/synthetic-conditions.ts, docs/dataset-conditions.md).
 * Config: {kind: 'synthetic', cases = 24, seed = 0, condition?, mimicDensity?, hostSeparability?, noise?}.
 * Without `condition` the resolved config, the cases and the provenance are exactly today's;
 * with a new condition the resolved config holds every knob (defaults filled) for run metadata.
 */
import { CONDITION_DEFAULTS, conditionOptionsProblem, generateConditionDataset, resolveCondition, SyntheticCondition } from '../synthetic-conditions';
import { hashCases, SYNTHETIC_DEFAULTS } from '../synthetic';
import { DatasetConfigError, DatasetKind } from './kind';

type SyntheticDatasetConfig = {
  kind: 'synthetic';
  cases: number;
  seed: number;
  /** Absent: today's dataset (as 'current'). */
  condition?: SyntheticCondition;
  mimicDensity?: number;
  hostSeparability?: number;
  noise?: number;
};

const FIELDS = ['kind', 'cases', 'seed', 'condition', 'mimicDensity', 'hostSeparability', 'noise'];

/** The condition and knobs of a config, as given (no kind, cases or seed). */
function conditionPart(config: SyntheticDatasetConfig) {
  const { condition, mimicDensity, hostSeparability, noise } = config;
  return { condition, mimicDensity, hostSeparability, noise };
}

/** "condition 'null' (hostSeparability 0, noise 0.04)" for a new condition, '' otherwise. */
function conditionPhrase(config: SyntheticDatasetConfig): string {
  const c = resolveCondition(conditionPart(config), 'dataset');
  if (!c) return '';
  const knobs = CONDITION_DEFAULTS.knobsOf[c.condition].map((k) => `${k} ${c[k]}`);
  return `, condition '${c.condition}' (${knobs.join(', ')})`;
}

export const syntheticKind: DatasetKind<SyntheticDatasetConfig> = {
  name: 'synthetic',
  fields: "{kind: 'synthetic', cases, seed, condition?, mimicDensity?, hostSeparability?, noise?}",
  resolve(f) {
    const config: SyntheticDatasetConfig = { kind: 'synthetic', cases: f.int('cases', 1, 24), seed: f.int('seed', 0, 0) };
    f.only(FIELDS);
    const why = conditionOptionsProblem(f.raw, f.prefix);
    if (why) throw new DatasetConfigError(why);
    if (f.has('condition')) config.condition = f.raw.condition as SyntheticCondition;
    const c = resolveCondition(f.raw, f.prefix);
    if (c) for (const k of CONDITION_DEFAULTS.knobsOf[c.condition]) config[k] = c[k];
    return config;
  },
  load(config) {
    const cases = generateConditionDataset({ seed: config.seed, cases: config.cases, ...conditionPart(config) });
    const info: Record<string, unknown> = { kind: 'synthetic', seed: config.seed, cases: cases.length, sha256: hashCases(cases) };
    if (config.condition !== undefined) Object.assign(info, Object.fromEntries(Object.entries(conditionPart(config)).filter(([, v]) => v !== undefined)));
    return { cases, info };
  },
  describe: (config) => `embedded synthetic${conditionPhrase(config)} (${config.cases} cases, seed ${config.seed})`,
  voxels: (config) => config.cases * SYNTHETIC_DEFAULTS.size[0] * SYNTHETIC_DEFAULTS.size[1] * SYNTHETIC_DEFAULTS.size[2],
};
