import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../lib/core/volume';
import { parseGroupSpec } from '../../lib/labels/spec';
import {
  agreementInMask, countDifferingVoxels, countNonzero, describeGrouping, describeNoiseReport, formatClassTable, formatGrouping, formatLabelShares, formatSpecOverview,
  labelCountsInMask, presentClasses, presentLabelIds,
} from '../../lib/labels/describe';

describe('formatClassTable', () => {
  it('prints every class row with the volume to the requested decimals', () => {
    const t = formatClassTable([
      { id: 0, name: 'background', source: 'background', voxels: 90, volumeMl: 0.09 },
      { id: 1, name: 'lesion', source: 'lesion', voxels: 10, volumeMl: 0.0104 },
    ], 2);
    const lines = t.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^id\s+name\s+source\s+voxels\s+mL$/);
    expect(lines[3]).toMatch(/^ 1\s+lesion\s+lesion\s+10\s+0\.01$/);
  });
});

describe('presentLabelIds / labelCountsInMask', () => {
  it('lists distinct nonzero ids in order', () => {
    expect(presentLabelIds([0, 5, 2, 5, 0, 41])).toEqual([2, 5, 41]);
    expect(presentLabelIds(new Uint8Array(4))).toEqual([]);
  });

  it('counts labels only where the mask is set', () => {
    expect(labelCountsInMask([0, 1, 2, 2, 1], [1, 0, 1, 1, 0], 3)).toEqual([1, 0, 2]);
  });

  it('names the bad voxel and the mismatch', () => {
    expect(() => labelCountsInMask([0, 3], [1, 1], 3)).toThrow(/voxel 1 holds 3, expected 0\.\.2/);
    expect(() => labelCountsInMask([0], [1, 1], 3)).toThrow(/1 voxels, mask has 2/);
  });
});

describe('describeGrouping', () => {
  const spec = parseGroupSpec({
    name: 't', unknown: 'other',
    classNames: { '1': 'liver', '2': 'kidney_l', '3': 'kidney_r', '4': 'noise' },
    ignore: [4],
    groups: [{ name: 'liver', members: ['liver'] }, { name: 'kidneys', members: ['kidney_l', 'kidney_r'] }],
  });

  it('collects present source classes per group with voxel counts; ignored and unknown ids are listed', () => {
    const data = [0, 1, 1, 2, 3, 3, 3, 4, 9, 9];
    const s = describeGrouping(data, spec);
    expect(s.sourceIds).toEqual([1, 2, 3, 4, 9]);
    expect(s.ignoredIds).toEqual([4]);
    expect(s.unknownIds).toEqual([9]);
    expect(s.rows).toEqual([
      { groupId: 1, group: 'liver', sourceIds: [1], sourceNames: ['liver'], voxels: 2 },
      { groupId: 2, group: 'kidneys', sourceIds: [2, 3], sourceNames: ['kidney_l', 'kidney_r'], voxels: 4 },
      { groupId: 3, group: 'other', sourceIds: [9], sourceNames: ['id 9'], voxels: 2 },
    ]);
    const text = formatGrouping(s, 1);
    expect(text).toContain('kidney_l, +1 more');
  });

  it('omits groups with no voxels, and does not count unknown ids when the spec has no other group', () => {
    const strict = parseGroupSpec({ name: 's', groups: [{ name: 'a', ids: [1] }, { name: 'b', ids: [2] }] });
    const s = describeGrouping([2, 2, 7], strict);
    expect(s.rows.map((r) => r.group)).toEqual(['b']);
    expect(s.unknownIds).toEqual([7]);
  });
});

describe('presentClasses / formatLabelShares / countDifferingVoxels', () => {
  it('names present ids from a table, with a fallback name', () => {
    expect(presentClasses([0, 5, 2, 5], { '2': 'kidney_right' })).toEqual([{ id: 2, name: 'kidney_right' }, { id: 5, name: 'class 5' }]);
  });

  it('gives each class its share of the counted voxels', () => {
    const lines = formatLabelShares(['unlabelled', 'organ', 'vessel'], [3, 1, 0]).split('\n');
    expect(lines[0]).toMatch(/^id\s+class\s+voxels\s+share$/);
    expect(lines[2]).toMatch(/^ 0\s+unlabelled\s+3\s+75\.0%$/);
    expect(lines[3]).toMatch(/^ 1\s+organ\s+1\s+25\.0%$/);
    expect(lines[4]).toMatch(/^ 2\s+vessel\s+0\s+0\.0%$/);
    expect(() => formatLabelShares(['a'], [1, 2])).toThrow(/1 names but 2 counts/);
  });

  it('counts voxels that differ', () => {
    expect(countDifferingVoxels([0, 1, 2, 3], [0, 2, 2, 0])).toBe(2);
    expect(() => countDifferingVoxels([0], [0, 1])).toThrow(/1 voxels vs 2/);
  });
});

describe('formatSpecOverview / describeNoiseReport', () => {
  it('lists each spec with its id and group counts', () => {
    const spec = parseGroupSpec({ name: 'two', groups: [{ name: 'a', ids: [1, 2] }, { name: 'b', ids: [3] }] });
    const lines = formatSpecOverview([spec]).split('\n');
    expect(lines[2]).toMatch(/^two\s+3\s+2\s+a, b$/);
  });

  it('names the classes a noise simulation touched', () => {
    const text = describeNoiseReport({
      noiseLevel: 0.5, seed: 2, eroded: [1], dilated: [2], merged: [[3, 1]], droppedComponents: [[1, 4]], jitteredVoxels: 7, changedFraction: 0.125,
    }, ['organ', 'vessel', 'cyst']);
    expect(text).toBe('noise 0.5, seed 2: eroded classes [organ], dilated [vessel], merged [cyst→organ], 1 components dropped, 7 voxels jittered, 12.50% of voxels changed');
  });
});

describe('countNonzero / agreementInMask', () => {
  it('counts nonzero voxels', () => {
    expect(countNonzero([0, 3, 1, 0])).toBe(2);
    expect(countNonzero(new Uint8Array(5))).toBe(0);
  });

  it('measures agreement only inside the mask', () => {
    expect(agreementInMask([1, 2, 3, 4], [1, 0, 3, 0], [1, 1, 0, 0])).toBe(0.5);
    expect(agreementInMask([1], [1], [0])).toBeNaN();
    expect(() => agreementInMask([1, 2], [1], [1, 1])).toThrow(/lengths 2, 1 and mask 2 differ/);
  });
});
