/**
 * Dataset kind 'emidec' (lib/data/kinds/emidec.ts) on a tiny PNG-slice source: the config
 * checked with errors naming the field; a raw layout imported on the fly into
 * <baseDir>/build/cache/emidec-<12 hex>/, reused while the source is unchanged and redone
 * when it changes or the mvo policy differs; an imported folder read as it is; the cases'
 * lesion masks and auxiliary classes (cavity, myocardium [, no-reflow]) from the raw labels.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { emidecCacheFolder, importEmidec } from '../../lib/data/emidec';
import { loadDataset, resolveDatasetConfig } from '../../lib/data/registry';
import { greyPng } from '../io/png-fixtures';
import { defaultCases, FixtureSlice, H, W, writePngLayout } from './emidec-fixtures';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-emidec-kind-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The case's raw labels, slices concatenated (the volume's voxel order). */
const rawLabels = (slices: FixtureSlice[]) => slices.flatMap((s) => s.label);

describe("dataset kind 'emidec'", () => {
  it('checks its config', () => {
    expect(resolveDatasetConfig({ kind: 'emidec', path: 'data/emidec' })).toEqual({ kind: 'emidec', path: 'data/emidec' });
    expect(resolveDatasetConfig({ kind: 'emidec', path: 'x', mvo: 'separate' })).toEqual({ kind: 'emidec', path: 'x', mvo: 'separate' });
    expect(() => resolveDatasetConfig({ kind: 'emidec', path: 'x', mvo: 'split' })).toThrow(/'dataset\.mvo' must be 'merge' \(lesion = infarct \+ no-reflow\) or 'separate' .*, got "split"/);
    expect(() => resolveDatasetConfig({ kind: 'emidec' })).toThrow(/'dataset\.path' must be an EMIDEC folder/);
    expect(() => resolveDatasetConfig({ kind: 'emidec', path: 'x', lesionLabels: [3] })).toThrow(/unknown field 'dataset\.lesionLabels' \(a emidec dataset has only kind, path, mvo, crop\)/);
    expect(resolveDatasetConfig({ kind: 'emidec', path: 'x', crop: [128, 96] })).toEqual({ kind: 'emidec', path: 'x', crop: [128, 96] });
    for (const bad of [[128], [0, 8], [8.5, 8], '128']) {
      expect(() => resolveDatasetConfig({ kind: 'emidec', path: 'x', crop: bad })).toThrow(/'dataset\.crop' must be \[rows, columns\]: two positive integers/);
    }
  });

  it('crops the centre of every slice (x = column, y = row), and refuses a crop larger than a slice', () => {
    const cases = defaultCases();
    const src = writePngLayout(path.join(tmp, 'raw-crop'), cases);
    // slices are W = 4 columns × H = 3 rows; a 2×2 centre crop keeps columns 1–2 and rows 0–1
    const { cases: cropped, info } = loadDataset({ kind: 'emidec', path: src, crop: [2, 2] }, tmp);
    expect(info).toMatchObject({ crop: [2, 2] });
    for (const c of cropped) {
      const slices = cases[c.id];
      expect(c.lesion.dims).toEqual([2, 2, slices.length]);
      const keep = (plane: number[]) => [0, 1].flatMap((row) => [1, 2].map((col) => plane[row * W + col]));
      expect(Array.from(c.channels[0].data)).toEqual(slices.flatMap((s) => keep(s.image)));
      expect(Array.from(c.aux!.data)).toEqual(slices.flatMap((s) => keep(s.label).map((v) => (v === 1 || v === 2 ? v : 0))));
    }
    expect(() => loadDataset({ kind: 'emidec', path: src, crop: [4, 4] }, tmp)).toThrow(/emidec: case Case_\w+ has 3×4 slices, smaller than the crop 4×4/);
  });

  it('imports a raw layout into the cache, reuses it, and redoes it when the source changes', () => {
    const cases = defaultCases();
    const src = writePngLayout(path.join(tmp, 'raw'), cases);
    const base = path.join(tmp, 'base');
    mkdirSync(base);
    const first = loadDataset({ kind: 'emidec', path: '../raw' }, base);
    const cacheDir = emidecCacheFolder(src, path.join(base, 'build', 'cache'), 'merge');
    expect(path.basename(cacheDir)).toMatch(/^emidec-[0-9a-f]{12}$/);
    expect(first.info).toMatchObject({ kind: 'emidec', path: src, imported: cacheDir, cache: 'created', mvo: 'merge', cases: 2, auxNames: ['cavity', 'myocardium'] });
    expect(readdirSync(path.join(base, 'build', 'cache'))).toEqual([path.basename(cacheDir)]);
    expect(first.cases.map((c) => c.id)).toEqual(['Case_N002', 'Case_P001']);
    for (const c of first.cases) {
      const raw = rawLabels(cases[c.id]);
      expect(c.auxNames).toEqual(['cavity', 'myocardium']);
      expect(Array.from(c.lesion.data)).toEqual(raw.map((v) => (v === 3 || v === 4 ? 1 : 0)));
      expect(Array.from(c.aux!.data)).toEqual(raw.map((v) => (v === 1 || v === 2 ? v : 0)));
      expect(Array.from(c.channels[0].data)).toEqual(cases[c.id].flatMap((s) => s.image));
      expect(c.channelNames).toEqual(['LGE-MRI']);
    }
    const stamp = statSync(path.join(cacheDir, 'dataset.json')).mtimeMs;
    const again = loadDataset({ kind: 'emidec', path: '../raw' }, base);
    expect(again.info).toMatchObject({ imported: cacheDir, cache: 'reused' });
    expect(statSync(path.join(cacheDir, 'dataset.json')).mtimeMs).toBe(stamp);

    const touched = path.join(src, 'labels', 'Case_P001_slice000.png');
    utimesSync(touched, new Date(), new Date(Date.now() + 5000));
    const changed = loadDataset({ kind: 'emidec', path: src }, base);
    expect(changed.info).toMatchObject({ cache: 'created' });
    expect(changed.info.imported).not.toBe(cacheDir);
    expect(readdirSync(path.join(base, 'build', 'cache'))).toHaveLength(2);
  });

  it("mvo 'separate' makes no-reflow an auxiliary class (its own cache folder)", () => {
    const cases = defaultCases();
    const src = writePngLayout(path.join(tmp, 'raw-sep'), cases);
    const base = path.join(tmp, 'base-sep');
    const merged = loadDataset({ kind: 'emidec', path: src }, base);
    const sep = loadDataset({ kind: 'emidec', path: src, mvo: 'separate' }, base);
    expect(sep.info.imported).not.toBe(merged.info.imported);
    const c = sep.cases.find((x) => x.id === 'Case_P001')!;
    const raw = rawLabels(cases.Case_P001);
    expect(raw).toContain(4);
    expect(c.auxNames).toEqual(['cavity', 'myocardium', 'no-reflow']);
    expect(Array.from(c.lesion.data)).toEqual(raw.map((v) => (v === 3 ? 1 : 0)));
    expect(Array.from(c.aux!.data)).toEqual(raw.map((v) => (v === 4 ? 3 : v === 3 ? 0 : v)));
  });

  it('reads an imported folder as it is, with its own policy unless the config gives one', () => {
    const src = writePngLayout(path.join(tmp, 'raw-imp'), defaultCases());
    const out = path.join(tmp, 'imported');
    importEmidec(src, out, { mvo: 'separate' });
    const base = path.join(tmp, 'base-imp');
    const own = loadDataset({ kind: 'emidec', path: out }, base);
    expect(own.info).toMatchObject({ imported: out, cache: 'no', mvo: 'separate', lesionLabels: [3] });
    const merged = loadDataset({ kind: 'emidec', path: out, mvo: 'merge' }, base);
    expect(merged.info).toMatchObject({ imported: out, cache: 'no', mvo: 'merge', lesionLabels: [3, 4] });
    expect(() => readdirSync(path.join(base, 'build'))).toThrow(/ENOENT/);
  });

  it('a bad raw layout fails naming the file and leaves no cache folder', () => {
    const src = writePngLayout(path.join(tmp, 'raw-bad'), defaultCases());
    rmSync(path.join(src, 'labels', 'Case_N002_slice001.png'));
    const base = path.join(tmp, 'base-bad');
    expect(() => loadDataset({ kind: 'emidec', path: src }, base)).toThrow(/images\/Case_N002_slice001\.png: image without its label/);
    expect(existsSync(base)).toBe(false);
    // a problem found while decoding (after the cache's staging folder exists) leaves nothing either
    const late = writePngLayout(path.join(tmp, 'raw-late'), defaultCases());
    writeFileSync(path.join(late, 'labels', 'Case_P001_slice002.png'), greyPng(W, H, new Array(W * H).fill(7)));
    expect(() => loadDataset({ kind: 'emidec', path: late }, base)).toThrow(/labels\/Case_P001_slice002\.png: label value 7 at row 0, column 0 is outside EMIDEC's 0-4/);
    expect(readdirSync(path.join(base, 'build', 'cache'))).toEqual([]);
  });
});
