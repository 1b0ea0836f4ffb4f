import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { makeVolume, Vec3 } from '../../lib/core/volume';
import { writeNifti } from '../../lib/io/nifti-write';
import { classAsSource, comparePrecedence } from '../../lib/labels/precedence';
import { compareTissueMethods, formatTissueComparison } from '../../lib/labels/tissue-compare';
import { formatLabelFileGrouping, groupLabelFile } from '../../lib/labels/from-files';
import { compareCollapseRules, disagreeingVoxels } from '../../lib/labels/collapse-compare';

const dims: Vec3 = [5, 1, 1];
const vol = (values: number[]) => makeVolume(Uint8Array.from(values), dims, [1, 1, 1]);

describe('classAsSource / comparePrecedence', () => {
  // a row of 5 voxels: organ, organ, vessel, organ, organ; the lesion is the last voxel
  const aux = vol([1, 1, 2, 1, 1]);
  const lesion = vol([0, 0, 0, 0, 1]);
  it('cuts one class out and dilates it', () => {
    const tool = classAsSource(aux, ['organ', 'vessel'], 'vessel', { dilate: 1, name: 'vessel-tool' });
    expect(Array.from(tool.volume.data)).toEqual([0, 1, 1, 1, 0]);
    expect(tool.classNames).toEqual(['vessel']);
    expect(Array.from(classAsSource(aux, ['organ', 'vessel'], 'vessel', { name: 't' }).volume.data)).toEqual([0, 0, 1, 0, 0]);
    expect(() => classAsSource(aux, ['organ'], 'vessel', { name: 't' })).toThrow(RangeError);
  });
  it('counts the class and the differing voxels with each source first', () => {
    const anatomy = { volume: aux, name: 'anatomy', classNames: ['organ', 'vessel'] };
    const tool = classAsSource(aux, ['organ', 'vessel'], 'vessel', { dilate: 1, name: 'tool' });
    const cmp = comparePrecedence(lesion, [anatomy, tool], 'vessel');
    expect(cmp.voxels).toEqual([1, 3]);
    expect(cmp.differingLabels).toBe(2);
    expect(cmp.differingBinary).toBe(0);
    expect(cmp.source).toMatch(/anatomy/);
    expect(cmp.source).toMatch(/tool/);
  });
});

describe('compareTissueMethods / formatTissueComparison', () => {
  it('finds two well-separated intensity classes with both methods', () => {
    const image = makeVolume(Float32Array.from([0, 10, 11, 10, 50, 51, 50, 0]), [8, 1, 1], [1, 1, 1]);
    const mask = makeVolume(Uint8Array.from([0, 1, 1, 1, 1, 1, 1, 0]), [8, 1, 1], [1, 1, 1]);
    const cmp = compareTissueMethods(image, mask, ['dark', 'bright']);
    expect(Array.from(cmp.kmeans.labels.data)).toEqual([0, 1, 1, 1, 2, 2, 2, 0]);
    expect(cmp.agreement).toBe(1);
    const text = formatTissueComparison(cmp, [1, 1, 0, 0, 0, 0, 1, 0]);
    expect(text).toMatch(/^method\s+iterations\s+converged\s+ms\s+dark mL\s+bright mL\s+dark mean T1\s+bright mean T1/);
    expect(text).toContain('k-means and GMM give the same class to 100.0% of brain voxels');
    expect(text).toContain('lesion voxels as clustered before the override:');
    expect(text).toMatch(/outside the brain mask/);
  });
});

describe('groupLabelFile / formatLabelFileGrouping', () => {
  it('groups a label file with a built-in spec', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bs-group-'));
    const file = path.join(dir, 'seg.nii.gz');
    writeNifti(file, vol([0, 1, 3, 3, 0]), { datatype: 'uint8' });
    const g = groupLabelFile(file, 'tissue');
    expect(g.sourceClassesPresent).toBe(2);
    expect(g.groupsPresent).toBe(2);
    expect(g.built.emptyLesion).toBe(true);
    const text = formatLabelFileGrouping(g, 5, { subject: 'this MR', classes: 'FAST' });
    expect(text.split('\n').slice(0, 3)).toEqual([
      "spec 'tissue': 3 source classes → 3 groups",
      'this MR: 2 FAST classes present → 2 groups present; unknown ids: 0',
      'lesion mask given: false',
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('disagreeingVoxels', () => {
  it('names the vectors on which argmax and the sum rule differ', () => {
    expect(disagreeingVoxels(compareCollapseRules([[0.1, 0.1, 0.8], [0.3, 0.3, 0.4], [0.6, 0.1, 0.3]]))).toEqual(['B']);
  });
});
