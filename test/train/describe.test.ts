import { describe, expect, it } from 'vitest';
import { classLayout } from '../../lib/train/prepare';
import { resolveTrainConfig } from '../../lib/train/config';
import {
  auxClassesOf, classVoxelCounts, describeTrainConfig, formatClassVoxelCounts, formatConfigDifferences, voxelShare,
} from '../../lib/train/describe';
import { tinyCase } from './helpers/fixtures';

describe('classVoxelCounts / voxelShare / formatClassVoxelCounts', () => {
  // tinyCase: 1024 voxels, organ 256, vessel 16, lesion 4 (apart from each other)
  const cases = [tinyCase(0), tinyCase(1)];
  it('counts the target classes of each arm over all cases', () => {
    const backsplit = classLayout('backsplit', cases);
    expect(classVoxelCounts(cases, classLayout('binary', cases))).toEqual([2040, 8]);
    expect(classVoxelCounts(cases, backsplit)).toEqual([1496, 512, 32, 8]);
    expect(voxelShare([1496, 512, 32, 8], 3)).toBe(0.391);
    const table = formatClassVoxelCounts(backsplit, [1496, 512, 32, 8]).split('\n');
    expect(table[0]).toMatch(/^class id\s+name\s+voxels\s+% of voxels$/);
    expect(table[3]).toMatch(/^\s+1\s+organ\s+512\s+25$/);
    expect(auxClassesOf(backsplit)).toEqual([{ id: 1, name: 'organ' }, { id: 2, name: 'vessel' }]);
    expect(auxClassesOf(classLayout('binary', cases))).toEqual([]);
  });
});

describe('formatConfigDifferences / describeTrainConfig', () => {
  it('lists the fields that differ and summarises the shared ones', () => {
    const a = resolveTrainConfig({ mode: 'binary', steps: 10 }, 'a');
    const b = resolveTrainConfig({ mode: 'backsplit', steps: 10 }, 'b');
    expect(formatConfigDifferences(a, b)).toBe('mode ("binary" vs "backsplit")');
    expect(formatConfigDifferences(a, a)).toBe('');
    const line = describeTrainConfig(a);
    expect(line).toContain(`${a.model.family} with channels ${a.model.channels.join('/')}`);
    expect(line).toContain(`, 10 steps, ${a.optimizer} lr ${a.learningRate}`);
    expect(line).toMatch(/% of patches forced to contain lesion$/);
  });
});
