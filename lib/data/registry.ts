/**
 * The dataset registry: every dataset format a config can name by `kind`
 * (synthetic, colin, manifest, msd, folder, emidec), each defined in one file under
 * lib/data/kinds/ that adapts a loader of lib/data. Training, the study and the
 * CLI reach data only through here: `resolveDatasetConfig` checks a config's
 * `dataset` object, `loadDataset` returns its cases and provenance.
 *
 * Adding a format: write lib/data/kinds/<kind>.ts exporting a DatasetKind
 * (see kinds/kind.ts) and add it to KINDS below.
 */
import { colinKind } from './kinds/colin';
import { emidecKind } from './kinds/emidec';
import { folderKind } from './kinds/folder';
import { configFields, DatasetConfigError, DatasetKind, LoadedDataset } from './kinds/kind';
import { manifestKind } from './kinds/manifest';
import { msdKind } from './kinds/msd';
import { syntheticKind } from './kinds/synthetic';

const KINDS = [syntheticKind, colinKind, manifestKind, msdKind, folderKind, emidecKind] as const;

type ConfigOf<K> = K extends DatasetKind<infer C> ? C : never;

/** Where the cases come from: one config type per registered kind. */
export type DatasetConfig = ConfigOf<(typeof KINDS)[number]>;

/** The registered kind names, in registry order. */
export function datasetKindNames(): string[] {
  return KINDS.map((k) => k.name);
}

function kindOf(name: unknown, prefix: string): DatasetKind<DatasetConfig> {
  const kind = KINDS.find((k) => k.name === name);
  if (!kind) {
    throw new DatasetConfigError(`'${prefix}.kind' must be one of ${datasetKindNames().map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(name)}`);
  }
  return kind as DatasetKind<DatasetConfig>;
}

/**
 * Check a dataset config object and fill its kind's defaults.
 * @param raw e.g. a parsed config file's `dataset`
 * @param prefix field name used in error messages (default 'dataset')
 * @throws DatasetConfigError naming the field, e.g. `'dataset.cases' must be a positive integer, got 0`;
 *   an unknown kind lists the known kinds
 */
export function resolveDatasetConfig(raw: unknown, prefix = 'dataset'): DatasetConfig {
  const expected = `an object {kind, ...}: ${KINDS.map((k) => k.fields).join(' or ')}`;
  const f = configFields(raw, prefix, expected);
  return kindOf(f.raw.kind, prefix).resolve(f);
}

/**
 * Load every case of a (resolved) dataset config, with provenance for run metadata.
 * @param baseDir folder that relative paths in the config are relative to (default cwd)
 * @example
 * const { cases, info } = loadDataset({ kind: 'msd', path: 'Task03_Liver', lesionLabels: [2] });
 */
export function loadDataset(config: DatasetConfig, baseDir = process.cwd()): LoadedDataset {
  return kindOf(config.kind, 'dataset').load(config, baseDir);
}

/** A short phrase naming a dataset config's data, for reports. */
export function describeDataset(config: DatasetConfig): string {
  return kindOf(config.kind, 'dataset').describe(config);
}

/** Voxels of all cases of a (resolved) dataset config when its kind knows them before loading, else null. */
export function datasetVoxelEstimate(config: DatasetConfig): number | null {
  const kind = kindOf(config.kind, 'dataset');
  return kind.voxels ? kind.voxels(config) : null;
}
