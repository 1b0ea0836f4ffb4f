import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../lib/core/volume';
import { parseGroupSpec } from '../../lib/labels/spec';
import { simulateNoisyLabels } from '../../lib/labels/noisy';
import {
  describeGrouping, formatClassTable, formatGrouping, formatTable, labelCountsInMask, noiseSweep, presentLabelIds,
} from '../../lib/labels/notebook';

describe('formatTable / formatClassTable', () => {
  it('aligns numbers right and text left, with a rule under the header', () => {
    const t = formatTable(['id', 'name'], [[1, 'liver'], [12, 'kidneys']]);
    expect(t.split('\n')).toEqual(['id  name', '--  -------', ' 1  liver', '12  kidneys']);
  });

  it('rejects ragged rows', () => {
    expect(() => formatTable(['a', 'b'], [[1]])).toThrow(/row 0 has 1 cells, header has 2/);
  });

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

describe('noiseSweep', () => {
  // two cubes of different classes in a 12×12×12 grid
  const dims: [number, number, number] = [12, 12, 12];
  const data = new Uint8Array(12 * 12 * 12);
  for (let k = 2; k < 10; k++) for (let j = 2; j < 10; j++) for (let i = 1; i < 11; i++) data[i + 12 * (j + 12 * k)] = i < 6 ? 1 : 2;
  const aux = makeVolume(data, dims, [1, 1, 1]);

  it('gives Dice 1 and no change at noise 0, less than 1 at noise 1', () => {
    const r = noiseSweep(aux, ['left', 'right', 'absent'], { levels: [0, 1], seeds: [1, 2] });
    expect(r.classes).toEqual([{ id: 1, name: 'left' }, { id: 2, name: 'right' }]);
    expect(r.dice.map((row) => row[0])).toEqual([1, 1]);
    expect(r.changedFraction[0]).toBe(0);
    expect(r.meanDice[1]).toBeLessThan(1);
    expect(r.changedFraction[1]).toBeGreaterThan(0);
  });

  it('averages Dice over seeds and matches a direct computation for one seed', () => {
    const r = noiseSweep(aux, ['left', 'right'], { levels: [0.5], seeds: [3] });
    const noisy = simulateNoisyLabels(aux, { noiseLevel: 0.5, seed: 3 }).labels.data;
    let both = 0, a = 0, b = 0;
    for (let p = 0; p < data.length; p++) {
      if (noisy[p] === 1) a++;
      if (data[p] === 1) b++;
      if (noisy[p] === 1 && data[p] === 1) both++;
    }
    expect(r.dice[0][0]).toBeCloseTo((2 * both) / (a + b), 12);
    const again = noiseSweep(aux, ['left', 'right'], { levels: [0.5], seeds: [3] });
    expect(again).toEqual(r);
  });

  it('rejects unnamed ids and empty inputs', () => {
    expect(() => noiseSweep(aux, ['left'], { levels: [0] })).toThrow(/label id\(s\) 2 have no name/);
    expect(() => noiseSweep(aux, ['left', 'right'], { levels: [] })).toThrow(/no noise levels/);
    expect(() => noiseSweep(makeVolume(new Uint8Array(8), [2, 2, 2], [1, 1, 1]), ['x'], { levels: [0] })).toThrow(/no labelled voxels/);
  });
});
