/**
 * Dataset kind 'folder': one sub-folder per case with the same file names in
 * each (lib/data/folder.ts). Config: {kind: 'folder', path, channels, lesion,
 * lesionValues?, aux?, auxGroups? | auxNames?, tissue?, cases?} — channel and
 * label file stems (`<stem>.nii.gz` or `.nii`), auxiliary label file stems with
 * a grouping spec or fixed class names, tissue classes from one channel, and
 * optionally the case folders to use. Relative paths are relative to the config
 * file's folder.
 */
import * as path from 'path';
import { FolderDatasetOptions, loadFolderDataset } from '../folder';
import { ConfigFields, DatasetKind, resolveSpecRef } from './kind';

/** The loader's options without its runtime-only fields, plus the kind and the folder. */
type FolderDatasetConfig = { kind: 'folder'; path: string } & Omit<FolderDatasetOptions, 'name' | 'cacheSize'>;

/** The optional fields, in config order. */
function optionalFields(f: ConfigFields, config: FolderDatasetConfig): void {
  if (f.has('lesionValues')) config.lesionValues = f.labelValues('lesionValues');
  if (f.has('aux')) config.aux = f.names('aux', 'a list of auxiliary label file stems');
  if (f.has('auxGroups')) config.auxGroups = f.text('auxGroups', 'a grouping spec (built-in name or file)');
  if (f.has('auxNames')) config.auxNames = f.names('auxNames', 'a list of auxiliary class names (ids 1..K)');
  if (config.auxGroups && config.auxNames) f.fail('auxNames', 'absent when auxGroups is given (give one of them)', config.auxNames);
  if (config.aux && !config.auxGroups && !config.auxNames) f.fail('auxGroups', 'a grouping spec (or give auxNames) for the aux files', undefined);
  if (f.has('tissue')) config.tissue = f.tissue('tissue');
  if (f.has('cases')) config.cases = f.names('cases', 'a list of case folder names');
}

export const folderKind: DatasetKind<FolderDatasetConfig> = {
  name: 'folder',
  fields: "{kind: 'folder', path, channels, lesion, lesionValues?, aux?, auxGroups?, auxNames?, tissue?, cases?}",
  resolve(f) {
    const config: FolderDatasetConfig = {
      kind: 'folder',
      path: f.text('path', 'a folder of case folders'),
      channels: f.names('channels', 'a non-empty list of channel file stems'),
      lesion: f.text('lesion', 'the lesion file stem'),
    };
    optionalFields(f, config);
    f.only(['kind', 'path', 'channels', 'lesion', 'lesionValues', 'aux', 'auxGroups', 'auxNames', 'tissue', 'cases']);
    return config;
  },
  load(config, baseDir) {
    const root = path.resolve(baseDir, config.path);
    const { kind: _kind, path: _path, ...rest } = config;
    const options: FolderDatasetOptions = { ...rest };
    if (config.auxGroups) options.auxGroups = resolveSpecRef(config.auxGroups, baseDir);
    const ds = loadFolderDataset(root, options);
    const cases = ds.loadAll();
    return { cases, info: { kind: 'folder', path: root, name: ds.name, cases: cases.length, channels: ds.channelNames, auxNames: ds.auxNames } };
  },
  describe: (config) => `case folders ${config.path} (${config.channels.join(', ')}; lesion ${config.lesion})`,
};
