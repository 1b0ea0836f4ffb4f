import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNifti } from '../../lib/io/nifti-write';
import { makeVolume, Vec3 } from '../../lib/core/volume';
import {
  cropCase,
  datasetFromManifest,
  foregroundBox,
  generateSyntheticDataset,
  loadFolderDataset,
  loadManifest,
  loadMsdDataset,
  loadSplits,
  makeSplits,
  parseMsdDatasetJson,
  saveSplits,
  uncropLabels,
  writeMsdDataset,
  writeSyntheticMsd,
} from '../../lib/data';
import type { SegmentationCase } from '../../lib/core/types';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const dims: Vec3 = [6, 5, 4]; // 120 voxels
const spacing: Vec3 = [1, 1, 2];
/** label map: liver (1) on x < 3, tumour (2) at 3 voxels inside, vessel (3) on 2 voxels */
function labelMap(shift: number): Uint8Array {
  const a = new Uint8Array(120);
  for (let p = 0; p < 120; p++) if (p % 6 < 3) a[p] = 1;
  a[shift] = 2;
  a[shift + 6] = 2;
  a[shift + 12] = 2;
  a[100] = 3;
  a[101] = 3;
  return a;
}
function miniCase(id: string, shift: number): SegmentationCase {
  const t1 = Float32Array.from({ length: 120 }, (_, p) => p / 10);
  const t2 = Float32Array.from({ length: 120 }, (_, p) => 50 - p / 7);
  const lab = labelMap(shift);
  return {
    id,
    channels: [makeVolume(t1, dims, spacing), makeVolume(t2, dims, spacing)],
    channelNames: ['T1', 'T2'],
    lesion: makeVolume(Uint8Array.from(lab, (v) => (v === 2 ? 1 : 0)), dims, spacing),
    aux: makeVolume(Uint8Array.from(lab, (v) => (v === 2 ? 0 : v === 3 ? 2 : v)), dims, spacing),
    auxNames: ['liver', 'vessel'],
  };
}

