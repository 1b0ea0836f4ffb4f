import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { generateSyntheticDataset } from '../../lib/data/synthetic';
import { loadMsdDataset } from '../../lib/data/msd';
import {
  describeDatasetCase, describeMsdFolder, keepOneAuxClass, lesionLabelRefusal, writeMiniatureMsdTask,
} from '../../lib/data/miniature-msd';

describe('miniature MSD task', () => {
  const synthetic = generateSyntheticDataset({ seed: 0, cases: 2 });
  it('keeps one aux class as class 1', () => {
    const organ = synthetic[0].auxNames!.indexOf('organ') + 1;
    const [liver] = keepOneAuxClass(synthetic, 'organ', 'liver');
    expect(liver.auxNames).toEqual(['liver']);
    let expected = 0;
    for (const v of synthetic[0].aux!.data) if (v === organ) expected++;
    expect(liver.aux!.data.reduce((s, v) => s + v, 0)).toBe(expected);
    expect(() => keepOneAuxClass(synthetic, 'spleen', 'x')).toThrow(RangeError);
  });
  it('writes the task, lists it, loads it and refuses a wrong lesion label', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bs-mini-')), 'Task99_Mini');
    const task = writeMiniatureMsdTask(dir, synthetic);
    expect([task.lesionLabels, task.auxSpec, task.auxDir]).toEqual([[2], 'total', path.join(dir, 'auxTr')]);
    expect(task.structureTable.split('\n')[0]).toMatch(/^synthetic structure\s+written as TotalSegmentator class$/);
    expect(task.structureTable).toMatch(/\norgan\s+liver/);
    const listing = describeMsdFolder(dir, task.auxDir).split('\n');
    expect(listing[0]).toBe(`${dir}/`);
    expect(listing[2]).toMatch(/^ {2}imagesTr\/ {2}2 files, \d+\.\d MB$/);
    expect(listing.slice(3)).toEqual(['  labelsTr/  2 files', '  auxTr/     2 files (TotalSegmentator-style)']);
    const dataset = loadMsdDataset(dir, { lesionLabels: [2], extraAux: { dir: task.auxDir, groups: 'total' } });
    const text = describeDatasetCase(dataset, dataset.load(0)).split('\n');
    expect(text[0]).toBe(`dataset 'Task99_Mini': 2 cases, channels [${dataset.channelNames.join(', ')}]`);
    expect(text[1]).toBe(`auxiliary classes 1..${dataset.auxNames.length}: ${dataset.auxNames.join(', ')}`);
    expect(text[2]).toMatch(/^case \S+: grid \d+×\d+×\d+, voxel [\d.]+×[\d.]+×[\d.]+ mm, \d+ lesion voxels \([\d.]+ mL\), aux classes present: liver/);
    expect(lesionLabelRefusal(dir, [99])).toMatch(/99/);
    expect(lesionLabelRefusal(dir, [2])).toBe('not refused');
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });
});
