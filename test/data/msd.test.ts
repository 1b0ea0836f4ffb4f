/**
 * MSD task folder helpers of lib/data/msd.ts used by notebook 06: the layout
 * check and the manifest written for a folder with TotalSegmentator-style
 * auxiliary maps.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, saveManifest } from '../../lib/data/manifest';
import { checkMsdLayout, manifestFromMsd } from '../../lib/data/msd';
import { writeMsdDataset } from '../../lib/data/msd-write';
import { generateSyntheticDataset } from '../../lib/data/synthetic';
import { totalSegmentatorStyleLabels } from '../../lib/data/synthetic-totalseg';
import type { SegmentationCase } from '../../lib/core/types';
import { writeNifti } from '../../lib/io/nifti-write';
import { makeVolume } from '../../lib/core/volume';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'data-msd-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('MSD folder with TotalSegmentator-style aux labels', () => {
  const msd = path.join(tmp, 'Task99_Tiny');
  const auxDir = path.join(tmp, 'auxTr');
  let cases: SegmentationCase[];
  beforeAll(() => {
    cases = generateSyntheticDataset({ seed: 5, cases: 2, size: [32, 32, 8] }).map((c) => c as SegmentationCase);
    const organ = cases[0].auxNames!.indexOf('organ') + 1;
    const onlyLiver = cases.map((c) => ({ ...c, aux: makeVolume(Uint8Array.from(c.aux!.data, (v) => (v === organ ? 1 : 0)), c.aux!.dims, c.aux!.spacing, c.aux!.affine), auxNames: ['liver'] }));
    writeMsdDataset(msd, onlyLiver, { name: 'Task99_Tiny', lesionName: 'tumour' });
    fs.mkdirSync(auxDir, { recursive: true });
    for (const c of cases) writeNifti(path.join(auxDir, `${c.id}.nii.gz`), totalSegmentatorStyleLabels(c), { datatype: 'uint8' });
  });

  it('checkMsdLayout reports a clean folder and lists every missing file', () => {
    const ok = checkMsdLayout(msd, { auxDir });
    expect(ok.problems).toEqual([]);
    expect(ok.cases.length).toBe(2);
    expect(ok.casesWithAux).toBe(2);
    expect(ok.labels).toEqual({ '0': 'background', '1': 'liver', '2': 'tumour' });
    const broken = path.join(tmp, 'broken');
    fs.cpSync(msd, broken, { recursive: true });
    fs.rmSync(path.join(broken, 'labelsTr', `${cases[1].id}.nii.gz`));
    const r = checkMsdLayout(broken, { auxDir: path.join(tmp, 'nowhere') });
    expect(r.problems.length).toBe(3);
    expect(r.problems.join('\n')).toContain(`case ${cases[1].id}: ${path.join(broken, 'labelsTr', `${cases[1].id}.nii.gz`)} not found`);
    expect(checkMsdLayout(path.join(tmp, 'nothing')).problems[0]).toMatch(/dataset\.json: missing/);
  });

  it('manifestFromMsd gives a manifest that loads with lesion, MSD aux and grouped TotalSegmentator classes', () => {
    const manifestFile = path.join(tmp, 'manifest.json');
    const m = manifestFromMsd(msd, { lesionLabels: [2], extraAux: { dir: auxDir, groups: 'total' }, manifestDir: tmp });
    expect(m.cases[0].channels[0]).toBe(path.join('Task99_Tiny', 'imagesTr', `${cases[0].id}.nii.gz`));
    expect(m.labelAux).toEqual([{ value: 1, name: 'liver' }]);
    saveManifest(manifestFile, m);
    const ds = loadManifest(manifestFile, { deep: true });
    const c = ds.load(0);
    expect(ds.auxNames[0]).toBe('liver');
    expect(ds.auxNames).toContain('vessels');
    let lesion = 0;
    for (let v = 0; v < c.lesion.data.length; v++) lesion += c.lesion.data[v];
    let ref = 0;
    for (let v = 0; v < cases[0].lesion.data.length; v++) ref += cases[0].lesion.data[v];
    expect(lesion).toBe(ref);
    expect(() => manifestFromMsd(msd, { lesionLabels: [5] })).toThrow(/lesion label 5 is not a nonzero label/);
    expect(() => manifestFromMsd(msd, { lesionLabels: [2], auxLabels: [2] })).toThrow(/aux label 2/);
  });
});
