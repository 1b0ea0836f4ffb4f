import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import { generateSyntheticDataset, loadManifest, saveManifest, writeMsdDataset } from '../../lib/data/index';
import type { SegmentationCase } from '../../lib/core/types';
import type { TidyRow } from '../../lib/eval/tidy';
import { makeVolume } from '../../lib/core/volume';
import { writeNifti } from '../../lib/io/index';
import { applyGroupSpec, loadGroupSpec } from '../../lib/labels/index';
import {
  armMetricMeans, checkMsdLayout, manifestFromMsd, SYNTHETIC_AS_TOTALSEGMENTATOR, totalSegmentatorStyleLabels,
} from '../../lib/study/notebook';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'study-notebook-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('armMetricMeans', () => {
  it('averages seeds within a case, then cases, per arm and metric', () => {
    const row = (c: string, model: string, seed: number, metric: string, value: number | null): TidyRow => ({ case: c, model, seed, scope: 'lesion', metric, value });
    const rows = [
      row('a', 'binary', 0, 'dice', 0.2), row('a', 'binary', 1, 'dice', 0.4), row('b', 'binary', 0, 'dice', 0.9),
      row('a', 'backsplit', 0, 'dice', 0.5), row('b', 'backsplit', 0, 'dice', null), row('a', 'binary', 0, 'lesion_fp', 3),
    ];
    const out = armMetricMeans(rows, ['binary', 'backsplit', 'other'], ['dice', 'lesion_fp']);
    const binaryDice = out.find((r) => r.arm === 'binary' && r.metric === 'dice')!;
    expect(binaryDice.mean).toBeCloseTo(0.6, 12);
    expect(binaryDice.cases).toBe(2);
    expect(out.find((r) => r.arm === 'backsplit' && r.metric === 'dice')!.cases).toBe(1);
    expect(out.find((r) => r.arm === 'other' && r.metric === 'dice')!.mean).toBeNull();
    expect(out.find((r) => r.arm === 'binary' && r.metric === 'lesion_fp')!.mean).toBe(3);
    expect(out.length).toBe(6);
  });
});

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

  it('totalSegmentatorStyleLabels writes TotalSegmentator ids that the total spec groups', () => {
    const ts = totalSegmentatorStyleLabels(cases[0]);
    const spec = loadGroupSpec('total');
    const names = cases[0].auxNames!;
    const grouped = applyGroupSpec(ts, spec, 'test').volume;
    for (let v = 0; v < ts.data.length; v += 7) {
      const src = names[cases[0].aux!.data[v] - 1];
      if (cases[0].aux!.data[v] === 0 || SYNTHETIC_AS_TOTALSEGMENTATOR[src] === null) expect(ts.data[v]).toBe(0);
      else expect(spec.classNames.get(ts.data[v])).toBe(SYNTHETIC_AS_TOTALSEGMENTATOR[src]);
    }
    const organV = cases[0].aux!.data.indexOf(names.indexOf('organ') + 1);
    expect(spec.groupNames[grouped.data[organV] - 1]).toBe('liver');
    const noAux = { ...cases[0], aux: undefined };
    expect(() => totalSegmentatorStyleLabels(noAux)).toThrow(/no auxiliary map/);
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

// keep the backend explicit so the tests do not depend on other files' setup order
beforeAll(async () => {
  await initBackend();
});
