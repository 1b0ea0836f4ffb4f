/**
 * Dataset kind 'synthetic': the embedded synthetic dataset, generated from its
 * seed (lib/data/synthetic.ts). Config: {kind: 'synthetic', cases = 24, seed = 0}.
 */
import { generateSyntheticDataset, hashCases, SYNTHETIC_DEFAULTS } from '../synthetic';
import { DatasetKind } from './kind';

type SyntheticDatasetConfig = {
  kind: 'synthetic';
  cases: number;
  seed: number;
};

export const syntheticKind: DatasetKind<SyntheticDatasetConfig> = {
  name: 'synthetic',
  fields: "{kind: 'synthetic', cases, seed}",
  resolve(f) {
    const config: SyntheticDatasetConfig = { kind: 'synthetic', cases: f.int('cases', 1, 24), seed: f.int('seed', 0, 0) };
    f.only(['kind', 'cases', 'seed']);
    return config;
  },
  load(config) {
    const cases = generateSyntheticDataset({ seed: config.seed, cases: config.cases });
    return { cases, info: { kind: 'synthetic', seed: config.seed, cases: cases.length, sha256: hashCases(cases) } };
  },
  describe: (config) => `embedded synthetic (${config.cases} cases, seed ${config.seed})`,
  voxels: (config) => config.cases * SYNTHETIC_DEFAULTS.size[0] * SYNTHETIC_DEFAULTS.size[1] * SYNTHETIC_DEFAULTS.size[2],
};
