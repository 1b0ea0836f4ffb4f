/**
 * Dataset kind 'emidec': EMIDEC cardiac LGE-MRI (lib/data/emidec.ts). Config:
 * {kind: 'emidec', path, mvo?: 'merge' | 'separate'} — `path` is a folder written by
 * `backsplit import emidec` (dataset.json with a `backsplit` object) or a raw EMIDEC
 * layout (PNG slices or NIfTI case folders), which is imported on first use into
 * `<baseDir>/build/cache/emidec-<hash>/` and reused while the source is unchanged.
 * The cases are then read by the MSD loader with the label policy: lesion = infarct ∪
 * no-reflow ('merge', the default for a raw layout; an imported folder's own policy
 * otherwise) or infarct alone with no-reflow an auxiliary class ('separate');
 * auxiliary classes cavity, myocardium (, no-reflow). Case ids are EMIDEC's.
 */
import * as path from 'path';
import { cachedEmidecImport, emidecPolicy, EmidecMvo, readEmidecImport } from '../emidec';
import { loadMsdDataset } from '../msd';
import { DatasetKind } from './kind';

type EmidecDatasetConfig = {
  kind: 'emidec';
  path: string;
  mvo?: EmidecMvo;
};

/** The imported folder of a config: the path itself, or the cache of a raw layout. */
function importedFolder(config: EmidecDatasetConfig, baseDir: string): { dir: string; mvo: EmidecMvo; cached: 'no' | 'created' | 'reused' } {
  const src = path.resolve(baseDir, config.path);
  const imported = readEmidecImport(src);
  if (imported) return { dir: src, mvo: config.mvo ?? imported.mvo, cached: 'no' };
  const mvo = config.mvo ?? 'merge';
  const { dir, created } = cachedEmidecImport(src, path.join(baseDir, 'build', 'cache'), mvo);
  return { dir, mvo, cached: created ? 'created' : 'reused' };
}

export const emidecKind: DatasetKind<EmidecDatasetConfig> = {
  name: 'emidec',
  fields: "{kind: 'emidec', path, mvo?: 'merge' | 'separate'}",
  resolve(f) {
    const config: EmidecDatasetConfig = { kind: 'emidec', path: f.text('path', 'an EMIDEC folder (raw PNG slices or NIfTI cases, or one written by backsplit import emidec)') };
    if (f.has('mvo')) {
      const mvo = f.raw.mvo;
      if (mvo !== 'merge' && mvo !== 'separate') return f.fail('mvo', "'merge' (lesion = infarct + no-reflow) or 'separate' (no-reflow an auxiliary class)", mvo);
      config.mvo = mvo;
    }
    f.only(['kind', 'path', 'mvo']);
    return config;
  },
  load(config, baseDir) {
    const { dir, mvo, cached } = importedFolder(config, baseDir);
    const policy = emidecPolicy(mvo);
    const ds = loadMsdDataset(dir, { lesionLabels: policy.lesionLabels, auxLabels: policy.auxLabels });
    // the MSD loader names classes after dataset.json's labels; EMIDEC's short names instead
    const cases = ds.loadAll().map((c) => ({ ...c, auxNames: [...policy.auxNames] }));
    const info = { kind: 'emidec', path: path.resolve(baseDir, config.path), imported: dir, cache: cached, mvo, cases: cases.length, lesionLabels: policy.lesionLabels, auxNames: policy.auxNames };
    return { cases, info };
  },
  describe: (config) => `EMIDEC ${config.path} (lesion = ${config.mvo === 'separate' ? 'infarct; no-reflow auxiliary' : 'infarct + no-reflow'})`,
};
