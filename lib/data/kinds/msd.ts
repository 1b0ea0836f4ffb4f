/**
 * Dataset kind 'msd': a Medical Segmentation Decathlon task folder
 * (dataset.json, imagesTr/, labelsTr/; lib/data/msd.ts). Config:
 * {kind: 'msd', path, lesionLabels, auxLabels?, extraAux?: {dir, groups}, tissue?}
 * — the label value(s) that are the lesion, which other labels stay auxiliary
 * classes ('rest' by default), extra auxiliary maps `<dir>/<case>.nii.gz` with a
 * grouping spec, tissue classes from one modality. Relative paths are relative
 * to the config file's folder.
 */
import * as path from 'path';
import type { TissueAuxConfig } from '../case-files';
import { loadMsdDataset, MsdOptions } from '../msd';
import { ConfigFields, DatasetKind, resolveSpecRef } from './kind';

type MsdDatasetConfig = {
  kind: 'msd';
  path: string;
  lesionLabels: number[];
  auxLabels?: number[] | 'rest';
  extraAux?: { dir: string; groups: string };
  tissue?: TissueAuxConfig;
};

function extraAux(f: ConfigFields): { dir: string; groups: string } {
  const e = f.raw.extraAux as Record<string, unknown> | undefined;
  if (!e || typeof e !== 'object' || Array.isArray(e)) return f.fail('extraAux', '{dir, groups}: a folder of <case>.nii.gz maps and a grouping spec', e);
  const g = new ConfigFields(e, `${f.prefix}.extraAux`);
  g.only(['dir', 'groups']);
  return { dir: g.text('dir', 'a folder of <case>.nii.gz auxiliary maps'), groups: g.text('groups', 'a grouping spec (built-in name or file)') };
}

export const msdKind: DatasetKind<MsdDatasetConfig> = {
  name: 'msd',
  fields: "{kind: 'msd', path, lesionLabels, auxLabels?, extraAux?, tissue?}",
  resolve(f) {
    const config: MsdDatasetConfig = { kind: 'msd', path: f.text('path', 'an MSD task folder (holding dataset.json)'), lesionLabels: f.labelValues('lesionLabels') };
    if (f.has('auxLabels')) config.auxLabels = f.raw.auxLabels === 'rest' ? 'rest' : f.labelValues('auxLabels');
    if (f.has('extraAux')) config.extraAux = extraAux(f);
    if (f.has('tissue')) config.tissue = f.tissue('tissue');
    f.only(['kind', 'path', 'lesionLabels', 'auxLabels', 'extraAux', 'tissue']);
    return config;
  },
  load(config, baseDir) {
    const dir = path.resolve(baseDir, config.path);
    const options: MsdOptions = { lesionLabels: config.lesionLabels, auxLabels: config.auxLabels, tissue: config.tissue };
    if (config.extraAux) options.extraAux = { dir: path.resolve(baseDir, config.extraAux.dir), groups: resolveSpecRef(config.extraAux.groups, baseDir) };
    const ds = loadMsdDataset(dir, options);
    const cases = ds.loadAll();
    return { cases, info: { kind: 'msd', path: dir, name: ds.name, cases: cases.length, lesionLabels: config.lesionLabels, auxNames: ds.auxNames } };
  },
  describe: (config) => `MSD task folder ${config.path} (lesion label${config.lesionLabels.length > 1 ? 's' : ''} ${config.lesionLabels.join(', ')})`,
};
