/**
 * What an EMIDEC dataset loaded through the registry (kind 'emidec') holds, for a notebook or a
 * report: cases and slices, infarct (Case_P) and normal (Case_N) cases, the slice grid, voxels per
 * class of the loaded label policy, and the imported folder's statements about spacing and licence
 * (dataset.json's `backsplit` object) — so a reader sees the caveats next to the numbers.
 */
import { existsSync, readFileSync } from 'fs';
import * as path from 'path';
import { formatTable } from '../core/format';
import type { LoadedDataset } from './kinds/kind';

/** Counts and statements of a loaded EMIDEC dataset. */
export interface EmidecDatasetSummary {
  cases: number;
  /** Slices over all cases (third voxel axis). */
  slices: number;
  /** Cases whose id starts with Case_P (infarct) and Case_N (normal). */
  positive: number;
  negative: number;
  /** In-plane grid of the first case [x, y] and its voxel size in mm. */
  sliceSize: [number, number];
  spacing: [number, number, number];
  /** Voxels per class of the loaded policy: unlabelled background, the auxiliary classes, the lesion. */
  classVoxels: { name: string; voxels: number }[];
  /** Cases and slices that hold at least one lesion voxel. */
  casesWithLesion: number;
  slicesWithLesion: number;
  /** The load's provenance: label policy, crop, imported folder. */
  mvo: string;
  crop: [number, number] | null;
  imported: string;
  /** dataset.json's spacing and licence statements ('not stated' when absent). */
  spacingNote: string;
  licence: string;
}

function statements(imported: string): { spacingNote: string; licence: string } {
  const file = path.join(imported, 'dataset.json');
  if (!existsSync(file)) return { spacingNote: 'not stated', licence: 'not stated' };
  const json = JSON.parse(readFileSync(file, 'utf8')) as { licence?: string; backsplit?: { spacing?: string; licence?: string } };
  return { spacingNote: json.backsplit?.spacing ?? 'not stated', licence: json.backsplit?.licence ?? json.licence ?? 'not stated' };
}

/**
 * Summarise a dataset loaded with `loadDataset({kind: 'emidec', ...})`.
 * @throws Error when the dataset was not loaded by the emidec kind, or has no cases
 * @example summarizeEmidecDataset(loadDataset({ kind: 'emidec', path: '../shared/data/emidec-lge', crop: [128, 128] })).positive // 54
 */
export function summarizeEmidecDataset(loaded: LoadedDataset): EmidecDatasetSummary {
  const info = loaded.info;
  if (info.kind !== 'emidec') throw new Error(`summarizeEmidecDataset: expected a dataset loaded by the emidec kind, got kind ${JSON.stringify(info.kind)}`);
  const cases = loaded.cases;
  if (cases.length === 0) throw new Error(`summarizeEmidecDataset: ${String(info.path)} has no cases`);
  const auxNames = (info.auxNames as string[] | undefined) ?? cases[0].auxNames ?? [];
  const counts = new Array<number>(auxNames.length + 2).fill(0);
  const lesionClass = auxNames.length + 1;
  let slices = 0;
  let casesWithLesion = 0;
  let slicesWithLesion = 0;
  for (const c of cases) {
    const [nx, ny, nz] = c.lesion.dims;
    slices += nz;
    let caseHas = false;
    for (let k = 0; k < nz; k++) {
      let sliceHas = false;
      for (let v = k * nx * ny; v < (k + 1) * nx * ny; v++) {
        if (c.lesion.data[v] > 0) {
          counts[lesionClass]++;
          sliceHas = true;
        } else {
          counts[c.aux ? c.aux.data[v] : 0]++;
        }
      }
      if (sliceHas) slicesWithLesion++;
      caseHas = caseHas || sliceHas;
    }
    if (caseHas) casesWithLesion++;
  }
  const first = cases[0].lesion;
  return {
    cases: cases.length,
    slices,
    positive: cases.filter((c) => /^Case_P/i.test(c.id)).length,
    negative: cases.filter((c) => /^Case_N/i.test(c.id)).length,
    sliceSize: [first.dims[0], first.dims[1]],
    spacing: [first.spacing[0], first.spacing[1], first.spacing[2]],
    classVoxels: ['unlabelled background', ...auxNames, 'lesion'].map((name, k) => ({ name, voxels: counts[k] })),
    casesWithLesion,
    slicesWithLesion,
    mvo: String(info.mvo),
    crop: (info.crop as [number, number] | null) ?? null,
    imported: String(info.imported),
    ...statements(String(info.imported)),
  };
}

/** The summary as a few lines and a table of voxels per class. */
export function formatEmidecSummary(s: EmidecDatasetSummary): string {
  const total = s.classVoxels.reduce((a, c) => a + c.voxels, 0);
  const lesionName = s.mvo === 'separate' ? 'infarct' : 'infarct + no-reflow';
  return [
    `${s.cases} cases (${s.positive} with infarct, Case_P; ${s.negative} normal, Case_N), ${s.slices} short-axis slices of ${s.sliceSize.join('×')} pixels` +
      `${s.crop ? ` (centre ${s.crop.join('×')} crop of each slice)` : ''}, voxel ${s.spacing.join(' × ')} mm`,
    `lesion = ${lesionName} (mvo '${s.mvo}'): present in ${s.casesWithLesion} cases and ${s.slicesWithLesion} slices`,
    formatTable(['class', 'voxels', '% of all'], s.classVoxels.map((c) => [c.name, c.voxels, ((100 * c.voxels) / Math.max(total, 1)).toFixed(2)])),
    `spacing: ${s.spacingNote}`,
    `licence of the data: ${s.licence}; imported folder: ${s.imported}`,
  ].join('\n');
}
