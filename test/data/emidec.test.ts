/**
 * The EMIDEC importer (lib/data/emidec.ts, emidec-source.ts) on tiny sources written
 * here: both layouts detected, slices stacked with x = PNG column, y = PNG row, z = slice
 * (every voxel checked), the MSD folder and dataset.json as the shared contract states
 * them, the mvo policy, the spacing (nominal for PNGs, EMIDEC's pixdim for NIfTI), and
 * every kind of bad input refused with an error naming the file and the problem, with
 * nothing left in the output's parent folder (neither the folder nor a temporary one).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { emidecPolicy, importEmidec } from '../../lib/data/emidec';
import { detectEmidecLayout } from '../../lib/data/emidec-source';
import { readNifti } from '../../lib/io/nifti';
import { greyPng, otherPng } from '../io/png-fixtures';
import { defaultCases, FixtureSlice, H, slice, W, writeNiftiCase, writePngLayout } from './emidec-fixtures';

const tmp = mkdtempSync(path.join(tmpdir(), 'backsplit-emidec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
/** A fresh folder for one test. */
const fresh = (): string => {
  const d = path.join(tmp, `t${n++}`);
  mkdirSync(d);
  return d;
};

/** Every voxel of an imported case against its slices: volume (x, y, z) = slice z at row y, column x. */
function expectStacked(file: string, slices: FixtureSlice[], key: 'image' | 'label'): void {
  const { volume, header } = readNifti(file);
  expect(volume.dims).toEqual([W, H, slices.length]);
  expect(header.datatype).toBe('uint8');
  for (let z = 0; z < slices.length; z++) {
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(volume.data[x + W * (y + H * z)]).toBe(slices[z][key][y * W + x]);
  }
}

