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
 * `crop: [h, w]` keeps the centre h×w pixels of every slice (a fixed region of interest
 * around the heart, the same box for every case, affines shifted so world coordinates hold;
 * in the PNG set every labelled pixel of all 80 cases lies inside the centre 128×128).
 */
import * as path from 'path';
import { cachedEmidecImport, emidecPolicy, EmidecMvo, readEmidecImport } from '../emidec';
import { cropCase } from '../crop';
import { loadMsdDataset } from '../msd';
import type { SegmentationCase } from '../../core/types';
import { ConfigFields, DatasetKind } from './kind';

type EmidecDatasetConfig = {
  kind: 'emidec';
  path: string;
  mvo?: EmidecMvo;
  /** In-plane centre crop [rows (y), columns (x)] in pixels; absent = whole slices. */
  crop?: [number, number];
};

/** The centre `crop` = [h, w] of every slice of a case (an error naming the case when the slice is smaller). */
function centreCrop(c: SegmentationCase, crop: [number, number]): SegmentationCase {
  const [nx, ny, nz] = c.lesion.dims;
  const [h, w] = crop;
  if (w > nx || h > ny) throw new Error(`emidec: case ${c.id} has ${ny}×${nx} slices, smaller than the crop ${h}×${w}`);
  const x0 = Math.floor((nx - w) / 2);
  const y0 = Math.floor((ny - h) / 2);
  return cropCase(c, { box: { start: [x0, y0, 0], end: [x0 + w, y0 + h, nz] } }).case;
}

function cropField(f: ConfigFields): [number, number] {
  const v = f.raw.crop;
  const ok = Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && (x as number) >= 1);
  if (!ok) return f.fail('crop', '[rows, columns]: two positive integers (a centre crop of every slice)', v);
  return [v[0] as number, v[1] as number];
}

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
  fields: "{kind: 'emidec', path, mvo?: 'merge' | 'separate', crop?: [rows, columns]}",
  resolve(f) {
    const config: EmidecDatasetConfig = { kind: 'emidec', path: f.text('path', 'an EMIDEC folder (raw PNG slices or NIfTI cases, or one written by backsplit import emidec)') };
    if (f.has('mvo')) {
      const mvo = f.raw.mvo;
      if (mvo !== 'merge' && mvo !== 'separate') return f.fail('mvo', "'merge' (lesion = infarct + no-reflow) or 'separate' (no-reflow an auxiliary class)", mvo);
      config.mvo = mvo;
    }
    if (f.has('crop')) config.crop = cropField(f);
    f.only(['kind', 'path', 'mvo', 'crop']);
    return config;
  },
  load(config, baseDir) {
    const { dir, mvo, cached } = importedFolder(config, baseDir);
    const policy = emidecPolicy(mvo);
    const ds = loadMsdDataset(dir, { lesionLabels: policy.lesionLabels, auxLabels: policy.auxLabels });
    // the MSD loader names classes after dataset.json's labels; EMIDEC's short names instead
    const cases = ds.loadAll().map((c) => {
      const named = { ...c, auxNames: [...policy.auxNames] };
      return config.crop ? centreCrop(named, config.crop) : named;
    });
    const info = { kind: 'emidec', path: path.resolve(baseDir, config.path), imported: dir, cache: cached, mvo, crop: config.crop ?? null, cases: cases.length, lesionLabels: policy.lesionLabels, auxNames: policy.auxNames };
    return { cases, info };
  },
  describe: (config) =>
    `EMIDEC ${config.path} (lesion = ${config.mvo === 'separate' ? 'infarct; no-reflow auxiliary' : 'infarct + no-reflow'}${config.crop ? `; centre ${config.crop.join('×')} of each slice` : ''})`,
};