describe('MSD layout', () => {
  const dir = path.join(tmp, 'Task99_Mini');
  const cases = [miniCase('mini_001', 0), miniCase('mini_002', 1), miniCase('mini_003', 2)];
  writeMsdDataset(dir, cases, { auxValues: [1, 3], lesionValue: 2, lesionName: 'tumour' });
  // MSD's own convention for Task03: 1 liver, 2 tumour; here 3 = vessel as well
  it('writes dataset.json with labels and 4D images', () => {
    const d = parseMsdDatasetJson(require(path.join(dir, 'dataset.json')));
    expect(d.labels).toEqual({ '0': 'background', '1': 'liver', '2': 'tumour', '3': 'vessel' });
    expect(d.modality).toEqual({ '0': 'T1', '1': 'T2' });
  });
  it('loads lesion = chosen label, others as aux, 4D channels split', () => {
    const ds = loadMsdDataset(dir, { lesionLabels: [2] });
    expect(ds.ids).toEqual(['mini_001', 'mini_002', 'mini_003']);
    expect(ds.channelNames).toEqual(['T1', 'T2']);
    expect(ds.auxNames).toEqual(['liver', 'vessel']);
    const c = ds.load('mini_002');
    expect(c.channels).toHaveLength(2);
    expect(Array.from(c.channels[1].data)).toEqual(Array.from(cases[1].channels[1].data));
    expect(c.lesion.data.reduce((s, v) => s + v, 0)).toBe(3);
    expect(Array.from(c.aux!.data)).toEqual(Array.from(cases[1].aux!.data));
    expect(c.lesion.spacing).toEqual([1, 1, 2]);
    expect(ds.load(1)).toBe(c); // cached
  });
  it('explicit aux subset: unlisted labels become unlabelled; two lesion labels', () => {
    const ds = loadMsdDataset(dir, { lesionLabels: [2], auxLabels: [1] });
    expect(ds.auxNames).toEqual(['liver']);
    const c = ds.load(0);
    expect(Array.from(c.aux!.data).filter((v) => v === 1).length).toBe(60 - 3);
    expect(c.aux!.data[100]).toBe(0);
    const both = loadMsdDataset(dir, { lesionLabels: [2, 3] }).load(0);
    expect(both.lesion.data.reduce((s, v) => s + v, 0)).toBe(5);
  });
  it('extra aux maps from another tool are grouped by a spec and merged by name', () => {
    const auxDir = path.join(dir, 'auxTr');
    mkdirSync(auxDir, { recursive: true });
    for (const c of cases) {
      // TotalSegmentator-like ids: 5 liver on x < 2, 1 spleen on x = 5
      const seg = Uint8Array.from({ length: 120 }, (_, p) => (p % 6 < 2 ? 5 : p % 6 === 5 ? 1 : 0));
      writeNifti(path.join(auxDir, `${c.id}.nii.gz`), makeVolume(seg, dims, spacing), { datatype: 'uint8' });
    }
    const ds = loadMsdDataset(dir, { lesionLabels: [2], extraAux: { dir: auxDir, groups: 'total' } });
    expect(ds.auxNames.slice(0, 3)).toEqual(['liver', 'vessel', 'spleen']);
    const k = ds.load(0);
    const count = (v: number) => Array.from(k.aux!.data).filter((x) => x === v).length;
    expect(count(1)).toBe(60); // MSD liver (x < 3, 57 voxels) + the 3 lesion voxels at x = 0, where only TotalSegmentator's liver is left
    expect(count(2)).toBe(2); // vessel
    expect(count(3)).toBe(19); // spleen column x = 5 (20 voxels) except vessel voxel 101 (MSD labels take precedence)
  });
  it('clear errors: bad lesion label, missing files, bad dataset.json', () => {
    expect(() => loadMsdDataset(dir, { lesionLabels: [5] })).toThrow(/lesion label 5 is not a nonzero label/);
    expect(() => loadMsdDataset(tmp, { lesionLabels: [1] })).toThrow(/no dataset\.json/);
    expect(() => parseMsdDatasetJson({ modality: { '0': 'CT' }, labels: { '0': 'bg' }, training: [] }, 'x.json')).toThrow(/x\.json: "training"/);
    const broken = path.join(tmp, 'Task98_Broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(
      path.join(broken, 'dataset.json'),
      JSON.stringify({ modality: { '0': 'CT' }, labels: { '0': 'bg', '1': 'tumour' }, training: [{ image: './imagesTr/a.nii.gz', label: './labelsTr/a.nii.gz' }] }),
    );
    expect(() => loadMsdDataset(broken, { lesionLabels: [1] })).toThrow(/1 referenced file\(s\) do not exist|2 referenced file\(s\) do not exist/);
  });
  it('synthetic dataset round-trips through the MSD layout', () => {
    const synth = generateSyntheticDataset({ seed: 3, cases: 2, size: [24, 24, 12] });
    const sdir = path.join(tmp, 'Task00_Synthetic');
    writeSyntheticMsd(sdir, synth);
    const ds = loadMsdDataset(sdir, { lesionLabels: [7] });
    expect(ds.auxNames).toEqual(synth[0].auxNames);
    const back = ds.load(1);
    expect(Array.from(back.channels[0].data)).toEqual(Array.from(synth[1].channels[0].data));
    expect(Array.from(back.lesion.data)).toEqual(Array.from(synth[1].lesion.data));
    // aux agrees outside the lesion (the label file stores the lesion over the anatomy)
    for (let p = 0; p < back.aux!.data.length; p++) if (!synth[1].lesion.data[p]) expect(back.aux!.data[p]).toBe(synth[1].aux!.data[p]);
  });
});