describe('EMIDEC PNG slices', () => {
  it('stacks every case into an MSD folder with the contract dataset.json and nominal spacing', () => {
    const dir = fresh();
    const cases = defaultCases();
    const src = writePngLayout(path.join(dir, 'src'), cases);
    const s = importEmidec(src, path.join(dir, 'out'));
    const out = path.join(dir, 'out');
    expect(readdirSync(dir).sort()).toEqual(['out', 'src']);
    expect(readdirSync(out).sort()).toEqual(['dataset.json', 'imagesTr', 'labelsTr']);
    for (const [id, slices] of Object.entries(cases)) {
      expectStacked(path.join(out, 'imagesTr', `${id}.nii.gz`), slices, 'image');
      expectStacked(path.join(out, 'labelsTr', `${id}.nii.gz`), slices, 'label');
      const { volume } = readNifti(path.join(out, 'labelsTr', `${id}.nii.gz`));
      expect(volume.spacing).toEqual([1.40625, 1.40625, 13]);
    }
    const json = JSON.parse(readFileSync(path.join(out, 'dataset.json'), 'utf8'));
    expect(json).toMatchObject({
      name: 'EMIDEC',
      modality: { '0': 'LGE-MRI' },
      labels: { '0': 'background', '1': 'left-ventricular cavity', '2': 'normal myocardium', '3': 'myocardial infarction', '4': 'no-reflow' },
      numTraining: 2,
      training: [
        { image: './imagesTr/Case_N002.nii.gz', label: './labelsTr/Case_N002.nii.gz' },
        { image: './imagesTr/Case_P001.nii.gz', label: './labelsTr/Case_P001.nii.gz' },
      ],
      backsplit: { lesionLabels: [3, 4], auxLabels: [1, 2], mvo: 'merge', source: src, layout: 'png-slices', licence: 'CC BY-NC-SA 4.0' },
    });
    expect(json.backsplit.spacing).toMatch(/^nominal 1\.40625 x 1\.40625 mm in plane .*13 mm between slices: volumes in mL are approximate$/);
    // the summary, counted here from the fixture
    const all = Object.values(cases).flat().flatMap((x) => x.label);
    const count = (v: number) => all.filter((x) => x === v).length;
    expect(s).toMatchObject({ layout: 'png-slices', cases: 2, slices: 5, positive: 1, negative: 1, mvo: 'merge' });
    expect(s.labelVoxels).toEqual([0, 1, 2, 3, 4].map(count));
    expect(s.lesionVoxels).toBe(count(3) + count(4));
    expect(s.lesionMl).toBeCloseTo(((count(3) + count(4)) * 1.40625 * 1.40625 * 13) / 1000, 12);
  });

  it('--mvo separate keeps no-reflow an auxiliary class; labels stay raw either way', () => {
    const dir = fresh();
    const cases = defaultCases();
    const src = writePngLayout(path.join(dir, 'src'), cases);
    const s = importEmidec(src, path.join(dir, 'out'), { mvo: 'separate' });
    const json = JSON.parse(readFileSync(path.join(dir, 'out', 'dataset.json'), 'utf8'));
    expect(json.backsplit).toMatchObject({ lesionLabels: [3], auxLabels: [1, 2, 4], mvo: 'separate' });
    expect(s.lesionVoxels).toBe(Object.values(cases).flat().flatMap((x) => x.label).filter((v) => v === 3).length);
    expectStacked(path.join(dir, 'out', 'labelsTr', 'Case_P001.nii.gz'), cases.Case_P001, 'label');
    expect(emidecPolicy('separate').auxNames).toEqual(['cavity', 'myocardium', 'no-reflow']);
    expect(emidecPolicy('merge')).toEqual({ lesionLabels: [3, 4], auxLabels: [1, 2], auxNames: ['cavity', 'myocardium'] });
  });

  it('orders slices by number, not by name, and accepts numbering that does not start at 0', () => {
    const dir = fresh();
    const slices = Array.from({ length: 11 }, (_, i) => slice(i + 10));
    const src = path.join(dir, 'src');
    mkdirSync(path.join(src, 'images'), { recursive: true });
    mkdirSync(path.join(src, 'labels'), { recursive: true });
    slices.forEach((s, z) => {
      const name = `Case_P007_slice${z + 5}.png`; // slice5 .. slice15: name order puts 10..15 before 5
      writeFileSync(path.join(src, 'images', name), greyPng(W, H, s.image));
      writeFileSync(path.join(src, 'labels', name), greyPng(W, H, s.label));
    });
    importEmidec(src, path.join(dir, 'out'));
    expectStacked(path.join(dir, 'out', 'labelsTr', 'Case_P007.nii.gz'), slices, 'label');
  });

  it('an existing output folder is an error without force and replaced with it', () => {
    const dir = fresh();
    const src = writePngLayout(path.join(dir, 'src'), defaultCases());
    const out = path.join(dir, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'old.txt'), 'x');
    expect(() => importEmidec(src, out)).toThrow(`${out}: already exists (use --force to replace it)`);
    expect(readdirSync(out)).toEqual(['old.txt']);
    importEmidec(src, out, { force: true });
    expect(readdirSync(out).sort()).toEqual(['dataset.json', 'imagesTr', 'labelsTr']);
    expect(readdirSync(dir).sort()).toEqual(['out', 'src']);
    expect(() => importEmidec(src, path.join(src, 'images', 'x'), { force: true })).toThrow(/lies inside the source/);
    expect(() => importEmidec(src, dir, { force: true })).toThrow(/would hold \(or be\) the source/);
  });
});

