/**
 * Dataset kind 'manifest': a JSON manifest listing each case's files
 * (lib/data/manifest.ts). Config: {kind: 'manifest', path}; a relative path is
 * relative to the config file's folder.
 */
import * as path from 'path';
import { loadManifest } from '../manifest';
import { DatasetKind } from './kind';

type ManifestDatasetConfig = {
  kind: 'manifest';
  path: string;
};

export const manifestKind: DatasetKind<ManifestDatasetConfig> = {
  name: 'manifest',
  fields: "{kind: 'manifest', path}",
  resolve(f) {
    f.text('path', 'a manifest file path');
    f.only(['kind', 'path']);
    return { ...f.raw } as unknown as ManifestDatasetConfig; // as given (field order kept, as in earlier run folders)
  },
  load(config, baseDir) {
    const file = path.resolve(baseDir, config.path);
    const cases = loadManifest(file).loadAll();
    return { cases, info: { kind: 'manifest', path: file, cases: cases.length } };
  },
  describe: (config) => config.path,
};
