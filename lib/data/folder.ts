/**
 * Folder-per-case layout: one sub-folder per case holding one NIfTI file per
 * channel and label, named the same in every case, e.g.
 * `openms-mni/patient07/{FLAIR,T1,T2,gt}.nii.gz`. Files may be `.nii.gz` or `.nii`.
 */
import { existsSync, readdirSync, statSync } from 'fs';
import * as path from 'path';
import { CaseFiles, fileDataset, SegmentationDataset, TissueAuxConfig } from './case-files';

export interface FolderDatasetOptions {
  /** Channel file stems in order, e.g. ['FLAIR', 'T1']. */
  channels: string[];
  /** Lesion file stem, e.g. 'gt'. */
  lesion: string;
  lesionValues?: number[];
  /** Aux label file stems, in precedence order, with a grouping spec or fixed names. */
  aux?: string[];
  auxGroups?: string;
  auxNames?: string[];
  tissue?: TissueAuxConfig;
  /** Only these case folders (default: every sub-folder that holds all required files, sorted). */
  cases?: string[];
  name?: string;
  cacheSize?: number;
}

function findFile(dir: string, stem: string): string | null {
  for (const ext of ['.nii.gz', '.nii']) {
    const f = path.join(dir, stem + ext);
    if (existsSync(f)) return f;
  }
  return null;
}

/**
 * Load a folder-per-case dataset.
 * Sub-folders missing some files are skipped when `cases` is not given (and listed in
 * the error if none remain); with an explicit `cases` list, a missing file is an error.
 * @example
 * const ds = loadFolderDataset('../shared/data/openms-mni', { channels: ['FLAIR', 'T1', 'T2'], lesion: 'gt',
 *   tissue: { channel: 'T1', classes: 3, names: ['csf', 'grey_matter', 'white_matter'] } });
 */
export function loadFolderDataset(root: string, options: FolderDatasetOptions): SegmentationDataset {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${root}: not a folder`);
  const stems = [...options.channels, options.lesion, ...(options.aux ?? [])];
  const folders = options.cases ?? readdirSync(root).filter((f) => !f.startsWith('.') && statSync(path.join(root, f)).isDirectory()).sort();
  const cases: CaseFiles[] = [];
  const skipped: string[] = [];
  for (const id of folders) {
    const dir = path.join(root, id);
    const files = stems.map((s) => findFile(dir, s));
    const missing = stems.filter((_, i) => !files[i]);
    if (missing.length) {
      if (options.cases) throw new Error(`${dir}: missing ${missing.map((m) => m + '.nii(.gz)').join(', ')}`);
      skipped.push(`${id} (missing ${missing.join(', ')})`);
      continue;
    }
    const nc = options.channels.length;
    cases.push({ id, channels: files.slice(0, nc) as string[], lesion: files[nc] as string, aux: files.slice(nc + 1) as string[] });
  }
  if (cases.length === 0) throw new Error(`${root}: no case folder holds all of ${stems.join(', ')}${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}`);
  if ((options.aux ?? []).length && !options.auxGroups && !options.auxNames) throw new Error(`${root}: aux files need auxGroups (a spec) or auxNames`);
  return fileDataset(
    options.name ?? path.basename(path.resolve(root)),
    cases,
    { channelNames: options.channels, lesionValues: options.lesionValues, auxGroups: options.auxGroups, auxNames: options.auxNames, tissue: options.tissue },
    options.cacheSize ?? 4,
  );
}