describe('EMIDEC bad input: an error naming the file and the problem, nothing written', () => {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  /** Build a source with `mutate`, import it, and check the error and that the parent folder holds only src. */
  function refuses(mutate: (src: string) => void, message: (src: string) => RegExp): void {
    const dir = fresh();
    const src = writePngLayout(path.join(dir, 'src'), defaultCases());
    mutate(src);
    expect(() => importEmidec(src, path.join(dir, 'out'))).toThrow(message(src));
    expect(readdirSync(dir)).toEqual(['src']);
  }
  const p1 = (src: string, sub: string, z = 1) => path.join(src, sub, `Case_P001_slice00${z}.png`);

  it('an image without its label, and a label without its image', () => {
    refuses((src) => rmSync(p1(src, 'labels')), (src) => new RegExp(`^${esc(p1(src, 'images'))}: image without its label \\(no Case_P001 slice 1 in ${esc(path.join(src, 'labels'))}\\)`));
    refuses((src) => rmSync(p1(src, 'images')), (src) => new RegExp(`^${esc(p1(src, 'labels'))}: label without its image`));
  });

  it('an RGB image, a 16-bit label', () => {
    refuses((src) => writeFileSync(p1(src, 'images'), otherPng(W, H, 'rgb')), (src) => new RegExp(`^${esc(p1(src, 'images'))}: expected an 8-bit single-channel \\(greyscale\\) PNG, found 8-bit RGB`));
    refuses((src) => writeFileSync(p1(src, 'labels', 2), otherPng(W, H, 'grey16')), (src) => new RegExp(`^${esc(p1(src, 'labels', 2))}: .*found 16-bit greyscale`));
  });

  it('a label value outside 0-4, in the last case read (nothing written before it stays)', () => {
    const bad = slice(1).label.map((v, i) => (i === 6 ? 5 : v));
    refuses(
      (src) => writeFileSync(p1(src, 'labels', 2), greyPng(W, H, bad)),
      (src) => new RegExp(`^${esc(p1(src, 'labels', 2))}: label value 5 at row 1, column 2 is outside EMIDEC's 0-4`),
    );
  });

  it('mismatched sizes: a label against its image, a slice against its case', () => {
    refuses((src) => writeFileSync(p1(src, 'labels'), greyPng(W + 1, H, new Array((W + 1) * H).fill(0))), (src) => new RegExp(`^${esc(p1(src, 'labels'))}: 5x3 pixels, but its image .* is 4x3`));
    refuses(
      (src) => {
        writeFileSync(p1(src, 'images', 2), greyPng(W, H + 1, new Array(W * (H + 1)).fill(0)));
        writeFileSync(p1(src, 'labels', 2), greyPng(W, H + 1, new Array(W * (H + 1)).fill(0)));
      },
      (src) => new RegExp(`^${esc(p1(src, 'images', 2))}: 4x4 pixels, but slice 0 of case Case_P001 .* is 4x3`),
    );
  });

  it('a gap in the slices, a name that is not Case_<id>_slice<n>.png, a duplicate slice number', () => {
    refuses(
      (src) => ['images', 'labels'].forEach((s) => rmSync(p1(src, s))),
      (src) => new RegExp(`^${esc(p1(src, 'images', 2))}: case Case_P001 has slice 0 then 2; slices 1..1 are missing`),
    );
    refuses((src) => writeFileSync(path.join(src, 'images', 'scan.png'), greyPng(W, H, new Array(W * H).fill(0))), (src) => new RegExp(`^${esc(path.join(src, 'images', 'scan.png'))}: name does not follow`));
    refuses((src) => writeFileSync(path.join(src, 'images', 'Case_P001_slice1.png'), greyPng(W, H, new Array(W * H).fill(0))), () => /Case_P001_slice1\.png: slice 1 of case Case_P001 is also .*Case_P001_slice001\.png/);
  });

  it('an empty folder, an unrecognised folder, images/ without labels/, a missing folder', () => {
    const dir = fresh();
    mkdirSync(path.join(dir, 'empty'));
    expect(() => importEmidec(path.join(dir, 'empty'), path.join(dir, 'out'))).toThrow(/empty: empty folder; expected EMIDEC's PNG slices \(images\/ and labels\/.*\) or its NIfTI cases/);
    mkdirSync(path.join(dir, 'other'));
    writeFileSync(path.join(dir, 'other', 'notes.txt'), 'x');
    expect(() => importEmidec(path.join(dir, 'other'), path.join(dir, 'out'))).toThrow(/other: neither layout found \(entries: notes\.txt\); expected/);
    const src = writePngLayout(path.join(dir, 'half'), defaultCases());
    rmSync(path.join(src, 'labels'), { recursive: true });
    expect(() => importEmidec(src, path.join(dir, 'out'))).toThrow(/half\/labels: missing; a PNG-slice EMIDEC folder has both images\/ and labels\//);
    expect(() => importEmidec(path.join(dir, 'absent'), path.join(dir, 'out'))).toThrow(/absent: not a folder/);
    expect(readdirSync(dir).sort()).toEqual(['empty', 'half', 'other']);
  });
});

describe('EMIDEC NIfTI cases', () => {
  const dims: [number, number, number] = [5, 4, 3];
  const image = Float32Array.from({ length: 60 }, (_, p) => (p * 13) % 97);
  const label = Uint8Array.from({ length: 60 }, (_, p) => (p * 7) % 5);

  it('keeps the grid, uses pixdim for the voxel size with the sform directions, labels voxel by voxel', () => {
    const dir = fresh();
    const src = path.join(dir, 'src');
    writeNiftiCase(src, 'Case_P100', image, label, dims);
    writeFileSync(path.join(src, 'Case_P100.txt'), 'clinical notes');
    expect(detectEmidecLayout(src)).toBe('nifti-cases');
    const s = importEmidec(src, path.join(dir, 'out'), { mvo: 'separate' });
    expect(s).toMatchObject({ layout: 'nifti-cases', cases: 1, slices: 3, positive: 1, negative: 0, spacing: 'from NIfTI' });
    const lab = readNifti(path.join(dir, 'out', 'labelsTr', 'Case_P100.nii.gz'));
    const img = readNifti(path.join(dir, 'out', 'imagesTr', 'Case_P100.nii.gz'));
    expect(Array.from(lab.volume.data)).toEqual(Array.from(label));
    expect(Array.from(img.volume.data)).toEqual(Array.from(image));
    expect(lab.header.datatype).toBe('uint8');
    expect(img.header.datatype).toBe('float32');
    for (const v of [lab.volume, img.volume]) {
      expect(v.spacing).toEqual([1.40625, 1.40625, 13]);
      expect(v.affine).toEqual([
        [-1.40625, 0, 0, 0],
        [0, -1.40625, 0, 0],
        [0, 0, 13, 0],
        [0, 0, 0, 1],
      ]);
    }
    const json = JSON.parse(readFileSync(path.join(dir, 'out', 'dataset.json'), 'utf8'));
    expect(json.backsplit).toMatchObject({ layout: 'nifti-cases', spacing: 'from NIfTI', lesionLabels: [3], auxLabels: [1, 2, 4] });
    expect(s.lesionMl).toBeCloseTo((label.filter((v) => v === 3).length * 1.40625 * 1.40625 * 13) / 1000, 12);
  });

  it('refuses a label value outside 0-4, a grid mismatch, a missing Contours file', () => {
    const cases: Array<[string, (src: string) => void, RegExp]> = [
      ['value', (src) => writeNiftiCase(src, 'Case_P1', image, label.map((v, p) => (p === 17 ? 9 : v)), dims), /Contours\/Case_P1\.nii\.gz: label value 9 at voxel 17 is outside EMIDEC's 0-4/],
      [
        'grid',
        (src) => {
          writeNiftiCase(src, 'Case_P1', image, label, dims);
          writeNiftiCase(path.join(src, 'x'), 'Case_P1', image.slice(0, 40), label.slice(0, 40), [5, 4, 2]);
          rmSync(path.join(src, 'Case_P1', 'Contours'), { recursive: true });
          mkdirSync(path.join(src, 'Case_P1', 'Contours'));
          writeFileSync(path.join(src, 'Case_P1', 'Contours', 'Case_P1.nii.gz'), readFileSync(path.join(src, 'x', 'Case_P1', 'Contours', 'Case_P1.nii.gz')));
          rmSync(path.join(src, 'x'), { recursive: true });
        },
        /Contours\/Case_P1\.nii\.gz: grid 5x4x2, but its image .*Images\/Case_P1\.nii\.gz is 5x4x3/,
      ],
      [
        'missing',
        (src) => {
          writeNiftiCase(src, 'Case_P1', image, label, dims);
          rmSync(path.join(src, 'Case_P1', 'Contours', 'Case_P1.nii.gz'));
        },
        /Contours\/Case_P1\.nii\.gz: missing \(an EMIDEC case folder holds Images\/Case_P1\.nii\.gz and Contours\/Case_P1\.nii\.gz\)/,
      ],
    ];
    for (const [, make, message] of cases) {
      const dir = fresh();
      make(path.join(dir, 'src'));
      expect(() => importEmidec(path.join(dir, 'src'), path.join(dir, 'out'))).toThrow(message);
      expect(readdirSync(dir)).toEqual(['src']);
      expect(existsSync(path.join(dir, 'out.partial'))).toBe(false);
    }
  });
});
