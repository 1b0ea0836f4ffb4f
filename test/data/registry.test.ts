/**
 * The dataset registry (lib/data/registry.ts): every kind resolves its config
 * with errors naming the field, and loads through the lib/data loaders — here a
 * tiny MSD task folder and a folder-per-case dataset written to a temp dir.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMsdDataset } from '../../lib/data/msd-write';
import { DatasetConfigError } from '../../lib/data/kinds/kind';
import { datasetKindNames, describeDataset, loadDataset, resolveDatasetConfig } from '../../lib/data/registry';
import { generateSyntheticDataset, hashCases } from '../../lib/data/synthetic';
import type { SegmentationCase } from '../../lib/core/types';
import { writeNifti } from '../../lib/io/nifti-write';
import { makeVolume, Vec3 } from '../../lib/core/volume';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-registry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const dims: Vec3 = [6, 5, 4];
const spacing: Vec3 = [1, 1, 2];
/** Two channels; aux liver (1) on x < 3, vessel (2) on two voxels; lesion on three voxels. */
function miniCase(id: string, shift: number): SegmentationCase {
  const aux = new Uint8Array(120);
  const lesion = new Uint8Array(120);
  for (let p = 0; p < 120; p++) if (p % 6 < 3) aux[p] = 1;
  aux[100] = aux[101] = 2;
  for (const p of [shift, shift + 6, shift + 12]) {
    lesion[p] = 1;
    aux[p] = 0;
  }
  return {
    id,
    channels: [makeVolume(Float32Array.from({ length: 120 }, (_, p) => p / 10 + shift), dims, spacing), makeVolume(Float32Array.from({ length: 120 }, (_, p) => 50 - p / 7), dims, spacing)],
    channelNames: ['T1', 'T2'],
    lesion: makeVolume(lesion, dims, spacing),
    aux: makeVolume(aux, dims, spacing),
    auxNames: ['liver', 'vessel'],
  };
}
const cases = [miniCase('mini_001', 0), miniCase('mini_002', 1), miniCase('mini_003', 2)];

function expectSameCases(got: SegmentationCase[], want: SegmentationCase[]): void {
  expect(got.map((c) => c.id)).toEqual(want.map((c) => c.id));
  got.forEach((c, i) => {
    expect(c.channelNames).toEqual(want[i].channelNames);
    expect(c.auxNames).toEqual(want[i].auxNames);
    expect([...c.lesion.data]).toEqual([...want[i].lesion.data]);
    expect([...c.aux!.data]).toEqual([...want[i].aux!.data]);
    c.channels.forEach((ch, k) => expect([...ch.data]).toEqual([...want[i].channels[k].data]));
  });
}

describe('dataset registry', () => {
  it('lists the kinds and rejects an unknown kind naming the known ones', () => {
    expect(datasetKindNames()).toEqual(['synthetic', 'colin', 'manifest', 'msd', 'folder', 'emidec']);
    expect(() => resolveDatasetConfig({ kind: 'nnunet', path: 'x' })).toThrow(DatasetConfigError);
    expect(() => resolveDatasetConfig({ kind: 'nnunet', path: 'x' })).toThrow(/'dataset\.kind' must be one of 'synthetic', 'colin', 'manifest', 'msd', 'folder', 'emidec', got "nnunet"/);
    expect(() => resolveDatasetConfig({ path: 'x' }, 'study.dataset')).toThrow(/'study\.dataset\.kind' must be one of .*, got undefined/);
    expect(() => loadDataset({ kind: 'nnunet' } as never)).toThrow(/'dataset\.kind' must be one of/);
  });

  it('fills the synthetic defaults and loads with provenance', () => {
    const config = resolveDatasetConfig({ kind: 'synthetic', cases: 2 });
    expect(config).toEqual({ kind: 'synthetic', cases: 2, seed: 0 });
    const { cases: got, info } = loadDataset(config);
    expect(info).toEqual({ kind: 'synthetic', seed: 0, cases: 2, sha256: hashCases(generateSyntheticDataset({ seed: 0, cases: 2 })) });
    expect(got).toHaveLength(2);
    expect(describeDataset(config)).toBe('embedded synthetic (2 cases, seed 0)');
    expect(describeDataset({ kind: 'colin', cases: 16, seed: 0 })).toBe('semi-synthetic Colin27 brain (mricron-data) (16 cases, seed 0)');
    expect(describeDataset({ kind: 'manifest', path: '/data/m.json' })).toBe('/data/m.json');
  });

  it('loads an MSD task folder relative to the base folder, lesion and aux classes as written', () => {
    writeMsdDataset(path.join(tmp, 'Task99_Mini'), cases, { auxValues: [1, 3], lesionValue: 2, lesionName: 'tumour' });
    const config = resolveDatasetConfig({ kind: 'msd', path: 'Task99_Mini', lesionLabels: [2] });
    const { cases: got, info } = loadDataset(config, tmp);
    expectSameCases(got, cases);
    expect(info).toMatchObject({ kind: 'msd', path: path.join(tmp, 'Task99_Mini'), cases: 3, lesionLabels: [2], auxNames: ['liver', 'vessel'] });
    // only liver kept as an aux class: the vessel voxels become unlabelled
    const liverOnly = loadDataset(resolveDatasetConfig({ kind: 'msd', path: path.join(tmp, 'Task99_Mini'), lesionLabels: [2], auxLabels: [1] })).cases[0];
    expect(liverOnly.auxNames).toEqual(['liver']);
    expect(liverOnly.aux!.data[100]).toBe(0);
    expect(() => loadDataset(resolveDatasetConfig({ kind: 'msd', path: 'Task99_Mini', lesionLabels: [7] }), tmp)).toThrow(/lesion label 7 is not a nonzero label/);
  });

  it('loads a folder-per-case dataset with fixed aux names', () => {
    const root = path.join(tmp, 'cases');
    for (const c of cases) {
      mkdirSync(path.join(root, c.id), { recursive: true });
      c.channels.forEach((ch, k) => writeNifti(path.join(root, c.id, `${c.channelNames[k]}.nii.gz`), ch));
      writeNifti(path.join(root, c.id, 'gt.nii.gz'), c.lesion, { datatype: 'uint8' });
      writeNifti(path.join(root, c.id, 'anatomy.nii'), c.aux!, { datatype: 'uint8' });
    }
    const config = resolveDatasetConfig({ kind: 'folder', path: 'cases', channels: ['T1', 'T2'], lesion: 'gt', aux: ['anatomy'], auxNames: ['liver', 'vessel'] });
    const { cases: got, info } = loadDataset(config, tmp);
    expectSameCases(got, cases);
    expect(info).toMatchObject({ kind: 'folder', path: root, cases: 3, channels: ['T1', 'T2'], auxNames: ['liver', 'vessel'] });
    expect(describeDataset(config)).toBe('case folders cases (T1, T2; lesion gt)');
    expect(() => loadDataset(resolveDatasetConfig({ kind: 'folder', path: 'cases', channels: ['FLAIR'], lesion: 'gt' }), tmp)).toThrow(/no case folder holds all of FLAIR, gt/);
  });
});