describe('manifest', () => {
  const mdir = path.join(tmp, 'manifest');
  mkdirSync(path.join(mdir, 'c1'), { recursive: true });
  const c = miniCase('c1', 0);
  writeNifti(path.join(mdir, 'c1/t1.nii.gz'), c.channels[0]);
  writeNifti(path.join(mdir, 'c1/les.nii.gz'), c.lesion, { datatype: 'uint8' });
  writeNifti(path.join(mdir, 'c1/seg.nii.gz'), makeVolume(Uint8Array.from(labelMap(0), (v) => (v === 1 ? 5 : v === 3 ? 52 : 0)), dims, spacing), { datatype: 'uint8' });
  writeNifti(path.join(mdir, 'c1/bad.nii.gz'), makeVolume(new Float32Array(120).fill(0.5), dims, spacing));
  writeNifti(path.join(mdir, 'c1/small.nii.gz'), makeVolume(new Uint8Array(60), [6, 5, 2], spacing), { datatype: 'uint8' });
  const base = { name: 'mini', channels: ['T1'], cases: [{ id: 'c1', channels: ['c1/t1.nii.gz'], lesion: 'c1/les.nii.gz' }] };

  it('loads a case with TotalSegmentator-grouped aux maps', () => {
    const m = { ...base, auxGroups: 'total', cases: [{ ...base.cases[0], aux: ['c1/seg.nii.gz'], spacingMm: [1, 1, 2] as [number, number, number] }] };
    const file = path.join(mdir, 'dataset.manifest.json');
    writeFileSync(file, JSON.stringify(m));
    const ds = loadManifest(file, { deep: true });
    expect(ds.auxNames[0]).toBe('liver');
    const k = ds.load('c1');
    const liver = ds.auxNames.indexOf('liver') + 1;
    const vessels = ds.auxNames.indexOf('vessels') + 1;
    expect(Array.from(k.aux!.data).filter((v) => v === liver).length).toBe(57);
    expect(Array.from(k.aux!.data).filter((v) => v === vessels).length).toBe(2);
  });
  it('validation errors are specific', () => {
    expect(() => datasetFromManifest({ ...base, cases: [{ ...base.cases[0], lesion: 'c1/nope.nii.gz' }] }, mdir)).toThrow(/c1: .*nope\.nii\.gz/);
    expect(() => datasetFromManifest({ ...base, cases: [{ ...base.cases[0], lesion: 'c1/bad.nii.gz' }] }, mdir, { deep: true })).toThrow(/non-integer value 0\.5/);
    expect(() => datasetFromManifest({ ...base, cases: [{ ...base.cases[0], lesion: 'c1/small.nii.gz' }] }, mdir, { deep: true })).toThrow(/case c1.*dims differ/);
    expect(() => datasetFromManifest({ ...base, cases: [{ ...base.cases[0], aux: ['c1/seg.nii.gz'] }] }, mdir)).toThrow(/need a dataset-level "auxGroups" or "auxNames"/);
    expect(() => datasetFromManifest({ ...base, cases: [{ ...base.cases[0], spacingMm: [1, 1, 1] }] }, mdir, { deep: true })).toThrow(/manifest spacing 1,1,1 mm differs/);
    expect(() => datasetFromManifest({ name: '', channels: [], cases: [] } as never, mdir)).toThrow(/3 problem\(s\)/);
    expect(() => datasetFromManifest({ ...base, auxGroups: 'tissue', cases: [{ ...base.cases[0], aux: ['c1/seg.nii.gz'] }] }, mdir).load(0)).toThrow(/label id\(s\) not in group spec 'tissue'.*5, 52/);
  });
});

