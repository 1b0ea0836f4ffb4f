/**
 * The summary of an EMIDEC dataset loaded through the registry (lib/data/emidec-summary.ts), on
 * the tiny PNG fixture: counts checked against the fixture's raw labels under both label
 * policies, the dataset.json statements, and the refusal of a dataset of another kind.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatEmidecSummary, summarizeEmidecDataset } from '../../lib/data/emidec-summary';
import { loadDataset } from '../../lib/data/registry';
import { defaultCases, H, W, writePngLayout } from './emidec-fixtures';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-emidec-summary-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const cases = defaultCases();
const src = writePngLayout(path.join(tmp, 'raw'), cases);
const raw = Object.values(cases).flatMap((slices) => slices.flatMap((s) => s.label));
const count = (pred: (v: number) => boolean) => raw.filter(pred).length;

describe('summarizeEmidecDataset', () => {
  it('counts cases, slices and voxels per class of the merge policy like the raw labels say', () => {
    const loaded = loadDataset({ kind: 'emidec', path: src }, tmp);
    const s = summarizeEmidecDataset(loaded);
    expect([s.cases, s.slices, s.positive, s.negative]).toEqual([2, 5, 1, 1]);
    expect(s.sliceSize).toEqual([W, H]);
    expect(s.spacing).toEqual([1.40625, 1.40625, 13]);
    expect(s.classVoxels).toEqual([
      { name: 'unlabelled background', voxels: count((v) => v === 0) },
      { name: 'cavity', voxels: count((v) => v === 1) },
      { name: 'myocardium', voxels: count((v) => v === 2) },
      { name: 'lesion', voxels: count((v) => v === 3 || v === 4) },
    ]);
    // the normal case's fixture labels stop at 2: only Case_P001's 3 slices hold lesion
    const lesionSlices = cases.Case_P001.filter((sl) => sl.label.some((v) => v >= 3)).length;
    expect([s.casesWithLesion, s.slicesWithLesion]).toEqual([1, lesionSlices]);
    expect(s.mvo).toBe('merge');
    expect(s.crop).toBeNull();
    expect(s.spacingNote).toMatch(/^nominal 1\.40625 x 1\.40625 mm in plane .* volumes in mL are approximate$/);
    expect(s.licence).toBe('CC BY-NC-SA 4.0');
    const text = formatEmidecSummary(s);
    expect(text).toContain('2 cases (1 with infarct, Case_P; 1 normal, Case_N), 5 short-axis slices of 4×3 pixels');
    expect(text).toContain("lesion = infarct + no-reflow (mvo 'merge')");
    expect(text).toContain('licence of the data: CC BY-NC-SA 4.0');
  });

  it('follows the separate policy: no-reflow is an auxiliary class, the lesion is the infarct alone', () => {
    const merged = loadDataset({ kind: 'emidec', path: src }, tmp);
    const s = summarizeEmidecDataset(loadDataset({ kind: 'emidec', path: String(merged.info.imported), mvo: 'separate' }, tmp));
    expect(s.classVoxels.map((c) => [c.name, c.voxels])).toEqual([
      ['unlabelled background', count((v) => v === 0)],
      ['cavity', count((v) => v === 1)],
      ['myocardium', count((v) => v === 2)],
      ['no-reflow', count((v) => v === 4)],
      ['lesion', count((v) => v === 3)],
    ]);
    expect(formatEmidecSummary(s)).toContain("lesion = infarct (mvo 'separate')");
  });

  it('refuses a dataset of another kind', () => {
    const synthetic = loadDataset({ kind: 'synthetic', cases: 1, seed: 0 });
    expect(() => summarizeEmidecDataset(synthetic)).toThrow(/expected a dataset loaded by the emidec kind, got kind "synthetic"/);
  });
});
