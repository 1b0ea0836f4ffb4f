/**
 * Dataset kind 'colin': the semi-synthetic Colin27 brain set (lib/data/colin.ts;
 * needs Debian's mricron-data). Config: {kind: 'colin', cases = 16, seed = 0}.
 */
import { generateColinDataset } from '../colin';
import { hashCases } from '../synthetic';
import { DatasetKind } from './kind';

type ColinDatasetConfig = {
  kind: 'colin';
  cases: number;
  seed: number;
};

export const colinKind: DatasetKind<ColinDatasetConfig> = {
  name: 'colin',
  fields: "{kind: 'colin', cases, seed}",
  resolve(f) {
    const config: ColinDatasetConfig = { kind: 'colin', cases: f.int('cases', 1, 16), seed: f.int('seed', 0, 0) };
    f.only(['kind', 'cases', 'seed']);
    return config;
  },
  load(config) {
    const cases = generateColinDataset({ seed: config.seed, cases: config.cases });
    return { cases, info: { kind: 'colin', seed: config.seed, cases: cases.length, sha256: hashCases(cases) } };
  },
  describe: (config) => `semi-synthetic Colin27 brain (mricron-data) (${config.cases} cases, seed ${config.seed})`,
};