describe('folder-per-case layout', () => {
  it('loads cases with tissue classes from a channel', () => {
    const root = path.join(tmp, 'folders');
    for (const id of ['p1', 'p2']) {
      mkdirSync(path.join(root, id), { recursive: true });
      const img = Float32Array.from({ length: 120 }, (_, p) => (p % 6 < 2 ? 1 : p % 6 < 4 ? 100 : 200) + (p % 5));
      writeNifti(path.join(root, id, 'T1.nii.gz'), makeVolume(img, dims, spacing));
      writeNifti(path.join(root, id, 'gt.nii'), makeVolume(Uint8Array.from({ length: 120 }, (_, p) => (p === 7 ? 1 : 0)), dims, spacing), { datatype: 'uint8' });
    }
    mkdirSync(path.join(root, 'incomplete'), { recursive: true });
    const ds = loadFolderDataset(root, { channels: ['T1'], lesion: 'gt', tissue: { channel: 'T1', classes: 3, names: ['dark', 'mid', 'bright'] } });
    expect(ds.ids).toEqual(['p1', 'p2']);
    expect(ds.auxNames).toEqual(['dark', 'mid', 'bright']);
    const c = ds.load('p1');
    const counts = [0, 0, 0, 0];
    c.aux!.data.forEach((v) => counts[v]++);
    expect(counts).toEqual([0, 40, 40, 40]);
    expect(() => loadFolderDataset(root, { channels: ['T1'], lesion: 'gt', cases: ['incomplete'] })).toThrow(/incomplete: missing T1\.nii\(\.gz\), gt\.nii\(\.gz\)/);
  });

  it('reads the real MS patients when ../shared/data is present', (ctx) => {
    const root = path.join(__dirname, '../../../shared/data/openms-mni');
    if (!existsSync(root)) {
      console.log(`skipping: ${root} is missing`);
      ctx.skip();
      return;
    }
    const ds = loadFolderDataset(root, { channels: ['FLAIR', 'T1'], lesion: 'gt', tissue: { channel: 'T1', classes: 3, names: ['csf', 'grey_matter', 'white_matter'] }, cases: ['patient07'] });
    const { case: c, box } = cropCase(ds.load('patient07'), { margin: 2 });
    expect(c.lesion.data.reduce((s, v) => s + v, 0)).toBe(1300);
    // nonzero brain voxels span x 27..153, y 29..188, z 17..142 (measured with nibabel)
    expect(box).toEqual({ start: [25, 27, 15], end: [156, 191, 145] });
    expect(c.auxNames).toEqual(['csf', 'grey_matter', 'white_matter']);
  });
});

describe('splits and crop', () => {
  it('deterministic by seed, independent of input order, disjoint, saved and reloaded', () => {
    const ids = Array.from({ length: 24 }, (_, i) => `case_${i}`);
    const a = makeSplits(ids, { seed: 1 });
    const b = makeSplits([...ids].reverse(), { seed: 1 });
    expect(b).toEqual(a);
    expect([a.train.length, a.val.length, a.test.length]).toEqual([14, 5, 5]);
    expect(new Set([...a.train, ...a.val, ...a.test]).size).toBe(24);
    expect(makeSplits(ids, { seed: 2 }).test).not.toEqual(a.test);
    const f = path.join(tmp, 'splits.json');
    saveSplits(f, a);
    expect(loadSplits(f, ids)).toEqual(a);
    writeFileSync(f, JSON.stringify({ ...a, val: [...a.val, a.test[0]] }));
    expect(() => loadSplits(f)).toThrow(/in both test and val|in both val and test/);
    expect(() => makeSplits(ids, { seed: 0, fractions: { train: 0.5, val: 0.2, test: 0.2 } })).toThrow(/sum to 1/);
    expect(makeSplits(['a', 'b', 'c'], { seed: 0 }).train).toHaveLength(1);
  });
  it('crops to the foreground box with a margin and pastes back', () => {
    const img = new Float32Array(120);
    img[2 + 6 * (1 + 5 * 1)] = 5; // voxel (2,1,1)
    img[4 + 6 * (3 + 5 * 2)] = 5; // voxel (4,3,2)
    const c: SegmentationCase = {
      id: 'x',
      channels: [makeVolume(img, dims, spacing)],
      channelNames: ['a'],
      lesion: makeVolume(Uint8Array.from(img, (v) => (v > 0 ? 1 : 0)), dims, spacing),
    };
    expect(foregroundBox(c, { margin: 0 })).toEqual({ start: [2, 1, 1], end: [5, 4, 3] });
    const { case: cc, box } = cropCase(c, { margin: 1 });
    expect(box).toEqual({ start: [1, 0, 0], end: [6, 5, 4] });
    expect(cc.lesion.dims).toEqual([5, 5, 4]);
    expect(cc.lesion.affine[0][3]).toBe(1);
    const back = uncropLabels(cc.lesion.data, box, dims, spacing);
    expect(Array.from(back.data)).toEqual(Array.from(c.lesion.data));
  });
});
